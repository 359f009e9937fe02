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
mod charlm;
mod clip;
mod codec;
mod config;
mod cyclegan;
mod gan;
mod gpu_probe;
mod pixelcnn;
mod reference;

pub use board::{Board, create_board};
pub use pixelcnn::pixelcnn_masks;
pub use reference::{ReferenceBenchmark, create_reference_benchmark};

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::Compute;
use crate::data::{DatasetName, ImageSet, TrainingData};
use crate::{Error, LocalFuture, Result};

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

/// The promise of a report (a session's or a board's): `pending`'s values are read back without
/// holding the object behind `handle` (so the page may pause or reset it meanwhile), then
/// `finish` records what was read (a non-finite value halts training). With `started`, the
/// seconds since then join the report as `compute_seconds`: the work of a `train_and_report`.
fn report_promise<T: 'static, P, O, F, R>(
    handle: &Handle<T>,
    pending: Result<P>,
    started: Option<web_time::Instant>,
    read: impl FnOnce(P) -> F + 'static,
    finish: impl FnOnce(&mut T, O) -> Result<R> + 'static,
) -> Promise
where
    P: 'static,
    F: std::future::Future<Output = O>,
    R: Serialize,
{
    #[derive(Serialize)]
    struct Timed<R> {
        #[serde(flatten)]
        report: R,
        #[serde(skip_serializing_if = "Option::is_none")]
        compute_seconds: Option<f64>,
    }
    let handle = handle.clone();
    future_to_promise(async move {
        let outcome = read(pending.map_err(reject)?).await;
        let report = handle
            .with(|object| finish(object, outcome))
            .map_err(reject)?;
        to_js(&Timed {
            report,
            compute_seconds: started.map(|t| t.elapsed().as_secs_f64()),
        })
        .map_err(JsValue::from)
    })
}

/// `future` boxed as the owned future a call hands back.
fn owned<T>(future: impl std::future::Future<Output = T> + 'static) -> LocalFuture<T> {
    Box::pin(future)
}

/// The promise of a call's result: `job` is the call, checked (its error rejects at once), and
/// the work it started; the value is converted for JavaScript when the work is done.
fn promise<T: Serialize + 'static>(job: Result<LocalFuture<Result<T>>>) -> Promise {
    future_to_promise(async move {
        let value = job.map_err(reject)?.await.map_err(reject)?;
        to_js(&value).map_err(JsValue::from)
    })
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

#[wasm_bindgen]
impl Session {
    /// Enqueue `steps` training steps (an integer, 1 to 10,000). Returns at once; the work runs
    /// on the device. Fails after a non-finite loss until `reset()`.
    pub fn train(&self, steps: f64) -> Result<(), JsError> {
        let steps = config::count("steps", steps).map_err(js_error)?;
        self.inner.with(|s| s.train(steps)).map_err(js_error)
    }

    /// Resolves to the report of the steps since the last report: `{ method, step,
    /// steps_in_report, steps_per_second, metrics: [{ name, value }] }`. Rejects when a value
    /// became non-finite (the session then halts).
    pub fn report(&self) -> Promise {
        let pending = self.inner.with(|s| Ok(s.begin_report()));
        report_promise(
            &self.inner,
            pending,
            None,
            |p| p.read(),
            |s, o| s.finish_report(o),
        )
    }

    /// `train(steps)` and `report()` in one call, one promise: what the page's player calls
    /// each tick (in the worker, one message each way instead of two). The report also has
    /// `compute_seconds`, from enqueueing the steps to their values read back: the work the
    /// player sizes its ticks by. Rejects as `train` would throw (a bad count, a halted
    /// session) or as `report` rejects.
    pub fn train_and_report(&self, steps: f64) -> Promise {
        let started = web_time::Instant::now();
        let pending = config::count("steps", steps).and_then(|n| {
            self.inner.with(|s| {
                s.train(n)?;
                Ok(s.begin_report())
            })
        });
        report_promise(
            &self.inner,
            pending,
            Some(started),
            |p| p.read(),
            |s, o| s.finish_report(o),
        )
    }

    /// Resolves to `count` held-out examples with predictions: `{ rows, cols, channels, pixels,
    /// class_names, items: [{ truth, predicted, confidence }] }`.
    pub fn examples(&self, count: f64) -> Promise {
        promise(config::count("count", count).and_then(|n| self.inner.with(|s| s.examples(n))))
    }

    /// Resolves to the evaluation: `{ pretext_accuracy, probe: { trained, random_init,
    /// random_init_runs, labelled, held_out } }` (`random_init` is the mean of the runs). Training may continue meanwhile.
    pub fn evaluate(&self) -> Promise {
        promise(self.inner.with(|s| Ok(s.evaluate())))
    }

    /// Resolves to `null`, or for a clustering method (DeepCluster) to every round's clustering
    /// scored against the true labels: `{ pixels: { nmi, purity }, features: null, step,
    /// rounds: [{ step, score: { nmi, purity } }] }`. Cheaper than `evaluate()` (no probe).
    pub fn clustering(&self) -> Promise {
        promise(self.inner.with(|s| {
            Ok(match s.clustering() {
                Some(future) => Box::pin(async move { future.await.map(Some) }),
                None => Box::pin(async { Ok(None) }) as LocalFuture<_>,
            })
        }))
    }

    /// Back to a fresh model from the seed; clears a halt.
    pub fn reset(&self) -> Result<(), JsError> {
        self.inner.with(|s| s.reset()).map_err(js_error)
    }

    /// Steps taken since the last reset.
    pub fn step(&self) -> Result<f64, JsError> {
        self.inner.with(|s| Ok(s.step() as f64)).map_err(js_error)
    }

    /// The configuration, with every default filled in.
    pub fn config(&self) -> Result<JsValue, JsError> {
        let config = self
            .inner
            .with(|s| Ok(s.config().clone()))
            .map_err(js_error)?;
        to_js(&config)
    }

    /// Free the model and its device memory now. Idempotent; later calls fail.
    pub fn dispose(&self) {
        self.inner.dispose();
    }

    /// Resolves to the model as a checkpoint file (a `Uint8Array`; offer it as a `.upck`
    /// download). Every method saves this way.
    pub fn save(&self) -> Promise {
        let job = self.inner.with(|s| Ok(s.save()));
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
            .inner
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
            self.inner
                .with(|s| s.reconstructions(start, count, o.mask_ratio, o.seed))
        });
        promise(job)
    }

    /// VAEs: resolves to `count` samples decoded from prior codes drawn with `options.seed`
    /// (default 0; the same seed draws the same codes), of class `options.class` for a
    /// conditional VAE. Group `samples`.
    pub fn samples(&self, count: f64, options: JsValue) -> Promise {
        let job = config::options::<SampleOptions>(&options).and_then(|o| {
            let count = config::count("count", count)?;
            self.inner.with(|s| s.samples(count, o.seed, o.class))
        });
        promise(job)
    }
}

/// Options of `samples`, `manifold` and `class_sweep`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SampleOptions {
    seed: u64,
    class: Option<usize>,
}

/// Options of `reconstructions`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct MaskOptions {
    mask_ratio: Option<f64>,
    seed: u64,
}
