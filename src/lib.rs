//! # Unsupervised Playground
//!
//! Every idea of an unsupervised / self-supervised learning lecture, trained live in the browser
//! on WebGPU from this one Rust core (burn 0.22 on burn-wgpu, burn-flex as the CPU fallback).
//!
//! The crate compiles to wasm for the page (`www/`, built by Trunk) and natively for tests,
//! benchmarks and pretraining (`src/main.rs`, the `playground` command).
//!
//! Layout (one idea per file; only [`web`] touches wasm-bindgen), each module using only those
//! listed before it (`tests/modules.rs` fails on an import cycle):
//! - [`error`]: the one error type, whose message names the bad field; [`readback`]: the one
//!   way values come back from the device.
//! - [`backend`]: the one place that chooses a device (WebGPU/Vulkan, or the CPU fallback).
//! - [`pace`]: long computations give the page's event loop a turn now and then.
//! - [`data`]: the shipped datasets, the seeded train/held-out split, device-side batching and
//!   image transforms.
//! - [`nn`]: reusable blocks (the small CNN encoder, MLP heads).
//! - [`losses`]: small pure loss functions with shape docs.
//! - [`record`]: a network's weights as record bytes, what each method saves and loads.
//! - [`eval`]: linear probe and the other representation scores.
//! - [`methods`]: one file per method, each one line in the registry, plus the narrow
//!   [`methods::Method`] trait every method implements.
//! - [`checkpoint`]: a session's model as a file (config, step, parts) and back.
//! - [`session`]: the uniform session every method is driven through (train n steps, async
//!   report, examples, evaluation, reset), shared by the page, the CLI and the tests.
//! - [`board`]: the representation board, every board method's session side by side.
//! - [`reference`]: the reference model of the burn-vs-TF.js benchmark.
//! - `web` (wasm only): the browser boundary.

pub mod backend;
pub mod board;
pub mod checkpoint;
pub mod data;
pub mod error;
pub mod eval;
pub mod losses;
pub mod methods;
pub mod nn;
pub mod pace;
pub mod readback;
pub mod record;
pub mod reference;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, Result};

/// A future that owns everything it needs (no borrow of the session), so the page can keep
/// training while an evaluation runs.
pub type LocalFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;
