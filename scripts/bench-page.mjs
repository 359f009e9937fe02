#!/usr/bin/env node
// Page benchmark (numbers, not a test): the shipped wasm's size, raw and gzipped, and the time
// from page load to the first finished training step in headless Chromium, per backend.
//
//   trunk build && node scripts/bench-page.mjs [--runs 3] [--steps 20] [--widget rotation] [--read 0]
//
// "First step" = navigation start -> the first report of the widget after Train is
// pressed the moment it is enabled (includes wasm start-up, backend init, dataset fetch, decode
// and upload, session creation, and on WebGPU the shader compilation of the first step).
// `--read S` waits S seconds after the widget is ready before pressing Train, as a reader would;
// "Train -> first step" is then what the reader waits for (on WebGPU the widget compiles its
// training shaders in that time, method-widget.js `warmUp`).

import { readdir, readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { DIST, serve, launch } from "../tests/e2e/harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg("runs", 3);
const READ = arg("read", 0);
const STEPS = arg("steps", 20);
const widgetArg = process.argv.indexOf("--widget");
const WIDGET = widgetArg > 0 ? process.argv[widgetArg + 1] : "rotation";

const wasm = (await readdir(DIST)).find((f) => f.endsWith(".wasm"));
const bytes = await readFile(join(DIST, wasm));
console.log(`wasm ${wasm}: ${(bytes.length / 1e6).toFixed(2)} MB raw, ${(gzipSync(bytes, { level: 9 }).length / 1e6).toFixed(2)} MB gzipped`);

const server = await serve();
const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const backend of ["cpu", "webgpu"]) {
  const ready = [], first = [], waited = [], rates = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext(); // a cold page each run (no HTTP cache)
    const page = await context.newPage();
    await page.goto(`${server.url}?backend=${backend}`);
    await page.locator(`#${WIDGET}`).scrollIntoViewIfNeeded(); // widgets start when they come near the screen
    await page.waitForFunction((w) => performance.getEntriesByName(`${w}:ready`).length > 0, WIDGET, { timeout: 600_000 });
    // A widget that loads pretrained weights at start pauses while it loads them: press Train
    // once they are in (the step count then continues from the pretrained model's).
    await page.waitForFunction((w) => {
      const status = document.getElementById(w).shadowRoot.querySelector("[data-model-status]");
      return !status || /trained/.test(status.textContent);
    }, WIDGET, { timeout: 600_000 });
    await page.waitForTimeout(READ * 1000);
    const pressed = await page.evaluate(() => performance.now());
    await page.click(`#${WIDGET} button[data-action="train"]`);
    await page.waitForFunction((w) => performance.getEntriesByName(`${w}:first-step`).length > 0, WIDGET, { timeout: 600_000 });
    const t0 = Date.now();
    const stepField = `#${WIDGET} [data-field="step"]`;
    const s0 = Number(await page.textContent(stepField));
    await page.waitForFunction(([w, n]) => Number(document.getElementById(w).shadowRoot.querySelector('[data-field="step"]').textContent) >= n,
      [WIDGET, s0 + STEPS], { timeout: 600_000, polling: 100 });
    const steps = Number(await page.textContent(stepField)) - s0;
    rates.push(steps / ((Date.now() - t0) / 1000));
    const marks = await page.evaluate((w) => ({
      ready: performance.getEntriesByName(`${w}:ready`)[0].startTime,
      first: performance.getEntriesByName(`${w}:first-step`)[0].startTime,
      backend: document.getElementById("backend").textContent,
    }), WIDGET);
    ready.push(marks.ready);
    first.push(marks.first);
    waited.push(marks.first - pressed);
    if (run === 0) console.log(`[${backend}] ${marks.backend}`);
    await context.close();
  }
  console.log(`[${backend}] ${WIDGET}: page load -> widget ready: median ${(median(ready) / 1000).toFixed(2)} s; ` +
    `-> first finished step: median ${(median(first) / 1000).toFixed(2)} s (runs: ${first.map((t) => (t / 1000).toFixed(2)).join(", ")}); ` +
    `Train pressed ${READ} s after ready -> first step: median ${(median(waited) / 1000).toFixed(2)} s; ` +
    `then ~${median(rates).toFixed(1)} steps/s (the widget's default settings, ${STEPS} steps)`);
}
await browser.close();
await server.close();
