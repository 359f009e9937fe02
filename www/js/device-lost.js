// What a widget shows when the page's GPU device is lost (wasm.js says "lost"): that training
// stopped and why, what the widget will go on from, and one button that moves the whole page to
// the CPU (`continueOnCpu`); each widget then rebuilds there (wasm.js says "changed").

import { backendEvents, continueOnCpu, lostGpu } from "./wasm.js";

/**
 * Call `widget.deviceLost(lost)` when the device is lost and `widget.resumeOnCpu()` once the
 * page runs on the CPU, until `signal` aborts (the widget was freed).
 */
export function followBackend(widget, signal) {
  backendEvents.addEventListener("lost", ({ detail }) => widget.deviceLost(detail), { signal });
  backendEvents.addEventListener("changed", () => widget.resumeOnCpu(), { signal });
}

/**
 * Stop `widget` (a method widget or the board) after a lost device and show the notice, `said`
 * telling what it goes on from. False if it had not started or was stopped already. The player
 * goes (the caller drops its model handle too: any call on it would fail).
 */
export function stopOnLoss(widget, lost, said) {
  if (widget.lost || !widget.started) return false;
  widget.lost = lost;
  widget.pause();
  widget.life.state("lost");
  widget.player?.dispose();
  widget.player = null;
  widget.setEnabled(false);
  widget.showError(null);
  widget.hideLost = showDeviceLost(widget.root, lost, said);
  return true;
}

/**
 * Whether `error` is a call cut off by a lost device, which the notice says (not the widget's
 * error box). A widget that was still starting when the device went shows the notice now.
 */
export function cutOffByLoss(widget, error) {
  // While the notice shows, any error is the dead device's (a page-thread model fails its own way).
  if (widget.lost && error) return true;
  if (!error?.deviceLost) return false;
  if (!widget.lost && lostGpu()) widget.deviceLost(lostGpu());
  return true;
}

/**
 * Show the notice in `root`, above its buttons: "The GPU device was lost (…). `said`", and the
 * button. Returns the function that removes it.
 */
export function showDeviceLost(root, lost, said) {
  root.querySelector(".device-lost")?.remove();
  const box = document.createElement("div");
  box.className = "device-lost";
  box.setAttribute("role", "alert");
  const text = document.createElement("p");
  text.textContent = `The GPU device was lost${lost.message ? ` (${lost.message})` : ""}. ${said}`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "primary";
  button.dataset.continueOnCpu = "";
  button.textContent = "Continue on the CPU";
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Starting the CPU…";
    try {
      await continueOnCpu();
    } catch (error) {
      text.textContent = `The CPU could not start either: ${error.message ?? error}`;
      button.disabled = false;
      button.textContent = "Try again";
    }
  });
  box.append(text, button);
  const buttons = root.querySelector(".buttons");
  if (buttons) buttons.before(box);
  else root.prepend(box);
  return () => box.remove();
}
