// embed.html?widget=NAME&...: one widget, for an iframe. Every query parameter but widget,
// backend and worker becomes an attribute of its tag (see docs.html). A file, not an inline
// script: the page's Content-Security-Policy allows scripts from the site only.

import { WIDGETS, PREFIX, showFailure } from "./playground.js";
const params = new URLSearchParams(location.search);
const name = params.get("widget") ?? "";
const holder = document.body;
if (!Object.hasOwn(WIDGETS, name)) {
  const element = document.createElement("div");
  holder.append(element);
  showFailure(element, `embed.html: widget="${name}" is not a widget. The widgets are: ${Object.keys(WIDGETS).join(", ")}.`);
} else {
  const element = document.createElement(PREFIX + name);
  try {
    for (const [key, value] of params) {
      if (!["widget", "backend", "worker"].includes(key)) element.setAttribute(key, value);
    }
    holder.append(element);
  } catch (error) {
    holder.append(element);
    showFailure(element, `embed.html: ${error.message}`);
  }
}
