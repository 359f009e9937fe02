//! The representation board's binding (see `crate::board` for the protocol):
//!
//! ```js
//! const board = create_board({ dataset: "mnist", steps: 300, seed: 42, k: 0 });  // k 0: chosen per representation
//! while (!(await (board.train(20), board.report())).done) {}  // the page owns the loop
//! const scores = await board.scores(0.1);                     // 10% of the training labels
//! board.status();                                             // "scoring jigsaw" while scoring
//! ```

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::{
    Handle, config, current_compute, js_error, loaded_data, promise, report_promise, to_js,
};
use crate::Result;
use crate::session::PendingReport;

/// Create a representation board: `{ dataset, steps, seed, k }`, each optional (defaults
/// mnist, 300, 42, and k 0: chosen per representation). Builds every board method; a wrong
/// field is an error naming it.
#[wasm_bindgen]
pub fn create_board(config: JsValue) -> Result<Board, JsError> {
    let config = config::board_config(&config).map_err(js_error)?;
    let compute = current_compute().map_err(js_error)?;
    let data = loaded_data(config.dataset).map_err(js_error)?;
    let board = crate::board::Board::new(config, &data, &compute).map_err(js_error)?;
    Ok(Board {
        inner: Handle::new(board),
    })
}

/// A representation board. `dispose()` frees its models; any call after it is an error.
#[wasm_bindgen]
pub struct Board {
    inner: Handle<crate::board::Board>,
}

#[wasm_bindgen]
impl Board {
    /// Enqueue up to `steps` steps (a whole number, 1 to 10,000) of the method in training;
    /// nothing once every method reached the budget.
    pub fn train(&self, steps: f64) -> Result<(), JsError> {
        let steps = config::count("steps", steps).map_err(js_error)?;
        self.inner.with(|b| b.train(steps)).map_err(js_error)
    }

    /// Resolves to `{ report, budget, trained, total_steps, methods, done }`: `report` is the
    /// method trained last (as `Session.report()`), `trained` how many methods reached the
    /// `budget` of steps, `total_steps` the steps of all methods together.
    pub fn report(&self) -> Promise {
        let pending = self.inner.with(|b| Ok(b.begin_report()));
        board_report(&self.inner, pending, None)
    }

    /// `train(steps)` and `report()` in one call, one promise, with the report's
    /// `compute_seconds` (see `Session.train_and_report`): what the board's player calls.
    pub fn train_and_report(&self, steps: f64) -> Promise {
        let started = web_time::Instant::now();
        let pending = config::count("steps", steps).and_then(|n| {
            self.inner.with(|b| {
                b.train(n)?;
                Ok(b.begin_report())
            })
        });
        board_report(&self.inner, pending, Some(started))
    }

    /// Resolves to every contender scored with `fraction` (0 < fraction <= 1) of the training
    /// labels: `{ fraction, labelled, held_out, k, budget, class_names, scatter_labels,
    /// contenders: [{ name, baseline, steps, seconds, dim, probe, knn, runs, pca: { points,
    /// explained } }] }`.
    pub fn scores(&self, fraction: f64) -> Promise {
        promise(self.inner.with(|b| b.scores(fraction)))
    }

    /// What a running `scores()` is doing, e.g. "scoring random init (2 of 5)"; `undefined`
    /// when idle.
    pub fn status(&self) -> Option<String> {
        self.inner.with(|b| Ok(b.status())).ok().flatten()
    }

    /// Every method back to its untrained state (the baselines' scores are kept).
    pub fn reset(&self) -> Result<(), JsError> {
        self.inner.with(|b| b.reset()).map_err(js_error)
    }

    /// The settings, with every default filled in.
    pub fn config(&self) -> Result<JsValue, JsError> {
        let config = self
            .inner
            .with(|b| Ok(b.config().clone()))
            .map_err(js_error)?;
        to_js(&config)
    }

    /// Free the models now. Idempotent; later calls fail.
    pub fn dispose(&self) {
        self.inner.dispose();
    }
}

/// The promise of a board's report: the method in training's values, if any, read back.
fn board_report(
    handle: &Handle<crate::board::Board>,
    pending: Result<Option<PendingReport>>,
    started: Option<web_time::Instant>,
) -> Promise {
    let read = |pending: Option<PendingReport>| async move {
        match pending {
            Some(p) => Some(p.read().await),
            None => None,
        }
    };
    report_promise(handle, pending, started, read, |b, o| b.finish_report(o))
}
