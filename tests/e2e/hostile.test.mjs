// End to end: the JavaScript API cannot be broken from the page. tests/e2e/plain/hostile.js feeds
// every constructor and every session function generated bad input (missing fields, wrong
// types, zero, negative, NaN, infinity, huge values, unknown names, long strings) and bad call
// orders (before the backend, after dispose, two trains at once, reset while training, work in
// flight at dispose, free twice), and checks every method's checkpoint round trip and the
// refusal of damaged ones. Each case must end in a value or an Error that says why: no panic,
// no trapped module, the next valid session still trains, and on WebGPU no GPU memory is left
// held once every session is freed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowser, openPage } from "./harness.mjs";

const ctx = useBrowser();

async function suite(backend, options) {
  const { page, errors, foreign } = await openPage(ctx.browser, ctx.plain, `api.html`, { badge: false });
  const out = await page.evaluate(([b, o]) => import("/hostile.js").then((m) => m.run({ backend: b, ...o })), [backend, options]);
  console.log(`${backend} (${out.backend.kind}: ${out.backend.description}): ${out.cases} cases, ${out.refused} refused with a message, ${out.accepted} accepted, ${out.bad.length} bad; ${out.functions} session functions`);
  for (const [label, message] of Object.entries(out.messages).filter((_, i) => i % 150 === 0)) console.log(`  e.g. ${label} -> ${message}`);
  for (const c of out.checkpoints) console.log(`  checkpoint ${c.method}: ${c.bytes} bytes, save -> load -> save bit-exact: ${c.exact}`);
  console.log(`  milliseconds per phase: ${JSON.stringify(out.timings)}`);
  if (out.gpu.before) console.log(`  GPU allocator before ${JSON.stringify(out.gpu.before)}, after ${JSON.stringify(out.gpu.after)}`);
  assert.deepEqual(out.bad, [], "every case ended in a value or a clear error");
  assert.deepEqual(errors.filter((e) => /panicked|RuntimeError|unreachable/.test(e)), [], "no panic in the console");
  assert.deepEqual(foreign, []);
  await page.close();
  return out;
}

test("hostile input and call orders on the CPU backend: every case ends cleanly", { timeout: 1_200_000 }, async () => {
  const out = await suite("cpu", {});
  assert.ok(out.cases > 5000, `${out.cases} cases`);
  assert.equal(out.checkpoints.length, 14);
  assert.ok(out.checkpoints.every((c) => c.exact));
});

test("on WebGPU, hostile configs and call orders leave no GPU memory held", { timeout: 1_200_000 }, async () => {
  // Without a GPU, WebGPU is SwiftShader on this machine's CPU, where building and first
  // stepping each model compiles its shaders for seconds to tens of seconds: the CPU run
  // covers every method; here the configs of two methods (one network, two networks), every
  // call order, the board and one checkpoint.
  // Two rounds: the allocator keeps some small buffers from the first (measured: 472 of them,
  // 22.6 KB, next to the datasets' 47 MB); a session's weights, activations or optimizer state
  // left behind would add hundreds of kilobytes in every round (each round builds hundreds of
  // sessions).
  const out = await suite("webgpu", { sessionCalls: false, trainAccepted: false, methods: ["rotation", "gan"], checkpoints: ["rotation"], rounds: 2 });
  assert.equal(out.backend.kind, "gpu");
  const [first, second] = out.gpuRounds;
  console.log(`  GPU bytes in use: ${out.gpu.before.bytes_in_use} with the datasets, ${first.bytes_in_use} after round 1 (${first.allocations} allocations), ${second.bytes_in_use} after round 2 (${second.allocations})`);
  assert.ok(first.bytes_in_use - out.gpu.before.bytes_in_use < 100_000, "round 1 leaves under 100 KB held");
  assert.ok(second.bytes_in_use - first.bytes_in_use < 5_000, "round 2 leaves under 5 KB more held");
});
