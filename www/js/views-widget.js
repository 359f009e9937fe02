// The two-view widgets (SimCLR, MoCo, BYOL): a few held-out images, two random views of each (top row:
// first views, bottom row: second views), each captioned with whether the network picks its
// partner among all the other views; and the heat map of those choices, the softmax over the
// other views at the method's temperature (the rows NT-Xent scores), positives boxed.

import { MethodWidget, number, text } from "./method-widget.js";
import { exampleCanvas, drawCaption, drawHeatmap } from "./grid.js";
import { LinePlot } from "./plot.js";
import { surface } from "./surface.js";

const SCALE = 2, GAP = 6, LABEL = 14;

export class ViewsWidget extends MethodWidget {
  /** `fields` as for MethodWidget; `dataset` is always one of them. */
  constructor(root, { method, fields }) {
    super(root, { method, fields: { dataset: text, ...fields }, examples: 16 });
    this.heatmap = root.querySelector("[data-heatmap]");
    // MoCo's queue filling up (the other two-view widgets have no such plot).
    const queue = root.querySelector('[data-plot="queue_filled"]');
    if (queue) {
      this.plots.queue_filled = new LinePlot(queue, {
        color: "#2f855a", yMin: 0, yMax: 1, format: (v) => `${Math.round(v * 100)}%` });
    }
  }

  drawExamples(ex) {
    const n = ex.items.length / 2;
    const { ctx, width, height } = surface(this.grid);
    ctx.clearRect(0, 0, width, height);
    ctx.imageSmoothingEnabled = false;
    const cell = ex.cols * SCALE;
    ex.items.forEach((item, i) => {
      const x = (i % n) * (cell + GAP), y = Math.floor(i / n) * (cell + LABEL + GAP);
      ctx.drawImage(exampleCanvas(ex, i), x, y, cell, cell);
      drawCaption(ctx, {
        text: `${item.predicted === item.truth ? "✓" : "✗"} ${(item.confidence * 100).toFixed(0)}%`,
        good: item.predicted === item.truth,
      }, x, y + cell + 11);
    });
    this.drawHeatmap(ex);
  }

  /** The `2n x 2n` softmax, dark = high; each row's partner boxed. */
  drawHeatmap(ex) {
    const { ctx, width, height } = surface(this.heatmap);
    const side = Math.min(width, height) - 20;
    const x0 = 16, y0 = 4;
    ctx.clearRect(0, 0, width, height);
    drawHeatmap(ctx, ex, { x0, y0, cell: side / ex.items.length, maskDiagonal: true });
    ctx.fillStyle = "#4a5568";
    ctx.font = "10px sans-serif";
    ctx.fillText("view 1s | view 2s", x0, y0 + side + 12);
  }
}

export class SimClrWidget extends ViewsWidget {
  constructor(root) {
    super(root, {
      method: "simclr",
      fields: { batch_size: number, temperature: number, learning_rate: number, seed: number },
    });
  }
}

export class MocoWidget extends ViewsWidget {
  constructor(root) {
    super(root, {
      method: "moco",
      fields: {
        batch_size: number, queue_size: number, momentum: number, temperature: number,
        learning_rate: number, seed: number,
      },
    });
  }
}

export class ByolWidget extends ViewsWidget {
  constructor(root) {
    super(root, {
      method: "byol",
      fields: {
        batch_size: number, momentum: number, learning_rate: number,
        predictor: (v) => v === "true", stop_gradient: (v) => v === "true", seed: number,
      },
    });
    this.plots.output_spread = new LinePlot(root.querySelector('[data-plot="output_spread"]'), {
      color: "#6b46c1", yMin: 0, yMax: 1.2, format: (v) => v.toFixed(2) });
  }
}
