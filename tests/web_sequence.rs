//! Headless-browser test of the autoregressive and masked models (the character-level GPT,
//! PixelCNN, the masked autoencoder): real training steps
//! on the WebGPU backend, the widget's operations, save -> load, bad input. A binary (one page)
//! of its own.

#![cfg(target_arch = "wasm32")]

mod web_common;

use unsupervised_playground::web;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_common::*;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn charlm_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    charlm_trains_reads_and_writes().await;
}

#[wasm_bindgen_test]
async fn pixelcnn_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    pixelcnn_trains_samples_and_inpaints().await;
}

#[wasm_bindgen_test]
async fn mae_trains_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    mae_trains_and_reconstructs().await;
}

/// The character-level GPT in the browser: real training steps lower the loss, the
/// next-character distribution as the widget asks for it, writing with a seed, save -> load,
/// bad prompts and options refused.
pub async fn charlm_trains_reads_and_writes() {
    let call = |p: js_sys::Promise| async move { JsFuture::from(p).await.map_err(message) };
    let config = obj(&[
        ("method", "charlm".into()),
        ("batch_size", 8.into()),
        ("context", 16.into()),
        ("layers", 1.into()),
    ]);
    // 60 characters: log2(60) = 5.9 bits, ln(60) = 4.1 nats per character at the start.
    let session = train_until_lower(config.clone(), 0, [1, 8, 2], 3.0).await;
    let next = call(session.next_char("And God sa".into())).await.unwrap();
    let characters: js_sys::Array = get(&next, "characters").dyn_into().unwrap();
    let probabilities: js_sys::Array = get(&next, "probabilities").dyn_into().unwrap();
    assert_eq!(characters.length(), 60);
    let total: f64 = probabilities.iter().map(|p| p.as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-3, "{total}");
    let options = || obj(&[("temperature", 0.8.into()), ("seed", 5.into())]);
    let text = call(session.write("And God".into(), 20.0, options()))
        .await
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(text.chars().count(), 20);
    for (promise, start) in [
        (session.next_char("".into()), "prompt: is empty"),
        (
            session.next_char("God @ home".into()),
            "prompt: character 4 ('@') is not in the text's vocabulary",
        ),
        (session.next_char(7.into()), "prompt: expected a string"),
        (
            session.write("And".into(), 5.0, obj(&[("temperature", 0.into())])),
            "temperature: must be a number greater than 0",
        ),
        (
            session.write("And".into(), 5.0, obj(&[("top_k", 0.into())])),
            "top_k: must be at least 1",
        ),
        (
            session.write("And".into(), 5.0, obj(&[("topk", 3.into())])),
            "topk: unknown field",
        ),
        (
            session.write("And".into(), 0.0, JsValue::UNDEFINED),
            "length: expected a whole number",
        ),
    ] {
        let e = call(promise).await.map(|_| ()).unwrap_err();
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    // Save -> load: the same text from the same seed.
    let bytes: js_sys::Uint8Array = call(session.save()).await.unwrap().dyn_into().unwrap();
    let fresh = web::create_session(config).map_err(js_message).unwrap();
    fresh
        .load(bytes.clone().into(), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    let again = call(fresh.write("And God".into(), 20.0, options()))
        .await
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(again, text, "the loaded model writes other text");
    session.dispose();
    fresh.dispose();
    for (config, field) in [
        (
            obj(&[("method", "charlm".into()), ("heads", 3.into())]),
            "heads",
        ),
        (
            obj(&[("method", "charlm".into()), ("context", 0.into())]),
            "context",
        ),
    ] {
        let e = js_message(web::create_session(config).err().expect("refused"));
        assert!(e.starts_with(&format!("{field}: ")), "{e}");
    }
}

/// PixelCNN on the backend under test: the loss (nats per pixel, ln 2 = 0.69 for a coin) falls;
/// a few pixels sampled and inpainted, the receptive field, bad input; save -> load gives the
/// same gradients.
pub async fn pixelcnn_trains_samples_and_inpaints() {
    let call = |p: js_sys::Promise| async move { JsFuture::from(p).await.map_err(message) };
    let config = obj(&[
        ("method", "pixelcnn".into()),
        ("channels", 8.into()),
        ("layers", 2.into()),
        ("batch_size", 8.into()),
    ]);
    let session = train_until_lower(config.clone(), 0, [1, 8, 2], 0.3).await;
    let masks = web::pixelcnn_masks().map_err(js_message).unwrap();
    let first: js_sys::Array = get(&masks, "first").dyn_into().unwrap();
    assert_eq!(first.length(), 49);
    // Sampling: two blank images, the first 10 pixels drawn.
    let blank = js_sys::Float32Array::new_with_length(2 * 784);
    let out = call(session.complete(
        blank.clone().into(),
        blank.clone().into(),
        obj(&[("pixels", 10.into())]),
    ))
    .await
    .unwrap();
    let known = group_pixels(&out, "known");
    assert_eq!(known.len(), 2 * 784);
    let drawn: Vec<usize> = (0..784).filter(|&p| known[p] == 255.0).collect();
    assert_eq!(drawn, (0..10).collect::<Vec<_>>());
    // Inpainting: one digit's erased pixels 400..410 drawn, the rest kept.
    let field = call(session.receptive_field(14.0, 14.0)).await.unwrap();
    let digits = group_pixels(&field, "images");
    let image: Vec<f32> = digits[..784].iter().map(|&v| (v / 255.0) as f32).collect();
    let mut mask = vec![1.0f32; 784];
    mask[400..410].fill(0.0);
    let out = call(session.complete(
        js_sys::Float32Array::from(image.as_slice()).into(),
        js_sys::Float32Array::from(mask.as_slice()).into(),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap();
    let completed = group_pixels(&out, "image");
    for p in (0..784).filter(|p| !(400..410).contains(p)) {
        assert_eq!(completed[p], digits[p], "given pixel {p} changed");
    }
    assert!(group_pixels(&out, "known").iter().all(|&k| k == 255.0));
    let gradient = group_pixels(&field, "gradient");
    assert!(
        gradient[14 * 28 + 13] > 0.0,
        "the pixel to the left is read"
    );
    assert!(
        gradient[14 * 28 + 14..].iter().all(|&g| g == 0.0),
        "a later pixel is read"
    );
    for (promise, start) in [
        (
            session.complete(
                blank.clone().into(),
                js_sys::Float32Array::new_with_length(784).into(),
                JsValue::UNDEFINED,
            ),
            "known: must mark every pixel of the images (1568 values",
        ),
        (
            session.complete(
                blank.clone().into(),
                blank.clone().into(),
                obj(&[("pixels", 0.into())]),
            ),
            "pixels: must be between 1 and 784",
        ),
        (
            session.complete("x".into(), blank.clone().into(), JsValue::UNDEFINED),
            "images: expected a Float32Array",
        ),
        (
            session.receptive_field(28.0, 0.0),
            "row: must be between 0 and 27",
        ),
        (session.receptive_field(0.0, -1.0), "col:"),
    ] {
        let e = call(promise).await.map(|_| ()).unwrap_err();
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    let bytes: js_sys::Uint8Array = call(session.save()).await.unwrap().dyn_into().unwrap();
    let fresh = web::create_session(config).map_err(js_message).unwrap();
    fresh
        .load(bytes.clone().into(), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    let again = call(fresh.receptive_field(14.0, 14.0)).await.unwrap();
    assert_eq!(group_pixels(&again, "gradient"), gradient);
    session.dispose();
    fresh.dispose();
    let e = js_message(
        web::create_session(obj(&[
            ("method", "pixelcnn".into()),
            ("channels", 0.into()),
        ]))
        .err()
        .expect("refused"),
    );
    assert!(e.starts_with("channels: "), "{e}");
}

/// The masked autoencoder on the backend under test: the masked-patch error falls; the
/// reconstructions keep 12 of 49 patches at 75%; bad mask ratios; save -> load identical.
pub async fn mae_trains_and_reconstructs() {
    let call = |p: js_sys::Promise| async move { JsFuture::from(p).await.map_err(message) };
    let config = obj(&[
        ("method", "mae".into()),
        ("embedding", 16.into()),
        ("heads", 2.into()),
        ("layers", 1.into()),
        ("decoder_embedding", 8.into()),
        ("batch_size", 16.into()),
        ("learning_rate", 0.003.into()),
    ]);
    let session = train_until_lower(config.clone(), 0, [1, 10, 2], 0.02).await;
    let options = || obj(&[("mask_ratio", 0.75.into()), ("seed", 3.into())]);
    let rec = call(session.reconstructions(0.0, 2.0, options()))
        .await
        .unwrap();
    let input = group_pixels(&rec, "input");
    let masked = group_pixels(&rec, "masked");
    assert_eq!(group_pixels(&rec, "reconstruction").len(), 2 * 784);
    // Count each image's grey 4x4 patches (digits have none of their own).
    for i in 0..2 {
        let grey = (0..49)
            .filter(|patch| {
                (0..16).all(|k| {
                    let at = i * 784 + (patch / 7 * 4 + k / 4) * 28 + patch % 7 * 4 + k % 4;
                    masked[at] == 128.0 && input[at] != 128.0
                })
            })
            .count();
        assert_eq!(grey, 37, "image {i}: 49 patches, 12 visible");
    }
    for (promise, start) in [
        (
            session.reconstructions(0.0, 2.0, obj(&[("mask_ratio", 1.into())])),
            "mask_ratio: must be a number between 0 and 1",
        ),
        (
            session.reconstructions(0.0, 2.0, obj(&[("mask_ratio", "most".into())])),
            "mask_ratio: invalid type",
        ),
        (
            session.reconstructions(0.0, 2.0, obj(&[("ratio", 0.5.into())])),
            "ratio: unknown field",
        ),
    ] {
        let e = call(promise).await.map(|_| ()).unwrap_err();
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    let bytes: js_sys::Uint8Array = call(session.save()).await.unwrap().dyn_into().unwrap();
    let fresh = web::create_session(config).map_err(js_message).unwrap();
    fresh
        .load(bytes.clone().into(), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    let again = call(fresh.reconstructions(0.0, 2.0, options()))
        .await
        .unwrap();
    assert_eq!(
        group_pixels(&again, "reconstruction"),
        group_pixels(&rec, "reconstruction")
    );
    session.dispose();
    fresh.dispose();
    for (value, start) in [
        (
            JsValue::from(0.0),
            "mask_ratio: must be a number between 0 and 1",
        ),
        (
            JsValue::from(1.5),
            "mask_ratio: must be a number between 0 and 1",
        ),
        (
            JsValue::from(0.999),
            "mask_ratio: 0.999 of 49 patches leaves 0 visible",
        ),
    ] {
        let e = js_message(
            web::create_session(obj(&[("method", "mae".into()), ("mask_ratio", value)]))
                .err()
                .expect("refused"),
        );
        assert!(e.starts_with(start), "{e}");
    }
}
