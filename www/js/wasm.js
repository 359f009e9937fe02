// Shared access to the wasm module and the page-wide backend and datasets.
// Several widgets on one page share one wasm instance, one device and one copy of each dataset:
// the promises below are created once and awaited by everyone.

let bindingsPromise = null;
let backendPromise = null;
const datasetPromises = new Map();

/** The wasm-bindgen exports, once Trunk's loader has started the module. */
export function bindings() {
  if (!bindingsPromise) {
    bindingsPromise = window.wasmBindings
      ? Promise.resolve(window.wasmBindings)
      : new Promise((resolve) =>
          addEventListener("TrunkApplicationStarted", () => resolve(window.wasmBindings), { once: true }));
  }
  return bindingsPromise;
}

/** Initialise the backend once per page: "auto" | "webgpu" | "cpu". */
export function backend(request) {
  if (!backendPromise) {
    backendPromise = bindings().then((w) => w.init_backend({ backend: request }));
  }
  return backendPromise;
}

/** Fetch and upload a dataset once per page (same origin, works offline once cached). */
export function dataset(name, onProgress) {
  if (!datasetPromises.has(name)) {
    datasetPromises.set(name, (async () => {
      const w = await bindings();
      await backendPromise;
      const bytes = await fetchWithProgress(new URL(`../data/${name}.upgd`, import.meta.url), onProgress);
      return w.load_dataset(name, bytes);
    })());
  }
  return datasetPromises.get(name);
}

/** The bytes of a file shipped with the site (`pretrained/vae.upck`), relative to the page. */
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
