// Image groups (as the session's image operations return them: `{ rows, cols, channels, labels,
// groups: [{ name, count, pixels }] }`) drawn on canvases: rows of groups, grids, and a strip of
// frames with its animation (interpolations, latent walks).

import { exampleCanvas } from "./grid.js";
import { surface } from "./surface.js";

/** The side of the shipped images. */
export const SIDE = 28;

/** Image `i` of an image group (see `Session.reconstructions`) on a canvas of its own. */
export function groupCanvas(images, group, i) {
  return exampleCanvas({ ...images, pixels: group.pixels }, i);
}

/** Image `i` of a group as the 784 floats in [0, 1] the session's operations take. */
export function groupPixels(group, i) {
  const n = SIDE * SIDE;
  return Float32Array.from(group.pixels.slice(i * n, (i + 1) * n), (v) => v / 255);
}

/** Draw groups as rows of images on `canvas`, each `scale` pixels per image pixel. */
export function drawRows(canvas, images, names, { scale = 2, gap = 4, label = true } = {}) {
  const { ctx, width, height } = surface(canvas);
  ctx.clearRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = false;
  const cell = SIDE * scale;
  ctx.font = "11px sans-serif";
  // The row labels' column: as wide as the longest name.
  const left = label ? Math.ceil(Math.max(...names.map((n) => ctx.measureText(n).width))) + 8 : 0;
  names.forEach((name, r) => {
    const group = images.groups.find((g) => g.name === name);
    if (!group) return;
    const y = r * (cell + gap);
    if (label) {
      ctx.fillStyle = "#4a5568";
      ctx.fillText(name, 0, y + cell / 2 + 4);
    }
    for (let i = 0; i < group.count; i++) {
      ctx.drawImage(groupCanvas(images, group, i), left + i * (cell + gap), y, cell, cell);
    }
  });
  return { cell, gap, left };
}

/** A grid of one group, `perRow` a row. */
export function drawGroupGrid(canvas, images, name, perRow, scale = 2) {
  const { ctx, width, height } = surface(canvas);
  ctx.clearRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = false;
  const group = images.groups.find((g) => g.name === name);
  const cell = SIDE * scale;
  for (let i = 0; i < group.count; i++) {
    ctx.drawImage(groupCanvas(images, group, i),
      (i % perRow) * cell, Math.floor(i / perRow) * cell, cell, cell);
  }
}

/** Frames drawn in a strip on one canvas, and played back and forth on another. */
export class FrameStrip {
  /** `signal` ends the animation (the widget was freed). */
  constructor(strip, animation, signal) {
    this.canvas = strip;
    this.animation = animation;
    this.frames = [];
    this.timer = null;
    signal.addEventListener("abort", () => clearInterval(this.timer));
  }

  /** Draw group `name` of `images` as the strip, and animate it. */
  draw(images, name) {
    const canvas = this.canvas;
    const group = images.groups.find((g) => g.name === name);
    const { ctx, width, height } = surface(canvas);
    ctx.clearRect(0, 0, width, height);
    ctx.imageSmoothingEnabled = false;
    const cell = Math.min(56, Math.floor(width / group.count));
    this.frames = [];
    for (let i = 0; i < group.count; i++) {
      const image = groupCanvas(images, group, i);
      this.frames.push(image);
      ctx.drawImage(image, i * cell, 0, cell, cell);
    }
    canvas.dataset.frames = group.count;
    if (!this.timer) {
      let t = 0;
      this.timer = setInterval(() => {
        if (!this.frames.length || document.hidden) return;
        const n = this.frames.length, k = t % (2 * n - 2 || 1), i = k < n ? k : 2 * n - 2 - k;
        const { ctx: big, width: w, height: h } = surface(this.animation);
        big.imageSmoothingEnabled = false;
        big.drawImage(this.frames[i], 0, 0, w, h);
        t++;
      }, 150);
    }
  }
}
