// End to end: the jigsaw widget in Debian's Chromium: train above chance, evaluate, screenshot;
// a bad tile grid is refused with the field named.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainUntil, evaluate, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

test("jigsaw widget learns the permutations and evaluates", { timeout: 600_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["jigsaw"] });
  // 24 permutations: chance is about 4%.
  const { accuracy, step } = await trainUntil(page, "jigsaw", 0.3);
  console.log(`permutation accuracy ${accuracy.toFixed(3)} after ${step} steps`);
  assert.ok(accuracy > 0.3 && step > 0);
  const { trained, random } = await evaluate(page, "jigsaw");
  console.log(`probe: trained ${trained.toFixed(3)}, random init ${random.toFixed(3)}`);
  assert.ok(trained > 0.1 && random > 0.1, "probe accuracies are above chance");
  await page.locator("#jigsaw").screenshot({ path: resolve(SHOTS, "jigsaw.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a jitter too large for 3x3 tiles is refused naming the field", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#jigsaw.grid=3&jigsaw.jitter=8", { widgets: ["jigsaw"] });
  const error = page.locator("#jigsaw .error");
  await error.waitFor({ state: "visible", timeout: 120_000 });
  assert.match(await error.textContent(), /^jitter: /);
  assert.equal(await page.locator('#jigsaw button[data-action="train"]').isDisabled(), true);
  assert.deepEqual(errors, []);
  await page.close();
});
