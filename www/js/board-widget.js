// The representation board: one button trains every method for the same number of steps, then
// scores each (linear probe and kNN on held-out labels) next to random init and raw pixels, with
// the labelled fraction as a control. All maths is in Rust (`create_board`); this file draws.

import { api, dataset } from "./wasm.js";
import { cutOffByLoss, followBackend, stopOnLoss } from "./device-lost.js";
import { Player } from "./player.js";
import { WidgetLife, freeWidget, watchVisibility } from "./lifecycle.js";
import { applyValues } from "./settings.js";
import { drawBars, drawScatter } from "./charts.js";

const pct = (v) => `${(v * 100).toFixed(1)}%`;
const SERIES = [{ name: "linear probe", color: "#2b6cb0" }, { name: "kNN", color: "#dd6b20" }];
/** Fields that define the board (a change builds a new one); `fraction` only re-scores. */
const FIELDS = ["dataset", "steps", "seed", "grid", "fraction"];

export class BoardWidget {
  constructor(root) {
    this.root = root;
    this.life = new WidgetLife(root);
    this.form = root.querySelector("form");
    this.buttons = Object.fromEntries(
      [...root.querySelectorAll("button[data-action]")].map((b) => [b.dataset.action, b]));
    this.board = null;
    this.player = null;
    // Like the method widgets: training waits while the board is out of view.
    this.onScreen = true;
    watchVisibility(root, (visible) => {
      this.onScreen = visible;
      this.player?.setVisible(visible);
      if (visible) this.prescore();
    }, this.life.signal);
    this.scores = null;
    this.scoring = false;
    // The fractions scored (or failed in the background) since the board last changed, and the
    // background scoring in flight.
    this.scored = new Set();
    this.background = null;
    this.lost = null;
    followBackend(this, this.life.signal);
    applyValues(this.form, this.life.fromAddress(), `the page address (#${this.life.key}.…)`);
    this.buttons.run.addEventListener("click", () => this.run());
    this.buttons.reset.addEventListener("click", () => this.reset());
    this.form.addEventListener("change", (e) => (e.target.name === "fraction" ? this.rescore() : this.rebuild()));
    root.querySelector('select[name="scatter"]').addEventListener("change", () => this.drawScatter());
  }

  field(name) { return this.root.querySelector(`[data-field="${name}"]`); }

  config() {
    const f = new FormData(this.form);
    return {
      dataset: f.get("dataset"), steps: Number(f.get("steps")), seed: Number(f.get("seed")), grid: Number(f.get("grid")),
    };
  }

  fraction() { return Number(new FormData(this.form).get("fraction")); }

  async start() { await this.rebuild(); }

  /** A new board from the controls; shows a validation error instead. */
  async rebuild() {
    this.started = true;
    this.pause();
    this.showError(null);
    this.setEnabled(false);
    this.life.state("starting");
    const config = this.config();
    this.life.toAddress({ ...config, fraction: this.fraction() }, FIELDS);
    try {
      const w = await api();
      await dataset(config.dataset);
      this.board?.dispose();
      this.board = null;
      const board = await w.create_board(config);
      // Freed meanwhile (the tag left the page): nothing may keep the new board.
      if (this.life.ended) return void board.dispose();
      this.board = board;
      this.player?.dispose();
      this.player = new Player({
        session: this.board,
        onReport: (r) => this.onReport(r),
        onError: (e) => this.onError(e),
      });
      this.player.setVisible(this.onScreen);
      this.clear();
      this.setEnabled(true);
      this.life.state("ready");
    } catch (error) {
      if (this.life.ended) return;
      this.life.state("error");
      this.showError(error);
    }
  }

  setEnabled(on) { Object.values(this.buttons).forEach((b) => (b.disabled = !on)); }

  /** Train (or pause); once every method has its steps, score them. */
  run() {
    if (!this.player || this.scoring) return;
    if (this.player.playing) return this.pause();
    this.buttons.run.textContent = "Pause";
    this.player.play();
    this.life.state("training");
  }

  pause() {
    if (this.player?.playing) this.life.state("paused");
    this.player?.pause();
    this.buttons.run.textContent = "Train and score every method";
  }

  /** The tag was freed (playground.js): stop, free the board, stop listening to the page. */
  dispose() {
    const board = this.board;
    this.board = null;
    freeWidget(this, board);
  }

  async reset() {
    this.pause();
    this.showError(null);
    try {
      await this.board.reset();
      this.clear();
    } catch (error) {
      this.showError(error);
    }
  }

  clear() {
    this.scores = null;
    this.scored = new Set();
    delete this.root.dataset.scored;
    this.field("status").textContent = `Ready: ${this.config().steps} steps for each method, then scores.`;
    this.field("progress").value = 0;
    this.root.querySelector("table.board").hidden = true;
    this.root.querySelector(".charts").hidden = true;
  }

  onReport({ report, budget, trained, total_steps, methods, done }) {
    this.field("progress").value = total_steps / (methods * budget);
    if (report) {
      const speed = report.steps_per_second > 0 ? ` · ${report.steps_per_second.toFixed(1)} steps/s` : "";
      this.field("status").textContent =
        `Training ${report.method}: step ${report.step} of ${budget} (${trained} of ${methods} methods trained)${speed}`;
    }
    if (done) {
      this.pause();
      this.score();
    }
  }

  /** Scores at the chosen fraction of labels (re-fits only the probes when features are cached). */
  async score() {
    if (this.scoring) return;
    this.scoring = true;
    this.setEnabled(false);
    this.showError(null);
    const fraction = this.fraction();
    const poll = setInterval(async () => {
      const status = await this.board?.status();
      if (status) this.field("status").textContent = `${status[0].toUpperCase()}${status.slice(1)}…`;
    }, 200);
    try {
      const started = performance.now();
      // A fraction not scored yet waits for the background scoring (one at a time, and it may be
      // this fraction's); a scored one is only read from the board's cache.
      if (!this.scored.has(fraction)) await this.background;
      const scored = this.scored;
      this.scores = await this.board.scores(fraction);
      this.markScored(scored, fraction);
      performance.mark("board:scored");
      this.render(this.scores, (performance.now() - started) / 1000);
    } catch (error) {
      this.showError(error);
    } finally {
      clearInterval(poll);
      this.scoring = false;
      this.setEnabled(true);
    }
    this.prescore();
  }

  /**
   * While the class reads one fraction's scores, the board scores the control's other fractions
   * in the background (the board caches them), so that changing the fraction shows them at once.
   * One at a time, only while the board is on screen and neither training nor scoring; an error
   * is left for the scoring the student asks for to show.
   */
  async prescore() {
    while (!this.background && this.board && this.scores && this.onScreen && !this.scoring &&
      !this.player?.playing && !this.life.ended) {
      const scored = this.scored;
      const next = [...this.form.elements.fraction.options].map((o) => Number(o.value)).find((f) => !scored.has(f));
      if (next === undefined) return;
      const board = this.board;
      this.background = board.scores(next).then(() => this.markScored(scored, next), () => scored.add(next))
        .finally(() => (this.background = null));
      await this.background;
      if (board !== this.board) return;
    }
  }

  /** Record a scored fraction; the widget's `data-scored` lists the current board's (tests wait on it). */
  markScored(scored, fraction) {
    scored.add(fraction);
    if (scored === this.scored) this.root.dataset.scored = [...scored].sort((a, b) => a - b).join(" ");
  }

  rescore() {
    this.life.toAddress({ ...this.config(), fraction: this.fraction() }, FIELDS);
    if (this.scores) this.score();
  }

  render(s, seconds) {
    this.field("status").textContent =
      `Scored with ${s.labelled} labels (${pct(s.fraction)} of the training part) in ${seconds.toFixed(1)} s.`;
    this.field("progress").value = 1;
    const table = this.root.querySelector("table.board");
    this.field("labelled").textContent = s.labelled;
    this.field("held_out").textContent = s.held_out;
    this.field("k").textContent = s.k > 0 ? `k = ${s.k}` : "k chosen per representation on the labelled images";
    this.field("budget").textContent = s.budget;
    const body = table.querySelector("tbody");
    body.replaceChildren(...s.contenders.map((c) => {
      const row = document.createElement("tr");
      row.dataset.name = c.name;
      row.dataset.probe = c.probe;
      row.dataset.knn = c.knn;
      const spread = (j) => c.runs.length > 1
        ? ` (${c.runs.length} inits: ${pct(Math.min(...c.runs.map((r) => r[j])))} to ${pct(Math.max(...c.runs.map((r) => r[j])))})` : "";
      const cells = [
        c.baseline ? `${c.name} (baseline)` : c.name, c.dim,
        c.baseline ? "–" : c.steps, c.seconds == null ? "–" : `${c.seconds.toFixed(1)} s`,
        pct(c.probe) + spread(0), `${pct(c.knn)}${spread(1)} (k = ${[...new Set(c.knn_k)].join(", ")})`,
      ];
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        row.append(td);
      }
      return row;
    }));
    table.hidden = false;
    this.root.querySelector(".charts").hidden = false;
    drawBars(this.root.querySelector("[data-chart]"), s.contenders.map((c) => ({
      label: c.name,
      values: [c.probe, c.knn],
      ranges: [0, 1].map((j) => (c.runs.length > 1
        ? [Math.min(...c.runs.map((r) => r[j])), Math.max(...c.runs.map((r) => r[j]))] : null)),
    })), SERIES);
    const select = this.root.querySelector('select[name="scatter"]');
    const chosen = select.value;
    select.replaceChildren(...s.contenders.map((c) => new Option(c.name, c.name)));
    select.value = s.contenders.some((c) => c.name === chosen) ? chosen : s.contenders.at(-1).name;
    this.drawScatter();
  }

  drawScatter() {
    if (!this.scores) return;
    const name = this.root.querySelector('select[name="scatter"]').value;
    const c = this.scores.contenders.find((x) => x.name === name);
    if (!c) return;
    drawScatter(this.root.querySelector("[data-scatter]"), c.pca.points, this.scores.scatter_labels,
      this.scores.class_names);
    this.field("explained").textContent =
      `${pct(c.pca.explained[0])} + ${pct(c.pca.explained[1])} of the variance`;
  }

  onError(error) {
    this.pause();
    this.showError(error);
    if (!this.lost) this.life.state("error");
  }

  /**
   * The GPU device is lost (wasm.js): stop, and offer the CPU. The board keeps no checkpoint (its
   * fourteen short runs are one measurement): on the CPU it starts again.
   */
  deviceLost(lost) {
    if (stopOnLoss(this, lost, "The board's runs start again on the CPU.")) this.board = null;
  }

  /** The page now runs on the CPU: a new board there. */
  async resumeOnCpu() {
    if (!this.lost) return;
    this.lost = null;
    this.hideLost();
    await this.rebuild();
  }

  showError(error) {
    // A call cut off by a lost device: the notice says it.
    if (cutOffByLoss(this, error)) return;
    const box = this.root.querySelector(".error");
    box.hidden = !error;
    box.textContent = error ? String(error.message ?? error) : "";
  }
}
