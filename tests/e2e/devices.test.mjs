// End to end: a browser without WebGPU (Chromium without --enable-unsafe-webgpu). With the
// default backend ("auto") the page says so in its banner and every widget trains on the CPU;
// a page that insists on WebGPU (?backend=webgpu) says in the banner and in each widget's place
// why it cannot start, and nothing else breaks.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { serve, launch, openPage, SHOTS } from "./harness.mjs";

let server, browser;
before(async () => {
  server = await serve();
  browser = await launch({ webgpu: false });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("without WebGPU the banner says so and the widgets train on the CPU", { timeout: 600_000 }, async () => {
  const { page, errors, foreign } = await openPage(browser, server, "notes.html", { widgets: ["rotation", "vae"] });
  const state = await page.locator("#backend").getAttribute("data-state");
  const banner = await page.locator("#backend").textContent();
  console.log(`banner: ${banner}`);
  assert.equal(state, "cpu");
  assert.match(banner, /^Training on the CPU.*: (this browser has no WebGPU|the browser found no GPU adapter for WebGPU); training on the CPU instead/);
  // A widget from scratch and one that starts from a shipped model both train.
  for (const id of ["rotation", "vae"]) {
    const widget = page.locator(`#${id}`);
    await page.waitForFunction((w) => document.querySelector(`#${w}[data-ready]`), id, { timeout: 300_000 });
    await page.waitForFunction((w) => !inWidget(w, 'button[data-action="train"]').disabled, id, { timeout: 300_000 });
    const start = Number(await widget.locator('[data-field="step"]').textContent());
    await widget.locator('button[data-action="train"]').click();
    await page.waitForFunction(([w, n]) => Number(inWidget(w, '[data-field="step"]').textContent) >= n,
      [id, start + 2], { timeout: 300_000, polling: 200 });
    await widget.locator('button[data-action="train"]').click();
    console.log(`${id}: trained from step ${start} on the CPU`);
  }
  await page.locator("header").screenshot({ path: resolve(SHOTS, "no-webgpu-banner.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("without WebGPU, ?backend=webgpu says why in the banner and in each widget", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(browser, server, "?backend=webgpu", { badge: false, widgets: ["rotation"] });
  await page.waitForFunction(() => document.getElementById("backend").dataset.state === "error", null, { timeout: 120_000 });
  const banner = await page.locator("#backend").textContent();
  const widgetError = page.locator("#rotation .error");
  await widgetError.waitFor({ state: "visible", timeout: 120_000 });
  console.log(`banner: ${banner}\nwidget: ${await widgetError.textContent()}`);
  assert.match(banner, /^Could not start: device: WebGPU was requested, but/);
  assert.match(await widgetError.textContent(), /could not start: .*WebGPU was requested, but/);
  assert.equal(await page.locator('#rotation button[data-action="train"]').isDisabled(), true);
  // The failure is said, not thrown: no uncaught error.
  assert.deepEqual(errors.filter((e) => !/WebGPU was requested/.test(e)), []);
  await page.close();
});
