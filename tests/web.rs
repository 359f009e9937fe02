//! Headless-browser tests (wasm-bindgen-test in Chromium): real training steps on the WebGPU
//! backend (SwiftShader in CI: tiny batches), the CPU fallback, and the JavaScript API's errors.
//!
//! Each wasm test binary is one page, and a page initialises one backend: the WebGPU test forces
//! `webgpu` and runs first in its own binary (`tests/web.rs`); the CPU test is in `tests/web_cpu.rs`.

#![cfg(target_arch = "wasm32")]

#[path = "web_common/backends.rs"]
mod backends;
mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn methods_train_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    backends::jigsaw_loss_falls_and_examples_read().await;
    backends::deepcluster_loss_falls_and_examples_read().await;
    backends::rotation_loss_falls_and_examples_read().await;
    backends::train_and_report_is_one_call().await;
    backends::bad_input_is_refused().await;
    backends::board_bad_input_is_refused().await;
    backends::memory_is_reported(true);
}
