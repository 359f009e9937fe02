// End to end: the widgets in the hosts teachers put them in, installed from the registries and
// driven with real mouse clicks and key presses (Playwright's, not DOM calls):
//   - a reveal.js 6 deck (npm reveal.js, its stock template and white theme, 1280x720);
//   - a docs site with client-side ("instant") page changes: MkDocs with the Material theme
//     (PyPI mkdocs-material, `navigation.instant`);
//   - a MyST project built by mystmd (npm mystmd, `myst build --site`) with the anywidget
//     directive, its built page rendered the way MyST's theme renders the directive (npm
//     @myst-theme/anywidget's model shim; an `el` inside the host's shadow root): the theme
//     itself is a download from outside the registries;
//   - canvases at devicePixelRatio 2, and every widget's slide layout in a 1280x720 box.
// In every host: no console error, no request outside the origin, and the host's address and
// markup are the host's.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { useBrowser, openPage, serve, DIST, SHOTS } from "./harness.mjs";

const ctx = useBrowser();
const HOSTS = resolve(import.meta.dirname, "hosts");
const NODE_MODULES = resolve(import.meta.dirname, "../../node_modules");
const REVEAL = resolve(NODE_MODULES, "reveal.js/dist");
/** MkDocs from the hosts' virtual environment (scripts/setup.sh makes it). */
const MKDOCS = process.env.MKDOCS ?? resolve(process.env.HOME, ".cache/playground/hosts-venv/bin/mkdocs");
/** mystmd, the MyST / Jupyter Book 2 command (npm). */
const MYST = resolve(NODE_MODULES, ".bin", "myst");
/** How long a removed widget keeps its session (playground.js FREE_AFTER_MS) and a margin. */
const FREED_AFTER = 5_000 + 1_500;

let hosts = null;
before(async () => {
  hosts = await serve(HOSTS, { "/playground/": DIST, "/reveal.js/": REVEAL, "/npm/": NODE_MODULES });
});
after(() => hosts?.close());

/** The step a widget shows. */
const step = (page, id) => page.evaluate((w) => Number(inWidget(w, '[data-field="step"]').textContent), id);

/** Wait until widget `id` has started and can train. */
async function ready(page, id) {
  await page.waitForFunction((w) => document.querySelector(`#${w}[data-ready]`) &&
    !inWidget(w, 'button[data-action="train"], button[data-action="run"]').disabled, id, { timeout: 300_000 });
}

/** The wasm module's live sessions and boards (memory_usage().objects), as the widgets' module sees it. */
const liveObjects = (page) => page.evaluate(async () =>
  (await (await import("/playground/js/wasm.js")).api()).memory_usage().then((m) => m.objects));

/**
 * The widget's visible controls that a click at their centre would not reach (covered, or
 * pointer-events off): none may be. Controls in the folded settings are not visible.
 */
const unreachable = (page, id) => page.evaluate((w) => {
  const root = document.getElementById(w).shadowRoot;
  return [...root.querySelectorAll("button, select, input, textarea, summary")]
    .filter((e) => e.checkVisibility({ visibilityProperty: true }))
    .filter((e) => {
      const r = e.getBoundingClientRect();
      const hit = root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return !(hit === e || e.contains(hit));
    }).map((e) => e.outerHTML.slice(0, 80));
}, id);

/**
 * The visible canvases of widget `id` whose backing store is not the size their drawing is shown
 * at (the content box, or the picture fitted into it in the slide layout's `object-fit:
 * contain`, times the host's CSS scale) times devicePixelRatio, to a pixel: none may be
 * (blurry, or wasted memory).
 */
const blurry = (page, id) => page.evaluate((w) => {
  const root = document.getElementById(w).shadowRoot;
  return [...root.querySelectorAll("canvas")].filter((c) => c.checkVisibility()).map((c) => {
    const [width, height] = [Number(c.dataset.w), Number(c.dataset.h)];
    const fit = Math.min(c.clientWidth / width, c.clientHeight / height);
    const scale = fit * (c.getBoundingClientRect().width / c.offsetWidth) * devicePixelRatio;
    const want = [width * scale, height * scale];
    return { canvas: c.outerHTML.slice(0, 60), backing: [c.width, c.height], want };
  }).filter(({ backing, want }) => Math.abs(backing[0] - want[0]) > 1 || Math.abs(backing[1] - want[1]) > 1);
}, id);

/** Widget `id`'s size in the slide's own pixels (reveal scales the 1280x720 slide to the window). */
const slideSize = (page, id) => page.evaluate((w) => {
  const r = document.getElementById(w).getBoundingClientRect();
  const scale = Reveal.getScale();
  return { width: r.width / scale, height: r.height / scale, scale };
}, id);

test("reveal.js: widgets on slides fit, take real clicks, pause off their slide, and leave the deck's address alone", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, hosts, "reveal/deck.html#/1",
    { viewport: { width: 1280, height: 800 } });
  // The deck sees its own four slides: nothing in a widget's markup reads as a slide.
  assert.equal(await page.evaluate(() => Reveal.getTotalSlides()), 4);
  await ready(page, "rotation");
  assert.equal(await page.evaluate(() => location.hash), "#/1", "the widget wrote nothing into the deck's address");

  const size = await slideSize(page, "rotation");
  console.log(`rotation in the slide layout: ${size.width.toFixed(0)} x ${size.height.toFixed(0)} slide pixels (deck scale ${size.scale.toFixed(2)})`);
  assert.ok(size.width <= 1280 && size.height <= 720, `the widget fits the 1280x720 slide (${JSON.stringify(size)})`);
  assert.deepEqual(await unreachable(page, "rotation"), [], "every visible control takes a click");
  // The deck's type does not reach the widget (white theme: 42 px, uppercase headings).
  const type = await page.evaluate(() => {
    const h2 = inWidget("rotation", "h2");
    return { size: getComputedStyle(h2).fontSize, transform: getComputedStyle(h2).textTransform };
  });
  assert.deepEqual(type, { size: "31.2px", transform: "none" }, "the widget's own type (24 px base in the slide layout)");

  // Copy link: the run's settings go into the query string, the deck's slide stays in the hash,
  // and the page's own address does not change.
  await page.locator("#rotation [data-share]").click();
  const link = await page.locator("#rotation [data-link]").inputValue();
  assert.match(link, /\/reveal\/deck\.html\?rotation\.dataset=mnist&rotation\.batch_size=16&rotation\.learning_rate=0\.002&rotation\.seed=42#\/1$/);
  assert.equal(await page.evaluate(() => location.pathname + location.search + location.hash), "/reveal/deck.html#/1");

  // The settings fold open with a click; their controls then take clicks too.
  const settings = page.locator("#rotation summary");
  await settings.click();
  assert.equal(await page.locator('#rotation select[name="dataset"]').isVisible(), true);
  assert.deepEqual(await unreachable(page, "rotation"), [], "the unfolded settings take clicks");
  await settings.click();

  // Train with a real click; the arrow key still turns the slide (the focused button keeps
  // only Enter and Space).
  const train = page.locator('#rotation button[data-action="train"]');
  await train.click();
  await page.waitForFunction(() => Number(inWidget("rotation", '[data-field="step"]').textContent) >= 3, null, { timeout: 300_000 });
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => location.hash === "#/2", null, { timeout: 30_000 });
  await page.waitForFunction(() => inWidget("rotation", ".widget").dataset.waiting === "yes", null, { timeout: 60_000 });
  const parked = await step(page, "rotation");
  await page.waitForTimeout(2_000);
  assert.equal(await step(page, "rotation"), parked, "off its slide the widget does not train");

  // The VAE's slide: the pretrained model, with the tag's seed (not the checkpoint's 42).
  await ready(page, "vae");
  await page.waitForFunction(() => /trained 4000 steps/.test(inWidget("vae", "[data-model-status]").textContent), null, { timeout: 120_000 });
  assert.equal(await page.locator('#vae input[name="seed"]').inputValue(), "7", "the tag's seed wins over the model's");
  const vae = await slideSize(page, "vae");
  assert.ok(vae.width <= 1280 && vae.height <= 720, `the VAE fits the slide (${JSON.stringify(vae)})`);
  assert.deepEqual(await unreachable(page, "vae"), []);
  await page.waitForFunction(() => inWidget("vae", "canvas[data-strip]").dataset.frames, null, { timeout: 120_000 });
  assert.deepEqual(await blurry(page, "vae"), [], "the VAE's canvases are drawn at the deck's scale");
  await page.screenshot({ path: resolve(SHOTS, "reveal-vae-slide.png") });

  // Back: the rotation widget goes on by itself.
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction((n) => Number(inWidget("rotation", '[data-field="step"]').textContent) > n, parked, { timeout: 120_000 });
  await train.click(); // pause
  // The lecture's point on the slide: the probe's scores, and the slide still holds it all.
  await page.locator('#rotation button[data-action="evaluate"]').click();
  await page.locator("#rotation table.probe").waitFor({ state: "visible", timeout: 300_000 });
  const scored = await slideSize(page, "rotation");
  assert.ok(scored.height <= 720, `with the scores shown the widget still fits (${JSON.stringify(scored)})`);
  await page.waitForTimeout(1_000); // the deck's slide transition
  await page.screenshot({ path: resolve(SHOTS, "reveal-rotation-slide.png") });

  // Typing in a widget is the widget's: letters, space and arrows do not turn the slide.
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => location.hash === "#/3", null, { timeout: 30_000 });
  await ready(page, "charlm");
  const prompt = page.locator("#charlm textarea[data-prompt]");
  await prompt.click();
  await page.keyboard.press("End");
  await page.keyboard.type(" n p f");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => Reveal.getIndices().h), 3, "typing did not move the deck");
  assert.match(await prompt.inputValue(), / n p f$/);
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: resolve(SHOTS, "reveal-charlm-slide.png") });

  // Reloading returns to the same slide (the address is the deck's own: #/3).
  assert.equal(await page.evaluate(() => location.hash), "#/3");
  await page.reload();
  await page.waitForFunction(() => typeof Reveal !== "undefined" && Reveal.isReady(), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => Reveal.getIndices().h), 3);
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a docs site with client-side page changes (MkDocs Material, instant loading): styled, training, the old page's session freed", { timeout: 900_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "mkdocs-"));
  const site = join(dir, "site");
  const server = await serve(site, { "/playground/": DIST });
  try {
    await cp(join(HOSTS, "mkdocs"), join(dir, "src"), { recursive: true });
    const config = join(dir, "src", "mkdocs.yml");
    await writeFile(config, (await readFile(config, "utf8")).replace("SITE_URL", server.url));
    execFileSync(MKDOCS, ["build", "--quiet", "--config-file", config, "--site-dir", site],
      { env: { ...process.env, NO_MKDOCS_2_WARNING: "1" }, stdio: "inherit" });

    const { page, errors, foreign } = await openPage(ctx.browser, server, "", { badge: false, widgets: ["rotation"] });
    await ready(page, "rotation");
    await page.evaluate(() => (window.sameDocument = true));
    assert.equal(await page.evaluate(() => location.hash), "", "the widget wrote nothing into the page's address");
    const train = page.locator('#rotation button[data-action="train"]');
    await train.click();
    await page.waitForFunction(() => Number(inWidget("rotation", '[data-field="step"]').textContent) >= 2, null, { timeout: 300_000 });
    await train.click();
    assert.equal(await liveObjects(page), 1, "one session: the rotation widget's");

    // A real click on a link in the page: Material swaps the next page in, no reload.
    await page.locator('article a[href*="generative"]').first().click();
    await page.waitForFunction(() => location.pathname.endsWith("/generative/") && document.querySelector("#vae"), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => window.sameDocument), true, "the page changed client-side (instant loading)");
    await ready(page, "vae");
    // Styled after the swap: the widget's own stylesheet came with the element.
    assert.equal(await page.locator('#vae button[data-action="train"]').evaluate((b) => getComputedStyle(b).backgroundColor),
      "rgb(43, 108, 176)", "the Train button has the widgets' style");
    await page.waitForFunction(() => /trained \d+ steps/.test(inWidget("vae", "[data-model-status]").textContent), null, { timeout: 120_000 });
    const from = await step(page, "vae");
    await page.locator('#vae button[data-action="train"]').click();
    await page.waitForFunction((n) => Number(inWidget("vae", '[data-field="step"]').textContent) >= n + 2, from, { timeout: 300_000 });
    await page.locator('#vae button[data-action="train"]').click();
    // The rotation widget left with its page: its session is freed after the grace period.
    await page.waitForTimeout(FREED_AFTER);
    assert.equal(await liveObjects(page), 1, "one session left: the VAE's (the rotation's was freed)");
    assert.equal(await page.evaluate(() => "rotation" in window.playground), false);
    await page.screenshot({ path: resolve(SHOTS, "mkdocs-after-page-change.png") });

    // Back (the browser's back button): the rotation page comes back client-side and its
    // widget builds again; the VAE's session goes in turn.
    await page.goBack();
    await page.waitForFunction(() => document.querySelector("#rotation"), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => window.sameDocument), true);
    await ready(page, "rotation");
    await train.click();
    await page.waitForFunction(() => Number(inWidget("rotation", '[data-field="step"]').textContent) >= 1, null, { timeout: 300_000 });
    await train.click();
    await page.waitForTimeout(FREED_AFTER);
    assert.equal(await liveObjects(page), 1, "one session: the rebuilt rotation widget's");
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("MyST: mystmd builds the page, its anywidget directive places a widget the way MyST's renderer mounts it; a bad model says why", { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "myst-"));
  let server = null;
  try {
    // The teacher's project, with their copy of the playground's anywidget module in it.
    await cp(join(HOSTS, "myst", "project"), dir, { recursive: true });
    await mkdir(join(dir, "playground", "js"), { recursive: true });
    await cp(join(DIST, "js", "anywidget.js"), join(dir, "playground", "js", "anywidget.js"));
    execFileSync(MYST, ["build", "--site"], { cwd: dir, stdio: "inherit" });
    const built = join(dir, "_build", "site");
    server = await serve(join(built, "public"), {
      "/content/": join(built, "content"), "/myst/": join(HOSTS, "myst"), "/playground/": DIST, "/npm/": NODE_MODULES,
    });
    const { page, errors, foreign } = await openPage(ctx.browser, server, "myst/page.html", { badge: false });
    await page.waitForFunction(() => document.body.dataset.rendered, null, { timeout: 60_000 });
    // mystmd copied the module into the site's assets: the model's `site` finds the playground.
    assert.match(await page.evaluate(async () => (await (await fetch("/content/index.json")).json()).mdast.children
      .flatMap((n) => [n, ...(n.children ?? [])]).find((n) => n.type === "anywidget").esm), /^\/anywidget-[0-9a-f]+\.js$/);
    const widget = page.locator("up-rotation");
    await widget.locator('button[data-action="train"]:not([disabled])').waitFor({ timeout: 300_000 });
    assert.equal(await widget.getAttribute("layout"), "compact");
    await widget.locator('button[data-action="train"]').click();
    await page.waitForFunction(() => {
      const tag = document.querySelector(".myst-anywidget-node").shadowRoot.querySelector("up-rotation");
      return Number(tag.shadowRoot.querySelector('[data-field="step"]').textContent) >= 2;
    }, null, { timeout: 300_000 });
    await widget.locator('button[data-action="train"]').click();
    assert.match(await page.locator(".widget-failed").textContent(), /^anywidget: widget="rotaton" is not a widget/);
    await page.screenshot({ path: resolve(SHOTS, "myst-anywidget.png"), fullPage: true });
    // The host's cleanup takes the tag out; its session goes after the grace period.
    assert.equal(await liveObjects(page), 1);
    await page.evaluate(() => window.cleanups.forEach((c) => c?.()));
    await page.waitForTimeout(FREED_AFTER);
    assert.equal(await liveObjects(page), 0);
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("canvases are crisp at devicePixelRatio 2: backing store = CSS size x 2", { timeout: 600_000 }, async () => {
  const { page, errors } = await openPage(ctx.browser, ctx.server, "notes.html", { deviceScaleFactor: 2, widgets: ["rotation", "vae"] });
  for (const id of ["rotation", "vae"]) await ready(page, id);
  await page.waitForFunction(() => inWidget("vae", "canvas[data-strip]").dataset.frames, null, { timeout: 120_000 });
  const train = page.locator('#rotation button[data-action="train"]');
  await train.click();
  await page.waitForFunction(() => Number(inWidget("rotation", '[data-field="step"]').textContent) >= 2, null, { timeout: 300_000 });
  await train.click();
  const sizes = await page.evaluate(() => [...inWidget("rotation", ".widget").querySelectorAll("canvas")]
    .map((c) => `${c.dataset.w}x${c.dataset.h} shown ${c.clientWidth}x${c.clientHeight}, backing ${c.width}x${c.height}`));
  console.log(`rotation at DPR 2: ${sizes.join("; ")}`);
  for (const id of ["rotation", "vae"]) assert.deepEqual(await blurry(page, id), [], `${id}: every visible canvas at twice its CSS size`);
  await page.locator("#vae").screenshot({ path: resolve(SHOTS, "vae-dpr2.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("every widget's slide layout fits a 1280x720 slide, with nothing of the page's type in it", { timeout: 900_000 }, async () => {
  const { page, errors, foreign } = await openPage(ctx.browser, hosts, "slides.html", { badge: false, viewport: { width: 1280, height: 720 } });
  await page.waitForFunction(() => [...document.querySelectorAll(".slide > *")].every((e) => e.dataset.ready || e.dataset.failed),
    null, { timeout: 600_000, polling: 500 });
  const sizes = await page.evaluate(() => [...document.querySelectorAll(".slide > *")].map((e) => {
    const r = e.getBoundingClientRect();
    return { tag: e.localName, width: Math.ceil(r.width), height: Math.ceil(r.height), failed: e.dataset.failed ?? null,
      font: getComputedStyle(e.shadowRoot.querySelector(".widget")).fontSize,
      error: [...e.shadowRoot.querySelectorAll(".error")].filter((box) => !box.hidden).map((box) => box.textContent).join(" ") };
  }));
  console.log(sizes.map((s) => `${s.tag} ${s.width}x${s.height}`).join(", "));
  assert.deepEqual(sizes.filter((s) => s.failed || s.error || s.width > 1240 || s.height > 720 || s.font !== "24px"), [],
    "every widget started, shows no error, and fits the slide in its own 24 px type");
  await page.screenshot({ path: resolve(SHOTS, "slides.png"), fullPage: true });
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await page.close();
});
