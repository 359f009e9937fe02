//! The JavaScript binding of what only PixelCNN does: more methods of the one `Session` class
//! (wasm-bindgen joins `impl` blocks from several modules), reached through
//! [`crate::session::Session::downcast`].

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{Session, config, owned, promise};
use crate::methods::PixelCnn;

const DRAWS: &str = "only PixelCNN draws images pixel by pixel";
const RECEPTIVE: &str = "only PixelCNN has a per-pixel receptive field to show";

/// PixelCNN's causal masks, for drawing: `{ first_size: 7, first: [49 values], later_size: 3,
/// later: [9 values] }`, row by row, 1 where the kernel's weight is used (mask A in the first
/// layer: strictly before the centre; mask B after it: the centre too).
#[wasm_bindgen]
pub fn pixelcnn_masks() -> Result<JsValue, JsError> {
    super::to_js(&crate::methods::Masks::of_network())
}

#[wasm_bindgen]
impl Session {
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
            self.inner.with(|s| {
                s.downcast::<PixelCnn>(DRAWS)?
                    .complete(&images, &known, o.pixels, o.seed)
            })
        });
        promise(job)
    }

    /// PixelCNN: resolves to the receptive field of pixel (`row`, `col`): the magnitude of the
    /// gradient of its logit with respect to every input pixel, over 16 held-out digits,
    /// scaled to a maximum of 1 (group `gradient`), where it is not zero (group `field`), and
    /// those 16 digits binarised (group `images`).
    pub fn receptive_field(&self, row: f64, col: f64) -> Promise {
        let job = config::index("row", row).and_then(|row| {
            let col = config::index("col", col)?;
            self.inner.with(|s| {
                let pixelcnn = s.downcast::<PixelCnn>(RECEPTIVE)?;
                Ok(owned(pixelcnn.receptive_field(row, col)?.read()))
            })
        });
        promise(job)
    }
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
            pixels: crate::methods::images::SIDE,
            seed: 0,
        }
    }
}
