//! The CPU fallback in a headless browser (see `tests/web.rs`).

#![cfg(target_arch = "wasm32")]

mod web_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn rotation_trains_on_the_cpu_fallback() {
    web_common::init("cpu", "cpu").await;
    web_common::loss_falls_and_examples_read().await;
    web_common::bad_input_is_refused().await;
}
