//! The CPU fallback in a headless browser (see `tests/web.rs`).

#![cfg(target_arch = "wasm32")]

#[path = "web_common/backends.rs"]
mod backends;
mod web_common;

use unsupervised_playground::web;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_common::*;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn methods_train_on_the_cpu_fallback() {
    web_common::init("cpu", "cpu").await;
    backends::rotation_loss_falls_and_examples_read().await;
    backends::train_and_report_is_one_call().await;
    backends::jigsaw_loss_falls_and_examples_read().await;
    backends::deepcluster_loss_falls_and_examples_read().await;
    backends::bad_input_is_refused().await;
    backends::board_bad_input_is_refused().await;
    backends::memory_is_reported(false);
    reference_model_trains().await;
    board_trains_and_scores().await;
}

/// The representation board's binding: a refused setting names its field, never a panic.
/// The benchmark's reference model trains on the page's device (its fixed batch is memorised),
/// and its options are checked like any config.
pub async fn reference_model_trains() {
    for (options, field) in [
        (obj(&[("seed", (-1).into())]), "seed"),
        (obj(&[("sead", 1.into())]), "sead"),
        (JsValue::from(3), "options"),
    ] {
        match web::create_reference_benchmark(options.clone()) {
            Ok(_) => panic!("{options:?} was accepted"),
            Err(e) => {
                let err = js_message(e);
                assert!(
                    err.starts_with(&format!("{field}: ")),
                    "{options:?}: {err:?}"
                );
            }
        }
    }
    let bench = web::create_reference_benchmark(JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    bench.train(1.0).map_err(js_message).unwrap();
    let first = JsFuture::from(bench.loss())
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    bench.train(4.0).map_err(js_message).unwrap();
    let later = JsFuture::from(bench.loss())
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(later < first, "{first} -> {later}");
    assert!(bench.train(0.0).is_err());
    bench.dispose();
    assert!(
        bench.train(1.0).is_err(),
        "a disposed benchmark refuses to train"
    );
}

/// A short board: every method trained to a budget of 2 steps, then every contender scored with
/// 1% of the labels (80 images).
pub async fn board_trains_and_scores() {
    let t = js_sys::Date::now();
    let board = web::create_board(obj(&[("steps", 2.into())]))
        .map_err(js_message)
        .unwrap();
    let mut calls = 0;
    loop {
        board.train(1.0).map_err(js_message).unwrap();
        yield_to_browser().await;
        let r = JsFuture::from(board.report())
            .await
            .map_err(message)
            .unwrap();
        calls += 1;
        let methods = unsupervised_playground::methods::BOARD.len();
        if get(&r, "done").as_bool().unwrap() {
            assert_eq!(
                get(&r, "total_steps").as_f64().unwrap(),
                2.0 * methods as f64
            );
            break;
        }
        assert!(
            calls < 2 * methods,
            "the board did not finish in {} calls",
            2 * methods
        );
    }
    wasm_bindgen_test::console_log!("board trained: {:.0} ms", js_sys::Date::now() - t);
    let t = js_sys::Date::now();
    let scores = JsFuture::from(board.scores(0.01))
        .await
        .map_err(message)
        .unwrap();
    wasm_bindgen_test::console_log!("board scored: {:.0} ms", js_sys::Date::now() - t);
    assert_eq!(get(&scores, "labelled").as_f64().unwrap(), 80.0);
    let contenders: js_sys::Array = get(&scores, "contenders").dyn_into().unwrap();
    let names: Vec<String> = contenders
        .iter()
        .map(|c| get(&c, "name").as_string().unwrap())
        .collect();
    let mut want = vec!["random init", "raw pixels"];
    want.extend(unsupervised_playground::methods::BOARD);
    assert_eq!(names, want);
    let pixels = contenders.get(1);
    let probe = get(&pixels, "probe").as_f64().unwrap();
    assert!(probe > 0.4, "raw pixels with 80 labels: {probe}");
    let points: js_sys::Array = get(&get(&pixels, "pca"), "points").dyn_into().unwrap();
    assert_eq!(points.length(), 2000);
    assert!(board.status().is_none());
    board.dispose();
}
