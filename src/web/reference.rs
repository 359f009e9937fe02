//! The benchmark's reference model (`crate::reference`), for `scripts/bench-reference.mjs`:
//!
//! ```js
//! const bench = create_reference_benchmark({ seed: 1 });   // after init_backend
//! bench.train(10);                                         // enqueue 10 steps
//! const loss = await bench.loss();                         // wait for them, read the mean loss
//! ```

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::{Handle, config, current_compute, js_error, reject};
use crate::reference::ReferenceBench;

/// The reference model and its fixed batch on the page's device. `options`: `{ seed }`
/// (default 1).
#[wasm_bindgen]
pub fn create_reference_benchmark(options: JsValue) -> Result<ReferenceBenchmark, JsError> {
    let seed = config::reference_seed(&options).map_err(js_error)?;
    let compute = current_compute().map_err(js_error)?;
    Ok(ReferenceBenchmark {
        inner: Handle::new(ReferenceBench::new(&compute, seed)),
    })
}

/// The reference model training on its batch. `dispose()` frees it.
#[wasm_bindgen]
pub struct ReferenceBenchmark {
    inner: Handle<ReferenceBench>,
}

#[wasm_bindgen]
impl ReferenceBenchmark {
    /// Enqueue `steps` steps (a whole number of at least 1); returns at once on WebGPU.
    pub fn train(&self, steps: f64) -> Result<(), JsError> {
        let steps = config::count("steps", steps).map_err(js_error)?;
        self.inner
            .with(|b| {
                b.train(steps);
                Ok(())
            })
            .map_err(js_error)
    }

    /// Resolves, once the enqueued steps ran, to their mean loss.
    pub fn loss(&self) -> Promise {
        let pending = self.inner.with(|b| Ok(b.loss()));
        future_to_promise(async move {
            let loss = pending.map_err(reject)?.await.map_err(reject)?;
            Ok(JsValue::from_f64(loss))
        })
    }

    /// Free the model now. Idempotent; later calls fail.
    pub fn dispose(&self) {
        self.inner.dispose();
    }
}
