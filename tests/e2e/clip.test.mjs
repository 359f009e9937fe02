// End to end: the CLIP widget in Debian's Chromium: train until images find their captions well
// above chance, classify unseen shape-colour pairs by typed captions, evaluate zero-shot, an
// unknown word and a batch larger than the captions refused with the field named; screenshot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainUntil, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

test("CLIP: images find their captions, typed captions classify unseen pairs", { timeout: 900_000 }, async () => {
  const t0 = Date.now();
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["clip"] });
  console.log(`page open: ${since()}`);
  // Batch 64: each image picks among 64 captions, chance is 1.6%.
  const { accuracy, step } = await trainUntil(page, "clip", 0.9);
  console.log(`CLIP caption accuracy ${accuracy.toFixed(3)} after ${step} steps (${since()})`);
  assert.ok(accuracy > 0.9 && step > 0);
  // Train on to 300 steps, where unseen pairs are mostly recognised (the screenshot shows it).
  const train = page.locator('#clip button[data-action="train"]');
  await train.click();
  await page.waitForFunction(() => Number(inWidget("clip", '[data-field="step"]').textContent) >= 300,
    null, { timeout: 600_000, polling: 500 });
  await train.click(); // pause
  console.log(`step 300: ${since()}`);
  // The image-caption matrix: 8 rows, most images on their own caption by now.
  await page.waitForFunction(() => Number(inWidget("clip", "canvas[data-grid]").dataset.right) >= 4,
    null, { timeout: 120_000, polling: 500 });

  // Zero-shot by typed captions: the four unseen pairs, and two trained ones as distractors.
  const captions = page.locator('#clip [data-field="captions"]');
  await captions.fill("a red circle\na green square\na blue triangle\na yellow cross\na red square\na blue circle");
  await page.locator('#clip button[data-action="classify"]').click();
  const zeroShot = page.locator('#clip [data-field="zero_shot_accuracy"]');
  await page.waitForFunction(() => inWidget("clip", '[data-field="zero_shot_accuracy"]').dataset.value,
    null, { timeout: 120_000, polling: 250 });
  const picked = Number(await zeroShot.getAttribute("data-value"));
  console.log(`zero-shot on 8 unseen images: ${await zeroShot.textContent()}`);
  assert.ok(picked >= 0 && picked <= 1);

  // The evaluation table.
  await page.locator('#clip button[data-action="evaluate"]').click();
  const table = page.locator("#clip table.probe");
  await table.waitFor({ state: "visible", timeout: 300_000 });
  const pairs = Number(await table.getAttribute("data-held-out-pairs"));
  console.log(`zero-shot on held-out pairs (of 16 captions): ${pairs.toFixed(3)} (${since()})`);
  assert.ok(pairs > 1 / 16, `above chance: ${pairs}`);
  await page.locator("#clip").screenshot({ path: resolve(SHOTS, "clip.png") });

  // An unknown word: the error names the caption and the word; nothing else breaks.
  await captions.fill("a red circle\na purple circle");
  await page.locator('#clip button[data-action="classify"]').click();
  const error = page.locator("#clip .error");
  await error.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await error.textContent(), /^captions\[1\]: unknown word "purple"/);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a CLIP batch larger than the 96 training captions is refused naming the field", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#clip.batch_size=97", { widgets: ["clip"] });
  const error = page.locator("#clip .error");
  await error.waitFor({ state: "visible", timeout: 120_000 });
  assert.match(await error.textContent(), /^batch_size: /);
  assert.equal(await page.locator('#clip button[data-action="train"]').isDisabled(), true);
  assert.deepEqual(errors, []);
  await page.close();
});
