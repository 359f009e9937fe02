//! Headless-browser test of the autoencoders and VAEs: real training steps on the WebGPU
//! backend, every operation the widget uses, save -> load, the shipped pretrained VAE, and bad
//! input. A binary (one page) of its own, like CLIP's.

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn autoencoders_and_vaes_train_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::generative_trains_saves_and_loads().await;
}
