// End to end: the masked autoencoder widget in Debian's Chromium. The pretrained model's
// reconstructions appear without training (time from page load measured); the shown mask ratio
// follows the slider; training continues and the held-out masked-patch error is measured against
// the mean image's; a mask ratio of 1 is refused by name. Screenshot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainTo, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

test("MAE: pretrained reconstructions, mask ratio, training, held-out masked-patch error", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["mae"] });
  const grid = page.locator("#mae canvas[data-grid]");
  await page.waitForFunction(() => /trained/.test(inWidget("mae", "[data-model-status]").textContent)
    && inWidget("mae", "canvas[data-grid]").dataset.groups,
    null, { timeout: 300_000, polling: 200 });
  const first = await page.evaluate(() => performance.getEntriesByName("mae:reconstructions").at(-1).startTime);
  console.log(`page load -> first reconstructions (pretrained MAE): ${(first / 1000).toFixed(2)} s`);
  assert.match(await page.locator("#mae [data-model-status]").textContent(), /MAE on MNIST digits, trained \d+ steps/);
  assert.equal(await grid.getAttribute("data-groups"), "input,masked,reconstruction");

  // Show the reconstructions with half the patches hidden.
  const n = await page.evaluate(() => performance.getEntriesByName("mae:reconstructions").length);
  await page.locator("#mae [data-show-ratio]").fill("0.5");
  await page.waitForFunction((k) => performance.getEntriesByName("mae:reconstructions").length > k
    && inWidget("mae", "canvas[data-grid]").dataset.ratio === "0.5", n, { timeout: 120_000 });
  assert.equal(await page.locator("#mae [data-show-ratio-value]").textContent(), "50%");
  await page.locator("#mae [data-show-ratio]").fill("0.75");

  // Continue training 20 steps; evaluate: the masked patches against the mean image.
  const before = Number(await page.locator('#mae [data-field="step"]').textContent());
  await trainTo(page, "mae", before + 20);
  await page.locator('#mae button[data-action="evaluate"]').click();
  const table = page.locator("#mae table.probe");
  await table.waitFor({ state: "visible", timeout: 300_000 });
  const mse = Number(await table.getAttribute("data-masked-mse"));
  const mean = Number(await table.getAttribute("data-mean-image-mse"));
  console.log(`held-out masked-patch error after ${before} + 20 steps in the page: ${mse.toFixed(4)} (mean image ${mean.toFixed(4)})`);
  assert.ok(mse < mean, `${mse} vs ${mean}`);
  await page.locator("#mae").screenshot({ path: resolve(SHOTS, "mae.png") });

  // Bad input: nothing left visible.
  await page.locator('#mae input[name="mask_ratio"]').fill("1");
  await page.locator('#mae input[name="mask_ratio"]').dispatchEvent("change");
  const error = page.locator("#mae .error");
  await error.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await error.textContent(), /^mask_ratio: must be a number between 0 and 1/);

  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});
