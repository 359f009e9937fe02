// End to end: the PixelCNN widget in Debian's Chromium. The pretrained model's receptive field
// appears without training (time from page load measured), the masks are drawn, a clicked pixel
// gets its own field; the bottom half of a digit is completed four ways and eight digits are
// sampled pixel by pixel (times measured); training continues and the held-out bits per
// dimension are measured; a bad channel count is refused by name. Screenshot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainTo, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

test("PixelCNN: masks, receptive field, inpainting, sampling, training, held-out bits", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["pixelcnn"] });
  const field = page.locator("#pixelcnn canvas[data-receptive]");
  await page.waitForFunction(() => /trained/.test(inWidget("pixelcnn", "[data-model-status]").textContent)
    && inWidget("pixelcnn", "canvas[data-receptive]").dataset.reach
    && inWidget("pixelcnn", "canvas[data-mask-b]").dataset.used,
    null, { timeout: 300_000, polling: 200 });
  const first = await page.evaluate(() => performance.getEntriesByName("pixelcnn:field").at(-1).startTime);
  console.log(`page load -> first receptive field (pretrained PixelCNN): ${(first / 1000).toFixed(2)} s`);
  assert.match(await page.locator("#pixelcnn [data-model-status]").textContent(), /PixelCNN on MNIST digits, trained \d+ steps/);
  // Mask A: the 24 positions before the centre of 7x7; mask B: 4 before the centre of 3x3 + it.
  assert.equal(await page.locator("#pixelcnn canvas[data-mask-a]").getAttribute("data-used"), "24");
  assert.equal(await page.locator("#pixelcnn canvas[data-mask-b]").getAttribute("data-used"), "5");
  assert.equal(await field.getAttribute("data-pixel"), "14,14");
  const reach = Number(await field.getAttribute("data-reach"));
  // Inside the 7-pixel reach up and either side, before the pixel, less the blind spot.
  assert.ok(reach > 40 && reach < 14 * 28 + 14, `${reach}`);

  // Click another pixel: row 5, column 20 of the 28 x 28 canvas.
  const box = await field.boundingBox();
  await field.click({ position: { x: (20.5 / 28) * box.width, y: (5.5 / 28) * box.height } });
  await page.waitForFunction(() => inWidget("pixelcnn", "canvas[data-receptive]").dataset.pixel === "5,20",
    null, { timeout: 120_000 });
  console.log(`field: ${await field.getAttribute("aria-label")}`);

  // Inpainting: the bottom half (392 pixels) erased, completed four ways.
  assert.equal(await page.locator("#pixelcnn canvas[data-eraser]").getAttribute("data-erased"), "392");
  let t = Date.now();
  await page.locator("#pixelcnn [data-inpaint]").click();
  await page.waitForFunction(() => inWidget("pixelcnn", "canvas[data-completions]").dataset.state === "done",
    null, { timeout: 600_000, polling: 200 });
  console.log(`inpainting 392 pixels x 4 completions: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  assert.match(await page.locator("#pixelcnn [data-inpaint-status]").textContent(), /^392 of 392 pixels drawn/);

  // Sampling 8 digits from nothing, pixel by pixel.
  t = Date.now();
  await page.locator("#pixelcnn [data-sample]").click();
  await page.waitForFunction(() => inWidget("pixelcnn", "canvas[data-samples]").dataset.state === "done",
    null, { timeout: 600_000, polling: 200 });
  console.log(`sampling 8 digits (784 pixels each): ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // Continue training 10 steps; evaluate: held-out bits per dimension.
  const before = Number(await page.locator('#pixelcnn [data-field="step"]').textContent());
  await trainTo(page, "pixelcnn", before + 10);
  await page.locator('#pixelcnn button[data-action="evaluate"]').click();
  const table = page.locator("#pixelcnn table.probe");
  await table.waitFor({ state: "visible", timeout: 300_000 });
  const bits = Number(await table.getAttribute("data-bits"));
  const independent = Number(await page.locator('#pixelcnn [data-field="independent_bits"]').textContent());
  console.log(`held-out bits per dimension after ${before} + 10 steps in the page: ${bits.toFixed(4)} (independent pixels ${independent})`);
  assert.ok(bits > 0.05 && bits < independent, `${bits} vs ${independent}`);
  await page.locator("#pixelcnn").screenshot({ path: resolve(SHOTS, "pixelcnn.png") });

  // Bad input: no channels.
  await page.locator('#pixelcnn input[name="channels"]').fill("0");
  await page.locator('#pixelcnn input[name="channels"]').dispatchEvent("change");
  const error = page.locator("#pixelcnn .error");
  await error.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await error.textContent(), /^channels: must be between 1 and 128, got 0/);

  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});
