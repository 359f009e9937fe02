// The PixelCNN widget: the causal masks drawn, the receptive field of a clicked pixel (computed
// by gradients in Rust), digits sampled pixel by pixel and drawn as they come, and inpainting: erase
// part of a digit and watch the model complete it, several ways. Starts from the shipped
// pretrained model; "Reset" trains from scratch.

import { number, text } from "./method-widget.js";
import { PretrainedWidget } from "./pretrained-widget.js";
import { SIDE } from "./image-rows.js";
import { api } from "./wasm.js";
import { surface } from "./surface.js";

const PIXELS = SIDE * SIDE;
/** Digits sampled side by side. */
const SAMPLES = 8;
/** Completions of one erased digit, side by side. */
const COMPLETIONS = 4;
/** Pixels drawn per call to `complete` (a row): the page redraws in between. */
const PER_CALL = SIDE;

export class PixelCnnWidget extends PretrainedWidget {
  constructor(root) {
    super(root, {
      method: "pixelcnn",
      fields: {
        dataset: text, channels: number, layers: number,
        batch_size: number, learning_rate: number, seed: number,
      },
      plots: {
        bits_per_dim: { color: "#2b6cb0", yMin: 0, format: (v) => v.toFixed(3) },
        held_out: { color: "#c05621", yMin: 0, format: (v) => v.toFixed(3) },
      },
    }, {
      pixelcnn: { file: "pretrained/pixelcnn.upck", label: "PixelCNN on MNIST digits" },
    });
    this.pixel = [14, 14];
    this.digit = 0;
    this.digits = null; // the held-out digits the receptive field returns (binarised)
    this.erased = new Uint8Array(PIXELS);
    this.eraseBottom();
    this.busy = { sample: false, inpaint: false };
    this.el("receptive").addEventListener("click", (e) => this.choosePixel(e));
    // From the keyboard: focus the field and move the chosen pixel with the arrow keys.
    this.el("receptive").tabIndex = 0;
    this.el("receptive").addEventListener("keydown", (e) => this.movePixel(e));
    this.el("sample").addEventListener("click", () => this.sample());
    this.el("inpaint").addEventListener("click", () => this.inpaint());
    this.el("next-digit").addEventListener("click", () => {
      this.digit = (this.digit + 1) % (this.digits?.count ?? 1);
      this.drawEraser();
      this.refreshField();
    });
    this.el("erase-bottom").addEventListener("click", () => { this.eraseBottom(); this.drawEraser(); });
    this.el("erase-none").addEventListener("click", () => { this.erased.fill(0); this.drawEraser(); });
    this.bindEraser(this.el("eraser"));
  }

  async start() {
    await super.start();
    this.drawMasks(await (await api()).pixelcnn_masks());
  }

  async refreshExamples() {
    if (!this.session || this.starting) return;
    await this.refreshField();
    this.drawEraser();
  }

  /** The masks A and B as grids: used weights filled, the centre (the pixel) outlined. */
  drawMasks(masks) {
    const draw = (canvas, size, mask) => {
      const { ctx, width, height } = surface(canvas);
      const cell = Math.floor(width / size);
      ctx.clearRect(0, 0, width, height);
      for (let i = 0; i < size * size; i++) {
        const x = (i % size) * cell, y = Math.floor(i / size) * cell;
        ctx.fillStyle = mask[i] ? "#2b6cb0" : "#edf2f7";
        ctx.fillRect(x + 1, y + 1, cell - 2, cell - 2);
      }
      const c = Math.floor(size / 2) * cell;
      ctx.strokeStyle = "#e53e3e";
      ctx.lineWidth = 2;
      ctx.strokeRect(c + 1, c + 1, cell - 2, cell - 2);
      canvas.dataset.used = mask.filter((v) => v).length;
    };
    draw(this.el("mask-a"), masks.first_size, masks.first);
    draw(this.el("mask-b"), masks.later_size, masks.later);
  }

  /** Recompute the receptive field of the chosen pixel and draw it over the chosen digit. */
  async refreshField() {
    try {
      const [row, col] = this.pixel;
      const field = await this.session.receptive_field(row, col);
      this.digits = field.groups.find((g) => g.name === "images");
      const gradient = field.groups.find((g) => g.name === "gradient").pixels;
      const reach = field.groups.find((g) => g.name === "field").pixels;
      const canvas = this.el("receptive");
      const { ctx, width } = surface(canvas);
      const cell = width / SIDE;
      const digit = this.digits.pixels.slice(this.digit * PIXELS, (this.digit + 1) * PIXELS);
      for (let p = 0; p < PIXELS; p++) {
        const ink = digit[p] / 255;
        const heat = gradient[p] / 255;
        // Grey digit underneath, the gradient's magnitude in orange over it.
        const g = 40 + 90 * ink;
        ctx.fillStyle = `rgb(${Math.round(g + (255 - g) * heat)}, ${Math.round(g + (140 - g) * heat)}, ${Math.round(g * (1 - heat))})`;
        ctx.fillRect((p % SIDE) * cell, Math.floor(p / SIDE) * cell, cell, cell);
      }
      ctx.strokeStyle = "#63b3ed";
      ctx.lineWidth = 2;
      ctx.strokeRect(col * cell + 1, row * cell + 1, cell - 2, cell - 2);
      const count = reach.filter((v) => v > 0).length;
      canvas.dataset.pixel = `${row},${col}`;
      canvas.dataset.reach = count;
      canvas.setAttribute("aria-label",
        `Receptive field of pixel row ${row}, column ${col}: ${count} earlier pixels influence it`);
      this.el("receptive-note").textContent =
        `Pixel (${row}, ${col}) depends on ${count} of the ${row * SIDE + col} pixels before it.`;
      performance.mark("pixelcnn:field");
    } catch (error) {
      this.showError(error);
    }
  }

  choosePixel(event) {
    const canvas = this.el("receptive");
    const rect = canvas.getBoundingClientRect();
    const col = Math.floor(((event.clientX - rect.left) / rect.width) * SIDE);
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * SIDE);
    this.pixel = [Math.min(Math.max(row, 0), SIDE - 1), Math.min(Math.max(col, 0), SIDE - 1)];
    this.refreshField();
  }

  movePixel(event) {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const clamp = (v) => Math.min(Math.max(v, 0), SIDE - 1);
    this.pixel = [clamp(this.pixel[0] + move[0]), clamp(this.pixel[1] + move[1])];
    this.refreshField();
  }

  eraseBottom() {
    this.erased.fill(0);
    this.erased.fill(1, PIXELS / 2);
  }

  /** Drag on the digit to erase (a 3 x 3 brush); erased pixels are shown in red. */
  bindEraser(canvas) {
    let down = false;
    const erase = (e) => {
      if (!down) return;
      const rect = canvas.getBoundingClientRect();
      const col = Math.floor(((e.clientX - rect.left) / rect.width) * SIDE);
      const row = Math.floor(((e.clientY - rect.top) / rect.height) * SIDE);
      for (let r = row - 1; r <= row + 1; r++) {
        for (let c = col - 1; c <= col + 1; c++) {
          if (r >= 0 && r < SIDE && c >= 0 && c < SIDE) this.erased[r * SIDE + c] = 1;
        }
      }
      this.drawEraser();
    };
    canvas.addEventListener("pointerdown", (e) => { down = true; erase(e); });
    canvas.addEventListener("pointermove", erase);
    addEventListener("pointerup", () => (down = false));
  }

  /** The chosen digit with its erased pixels in red. */
  drawEraser() {
    if (!this.digits) return;
    const canvas = this.el("eraser");
    const { ctx, width } = surface(canvas);
    const cell = width / SIDE;
    const digit = this.digits.pixels.slice(this.digit * PIXELS, (this.digit + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      ctx.fillStyle = this.erased[p] ? "#9b2c2c" : digit[p] ? "#fff" : "#000";
      ctx.fillRect((p % SIDE) * cell, Math.floor(p / SIDE) * cell, cell, cell);
    }
    canvas.dataset.erased = this.erased.reduce((a, b) => a + b, 0);
  }

  /**
   * Complete `images` where `known` is 0, a row of pixels per call, redrawing `canvas` after each:
   * the model's autoregressive sampling, as slow as it really is (one pass per pixel).
   */
  async draw(images, known, canvas, seed, status) {
    canvas.dataset.state = "drawing";
    let call = 0;
    // Counted per image (every image here lacks the same pixels).
    const count = images.length / PIXELS;
    const todo = known.filter((k) => !k).length / count;
    while (known.some((k) => !k)) {
      const out = await this.session.complete(images, known, { pixels: PER_CALL, seed: seed * 100000 + call++ });
      images = Float32Array.from(out.groups[0].pixels, (v) => v / 255);
      known = Float32Array.from(out.groups[1].pixels, (v) => v / 255);
      this.drawProgress(canvas, images, known);
      const left = known.filter((k) => !k).length / count;
      status.textContent = `${todo - left} of ${todo} pixels drawn`;
    }
    canvas.dataset.state = "done";
    return images;
  }

  /** Images side by side; pixels not drawn yet in dark blue. */
  drawProgress(canvas, images, known) {
    const { ctx, width, height } = surface(canvas);
    const count = images.length / PIXELS;
    const size = width / count;
    const cell = size / SIDE;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    for (let i = 0; i < count; i++) {
      for (let p = 0; p < PIXELS; p++) {
        const at = i * PIXELS + p;
        ctx.fillStyle = !known[at] ? "#1a365d" : images[at] > 0.5 ? "#fff" : "#000";
        ctx.fillRect(i * size + (p % SIDE) * cell, Math.floor(p / SIDE) * cell, cell, cell);
      }
    }
  }

  async sample() {
    if (this.busy.sample) return;
    this.busy.sample = true;
    const button = this.el("sample");
    button.disabled = true;
    try {
      const seed = Number(this.el("sample-seed").value);
      const blank = new Float32Array(SAMPLES * PIXELS);
      await this.draw(blank, new Float32Array(SAMPLES * PIXELS), this.el("samples"), seed, this.el("sample-status"));
      this.showError(null);
    } catch (error) {
      this.showError(error);
    } finally {
      this.busy.sample = false;
      button.disabled = false;
    }
  }

  async inpaint() {
    if (this.busy.inpaint || !this.digits) return;
    this.busy.inpaint = true;
    const button = this.el("inpaint");
    button.disabled = true;
    try {
      const digit = Float32Array.from(
        this.digits.pixels.slice(this.digit * PIXELS, (this.digit + 1) * PIXELS), (v) => v / 255);
      const images = new Float32Array(COMPLETIONS * PIXELS);
      const known = new Float32Array(COMPLETIONS * PIXELS);
      for (let i = 0; i < COMPLETIONS; i++) {
        for (let p = 0; p < PIXELS; p++) {
          known[i * PIXELS + p] = this.erased[p] ? 0 : 1;
          images[i * PIXELS + p] = this.erased[p] ? 0 : digit[p];
        }
      }
      const seed = Number(this.el("sample-seed").value);
      await this.draw(images, known, this.el("completions"), seed, this.el("inpaint-status"));
      this.showError(null);
    } catch (error) {
      this.showError(error);
    } finally {
      this.busy.inpaint = false;
      button.disabled = false;
    }
  }

  showEvaluation(ev) {
    const p = ev.pixel;
    this.plots.held_out.push(this.stepCount, p.bits_per_dim);
    this.field("held_out_bits").textContent = p.bits_per_dim.toFixed(4);
    this.field("independent_bits").textContent = p.independent_bits_per_dim.toFixed(4);
    this.field("nats_per_image").textContent = (p.bits_per_dim * PIXELS * Math.LN2).toFixed(1);
    this.field("eval_images").textContent = p.images.toLocaleString("en");
    this.root.querySelector("table.probe").dataset.bits = p.bits_per_dim;
  }
}
