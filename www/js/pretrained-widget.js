// A widget whose model can start from shipped pretrained weights, be saved to a file and loaded
// back (the VAE, the GAN, the CycleGAN, ...): the model menu, "Save model" and "Load a saved
// model". "Train" continues the loaded model; "Reset" starts from scratch.
//
// Whose settings win: a shipped model comes with the settings it was trained with, but what the
// tag chose (its preset, its attributes, the page address) wins for everything that does not
// change the model's network (a seed, a learning rate, a mask ratio). Where the tag asks for a
// different network (another latent size) the model's stands, and a note under the model menu
// says what was kept. A file the reader loads brings its own settings.

import { MethodWidget } from "./method-widget.js";
import { api, asset, dataset } from "./wasm.js";

export class PretrainedWidget extends MethodWidget {
  /**
   * @param root       the widget's <section> (with `[data-pretrained]` menu, `[data-save]`,
   *                   `[data-file]` and `[data-model-status]`)
   * @param options    see `MethodWidget`
   * @param pretrained `{ menu value: { file, label } }`, the shipped checkpoints
   */
  constructor(root, options, pretrained) {
    super(root, options);
    this.pretrained = pretrained;
    this.el = (name) => root.querySelector(`[data-${name}]`);
    this.keptNote = document.createElement("p");
    this.keptNote.className = "kept-note";
    this.keptNote.dataset.kept = "";
    this.keptNote.hidden = true;
    // Below the settings box, so that it shows with the settings folded too.
    const status = this.el("model-status");
    (status.closest("details") ?? status.closest(".controls")).after(this.keptNote);
    this.el("pretrained").addEventListener("change", () => this.loadPretrained());
    this.el("save").addEventListener("click", () => this.download());
    this.el("file").addEventListener("change", (e) => this.loadFile(e.target.files[0]));
  }

  /**
   * Start with pretrained weights, so the demos work before any training; or from scratch when
   * the tag says `pretrained="none"` (playground.js checks it and sets `data-start="scratch"`).
   */
  async start() {
    if (this.root.dataset.start === "scratch") {
      await this.rebuild();
      this.el("model-status").textContent = "random init (train from scratch)";
      return;
    }
    // Nothing to draw from the random init the rebuild makes: the pretrained model replaces it.
    this.starting = true;
    await this.rebuild();
    this.starting = false;
    await this.loadPretrained();
  }

  /**
   * Load the pretrained model chosen in the menu; its config replaces the controls', but for the
   * settings the tag chose (see the top of this file).
   */
  async loadPretrained() {
    const choice = this.pretrained[this.el("pretrained").value];
    if (!choice || !this.session) return;
    const status = this.el("model-status");
    status.textContent = `loading ${choice.label}…`;
    try {
      const done = this.showProgress(0);
      const bytes = await asset(choice.file, (f) => this.showProgress(f));
      done();
      await this.loadBytes(bytes, choice.label, this.chosenSettings());
    } catch (error) {
      this.showProgress(0)();
      status.textContent = "";
      this.showError(error);
      return;
    }
    await this.refreshExamples();
  }

  async loadFile(file) {
    if (!file) return;
    try {
      await this.loadBytes(new Uint8Array(await file.arrayBuffer()), file.name);
    } catch (error) {
      // The session kept its model: say why the file was refused, and leave the rest as it is.
      this.showError(error);
      return;
    }
    await this.refreshExamples();
  }

  /** The settings the tag chose (preset, attributes, page address), as config values. */
  chosenSettings() {
    const out = {};
    for (const [name, value] of Object.entries(this.chosen ?? {})) {
      if (Object.hasOwn(this.fields, name)) out[name] = this.fields[name](String(value));
    }
    return out;
  }

  /**
   * Replace the model by a checkpoint (the session keeps its model if the file is refused),
   * loading the dataset it trains on first (a Fashion-MNIST model on a digits page).
   * `settings` (config values) win over the checkpoint's but for those that shape its network.
   */
  async loadBytes(bytes, label, settings = undefined) {
    this.pause();
    const saved = await (await api()).checkpoint_config(bytes);
    const trainsOn = settings?.dataset ?? saved.dataset;
    if (trainsOn) await dataset(trainsOn);
    const config = await this.session.load(bytes, settings);
    for (const name of Object.keys(this.fields)) {
      if (config[name] !== undefined) this.form.elements[name].value = String(config[name]);
    }
    // The tag's settings that the model kept its own value for (they would change its network).
    const kept = Object.entries(settings ?? {}).filter(([name, value]) =>
      config[name] !== undefined && String(config[name]) !== String(value));
    this.keptNote.hidden = kept.length === 0;
    this.keptNote.dataset.fields = kept.map(([name]) => name).join(",");
    this.keptNote.textContent = kept.length === 0 ? "" :
      `The pretrained model keeps its own ${kept.map(([n]) => `${n} = ${config[n]}`).join(", ")}: ` +
      `the tag's ${kept.map(([n, v]) => `${n} = ${v}`).join(", ")} would change its network. ` +
      `Everything else the tag set is in force; pretrained="none" trains the tag's network from scratch.`;
    this.clearPlots();
    // The table scored the previous model.
    this.root.querySelector("table.probe").hidden = true;
    this.stepCount = await this.session.step();
    this.field("step").textContent = this.stepCount;
    this.el("model-status").textContent = `${label}, trained ${this.stepCount} steps`;
    this.showError(null);
    this.keepCheckpoint({ step: this.stepCount, bytes });
  }

  /** After a lost GPU device: the model as it was at the last checkpoint. */
  async restore({ bytes }) {
    try {
      await this.loadBytes(bytes, "the last checkpoint from the GPU");
      await this.refreshExamples();
    } catch (error) {
      this.showError(error);
    }
  }

  async download() {
    try {
      const bytes = await this.session.save();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
      link.download = `${this.method}-step${this.stepCount}.upck`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    } catch (error) {
      this.showError(error);
    }
  }

  async reset() {
    await super.reset();
    this.el("model-status").textContent = "random init (train from scratch)";
  }
}
