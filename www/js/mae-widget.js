// The masked autoencoder widget: held-out digits, what the encoder sees (hidden patches grey) and
// the reconstruction, at a mask ratio the student slides (the model trains at the config's);
// the training error on the masked patches plotted, and the held-out error next to the mean
// image's. Starts from the shipped pretrained model; "Reset" trains from scratch.

import { number, text } from "./method-widget.js";
import { PretrainedWidget } from "./pretrained-widget.js";
import { drawRows } from "./image-rows.js";

export class MaeWidget extends PretrainedWidget {
  constructor(root) {
    super(root, {
      method: "mae",
      examples: 8,
      fields: {
        dataset: text, mask_ratio: number, patch: number, embedding: number, heads: number,
        layers: number, decoder_embedding: number, decoder_layers: number,
        batch_size: number, learning_rate: number, seed: number,
      },
      // From zero: the error's scale, not its wobble, is the point.
      plots: { loss: { color: "#c05621", yMin: 0 } },
    }, {
      mae: { file: "pretrained/mae.upck", label: "MAE on MNIST digits" },
    });
    this.maskSeed = 0;
    const ratio = this.el("show-ratio");
    ratio.addEventListener("input", () => {
      this.el("show-ratio-value").textContent = `${Math.round(ratio.value * 100)}%`;
      this.refreshExamples();
    });
    this.el("new-masks").addEventListener("click", () => {
      this.maskSeed++;
      this.refreshExamples();
    });
  }

  /** Held-out digits, masked at the slider's ratio, and their reconstructions. */
  async refreshExamples() {
    if (!this.session || this.starting) return;
    try {
      const images = await this.session.reconstructions(0, this.exampleCount, {
        mask_ratio: Number(this.el("show-ratio").value),
        seed: this.maskSeed,
      });
      const names = ["input", "masked", "reconstruction"];
      drawRows(this.grid, images, names);
      this.grid.dataset.groups = names.join(",");
      this.grid.dataset.ratio = this.el("show-ratio").value;
      performance.mark("mae:reconstructions");
      this.showError(null);
    } catch (error) {
      this.showError(error);
    }
  }

  showEvaluation(ev) {
    const m = ev.mae;
    this.field("masked_mse").textContent = m.masked_mse.toFixed(4);
    this.field("mean_image_mse").textContent = m.mean_image_mse.toFixed(4);
    this.field("eval_images").textContent = m.images.toLocaleString("en");
    this.field("eval_ratio").textContent = `${Math.round(m.mask_ratio * 100)}%`;
    this.field("eval_visible").textContent = m.visible_patches;
    const table = this.root.querySelector("table.probe");
    table.dataset.maskedMse = m.masked_mse;
    table.dataset.meanImageMse = m.mean_image_mse;
  }
}
