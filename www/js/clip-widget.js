// The CLIP widget: the image-caption matrix of a few images (the first half of shape-colour
// pairs never trained on), zero-shot classification of unseen images by captions the user
// types, and the zero-shot evaluation table.

import { MethodWidget, number } from "./method-widget.js";
import { exampleCanvas, drawCaption, drawHeatmap } from "./grid.js";
import { surface } from "./surface.js";

const CELL = 32, HEAD = 16, GAP = 6;
const pct = (v) => `${(v * 100).toFixed(1)}%`;

export class ClipWidget extends MethodWidget {
  constructor(root) {
    super(root, {
      method: "clip",
      examples: 8,
      fields: { batch_size: number, temperature: number, learning_rate: number, embedding: number, seed: number },
    });
    this.zeroShotCanvas = root.querySelector("[data-zero-shot]");
    this.captions = this.field("captions");
    // Re-classify as the student types (after a pause, not on every key).
    let timer = null;
    this.captions.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.classify(), 400);
    });
  }

  /** Row i: image i, its softmax over the n captions (column k = caption k), then its caption. */
  drawExamples(ex) {
    const n = ex.items.length, held = Math.floor(n / 2);
    const { ctx, width, height } = surface(this.grid);
    ctx.clearRect(0, 0, width, height);
    ctx.imageSmoothingEnabled = false;
    const x0 = CELL + GAP, y0 = HEAD;
    ctx.fillStyle = "#4a5568";
    ctx.font = "10px sans-serif";
    for (let k = 0; k < n; k++) ctx.fillText(String(k + 1), x0 + k * CELL + CELL / 2 - 3, 11);
    drawHeatmap(ctx, ex, { x0, y0, cell: CELL });
    ex.items.forEach((item, r) => {
      const y = y0 + r * CELL;
      ctx.drawImage(exampleCanvas(ex, r), 0, y + 1, CELL - 2, CELL - 2);
      drawCaption(ctx, {
        text: `${r < held ? "★" : ""}${r + 1} ${ex.class_names[r]}`,
        good: item.predicted === item.truth,
      }, x0 + n * CELL + GAP, y + CELL / 2 + 4);
    });
    // Between the unseen pairs and the trained ones.
    ctx.strokeStyle = "#2d3748";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, y0 + held * CELL);
    ctx.lineTo(width, y0 + held * CELL);
    ctx.stroke();
    this.grid.dataset.right = ex.items.filter((i) => i.predicted === i.truth).length;
  }

  async refreshExamples() {
    await super.refreshExamples();
    await this.classify();
  }

  /** The typed captions, one per line (blank lines skipped; Rust checks the words). */
  candidates() {
    return this.captions.value.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  }

  /** Classify 8 images of unseen pairs by the typed captions. */
  async classify() {
    if (!this.session) return;
    try {
      const z = await this.session.zero_shot(this.candidates(), 8);
      this.showError(null);
      this.drawZeroShot(z);
    } catch (error) {
      this.showError(error);
    }
  }

  /** Two columns of images, each with its pick, the pick's probability and its own caption. */
  drawZeroShot(z) {
    const canvas = this.zeroShotCanvas;
    const { ctx, width: w, height: h } = surface(canvas);
    ctx.clearRect(0, 0, w, h);
    ctx.imageSmoothingEnabled = false;
    const perColumn = Math.ceil(z.captions.length / 2), width = w / 2, size = 2 * z.cols - 4;
    const k = z.candidates.length;
    z.captions.forEach((caption, i) => {
      const x = Math.floor(i / perColumn) * width, y = (i % perColumn) * (size + GAP);
      ctx.drawImage(exampleCanvas(z, i), x, y, size, size);
      const pick = z.predicted[i], p = z.probabilities[i * k + pick];
      const expected = z.expected[i];
      const mark = expected === null ? "?" : expected === pick ? "✓" : "✗";
      drawCaption(ctx, { text: `${mark} ${z.candidates[pick]} (${pct(p)})`, good: expected === pick },
        x + size + GAP, y + 16);
      ctx.fillStyle = "#718096";
      ctx.font = "10px sans-serif";
      ctx.fillText(`is: ${caption}`, x + size + GAP, y + 32);
    });
    // The text alternative: each image's pick and what it is.
    canvas.setAttribute("aria-label", `Zero-shot picks: ${z.captions.map((caption, i) =>
      `${z.candidates[z.predicted[i]]} for ${caption}`).join("; ")}`);
    const shown = z.expected.filter((e) => e !== null).length;
    const right = z.expected.filter((e, i) => e !== null && e === z.predicted[i]).length;
    const out = this.field("zero_shot_accuracy");
    out.textContent = z.accuracy === null
      ? "no candidate describes these images"
      : `${right} of ${shown} images pick the most specific caption that is true of them (${pct(z.accuracy)})`;
    out.dataset.value = z.accuracy ?? "";
  }

  /** The zero-shot table (CLIP's evaluation has no probe). */
  showEvaluation(ev) {
    const z = ev.zero_shot, a = z.held_out_attributes;
    for (const name of ["held_out_pairs", "held_out_captions", "seen_captions"]) {
      this.field(name).textContent = pct(z[name]);
    }
    this.field("held_out_attributes").textContent =
      `${pct(a.shape)} / ${pct(a.colour)} / ${pct(a.position)} / ${pct(a.size)}`;
    this.field("held_out_images").textContent = z.held_out_images;
    this.field("seen_images").textContent = z.seen_images;
    this.root.querySelector("table.probe").dataset.heldOutPairs = z.held_out_pairs;
  }
}
