// Shared by the end-to-end tests and the page benchmark: a static server for dist/ on
// 127.0.0.1 and Debian's Chromium driven by playwright-core (never a downloaded browser).

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

const TYPES = {
  ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png",
};

export const DIST = resolve(import.meta.dirname, "../../dist");

/** Serve `root` on a free port of 127.0.0.1; resolves to { url, close }. */
export async function serve(root = DIST) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    let file = join(root, path);
    if (!file.startsWith(root)) return res.writeHead(403).end();
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

/** Record every request the page makes that leaves `origin`. */
export function watchForeignRequests(page, origin) {
  const foreign = [];
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) foreign.push(url);
  });
  return foreign;
}
