// embed.html?widget=NAME&...: one widget, for an iframe. Every query parameter but widget,
// backend and worker becomes an attribute of its tag (see docs.html). A file, not an inline
// script: the page's Content-Security-Policy allows scripts from the site only.
//
// The frame tells the page around it how tall its content is, whenever that changes:
// `{ type: "up-embed-size", height }` by postMessage (a height says nothing private, so any
// parent may hear it). js/embed-frames.js, included by the host page, sizes the iframes to it.

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

if (window.parent !== window) {
  let said = 0;
  const tell = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === said) return;
    said = height;
    window.parent.postMessage({ type: "up-embed-size", height }, "*");
  };
  new ResizeObserver(tell).observe(document.documentElement);
}
