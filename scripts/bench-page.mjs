#!/usr/bin/env node
// Page benchmark (numbers, not a test): the shipped wasm's size, raw and gzipped, and the time
// from page load to the first finished training step in headless Chromium, per backend.
//
//   trunk build && node scripts/bench-page.mjs [--runs 3] [--steps 20]
//
// "First step" = navigation start -> the first report of the rotation widget after Train is
// pressed the moment it is enabled (includes wasm start-up, backend init, dataset fetch, decode
// and upload, session creation, and on WebGPU the shader compilation of the first step).

import { readdir, readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { DIST, serve, launch } from "../tests/e2e/harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg("runs", 3);
const STEPS = arg("steps", 20);

const wasm = (await readdir(DIST)).find((f) => f.endsWith(".wasm"));
const bytes = await readFile(join(DIST, wasm));
console.log(`wasm ${wasm}: ${(bytes.length / 1e6).toFixed(2)} MB raw, ${(gzipSync(bytes, { level: 9 }).length / 1e6).toFixed(2)} MB gzipped`);

const server = await serve();
const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const backend of ["cpu", "webgpu"]) {
  const ready = [], first = [], rates = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext(); // a cold page each run (no HTTP cache)
    const page = await context.newPage();
    await page.goto(`${server.url}?backend=${backend}`);
    await page.waitForFunction(() => performance.getEntriesByName("rotation:ready").length > 0, null, { timeout: 600_000 });
    await page.click('#rotation button[data-action="train"]');
    await page.waitForFunction(() => performance.getEntriesByName("rotation:first-step").length > 0, null, { timeout: 600_000 });
    const t0 = Date.now();
    const s0 = Number(await page.textContent('#rotation [data-field="step"]'));
    await page.waitForFunction((n) => Number(document.querySelector('#rotation [data-field="step"]').textContent) >= n, s0 + STEPS, { timeout: 600_000, polling: 100 });
    const steps = Number(await page.textContent('#rotation [data-field="step"]')) - s0;
    rates.push(steps / ((Date.now() - t0) / 1000));
    const marks = await page.evaluate(() => ({
      ready: performance.getEntriesByName("rotation:ready")[0].startTime,
      first: performance.getEntriesByName("rotation:first-step")[0].startTime,
      backend: document.getElementById("backend").textContent,
    }));
    ready.push(marks.ready);
    first.push(marks.first);
    if (run === 0) console.log(`[${backend}] ${marks.backend}`);
    await context.close();
  }
  console.log(`[${backend}] page load -> widget ready: median ${(median(ready) / 1000).toFixed(2)} s; ` +
    `-> first finished step: median ${(median(first) / 1000).toFixed(2)} s (runs: ${first.map((t) => (t / 1000).toFixed(2)).join(", ")}); ` +
    `then ~${median(rates).toFixed(1)} steps/s (default batch 32, ${STEPS} steps)`);
}
await browser.close();
await server.close();
