//! Headless-browser tests of the two-view methods (SimCLR, MoCo, BYOL): real training steps on the
//! WebGPU backend. A binary (one page) of their own: on SwiftShader a step of either takes about
//! 3 s, and the runner's timeout counts per page.

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn contrastive_methods_train_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    web_common::simclr_loss_falls_and_examples_read().await;
    web_common::moco_loss_falls_and_examples_read().await;
    web_common::byol_loss_falls_and_examples_read().await;
}
