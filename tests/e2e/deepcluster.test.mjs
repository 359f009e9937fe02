// End to end: the DeepCluster widget in Debian's Chromium: train past the first round, see the
// rounds scored against k-means on pixels, look at the clusters, screenshot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

test("deepcluster widget clusters, trains on its pseudo-labels and scores each round", { timeout: 600_000 }, async () => {
  // Small rounds so that a second clustering comes quickly on the CPU fallback.
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server,
    "#deepcluster.steps_per_round=20&deepcluster.images=1000", { widgets: ["deepcluster"] });
  const widget = page.locator("#deepcluster");
  await page.waitForFunction(() => !inWidget("deepcluster", 'button[data-action="train"]').disabled,
    null, { timeout: 300_000 });
  await widget.locator('button[data-action="train"]').click();
  await page.waitForFunction(() => Number(inWidget("deepcluster", '[data-field="step"]').textContent) >= 45,
    null, { timeout: 300_000, polling: 500 });
  await widget.locator('button[data-action="train"]').click(); // pause
  // Rounds at steps 0, 20, 40 are scored.
  await page.waitForFunction(() => inWidget("deepcluster", '[data-field="round_nmi"]').dataset.value !== undefined,
    null, { timeout: 120_000 });
  const nmi = Number(await widget.locator('[data-field="round_nmi"]').getAttribute("data-value"));
  const pixels = Number(await widget.locator('[data-field="pixels_nmi"]').textContent());
  console.log(`NMI of the last round ${nmi.toFixed(3)}, k-means on pixels ${pixels.toFixed(3)}`);
  assert.ok(nmi > 0.1 && pixels > 0.3, "clusterings well above chance");
  await widget.screenshot({ path: resolve(SHOTS, "deepcluster.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});
