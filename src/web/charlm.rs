//! The JavaScript binding of what only the character-level GPT does: more methods of the one `Session` class
//! (wasm-bindgen joins `impl` blocks from several modules), reached through
//! [`crate::session::Session::downcast`].

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::{Session, config, owned, promise};
use crate::methods::CharLm;

const READS: &str = "only the character-level GPT reads text";
const WRITES: &str = "only the character-level GPT writes text";

#[wasm_bindgen]
impl Session {
    /// The character-level GPT: resolves to P(next character | `prompt`), `{ characters,
    /// probabilities }` over the whole vocabulary (the model reads the prompt's last `context`
    /// characters). An empty prompt or a character outside the text's vocabulary is an error
    /// naming it (`prompt: character 3 ('@') is not in the text's vocabulary: ...`).
    pub fn next_char(&self, prompt: JsValue) -> Promise {
        let job = config::text("prompt", &prompt).and_then(|p| {
            self.inner
                .with(|s| Ok(owned(s.downcast::<CharLm>(READS)?.next_char(&p)?.read())))
        });
        promise(job)
    }

    /// The character-level GPT: resolves to `length` characters written after `prompt`, one at
    /// a time, `options = { temperature: 1, top_k: 1000, seed: 0 }` (temperature > 0, top_k >= 1;
    /// the same seed writes the same text).
    pub fn write(&self, prompt: JsValue, length: f64, options: JsValue) -> Promise {
        let job = config::options::<crate::methods::Sampling>(&options).and_then(|sampling| {
            let prompt = config::text("prompt", &prompt)?;
            let length = config::count("length", length)?;
            self.inner.with(|s| {
                s.downcast::<CharLm>(WRITES)?
                    .sample(&prompt, length, sampling)
            })
        });
        promise(job)
    }
}
