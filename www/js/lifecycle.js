// What every widget (the method widgets and the board) shares about living in someone else's
// page: its state, its lifetime (what to undo when its tag is freed), and its part of the page
// address. playground.js makes the tag; this is the widget's side of it.

import { readAddress, writeHash } from "./url-state.js";

/** The states a widget's `data-state` (on its root and on its tag) goes through. */
export const STATES = ["idle", "starting", "ready", "training", "paused", "lost", "error"];

/** Set `state` (one of STATES) on a widget's root and on its tag, where the page can read it. */
export function markState(root, state) {
  if (!STATES.includes(state)) throw new Error(`internal: "${state}" is not a widget state`);
  root.dataset.state = state;
  const host = root.getRootNode?.()?.host;
  if (host) host.dataset.state = state;
}

export class WidgetLife {
  /** @param root the widget's root element (in its tag's shadow root, see playground.js) */
  constructor(root) {
    this.root = root;
    // The prefix of this widget's settings in the page address: the tag's id.
    this.key = root.dataset.key;
    // "read" (the default), "sync" (also write it) or "off" (see playground.js).
    this.address = root.dataset.address ?? "read";
    this.ending = new AbortController();
  }

  /** Aborted when the widget is freed: give it to every listener and timer the widget starts. */
  get signal() { return this.ending.signal; }

  get ended() { return this.ending.signal.aborted; }

  /** Undo everything registered with `signal`. */
  end() { this.ending.abort(); }

  state(state) { markState(this.root, state); }

  /** This widget's settings in the page address (none when it ignores the address). */
  fromAddress() { return this.address === "off" ? {} : readAddress(this.key); }

  /** Mirror `fields` of `values` into the address, only where the page asked for it. */
  toAddress(values, fields) {
    if (this.address === "sync") writeHash(this.key, values, fields);
  }
}

/**
 * Call `onChange(visible)` whenever `root` enters or leaves the viewport (any part of it
 * showing counts) until `signal` aborts: the widget hands it to its player.
 */
export function watchVisibility(root, onChange, signal) {
  const observer = new IntersectionObserver((entries) => onChange(entries.at(-1).isIntersecting));
  observer.observe(root);
  signal.addEventListener("abort", () => observer.disconnect());
}

/**
 * Free `widget` (a method widget or the board, whose tag was freed): stop it, end its lifetime
 * (its listeners and timers), and dispose of its player and `model` (its session or board).
 */
export function freeWidget(widget, model) {
  widget.pause();
  widget.life.end();
  widget.player?.dispose();
  widget.player = null;
  Promise.resolve(model?.dispose()).catch(() => {});
  widget.life.state("idle");
}
