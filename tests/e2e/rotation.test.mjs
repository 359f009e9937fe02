// End to end: the built site (dist/, from `trunk build`) served on 127.0.0.1, driven in Debian's
// Chromium. Press Train, wait for pretext accuracy above chance, evaluate, take a screenshot.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { serve, launch, watchForeignRequests } from "./harness.mjs";

const SHOTS = resolve(import.meta.dirname, "../../test-results");
let server, browser;

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(query = "") {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const foreign = watchForeignRequests(page, server.url);
  await page.goto(server.url + query);
  return { page, errors, foreign };
}

test("rotation widget trains above chance, evaluates, and stays on its origin", { timeout: 600_000 }, async () => {
  const { page, errors, foreign } = await openPage();
  const badge = page.locator("#backend");
  await page.waitForFunction(() => ["cpu", "gpu"].includes(document.getElementById("backend").dataset.state),
    null, { timeout: 120_000 });
  console.log("backend:", await badge.textContent());
  const widget = page.locator("#rotation");
  const train = widget.locator('button[data-action="train"]');
  await train.waitFor({ state: "visible" });
  await page.waitForFunction(() => !document.querySelector('#rotation button[data-action="train"]').disabled,
    null, { timeout: 120_000 });
  await train.click();
  // Chance is 25%: wait for the running pretext accuracy to pass 40%.
  await page.waitForFunction(() => Number(document.querySelector('#rotation [data-metric="accuracy"]').dataset.value) > 0.4,
    null, { timeout: 300_000, polling: 500 });
  await train.click(); // pause
  const acc = Number(await widget.locator('[data-metric="accuracy"]').getAttribute("data-value"));
  const step = Number(await widget.locator('[data-field="step"]').textContent());
  console.log(`pretext accuracy ${acc.toFixed(3)} after ${step} steps`);
  assert.ok(acc > 0.4 && step > 0);

  await widget.locator('button[data-action="evaluate"]').click();
  await widget.locator("table.probe").waitFor({ state: "visible", timeout: 300_000 });
  const trained = Number(await widget.locator("table.probe").getAttribute("data-trained"));
  const random = Number(await widget.locator("table.probe").getAttribute("data-random-init"));
  console.log(`probe: trained ${trained.toFixed(3)}, random init ${random.toFixed(3)}`);
  assert.ok(trained > 0.1 && random > 0.1, "probe accuracies are above chance");
  await page.screenshot({ path: resolve(SHOTS, "rotation.png"), fullPage: true });

  assert.deepEqual(foreign, [], "the page must not request anything outside its own origin");
  assert.deepEqual(errors, [], "no errors in the console");
  await page.close();
});

test("a bad setting shows the error naming the field and nothing trains", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage("#rotation.batch_size=0");
  const error = page.locator("#rotation .error");
  await error.waitFor({ state: "visible", timeout: 120_000 });
  const text = await error.textContent();
  assert.match(text, /^batch_size: /);
  assert.equal(await page.locator('#rotation button[data-action="train"]').isDisabled(), true);
  // Fixing the field recovers the widget.
  await page.locator('#rotation input[name="batch_size"]').fill("16");
  await page.locator('#rotation input[name="batch_size"]').dispatchEvent("change");
  await page.waitForFunction(() => !document.querySelector('#rotation button[data-action="train"]').disabled,
    null, { timeout: 120_000 });
  assert.equal(await error.isHidden(), true);
  await page.screenshot({ path: resolve(SHOTS, "rotation-bad-input.png") });
  assert.deepEqual(errors, []);
  await page.close();
});
