// End to end: the SimCLR, MoCo and BYOL widgets in Debian's Chromium: train until the views find
// their partners well above chance, the queue fills, BYOL's monitor is plotted, evaluate (SimCLR),
// screenshots; a momentum of 1 and a temperature of 0 are refused with the field named.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainUntil, evaluate, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

/** The heat map has been drawn: some of its pixels are not white. */
async function heatmapDrawn(page, id) {
  return page.$eval(`#${id} canvas[data-heatmap]`, (c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 200) inked++;
    return inked;
  });
}

test("SimCLR: views find their partners, the probe runs, the heat map is drawn", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["simclr"] });
  // Batch 64: each view picks among 127 others, chance is under 1%.
  const { accuracy, step } = await trainUntil(page, "simclr", 0.3);
  console.log(`SimCLR pair accuracy ${accuracy.toFixed(3)} after ${step} steps`);
  assert.ok(accuracy > 0.3 && step > 0);
  const { trained, random } = await evaluate(page, "simclr");
  console.log(`probe: trained ${trained.toFixed(3)}, random init ${random.toFixed(3)}`);
  assert.ok(trained > 0.1 && random > 0.1);
  assert.ok(await heatmapDrawn(page, "simclr") > 100, "the heat map is drawn");
  await page.locator("#simclr").screenshot({ path: resolve(SHOTS, "simclr.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("MoCo: the queue fills with real keys and queries find their keys", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["moco"] });
  // 64 keys and 1,024 queued: chance is under 0.1%.
  const { accuracy, step } = await trainUntil(page, "moco", 0.15);
  console.log(`MoCo key accuracy ${accuracy.toFixed(3)} after ${step} steps`);
  assert.ok(step > 16, "more steps than it takes to fill the queue");
  const filled = Number(await page.locator('#moco [data-metric="queue_filled"]').getAttribute("data-value"));
  assert.equal(filled, 1, "after 16 steps of 64 keys the 1,024 slots hold real keys");
  assert.ok(await heatmapDrawn(page, "moco") > 100, "the heat map is drawn");
  await page.locator("#moco").screenshot({ path: resolve(SHOTS, "moco.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("BYOL: trains with its collapse monitor plotted; the switches reach the config", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "#byol.batch_size=32", { widgets: ["byol"] });
  const train = page.locator('#byol button[data-action="train"]');
  await page.waitForFunction(() => !inWidget("byol", 'button[data-action="train"]').disabled,
    null, { timeout: 300_000 });
  await train.click();
  await page.waitForFunction(() => Number(inWidget("byol", '[data-field="step"]').textContent) >= 40,
    null, { timeout: 600_000, polling: 500 });
  await train.click(); // pause
  const metric = async (name) => Number(await page.locator(`#byol [data-metric="${name}"]`).getAttribute("data-value"));
  const [loss, spread] = [await metric("loss"), await metric("output_spread")];
  console.log(`BYOL after 40 steps: loss ${loss.toFixed(3)}, output spread ${spread.toFixed(3)}`);
  assert.ok(loss >= 0 && loss < 1, `the loss fell from about 2: ${loss}`);
  assert.ok(spread > 0 && spread < 1.5, `${spread}`);
  assert.ok(await heatmapDrawn(page, "byol") > 100, "the heat map is drawn");
  await page.locator("#byol").screenshot({ path: resolve(SHOTS, "byol.png") });
  // The predictor switch goes into the config and the URL.
  await page.locator('#byol select[name="predictor"]').selectOption("false");
  await page.waitForFunction(() => location.hash.includes("byol.predictor=false"), null, { timeout: 60_000 });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a momentum of 1 and a temperature of 0 are refused naming the field", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#moco.momentum=1&simclr.temperature=0", { widgets: ["moco", "simclr"] });
  for (const [id, field] of [["moco", "momentum"], ["simclr", "temperature"]]) {
    const error = page.locator(`#${id} .error`);
    await error.waitFor({ state: "visible", timeout: 120_000 });
    assert.match(await error.textContent(), new RegExp(`^${field}: `));
    assert.equal(await page.locator(`#${id} button[data-action="train"]`).isDisabled(), true);
  }
  assert.deepEqual(errors, []);
  await page.close();
});
