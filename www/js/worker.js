// The training worker: every model lives here, so neither a CPU step (tens of milliseconds to a
// second of synchronous work) nor a WebGPU step's first run (shader generation and compilation)
// ever holds the page's main thread.
// It loads the same wasm module as the page and answers the messages of remote.js:
// `{ id, target, method, args }` calls `method` on the exports (target 0) or on a Session / Board
// it handed out earlier, and replies `{ id, value }`, `{ id, handle }` (a new Session / Board)
// or `{ id, error }`. Messages run in order; an async method (an evaluation) gives the worker's
// event loop turns as it goes, exactly as it gives them to the page on the main thread.
// If the GPU device is lost, the worker says `{ lost: { reason, message } }` (its models are gone
// with the device; the page ends this worker and offers to go on on the CPU, see wasm.js).

import init, * as wasm from "../unsupervised-playground.js";
import { watchGpuDevices } from "./gpu-watch.js";

// Before `init_backend` asks for the device.
watchGpuDevices((lost) => self.postMessage({ lost }));

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
