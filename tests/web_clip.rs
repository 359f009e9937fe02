//! Headless-browser test of CLIP: real training steps on the WebGPU backend, typed captions, and
//! CLIP's bad input. A binary (one page) of its own: the runner's timeout counts per page, and
//! the two-view methods already fill most of theirs on SwiftShader.

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn clip_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::clip_loss_falls_and_captions_classify().await;
}
