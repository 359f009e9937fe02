//! Headless-browser test of the autoregressive and masked models (the character-level GPT,
//! PixelCNN, the masked autoencoder): real training steps
//! on the WebGPU backend, the widget's operations, save -> load, bad input. A binary (one page)
//! of its own.

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn charlm_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::charlm_trains_reads_and_writes().await;
}

#[wasm_bindgen_test]
async fn pixelcnn_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::pixelcnn_trains_samples_and_inpaints().await;
}

#[wasm_bindgen_test]
async fn mae_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::mae_trains_and_reconstructs().await;
}
