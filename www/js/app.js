// The page: choose the backend once, say which one runs, then start the widgets.

import { backend } from "./wasm.js";
import { query } from "./url-state.js";
import { RotationWidget } from "./rotation-widget.js";

const badge = document.getElementById("backend");

async function main() {
  try {
    // ?backend=webgpu forces WebGPU even on a software adapter; ?backend=cpu forces the CPU.
    const info = await backend(query("backend", "auto"));
    badge.dataset.state = info.kind;
    badge.textContent = info.kind === "gpu"
      ? `Training on the GPU: ${info.description}`
      : `Training on the CPU${info.fallback_reason ? `: ${info.fallback_reason}` : ""}`;
  } catch (error) {
    badge.dataset.state = "error";
    badge.textContent = `Could not start: ${error.message ?? error}`;
    return;
  }
  const widget = new RotationWidget(document.getElementById("rotation"));
  window.playground = { rotation: widget };
  await widget.start();
}

main();
