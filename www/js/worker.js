// The training worker: on the CPU fallback the whole model lives here, so training steps (each one
// tens of milliseconds to a second of synchronous CPU work) never hold the page's main thread.
// It loads the same wasm module as the page and answers the messages of remote.js:
// `{ id, target, method, args }` calls `method` on the exports (target 0) or on a Session / Board
// it handed out earlier, and replies `{ id, value }`, `{ id, handle }` (a new Session / Board)
// or `{ id, error }`. Messages run in order; an async method (an evaluation) gives the worker's
// event loop turns as it goes, exactly as it gives them to the page on the main thread.

import init, * as wasm from "../unsupervised-playground.js";

const ready = init();
const objects = new Map([[0, wasm]]);
let nextHandle = 1;

self.addEventListener("message", async ({ data: { id, target, method, args } }) => {
  try {
    await ready;
    const object = objects.get(target);
    if (!object) throw new Error("this session was disposed");
    if (typeof object[method] !== "function") throw new Error(`no such function: ${method}`);
    const value = await object[method](...args);
    if (method === "dispose" && target !== 0) {
      object.free();
      objects.delete(target);
    }
    // wasm-bindgen objects (a Session, a Board) stay here; the page gets a handle.
    if (value && typeof value === "object" && "__wbg_ptr" in value) {
      const handle = nextHandle++;
      objects.set(handle, value);
      self.postMessage({ id, handle });
    } else {
      self.postMessage({ id, value });
    }
  } catch (error) {
    self.postMessage({ id, error: String(error?.message ?? error) });
  }
});
