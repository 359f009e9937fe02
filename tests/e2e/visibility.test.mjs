// End to end: a widget trains only while it can be seen. Scrolled out of view, the rotation
// widget's training waits (its step count stands still and it says so); scrolled back, it goes on.
// And a widget starts only when it comes near the screen: the page's first view downloads
// neither the datasets nor the models of the widgets further down.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowser, openPage } from "./harness.mjs";

const ctx = useBrowser();

const step = (page) => page.evaluate(() => Number(inWidget("rotation", '[data-field="step"]').textContent));

test("training waits while its widget is scrolled out of view and resumes when back", { timeout: 600_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "", { widgets: ["rotation"] });
  const train = page.locator('#rotation button[data-action="train"]');
  await page.waitForFunction(() => !inWidget("rotation", 'button[data-action="train"]').disabled,
    null, { timeout: 300_000 });
  await train.click();
  await page.waitForFunction(() => Number(inWidget("rotation", '[data-field="step"]').textContent) > 0,
    null, { timeout: 300_000 });

  // Far down the page: the rotation widget is out of view.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.waitForFunction(() => inWidget("rotation", ".widget").dataset.waiting === "yes",
    null, { timeout: 60_000 });
  const parked = await step(page);
  await page.waitForTimeout(2000);
  assert.equal(await step(page), parked, "trained while out of view");
  assert.match(await page.locator('#rotation [data-field="speed"]').textContent(), /paused: out of view/);

  // Back in view: training goes on by itself.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction((n) => Number(inWidget("rotation", '[data-field="step"]').textContent) > n,
    parked, { timeout: 120_000 });
  assert.equal(await page.evaluate(() => inWidget("rotation", ".widget").dataset.waiting), "");
  await train.click(); // pause
  console.log(`stood still at step ${parked} while out of view, resumed to ${await step(page)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("widgets further down start, and download their models, only when scrolled near", { timeout: 600_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server);
  // Everything the page has fetched since navigation (the models are fetched by the page).
  const fetched = () => page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
  // The page's first view: the widgets at the top start, those further down wait.
  await page.waitForFunction(() => document.querySelector("#rotation[data-ready]"), null, { timeout: 300_000 });
  await page.waitForTimeout(3000);
  const waiting = await page.evaluate(() => [...document.querySelectorAll("main > [data-loading=waiting]")].map((e) => e.id));
  const ready = await page.evaluate(() => [...document.querySelectorAll("main > [data-ready]")].map((e) => e.id));
  console.log(`at load: ready ${ready.join(", ")}; waiting ${waiting.join(", ")}`);
  for (const id of ["gan", "cyclegan", "charlm", "pixelcnn", "mae", "board"]) assert.ok(waiting.includes(id), `${id} waits`);
  assert.deepEqual((await fetched()).filter((p) => p.includes("/pretrained/")), [], "no model downloaded for a widget out of reach");

  // Scrolled to: the MAE starts and downloads its model.
  await page.locator("#mae").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector("#mae[data-ready]"), null, { timeout: 300_000 });
  assert.ok((await fetched()).includes("/pretrained/mae.upck"), "the MAE's model is downloaded once it is near");
  assert.deepEqual(errors, []);
  await page.close();
});
