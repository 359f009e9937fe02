// The jigsaw widget: each held-out board as the network sees it (tiles in shuffled order), and
// the same tiles put back where the predicted permutation says they came from.

import { MethodWidget, number, text } from "./method-widget.js";
import { exampleCanvas, drawCaption } from "./grid.js";
import { surface } from "./surface.js";

const SCALE = 3, GAP = 2;

export class JigsawWidget extends MethodWidget {
  constructor(root) {
    super(root, {
      method: "jigsaw",
      examples: 4,
      fields: {
        dataset: text, grid: number, permutations: number, jitter: number,
        batch_size: number, learning_rate: number, seed: number,
      },
    });
  }

  drawExamples(ex) {
    const { ctx, width, height } = surface(this.grid);
    ctx.clearRect(0, 0, width, height);
    ctx.imageSmoothingEnabled = false;
    const orders = ex.class_names.map((name) => name.split(" ").map(Number));
    const grid = Math.round(Math.sqrt(orders[0].length));
    const tile = ex.rows / grid;
    const side = grid * (tile * SCALE + GAP);
    ex.items.forEach((item, i) => {
      const board = exampleCanvas(ex, i);
      const x0 = (i % 2) * (2 * side + 40), y0 = Math.floor(i / 2) * (side + 22);
      const predicted = orders[item.predicted];
      for (let slot = 0; slot < grid * grid; slot++) {
        const sx = (slot % grid) * tile, sy = Math.floor(slot / grid) * tile;
        // As shown to the network: slot by slot.
        ctx.drawImage(board, sx, sy, tile, tile,
          x0 + (slot % grid) * (tile * SCALE + GAP), y0 + Math.floor(slot / grid) * (tile * SCALE + GAP),
          tile * SCALE, tile * SCALE);
        // Reassembled: the tile in `slot` goes back to the cell the prediction says it came from.
        const cell = predicted[slot];
        ctx.drawImage(board, sx, sy, tile, tile,
          x0 + side + 20 + (cell % grid) * tile * SCALE, y0 + Math.floor(cell / grid) * tile * SCALE,
          tile * SCALE, tile * SCALE);
      }
      ctx.fillStyle = "#4a5568";
      ctx.font = "14px sans-serif";
      ctx.fillText("→", x0 + side + 2, y0 + side / 2);
      drawCaption(ctx, {
        text: `${item.predicted === item.truth ? "right" : "wrong"} order, ${(item.confidence * 100).toFixed(0)}%`,
        good: item.predicted === item.truth,
      }, x0, y0 + side + 12);
    });
  }
}
