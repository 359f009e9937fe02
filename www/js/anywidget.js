// The playground's widgets in notebook-style hosts that speak anywidget's front-end protocol:
// MyST / Jupyter Book 2 (the `anywidget` directive), and through the `anywidget` Python package
// JupyterLab, Jupyter Notebook, VS Code and marimo. The host imports this module and calls its
// `render({ model, el })`; the model holds
//
//   widget       the widget's name ("vae", "rotation", … as in <up-NAME>)
//   attributes   the tag's attributes, as embed.html takes them ({ "layout": "compact", "seed": 7 })
//   site         optional: where the playground's files are ("https://…/playground/"), when this
//                module was copied elsewhere (a host that bundles it); by default, beside it
//
// e.g. in MyST markdown (docs.html has the Python version):
//
//   :::{anywidget} https://…/playground/js/anywidget.js
//   { "widget": "vae", "attributes": { "layout": "compact", "pretrained": "vae2d" } }
//   :::
//
// The tag is an ordinary <up-NAME> element (playground.js): its own shadow root and styles, its
// lazy start, its settings checks; removing it (the host's cleanup) pauses it and frees its
// session after a grace period.

const HERE = new URL("../", import.meta.url);

/** `model.get(name)`, or `fallback` when the host's model has no such value. */
function read(model, name, fallback) {
  try {
    return model.get(name) ?? fallback;
  } catch {
    return fallback;
  }
}

export default {
  async render({ model, el }) {
    const site = read(model, "site", null);
    const base = site ? new URL(String(site), document.baseURI) : HERE;
    const { WIDGETS, PREFIX, showFailure } = await import(new URL("js/playground.js", base).href);
    const name = String(read(model, "widget", ""));
    const attributes = read(model, "attributes", {});
    const known = Object.hasOwn(WIDGETS, name);
    const tag = document.createElement(known ? PREFIX + name : "div");
    let problem = known ? null : `widget="${name}" is not a widget. The widgets are: ${Object.keys(WIDGETS).join(", ")}.`;
    if (!problem && (attributes === null || typeof attributes !== "object" || Array.isArray(attributes))) {
      problem = "attributes must be an object of attribute names and values";
    }
    // The attributes go on before the tag goes in: it reads them as it starts.
    try {
      if (!problem) for (const [key, value] of Object.entries(attributes)) tag.setAttribute(key, String(value));
    } catch (error) {
      problem = error.message ?? String(error);
    }
    if (problem) {
      const box = document.createElement("div");
      el.append(box);
      showFailure(box, `anywidget: ${problem}`);
      return () => box.remove();
    }
    el.append(tag);
    return () => tag.remove();
  },
};
