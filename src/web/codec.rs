//! The JavaScript binding of the codec the autoencoders and VAEs share (interpolation,
//! arithmetic, the 2-D manifold, latent points, a conditional VAE's class sweep): more methods of
//! the one `Session` class (wasm-bindgen joins `impl` blocks from several modules).

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{SampleOptions, Session, config, promise};
use crate::Error;

#[wasm_bindgen]
impl Session {
    /// Resolves to the interpolation between images `a` and `b` (each 784 values in [0, 1],
    /// row by row: picked from the data or drawn): `options = { frames: 8, mode: "linear" |
    /// "spherical", classes: [a's, b's] }` (classes for a conditional VAE). Groups `frames` and
    /// `ends` (the two inputs).
    pub fn interpolate(&self, a: JsValue, b: JsValue, options: JsValue) -> Promise {
        let job = config::options::<InterpolateOptions>(&options).and_then(|o| {
            let (a, b) = (config::pixels("a", &a)?, config::pixels("b", &b)?);
            self.inner
                .with(|s| s.interpolate(&a, &b, o.classes, o.frames, o.mode))
        });
        promise(job)
    }

    /// Resolves to latent arithmetic on three images: the decoding of `code(a) - code(b) +
    /// code(c)`. `options = { classes: [a's, b's, c's] }` for a conditional VAE. Groups
    /// `inputs`, `reconstructions`, `result`.
    pub fn arithmetic(&self, a: JsValue, b: JsValue, c: JsValue, options: JsValue) -> Promise {
        let job = config::options::<ArithmeticOptions>(&options).and_then(|o| {
            let a = config::pixels("a", &a)?;
            let b = config::pixels("b", &b)?;
            let c = config::pixels("c", &c)?;
            self.inner.with(|s| s.arithmetic([&a, &b, &c], o.classes))
        });
        promise(job)
    }

    /// A 2-D latent: resolves to the decoded `side x side` grid over +-2 on both axes (group
    /// `grid`, row by row from the top); `options.class` for a conditional VAE.
    pub fn manifold(&self, side: f64, options: JsValue) -> Promise {
        let job = config::options::<SampleOptions>(&options).and_then(|o| {
            let side = config::count("side", side)?;
            self.inner.with(|s| s.manifold(side, o.class))
        });
        promise(job)
    }

    /// A 2-D latent: resolves to the latent means of `count` held-out images: `{ points: [x0,
    /// y0, x1, y1, ...], labels, class_names, range }`.
    pub fn latent_points(&self, count: f64) -> Promise {
        let job =
            config::count("count", count).and_then(|n| self.inner.with(|s| s.latent_points(n)));
        promise(job)
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
            self.inner
                .with(|s| s.class_sweep(image.as_ref().map(|(px, c)| (px.as_slice(), *c)), o.seed))
        });
        promise(job)
    }
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

/// Options of `arithmetic`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ArithmeticOptions {
    classes: [usize; 3],
}
