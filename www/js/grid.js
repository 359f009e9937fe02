// Draw example images in a grid, each with a caption under it.

export function drawGrid(canvas, examples, caption) {
  const { rows, cols, channels, pixels, items } = examples;
  const ctx = canvas.getContext("2d");
  const scale = 2, cell = cols * scale, label = 14, gap = 6;
  const perRow = Math.max(1, Math.floor((canvas.width + gap) / (cell + gap)));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const image = ctx.createImageData(cols, rows);
  const tmp = document.createElement("canvas");
  tmp.width = cols;
  tmp.height = rows;
  const tctx = tmp.getContext("2d");
  items.forEach((item, i) => {
    const base = i * rows * cols * channels;
    for (let p = 0; p < rows * cols; p++) {
      const v = pixels[base + p * channels];
      image.data.set([v, v, v, 255], p * 4);
    }
    tctx.putImageData(image, 0, 0);
    const x = (i % perRow) * (cell + gap), y = Math.floor(i / perRow) * (cell + label + gap);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, x, y, cell, cell);
    const { text, good } = caption(item);
    ctx.fillStyle = good ? "#2f855a" : "#c53030";
    ctx.font = "11px sans-serif";
    ctx.fillText(text, x, y + cell + 11);
  });
}
