// The autoencoder and VAE widgets: reconstructions (with the noisy inputs of a denoising
// autoencoder), and for the VAE a live grid of prior samples, interpolation between two picked or
// drawn digits (a strip and an animation, linear or spherical), latent arithmetic a - b + c, the
// 2-D manifold with the encoded digits over it, and the conditional VAE's class controls.
// Pretrained weights load at start so the VAE's demos work at once; "Reset" trains from scratch.

import { MethodWidget, number, text } from "./method-widget.js";
import { PretrainedWidget } from "./pretrained-widget.js";
import { DrawingPad } from "./drawing-pad.js";
import { SIDE, drawGroupGrid, drawRows, groupPixels, FrameStrip } from "./image-rows.js";
import { ownSize } from "./surface.js";

const bool = (v) => v === "true";
/** A class's colour in the latent scatter. */
const CLASS_COLOURS = ["#e53e3e", "#dd6b20", "#d69e2e", "#38a169", "#319795",
  "#3182ce", "#5a67d8", "#805ad5", "#d53f8c", "#4a5568"];

/** The autoencoder and the denoising autoencoder: inputs, noisy inputs, reconstructions. */
export class AutoencoderWidget extends MethodWidget {
  constructor(root) {
    super(root, {
      method: "autoencoder",
      examples: 8,
      fields: { dataset: text, batch_size: number, learning_rate: number, latent: number, noise: number, seed: number },
    });
  }

  async refreshExamples() {
    try {
      const images = await this.session.reconstructions(0, this.exampleCount);
      const names = images.groups.map((g) => g.name);
      drawRows(this.grid, images, names);
      this.grid.dataset.groups = names.join(",");
    } catch (error) {
      this.showError(error);
    }
  }

  showEvaluation(ev) {
    const g = ev.generative;
    this.field("reconstruction_nats").textContent = g.reconstruction_nats.toFixed(2);
    this.field("mse").textContent = g.mse.toFixed(4);
    this.field("eval_held_out").textContent = g.held_out;
    this.root.querySelector("table.probe").dataset.nats = g.reconstruction_nats;
  }
}

/** The shipped pretrained VAEs (made by the commands in the README). */
const PRETRAINED = {
  vae: { file: "pretrained/vae.upck", label: "VAE, 16-d latent" },
  vae2d: { file: "pretrained/vae2d.upck", label: "VAE, 2-d latent (manifold)" },
  cvae: { file: "pretrained/cvae.upck", label: "conditional VAE, 2-d latent" },
};

/** The VAE and the conditional VAE. */
export class VaeWidget extends PretrainedWidget {
  constructor(root) {
    super(root, {
      method: "vae",
      examples: 10,
      fields: {
        dataset: text, batch_size: number, learning_rate: number, latent: number, beta: number,
        conditional: bool, seed: number,
      },
      plots: {
        kl: { color: "#6b46c1" },
        reconstruction: { color: "#2f855a" },
      },
    }, PRETRAINED);
    this.picks = { a: 0, b: 1, c: 2 };
    this.slot = "a";
    this.drawn = null;
    this.strip = new FrameStrip(this.el("strip"), this.el("animation"), this.life.signal);
    this.el("slot").addEventListener("change", (e) => (this.slot = e.target.value));
    for (const name of ["mode", "frame-count", "sample-class", "drawn-class"]) {
      this.el(name).addEventListener("change", () => this.refreshGenerations());
    }
    this.grid.addEventListener("click", (e) => this.pick(e));
    // From the keyboard: focus the digits and move the current slot's pick with the arrow keys.
    this.grid.tabIndex = 0;
    this.grid.addEventListener("keydown", (e) => this.movePick(e));
    this.pad = new DrawingPad(this.el("pad"), this.el("clear-pad"));
    this.el("use-drawing").addEventListener("click", () => {
      this.drawn = this.pad.pixels();
      this.picks[this.slot] = "drawn";
      this.drawData();
      this.refreshGenerations();
    });
  }

  conditional() { return this.form.elements.conditional.value === "true"; }
  latent() { return Number(this.form.elements.latent.value); }

  /** The held-out digits (click one to use it as a, b or c) and their reconstructions. */
  async refreshExamples() {
    if (!this.session || this.starting) return;
    try {
      this.data = await this.session.reconstructions(0, this.exampleCount);
      this.drawData();
      await this.refreshGenerations();
    } catch (error) {
      this.showError(error);
    }
  }

  drawData() {
    const { cell, gap, left } = drawRows(this.grid, this.data, ["input", "output"]);
    this.layout = { cell, gap, left };
    const ctx = this.grid.getContext("2d"); // in the grid's own units: drawRows set it up
    ctx.font = "bold 12px sans-serif";
    for (const [slot, i] of Object.entries(this.picks)) {
      if (i === "drawn") continue;
      const x = left + i * (cell + gap);
      ctx.strokeStyle = "#d69e2e";
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 1, 1, cell - 2, cell - 2);
      ctx.fillStyle = "#b7791f";
      ctx.fillText(slot, x + 3, 13);
    }
  }

  pick(event) {
    if (!this.layout || !this.data) return;
    const rect = this.grid.getBoundingClientRect();
    const x = (event.clientX - rect.left) * (ownSize(this.grid).width / rect.width) - this.layout.left;
    const i = Math.floor(x / (this.layout.cell + this.layout.gap));
    if (i < 0 || i >= this.exampleCount) return;
    this.picks[this.slot] = i;
    this.drawData();
    this.refreshGenerations();
  }

  movePick(event) {
    const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (!step || !this.data) return;
    event.preventDefault();
    const current = typeof this.picks[this.slot] === "number" ? this.picks[this.slot] : 0;
    this.picks[this.slot] = (current + step + this.exampleCount) % this.exampleCount;
    this.drawData();
    this.refreshGenerations();
  }

  /** The image and class in slot `a`, `b` or `c`: a held-out digit, or the drawing. */
  slotImage(slot) {
    const i = this.picks[slot];
    if (i === "drawn") return { pixels: this.drawn, label: Number(this.el("drawn-class").value) };
    const input = this.data.groups.find((g) => g.name === "input");
    return { pixels: groupPixels(input, i), label: this.data.labels[i] };
  }

  /** Interpolation, arithmetic, samples, manifold and class sweep of the current model. */
  async refreshGenerations() {
    if (!this.session || !this.data) return;
    try {
      const a = this.slotImage("a"), b = this.slotImage("b"), c = this.slotImage("c");
      const frames = Number(this.el("frame-count").value), mode = this.el("mode").value;
      const strip = await this.session.interpolate(a.pixels, b.pixels, { frames, mode, classes: [a.label, b.label] });
      this.strip.draw(strip, "frames");
      const arith = await this.session.arithmetic(a.pixels, b.pixels, c.pixels, { classes: [a.label, b.label, c.label] });
      drawRows(this.el("arithmetic"), arith, ["inputs", "reconstructions", "result"]);
      const conditional = this.conditional();
      this.root.querySelectorAll("[data-conditional-only]").forEach((e) => (e.hidden = !conditional));
      const sampleClass = conditional ? Number(this.el("sample-class").value) : null;
      const samples = await this.session.samples(16, { seed: 7, class: sampleClass });
      drawGroupGrid(this.el("samples"), samples, "samples", 8);
      if (conditional) {
        const sweep = await this.session.class_sweep(a.pixels, { class: a.label });
        drawRows(this.el("sweep"), sweep, ["input", "classes"], { scale: 1.5 });
      }
      await this.drawManifold(sampleClass);
      performance.mark("vae:first-interpolation");
      this.showError(null);
    } catch (error) {
      this.showError(error);
    }
  }

  /** With a 2-d latent: the decoded grid, and the encoded held-out digits over it. */
  async drawManifold(sampleClass) {
    const figure = this.root.querySelector("[data-manifold-figure]");
    figure.hidden = this.latent() !== 2;
    if (figure.hidden) return;
    const side = 15, canvas = this.el("manifold");
    const grid = await this.session.manifold(side, { class: sampleClass });
    drawGroupGrid(canvas, grid, "grid", side, 1);
    const points = await this.session.latent_points(500);
    const ctx = canvas.getContext("2d"); // in the canvas's own units: drawGroupGrid set it up
    // Code (x, y) in [-range, range] -> the grid's pixels (top row = largest y); the grid's
    // cell centres sit at the grid codes, half a cell in from the edges.
    const size = side * SIDE, half = SIDE / 2, span = size - SIDE, r = points.range;
    for (let i = 0; i < points.labels.length; i++) {
      const x = half + ((points.points[2 * i] + r) / (2 * r)) * span;
      const y = half + ((r - points.points[2 * i + 1]) / (2 * r)) * span;
      ctx.fillStyle = CLASS_COLOURS[points.labels[i] % CLASS_COLOURS.length];
      ctx.globalAlpha = 0.7;
      ctx.beginPath();
      ctx.arc(x, y, 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  showEvaluation(ev) {
    const g = ev.generative;
    const table = this.root.querySelector("table.probe");
    this.field("reconstruction_nats").textContent = g.reconstruction_nats.toFixed(2);
    this.field("kl_nats").textContent = g.kl_nats.toFixed(2);
    this.field("negative_elbo").textContent = g.negative_elbo.toFixed(2);
    this.field("eval_held_out").textContent = g.held_out;
    const c = g.conditional;
    this.field("conditional_score").textContent = c
      ? `${(100 * c.requested_class).toFixed(1)}% (${c.samples_per_class} per class; the classifier is right on ${(100 * c.classifier_accuracy).toFixed(1)}% of real digits)`
      : "– (not conditional)";
    table.dataset.elbo = g.negative_elbo;
  }
}
