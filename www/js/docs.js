// docs.html: the embed snippets and the reference of every widget's attributes, generated from
// the widgets themselves (their templates, presets and pretrained menus). A file, not an inline
// script: the page's Content-Security-Policy allows scripts from the site only.

import { WIDGETS, PREFIX } from "./playground.js";
import { PRESETS } from "./presets.js";

const code = (text) => Object.assign(document.createElement("code"), { textContent: text });
document.querySelector('[data-snippet="include"]').textContent =
  `<script type="module" src="playground/js/playground.js"></` + `script>\n\n<up-vae pretrained="vae2d" seed="7"></up-vae>`;
document.querySelector('[data-snippet="iframe"]').textContent =
  `<script type="module" src="playground/js/embed-frames.js"></` + `script>\n` +
  `<iframe src="playground/embed.html?widget=vae&preset=2d&layout=compact" width="100%" height="600"></iframe>`;
document.querySelector('[data-snippet="reveal"]').textContent =
  `<section>\n  <up-rotation layout="slide"></up-rotation>\n</section>`;
document.querySelector('[data-snippet="myst"]').textContent =
  `:::{anywidget} https://example.org/playground/js/anywidget.js\n` +
  `{ "widget": "vae", "attributes": { "layout": "compact", "pretrained": "vae2d" } }\n:::`;

const reference = document.getElementById("reference");
reference.textContent = "";
for (const name of Object.keys(WIDGETS)) {
  const html = await (await fetch(`widgets/${name}.html`)).text();
  const doc = new DOMParser().parseFromString(html, "text/html");
  const section = document.createElement("section");
  section.className = "doc";
  section.id = `doc-${name}`;
  const title = document.createElement("h3");
  title.append(code(`<${PREFIX}${name}>`), ` ${doc.querySelector("h2")?.textContent ?? ""}`);
  const lead = document.createElement("p");
  lead.textContent = doc.querySelector(".lecture")?.textContent.trim().split(/(?<=\.)\s/)[0] ?? "";
  const table = document.createElement("table");
  table.className = "reference";
  table.innerHTML = "<tr><th>Attribute</th><th>Default</th><th>Values</th></tr>";
  for (const field of doc.querySelectorAll("form [name]")) {
    const row = table.insertRow();
    row.insertCell().append(code(field.name.replaceAll("_", "-")));
    row.insertCell().textContent = field.tagName === "SELECT" ? (field.querySelector("[selected]") ?? field.options[0]).value : field.getAttribute("value");
    row.insertCell().textContent = field.tagName === "SELECT"
      ? [...field.options].map((o) => `${o.value} (${o.textContent})`).join(", ")
      : `a number from ${field.getAttribute("min")}${field.getAttribute("max") ? ` to ${field.getAttribute("max")}` : " up"}`;
  }
  const presets = table.insertRow();
  presets.insertCell().append(code("preset"));
  presets.insertCell().textContent = "default";
  presets.insertCell().textContent = ["default", ...(PRESETS[name] ?? []).map((p) => `${p.name} (${p.label})`)].join(", ");
  for (const [name, fallback, values] of [
    ["loading", "lazy", "lazy (starts when scrolled near), eager (starts with the page)"],
    ["layout", "full", "full (every control), compact (the lecture's picture, one plot, settings folded), slide (fits 1280x720, large type)"],
    ["address", "read", "read (the page address may set it), sync (it also writes its settings there), off (ignores the address)"],
  ]) {
    const row = table.insertRow();
    row.insertCell().append(code(name));
    row.insertCell().textContent = fallback;
    row.insertCell().textContent = values;
  }
  const menu = doc.querySelector("select[data-pretrained]");
  if (menu) {
    const row = table.insertRow();
    row.insertCell().append(code("pretrained"));
    row.insertCell().textContent = menu.options[0].value;
    row.insertCell().textContent = ["none (from scratch)", ...[...menu.options].map((o) => `${o.value} (${o.textContent})`)].join(", ");
  }
  const snippet = document.createElement("pre");
  snippet.className = "snippet";
  const example = (PRESETS[name] ?? [])[0];
  snippet.textContent = `<${PREFIX}${name}${example ? ` preset="${example.name}"` : ""}></${PREFIX}${name}>\n` +
    `<iframe src="playground/embed.html?widget=${name}&layout=compact" width="100%" height="600"></iframe>`;
  section.append(title, lead, table, snippet);
  reference.append(section);
}
