// Draw example images (as `Session.examples` returns them) on canvases.

/** Example `i` of `examples` on a canvas of its own, one canvas pixel per image pixel. */
export function exampleCanvas(examples, i) {
  const { rows, cols, channels, pixels } = examples;
  const canvas = document.createElement("canvas");
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  const base = i * rows * cols * channels;
  for (let p = 0; p < rows * cols; p++) {
    const v = pixels[base + p * channels];
    image.data.set([v, v, v, 255], p * 4);
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
  const ctx = canvas.getContext("2d");
  const cell = cols * scale, label = 14, gap = 6;
  perRow ??= Math.max(1, Math.floor((canvas.width + gap) / (cell + gap)));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
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
