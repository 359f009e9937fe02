// End to end: the character-level GPT widget in Debian's Chromium. The pretrained model's bars
// of P(next character | prompt) appear without training (time from page load measured) and
// follow the typing; a continuation is written with a temperature and top-k; training continues
// and the held-out bits per character are measured; an unknown character and a zero
// temperature are refused by name. Screenshot.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainTo, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

const bars = (page) => page.evaluate(() => performance.getEntriesByName("charlm:bars").length);

async function barsRedrawn(page, since) {
  await page.waitForFunction((n) => performance.getEntriesByName("charlm:bars").length > n,
    since, { timeout: 300_000, polling: 100 });
}

test("GPT: pretrained next-character bars as you type, writing, training, held-out bits", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["charlm"] });
  await page.waitForFunction(() => /trained/.test(inWidget("charlm", "[data-model-status]").textContent)
    && inWidget("charlm", "canvas[data-bars]").dataset.top,
    null, { timeout: 300_000, polling: 200 });
  const first = await page.evaluate(() => performance.getEntriesByName("charlm:bars").at(-1).startTime);
  console.log(`page load -> first next-character bars (pretrained GPT): ${(first / 1000).toFixed(2)} s`);
  assert.match(await page.locator("#charlm [data-model-status]").textContent(), /GPT on Genesis, trained 3000 steps/);
  // "In the beginning God created the heaven and the eart": the model knows what comes next.
  assert.equal(await page.locator("#charlm canvas[data-bars]").getAttribute("data-top"), "h");

  // Typing redraws the bars.
  let n = await bars(page);
  await page.locator("#charlm [data-prompt]").fill("And Abraham said unto hi");
  await barsRedrawn(page, n);
  assert.equal(await page.locator("#charlm canvas[data-bars]").getAttribute("data-top"), "m");
  console.log(`bars: ${await page.locator("#charlm canvas[data-bars]").getAttribute("aria-label")}`);

  // Write 300 characters at temperature 0.8.
  await page.locator("#charlm [data-write]").click();
  await page.waitForFunction(() => inWidget("charlm", "[data-written]").dataset.length === "300",
    null, { timeout: 300_000 });
  console.log(`written: ${(await page.locator("#charlm [data-written]").textContent()).slice(0, 200)}…`);

  // Continue training 20 steps; evaluate: held-out bits per character.
  const before = Number(await page.locator('#charlm [data-field="step"]').textContent());
  await trainTo(page, "charlm", before + 20);
  await page.locator('#charlm button[data-action="evaluate"]').click();
  const table = page.locator("#charlm table.probe");
  await table.waitFor({ state: "visible", timeout: 300_000 });
  const bits = Number(await table.getAttribute("data-bits"));
  console.log(`held-out bits per character after ${before} + 20 steps in the page: ${bits.toFixed(3)}`);
  assert.ok(bits > 1 && bits < 2.5, `${bits}`);
  await page.locator("#charlm").screenshot({ path: resolve(SHOTS, "charlm.png") });

  // Bad input: a character outside the text, a temperature of 0.
  await page.locator("#charlm [data-prompt]").fill("God @ home");
  const error = page.locator("#charlm .error");
  await error.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await error.textContent(), /^prompt: character 4 \('@'\) is not in the text's vocabulary/);
  await page.locator("#charlm [data-prompt]").fill("And God");
  await error.waitFor({ state: "hidden", timeout: 60_000 });
  await page.locator("#charlm [data-temperature]").fill("0");
  await page.locator("#charlm [data-write]").click();
  await error.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await error.textContent(), /^temperature: must be a number greater than 0/);

  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});
