// End to end: the GPU device is lost while a widget trains on WebGPU (here `GPUDevice.destroy()`
// in the training worker; a driver reset or a GPU the system takes back looks the same to the
// page: the device's `lost` promise resolves). Every started widget stops and says so, the banner
// says so, and "Continue on the CPU" moves the page to the CPU, where each widget goes on from
// its last checkpoint: the rotation net from the step where training last paused, the VAE from
// its pretrained model. Nothing is left hanging and the page keeps working.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { openPage, trainTo, useBrowser, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

const step = (page, id) => page.locator(`#${id} [data-field="step"]`).textContent().then(Number);
const checkpoint = (page, id) => page.locator(`#${id} section`).getAttribute("data-checkpoint").then(Number);

test("a lost GPU device: the widgets say so and go on on the CPU from their last checkpoint", { timeout: 900_000 }, async () => {
  // Batch 4: SwiftShader runs every shader on the CPU.
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server,
    "notes.html?backend=webgpu#rotation.batch_size=4", { widgets: ["rotation", "vae"] });
  assert.equal(await page.locator("#backend").getAttribute("data-state"), "gpu");
  for (const id of ["rotation", "vae"]) {
    await page.waitForFunction((w) => document.querySelector(`#${w}[data-ready]`) &&
      !inWidget(w, 'button[data-action="train"]').disabled, id, { timeout: 300_000 });
  }
  // The VAE's checkpoint is the pretrained model it loaded.
  await page.waitForFunction(() => Number(inWidget("vae", ".widget").dataset.checkpoint) > 0, null, { timeout: 120_000 });
  const vaeStep = await step(page, "vae");
  assert.equal(await checkpoint(page, "vae"), vaeStep);

  // Train, pause: the pause keeps a checkpoint (of the steps shown once the last report is in).
  await trainTo(page, "rotation", 2);
  const settled = await page.waitForFunction(() => {
    const saved = Number(inWidget("rotation", ".widget").dataset.checkpoint);
    return saved > 0 && saved === Number(inWidget("rotation", '[data-field="step"]').textContent) && saved;
  }, null, { timeout: 120_000, polling: 200 }).catch(async (error) => {
    const state = await page.evaluate(() => ({
      checkpoint: inWidget("rotation", ".widget").dataset.checkpoint,
      step: inWidget("rotation", '[data-field="step"]').textContent,
      saving: window.playground.rotation.saving,
      error: inWidget("rotation", ".error").textContent,
    }));
    throw new Error(`${error.message}: ${JSON.stringify(state)}`);
  });
  const paused = await settled.jsonValue();
  // Train on, and lose the device mid-training.
  await page.locator('#rotation button[data-action="train"]').click();
  await page.waitForFunction((n) => Number(inWidget("rotation", '[data-field="step"]').textContent) > n,
    paused, { timeout: 300_000, polling: 200 });
  const worker = page.workers().find((w) => w.url().endsWith("/js/worker.js"));
  assert.ok(worker, `the training worker (workers: ${page.workers().map((w) => w.url()).join(", ")})`);
  const destroyed = await worker.evaluate(() => {
    self.gpuDevices.forEach((d) => d.destroy());
    return self.gpuDevices.length;
  });
  assert.equal(destroyed, 1, "wgpu asked for one device");

  // Said by the banner and by each started widget; training stopped.
  await page.waitForFunction(() => document.getElementById("backend").dataset.state === "lost", null, { timeout: 60_000 });
  for (const id of ["rotation", "vae"]) await page.locator(`#${id} .device-lost`).waitFor({ timeout: 60_000 });
  const stopped = await step(page, "rotation");
  const said = await page.locator("#rotation .device-lost p").textContent();
  console.log(`banner: ${await page.locator("#backend").textContent()}\nrotation: ${said}\n` +
    `vae: ${await page.locator("#vae .device-lost p").textContent()}`);
  assert.match(said, new RegExp(`^The GPU device was lost.*Training stopped at step ${stopped}\\. It goes on from step ${paused}, its last checkpoint\\.$`));
  assert.equal(await page.locator('#rotation button[data-action="train"]').isDisabled(), true);
  assert.equal(await page.locator("#rotation .error").isHidden(), true, "the cut-off calls are not shown as errors");
  // A widget further down that never started stays as it was.
  assert.equal(await page.locator("#mae .device-lost").count(), 0);
  await page.locator("#rotation").screenshot({ path: resolve(SHOTS, "device-lost.png") });

  // One button moves the page to the CPU; each widget rebuilds there from its checkpoint.
  await page.locator("#rotation button[data-continue-on-cpu]").click();
  await page.waitForFunction(() => document.getElementById("backend").dataset.state === "cpu", null, { timeout: 120_000 });
  const banner = await page.locator("#backend").textContent();
  assert.match(banner, /^Training on the CPU \(in a worker\): the GPU device was lost/);
  for (const id of ["rotation", "vae"]) {
    await page.waitForFunction((w) => !inWidget(w, ".device-lost") &&
      !inWidget(w, 'button[data-action="train"]').disabled, id, { timeout: 300_000 });
  }
  await page.waitForFunction(([r, v]) => Number(inWidget("rotation", '[data-field="step"]').textContent) === r &&
    Number(inWidget("vae", '[data-field="step"]').textContent) === v, [paused, vaeStep], { timeout: 120_000 });
  assert.match(await page.locator("#vae [data-model-status]").textContent(), new RegExp(`the last checkpoint from the GPU, trained ${vaeStep} steps`));
  // Training goes on, on the CPU, with a finite loss.
  await trainTo(page, "rotation", paused + 3);
  const loss = Number(await page.locator('#rotation [data-metric="loss"]').getAttribute("data-value"));
  assert.ok(Number.isFinite(loss), `loss ${loss}`);
  assert.equal(await page.locator("#rotation .error").isHidden(), true);
  console.log(`on the CPU: rotation from step ${paused} to ${await step(page, "rotation")} (loss ${loss.toFixed(3)}); vae at step ${vaeStep}`);
  await page.locator("#rotation").screenshot({ path: resolve(SHOTS, "device-lost-continued.png") });

  assert.deepEqual(foreign, []);
  // What the browser and wgpu log about the destroyed device is expected; nothing else.
  console.log(`console errors: ${errors.length}\n${errors.slice(0, 5).join("\n")}`);
  assert.deepEqual(errors.filter((e) => !/lost|destroy/i.test(e)), []);
  await page.close();
});
