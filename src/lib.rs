//! # Unsupervised Playground
//!
//! Every idea of an unsupervised / self-supervised learning lecture, trained live in the browser
//! on WebGPU from this one Rust core (burn 0.22 on burn-wgpu, burn-flex as the CPU fallback).
//!
//! The crate compiles to wasm for the page (`www/`, built by Trunk) and natively for tests,
//! benchmarks and pretraining (`src/main.rs`, the `playground` command).
//!
//! Layout (one idea per file; only [`web`] touches wasm-bindgen):
//! - [`backend`]: the one place that chooses a device (WebGPU/Vulkan, or the CPU fallback).
//! - [`data`]: the shipped datasets, the seeded train/held-out split, device-side batching and
//!   image transforms.
//! - [`nn`]: reusable blocks (the small CNN encoder, MLP heads).
//! - [`losses`]: small pure loss functions with shape docs.
//! - [`methods`]: one file per method, plus the [`methods::Method`] trait every method implements.
//! - [`session`]: the uniform session every method is driven through (train n steps, async
//!   report, examples, evaluation, reset), shared by the page, the CLI and the tests.
//! - [`checkpoint`]: saving any session's model to a file and loading it back.
//! - [`eval`]: linear probe and the other representation scores.
//! - [`pace`]: long computations give the page's event loop a turn now and then.
//! - `web` (wasm only): the browser boundary.

pub mod backend;
pub mod checkpoint;
pub mod data;
pub mod error;
pub mod eval;
pub mod losses;
pub mod methods;
pub mod nn;
pub mod pace;
pub mod reference;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, Result};
