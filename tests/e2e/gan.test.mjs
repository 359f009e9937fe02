// End to end: the DCGAN and CycleGAN widgets in Debian's Chromium. The pretrained generator's
// sample grid appears without training (time from page load measured); the latent walk; training
// continues (plots, snapshots over time) and the evaluation classifies 1,000 samples; the
// mode-collapse warning; a bad discriminator step ratio refused. The pretrained CycleGAN's
// translations, a drawn digit translated both ways, training continues and the held-out errors;
// a negative lambda refused. Screenshots of each.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainTo, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

/** The number of times the widget has drawn its samples (its performance mark). */
const marks = (page, name) => page.evaluate((n) => performance.getEntriesByName(n).length, name);

async function redrawn(page, name, since) {
  await page.waitForFunction(([m, n]) => performance.getEntriesByName(m).length > n,
    [name, since], { timeout: 300_000, polling: 200 });
}

test("DCGAN: pretrained samples at once, a latent walk, training, evaluation", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["gan"] });
  await page.waitForFunction(() => inWidget("gan", "canvas[data-grid]").dataset.samples,
    null, { timeout: 300_000, polling: 200 });
  const first = await page.evaluate(() => performance.getEntriesByName("gan:first-samples")[0].startTime);
  console.log(`page load -> first sample grid (pretrained DCGAN): ${(first / 1000).toFixed(2)} s`);
  assert.match(await page.locator("#gan [data-model-status]").textContent(), /DCGAN on MNIST digits, trained 4000 steps/);
  assert.equal(await page.locator("#gan .error").isHidden(), true);
  // The first walk is drawn after the grid (the grid is what the first-samples mark times).
  await page.waitForFunction(() => inWidget("gan", "canvas[data-walk]").dataset.frames === "10",
    null, { timeout: 120_000 });
  assert.equal(await page.locator("#gan canvas[data-walk]").getAttribute("data-frames"), "10");

  // Walk on: the walk starts where the last one ended.
  await page.locator("#gan [data-walk-new]").click();
  await page.waitForFunction(() => inWidget("gan", "[data-walk-from]").value === "2");
  await page.locator("#gan [data-walk-frames]").fill("12");
  await page.locator("#gan [data-walk-frames]").dispatchEvent("change");
  await page.waitForFunction(() => inWidget("gan", "canvas[data-walk]").dataset.frames === "12",
    null, { timeout: 120_000 });

  // Continue training: both losses and the diversity plotted, snapshots accumulate.
  const before = Number(await page.locator('#gan [data-field="step"]').textContent());
  let n = await marks(page, "gan:first-samples");
  await trainTo(page, "gan", before + 30);
  await redrawn(page, "gan:first-samples", n);
  const metric = async (name) => Number(await page.locator(`#gan [data-metric="${name}"]`).getAttribute("data-value"));
  const [g, d, diversity] = [await metric("loss"), await metric("discriminator_loss"), await metric("diversity")];
  console.log(`DCGAN after ${before} + 30 steps in the page: G ${g.toFixed(3)}, D ${d.toFixed(3)}, diversity ${diversity.toFixed(2)}`);
  assert.ok(Number.isFinite(g) && Number.isFinite(d) && diversity > 0.4, `${g} ${d} ${diversity}`);
  assert.ok(Number(await page.locator("#gan canvas[data-snapshots]").getAttribute("data-snapshots")) >= 2);
  await page.locator('#gan button[data-action="evaluate"]').click();
  const table = page.locator("#gan table.probe");
  await table.waitFor({ state: "visible", timeout: 300_000 });
  const confident = Number(await table.getAttribute("data-confident"));
  console.log(`DCGAN samples labelled with confidence >= 0.9: ${(100 * confident).toFixed(1)}% (classes: ${await page.locator('#gan [data-field="classes_present"]').textContent()})`);
  assert.ok(confident > 0.1, `${confident}`);
  assert.equal(await page.locator("#gan [data-collapse]").isHidden(), true);
  await page.locator("#gan").screenshot({ path: resolve(SHOTS, "gan.png") });

  // The mode-collapse warning shows when a report's diversity is low, and goes when it recovers.
  const report = (value) => page.evaluate((v) => window.playground.gan.onReport(
    { step: 1, steps_in_report: 1, steps_per_second: 0, metrics: [{ name: "diversity", value: v }] }), value);
  await report(0.12);
  assert.match(await page.locator("#gan [data-collapse]").textContent(), /^Mode collapse\? .* only 0\.12×/);
  await report(0.9);
  assert.equal(await page.locator("#gan [data-collapse]").isHidden(), true);

  // The Fashion-MNIST generator: its dataset is fetched and loaded first, then its samples.
  n = await marks(page, "gan:first-samples");
  await page.locator("#gan [data-pretrained]").selectOption("gan_fashion");
  await redrawn(page, "gan:first-samples", n);
  assert.match(await page.locator("#gan [data-model-status]").textContent(), /DCGAN on Fashion-MNIST, trained 4000 steps/);
  assert.equal(await page.locator('#gan select[name="dataset"]').inputValue(), "fashion");
  assert.equal(await page.locator("#gan .error").isHidden(), true);
  await page.locator("#gan canvas[data-grid]").screenshot({ path: resolve(SHOTS, "gan-fashion.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a discriminator step ratio of 0 is refused naming the field", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#gan.discriminator_steps=0", { widgets: ["gan"] });
  const error = page.locator("#gan .error");
  await error.waitFor({ state: "visible", timeout: 120_000 });
  assert.match(await error.textContent(), /^discriminator_steps: must be between 1 and 10/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("CycleGAN: pretrained translations, a drawn digit translated, training, evaluation", { timeout: 900_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "", { widgets: ["cyclegan"] });
  await page.waitForFunction(() => inWidget("cyclegan", "canvas[data-grid]").dataset.translations,
    null, { timeout: 300_000, polling: 200 });
  const first = await page.evaluate(() => performance.getEntriesByName("cyclegan:first-translations")[0].startTime);
  console.log(`page load -> first translations (pretrained CycleGAN): ${(first / 1000).toFixed(2)} s`);
  assert.match(await page.locator("#cyclegan [data-model-status]").textContent(), /regular ↔ bold digits, trained \d+ steps/);

  // Draw a 7 and translate it both ways.
  await page.locator("#cyclegan canvas[data-pad]").scrollIntoViewIfNeeded();
  const pad = await page.locator("#cyclegan canvas[data-pad]").boundingBox();
  await page.mouse.move(pad.x + 30, pad.y + 30);
  await page.mouse.down();
  for (const [x, y] of [[90, 30], [138, 30], [110, 80], [85, 140]]) await page.mouse.move(pad.x + x, pad.y + y, { steps: 8 });
  await page.mouse.up();
  await page.locator("#cyclegan [data-translate-drawing]").click();
  await page.waitForFunction(() => inWidget("cyclegan", "canvas[data-drawn]").dataset.translated,
    null, { timeout: 120_000 });
  // Ink in each of the five images of the row: the drawing, bold, back, regular, back.
  const ink = await page.evaluate(() => {
    const c = inWidget("cyclegan", "canvas[data-drawn]");
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const cell = 28 * 3 + 4, sums = [0, 0, 0, 0, 0];
    for (let y = 0; y < 84; y++) {
      for (let x = 0; x < 5 * cell; x++) {
        const i = Math.floor(x / cell);
        if (x % cell < 84) sums[i] += data[4 * (y * c.width + x)];
      }
    }
    return sums.map((s) => s / (84 * 84 * 255));
  });
  console.log(`drawn 7: ink ${ink.map((v) => v.toFixed(3)).join(", ")} (drawing, bold, back, regular, back)`);
  assert.ok(ink[0] > 0.05, `nothing drawn: ${ink}`);
  assert.ok(ink[1] > ink[0] * 1.2, `the bold version is not bolder: ${ink}`);

  // Continue training; the held-out errors.
  const before = Number(await page.locator('#cyclegan [data-field="step"]').textContent());
  await trainTo(page, "cyclegan", before + 10);
  const cycle = Number(await page.locator('#cyclegan [data-metric="cycle"]').getAttribute("data-value"));
  console.log(`CycleGAN training cycle error after ${before} + 10 steps in the page: ${cycle.toFixed(4)}`);
  assert.ok(cycle > 0 && cycle < 0.1, `${cycle}`);
  await page.locator('#cyclegan button[data-action="evaluate"]').click();
  const table = page.locator("#cyclegan table.probe");
  await table.waitFor({ state: "visible", timeout: 300_000 });
  const held = Number(await table.getAttribute("data-cycle"));
  const twin = Number(await page.locator('#cyclegan [data-field="to_y_error"]').textContent());
  const nothing = Number(await page.locator('#cyclegan [data-field="unchanged_error"]').textContent());
  console.log(`CycleGAN held-out cycle error ${held.toFixed(4)}; regular -> bold vs the true twin ${twin} (doing nothing ${nothing})`);
  assert.ok(twin < nothing / 2, `${twin} vs ${nothing}`);
  await page.locator("#cyclegan").screenshot({ path: resolve(SHOTS, "cyclegan.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a negative cycle weight is refused naming the field", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#cyclegan.lambda=-1", { widgets: ["cyclegan"] });
  const error = page.locator("#cyclegan .error");
  await error.waitFor({ state: "visible", timeout: 120_000 });
  assert.match(await error.textContent(), /^lambda: must be a number between 0 and 100, got -1/);
  assert.deepEqual(errors, []);
  await page.close();
});
