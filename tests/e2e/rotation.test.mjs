// End to end: the built site (dist/, from `trunk build`) served on 127.0.0.1, driven in Debian's
// Chromium. Press Train, wait for pretext accuracy above chance, evaluate, take a screenshot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainUntil, evaluate, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

test("rotation widget trains above chance, evaluates, and stays on its origin", { timeout: 600_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["rotation"] });
  console.log("backend:", await page.locator("#backend").textContent());
  const before = await page.evaluate(() => window.workerMessages());
  // Chance is 25%: wait for the running pretext accuracy to pass 40%.
  const { accuracy, step } = await trainUntil(page, "rotation", 0.4);
  console.log(`pretext accuracy ${accuracy.toFixed(3)} after ${step} steps`);
  assert.ok(accuracy > 0.4 && step > 0);
  // One round trip per player tick: `train_and_report(n)` is one message to the worker and one
  // back (it was `train(n)` and `report()`, 4 messages).
  const after = await page.evaluate(() => window.workerMessages());
  const calls = (m) => (after.sent[m] ?? 0) - (before.sent[m] ?? 0);
  const ticks = calls("train_and_report");
  const perTick = (2 * (ticks + calls("train") + calls("report"))) / ticks;
  console.log(`worker messages per training tick: ${perTick.toFixed(2)} over ${ticks} ticks`);
  assert.ok(ticks > 0, "the player trains through train_and_report");
  assert.ok(perTick < 2.5, `messages per tick ${perTick}`);
  assert.ok(after.received - before.received >= ticks, "every call is answered");

  const { trained, random } = await evaluate(page, "rotation");
  console.log(`probe: trained ${trained.toFixed(3)}, random init ${random.toFixed(3)}`);
  assert.ok(trained > 0.1 && random > 0.1, "probe accuracies are above chance");
  await page.locator("#rotation").screenshot({ path: resolve(SHOTS, "rotation.png") });

  assert.deepEqual(foreign, [], "the page must not request anything outside its own origin");
  assert.deepEqual(errors, [], "no errors in the console");
  await page.close();
});

test("a bad setting shows the error naming the field and nothing trains", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#rotation.batch_size=0", { widgets: ["rotation"] });
  const error = page.locator("#rotation .error");
  await error.waitFor({ state: "visible", timeout: 120_000 });
  const text = await error.textContent();
  assert.match(text, /^batch_size: /);
  assert.equal(await page.locator('#rotation button[data-action="train"]').isDisabled(), true);
  // Fixing the field recovers the widget.
  await page.locator('#rotation input[name="batch_size"]').fill("16");
  await page.locator('#rotation input[name="batch_size"]').dispatchEvent("change");
  await page.waitForFunction(() => !inWidget("rotation", 'button[data-action="train"]').disabled,
    null, { timeout: 120_000 });
  assert.equal(await error.isHidden(), true);
  await page.locator("#rotation").screenshot({ path: resolve(SHOTS, "rotation-bad-input.png") });
  assert.deepEqual(errors, []);
  await page.close();
});
