// What every method widget shares: controls mirrored in the URL, the session, the play / pause /
// step / reset loop, live plots, the example grid and the linear-probe table.
// A widget for one method is a subclass that says which fields it has and how to draw its examples.
// All maths is in Rust; this file only wires a session to the page.
//
// On a GPU a widget keeps its last checkpoint in the page (when training pauses, and every
// CHECKPOINT_MS while it trains), so that a lost device loses little: the widget says so, and
// "Continue on the CPU" rebuilds it there from that checkpoint (device-lost.js).

import { api, backendInfo, dataset } from "./wasm.js";
import { cutOffByLoss, followBackend, stopOnLoss } from "./device-lost.js";
import { Player } from "./player.js";
import { LinePlot } from "./plot.js";
import { WidgetLife, freeWidget, watchVisibility } from "./lifecycle.js";
import { applyValues } from "./settings.js";

/** Field parsers: the form's strings become the types the Rust config expects (Rust validates). */
export const text = (v) => v;
export const number = (v) => Number(v);

const pct = (v) => `${(v * 100).toFixed(1)}%`;
/** How often a widget training on a GPU keeps a checkpoint (a read-back of its model). */
const CHECKPOINT_MS = 15_000;

/** Metrics shown as percentages (the others as plain numbers). */
const PERCENT = new Set(["accuracy", "queue_filled"]);

export class MethodWidget {
  /**
   * @param root    the widget's root (in its tag's shadow root), holding a form, buttons, plots,
   *                a grid and a probe table; `root.chosen` holds the settings the tag chose
   *                (preset and attributes, see playground.js)
   * @param method  the `method` field of the session config
   * @param fields  `{ name: parser }` of the form fields that make the config
   * @param examples how many examples the grid shows
   * @param plots   `{ metric: LinePlot options }` of plots beyond loss and accuracy
   */
  constructor(root, { method, fields, examples = 10, plots = {} }) {
    this.root = root;
    this.method = method;
    this.life = new WidgetLife(root);
    this.fields = fields;
    this.exampleCount = examples;
    this.form = root.querySelector("form");
    this.buttons = Object.fromEntries(
      [...root.querySelectorAll("button[data-action]")].map((b) => [b.dataset.action, b]));
    // One plot per metric that has a canvas (`plots` adds a widget's own metrics).
    const specs = {
      loss: { color: "#c05621" },
      accuracy: { color: "#2b6cb0", yMin: 0, yMax: 1, format: (v) => `${Math.round(v * 100)}%` },
      ...plots,
    };
    this.plots = {};
    for (const [name, options] of Object.entries(specs)) {
      const canvas = root.querySelector(`[data-plot="${name}"]`);
      if (canvas) this.plots[name] = new LinePlot(canvas, options);
    }
    this.grid = root.querySelector("[data-grid]");
    this.session = null;
    this.player = null;
    this.reports = 0;
    this.stepCount = 0;
    // What a lost GPU device lets the widget go on from: `{ step, bytes }` (`bytes` null: the
    // fresh model of the controls' seed), kept on a GPU only.
    this.checkpoint = null;
    this.checkpointAt = 0;
    this.onGpu = false;
    this.lost = null;
    followBackend(this, this.life.signal);
    this.onScreen = true;
    watchVisibility(root, (visible) => {
      this.onScreen = visible;
      this.player?.setVisible(visible);
    }, this.life.signal);
    this.restoreFromUrl();
    for (const [action, button] of Object.entries(this.buttons)) {
      button.addEventListener("click", () => this[action]());
    }
    this.form.addEventListener("change", () => this.rebuild());
  }

  field(name) { return this.root.querySelector(`[data-field="${name}"]`); }

  /** The config object the session is built from. */
  config() {
    const f = new FormData(this.form);
    const config = { method: this.method };
    for (const [name, parse] of Object.entries(this.fields)) config[name] = parse(f.get(name));
    return config;
  }

  /**
   * Settings in the page address override the tag's (a copied link reproduces the run).
   * `chosen` keeps every setting the tag, its preset or the address set, by name: they win
   * over a pretrained model's saved settings (pretrained-widget.js).
   */
  restoreFromUrl() {
    const fromAddress = this.life.fromAddress();
    applyValues(this.form, fromAddress, `the page address (#${this.life.key}.…)`);
    this.chosen = { ...this.root.chosen, ...fromAddress };
  }

  async start() {
    await this.rebuild();
  }

  /** (Re)create the session from the controls; shows a validation error instead of training. */
  async rebuild() {
    this.started = true;
    this.pause();
    this.showError(null);
    this.setEnabled(false);
    this.life.state("starting");
    const config = this.config();
    this.life.toAddress(config, Object.keys(this.fields));
    try {
      const w = await api();
      this.onGpu = (await backendInfo()).kind === "gpu";
      if (config.dataset) {
        // CLIP has no dataset: it draws its own captioned shapes.
        const done = this.showProgress(0);
        await dataset(config.dataset, (f) => this.showProgress(f));
        done();
      }
      this.session?.dispose();
      this.session = null;
      const session = await w.create_session(config);
      // Freed meanwhile (the tag left the page): nothing may keep the new model.
      if (this.life.ended) return void session.dispose();
      this.session = session;
      this.player?.dispose();
      this.player = new Player({
        session: this.session,
        onReport: (r) => this.onReport(r),
        onError: (e) => this.onError(e),
        // Training waits while the widget is out of view or the tab hidden; say so.
        onWait: (waiting) => {
          this.root.dataset.waiting = waiting ? "yes" : "";
          if (waiting) this.field("speed").textContent = "0 (paused: out of view)";
        },
      });
      this.player.setVisible(this.onScreen);
      this.clearPlots();
      this.root.querySelector("table.probe").hidden = true;
      this.setEnabled(true);
      this.life.state("ready");
      this.keepCheckpoint({ step: 0, bytes: null });
      // Posted before any click can post a step (the buttons only now came on).
      if (this.onGpu) this.warmUp();
      performance.mark(`${this.method}:ready`);
      await this.refreshExamples();
    } catch (error) {
      if (this.life.ended) return;
      this.showError(error);
      this.setEnabled(false, true);
      this.life.state("error");
    }
  }

  /**
   * The tag was freed (playground.js): stop training, free the model and stop listening to the
   * page. Nothing of the widget is left running.
   */
  dispose() {
    const session = this.session;
    this.session = null;
    freeWidget(this, session);
  }

  /**
   * Show the widget's progress bar at `fraction` (null: busy, no fraction known); returns the
   * function that hides it. Every long action shows it: a download, an evaluation.
   */
  showProgress(fraction) {
    const bar = this.field("progress");
    if (!bar) return () => {};
    bar.hidden = false;
    if (fraction === null) bar.removeAttribute("value");
    else bar.value = fraction;
    return () => (bar.hidden = true);
  }

  setEnabled(on, keepTrainOff = false) {
    for (const b of Object.values(this.buttons)) b.disabled = !on;
    if (keepTrainOff) this.buttons.train.disabled = true;
  }

  train() {
    if (!this.player) return;
    if (this.player.playing) {
      this.pause();
      this.saveCheckpoint();
      return;
    }
    this.buttons.train.textContent = "Pause";
    this.player.play();
    this.life.state("training");
  }

  pause() {
    if (this.player?.playing) this.life.state("paused");
    this.player?.pause();
    this.buttons.train.textContent = "Train";
  }

  async step() {
    await this.player?.step();
    this.buttons.train.textContent = "Train";
    if (this.player) this.life.state("paused");
    this.saveCheckpoint();
  }

  async reset() {
    this.pause();
    this.showError(null);
    try {
      await this.session.reset();
      this.keepCheckpoint({ step: 0, bytes: null });
      this.clearPlots();
      await this.refreshExamples();
    } catch (error) {
      this.showError(error);
    }
  }

  /** Run the method's evaluation (the button shows it is busy) and show it in the table. */
  async evaluate() {
    const button = this.buttons.evaluate;
    const label = button.textContent;
    button.disabled = true;
    button.textContent = "Evaluating…";
    const done = this.showProgress(null);
    try {
      this.showEvaluation(await this.session.evaluate());
      this.root.querySelector("table.probe").hidden = false;
    } catch (error) {
      this.showError(error);
    } finally {
      done();
      button.disabled = false;
      button.textContent = label;
    }
  }

  /** Fill the table with an evaluation (see `Session.evaluate` in the README): the linear probe. */
  showEvaluation(ev) {
    const table = this.root.querySelector("table.probe");
    const runs = ev.probe.random_init_runs;
    this.field("trained").textContent = pct(ev.probe.trained);
    this.field("random_init").textContent = pct(ev.probe.random_init);
    this.field("random_init_count").textContent = runs.length;
    this.field("random_init_range").textContent = `${pct(Math.min(...runs))} to ${pct(Math.max(...runs))}`;
    this.field("labelled").textContent = ev.probe.labelled;
    this.field("held_out").textContent = ev.probe.held_out;
    this.field("pretext").textContent = ev.pretext_accuracy == null ? "" : pct(ev.pretext_accuracy);
    table.dataset.trained = ev.probe.trained;
    table.dataset.randomInit = ev.probe.random_init;
  }

  clearPlots() {
    this.reports = 0;
    Object.values(this.plots).forEach((p) => p.clear());
    this.field("step").textContent = "0";
    this.root.querySelectorAll("[data-metric]").forEach((e) => { e.textContent = "–"; delete e.dataset.value; });
    this.field("speed").textContent = "–";
  }

  onReport(report) {
    // For the page benchmark (scripts/bench-page.mjs): when the first step finished.
    const mark = `${this.method}:first-step`;
    if (performance.getEntriesByName(mark).length === 0) performance.mark(mark);
    this.stepCount = report.step;
    this.field("step").textContent = report.step;
    for (const { name, value } of report.metrics) {
      this.plots[name]?.push(report.step, value);
      const el = this.root.querySelector(`[data-metric="${name}"]`);
      if (el) {
        el.textContent = PERCENT.has(name) ? pct(value) : value.toFixed(4);
        el.dataset.value = value;
      }
    }
    if (report.steps_per_second > 0) this.field("speed").textContent = report.steps_per_second.toFixed(1);
    if (this.onGpu && performance.now() - this.checkpointAt > CHECKPOINT_MS) this.saveCheckpoint();
    // Redraw the examples every few reports: one more read-back, kept rare.
    if (++this.reports % 10 === 1) this.refreshExamples();
  }

  async refreshExamples() {
    try {
      this.drawExamples(await this.session.examples(this.exampleCount));
    } catch (error) {
      this.showError(error);
    }
  }

  /** Draw `examples` (see `Session.examples` in the README) on `this.grid`. */
  drawExamples(_examples) {
    throw new Error("a widget must say how to draw its examples");
  }

  onError(error) {
    this.buttons.train.textContent = "Train";
    this.showError(error);
    if (!this.lost) this.life.state("error");
  }

  /**
   * On a GPU a step's first run compiles its shaders (on SwiftShader up to 2 s for the MAE). Run
   * one step now and undo it (`reset` rebuilds the model from its seed), while the reader reads, so
   * that pressing Train does not wait for the compiler. The three calls go out together, so nothing
   * the page asks meanwhile falls between them; a Train pressed at once queues behind them.
   */
  warmUp() {
    const session = this.session;
    Promise.all([session.train(1), session.report(), session.reset()]).catch(() => {
      // Whatever failed fails again on the next call, which says it (a lost device: the notice).
    });
  }

  /** On a GPU, keep `checkpoint` (`{ step, bytes }`) as what a lost device would go on from. */
  keepCheckpoint(checkpoint) {
    if (!this.onGpu) return;
    this.checkpoint = checkpoint;
    this.checkpointAt = performance.now();
    this.root.dataset.checkpoint = checkpoint.step;
  }

  /**
   * On a GPU, save the model into the page (one read-back; training goes on meanwhile). The
   * step and the model are asked for in one go, so no training step falls between them.
   */
  async saveCheckpoint() {
    if (!this.onGpu || !this.session || this.saving) return;
    const session = this.session;
    this.saving = true;
    this.checkpointAt = performance.now();
    try {
      const [step, bytes] = await Promise.all([session.step(), session.save()]);
      if (session === this.session) this.keepCheckpoint({ step, bytes });
    } catch {
      // A lost device (the notice says it) or a disposed session: the last checkpoint stays.
    } finally {
      this.saving = false;
    }
  }

  /** The GPU device is lost (wasm.js): stop, and offer the CPU from the last checkpoint. */
  deviceLost(lost) {
    const from = this.checkpoint
      ? `It goes on from step ${this.checkpoint.step}, its last checkpoint.`
      : "It starts again.";
    if (stopOnLoss(this, lost, `Training stopped at step ${this.stepCount}. ${from}`)) this.session = null;
  }

  /** The page now runs on the CPU: rebuild there, from the last checkpoint. */
  async resumeOnCpu() {
    if (!this.lost) return;
    const checkpoint = this.checkpoint;
    this.lost = null;
    this.checkpoint = null;
    delete this.root.dataset.checkpoint;
    this.hideLost();
    if (!checkpoint) return this.start();
    // Widgets skip drawing the fresh model that the checkpoint replaces.
    this.starting = Boolean(checkpoint.bytes);
    await this.rebuild();
    this.starting = false;
    if (this.session && checkpoint.bytes) await this.restore(checkpoint);
  }

  /** Load `checkpoint.bytes` (the model from the GPU) into the new session. */
  async restore({ bytes }) {
    try {
      await this.session.load(bytes);
      this.stepCount = await this.session.step();
      this.field("step").textContent = this.stepCount;
      await this.refreshExamples();
    } catch (error) {
      this.showError(error);
    }
  }

  showError(error) {
    // A call cut off by a lost device: the notice says it.
    if (cutOffByLoss(this, error)) return;
    const box = this.root.querySelector(".error");
    box.hidden = !error;
    box.textContent = error ? String(error.message ?? error) : "";
  }
}
