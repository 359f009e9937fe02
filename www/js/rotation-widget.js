// The rotation-prediction widget: held-out digits, rotated, with the predicted rotation.

import { MethodWidget, number, text } from "./method-widget.js";
import { drawGrid } from "./grid.js";

export class RotationWidget extends MethodWidget {
  constructor(root) {
    super(root, {
      method: "rotation",
      fields: { dataset: text, batch_size: number, learning_rate: number, seed: number },
    });
  }

  drawExamples(ex) {
    drawGrid(this.grid, ex, (item) => ({
      text: `${ex.class_names[item.predicted]} ${(item.confidence * 100).toFixed(0)}%`,
      good: item.predicted === item.truth,
    }));
  }
}
