// End to end: the site is safe to host as static files. Every page carries a strict
// Content-Security-Policy (scripts from the site only, no inline script or style, no eval: only
// wasm-unsafe-eval for the module; nothing fetched from elsewhere), and works under it: no
// violation is reported, the widgets start and train, and no request leaves the page's origin
// or sends anything (a drawn image stays on the page; the harness's request watch). Every other
// e2e test runs under the same policy, so a violation there fails it as a console error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowser, watchPage, defineInWidget } from "./harness.mjs";

const ctx = useBrowser();

const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; worker-src 'self' blob:; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'";

/** Runs in every page before its scripts: each CSP violation goes into `window.violations`. */
function recordViolations() {
  window.violations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
}

/**
 * What a page holds that a strict policy would block: inline scripts, styles and handlers, in
 * the page and in every widget's shadow root.
 */
function inlineCode() {
  const found = [];
  const all = (root) => [...root.querySelectorAll("*")].flatMap((e) => [e, ...(e.shadowRoot ? all(e.shadowRoot) : [])]);
  for (const e of all(document)) {
    if (e.localName === "script" && !e.src) found.push("an inline <script>");
    if (e.localName === "style") found.push("a <style> element");
    if (e.hasAttribute("style")) found.push(`a style attribute on <${e.localName}>`);
    for (const a of e.getAttributeNames()) if (a.startsWith("on")) found.push(`${a} on <${e.localName}>`);
  }
  return found;
}

for (const [name, server, path, ready] of [
  ["index.html", "server", "", "#rotation[data-ready]"],
  ["notes.html", "server", "notes.html", "#rotation[data-ready]"],
  ["docs.html", "server", "docs.html", "#doc-board"],
  ["embed.html", "server", "embed.html?widget=vae&preset=2d", "up-vae[data-ready]"],
  ["a teacher's page with its own strict policy", "plain", "course.html", "#working[data-ready]"],
]) {
  test(`${name} works under a strict Content-Security-Policy`, { timeout: 300_000 }, async () => {
    const page = await ctx.browser.newPage({ viewport: { width: 1100, height: 1000 } });
    await page.addInitScript(recordViolations);
    await page.addInitScript(defineInWidget);
    const { errors, foreign } = watchPage(page, ctx[server]);
    await page.goto(ctx[server].url + path);
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
    assert.equal(policy, POLICY, "the page declares the strict policy");
    await page.locator(ready).first().waitFor({ state: "attached", timeout: 240_000 });
    if (name === "index.html") {
      // A widget trains under the policy (the module, the worker, the dataset fetch).
      const train = page.locator('#rotation button[data-action="train"]');
      await train.click();
      await page.waitForFunction(() => Number(inWidget("rotation", '[data-field="step"]').textContent) >= 2,
        null, { timeout: 120_000 });
      await train.click();
    }
    const inline = await page.evaluate(inlineCode);
    const violations = await page.evaluate(() => window.violations);
    console.log(`${name}: policy declared, ${violations.length} violations, ${inline.length} inline code, ${foreign.length} foreign or sending requests`);
    assert.deepEqual(inline, [], "no inline script, style or handler");
    assert.deepEqual(violations, [], "no violation of the policy");
    assert.deepEqual(foreign, [], "nothing requested outside the page's origin, nothing sent");
    assert.deepEqual(errors, []);
    await page.close();
  });
}
