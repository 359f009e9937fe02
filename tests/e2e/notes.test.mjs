// End to end: the course-notes page (www/notes.html, the lecture with eight widgets between its
// paragraphs). Every widget on it trains a few steps and shows a result; the longest main-thread
// task while a widget trains is measured (Long Tasks API) and must stay at or under 50 ms; the
// time from navigation to the first interactive widget is printed. Then every preset of every
// widget must make a valid session, and bad tags and bad addresses show a message in place.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { useBrowser, openPage, startWidgets, longestTask, SHOTS } from "./harness.mjs";

const ctx = useBrowser();

/** How many steps each widget trains, past where it started (a pretrained model starts later). */
const STEPS = 3;

test("the course notes train every widget on them, and the page stays smooth", { timeout: 1_200_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.server, "notes.html");
  console.log("backend:", await page.locator("#backend").textContent());
  const ids = await page.evaluate(() => [...document.querySelectorAll("main [id]")]
    .filter((e) => e.localName.startsWith("up-")).map((e) => e.id));
  assert.ok(ids.length >= 6, `the notes embed at least six widgets (${ids.join(", ")})`);

  // Page load to the first widget a student can press Train on.
  await page.waitForFunction(() => document.querySelector("main [data-ready]"), null, { timeout: 300_000 });
  const firstReady = await page.evaluate(() => Math.min(...performance.getEntriesByType("mark")
    .filter((m) => m.name.endsWith(":ready")).map((m) => m.startTime)));
  console.log(`page load to the first interactive widget: ${(firstReady / 1000).toFixed(2)} s`);
  const loading = await longestTask(page);

  // Read down the page: each widget starts as it comes near the screen.
  const longest = {};
  for (const id of ids) {
    const widget = page.locator(`#${id}`);
    await widget.scrollIntoViewIfNeeded();
    await page.waitForFunction((w) => document.querySelector(`#${w}[data-ready]`), id, { timeout: 300_000 });
    const start = Number(await widget.locator('[data-field="step"]').textContent());
    const since = await page.evaluate(() => performance.now());
    const train = widget.locator('button[data-action="train"]');
    await train.click();
    await page.waitForFunction(([w, n]) => Number(inWidget(w, '[data-field="step"]').textContent) >= n,
      [id, start + STEPS], { timeout: 300_000, polling: 200 });
    await train.click(); // pause
    longest[id] = await longestTask(page, since);
    // A result: the step moved and the first metric shows a finite number.
    const metric = Number(await widget.locator("[data-metric]").first().getAttribute("data-value"));
    const step = Number(await widget.locator('[data-field="step"]').textContent());
    console.log(`${id}: steps ${start} -> ${step}, ${await widget.locator(".status").first().textContent()}; longest task ${longest[id].toFixed(0)} ms`);
    assert.ok(step >= start + STEPS && Number.isFinite(metric), `${id} trained and shows its metrics`);
    assert.equal(await widget.locator(".error").first().isHidden(), true, `${id} shows no error`);
    await widget.screenshot({ path: resolve(SHOTS, `notes-${id}.png`) });
  }
  const worst = Math.max(...Object.values(longest));
  console.log(`longest main-thread task while training: ${worst.toFixed(0)} ms (while loading: ${loading.toFixed(0)} ms)`);
  assert.ok(worst <= 50, `training kept every main-thread task at or under 50 ms (${JSON.stringify(longest)})`);
  await page.screenshot({ path: resolve(SHOTS, "notes.png"), fullPage: true });

  // Accessible: every control has a name, every picture a text alternative, and a plot's says
  // its current numbers.
  const unnamed = await page.evaluate(() => [...document.querySelectorAll("main [id]")]
    .flatMap((host) => [...(host.shadowRoot?.querySelectorAll("input, select, textarea, button, canvas") ?? [])])
    .filter((e) => {
      if (e.localName === "canvas") return !e.getAttribute("aria-label");
      if (e.localName === "button") return !e.textContent.trim() && !e.getAttribute("aria-label");
      return !e.labels?.length && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby");
    }).map((e) => `${e.getRootNode().host?.id}: ${e.outerHTML.slice(0, 80)}`));
  assert.deepEqual(unnamed, [], "every control and picture has a name");
  const plot = await page.locator('#rotation canvas[data-plot="loss"]').getAttribute("aria-label");
  console.log(`the loss plot's text alternative: "${plot}"`);
  assert.match(plot, /^Training loss: \d+\.\d+ at step \d+/);

  // A phone's width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page fits a 390 px screen (${width} px)`);
  await page.locator("#vae").screenshot({ path: resolve(SHOTS, "notes-vae-phone.png") });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("on WebGPU the models train in the worker too, and the page stays smooth", { timeout: 600_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "notes.html?backend=webgpu", { widgets: ["jigsaw"] });
  const badge = await page.locator("#backend").textContent();
  console.log("backend:", badge);
  assert.match(badge, /^Training on the GPU \(in a worker\)/);
  await page.waitForFunction(() => document.querySelector("#jigsaw[data-ready]"), null, { timeout: 300_000 });
  const widget = page.locator("#jigsaw");
  await widget.scrollIntoViewIfNeeded();
  const since = await page.evaluate(() => performance.now());
  await widget.locator('button[data-action="train"]').click();
  await page.waitForFunction(() => Number(inWidget("jigsaw", '[data-field="step"]').textContent) >= 2,
    null, { timeout: 300_000, polling: 200 });
  await widget.locator('button[data-action="train"]').click();
  const longest = await longestTask(page, since);
  console.log(`jigsaw on WebGPU (SwiftShader): ${await widget.locator('[data-field="step"]').textContent()} steps, longest main-thread task ${longest.toFixed(0)} ms`);
  // Without a GPU, SwiftShader runs WebGPU on this machine's CPU cores, next to the page's main
  // thread: a task whose own code takes under 5 ms (the widget's report and drawing, measured)
  // was seen stretched to 51-54 ms while SwiftShader held both cores. The bound here is
  // therefore 100 ms; what it guards against is the main-thread training it replaced, whose first
  // WebGPU steps held the page for 157-2,171 ms (scripts/bench-smooth.mjs --backend webgpu with
  // ?worker=off in the address).
  assert.ok(longest <= 100, `the first WebGPU steps (shader compilation) kept the page responsive: ${longest} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("without the worker (?worker=off, as on a browser without one) the page's own module trains", { timeout: 600_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "notes.html?worker=off", { widgets: ["rotation"] });
  const badge = await page.locator("#backend").textContent();
  assert.doesNotMatch(badge, /in a worker/);
  await page.waitForFunction(() => document.querySelector("#rotation[data-ready]"), null, { timeout: 300_000 });
  await page.locator('#rotation button[data-action="train"]').click();
  await page.waitForFunction(() => Number(inWidget("rotation", '[data-field="step"]').textContent) >= 3,
    null, { timeout: 300_000 });
  await page.locator('#rotation button[data-action="train"]').click();
  console.log(`main thread: ${badge}; rotation at step ${await page.locator('#rotation [data-field="step"]').textContent()}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("every preset of every widget makes a valid session", { timeout: 600_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server);
  await startWidgets(page, await page.evaluate(() => [...document.querySelectorAll("main > [id]")].map((e) => e.id)));
  await page.waitForFunction(() => document.querySelectorAll("main [data-ready]").length === 15, null, { timeout: 600_000 });
  const checked = await page.evaluate(async () => {
    const { api, dataset } = await import("./js/wasm.js");
    const { applyValues, currentSettings, settingNames } = await import("./js/settings.js");
    const w = await api();
    const out = [];
    for (const element of document.querySelectorAll("main [data-ready]")) {
      const widget = window.playground[element.id];
      const menu = element.shadowRoot.querySelector("select[data-preset]");
      const saved = currentSettings(widget.form);
      // Every control of the form reaches the config (the board's label fraction only re-scores).
      const unused = settingNames(widget.form).filter((n) => !(n in widget.config()) && n !== "fraction");
      if (unused.length) out.push(`${element.id}: the form's ${unused.join(", ")} never reaches the config`);
      for (const option of [...menu.options].filter((o) => o.value !== "custom")) {
        menu.value = option.value;
        menu.dispatchEvent(new Event("change")); // applies the preset (no bubbling: no rebuild)
        const config = widget.config();
        try {
          if (config.dataset) await dataset(config.dataset);
          const made = await (element.id === "board" ? w.create_board(config) : w.create_session(config));
          await made.dispose();
          out.push(`${element.id}/${option.value}: ok`);
        } catch (error) {
          out.push(`${element.id}/${option.value}: ${error.message}`);
        }
      }
      applyValues(widget.form, saved, "restore");
    }
    return out;
  });
  console.log(checked.join("\n"));
  assert.ok(checked.length >= 30);
  assert.deepEqual(checked.filter((c) => !c.endsWith(": ok")), []);

  // Settings precedence: a pretrained model's saved settings give way to the tag's (here each
  // preset's, as `preset="..."` would set them) for everything that does not shape its network;
  // where a preset asks for another network, the model's stands and the note says so.
  const SHAPING = ["latent", "conditional", "noise", "context", "embedding", "heads", "layers", "channels",
    "patch", "decoder_embedding", "decoder_layers"];
  const precedence = await page.evaluate(async (shaping) => {
    const { PRESETS } = await import("./js/presets.js");
    const out = [];
    for (const element of document.querySelectorAll("main [data-ready]")) {
      const widget = window.playground[element.id];
      if (!widget.loadPretrained) continue;
      const tagChose = widget.chosen;
      for (const preset of [{ name: "default", values: {} }, ...(PRESETS[element.id] ?? [])]) {
        widget.chosen = { ...preset.values };
        await widget.loadPretrained();
        const note = element.shadowRoot.querySelector("[data-kept]");
        const kept = note.hidden ? [] : note.dataset.fields.split(",");
        const wrong = Object.entries(preset.values).filter(([name, value]) =>
          widget.form.elements[name].value !== String(value) && !kept.includes(name));
        const notShaping = kept.filter((name) => !shaping.includes(name));
        const status = element.shadowRoot.querySelector("[data-model-status]").textContent;
        out.push(`${element.id}/${preset.name}: ${wrong.length || notShaping.length || !/trained/.test(status)
          ? `not applied ${JSON.stringify(wrong)}, kept but not shaping ${notShaping}, status "${status}"`
          : `ok${kept.length ? ` (kept the model's ${kept.join(", ")})` : ""}`}`);
      }
      widget.chosen = tagChose;
      await widget.loadPretrained();
    }
    return out;
  }, SHAPING);
  console.log(precedence.join("\n"));
  assert.equal(precedence.length, 6 + 2 + 2 + 2 + 3 + 2 + 2, "every preset of the six pretrained widgets");
  assert.deepEqual(precedence.filter((c) => !/: ok/.test(c)), []);
  assert.ok(precedence.some((c) => /^vae\/2d: ok \(kept the model's latent\)/.test(c)), "the 2-d preset on the 16-d model is noted");
  assert.deepEqual(errors, []);
  await page.close();
});

test("bad tags, attributes and addresses show a message in place; the rest of the page works", { timeout: 600_000 }, async () => {
  // A plain HTML page outside www/ (tests/e2e/plain/), with the built site copied beside it.
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.plain, "course.html#good.seed=banana");
  const failures = await page.waitForFunction(() => {
    const failed = [...document.querySelectorAll("[data-failed]")];
    return failed.length === 8 ? failed.map((e) => `${e.localName}: ${(e.shadowRoot ?? e).textContent}`) : false;
  }, null, { timeout: 300_000 });
  const messages = await failures.jsonValue();
  console.log(messages.join("\n"));
  for (const [tag, text] of [
    ["up-vea", /not a widget/], ["up-rotation", /dataset="cifar" is not one of mnist, fashion/],
    ["up-vae", /"colour" is not a setting/], ["up-gan", /pretrained="nope" is not one of none, gan, gan_fashion/],
    ["up-mae", /preset="huge" is not one of default, low-mask, high-mask/],
    ["up-jigsaw", /seed="banana" is not a number/], ["up-simclr", /seed="abc" is not a number/],
    ["up-rotation", /loading="soon" is not one of lazy, eager/],
  ]) assert.ok(messages.some((m) => m.startsWith(tag) && text.test(m)), `${tag} says ${text}`);

  // The good widget on the same page trains, from the one-script include.
  await page.waitForFunction(() => document.querySelector("#working[data-ready]"), null, { timeout: 300_000 });
  await page.locator('#working button[data-action="train"]').click();
  await page.waitForFunction(() => Number(inWidget("working", '[data-field="step"]').textContent) >= 3,
    null, { timeout: 300_000 });
  await page.locator('#working button[data-action="train"]').click();
  // Its Copy link reproduces the run: the settings are in the address.
  await page.locator("#working [data-share]").click();
  const link = await page.locator("#working [data-link]").inputValue();
  assert.match(link, /course\.html#working\.dataset=mnist&working\.batch_size=16&working\.learning_rate=0\.002&working\.seed=42/);

  // The iframe embed on the same page.
  const frame = page.frameLocator("iframe");
  await frame.locator("up-autoencoder[data-ready]").waitFor({ timeout: 300_000 });
  assert.equal(await frame.locator("up-autoencoder input[name='noise']").inputValue(), "0.3", "the iframe's preset applied");
  assert.equal(await frame.locator("up-autoencoder .error").first().isHidden(), true, "the iframe's widget started");
  // The helper script sized the iframe to what its widget reported (the tag says 700).
  const sized = await page.waitForFunction(() => {
    const f = document.querySelector("iframe");
    const content = Math.ceil(f.contentDocument.documentElement.getBoundingClientRect().height);
    return Number(f.height) !== 700 && Math.abs(Number(f.height) - content) <= 1 && [Number(f.height), content];
  }, null, { timeout: 60_000 });
  const [height, content] = await sized.jsonValue();
  console.log(`the iframe is ${height} px tall for ${content} px of content`);

  // Far down the page, unread: loading="eager" started with the page, the default waits.
  await page.waitForFunction(() => document.querySelector("#eager[data-ready]"), null, { timeout: 300_000 });
  assert.equal(await page.locator("#lazy").getAttribute("data-loading"), "waiting");
  assert.equal(await page.locator("#lazy").getAttribute("data-ready"), null);
  await page.locator("#lazy").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector("#lazy[data-ready]"), null, { timeout: 300_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: resolve(SHOTS, "plain-page.png"), fullPage: true });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();

  // An unknown widget in the iframe address.
  const embed = await openPage(ctx.browser, ctx.server, "embed.html?widget=nothing", { badge: false });
  await embed.page.locator("[data-failed]").waitFor({ timeout: 60_000 });
  assert.match(await embed.page.locator(".widget-failed").textContent(), /widget="nothing" is not a widget/);
  await embed.page.close();
});
