#!/usr/bin/env node
// Per-method benchmark (numbers, not a test): for every method's default config (the defaults
// of its widget's form), in headless Chromium, one fresh page each:
//   - the time from page load to the first finished step (module, device, dataset, session,
//     the first step's shaders),
//   - training speed (steps/s and samples/s) over `--timed` steps after the first,
//   - memory after 100 steps and after `--steps` steps (`--steps 0`: no memory run): the wasm
//     heap (linear memory) and, on WebGPU, the GPU allocator's bytes in use and reserved, with
//     the growth in %.
//
//   trunk build && node scripts/bench-methods.mjs [--backend cpu|webgpu] [--steps 10000]
//       [--timed 20] [--chunk 10] [--method rotation,simclr] [--batch-size 4]
//
// `--batch-size` overrides every method's batch (memory growth is per step, not per sample, so
// a small batch reaches 10,000 steps sooner; speed is then not the widget's).

import { resolve } from "node:path";
import { DIST, serve, launch } from "../tests/e2e/harness.mjs";

const value = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const BACKEND = value("backend", "cpu");
const STEPS = Number(value("steps", 10_000));
const TIMED = Number(value("timed", 20));
const CHUNK = Number(value("chunk", 10));
const BATCH = value("batch-size", null);
const ONLY = value("method", null)?.split(",");

const server = await serve(resolve(import.meta.dirname, "bench-methods"), { "/playground/": DIST });
const browser = await launch();

async function fresh(fn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => window.benchReady, null, { timeout: 60_000 });
    return await fn(page);
  } catch (error) {
    throw new Error(`${error.message.split("\n")[0]} ${errors.join(" ")}`);
  } finally {
    await context.close();
  }
}

const mb = (bytes) => (bytes / 1e6).toFixed(2);
const growth = (a, b) => `${b >= a ? "+" : ""}${((100 * (b - a)) / a).toFixed(1)}%`;
const methods = ONLY ?? (await fresh((page) => page.evaluate(() => window.methodNames())));
console.log(`backend ${BACKEND}; speed over ${TIMED} steps after the first; memory at 100 and ${STEPS} steps` +
  (BATCH ? `; batch size ${BATCH} for all` : "; each method's default config"));
for (const method of methods) {
  const overrides = BATCH ? { batch_size: Number(BATCH) } : {};
  const started = Date.now();
  try {
    const r = await fresh((page) => {
      page.setDefaultTimeout(0);
      return page.evaluate((args) => window.runMethod(args), {
        backend: BACKEND, method, overrides, timed: TIMED, memorySteps: STEPS, chunk: CHUNK,
      });
    });
    const [[s0, m0], [s1, m1]] = Object.entries(r.memory).map(([s, m]) => [Number(s), m]).concat([[NaN, null], [NaN, null]]).slice(0, 2);
    let line = `${method.padEnd(12)} first step ${(r.first / 1000).toFixed(2)} s | ` +
      `${r.stepsPerSecond.toFixed(2)} steps/s` + (r.batch ? `, ${(r.stepsPerSecond * r.batch).toFixed(1)} samples/s (batch ${r.batch})` : "");
    if (m0) line += ` | wasm heap ${mb(m0.wasm_bytes)} MB at step ${s0}`;
    if (m1) line += `, ${mb(m1.wasm_bytes)} MB at ${s1} (${growth(m0.wasm_bytes, m1.wasm_bytes)})`;
    if (m0?.gpu) {
      line += ` | GPU in use ${mb(m0.gpu.bytes_in_use)} MB, reserved ${mb(m0.gpu.bytes_reserved)} MB at ${s0}`;
      if (m1) line += `; ${mb(m1.gpu.bytes_in_use)} / ${mb(m1.gpu.bytes_reserved)} MB at ${s1} ` +
        `(${growth(m0.gpu.bytes_in_use, m1.gpu.bytes_in_use)} / ${growth(m0.gpu.bytes_reserved, m1.gpu.bytes_reserved)})`;
    }
    console.log(`${line} | ${r.metric} | ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    console.log(`${method.padEnd(12)} failed: ${error.message}`);
  }
}
await browser.close();
await server.close();
