// The DeepCluster widget: the pseudo-label loss, each round's clustering scored against the true
// labels (NMI, next to k-means on raw pixels), and samples of the current clusters.

import { MethodWidget, number, text } from "./method-widget.js";
import { LinePlot } from "./plot.js";
import { drawGrid } from "./grid.js";
import { surface } from "./surface.js";

export class DeepClusterWidget extends MethodWidget {
  constructor(root) {
    super(root, {
      method: "deepcluster",
      examples: 48,
      fields: {
        dataset: text, clusters: number, images: number, steps_per_round: number,
        kmeans_iterations: number, max_shift: number, batch_size: number, learning_rate: number, seed: number,
      },
    });
    this.nmiPlot = new LinePlot(root.querySelector('[data-plot="nmi"]'), {
      color: "#6b46c1", yMin: 0, yMax: 1, format: (v) => v.toFixed(2) });
    this.scored = -1;
  }

  clearPlots() {
    super.clearPlots();
    this.nmiPlot?.clear();
    this.scored = -1;
    for (const name of ["pixels_nmi", "round_nmi", "pixels_purity", "round_purity"]) {
      const el = this.field(name);
      if (el) el.textContent = "–";
    }
  }

  onReport(report) {
    super.onReport(report);
    // A new round clustered since the last scores: read the clusterings back and score them.
    const round = Math.floor((report.step - 1) / this.config().steps_per_round);
    if (round > this.scored) {
      this.scored = round;
      this.refreshScores();
    }
  }

  async refreshScores() {
    try {
      const c = await this.session.clustering();
      if (!c) return;
      this.nmiPlot.clear();
      this.nmiPlot.setReference(c.pixels.nmi, "k-means on pixels");
      for (const r of c.rounds) this.nmiPlot.push(r.step, r.score.nmi);
      const last = c.rounds[c.rounds.length - 1];
      const pct = (v) => `${(v * 100).toFixed(1)}%`;
      this.field("pixels_nmi").textContent = c.pixels.nmi.toFixed(3);
      this.field("pixels_purity").textContent = pct(c.pixels.purity);
      if (last) {
        this.field("round_nmi").textContent = last.score.nmi.toFixed(3);
        this.field("round_nmi").dataset.value = last.score.nmi;
        this.field("round_purity").textContent = pct(last.score.purity);
      }
    } catch (error) {
      this.showError(error);
    }
  }

  async refreshExamples() {
    // Before the first step there are no clusters yet; making them (encode every clustered image,
    // run k-means) takes seconds on the CPU backend, so it waits for Train.
    if (this.stepCount === 0) {
      const { ctx, width, height } = surface(this.grid);
      ctx.clearRect(0, 0, width, height);
      ctx.fillStyle = "#4a5568";
      ctx.font = "13px sans-serif";
      ctx.fillText("Press Train: the first round clusters", 10, 24);
      ctx.fillText("the random encoder's features.", 10, 42);
      return;
    }
    await super.refreshExamples();
  }

  drawExamples(ex) {
    // Rows of one cluster each; the caption is the cluster, green where the head agrees.
    drawGrid(this.grid, ex, (item) => ({
      text: `c${item.truth}`,
      good: item.predicted === item.truth,
    }), { scale: 1, perRow: Math.max(1, Math.round(ex.items.length / Math.min(8, ex.class_names.length))) });
  }
}
