#!/usr/bin/env node
// Board benchmark (numbers, not a test): the representation board in headless Chromium, one
// press of its button, per backend: how long each method trained for the budget, how long the
// first scoring took, when the background scoring of the other labelled fractions finished, and
// how long showing each fraction then took.
//
//   trunk build && node scripts/bench-board.mjs [--steps 100] [--backend cpu|webgpu]

import { serve, launch } from "../tests/e2e/harness.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const STEPS = Number(arg("steps", 100));
const BACKEND = arg("backend", "cpu");

const server = await serve();
const browser = await launch();
const page = await browser.newPage();
await page.goto(`${server.url}?backend=${BACKEND}#board.steps=${STEPS}&board.fraction=0.1`);
await page.locator("#board").scrollIntoViewIfNeeded(); // widgets start when they come near the screen
await page.waitForFunction(() => !document.getElementById("board").shadowRoot.querySelector('button[data-action="run"]').disabled,
  null, { timeout: 600_000 });
console.log(await page.textContent("#backend"));
const pressed = Date.now();
await page.click('#board button[data-action="run"]');
// Training ends when scoring starts (the status names what is being scored).
await page.waitForFunction(() => /^Scoring/.test(document.getElementById("board").shadowRoot.querySelector('[data-field="status"]').textContent),
  null, { timeout: 3_600_000, polling: 100 });
const trained = Date.now();
await page.waitForSelector("#board table.board:not([hidden])", { timeout: 3_600_000 });
const scored = Date.now();
const rows = await page.$$eval("#board table.board tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
console.log(`${STEPS} steps per method; training took ${((trained - pressed) / 1000).toFixed(1)} s in all:`);
for (const r of rows.filter((r) => r[2] !== "–")) console.log(`  ${r[0]}: ${r[3]}`);
console.log(`first scoring (10% of the labels): ${((scored - trained) / 1000).toFixed(1)} s`);
// The other fractions are scored in the background (the widget's data-scored lists those done).
for (const fraction of ["0.01", "1"]) {
  await page.waitForFunction((f) => (document.getElementById("board").shadowRoot.querySelector(".widget").dataset.scored ?? "").split(" ").includes(f),
    fraction, { timeout: 3_600_000, polling: 100 });
  console.log(`scored in the background at ${fraction}: ${((Date.now() - scored) / 1000).toFixed(1)} s after the first scores`);
}
for (const fraction of ["0.01", "1", "0.1"]) {
  const labelled = { "0.01": "80", "0.1": "800", "1": "8000" }[fraction];
  const t = Date.now();
  await page.selectOption('#board select[name="fraction"]', fraction);
  await page.waitForFunction((n) => document.getElementById("board").shadowRoot.querySelector('[data-field="labelled"]').textContent === n &&
    !document.getElementById("board").shadowRoot.querySelector('button[data-action="run"]').disabled, labelled, { timeout: 3_600_000, polling: 100 });
  console.log(`re-scoring at ${fraction} (${labelled} labels): ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
for (const r of rows) console.log(`  ${r.join(" | ")}`);
await browser.close();
await server.close();
