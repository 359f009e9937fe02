#!/usr/bin/env node
// Reference benchmark (numbers, not a test): the reference model of src/reference.rs trained by
// this project's wasm (burn) and by TF.js 4.22 in the same headless Chromium, on the same
// WebGPU adapter, side by side, with the ratio; plus burn's CPU fallback for comparison.
// Each run is a fresh page: the first-step time includes device start and shader compilation.
//
//   trunk build && node scripts/bench-reference.mjs [--steps 10] [--runs 3]
//   cargo run --release -- reference --steps 20 --backend gpu   # the same model natively

import { resolve } from "node:path";
import { DIST, serve, launch } from "../tests/e2e/harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg("steps", 10);
const RUNS = arg("runs", 3);
const ROOT = resolve(import.meta.dirname, "bench-reference");
const TFJS = resolve(import.meta.dirname, "../node_modules/@tensorflow");

const server = await serve(ROOT, { "/playground/": DIST, "/tfjs/": TFJS });
const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(side, backend) {
  const results = [];
  for (let r = 0; r < RUNS; r++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => window.benchReady, null, { timeout: 60_000 });
    try {
      results.push(await page.evaluate(([s, b, n]) => window[s](b, n), [side, backend, STEPS]));
    } catch (error) {
      console.log(`${side} ${backend}: ${error.message.split("\n")[0]} ${errors.join(" ")}`);
      await context.close();
      return null;
    }
    await context.close();
  }
  const out = {
    adapter: results[0].adapter,
    samplesPerSecond: median(results.map((x) => x.samplesPerSecond)),
    first: median(results.map((x) => x.first)),
    all: results.map((x) => x.samplesPerSecond.toFixed(1)).join(", "),
    loss: results.at(-1).loss,
  };
  console.log(`${side === "runBurn" ? "burn (this project)" : "TF.js 4.22"} on ${backend} (${out.adapter}): ` +
    `${out.samplesPerSecond.toFixed(1)} samples/s (median of ${out.all}), first step ${(out.first / 1000).toFixed(2)} s, loss ${out.loss.toFixed(3)}`);
  return out;
}

console.log(`reference model, batch 128, ${STEPS} timed steps, ${RUNS} fresh pages each`);
const burn = await run("runBurn", "webgpu");
const tfjs = await run("runTf", "webgpu");
if (burn && tfjs) console.log(`WebGPU ratio burn / TF.js: ${(burn.samplesPerSecond / tfjs.samplesPerSecond).toFixed(2)}x`);
await run("runBurn", "cpu");
await browser.close();
await server.close();
