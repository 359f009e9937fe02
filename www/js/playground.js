// The one script a page includes to use the widgets:
//
//   <script type="module" src="https://…/js/playground.js"></script>
//   <up-vae seed="7" pretrained="vae2d"></up-vae>
//
// It defines one custom element per widget (`up-rotation`, `up-vae`, … see WIDGETS), plus
// `up-backend`, a badge that says where training runs. Each element renders its widget's template
// (widgets/<name>.html) into itself (light DOM: the page can style and the tests can query it),
// applies its settings (a preset, its attributes, then the page address; settings.js), adds the
// preset menu and "Copy link", and starts the widget. All widgets of a page share one wasm
// module, one device (or one CPU worker) and one copy of each dataset (wasm.js), and start one
// after the other. The module and the backend start with the page; a widget starts (fetches its
// dataset and pretrained model, builds its session) only when it comes within a screen of view
// or gets the keyboard focus, so a long page of notes downloads and builds only what its reader
// reaches (`loading="eager"` starts a widget at once). A tag that cannot start (an unknown
// widget, a bad attribute) shows why in its place; the rest of the page goes on.

import { backend, backendEvents } from "./wasm.js";
import { query } from "./url-state.js";
import { applyValues, currentSettings } from "./settings.js";
import { PRESETS } from "./presets.js";
import { RotationWidget } from "./rotation-widget.js";
import { JigsawWidget } from "./jigsaw-widget.js";
import { DeepClusterWidget } from "./deepcluster-widget.js";
import { SimClrWidget, MocoWidget, ByolWidget } from "./views-widget.js";
import { ClipWidget } from "./clip-widget.js";
import { AutoencoderWidget, VaeWidget } from "./generative-widget.js";
import { GanWidget, CycleGanWidget } from "./gan-widget.js";
import { CharLmWidget } from "./charlm-widget.js";
import { PixelCnnWidget } from "./pixelcnn-widget.js";
import { MaeWidget } from "./mae-widget.js";
import { BoardWidget } from "./board-widget.js";

/** The prefix of every tag. */
export const PREFIX = "up-";

/** Widget name -> its class (the tag is PREFIX + name). */
export const WIDGETS = {
  rotation: RotationWidget,
  jigsaw: JigsawWidget,
  deepcluster: DeepClusterWidget,
  simclr: SimClrWidget,
  moco: MocoWidget,
  byol: ByolWidget,
  clip: ClipWidget,
  autoencoder: AutoencoderWidget,
  vae: VaeWidget,
  gan: GanWidget,
  cyclegan: CycleGanWidget,
  charlm: CharLmWidget,
  pixelcnn: PixelCnnWidget,
  mae: MaeWidget,
  board: BoardWidget,
};

/** Attributes every tag may carry besides its settings (`data-*` and `aria-*` too). */
const GENERAL = new Set(["id", "class", "style", "title", "lang", "dir", "hidden", "tabindex", "slot", "preset", "pretrained", "loading"]);

/** How near the screen a lazy widget starts: within one screen height above or below the view. */
const NEAR = "100% 0px";

const SITE = new URL("../", import.meta.url);

// The widgets' stylesheet, once per page.
if (!document.querySelector("link[data-playground-styles]")) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("widgets.css", SITE).href;
  link.dataset.playgroundStyles = "";
  document.head.append(link);
}

/** The page's backend, started by the first widget: `?backend=cpu|webgpu|auto` (default auto). */
let backendPromise = null;
function startBackend() {
  backendPromise ??= backend(query("backend", "auto"), { worker: query("worker", "on") !== "off" });
  return backendPromise;
}

/** Widgets start one after the other: they share the module, the device and the datasets. */
let queue = Promise.resolve();
/** Every started widget by its tag's id (for the tests and the console). */
window.playground ??= {};

const templates = new Map();
function template(name) {
  if (!templates.has(name)) {
    templates.set(name, fetch(new URL(`widgets/${name}.html`, SITE)).then((r) => {
      if (!r.ok) throw new Error(`could not load the ${name} widget: HTTP ${r.status}`);
      return r.text();
    }));
  }
  return templates.get(name);
}

/** An id for a tag without one: the widget's name, numbered if the page has it already. */
function freshId(name) {
  let id = name;
  for (let n = 2; document.getElementById(id); n++) id = `${name}-${n}`;
  return id;
}

/** Show `message` in place of `element`'s widget (the rest of the page is untouched). */
export function showFailure(element, message) {
  element.innerHTML = "";
  const box = document.createElement("p");
  box.className = "error widget-failed";
  box.setAttribute("role", "alert");
  box.textContent = message;
  element.append(box);
  element.dataset.failed = "yes";
}

class WidgetElement extends HTMLElement {
  connectedCallback() {
    if (this.built) return;
    this.built = true;
    const name = this.constructor.widget;
    this.build(name).catch((error) => showFailure(this, `<${PREFIX}${name}>: ${error.message ?? error}`));
  }

  async build(name) {
    this.id ||= freshId(name);
    // The id names the widget's settings in the page address (`#id.seed=7`) and its inner ids.
    if (!/^[A-Za-z][\w-]*$/.test(this.id)) throw new Error(`id="${this.id}" must be a letter followed by letters, digits, - or _`);
    this.innerHTML = (await template(name)).replaceAll("{id}", this.id);
    const root = this.querySelector("section");
    root.dataset.key = this.id;
    // Enter in a field must not submit (reload) the page; a listener, not an onsubmit
    // attribute: the pages' Content-Security-Policy runs no inline script.
    for (const form of root.querySelectorAll("form")) form.addEventListener("submit", (e) => e.preventDefault());
    // Every picture has a text alternative: its caption (plots replace it with their numbers).
    for (const canvas of root.querySelectorAll("canvas:not([aria-label])")) {
      const caption = canvas.closest("figure")?.querySelector("figcaption")?.textContent.trim();
      if (caption) {
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", caption);
      }
    }
    const form = root.querySelector("form");
    const defaults = currentSettings(form);
    const presets = [{ name: "default", label: "Defaults", note: "", values: {} }, ...(PRESETS[name] ?? [])];

    // Settings: the preset, then the attributes (the page address comes last, in the widget).
    const preset = this.getAttribute("preset") ?? "default";
    const chosen = presets.find((p) => p.name === preset);
    if (!chosen) throw new Error(`preset="${preset}" is not one of ${presets.map((p) => p.name).join(", ")}`);
    applyValues(form, chosen.values, `preset "${preset}"`);
    const attributes = {};
    for (const { name: attribute, value } of this.attributes) {
      if (GENERAL.has(attribute) || attribute.startsWith("data-") || attribute.startsWith("aria-")) continue;
      attributes[attribute.replaceAll("-", "_")] = value;
    }
    applyValues(form, attributes, "attribute");
    this.pretrainedChoice(root);

    this.addPresetMenu(root, form, presets, chosen, defaults);
    const widget = new this.constructor.Widget(root);
    this.addShare(root, form);
    this.widget = widget;
    window.playground[this.id] = widget;
    // The module compiles and the device starts while the reader reads; a failure is said by
    // the badge and, once the widget starts, in its place.
    startBackend().catch(() => {});
    await this.nearScreen();
    queue = queue.then(async () => {
      try {
        await startBackend();
      } catch (error) {
        // Said once by the badge too; each widget says it in its place.
        widget.showError?.(new Error(`could not start: ${error.message ?? error}`));
        return;
      }
      try {
        await widget.start();
      } catch (error) {
        // Said in place; the widgets after it in the queue still start.
        widget.showError?.(error);
        return;
      }
      this.dataset.ready = "yes";
    });
  }

  /**
   * Resolves when the widget comes within a screen of view or gets the keyboard focus; at once
   * with `loading="eager"` (or a browser without IntersectionObserver). Until then the tag
   * carries `data-loading="waiting"`.
   */
  nearScreen() {
    const loading = this.getAttribute("loading") ?? "lazy";
    if (!["lazy", "eager"].includes(loading)) throw new Error(`loading="${loading}" is not one of lazy, eager`);
    if (loading === "eager" || typeof IntersectionObserver !== "function") return Promise.resolve();
    this.dataset.loading = "waiting";
    return new Promise((resolve) => {
      const go = () => {
        observer.disconnect();
        this.removeEventListener("focusin", go);
        delete this.dataset.loading;
        resolve();
      };
      const observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) go();
      }, { rootMargin: NEAR });
      observer.observe(this);
      this.addEventListener("focusin", go);
    });
  }

  /** `pretrained="none"` starts from scratch; a menu value picks the shipped model. */
  pretrainedChoice(root) {
    const choice = this.getAttribute("pretrained");
    if (choice === null) return;
    const menu = root.querySelector("select[data-pretrained]");
    if (!menu) throw new Error(`pretrained="${choice}": this widget has no pretrained model`);
    const options = [...menu.options].map((o) => o.value);
    if (choice === "none") root.dataset.start = "scratch";
    else if (options.includes(choice)) menu.value = choice;
    else throw new Error(`pretrained="${choice}" is not one of none, ${options.join(", ")}`);
  }

  /** The preset menu, first among the controls; changing a setting by hand makes it "Custom". */
  addPresetMenu(root, form, presets, chosen, defaults) {
    const label = document.createElement("label");
    label.className = "preset";
    label.textContent = "Preset ";
    const menu = document.createElement("select");
    menu.dataset.preset = "";
    for (const p of [...presets, { name: "custom", label: "Custom" }]) menu.add(new Option(p.label, p.name));
    menu.value = chosen.name;
    label.append(menu);
    form.prepend(label);
    const note = document.createElement("p");
    note.className = "preset-note";
    note.textContent = chosen.note;
    form.after(note);
    menu.addEventListener("change", () => {
      const preset = presets.find((p) => p.name === menu.value);
      if (!preset) return;
      // Every preset starts from the defaults, so presets do not mix.
      applyValues(form, { ...defaults, ...preset.values }, `preset "${preset.name}"`);
      note.textContent = preset.note;
      // The form's own change listener (bubbling after this one) rebuilds the widget.
    });
    form.addEventListener("change", (e) => {
      if (e.target !== menu) {
        menu.value = "custom";
        note.textContent = "";
      }
    }, true);
  }

  /** "Copy link": this page's address with this widget's settings, which reproduces the run. */
  addShare(root, form) {
    const row = document.createElement("div");
    row.className = "share";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy link";
    button.dataset.share = "";
    const link = document.createElement("input");
    link.readOnly = true;
    link.hidden = true;
    link.dataset.link = "";
    link.setAttribute("aria-label", "Link to this run");
    const said = document.createElement("span");
    said.setAttribute("aria-live", "polite");
    row.append(link, said);
    const buttons = root.querySelector(".buttons");
    buttons.append(button);
    buttons.after(row);
    button.addEventListener("click", async () => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(currentSettings(form))) params.set(`${this.id}.${name}`, value);
      const url = new URL(location.href);
      url.hash = params.toString();
      link.value = url.href;
      link.hidden = false;
      try {
        await navigator.clipboard.writeText(url.href);
        said.textContent = "copied";
      } catch {
        // No clipboard permission (an iframe, an insecure page): the link is selected instead.
        link.select();
        said.textContent = "select and copy";
      }
    });
  }
}

/** `<up-backend>`: says where the page trains (the GPU, or the CPU and why). */
class BackendElement extends HTMLElement {
  async connectedCallback() {
    this.classList.add("backend");
    this.setAttribute("role", "status");
    this.dataset.state = "loading";
    this.textContent = "Starting…";
    backendEvents.addEventListener("lost", ({ detail }) => {
      this.dataset.state = "lost";
      this.textContent = `The GPU device was lost${detail.message ? ` (${detail.message})` : ""}: training stopped. ` +
        "Each widget can continue on the CPU.";
    });
    backendEvents.addEventListener("changed", ({ detail }) => this.show(detail));
    try {
      this.show(await startBackend());
    } catch (error) {
      this.dataset.state = "error";
      this.textContent = `Could not start: ${error.message ?? error}`;
    }
  }

  show(info) {
    if (this.dataset.state === "lost" && info.kind === "gpu") return;
    this.dataset.state = info.kind;
    this.textContent = info.kind === "gpu"
      ? `Training on the GPU${info.worker ? " (in a worker)" : ""}: ${info.description}`
      : `Training on the CPU${info.worker ? " (in a worker)" : ""}${info.fallback_reason ? `: ${info.fallback_reason}` : ""}`;
  }
}

for (const [name, Widget] of Object.entries(WIDGETS)) {
  if (customElements.get(PREFIX + name)) continue;
  customElements.define(PREFIX + name, class extends WidgetElement {
    static widget = name;
    static Widget = Widget;
  });
}
if (!customElements.get(`${PREFIX}backend`)) customElements.define(`${PREFIX}backend`, BackendElement);

/** Tags with the prefix that name no widget (`<up-vea>`): say so in their place. */
function flagUnknown() {
  for (const element of document.querySelectorAll("*")) {
    const tag = element.localName;
    if (tag.startsWith(PREFIX) && !customElements.get(tag) && !element.dataset.failed) {
      showFailure(element, `<${tag}> is not a widget. The widgets are: ${Object.keys(WIDGETS).map((n) => `<${PREFIX}${n}>`).join(", ")}.`);
    }
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", flagUnknown);
else flagUnknown();
