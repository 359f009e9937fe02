// Shared by the end-to-end tests and the page benchmark: a static server for dist/ on
// 127.0.0.1 and Debian's Chromium driven by playwright-core (never a downloaded browser).

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { before, after } from "node:test";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";

const TYPES = {
  ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png",
};

export const DIST = resolve(import.meta.dirname, "../../dist");

/**
 * Serve `root` on a free port of 127.0.0.1; resolves to { url, close }. `mounts` serves other
 * folders under a path (`{ "/playground/": DIST }`: a course page beside a copy of the site).
 */
export async function serve(root = DIST, mounts = {}) {
  const server = createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    let base = root;
    for (const [prefix, folder] of Object.entries(mounts)) {
      if (path.startsWith(prefix)) [base, path] = [folder, path.slice(prefix.length - 1)];
    }
    let file = join(base, path);
    if (!file.startsWith(base)) return res.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

/** Headless Debian Chromium with WebGPU enabled (SwiftShader on a machine without a GPU). */
export function launch({ webgpu = true } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      ...(webgpu ? ["--enable-unsafe-webgpu"] : []),
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-first-run", "--disable-dev-shm-usage",
    ],
  });
}

/**
 * Record every request the page (its workers and frames too) makes that leaves `origin`, and
 * every request that sends something (any method but GET): the site only ever reads its own
 * files, so a drawn or uploaded image can never leave the page.
 */
export function watchForeignRequests(page, origin) {
  const foreign = [];
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) foreign.push(url);
    else if (r.method() !== "GET") foreign.push(`${r.method()} ${url}`);
  });
  return foreign;
}

/**
 * Collect `page`'s errors (uncaught, and console errors: a Content-Security-Policy violation is
 * one) and its requests that leave `server`'s origin or send something.
 */
export function watchPage(page, server) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  return { errors, foreign: watchForeignRequests(page, server.url) };
}

/**
 * A fresh page of `server` (plus `query`), collecting console errors and foreign requests.
 * `widgets`: the ids of the widgets the test drives. A widget starts only when it comes near the
 * screen (playground.js), so each is scrolled into view in turn until it has started.
 */
export async function openPage(browser, server, query = "", {
  badge = true, widgets = [], viewport = { width: 1100, height: 1000 }, deviceScaleFactor = 1,
} = {}) {
  const page = await browser.newPage({ viewport, deviceScaleFactor });
  const { errors, foreign } = watchPage(page, server);
  await page.addInitScript(recordLongTasks);
  await page.addInitScript(defineInWidget);
  await page.addInitScript(countWorkerMessages);
  await page.goto(server.url + query);
  // Pages with a backend badge (`<up-backend id="backend">`) wait for the backend to start.
  if (badge) {
    await page.waitForFunction(() => ["cpu", "gpu"].includes(document.getElementById("backend")?.dataset.state),
      null, { timeout: 120_000 });
  }
  await startWidgets(page, widgets);
  return { page, errors, foreign };
}

/**
 * Scroll each widget of `ids` into view in turn and wait until it has left its lazy wait (it is
 * loading, ready or showing why it failed); then back to the top of the page.
 */
export async function startWidgets(page, ids) {
  for (const id of ids) {
    const widget = page.locator(`#${id}`);
    await widget.scrollIntoViewIfNeeded();
    await page.waitForFunction((w) => {
      const element = document.getElementById(w);
      return element.dataset.failed || (window.playground?.[w] && !element.dataset.loading);
    }, id, { timeout: 60_000 });
  }
  if (ids.length) await page.evaluate(() => window.scrollTo(0, 0));
}

/**
 * Runs in the page before its scripts: counts the messages between the page and its training
 * worker. `workerMessages()` is `{ sent: { [method]: n }, received: n }` (a request names the
 * method it calls, see worker.js; every request gets one reply).
 */
export function countWorkerMessages() {
  const counts = { sent: {}, received: 0 };
  window.workerMessages = () => structuredClone(counts);
  const Original = window.Worker;
  if (typeof Original !== "function") return;
  window.Worker = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => counts.received++);
    }
    postMessage(message, ...rest) {
      const method = message?.method ?? "?";
      counts.sent[method] = (counts.sent[method] ?? 0) + 1;
      return super.postMessage(message, ...rest);
    }
  };
}

/**
 * Runs in the page before its scripts: `inWidget(id, selector)`, the first element matching
 * `selector` inside the widget `<up-… id>` (every widget renders into its own shadow root, which
 * `document.querySelector` does not enter; Playwright's locators do).
 */
export function defineInWidget() {
  window.inWidget = (id, selector) => document.getElementById(id)?.shadowRoot?.querySelector(selector) ?? null;
}

/**
 * Runs in the page before its scripts: every main-thread task over 50 ms (the Long Tasks API)
 * goes into `window.longTasks` as `{ start, duration }` in ms since navigation.
 */
function recordLongTasks() {
  window.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
}

/** The longest main-thread task since `since` (ms since navigation), 0 if none passed 50 ms. */
export function longestTask(page, since = 0) {
  return page.evaluate((t) => Math.max(0, ...window.longTasks.filter((e) => e.start >= t).map((e) => e.duration)), since);
}

/** Press Train on widget `id`, wait for its running accuracy to pass `above`, pause. */
export async function trainUntil(page, id, above) {
  await page.waitForFunction((w) => !inWidget(w, 'button[data-action="train"]').disabled,
    id, { timeout: 300_000 });
  const train = page.locator(`#${id} button[data-action="train"]`);
  await train.click();
  // The accuracy that passed, as it passed: a report still in flight when Pause is pressed
  // may show a lower running value a moment later.
  const passed = await page.waitForFunction(([w, a]) => {
    const value = Number(inWidget(w, '[data-metric="accuracy"]').dataset.value);
    return value > a ? value : false;
  }, [id, above], { timeout: 300_000, polling: 500 });
  const accuracy = await passed.jsonValue();
  await train.click(); // pause
  const step = Number(await page.locator(`#${id} [data-field="step"]`).textContent());
  return { accuracy, step };
}

/** Train widget `id` until its step count reaches `steps`, then pause. */
export async function trainTo(page, id, steps) {
  const train = page.locator(`#${id} button[data-action="train"]`);
  await train.click();
  await page.waitForFunction(([w, n]) => Number(inWidget(w, '[data-field="step"]').textContent) >= n,
    [id, steps], { timeout: 600_000, polling: 500 });
  await train.click(); // pause
}

/** Press Evaluate on widget `id`; resolves to the probe table's numbers. */
export async function evaluate(page, id) {
  await page.locator(`#${id} button[data-action="evaluate"]`).click();
  const table = page.locator(`#${id} table.probe`);
  await table.waitFor({ state: "visible", timeout: 300_000 });
  return {
    trained: Number(await table.getAttribute("data-trained")),
    random: Number(await table.getAttribute("data-random-init")),
  };
}

/** Where the end-to-end tests leave their screenshots (look at them). */
export const SHOTS = resolve(import.meta.dirname, "../../test-results");

/**
 * Register the shared set-up of a test file: dist/ served on 127.0.0.1 and one Chromium.
 * Returns an object whose `server` and `browser` are set once the tests run.
 */
export function useBrowser() {
  const ctx = { server: null, plain: null, browser: null };
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    ctx.server = await serve();
    // A plain page outside www/ with the built site beside it (tests/e2e/plain/).
    ctx.plain = await serve(resolve(import.meta.dirname, "plain"), { "/playground/": DIST });
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
    await ctx.plain?.close();
  });
  return ctx;
}
