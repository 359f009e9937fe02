// The page: choose the backend once, say which one runs, then start the widgets.

import { backend } from "./wasm.js";
import { query } from "./url-state.js";
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
  const widgets = {
    rotation: new RotationWidget(document.getElementById("rotation")),
    jigsaw: new JigsawWidget(document.getElementById("jigsaw")),
    deepcluster: new DeepClusterWidget(document.getElementById("deepcluster")),
    simclr: new SimClrWidget(document.getElementById("simclr")),
    moco: new MocoWidget(document.getElementById("moco")),
    byol: new ByolWidget(document.getElementById("byol")),
    clip: new ClipWidget(document.getElementById("clip")),
    autoencoder: new AutoencoderWidget(document.getElementById("autoencoder")),
    vae: new VaeWidget(document.getElementById("vae")),
    gan: new GanWidget(document.getElementById("gan")),
    cyclegan: new CycleGanWidget(document.getElementById("cyclegan")),
    charlm: new CharLmWidget(document.getElementById("charlm")),
    pixelcnn: new PixelCnnWidget(document.getElementById("pixelcnn")),
    mae: new MaeWidget(document.getElementById("mae")),
    board: new BoardWidget(document.getElementById("board")),
  };
  window.playground = widgets;
  // One after the other: they share the wasm module, the device and the datasets.
  for (const widget of Object.values(widgets)) await widget.start();
}

main();
