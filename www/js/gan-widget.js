// The GAN widgets. DCGAN: both losses, the diversity indicator (with a mode-collapse warning), a
// grid of samples of fixed noise redrawn as it trains, a strip of snapshots of the same noise
// over time, and a walk through noise space. CycleGAN: regular <-> bold digits, X -> Y -> X and
// Y -> X -> Y for held-out digits, and the user's drawing translated both ways.
// Both start from shipped pretrained weights; "Reset" trains from scratch.

import { number, text } from "./method-widget.js";
import { PretrainedWidget } from "./pretrained-widget.js";
import { DrawingPad } from "./drawing-pad.js";
import { drawGroupGrid, drawRows, FrameStrip } from "./image-rows.js";

const pct = (v) => `${(v * 100).toFixed(1)}%`;
/** Below this diversity (a generated batch's spread over a real batch's) the samples look alike. */
const COLLAPSE = 0.4;
/** Snapshots kept in the strip. */
const SNAPSHOTS = 8;
/** The seed of the noise of the sample grid (the strip shows its first images). */
const GRID_SEED = 0;

export class GanWidget extends PretrainedWidget {
  constructor(root) {
    super(root, {
      method: "gan",
      examples: 32,
      fields: {
        dataset: text, batch_size: number, noise: number, loss: text,
        generator_learning_rate: number, discriminator_learning_rate: number,
        gradient_clip: number, discriminator_steps: number, seed: number,
      },
      plots: {
        discriminator_loss: { color: "#2b6cb0" },
        diversity: { color: "#2f855a", yMin: 0, format: (v) => v.toFixed(2) },
      },
    }, {
      gan: { file: "pretrained/gan.upck", label: "DCGAN on MNIST digits" },
      gan_fashion: { file: "pretrained/gan-fashion.upck", label: "DCGAN on Fashion-MNIST" },
    });
    this.plots.diversity.setReference(1, "real data");
    this.snapshots = [];
    this.strip = new FrameStrip(this.el("walk"), this.el("walk-animation"), this.life.signal);
    for (const name of ["walk-from", "walk-to", "walk-frames", "walk-mode"]) {
      this.el(name).addEventListener("change", () => this.drawWalk());
    }
    this.el("walk-new").addEventListener("click", () => {
      this.el("walk-from").value = this.el("walk-to").value;
      this.el("walk-to").value = Math.floor(Math.random() * 1e6);
      this.drawWalk();
    });
  }

  /** Fixed noise -> the sample grid (and one more snapshot for the strip), then the walk. */
  async refreshExamples() {
    if (!this.session || this.starting) return;
    try {
      const images = await this.session.samples(this.exampleCount, { seed: GRID_SEED });
      drawGroupGrid(this.grid, images, "samples", 8);
      this.grid.dataset.samples = images.groups[0].count;
      performance.mark("gan:first-samples");
      this.addSnapshot(images);
      await this.drawWalk();
    } catch (error) {
      this.showError(error);
    }
  }

  /** The first images of the grid at this step, one row per snapshot (the latest at the bottom). */
  addSnapshot(images) {
    const group = images.groups[0], n = 28 * 28, keep = 8;
    const step = this.stepCount;
    if (this.snapshots.length && this.snapshots.at(-1).step === step) this.snapshots.pop();
    this.snapshots.push({ step, pixels: group.pixels.slice(0, keep * n) });
    if (this.snapshots.length > SNAPSHOTS) this.snapshots.shift();
    const rows = {
      ...images,
      groups: this.snapshots.map((s) => ({ name: `step ${s.step}`, count: keep, pixels: s.pixels })),
    };
    drawRows(this.el("snapshots"), rows, rows.groups.map((g) => g.name), { scale: 1, gap: 2 });
    this.el("snapshots").dataset.snapshots = this.snapshots.length;
  }

  async drawWalk() {
    if (!this.session) return;
    try {
      const from = Number(this.el("walk-from").value), to = Number(this.el("walk-to").value);
      const walk = await this.session.latent_walk(from, to, {
        frames: Number(this.el("walk-frames").value), mode: this.el("walk-mode").value,
      });
      this.strip.draw(walk, "frames");
      this.showError(null);
    } catch (error) {
      this.showError(error);
    }
  }

  clearPlots() {
    super.clearPlots();
    this.snapshots = [];
    this.plots.diversity?.setReference(1, "real data");
    this.el?.("collapse")?.setAttribute("hidden", "");
  }

  onReport(report) {
    super.onReport(report);
    const diversity = report.metrics.find((m) => m.name === "diversity")?.value;
    const warning = this.el("collapse");
    warning.hidden = !(diversity < COLLAPSE);
    if (!warning.hidden) {
      warning.textContent = `Mode collapse? The generated images vary only ${diversity.toFixed(2)}× as much ` +
        "as real ones: the generator draws nearly the same thing for every noise. Try a lower " +
        "generator learning rate, more discriminator steps, or the least-squares loss.";
    }
  }

  showEvaluation(ev) {
    const g = ev.gan;
    this.field("confident").textContent = pct(g.confident);
    this.field("real_confident").textContent = pct(g.real_confident);
    this.field("classes_present").textContent = `${g.classes_present} of ${g.per_class.length}`;
    this.field("per_class").textContent = g.per_class.join(" · ");
    this.field("classifier_accuracy").textContent = pct(g.classifier_accuracy);
    this.field("eval_samples").textContent = g.samples;
    this.root.querySelector("table.probe").dataset.confident = g.confident;
  }
}

export class CycleGanWidget extends PretrainedWidget {
  constructor(root) {
    super(root, {
      method: "cyclegan",
      examples: 8,
      fields: {
        dataset: text, batch_size: number, lambda: number, identity: number, loss: text,
        generator_learning_rate: number, discriminator_learning_rate: number, seed: number,
      },
      plots: {
        cycle: { color: "#2f855a", yMin: 0 },
        discriminator_loss: { color: "#2b6cb0" },
      },
    }, {
      cyclegan: { file: "pretrained/cyclegan.upck", label: "CycleGAN, regular ↔ bold digits" },
    });
    this.pad = new DrawingPad(this.el("pad"), this.el("clear-pad"));
    this.el("translate-drawing").addEventListener("click", () => this.translateDrawing());
  }

  /** Held-out digits each way, translated and back. */
  async refreshExamples() {
    if (!this.session || this.starting) return;
    try {
      const there = await this.session.translations(0, this.exampleCount, { direction: "x_to_y" });
      const back = await this.session.translations(0, this.exampleCount, { direction: "y_to_x" });
      const names = ["regular x", "G(x): bold", "F(G(x)): back"];
      drawRows(this.grid, relabel(there, names), names);
      const namesBack = ["bold y", "F(y): regular", "G(F(y)): back"];
      drawRows(this.el("back"), relabel(back, namesBack), namesBack);
      this.grid.dataset.translations = there.groups[1].count;
      performance.mark("cyclegan:first-translations");
    } catch (error) {
      this.showError(error);
    }
  }

  /** The drawing; as bold and back; as regular (as if it were bold) and back: one row. */
  async translateDrawing() {
    try {
      const image = this.pad.pixels();
      const toBold = await this.session.translate(image, { direction: "x_to_y" });
      const toRegular = await this.session.translate(image, { direction: "y_to_x" });
      const [input, bold, boldBack] = toBold.groups, [, regular, regularBack] = toRegular.groups;
      const row = { name: "drawn", count: 5, pixels: concat([input, bold, boldBack, regular, regularBack]) };
      const canvas = this.el("drawn");
      drawRows(canvas, { ...toBold, groups: [row] }, ["drawn"], { scale: 3, label: false });
      canvas.dataset.translated = "1";
      this.showError(null);
    } catch (error) {
      this.showError(error);
    }
  }

  showEvaluation(ev) {
    const c = ev.cyclegan;
    const f = (v) => v.toFixed(4);
    this.field("cycle_x").textContent = f(c.cycle_x);
    this.field("cycle_y").textContent = f(c.cycle_y);
    this.field("to_y_error").textContent = f(c.to_y_error);
    this.field("to_x_error").textContent = f(c.to_x_error);
    this.field("unchanged_error").textContent = f(c.unchanged_error);
    this.field("eval_images").textContent = c.images;
    this.root.querySelector("table.probe").dataset.cycle = (c.cycle_x + c.cycle_y) / 2;
  }
}

/** The same images with their groups renamed, in order. */
function relabel(images, names) {
  return { ...images, groups: images.groups.map((g, i) => ({ ...g, name: names[i] })) };
}

/** The pixels of several one-image groups, one after the other. */
function concat(groups) {
  const out = new Uint8Array(groups.reduce((n, g) => n + g.pixels.length, 0));
  let at = 0;
  for (const g of groups) { out.set(g.pixels, at); at += g.pixels.length; }
  return out;
}
