//! The browser boundary: the only code that imports wasm-bindgen, js-sys or web-sys.
//!
//! The API (documented for widget authors in the README):
//!
//! ```js
//! const backend = await init_backend({ backend: "auto" });   // once per page
//! load_dataset("mnist", new Uint8Array(await (await fetch("data/mnist.upgd")).arrayBuffer()));
//! const session = create_session({ method: "rotation", batch_size: 32, learning_rate: 0.002, seed: 42 });
//! session.train(5);                      // enqueue 5 steps, returns at once
//! const report = await session.report(); // { method, step, steps_per_second, metrics: [{name, value}] }
//! const ex = await session.examples(16); // images + predictions to draw
//! const ev = await session.evaluate();   // { pretext_accuracy, probe: { trained, random_init, ... } }
//! const vae = create_session({ method: "vae" });               // autoencoders and VAEs:
//! await vae.load(new Uint8Array(await (await fetch("pretrained/vae.upck")).arrayBuffer()));
//! const strip = await vae.interpolate(a, b, { frames: 8, mode: "spherical" }); // a, b: 784 floats
//! const file = await session.save();     // any session: a checkpoint file's bytes
//! const clip = create_session({ method: "clip" });              // no dataset: captioned shapes
//! const zs = await clip.zero_shot(["a red circle", "a blue square"], 8); // typed captions
//! session.reset(); session.dispose();
//! const board = create_board({ steps: 300 }); // every method side by side (see `board`)
//! ```
//!
//! Every function validates its input and fails with a `JsError` (a JavaScript `Error`) whose
//! message names the bad field; nothing here panics on bad input.

mod board;
mod config;
mod gpu_probe;
mod reference;

pub use board::{Board, create_board};
pub use reference::{ReferenceBenchmark, create_reference_benchmark};

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::Compute;
use crate::data::{DatasetName, ImageSet};
use crate::methods::TrainingData;
use crate::{Error, Result};

/// The page-wide state: one device and the datasets uploaded to it, shared by every session
/// (several widgets on one page share one wasm instance and one GPU device).
#[derive(Default)]
struct Page {
    compute: Option<Compute>,
    initialising: bool,
    data: HashMap<DatasetName, TrainingData>,
}

thread_local! {
    static PAGE: RefCell<Page> = RefCell::new(Page::default());
    /// How many objects behind handles are alive (see [`Live`]).
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// An object counted while it lives: `memory_usage().objects`, so that a page can check that
/// the widgets it removed freed their sessions.
struct Live<T>(T);

impl<T> Live<T> {
    fn new(value: T) -> Self {
        LIVE.with(|n| n.set(n.get() + 1));
        Live(value)
    }
}

impl<T> Drop for Live<T> {
    fn drop(&mut self) {
        LIVE.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// A Rust object a JavaScript wrapper owns (a session, a board): shared with the futures its
/// calls return, borrowed one call at a time, emptied by `dispose()`.
struct Handle<T>(Rc<RefCell<Option<Live<T>>>>);

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle(self.0.clone())
    }
}

impl<T> Handle<T> {
    fn new(value: T) -> Self {
        Handle(Rc::new(RefCell::new(Some(Live::new(value)))))
    }

    /// Run `f` on the object; an error while another call holds it, or after `dispose()`.
    fn with<R>(&self, f: impl FnOnce(&mut T) -> Result<R>) -> Result<R> {
        let mut guard = self.0.try_borrow_mut().map_err(|_| {
            Error::Device("this object is busy in another call; await it first".into())
        })?;
        f(&mut guard.as_mut().ok_or(Error::Freed)?.0)
    }

    /// Free the object now (idempotent).
    fn dispose(&self) {
        if let Ok(mut guard) = self.0.try_borrow_mut() {
            guard.take();
        }
    }
}

fn js_error(e: Error) -> JsError {
    JsError::new(&shorten_long_words(&e.to_string()))
}

/// Every word of a message over 60 characters cut to its first 24 and last 8: a message echoes
/// what it refuses (serde quotes a 100,000-character string in full, and prints 1e300 with all
/// its digits), and must still fit where a widget shows it.
fn shorten_long_words(message: &str) -> String {
    message
        .split(' ')
        .map(|word| {
            let count = word.chars().count();
            if count <= 60 {
                return word.to_string();
            }
            let head: String = word.chars().take(24).collect();
            let tail: String = word.chars().skip(count - 8).collect();
            format!("{head}…{tail} ({count} characters)")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("internal: could not convert a result: {e}")))
}

fn reject(e: Error) -> JsValue {
    JsValue::from(js_error(e))
}

#[wasm_bindgen(start)]
fn start() {
    run_constructors_once();
    // Panics should not happen (inputs are validated); if one does, print it legibly.
    console_error_panic_hook::set_once();
    crate::pace::set_yielder(|| Box::pin(next_turn()));
}

/// Run the module's static constructors (cubecl's registrations through the `inventory`
/// crate) once, at start-up.
///
/// Without an explicit call, wasm-ld links the module "command-style": it inserts a call to
/// every constructor at the top of *every* exported function, glue helpers included, so each
/// value crossing to JavaScript re-ran hundreds of registrations. Measured on the CPU fallback
/// in Chromium: one CLIP `examples(8)` (19k pixel values) took 5.9 s, all of it in
/// `__wasm_call_ctors`. Calling it once here makes the linker drop those wrappers (see the
/// `inventory` crate's docs on WebAssembly).
fn run_constructors_once() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    if !DONE.swap(true, Ordering::Relaxed) {
        // SAFETY: the linker-generated constructor runner, called once before any code that
        // reads what the constructors register (every such path starts at `start` or
        // `init_backend`, both of which call this first).
        unsafe { __wasm_call_ctors() }
    }
}

/// Resolves after the event loop had a turn (input, painting, timers): a message posted through
/// a fresh `MessageChannel`, which, unlike a nested `setTimeout(0)`, is not clamped to 4 ms.
async fn next_turn() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return;
    };
    let arrived = Promise::new(&mut |resolve, _| channel.port1().set_onmessage(Some(&resolve)));
    if channel.port2().post_message(&JsValue::UNDEFINED).is_ok() {
        let _ = wasm_bindgen_futures::JsFuture::from(arrived).await;
    }
    channel.port1().set_onmessage(None);
}

/// What `init_backend` chose.
#[derive(Serialize)]
struct BackendInfo<'a> {
    kind: crate::backend::BackendKind,
    description: &'a str,
    fallback_reason: Option<&'a str>,
}

fn backend_info(c: &Compute) -> Result<JsValue, JsError> {
    to_js(&BackendInfo {
        kind: c.kind,
        description: &c.description,
        fallback_reason: c.fallback_reason.as_deref(),
    })
}

/// Choose and initialise the compute device, once per page: `{ backend: "auto" | "webgpu" |
/// "cpu" }` (default `auto`). Resolves to `{ kind: "gpu" | "cpu", description, fallback_reason }`.
/// Calling it again returns the device already chosen.
#[wasm_bindgen]
pub async fn init_backend(options: JsValue) -> Result<JsValue, JsError> {
    // Also here: the wasm-bindgen test runner does not run `start`.
    run_constructors_once();
    // Also here, not only in `start`: a module loaded without its start function (the
    // wasm-bindgen test runner) must still pace its long computations.
    crate::pace::set_yielder(|| Box::pin(next_turn()));
    let request = config::backend_request(&options).map_err(js_error)?;
    let existing = PAGE.with_borrow_mut(|page| {
        if let Some(c) = &page.compute {
            return Ok(Some(c.clone()));
        }
        if page.initialising {
            return Err(Error::Device(
                "init_backend is already running; await its first call".into(),
            ));
        }
        page.initialising = true;
        Ok(None)
    });
    if let Some(c) = existing.map_err(js_error)? {
        return backend_info(&c);
    }
    let probe = gpu_probe::probe().await;
    let result = Compute::init(request, &probe).await;
    PAGE.with_borrow_mut(|page| {
        page.initialising = false;
        if let Ok(c) = &result {
            page.compute = Some(c.clone());
        }
    });
    backend_info(&result.map_err(js_error)?)
}

/// Decode a shipped dataset file (`www/data/<name>.upgd`) and upload it to the device, split
/// into its training and held-out parts. Returns `{ name, train, held_out, class_names }`.
#[wasm_bindgen]
pub fn load_dataset(name: JsValue, bytes: JsValue) -> Result<JsValue, JsError> {
    let name = config::text("name", &name).map_err(js_error)?;
    let dataset = config::dataset_name(&name).map_err(js_error)?;
    let bytes = config::bytes("bytes", &bytes).map_err(js_error)?;
    let set = ImageSet::decode(&bytes, &dataset.file_name()).map_err(js_error)?;
    let compute = current_compute().map_err(js_error)?;
    let data = TrainingData::upload(dataset, &set, &compute).map_err(js_error)?;
    #[derive(Serialize)]
    struct Info<'a> {
        name: &'a str,
        train: usize,
        held_out: usize,
        class_names: &'a [String],
    }
    let info = to_js(&Info {
        name: dataset.as_str(),
        train: data.train.len(),
        held_out: data.held_out.len(),
        class_names: &data.class_names,
    });
    PAGE.with_borrow_mut(|page| page.data.insert(dataset, data));
    info
}

/// PixelCNN's causal masks, for drawing: `{ first_size: 7, first: [49 values], later_size: 3,
/// later: [9 values] }`, row by row, 1 where the kernel's weight is used (mask A in the first
/// layer: strictly before the centre; mask B after it: the centre too).
#[wasm_bindgen]
pub fn pixelcnn_masks() -> Result<JsValue, JsError> {
    to_js(&crate::methods::Masks::of_network())
}

/// The config saved in a checkpoint file (`{ method, dataset, ... }`), without loading it: the
/// page loads the dataset it names before `session.load(bytes)`. A file that is not a valid
/// checkpoint is an error saying why.
#[wasm_bindgen]
pub fn checkpoint_config(bytes: JsValue) -> Result<JsValue, JsError> {
    let bytes = config::bytes("bytes", &bytes).map_err(js_error)?;
    let checkpoint = crate::checkpoint::Checkpoint::decode(&bytes).map_err(js_error)?;
    to_js(&checkpoint.config)
}

/// The methods this build offers and their default configs.
#[wasm_bindgen]
pub fn methods() -> Result<JsValue, JsError> {
    to_js(&config::defaults())
}

/// The page's memory, for the memory benchmark: `{ wasm_bytes, gpu, objects }`. `wasm_bytes` is
/// the size of the module's linear memory (the wasm heap; it grows and never shrinks, so a leak
/// shows as growth). `gpu` is `{ allocations, bytes_in_use, bytes_reserved }` from the GPU
/// allocator, or `null` on the CPU backend (whose tensors live in the wasm heap) or before
/// `init_backend`. `objects` counts the sessions, boards and benchmarks alive (made and not yet
/// disposed or collected).
#[wasm_bindgen]
pub fn memory_usage() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Usage {
        wasm_bytes: u32,
        gpu: Option<crate::backend::GpuMemory>,
        objects: usize,
    }
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let wasm_bytes = memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length();
    let gpu = PAGE.with_borrow(|page| page.compute.as_ref().and_then(Compute::gpu_memory));
    let objects = LIVE.with(Cell::get);
    to_js(&Usage {
        wasm_bytes,
        gpu,
        objects,
    })
}

fn current_compute() -> Result<Compute> {
    PAGE.with_borrow(|page| page.compute.clone())
        .ok_or_else(|| Error::Device("no device yet: await init_backend() before this call".into()))
}

/// A dataset `load_dataset` uploaded.
fn loaded_data(dataset: DatasetName) -> Result<TrainingData> {
    PAGE.with_borrow(|page| page.data.get(&dataset).cloned())
        .ok_or_else(|| {
            Error::config(
                "dataset",
                format!(
                    "the {0} dataset is not loaded: call load_dataset(\"{0}\", bytes) first",
                    dataset.as_str()
                ),
            )
        })
}

/// Create a training session from one config object, e.g. `{ method: "rotation", dataset:
/// "mnist", batch_size: 32, learning_rate: 0.002, seed: 42 }`. Missing fields take their
/// defaults; a wrong or unknown field is an error naming it.
#[wasm_bindgen]
pub fn create_session(config: JsValue) -> Result<Session, JsError> {
    let config = config::method_config(&config).map_err(js_error)?;
    let compute = current_compute().map_err(js_error)?;
    // CLIP names no dataset: it draws its own captioned shapes.
    let data = config
        .dataset()
        .map(loaded_data)
        .transpose()
        .map_err(js_error)?;
    let session =
        crate::session::Session::new(config, data.as_ref(), &compute).map_err(js_error)?;
    Ok(Session {
        inner: Handle::new(session),
    })
}

/// A training session (see the module docs). `dispose()` frees its model at once; any call
/// after it is an error.
#[wasm_bindgen]
pub struct Session {
    inner: Handle<crate::session::Session>,
}

impl Session {
    fn with<T>(&self, f: impl FnOnce(&mut crate::session::Session) -> Result<T>) -> Result<T> {
        self.inner.with(f)
    }
}

#[wasm_bindgen]
impl Session {
    /// Enqueue `steps` training steps (an integer, 1 to 10,000). Returns at once; the work runs
    /// on the device. Fails after a non-finite loss until `reset()`.
    pub fn train(&self, steps: f64) -> Result<(), JsError> {
        let steps = config::count("steps", steps).map_err(js_error)?;
        self.with(|s| s.train(steps)).map_err(js_error)
    }

    /// Resolves to the report of the steps since the last report: `{ method, step,
    /// steps_in_report, steps_per_second, metrics: [{ name, value }] }`. Rejects when a value
    /// became non-finite (the session then halts).
    pub fn report(&self) -> Promise {
        let pending = self.with(|s| Ok(s.begin_report()));
        let inner = self.inner.clone();
        future_to_promise(async move {
            let outcome = pending.map_err(reject)?.read().await;
            let finished = inner.with(|s| s.finish_report(outcome));
            to_js(&finished.map_err(reject)?).map_err(JsValue::from)
        })
    }

    /// Resolves to `count` held-out examples with predictions: `{ rows, cols, channels, pixels,
    /// class_names, items: [{ truth, predicted, confidence }] }`.
    pub fn examples(&self, count: f64) -> Promise {
        let job = config::count("count", count).and_then(|n| self.with(|s| s.examples(n)));
        future_to_promise(async move {
            let examples = job.map_err(reject)?.await.map_err(reject)?;
            to_js(&examples).map_err(JsValue::from)
        })
    }

    /// Resolves to the evaluation: `{ pretext_accuracy, probe: { trained, random_init,
    /// random_init_runs, labelled, held_out } }` (`random_init` is the mean of the runs). Training may continue meanwhile.
    pub fn evaluate(&self) -> Promise {
        let job = self.with(|s| Ok(s.evaluate()));
        future_to_promise(async move {
            let evaluation = job.map_err(reject)?.await.map_err(reject)?;
            to_js(&evaluation).map_err(JsValue::from)
        })
    }

    /// CLIP only: resolves to `count` held-out images (shape-colour pairs never trained on)
    /// classified by `captions`, an array of candidate captions typed by the user: `{ rows,
    /// cols, channels, pixels, candidates, captions, probabilities, predicted, expected,
    /// accuracy }` (see the README). An empty caption or an unknown word is an error naming
    /// the caption (`captions[2]: unknown word "purple"; ...`).
    pub fn zero_shot(&self, captions: JsValue, count: f64) -> Promise {
        let job = config::captions(&captions).and_then(|candidates| {
            let count = config::count("count", count)?;
            self.with(|s| s.zero_shot(&candidates, count))
        });
        future_to_promise(async move {
            let zero_shot = job.map_err(reject)?.await.map_err(reject)?;
            to_js(&zero_shot).map_err(JsValue::from)
        })
    }

    /// The character-level GPT: resolves to P(next character | `prompt`), `{ characters,
    /// probabilities }` over the whole vocabulary (the model reads the prompt's last `context`
    /// characters). An empty prompt or a character outside the text's vocabulary is an error
    /// naming it (`prompt: character 3 ('@') is not in the text's vocabulary: ...`).
    pub fn next_char(&self, prompt: JsValue) -> Promise {
        let job = config::text("prompt", &prompt).and_then(|p| self.with(|s| s.next_char(&p)));
        future_to_promise(async move {
            let next = job.map_err(reject)?.await.map_err(reject)?;
            to_js(&next).map_err(JsValue::from)
        })
    }

    /// The character-level GPT: resolves to `length` characters written after `prompt`, one at
    /// a time, `options = { temperature: 1, top_k: 1000, seed: 0 }` (temperature > 0, top_k >= 1;
    /// the same seed writes the same text).
    pub fn write(&self, prompt: JsValue, length: f64, options: JsValue) -> Promise {
        let job = config::options::<crate::methods::Sampling>(&options).and_then(|sampling| {
            let prompt = config::text("prompt", &prompt)?;
            let length = config::count("length", length)?;
            self.with(|s| s.write(&prompt, length, sampling))
        });
        future_to_promise(async move {
            let text = job.map_err(reject)?.await.map_err(reject)?;
            Ok(JsValue::from_str(&text))
        })
    }

    /// Resolves to `null`, or for a clustering method (DeepCluster) to every round's clustering
    /// scored against the true labels: `{ pixels: { nmi, purity }, features: null, step,
    /// rounds: [{ step, score: { nmi, purity } }] }`. Cheaper than `evaluate()` (no probe).
    pub fn clustering(&self) -> Promise {
        let job = self.with(|s| Ok(s.clustering()));
        future_to_promise(async move {
            match job.map_err(reject)? {
                Some(future) => to_js(&future.await.map_err(reject)?).map_err(JsValue::from),
                None => Ok(JsValue::NULL),
            }
        })
    }

    /// Back to a fresh model from the seed; clears a halt.
    pub fn reset(&self) -> Result<(), JsError> {
        self.with(|s| {
            s.reset();
            Ok(())
        })
        .map_err(js_error)
    }

    /// Steps taken since the last reset.
    pub fn step(&self) -> Result<f64, JsError> {
        self.with(|s| Ok(s.step() as f64)).map_err(js_error)
    }

    /// The configuration, with every default filled in.
    pub fn config(&self) -> Result<JsValue, JsError> {
        let config = self.with(|s| Ok(s.config().clone())).map_err(js_error)?;
        to_js(&config)
    }

    /// Free the model and its device memory now. Idempotent; later calls fail.
    pub fn dispose(&self) {
        self.inner.dispose();
    }

    /// Resolves to the model as a checkpoint file (a `Uint8Array`; offer it as a `.upck`
    /// download). Every method saves this way.
    pub fn save(&self) -> Promise {
        let job = self.with(|s| Ok(s.save()));
        future_to_promise(async move {
            let bytes = job.map_err(reject)?.await.map_err(reject)?;
            Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Load a checkpoint file saved by `save()` (or shipped, `pretrained/*.upck`) for this
    /// session's method; its config comes with it. `settings` (optional: an object of config
    /// fields, as in `create_session`) replaces the saved ones, except those that shape the
    /// network, which stay the checkpoint's (`latent`, `layers`, ...): a page's own choice of
    /// seed or learning rate wins over the file's. Returns the config now in force, so a caller
    /// sees which of its settings were kept from the model. A corrupt, truncated, newer or
    /// other-method file, or a bad setting, is an error and the current model is kept.
    pub fn load(&self, bytes: JsValue, settings: JsValue) -> Result<JsValue, JsError> {
        let bytes = config::bytes("bytes", &bytes).map_err(js_error)?;
        let mut checkpoint = crate::checkpoint::Checkpoint::decode(&bytes).map_err(js_error)?;
        checkpoint.config =
            config::settings_over(&checkpoint.config, &settings).map_err(js_error)?;
        let compute = current_compute().map_err(js_error)?;
        let data = checkpoint
            .config
            .dataset()
            .map(loaded_data)
            .transpose()
            .map_err(js_error)?;
        let config = self
            .with(|s| {
                s.load(&checkpoint, data.as_ref(), &compute)?;
                Ok(s.config().clone())
            })
            .map_err(js_error)?;
        to_js(&config)
    }

    /// Autoencoders, VAEs and the masked autoencoder: resolves to `count` held-out images from
    /// `start` with their reconstructions: `{ rows, cols, channels, labels, groups: [{ name,
    /// count, pixels }] }`, groups `input`, `noisy` (a denoising autoencoder) and `output`; for
    /// the masked autoencoder `input`, `masked` (hidden patches grey) and `reconstruction`, with
    /// `options = { mask_ratio: 0.75 (the config's), seed: 0 }` choosing the masks.
    pub fn reconstructions(&self, start: f64, count: f64, options: JsValue) -> Promise {
        let job = config::options::<MaskOptions>(&options).and_then(|o| {
            let start = config::index("start", start)?;
            let count = config::count("count", count)?;
            self.with(|s| s.reconstructions(start, count, o.mask_ratio, o.seed))
        });
        images_promise(job)
    }

    /// PixelCNN: resolves to `images` (`count x 784` values in [0, 1], row by row; up to 16
    /// images) with up to `options.pixels` (default 28, a row) more of the pixels `known` marks
    /// 0 drawn one at a time in raster order, each from the model given everything before it:
    /// groups `image` and `known` (the updated mask). Call again with both until `known` is all
    /// ones: sampling from scratch is `known` all zeros, inpainting the erased pixels' zeros.
    /// `known` must have one value per pixel of `images`. `options.seed` (default 0) fixes the
    /// draws.
    pub fn complete(&self, images: JsValue, known: JsValue, options: JsValue) -> Promise {
        let job = config::options::<CompleteOptions>(&options).and_then(|o| {
            let images = config::numbers("images", &images)?;
            let known = config::numbers("known", &known)?;
            self.with(|s| s.complete(&images, &known, o.pixels, o.seed))
        });
        images_promise(job)
    }

    /// PixelCNN: resolves to the receptive field of pixel (`row`, `col`): the magnitude of the
    /// gradient of its logit with respect to every input pixel, over 16 held-out digits,
    /// scaled to a maximum of 1 (group `gradient`), where it is not zero (group `field`), and
    /// those 16 digits binarised (group `images`).
    pub fn receptive_field(&self, row: f64, col: f64) -> Promise {
        let job = config::index("row", row).and_then(|row| {
            let col = config::index("col", col)?;
            self.with(|s| s.receptive_field(row, col))
        });
        images_promise(job)
    }

    /// VAEs: resolves to `count` samples decoded from prior codes drawn with `options.seed`
    /// (default 0; the same seed draws the same codes), of class `options.class` for a
    /// conditional VAE. Group `samples`.
    pub fn samples(&self, count: f64, options: JsValue) -> Promise {
        let job = config::options::<SampleOptions>(&options).and_then(|o| {
            let count = config::count("count", count)?;
            self.with(|s| s.samples(count, o.seed, o.class))
        });
        images_promise(job)
    }

    /// Resolves to the interpolation between images `a` and `b` (each 784 values in [0, 1],
    /// row by row: picked from the data or drawn): `options = { frames: 8, mode: "linear" |
    /// "spherical", classes: [a's, b's] }` (classes for a conditional VAE). Groups `frames` and
    /// `ends` (the two inputs).
    pub fn interpolate(&self, a: JsValue, b: JsValue, options: JsValue) -> Promise {
        let job = config::options::<InterpolateOptions>(&options).and_then(|o| {
            let (a, b) = (config::pixels("a", &a)?, config::pixels("b", &b)?);
            self.with(|s| s.interpolate(&a, &b, o.classes, o.frames, o.mode))
        });
        images_promise(job)
    }

    /// Resolves to latent arithmetic on three images: the decoding of `code(a) - code(b) +
    /// code(c)`. `options = { classes: [a's, b's, c's] }` for a conditional VAE. Groups
    /// `inputs`, `reconstructions`, `result`.
    pub fn arithmetic(&self, a: JsValue, b: JsValue, c: JsValue, options: JsValue) -> Promise {
        let job = config::options::<ArithmeticOptions>(&options).and_then(|o| {
            let a = config::pixels("a", &a)?;
            let b = config::pixels("b", &b)?;
            let c = config::pixels("c", &c)?;
            self.with(|s| s.arithmetic([&a, &b, &c], o.classes))
        });
        images_promise(job)
    }

    /// A GAN: resolves to the generator's images of the given noise vectors (`count x noise`
    /// values, a `Float32Array` or an array; `noise` is the session's config field). Group
    /// `samples`.
    pub fn generate(&self, noise: JsValue) -> Promise {
        let job =
            config::numbers("noise", &noise).and_then(|noise| self.with(|s| s.generate(&noise)));
        images_promise(job)
    }

    /// A GAN: resolves to a walk through noise space from the noise drawn with seed `from` to
    /// that of seed `to` (the seeds of `samples`, so a walk can start and end on two samples
    /// of the grid): `options = { frames: 8, mode: "linear" | "spherical" }`. Group `frames`.
    pub fn latent_walk(&self, from: f64, to: f64, options: JsValue) -> Promise {
        let job = config::options::<WalkOptions>(&options).and_then(|o| {
            let (from, to) = (config::index("from", from)?, config::index("to", to)?);
            self.with(|s| s.latent_walk(from as u64, to as u64, o.frames, o.mode))
        });
        images_promise(job)
    }

    /// CycleGAN: resolves to `count` held-out digits from `start` in the source domain of
    /// `options.direction` (`"x_to_y"`, regular to bold, the default, or `"y_to_x"`),
    /// translated and translated back: groups `input`, `translated`, `cycled`, and `labels`.
    pub fn translations(&self, start: f64, count: f64, options: JsValue) -> Promise {
        let job = config::options::<TranslateOptions>(&options).and_then(|o| {
            let start = config::index("start", start)?;
            let count = config::count("count", count)?;
            self.with(|s| s.translations(start, count, o.direction))
        });
        images_promise(job)
    }

    /// CycleGAN: resolves to `image` (784 values in [0, 1], drawn on the page) translated in
    /// `options.direction` and back: groups `input`, `translated`, `cycled`.
    pub fn translate(&self, image: JsValue, options: JsValue) -> Promise {
        let job = config::options::<TranslateOptions>(&options).and_then(|o| {
            let image = config::pixels("image", &image)?;
            self.with(|s| s.translate(&image, o.direction))
        });
        images_promise(job)
    }

    /// A 2-D latent: resolves to the decoded `side x side` grid over +-2 on both axes (group
    /// `grid`, row by row from the top); `options.class` for a conditional VAE.
    pub fn manifold(&self, side: f64, options: JsValue) -> Promise {
        let job = config::options::<SampleOptions>(&options).and_then(|o| {
            let side = config::count("side", side)?;
            self.with(|s| s.manifold(side, o.class))
        });
        images_promise(job)
    }

    /// A 2-D latent: resolves to the latent means of `count` held-out images: `{ points: [x0,
    /// y0, x1, y1, ...], labels, class_names, range }`.
    pub fn latent_points(&self, count: f64) -> Promise {
        let job = config::count("count", count).and_then(|n| self.with(|s| s.latent_points(n)));
        future_to_promise(async move {
            let points = job.map_err(reject)?.await.map_err(reject)?;
            to_js(&points).map_err(JsValue::from)
        })
    }

    /// A conditional VAE: resolves to one code decoded in every class (group `classes`): the
    /// code of `image` (784 values) in class `options.class` when an image is given, else a
    /// prior draw with `options.seed`.
    pub fn class_sweep(&self, image: JsValue, options: JsValue) -> Promise {
        let job = config::options::<SampleOptions>(&options).and_then(|o| {
            let image = if image.is_null() || image.is_undefined() {
                None
            } else {
                let class = o.class.ok_or_else(|| {
                    Error::config("class", "the class of the given image is needed")
                })?;
                Some((config::pixels("image", &image)?, class))
            };
            self.with(|s| s.class_sweep(image.as_ref().map(|(px, c)| (px.as_slice(), *c)), o.seed))
        });
        images_promise(job)
    }
}

/// Options of `samples`, `manifold` and `class_sweep`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SampleOptions {
    seed: u64,
    class: Option<usize>,
}

/// Options of `interpolate`.
#[derive(Debug, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct InterpolateOptions {
    frames: usize,
    mode: crate::methods::Interpolation,
    classes: [usize; 2],
}

impl Default for InterpolateOptions {
    fn default() -> Self {
        InterpolateOptions {
            frames: 8,
            mode: Default::default(),
            classes: [0, 0],
        }
    }
}

/// Options of `latent_walk`.
#[derive(Debug, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WalkOptions {
    frames: usize,
    mode: crate::methods::Interpolation,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            frames: 8,
            mode: Default::default(),
        }
    }
}

/// Options of `translations` and `translate`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TranslateOptions {
    direction: crate::methods::Direction,
}

/// Options of `reconstructions`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct MaskOptions {
    mask_ratio: Option<f64>,
    seed: u64,
}

/// Options of `complete`.
#[derive(Debug, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CompleteOptions {
    pixels: usize,
    seed: u64,
}

impl Default for CompleteOptions {
    fn default() -> Self {
        CompleteOptions {
            pixels: crate::methods::generative::SIDE,
            seed: 0,
        }
    }
}

/// Options of `arithmetic`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ArithmeticOptions {
    classes: [usize; 3],
}

/// The promise of an image operation's result.
fn images_promise(
    job: Result<crate::methods::LocalFuture<Result<crate::methods::Images>>>,
) -> Promise {
    future_to_promise(async move {
        let images = job.map_err(reject)?.await.map_err(reject)?;
        to_js(&images).map_err(JsValue::from)
    })
}
