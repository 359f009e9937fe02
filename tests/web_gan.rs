//! Headless-browser test of the DCGAN and the CycleGAN: real training steps on the WebGPU
//! backend, the widgets' operations, save -> load, the shipped pretrained models, bad input. A
//! binary (one page) of its own, like the VAE's.

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn gans_train_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::gans_train_save_and_load().await;
}
