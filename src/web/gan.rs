//! The JavaScript binding of what only a GAN does: more methods of the one `Session` class
//! (wasm-bindgen joins `impl` blocks from several modules), reached through
//! [`crate::session::Session::downcast`].

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{Session, config, owned, promise};
use crate::methods::Gan;

const GENERATES: &str = "only a GAN turns noise vectors into images";
const WALKS: &str = "only a GAN walks its noise space (a VAE interpolates between images)";

#[wasm_bindgen]
impl Session {
    /// A GAN: resolves to the generator's images of the given noise vectors (`count x noise`
    /// values, a `Float32Array` or an array; `noise` is the session's config field). Group
    /// `samples`.
    pub fn generate(&self, noise: JsValue) -> Promise {
        let job = config::numbers("noise", &noise).and_then(|noise| {
            self.inner.with(|s| {
                Ok(owned(
                    s.downcast::<Gan>(GENERATES)?.generate_from(&noise)?.read(),
                ))
            })
        });
        promise(job)
    }

    /// A GAN: resolves to a walk through noise space from the noise drawn with seed `from` to
    /// that of seed `to` (the seeds of `samples`, so a walk can start and end on two samples
    /// of the grid): `options = { frames: 8, mode: "linear" | "spherical" }`. Group `frames`.
    pub fn latent_walk(&self, from: f64, to: f64, options: JsValue) -> Promise {
        let job = config::options::<WalkOptions>(&options).and_then(|o| {
            let (from, to) = (config::index("from", from)?, config::index("to", to)?);
            self.inner.with(|s| {
                let gan = s.downcast::<Gan>(WALKS)?;
                Ok(owned(
                    gan.latent_walk(from as u64, to as u64, o.frames, o.mode)?
                        .read(),
                ))
            })
        });
        promise(job)
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
