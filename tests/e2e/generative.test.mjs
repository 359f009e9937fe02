// End to end: the VAE and autoencoder widgets in Debian's Chromium. The pretrained VAE's
// interpolation strip appears without training (time from page load measured); arithmetic on
// picked digits and a drawn one; the conditional VAE's class samples and sweep; the 2-d
// manifold; continue training from the pretrained weights and evaluate; a corrupt file and a
// latent of 0 refused; the denoising autoencoder trains. Screenshots of each.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, trainTo, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

/** Wait until the VAE widget has drawn its generations again (after `since` marks). */
async function generationsRedrawn(page, since) {
  await page.waitForFunction((n) => performance.getEntriesByName("vae:first-interpolation").length > n,
    since, { timeout: 300_000, polling: 200 });
}

const marks = (page) => page.evaluate(() => performance.getEntriesByName("vae:first-interpolation").length);

test("VAE: pretrained interpolation at once, arithmetic, a drawn digit, conditional, manifold", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "", { widgets: ["vae"] });
  // The mark comes once every generation of the pretrained model is drawn (the strip is first
  // of them: waiting for the strip alone and then reading the mark raced, seen once in CI).
  await page.waitForFunction(() => inWidget("vae", "canvas[data-strip]").dataset.frames &&
    performance.getEntriesByName("vae:first-interpolation").length > 0, null, { timeout: 300_000, polling: 200 });
  const firstStrip = await page.evaluate(() => performance.getEntriesByName("vae:first-interpolation")[0].startTime);
  console.log(`page load -> first interpolation strip (pretrained VAE): ${(firstStrip / 1000).toFixed(2)} s`);
  const status = await page.locator("#vae [data-model-status]").textContent();
  assert.match(status, /VAE, 16-d latent, trained \d+ steps/);
  assert.equal(await page.locator("#vae .error").isHidden(), true);
  await page.locator("#vae").screenshot({ path: resolve(SHOTS, "vae-interpolation.png") });

  // Spherical interpolation; pick digits 4 and 5 as b and c (a - b + c).
  let n = await marks(page);
  await page.locator("#vae [data-mode]").selectOption("spherical");
  await generationsRedrawn(page, n);
  const grid = page.locator("#vae canvas[data-grid]");
  const cell = await grid.evaluate((c) => c.getBoundingClientRect().width / c.width);
  for (const [slot, i] of [["b", 4], ["c", 5]]) {
    n = await marks(page);
    await page.locator("#vae [data-slot]").selectOption(slot);
    // Image i of the top row: the labels' column, then 56 + 4 px per image (canvas pixels).
    const left = await page.evaluate(() => window.playground.vae.layout.left);
    await grid.click({ position: { x: (left + i * 60 + 28) * cell, y: 28 * cell } });
    await generationsRedrawn(page, n);
  }
  await page.locator("#vae canvas[data-arithmetic]").screenshot({ path: resolve(SHOTS, "vae-arithmetic.png") });

  // Draw a "1" on the pad and use it as a.
  n = await marks(page);
  await page.locator("#vae [data-slot]").selectOption("a");
  const pad = await page.locator("#vae canvas[data-pad]").boundingBox();
  await page.mouse.move(pad.x + pad.width / 2, pad.y + 25);
  await page.mouse.down();
  for (let y = 25; y <= pad.height - 25; y += 8) await page.mouse.move(pad.x + pad.width / 2, pad.y + y);
  await page.mouse.up();
  await page.locator("#vae [data-use-drawing]").click();
  await generationsRedrawn(page, n);
  assert.equal(await page.locator("#vae .error").isHidden(), true);
  await page.locator("#vae").screenshot({ path: resolve(SHOTS, "vae-drawn.png") });

  // Continue training the pretrained model, then evaluate: the negative ELBO in nats.
  const before = Number(await page.locator('#vae [data-field="step"]').textContent());
  await trainTo(page, "vae", before + 20);
  await page.locator('#vae button[data-action="evaluate"]').click();
  const table = page.locator("#vae table.probe");
  await table.waitFor({ state: "visible", timeout: 300_000 });
  const elbo = Number(await table.getAttribute("data-elbo"));
  console.log(`held-out negative ELBO after ${before} + 20 steps: ${elbo.toFixed(2)} nats/image`);
  assert.ok(elbo > 50 && elbo < 200, `${elbo}`);

  // The conditional VAE: samples of a chosen class, and the class sweep.
  n = await marks(page);
  await page.locator("#vae [data-pretrained]").selectOption("cvae");
  await generationsRedrawn(page, n);
  assert.match(await page.locator("#vae [data-model-status]").textContent(), /conditional VAE/);
  // The redraw that shows the class sweep is the one after the load; an earlier redraw (of the
  // model being replaced) can be the one generationsRedrawn saw (seen once in CI).
  await page.locator("#vae canvas[data-sweep]").waitFor({ state: "visible", timeout: 120_000 });
  assert.equal(await page.locator("#vae table.probe").isHidden(), true, "the table scored the last model");
  // The drawing in slot a is a 1.
  n = await marks(page);
  await page.locator("#vae [data-drawn-class]").selectOption("1");
  await generationsRedrawn(page, n);
  n = await marks(page);
  await page.locator("#vae [data-sample-class]").selectOption("7");
  await generationsRedrawn(page, n);
  await page.locator("#vae").screenshot({ path: resolve(SHOTS, "cvae.png") });

  // The 2-d VAE: the manifold with the encoded digits over it.
  n = await marks(page);
  await page.locator("#vae [data-pretrained]").selectOption("vae2d");
  await generationsRedrawn(page, n);
  assert.equal(await page.locator("#vae canvas[data-manifold]").isVisible(), true);
  await page.locator("#vae canvas[data-manifold]").screenshot({ path: resolve(SHOTS, "vae-manifold.png") });

  // A corrupt checkpoint file: refused by name, the model kept.
  await page.locator("#vae [data-file]").setInputFiles({
    name: "broken.upck", mimeType: "application/octet-stream",
    buffer: Buffer.concat([Buffer.from("UPGDCKPT"), Buffer.from([1, 0, 0, 0]), Buffer.from("and then nothing useful")]),
  });
  const error = page.locator("#vae .error");
  await error.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await error.textContent(), /^checkpoint: the file is truncated or damaged/);
  assert.match(await page.locator("#vae [data-model-status]").textContent(), /2-d latent \(manifold\)/);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a VAE latent of 0 is refused naming the field", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#vae.latent=0", { widgets: ["vae"] });
  const error = page.locator("#vae .error");
  await error.waitFor({ state: "visible", timeout: 120_000 });
  assert.match(await error.textContent(), /^latent: must be between 1 and 64, got 0/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the denoising autoencoder trains and shows its noisy inputs", { timeout: 600_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "#autoencoder.noise=0.5", { widgets: ["autoencoder"] });
  await page.waitForFunction(() => !inWidget("autoencoder", 'button[data-action="train"]').disabled,
    null, { timeout: 300_000 });
  await trainTo(page, "autoencoder", 150);
  const loss = Number(await page.locator('#autoencoder [data-metric="loss"]').getAttribute("data-value"));
  console.log(`denoising autoencoder: loss ${loss.toFixed(1)} nats/image at step 150`);
  assert.ok(loss < 200, `${loss}`);
  await page.waitForFunction(() => inWidget("autoencoder", "canvas[data-grid]").dataset.groups === "input,noisy,output",
    null, { timeout: 120_000 });
  await page.locator("#autoencoder").screenshot({ path: resolve(SHOTS, "autoencoder.png") });
  assert.deepEqual(errors, []);
  await page.close();
});
