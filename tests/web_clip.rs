//! Headless-browser test of CLIP: real training steps on the WebGPU backend, typed captions, and
//! CLIP's bad input. A binary (one page) of its own: the runner's timeout counts per page, and
//! the two-view methods already fill most of theirs on SwiftShader.

#![cfg(target_arch = "wasm32")]

mod web_common;

use unsupervised_playground::web;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_common::*;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn clip_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    clip_loss_falls_and_captions_classify().await;
}

/// Real CLIP steps (captioned shapes, no dataset to load): 8 image-caption pairs a step; then
/// typed captions classify unseen images, and bad captions are refused naming the caption.
pub async fn clip_loss_falls_and_captions_classify() {
    let config = obj(&[
        ("method", "clip".into()),
        ("batch_size", 8.into()),
        ("learning_rate", 0.003.into()),
    ]);
    // ln 8 = 2.08 at chance.
    let session = trained_session(config, 0, [2, 14, 6], 1.6).await;
    let captions = |words: &[&str]| -> JsValue {
        words
            .iter()
            .map(|w| JsValue::from(*w))
            .collect::<js_sys::Array>()
            .into()
    };
    let zero_shot =
        |captions: JsValue, count: f64| JsFuture::from(session.zero_shot(captions, count));
    let z = zero_shot(captions(&["a red circle", "a blue square", "green"]), 4.0)
        .await
        .map_err(message)
        .unwrap();
    let probabilities: js_sys::Array = get(&z, "probabilities").dyn_into().unwrap();
    assert_eq!(probabilities.length(), 4 * 3);
    assert_eq!(get(&z, "channels").as_f64(), Some(3.0));
    let cases = [
        (
            captions(&["a purple circle"]),
            4.0,
            "captions[0]: unknown word \"purple\"",
        ),
        (captions(&["red", ""]), 4.0, "captions[1]: is empty"),
        (captions(&[]), 4.0, "captions: "),
        (JsValue::from("a red circle"), 4.0, "captions: "),
        (js_sys::Array::of1(&42.into()).into(), 4.0, "captions[0]: "),
        (captions(&["red"]), 0.0, "count: "),
    ];
    for (value, count, start) in cases {
        let e = zero_shot(value, count)
            .await
            .map(|_| ())
            .map_err(message)
            .unwrap_err();
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    session.dispose();
    // CLIP's own fields, and the zero-shot call of a method without captions.
    for (config, field) in [
        (
            obj(&[("method", "clip".into()), ("batch_size", 97.into())]),
            "batch_size",
        ),
        (
            obj(&[("method", "clip".into()), ("dataset", "mnist".into())]),
            "dataset",
        ),
        (
            obj(&[("method", "clip".into()), ("temperature", 0.into())]),
            "temperature",
        ),
    ] {
        let e = js_message(web::create_session(config).err().expect("refused"));
        assert!(e.starts_with(&format!("{field}: ")), "{e}");
    }
    let rotation = web::create_session(rotation(4.0))
        .map_err(js_message)
        .unwrap();
    let e = JsFuture::from(rotation.zero_shot(captions(&["red"]), 1.0))
        .await
        .map(|_| ())
        .map_err(message)
        .unwrap_err();
    assert!(e.starts_with("method: "), "{e}");
    rotation.dispose();
}
