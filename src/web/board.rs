//! The representation board's binding (see `eval::board` for the protocol):
//!
//! ```js
//! const board = create_board({ dataset: "mnist", steps: 300, seed: 42, k: 20 });
//! while (!(await (board.train(20), board.report())).done) {}  // the page owns the loop
//! const scores = await board.scores(0.1);                     // 10% of the training labels
//! board.status();                                             // "scoring jigsaw" while scoring
//! ```

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::{Handle, config, current_compute, js_error, loaded_data, reject, to_js};
use crate::Result;

/// Create a representation board: `{ dataset, steps, seed, k }`, each optional (defaults
/// mnist, 300, 42, 20). Builds every board method; a wrong field is an error naming it.
#[wasm_bindgen]
pub fn create_board(config: JsValue) -> Result<Board, JsError> {
    let config = config::board_config(&config).map_err(js_error)?;
    let compute = current_compute().map_err(js_error)?;
    let data = loaded_data(config.dataset).map_err(js_error)?;
    let board = crate::eval::Board::new(config, &data, &compute).map_err(js_error)?;
    Ok(Board {
        inner: Handle::new(board),
    })
}

/// A representation board. `dispose()` frees its models; any call after it is an error.
#[wasm_bindgen]
pub struct Board {
    inner: Handle<crate::eval::Board>,
}

impl Board {
    fn with<T>(&self, f: impl FnOnce(&mut crate::eval::Board) -> Result<T>) -> Result<T> {
        self.inner.with(f)
    }
}

#[wasm_bindgen]
impl Board {
    /// Enqueue up to `steps` steps (a whole number, 1 to 10,000) of the method in training;
    /// nothing once every method reached the budget.
    pub fn train(&self, steps: f64) -> Result<(), JsError> {
        let steps = config::count("steps", steps).map_err(js_error)?;
        self.with(|b| b.train(steps)).map_err(js_error)
    }

    /// Resolves to `{ report, budget, trained, total_steps, methods, done }`: `report` is the
    /// method trained last (as `Session.report()`), `trained` how many methods reached the
    /// `budget` of steps, `total_steps` the steps of all methods together.
    pub fn report(&self) -> Promise {
        let pending = self.with(|b| Ok(b.begin_report()));
        let inner = self.inner.clone();
        future_to_promise(async move {
            let outcome = match pending.map_err(reject)? {
                Some(p) => Some(p.read().await),
                None => None,
            };
            let report = inner.with(|b| b.finish_report(outcome));
            to_js(&report.map_err(reject)?).map_err(JsValue::from)
        })
    }

    /// Resolves to every contender scored with `fraction` (0 < fraction <= 1) of the training
    /// labels: `{ fraction, labelled, held_out, k, budget, class_names, scatter_labels,
    /// contenders: [{ name, baseline, steps, seconds, dim, probe, knn, runs, pca: { points,
    /// explained } }] }`.
    pub fn scores(&self, fraction: f64) -> Promise {
        let job = self.with(|b| b.scores(fraction));
        future_to_promise(async move {
            let scores = job.map_err(reject)?.await.map_err(reject)?;
            to_js(&scores).map_err(JsValue::from)
        })
    }

    /// What a running `scores()` is doing, e.g. "scoring random init (2 of 5)"; `undefined`
    /// when idle.
    pub fn status(&self) -> Option<String> {
        self.inner.with(|b| Ok(b.status())).ok().flatten()
    }

    /// Every method back to its untrained state (the baselines' scores are kept).
    pub fn reset(&self) -> Result<(), JsError> {
        self.with(|b| {
            b.reset();
            Ok(())
        })
        .map_err(js_error)
    }

    /// The settings, with every default filled in.
    pub fn config(&self) -> Result<JsValue, JsError> {
        let config = self.with(|b| Ok(b.config().clone())).map_err(js_error)?;
        to_js(&config)
    }

    /// Free the models now. Idempotent; later calls fail.
    pub fn dispose(&self) {
        self.inner.dispose();
    }
}
