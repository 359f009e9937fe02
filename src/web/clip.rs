//! The JavaScript binding of what only CLIP does: more methods of the one `Session` class
//! (wasm-bindgen joins `impl` blocks from several modules), reached through
//! [`crate::session::Session::downcast`].

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::{Session, config, owned, promise};
use crate::methods::Clip;

const CAPTIONS: &str = "only CLIP classifies images by captions";

#[wasm_bindgen]
impl Session {
    /// CLIP only: resolves to `count` held-out images (shape-colour pairs never trained on)
    /// classified by `captions`, an array of candidate captions typed by the user: `{ rows,
    /// cols, channels, pixels, candidates, captions, probabilities, predicted, expected,
    /// accuracy }` (see the README). An empty caption or an unknown word is an error naming
    /// the caption (`captions[2]: unknown word "purple"; ...`).
    pub fn zero_shot(&self, captions: JsValue, count: f64) -> Promise {
        let job = config::captions(&captions).and_then(|candidates| {
            let count = config::count("count", count)?;
            self.inner.with(|s| {
                let clip = s.downcast::<Clip>(CAPTIONS)?;
                Ok(owned(clip.zero_shot(&candidates, count)?.read()))
            })
        });
        promise(job)
    }
}
