// Notice when the GPU device is lost: a driver reset, a GPU the system took back, a laptop that
// switched GPUs, `device.destroy()`. wgpu (inside the wasm module) asks for its device with
// `adapter.requestDevice`; this wraps that method, before the module starts, to watch each device's
// `lost` promise. The devices are also kept in `self.gpuDevices`, for the tests and the console:
// `gpuDevices[0].destroy()` plays a lost GPU.

/** Call `onLost({ reason, message })` when a device this thread asks for is lost. */
export function watchGpuDevices(onLost) {
  self.gpuDevices ??= [];
  if (typeof GPUAdapter !== "function") return;
  const request = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function requestDevice(...args) {
    const device = await request.apply(this, args);
    self.gpuDevices.push(device);
    // Without its closing full stop: the page quotes it inside a sentence.
    device.lost.then(({ reason, message }) => onLost({ reason, message: message?.replace(/\.\s*$/, "") }));
    return device;
  };
}
