#!/usr/bin/env node
// Smoothness benchmark (numbers, not a test): the main thread's long tasks (the Long Tasks API:
// every task over 50 ms) while each widget of a page trains, with the models in their worker (the
// default) and, for comparison, on the main thread (`?worker=off`).
//
//   trunk build && node scripts/bench-smooth.mjs [--page notes.html] [--seconds 10] [--backend webgpu]
//
// `--backend webgpu` measures WebGPU instead of the CPU fallback (SwiftShader on a machine
// without a GPU, which then shares the CPU cores with the page).
//
// Per widget: steps/s, the number of long tasks, the longest, and their total (the time the page
// could not answer a click). Also: navigation -> first interactive widget, and the longest task
// while the page loads.

import { DIST, serve, launch } from "../tests/e2e/harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const PAGE = arg("page", "notes.html");
const SECONDS = Number(arg("seconds", 10));
const BACKEND = arg("backend", "auto");

const server = await serve(DIST);
const browser = await launch();
for (const worker of ["on", "off"]) {
  const context = await browser.newContext();
  const page = await context.newPage({ viewport: { width: 1100, height: 1000 } });
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.longTasks.push({ start: e.startTime, duration: e.duration })))
      .observe({ type: "longtask", buffered: true });
  });
  await page.goto(`${server.url}${PAGE}?backend=${BACKEND}&worker=${worker}`);
  const ids = await page.evaluate(() => [...document.querySelectorAll("main [id]")].filter((e) => e.localName.startsWith("up-")).map((e) => e.id));
  // Widgets start as they come near the screen: the first view's are ready first.
  await page.waitForFunction(() => document.querySelector("main [data-ready]"), null, { timeout: 900_000 });
  const load = await page.evaluate(() => ({
    first: Math.min(...performance.getEntriesByType("mark").filter((m) => m.name.endsWith(":ready")).map((m) => m.startTime)),
    longest: Math.max(0, ...window.longTasks.map((t) => t.duration)),
    backend: document.getElementById("backend")?.textContent,
  }));
  console.log(`\n[backend ${BACKEND}, worker ${worker}] ${load.backend}`);
  console.log(`  first interactive widget ${(load.first / 1000).toFixed(2)} s; longest task while loading ${load.longest.toFixed(0)} ms`);
  for (const id of ids) {
    const widget = page.locator(`#${id}`);
    await widget.scrollIntoViewIfNeeded();
    await page.waitForFunction((w) => document.querySelector(`#${w}[data-ready]`), id, { timeout: 900_000 });
    const step = async () => Number(await widget.locator('[data-field="step"]').textContent());
    const s0 = await step();
    const t0 = await page.evaluate(() => performance.now());
    await widget.locator('button[data-action="train"]').click();
    await page.waitForTimeout(SECONDS * 1000);
    await widget.locator('button[data-action="train"]').click();
    const t1 = await page.evaluate(() => performance.now());
    const steps = (await step()) - s0;
    const tasks = await page.evaluate(([a, b]) => window.longTasks.filter((t) => t.start >= a && t.start <= b).map((t) => t.duration), [t0, t1]);
    const total = tasks.reduce((a, b) => a + b, 0);
    console.log(`  ${id.padEnd(12)} ${(steps / ((t1 - t0) / 1000)).toFixed(2).padStart(6)} steps/s; long tasks: ${String(tasks.length).padStart(3)}, longest ${Math.max(0, ...tasks).toFixed(0).padStart(5)} ms, total ${(total / 1000).toFixed(2)} s of ${((t1 - t0) / 1000).toFixed(1)} s`);
  }
  await context.close();
}
await browser.close();
await server.close();
