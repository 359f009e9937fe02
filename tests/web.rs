//! Headless-browser tests (wasm-bindgen-test in Chromium): real training steps on the WebGPU
//! backend (SwiftShader in CI: tiny batches), the CPU fallback, and the JavaScript API's errors.
//!
//! Each wasm test binary is one page, and a page initialises one backend: the WebGPU test forces
//! `webgpu` and runs first in its own binary (`tests/web.rs`); the CPU test is in `tests/web_cpu.rs`.

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn methods_train_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::jigsaw_loss_falls_and_examples_read().await;
    web_common::deepcluster_loss_falls_and_examples_read().await;
    web_common::rotation_loss_falls_and_examples_read().await;
    web_common::bad_input_is_refused().await;
    web_common::board_bad_input_is_refused().await;
    web_common::memory_is_reported(true);
}
