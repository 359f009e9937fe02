//! The CPU fallback in a headless browser (see `tests/web.rs`).

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn methods_train_on_the_cpu_fallback() {
    web_common::init("cpu", "cpu").await;
    web_common::rotation_loss_falls_and_examples_read().await;
    web_common::jigsaw_loss_falls_and_examples_read().await;
    web_common::deepcluster_loss_falls_and_examples_read().await;
    web_common::bad_input_is_refused().await;
    web_common::board_bad_input_is_refused().await;
    web_common::memory_is_reported(false);
    web_common::reference_model_trains().await;
    web_common::board_trains_and_scores().await;
}
