// The one script a page includes to use the widgets:
//
//   <script type="module" src="https://…/js/playground.js"></script>
//   <up-vae seed="7" pretrained="vae2d"></up-vae>
//
// It defines one custom element per widget (`up-rotation`, `up-vae`, … see WIDGETS), plus
// `up-backend`, a badge that says where training runs. A widget is a guest in someone else's
// page (a slide deck, a docs site, a notebook), so each element renders its template
// (widgets/<name>.html) into its own shadow root, styled by one stylesheet adopted by every root
// (the styles come with the element, not with the page's head, which a docs site may swap): the
// host's CSS does not reach in, the widget's does not leak out, and the light DOM holds nothing
// a host framework could misread. Theming goes through CSS custom properties and `::part`
// (docs.html lists them).
//
// Settings come from a preset, the tag's attributes, then the page address (settings.js); a
// widget reads only its own `#id.name=value` parameters and never writes the address unless
// the page opts in (`address="sync"` on the tag, or `<meta name="up-address" content="sync">`).
// All widgets of a page share one wasm module, one device (or one CPU worker) and one copy of
// each dataset (wasm.js), and start one after the other. The module and the backend start with
// the page; a widget starts (fetches its dataset and pretrained model, builds its session) only
// when it comes within a screen of view or gets the keyboard focus (`loading="eager"` starts it
// at once). A widget taken out of the page pauses; if it stays out FREE_AFTER_MS, its session
// is freed, and putting the tag back builds it again (a docs site that swaps pages client-side).
// A tag that cannot start (an unknown widget, a bad attribute) shows why in its place; the rest
// of the page goes on.

import { backend, backendEvents } from "./wasm.js";
import { query, linkWith } from "./url-state.js";
import { applyValues, currentSettings } from "./settings.js";
import { markState } from "./lifecycle.js";
import { sizeSheet } from "./surface.js";
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

/**
 * The `layout` attribute: `full` (every control and picture), `compact` (the lecture picture,
 * the buttons, one plot, the settings folded), `slide` (fits a 16:9 slide at 1280x720 in large
 * type: the one picture that makes the lecture's point). widgets.css does the arranging.
 */
export const LAYOUTS = ["full", "compact", "slide"];

/** The `address` attribute: `read` (the default), `sync` (also write), `off` (ignore it). */
export const ADDRESS = ["read", "sync", "off"];

/** Attributes every tag may carry besides its settings (`data-*` and `aria-*` too). */
const GENERAL = new Set(["id", "class", "style", "title", "lang", "dir", "hidden", "tabindex", "slot", "part",
  "preset", "pretrained", "loading", "layout", "address"]);

/** How near the screen a lazy widget starts: within one screen height above or below the view. */
const NEAR = "100% 0px";

/** How long a widget taken out of the page keeps its session (a move within the page is instant). */
export const FREE_AFTER_MS = 5_000;

const SITE = new URL("../", import.meta.url);

let sheetPromise = null;
/**
 * The widgets' stylesheet, fetched once and adopted by every shadow root (a constructable
 * stylesheet: no `<link>` in the page's head that a client-side page swap could drop).
 */
function widgetStyles() {
  sheetPromise ??= fetch(new URL("widgets.css", SITE)).then(async (response) => {
    if (!response.ok) throw new Error(`could not load the widgets' styles: HTTP ${response.status}`);
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(await response.text());
    return sheet;
  });
  return sheetPromise;
}

/** `element`'s shadow root (made on first use), with the widgets' stylesheet. */
async function styledRoot(element) {
  let shadow = element.shadowRoot;
  if (!shadow) {
    shadow = element.attachShadow({ mode: "open" });
    keepKeys(shadow);
  }
  try {
    shadow.adoptedStyleSheets = [await widgetStyles()];
  } catch {
    // Unstyled but working: the content still says what it must.
  }
  return shadow;
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

/** Show `message` in place of `element`'s widget, in its shadow root (the page is untouched). */
export async function showFailure(element, message) {
  element.dataset.failed = "yes";
  element.dataset.state = "error";
  const box = document.createElement("p");
  box.className = "error widget-failed";
  box.setAttribute("role", "alert");
  box.textContent = message;
  (await styledRoot(element)).replaceChildren(box);
}

/**
 * Key presses inside a widget stay in it: a slide deck listens on the document for its own keys
 * (space, arrows, letters) and, seeing only the shadow host focused, would take a student's
 * typing for navigation. Keys that a focused control uses are stopped at the shadow root; a
 * plain button keeps only Enter and Space, so the arrows still turn the slide after a click.
 */
function keepKeys(shadow) {
  const stop = (event) => {
    const target = event.composedPath()[0];
    if (!(target instanceof Element)) return;
    const tag = target.localName;
    const typing = tag === "textarea" || tag === "select" || target.isContentEditable ||
      (tag === "input" && !["button", "submit", "reset", "checkbox", "radio", "file"].includes(target.type)) ||
      (tag === "canvas" && target.tabIndex >= 0);
    const pressing = (tag === "button" || tag === "input" || tag === "summary") && [" ", "Enter"].includes(event.key);
    if (typing || pressing) event.stopPropagation();
  };
  for (const type of ["keydown", "keypress", "keyup"]) shadow.addEventListener(type, stop);
}

class WidgetElement extends HTMLElement {
  connectedCallback() {
    clearTimeout(this.freeTimer);
    this.freeTimer = null;
    // Started (or starting) already: a move within the page changes nothing.
    if (this.run) return;
    const name = this.constructor.widget;
    // This build of the widget; `freed` once free() ends it (a later connection builds anew).
    const run = { freed: false, wake: null };
    this.run = run;
    this.build(name, run).catch((error) => {
      if (!run.freed) showFailure(this, `<${PREFIX}${name}>: ${error.message ?? error}`);
    });
  }

  /** Taken out of the page: pause now; free the session if it stays out (see FREE_AFTER_MS). */
  disconnectedCallback() {
    this.widget?.pause();
    clearTimeout(this.freeTimer);
    this.freeTimer = setTimeout(() => this.free(), FREE_AFTER_MS);
  }

  /** Free the session and empty the widget; putting the tag back builds it again. */
  free() {
    this.freeTimer = null;
    if (this.isConnected || !this.run) return;
    this.run.freed = true;
    this.run.wake?.();
    this.run = null;
    this.widget?.dispose();
    if (window.playground[this.id] === this.widget) delete window.playground[this.id];
    this.widget = null;
    this.shadowRoot?.replaceChildren();
    delete this.dataset.ready;
    delete this.dataset.failed;
    delete this.dataset.loading;
    this.dataset.state = "idle";
  }

  async build(name, run) {
    this.dataset.state = "idle";
    this.id ||= freshId(name);
    // The id names the widget's settings in the page address (`#id.seed=7`).
    if (!/^[A-Za-z][\w-]*$/.test(this.id)) throw new Error(`id="${this.id}" must be a letter followed by letters, digits, - or _`);
    const layout = this.getAttribute("layout") ?? "full";
    if (!LAYOUTS.includes(layout)) throw new Error(`layout="${layout}" is not one of ${LAYOUTS.join(", ")}`);
    const address = this.getAttribute("address") ??
      document.querySelector('meta[name="up-address"]')?.getAttribute("content") ?? "read";
    if (!ADDRESS.includes(address)) throw new Error(`address="${address}" is not one of ${ADDRESS.join(", ")}`);
    const loading = this.getAttribute("loading") ?? "lazy";
    if (!["lazy", "eager"].includes(loading)) throw new Error(`loading="${loading}" is not one of lazy, eager`);
    const html = await template(name);
    const shadow = await styledRoot(this);
    if (run.freed) return;
    const holder = document.createElement("template");
    holder.innerHTML = html.replaceAll("{id}", this.id);
    shadow.replaceChildren(holder.content);
    const root = shadow.querySelector(".widget");
    // Each canvas keeps its tag's size on screen while its backing store follows the screen's
    // pixel ratio (surface.js).
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sizeSheet(root)];
    root.dataset.key = this.id;
    root.dataset.address = address;
    root.setAttribute("part", "widget");
    root.querySelector("h2")?.setAttribute("part", "title");
    root.querySelector(".buttons")?.setAttribute("part", "buttons");
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
    // What they set is remembered as the tag's own choices, which win over a pretrained
    // model's saved settings (pretrained-widget.js).
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
    root.chosen = { ...chosen.values, ...attributes };
    this.pretrainedChoice(root);

    this.addPresetMenu(root, form, presets, chosen, defaults);
    this.foldSettings(root, layout);
    const widget = new this.constructor.Widget(root);
    this.addShare(root, form);
    this.widget = widget;
    window.playground[this.id] = widget;
    // The module compiles and the device starts while the reader reads; a failure is said by
    // the badge and, once the widget starts, in its place.
    startBackend().catch(() => {});
    await (loading === "eager" ? null : this.nearScreen(run));
    if (run.freed) return;
    this.dataset.state = "starting";
    queue = queue.then(async () => {
      if (run.freed) return;
      try {
        await startBackend();
      } catch (error) {
        // Said once by the badge too; each widget says it in its place.
        widget.showError?.(new Error(`could not start: ${error.message ?? error}`));
        markState(root, "error");
        return;
      }
      try {
        await widget.start();
      } catch (error) {
        // Said in place; the widgets after it in the queue still start.
        widget.showError?.(error);
        markState(root, "error");
        return;
      }
      if (run.freed) return;
      this.dataset.ready = "yes";
    });
  }

  /**
   * Resolves when the widget comes within a screen of view or gets the keyboard focus (at once
   * in a browser without IntersectionObserver). Until then the tag carries
   * `data-loading="waiting"`. Freeing the widget meanwhile (`run.wake`) ends the wait.
   */
  nearScreen(run) {
    if (typeof IntersectionObserver !== "function") return Promise.resolve();
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
      run.wake = go;
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

  /**
   * The settings (model menu, form, preset note) go into one foldable "Settings" box: open in the
   * full layout, folded in the compact and slide ones.
   */
  foldSettings(root, layout) {
    const form = root.querySelector("form");
    const box = document.createElement("details");
    box.className = "settings";
    box.setAttribute("part", "settings");
    box.open = layout === "full";
    const summary = document.createElement("summary");
    summary.textContent = "Settings";
    form.before(box);
    const model = root.querySelector("[data-pretrained]")?.closest(".controls");
    box.append(summary, ...(model && model !== form ? [model] : []), form, root.querySelector(".preset-note"));
  }

  /**
   * "Copy link": a link to this page with this widget's settings, which reproduces the run. It
   * is built, not navigated to: the page's own address is left as it is.
   */
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
      link.value = linkWith(this.id, currentSettings(form));
      link.hidden = false;
      try {
        await navigator.clipboard.writeText(link.value);
        said.textContent = "copied";
      } catch {
        // No clipboard permission (an iframe, an insecure page): the link is selected instead.
        link.select();
        said.textContent = "select and copy";
      }
    });
  }
}

/**
 * `<up-backend>`: says where the page trains (the GPU, or the CPU and why). Its text is the
 * tag's own (the page may read and style it); its look comes from its shadow root.
 */
class BackendElement extends HTMLElement {
  async connectedCallback() {
    if (this.listening) return;
    this.listening = true;
    styledRoot(this).then((shadow) => {
      if (!shadow.firstChild) shadow.append(document.createElement("slot"));
    });
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

/** Whether `element` is a tag with the prefix that names no widget (`<up-vea>`). */
const unknownTag = (element) => element.localName.startsWith(PREFIX) && !customElements.get(element.localName) &&
  !element.dataset.failed;

/** Say so in the place of every unknown tag in `under` (itself included). */
function flagUnknown(under) {
  for (const element of [under, ...under.querySelectorAll("*")]) {
    if (element instanceof Element && unknownTag(element)) {
      showFailure(element, `<${element.localName}> is not a widget. The widgets are: ${Object.keys(WIDGETS).map((n) => `<${PREFIX}${n}>`).join(", ")}.`);
    }
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => flagUnknown(document.documentElement));
else flagUnknown(document.documentElement);
// A page whose content comes later (a docs site's client-side navigation, a notebook's output):
// misspelt tags there are flagged too.
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) if (node instanceof Element) flagUnknown(node);
  }
}).observe(document.documentElement, { childList: true, subtree: true });
