//! The JavaScript binding of what only CycleGAN does: more methods of the one `Session` class
//! (wasm-bindgen joins `impl` blocks from several modules), reached through
//! [`crate::session::Session::downcast`].

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{Session, config, owned, promise};
use crate::methods::CycleGan;

const TRANSLATES: &str = "only CycleGAN translates images";

#[wasm_bindgen]
impl Session {
    /// CycleGAN: resolves to `count` held-out digits from `start` in the source domain of
    /// `options.direction` (`"x_to_y"`, regular to bold, the default, or `"y_to_x"`),
    /// translated and translated back: groups `input`, `translated`, `cycled`, and `labels`.
    pub fn translations(&self, start: f64, count: f64, options: JsValue) -> Promise {
        let job = config::options::<TranslateOptions>(&options).and_then(|o| {
            let start = config::index("start", start)?;
            let count = config::count("count", count)?;
            self.inner.with(|s| {
                let cyclegan = s.downcast::<CycleGan>(TRANSLATES)?;
                Ok(owned(
                    cyclegan.translations(start, count, o.direction)?.read(),
                ))
            })
        });
        promise(job)
    }

    /// CycleGAN: resolves to `image` (784 values in [0, 1], drawn on the page) translated in
    /// `options.direction` and back: groups `input`, `translated`, `cycled`.
    pub fn translate(&self, image: JsValue, options: JsValue) -> Promise {
        let job = config::options::<TranslateOptions>(&options).and_then(|o| {
            let image = config::pixels("image", &image)?;
            self.inner.with(|s| {
                let cyclegan = s.downcast::<CycleGan>(TRANSLATES)?;
                Ok(owned(cyclegan.translate_drawn(&image, o.direction)?.read()))
            })
        });
        promise(job)
    }
}

/// Options of `translations` and `translate`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TranslateOptions {
    direction: crate::methods::Direction,
}
