// The hostile-input suite (tests/e2e/hostile.test.mjs runs it in Chromium): the wasm module's
// exported API, the one the page and the worker call, fed generated bad input and bad call
// orders. Every case must end in a returned value or an Error with a message: never a panic, a
// trapped module (WebAssembly.RuntimeError) or a value that is not an Error. After all of it the
// module must still work (a fresh session trains to a finite loss), and every session freed, the
// GPU allocator must hold what it held before the suite (`memory_usage().gpu`).
//
//   const { run } = await import("/hostile.js");
//   await run({ backend: "cpu", site: "/playground/" })   // -> { cases, refused, accepted, bad, ... }

/** Values no field or argument should take without a clear answer. */
export const HOSTILE = [
  undefined, null, NaN, Infinity, -Infinity, 0, -0, -1, 0.5, 1e300, 2 ** 53 + 2,
  "", "7", "x".repeat(100_000), true, [], [1, 2], {}, { a: 1 },
];

/** A short, printable name of a hostile value. */
export function show(value) {
  if (typeof value === "string") return value.length > 12 ? `"${value.slice(0, 4)}…" (${value.length} chars)` : JSON.stringify(value);
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A message that says the module broke rather than refused. */
const BROKEN = /unreachable|panicked|RuntimeError|recursive use of an object|already (mutably )?borrowed|memory access out of bounds|null pointer passed to rust/i;
/** JavaScript's own messages from inside the glue code: true, but they name no argument. */
const UNCLEAR = /Cannot read properties of|Cannot convert|is not iterable|is not a function|Invalid typed array length/;

/** Arguments that make each session function's call valid, by the glue's parameter names. */
function validArgument(name, image) {
  switch (name) {
    case "start": case "row": case "col": case "from": return 0;
    case "count": case "steps": case "length": case "to": return 1;
    case "side": return 2;
    case "prompt": return "In the";
    case "captions": return ["red circle", "blue square"];
    case "image": case "images": case "a": case "b": case "c": return image;
    case "known": return new Float32Array(image.length);
    case "noise": return new Float32Array(16);
    case "bytes": return new Uint8Array(0);
    default: return undefined; // options
  }
}

/** The parameter names of a glue function (`zero_shot(captions, count) { ...`). */
function parameters(fn) {
  const match = /^[^(]*\(([^)]*)\)/.exec(fn.toString());
  return match ? match[1].split(",").map((p) => p.trim()).filter(Boolean) : [];
}

/** CRC-32 (IEEE), as the checkpoint envelope's. */
function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/**
 * A checkpoint with burn's parameter ids blanked and without its checksum: what must be the same
 * bytes when two files hold the same model. burn keeps a saved weight's id on load but gives a
 * loaded BatchNorm running statistic a fresh one (its values are the saved ones).
 */
function withoutParamIds(bytes) {
  const key = new TextEncoder().encode("param_id\x1b"); // the CBOR key, then an 8-byte integer
  const out = bytes.slice(0, bytes.length - 4);
  for (let i = 0; i + key.length + 8 <= out.length; i++) {
    if (key.every((k, j) => out[i + j] === k)) out.fill(0, i + key.length, i + key.length + 8);
  }
  return out;
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** `bytes` with its trailing CRC-32 recomputed (a well-formed envelope around a change). */
function resealed(bytes) {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/**
 * `sessionCalls`: run every session function's cases; `trainAccepted`: step each session a
 * hostile-but-accepted config made; `checkpoints`: the methods whose checkpoints are checked
 * (all by default); `methods`: the methods whose configs are varied (all by default); `rounds`:
 * how many times the cases after the datasets run; `trace`: log each case to the console. WebGPU
 * on a machine without a GPU (SwiftShader) runs a smaller share.
 */
export async function run({ backend = "cpu", site = "/playground/", sessionCalls = true, trainAccepted = true, methods = null, checkpoints = null, trace = false, rounds = 1 } = {}) {
  const w = await import(`${site}unsupervised-playground.js`);
  await w.default();
  const out = { cases: 0, refused: 0, accepted: 0, bad: [], messages: {}, checkpoints: [] };

  /**
   * One case: `fn` returns or resolves, or throws or rejects an Error that says why, in at most
   * 400 characters (a message must fit where a widget shows it). `afterFree`: the object was
   * released with wasm-bindgen's own `free()` (the API's is `dispose()`, which may be called
   * any number of times); wasm-bindgen then answers every call with its "null pointer passed to
   * rust" error, which leaves the module working.
   */
  async function check(label, fn, options = {}) {
    out.cases++;
    if (trace) console.log(`case ${out.cases}: ${label}`);
    try {
      const value = await fn();
      out.accepted++;
      return { ok: true, value };
    } catch (error) {
      const message = error?.message ?? "";
      const freed = options.afterFree && /^null pointer passed to rust$/.test(message);
      if (!freed && (!(error instanceof Error) || !message.trim() || error instanceof WebAssembly.RuntimeError ||
          BROKEN.test(message) || UNCLEAR.test(message) || message.length > 400)) {
        out.bad.push(`${label}: ${error?.constructor?.name ?? typeof error}: ${String(message || error).slice(0, 300)}`);
      } else {
        out.refused++;
        out.messages[label] = message.slice(0, 300);
      }
      return { ok: false, message };
    }
  }
  /** A case that must be refused, with a message matching `pattern`. */
  async function refuse(label, fn, pattern = /./) {
    const r = await check(label, fn);
    if (r.ok) out.bad.push(`${label}: accepted, should be refused`);
    else if (!pattern.test(r.message)) out.bad.push(`${label}: "${r.message.slice(0, 200)}" does not match ${pattern}`);
    return r;
  }
  /** Every so often: a valid session can still be made and stepped (the module is not poisoned). */
  async function stillWorks(label) {
    const r = await check(`${label}: a valid session afterwards`, async () => {
      const s = w.create_session({ method: "rotation", batch_size: 4 });
      try {
        s.train(1);
        const report = await s.report();
        if (!Number.isFinite(report.metrics[0].value)) throw new Error(`loss ${report.metrics[0].value}`);
      } finally {
        s.dispose();
      }
    });
    if (!r.ok) out.bad.push(`${label}: the module no longer works: ${r.message}`);
  }

  // Before the backend: everything that needs it says so.
  const defaults = w.methods();
  await refuse("create_session before init_backend", () => w.create_session(defaults[0]), /init_backend/);
  await refuse("create_board before init_backend", () => w.create_board({}), /init_backend/);
  await check("memory_usage before init_backend", () => w.memory_usage());

  // init_backend with bad options, then the real one.
  for (const options of [42, "cpu", true, [], { backend: "quantum" }, { backend: 7 }, { backend: "x".repeat(100_000) }]) {
    await refuse(`init_backend(${show(options)})`, () => w.init_backend(options));
  }
  const info = await w.init_backend({ backend });
  out.backend = info;

  // Datasets: bad names, bad bytes; then the real ones.
  const files = {};
  for (const name of ["mnist", "fashion"]) {
    files[name] = new Uint8Array(await (await fetch(`${site}data/${name}.upgd`)).arrayBuffer());
  }
  const mnist = files.mnist;
  for (const name of [...HOSTILE, "cifar", "MNIST", "mnist\0"]) {
    await refuse(`load_dataset(${show(name)}, mnist bytes)`, () => w.load_dataset(name, mnist));
  }
  const flipped = mnist.slice();
  flipped[Math.floor(flipped.length / 2)] ^= 0xff;
  for (const [what, bytes] of [
    ["no bytes", new Uint8Array(0)], ["100 random bytes", crypto.getRandomValues(new Uint8Array(100))],
    ["the first 1,000 bytes", mnist.slice(0, 1000)], ["all but the last byte", mnist.slice(0, -1)],
    ["a flipped byte", flipped], ["a checkpoint's magic", new TextEncoder().encode("UPGDCKPT")],
    ...HOSTILE.map((v) => [show(v), v]), ["a plain array", [...mnist.slice(0, 64)]],
  ]) {
    await refuse(`load_dataset("mnist", ${what})`, () => w.load_dataset("mnist", bytes));
  }
  await refuse("create_session before load_dataset", () => w.create_session(defaults[0]), /load_dataset/);
  for (const [name, bytes] of Object.entries(files)) w.load_dataset(name, bytes);
  const baseline = w.memory_usage().gpu;

  // One round of cases on the loaded datasets; `rounds` repeats it (the GPU allocator keeps
  // small buffers it made in the first round for reuse; a leak grows in every round).
  async function round() {
    // Session configs: every method's defaults with one field made hostile, removed, or joined
    // by an unknown one; nested objects (augmentations) the same one level down; and whole
    // configs that are not objects.
    for (const config of [...HOSTILE, "rotation", { method: "teleport" }, { method: "x".repeat(100_000) }, { method: 7 }]) {
      await refuse(`create_session(${show(config)})`, () => w.create_session(config));
    }
    const variants = (config) => {
      const list = [];
      for (const [key, value] of Object.entries(config)) {
        const others = { ...config };
        delete others[key];
        list.push([`without ${key}`, others]);
        for (const h of HOSTILE) list.push([`${key}=${show(h)}`, { ...config, [key]: h }]);
        if (value && typeof value === "object" && !Array.isArray(value)) {
          for (const [inner] of Object.entries(value)) {
            for (const h of HOSTILE) list.push([`${key}.${inner}=${show(h)}`, { ...config, [key]: { ...value, [inner]: h } }]);
          }
        }
      }
      list.push(["an unknown field", { ...config, colour: "red" }]);
      return list;
    };
    out.timings = {};
    let phase = performance.now();
    const lap = (name) => {
      out.timings[name] = Math.round(performance.now() - phase);
      phase = performance.now();
    };
    for (const config of defaults.filter((c) => !methods || methods.includes(c.method))) {
      for (const [what, variant] of variants(config)) {
        const label = `create_session(${config.method}, ${what})`;
        const r = await check(label, () => w.create_session(variant));
        if (!r.ok) continue;
        // Accepted: the session must be usable, and a hostile value that got through must have
        // become an ordinary setting. One step proves it trains.
        const session = r.value;
        const normal = JSON.stringify(session.config()) === JSON.stringify(config);
        if (!normal && trainAccepted) {
          await check(`${label}: one step`, async () => {
            session.train(1);
            const report = await session.report();
            if (!report.metrics.every((m) => Number.isFinite(m.value))) throw new Error(`non-finite metrics ${JSON.stringify(report.metrics)}`);
          }).then((s) => s.ok || out.bad.push(`${label}: accepted as ${JSON.stringify(session.config())} but could not train: ${s.message}`));
        }
        session.dispose();
      }
    }
    await stillWorks("after the configs");
    lap("configs");

    // The board and the reference benchmark take options objects too (in the full run: each
    // accepted board builds every board method's model).
    if (!methods) {
      const board = w.create_board({});
      const boardDefaults = board.config();
      board.dispose();
      for (const [what, variant] of [...HOSTILE.map((h) => [show(h), h]), ...variants(boardDefaults)]) {
        const r = await check(`create_board(${what})`, () => w.create_board(variant));
        if (r.ok) r.value.dispose();
      }
      for (const options of [...HOSTILE, { seed: -1 }, { seed: NaN }, { seed: "1" }, { seeds: 1 }]) {
        const r = await check(`create_reference_benchmark(${show(options)})`, () => w.create_reference_benchmark(options));
        if (r.ok) r.value.dispose();
      }
    }

    // Every session function of every method, each argument made hostile in turn (the others
    // valid). Training is left out here (its step counts are checked below): the rest only reads.
    const SKIP = new Set(["constructor", "free", "dispose", "train", "evaluate", "clustering", "toJSON", "toString"]);
    const functions = Object.getOwnPropertyNames(w.Session.prototype)
      .filter((name) => !SKIP.has(name) && !name.startsWith("__") && typeof w.Session.prototype[name] === "function");
    out.functions = functions.length;
    if (sessionCalls) {
      for (const config of defaults) {
        const session = w.create_session(config);
        const image = new Float32Array(784).fill(0.5);
        for (const name of functions) {
          const params = parameters(w.Session.prototype[name]);
          const valid = params.map((p) => validArgument(p, image));
          await check(`${config.method}.${name}(valid)`, () => session[name](...valid));
          for (let i = 0; i < params.length; i++) {
            for (const h of HOSTILE) {
              const args = valid.slice();
              args[i] = h;
              await check(`${config.method}.${name}(${params[i]}=${show(h)})`, () => session[name](...args));
            }
          }
        }
        for (const steps of [...HOSTILE, 10_001, 1e9]) {
          if (steps === 1 || steps === "7" || steps === true) continue; // valid counts
          await refuse(`${config.method}.train(${show(steps)})`, () => session.train(steps), /steps/);
        }
        session.dispose();
      }
      await stillWorks("after the session functions");
    }
    lap("board, reference and session functions");

    // Call orders.
    const rotation = { method: "rotation", batch_size: 4 };
    {
      const s = w.create_session(rotation);
      await check("two trains at once", async () => {
        s.train(2);
        s.train(2);
        await s.report();
        if (s.step() !== 4) throw new Error(`step ${s.step()} after 2 + 2`);
      }).then((r) => r.ok || out.bad.push(`two trains at once: ${r.message}`));
      await check("reset while training", async () => {
        s.train(3);
        s.reset();
        await s.report();
        if (s.step() !== 0) throw new Error(`step ${s.step()} after a reset`);
      }).then((r) => r.ok || out.bad.push(`reset while training: ${r.message}`));
      // Work in flight when the session is freed: each promise settles, none traps. (The full
      // run adds an evaluation, which on SwiftShader takes minutes.)
      s.train(2);
      const inFlight = [s.report(), s.examples(4), s.save(), s.clustering(), ...(methods ? [] : [s.evaluate()])];
      s.dispose();
      for (const [i, p] of inFlight.entries()) await check(`in flight at dispose #${i}`, () => p);
      for (const [name, call] of [
        ["train", () => s.train(1)], ["report", () => s.report()], ["evaluate", () => s.evaluate()],
        ["step", () => s.step()], ["reset", () => s.reset()], ["save", () => s.save()], ["examples", () => s.examples(1)],
      ]) await refuse(`${name} after dispose`, call, /freed/);
      await check("dispose twice", () => s.dispose()).then((r) => r.ok || out.bad.push("dispose twice threw"));
      await check("free after dispose", () => s.free());
      await check("free twice", () => s.free(), { afterFree: true });
      await check("train after free", () => s.train(1), { afterFree: true });
    }
    {
      // A board freed while it trains.
      const b = w.create_board({ steps: 2, methods: ["rotation"] });
      b.train(1);
      const pending = b.report();
      b.dispose();
      await check("board report in flight at dispose", () => pending);
      await refuse("board train after dispose", () => b.train(1), /freed/);
    }
    await stillWorks("after the call orders");
    lap("call orders");

    // Checkpoints: for every method, save -> load -> save is bit-exact; a truncated, corrupt,
    // wrong-method or newer-version file is refused and the current model kept.
    let other = null;
    for (const config of defaults.filter((c) => !checkpoints || checkpoints.includes(c.method))) {
      const s = w.create_session(config);
      s.train(1);
      await s.report();
      const saved = await s.save();
      const copy = w.create_session(config);
      copy.load(saved);
      const again = await copy.save();
      const exact = same(withoutParamIds(saved), withoutParamIds(again));
      out.checkpoints.push({ method: config.method, bytes: saved.length, exact });
      if (!exact) out.bad.push(`${config.method}: save -> load -> save is not bit-exact`);
      const version = saved.slice();
      new DataView(version.buffer).setUint32(8, 99, true);
      const corrupt = saved.slice();
      corrupt[Math.floor(corrupt.length / 2)] ^= 0x01;
      const cases = [
        ["empty", new Uint8Array(0), /checkpoint/], ["truncated", saved.slice(0, saved.length - 100), /truncated|checksum|short/],
        ["a flipped bit", corrupt, /checksum|damaged|corrupt/], ["a newer version", resealed(version), /version 99/],
        ["a dataset file", mnist, /checkpoint/], ["not bytes", "model.upck", /./],
      ];
      if (other) cases.push(["another method's", other.bytes, new RegExp(other.method)]);
      for (const [what, bytes, pattern] of cases) {
        await refuse(`${config.method}.load(${what})`, () => copy.load(bytes), pattern);
      }
      const kept = await copy.save();
      if (!same(kept, again)) {
        out.bad.push(`${config.method}: a refused load changed the model`);
      }
      other = { method: config.method, bytes: saved };
      s.dispose();
      copy.dispose();
    }
    await stillWorks("after the checkpoints");
    lap("checkpoints");
  }
  out.gpuRounds = [];
  for (let i = 0; i < rounds; i++) {
    await round();
    out.gpuRounds.push(w.memory_usage().gpu);
  }

  // Every session is freed: the GPU allocator holds what it held before the suite.
  out.gpu = { before: baseline, after: w.memory_usage().gpu };
  return out;
}
