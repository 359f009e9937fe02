// Shared access to the wasm module and the page-wide backend and datasets.
// Several widgets on one page share one wasm instance, one device and one copy of each dataset:
// the promises below are created once and awaited by everyone.
//
// Where the models live: in a module worker (worker.js), on WebGPU and on the CPU fallback alike.
// A CPU step is synchronous work of up to a second, and on WebGPU a step's first run generates
// and compiles its shaders (measured on SwiftShader: up to 2 s for the MAE's first step); in the
// page's thread either would freeze it. The page keeps its own wasm instance only as a fallback:
// a browser without workers, or with WebGPU on the page but not in workers. `api()` resolves to
// whichever runs; both are called the same way, with `await`.
//
// A lost GPU device (a driver reset, `device.destroy()`) takes every model on it: `backendEvents`
// says "lost" (widgets stop and offer to go on on the CPU), `continueOnCpu()` starts a CPU worker
// for the whole page, and "changed" tells the widgets to rebuild there from their last checkpoint.

import { connect } from "./remote.js";
import { watchGpuDevices } from "./gpu-watch.js";

// The module's file names are stable (Trunk.toml: filehash = false), so a page Trunk did not
// build (course notes, a plain HTML page embedding a widget) loads it the same way.
const MODULE = new URL("../unsupervised-playground.js", import.meta.url).href;

let bindingsPromise = null;
let backendPromise = null;
let apiPromise = null;
const datasetPromises = new Map();
/** `{ reason, message }` once the GPU device is lost. */
let lostDevice = null;
let cpuPromise = null;
let onCpuSinceLoss = false;

/**
 * The page's backend events: "lost" (`detail`: `{ reason, message }`) when the GPU device is
 * lost; "changed" (`detail`: the new backend info) when the page moved to the CPU after it.
 */
export const backendEvents = new EventTarget();

function deviceLost(lost) {
  if (lostDevice) return;
  lostDevice = lost;
  backendEvents.dispatchEvent(new CustomEvent("lost", { detail: lost }));
}

/** `{ reason, message }` if the GPU device was lost (and the page not yet moved to the CPU). */
export function lostGpu() {
  return onCpuSinceLoss ? null : lostDevice;
}

/** The main thread's wasm exports (one instance per page, whoever asks first starts it). */
export function bindings() {
  if (!bindingsPromise) {
    bindingsPromise = import(MODULE).then(async (module) => {
      // The page's own instance watches its device too (it trains there without a worker).
      watchGpuDevices(deviceLost);
      // Shares the loader's promise if Trunk's page script started it already.
      await module.default();
      return module;
    });
  }
  return bindingsPromise;
}

/**
 * Initialise the backend once per page: "auto" | "webgpu" | "cpu". Resolves to
 * `{ kind, description, fallback_reason, worker }`; `worker` says the models train in a worker.
 * `worker: false` trains on the main thread (only to measure what the worker saves).
 */
export function backend(request, { worker = true } = {}) {
  if (!backendPromise) {
    backendPromise = (async () => {
      if (worker && typeof Worker === "function") {
        const thread = startWorker(new URL("./worker.js", import.meta.url).href);
        try {
          const remote = await connect(thread, { backend: request }, {
            onLost: (lost) => {
              // Its models went with the device; nothing there can be read back.
              thread.terminate();
              deviceLost(lost);
            },
          });
          const gpuOnlyOnPage = remote.info.kind === "cpu" && "gpu" in navigator &&
            /navigator\.gpu is missing/.test(remote.info.fallback_reason ?? "");
          if (!gpuOnlyOnPage) {
            apiPromise = Promise.resolve(remote.exports);
            return { ...remote.info, worker: true };
          }
        } catch {
          // The worker could not start or its backend failed: the page's own instance tries
          // (and says why if it fails too).
        }
        thread.terminate();
      }
      const w = await bindings();
      const info = await w.init_backend({ backend: request });
      apiPromise = Promise.resolve(w);
      return { ...info, worker: false };
    })();
  }
  return backendPromise;
}

/**
 * After a lost GPU device: the whole page goes on on the CPU, in a new worker (or, without
 * workers, a second instance of the module on the main thread), with its datasets loaded again.
 * Resolves to the new backend info once "changed" was said; calling it again waits for the same.
 */
export function continueOnCpu() {
  cpuPromise ??= (async () => {
    const why = `the GPU device was lost${lostDevice?.message ? ` (${lostDevice.message})` : ""}`;
    let info;
    if (typeof Worker === "function") {
      const thread = startWorker(new URL("./worker.js", import.meta.url).href);
      const remote = await connect(thread, { backend: "cpu" });
      apiPromise = Promise.resolve(remote.exports);
      info = { ...remote.info, fallback_reason: why, worker: true };
    } else {
      // A fresh instance: the page's first one holds the lost device.
      const module = await import(`${MODULE}?cpu`);
      await module.default();
      info = { ...(await module.init_backend({ backend: "cpu" })), fallback_reason: why, worker: false };
      apiPromise = Promise.resolve(module);
    }
    datasetPromises.clear();
    backendPromise = Promise.resolve(info);
    onCpuSinceLoss = true;
    backendEvents.dispatchEvent(new CustomEvent("changed", { detail: info }));
    return info;
  })();
  cpuPromise.catch(() => (cpuPromise = null));
  return cpuPromise;
}

/**
 * A module worker running `url`. A page on another origin than the playground's files (a course
 * page that includes playground.js from elsewhere) may not start a worker from that origin
 * directly; a worker made from a same-origin blob may import it (the files' server must allow
 * CORS, as it must for the module itself).
 */
function startWorker(url) {
  try {
    return new Worker(url, { type: "module" });
  } catch {
    const shim = URL.createObjectURL(new Blob([`import ${JSON.stringify(url)};`], { type: "text/javascript" }));
    return new Worker(shim, { type: "module" });
  }
}

/** The exports that create sessions, boards and datasets (main thread or worker, see above). */
export async function api() {
  if (!backendPromise) backend("auto");
  await backendPromise;
  return apiPromise;
}

/** The page's backend info now (`kind` "gpu" or "cpu"; see `backend`). */
export function backendInfo() {
  if (!backendPromise) backend("auto");
  return backendPromise;
}

/** Fetch and upload a dataset once per page (same origin, works offline once cached). */
export function dataset(name, onProgress) {
  if (!datasetPromises.has(name)) {
    datasetPromises.set(name, (async () => {
      const w = await api();
      const bytes = await fetchWithProgress(new URL(`../data/${name}.upgd`, import.meta.url), onProgress);
      return w.load_dataset(name, bytes);
    })());
  }
  return datasetPromises.get(name);
}

/** The bytes of a file shipped with the site (`pretrained/vae.upck`), relative to the site root. */
export function asset(path, onProgress) {
  return fetchWithProgress(new URL(`../${path}`, import.meta.url), onProgress);
}

async function fetchWithProgress(url, onProgress) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url.pathname}: HTTP ${response.status}`);
  const total = Number(response.headers.get("content-length")) || 0;
  if (!response.body || !onProgress || !total) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const bytes = new Uint8Array(total);
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes.set(value, received);
    received += value.length;
    onProgress(received / total);
  }
  return bytes.subarray(0, received);
}
