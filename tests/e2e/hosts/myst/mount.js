// The page mystmd built (`myst build --site`: /content/index.json, its assets at /), rendered
// as MyST's theme renders it, as far as the widgets go: each `anywidget` node is mounted the way
// @myst-theme/anywidget's AnyWidgetRenderer (npm @myst-theme/anywidget 1.4.1,
// dist/renderers.js) mounts it, without React: import the node's `esm`, wrap its `model` in
// MyST's own model shim (MystAnyModel, dist/models.js, served from node_modules at /npm/), give
// the widget a <div> inside a shadow root of the node's element, call the module's `initialize`
// and `render({ model, el })`, and keep the cleanup they return for when the node goes. Every
// other node is shown as its text.

import { MystAnyModel } from "/npm/@myst-theme/anywidget/dist/models.js";

window.cleanups = [];
const page = document.getElementById("page");
const { mdast } = await (await fetch("/content/index.json")).json();

/** The text of an AST node. */
const text = (node) => node.value ?? (node.children ?? []).map(text).join("");

async function mount(node) {
  const holder = document.createElement("div");
  holder.className = "myst-anywidget-node";
  page.append(holder);
  const widget = (await import(node.esm)).default;
  const model = new MystAnyModel(node.model);
  window.cleanups.push(await widget.initialize?.({ model }));
  const shadow = holder.attachShadow({ mode: "open" });
  const el = document.createElement("div");
  el.className = "myst-anywidget";
  el.style.position = "relative";
  shadow.replaceChildren(el);
  window.cleanups.push(await widget.render?.({ model, el }));
}

async function walk(node) {
  if (node.type === "anywidget") return mount(node);
  if (["heading", "paragraph"].includes(node.type)) {
    const element = document.createElement(node.type === "heading" ? `h${node.depth}` : "p");
    element.textContent = text(node);
    page.append(element);
    return;
  }
  for (const child of node.children ?? []) await walk(child);
}
await walk(mdast);
document.body.dataset.rendered = "yes";
