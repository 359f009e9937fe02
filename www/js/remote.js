// The main thread's side of the training worker (see worker.js): the wasm exports and every
// Session or Board they return, as proxies whose methods post a message and resolve to the reply.
// Widgets call them exactly like the objects of the main-thread module, with `await`.

/**
 * Connect to `worker` (a module worker running worker.js), initialise its backend with
 * `options` (`{ backend: "cpu" }`), and resolve to a proxy of the wasm exports.
 * `onLost({ reason, message })` is called if the worker's GPU device is lost: from then on every
 * call, pending or new, fails with an error whose `deviceLost` is true (the worker's models are
 * gone with the device; wasm.js ends the worker and offers the CPU).
 */
export async function connect(worker, options, { onLost = () => {} } = {}) {
  let next = 1;
  const pending = new Map();
  let dead = null;
  const fail = (error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.addEventListener("message", ({ data }) => {
    if (data.lost) {
      const { reason, message } = data.lost;
      dead = Object.assign(new Error(`the GPU device was lost (${[reason, message].filter(Boolean).join(": ")})`), { deviceLost: true });
      fail(dead);
      onLost(data.lost);
      return;
    }
    const call = pending.get(data.id);
    if (!call) return;
    pending.delete(data.id);
    if (data.error !== undefined) call.reject(new Error(data.error));
    else call.resolve(data.handle !== undefined ? proxy(data.handle) : data.value);
  });
  worker.addEventListener("error", (e) => fail(new Error(`the training worker failed: ${e.message ?? "could not start"}`)));

  const call = (target, method, args) => new Promise((resolve, reject) => {
    if (dead) return reject(dead);
    const id = next++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, target, method, args });
  });
  // `then` must stay undefined: `await proxy` would otherwise call it as a promise's.
  const proxy = (target) => new Proxy({}, {
    get: (_, method) => (method === "then" || typeof method === "symbol"
      ? undefined
      : (...args) => call(target, method, args)),
  });
  const exports = proxy(0);
  const info = await exports.init_backend(options);
  return { exports, info };
}
