// Draw example images (as `Session.examples` returns them) on canvases.

import { surface } from "./surface.js";

/** Example `i` of `examples` on a canvas of its own, one canvas pixel per image pixel. */
export function exampleCanvas(examples, i) {
  const { rows, cols, channels, pixels } = examples;
  const canvas = document.createElement("canvas");
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  // Channel by channel ([count, channels, rows, cols]): one plane each for grey, three for RGB.
  const plane = rows * cols, base = i * plane * channels;
  const g = channels === 3 ? plane : 0, b = channels === 3 ? 2 * plane : 0;
  for (let p = 0; p < plane; p++) {
    image.data.set([pixels[base + p], pixels[base + g + p], pixels[base + b + p], 255], p * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/**
 * Every example in a grid, each with a caption `{ text, good }` under it; `perRow` images a row
 * (default: as many as fit), each `scale` canvas pixels per image pixel.
 */
export function drawGrid(canvas, examples, caption, { scale = 2, perRow = null } = {}) {
  const { cols, items } = examples;
  const { ctx, width, height } = surface(canvas);
  const cell = cols * scale, label = 14, gap = 6;
  perRow ??= Math.max(1, Math.floor((width + gap) / (cell + gap)));
  ctx.clearRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = false;
  items.forEach((item, i) => {
    const x = (i % perRow) * (cell + gap), y = Math.floor(i / perRow) * (cell + label + gap);
    ctx.drawImage(exampleCanvas(examples, i), x, y, cell, cell);
    drawCaption(ctx, caption(item), x, y + cell + 11);
  });
}

/** A green (right) or red (wrong) caption. */
export function drawCaption(ctx, { text, good }, x, y) {
  ctx.fillStyle = good ? "#2f855a" : "#c53030";
  ctx.font = "11px sans-serif";
  ctx.fillText(text, x, y);
}

/**
 * A softmax matrix as a heat map on `ctx` (darker = more probable): row `r` is item `r` of
 * `examples`, column `k` its probability of class `k`; each row's true class boxed, green when
 * it is also the arg-max. `maskDiagonal` greys the diagonal (a view compared with itself).
 */
export function drawHeatmap(ctx, examples, { x0, y0, cell, maskDiagonal = false }) {
  const { items, probabilities } = examples;
  const size = probabilities.length / items.length;
  items.forEach((item, r) => {
    for (let k = 0; k < size; k++) {
      const shade = Math.round(255 * (1 - Math.sqrt(probabilities[r * size + k])));
      ctx.fillStyle = maskDiagonal && r === k ? "#e2e8f0" : `rgb(${shade}, ${shade}, 255)`;
      ctx.fillRect(x0 + k * cell, y0 + r * cell, cell, cell);
    }
    ctx.strokeStyle = item.predicted === item.truth ? "#2f855a" : "#c53030";
    ctx.lineWidth = 2;
    ctx.strokeRect(x0 + item.truth * cell + 1, y0 + r * cell + 1, cell - 2, cell - 2);
  });
}
