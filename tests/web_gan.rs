//! Headless-browser test of the DCGAN and the CycleGAN: real training steps on the WebGPU
//! backend, the widgets' operations, save -> load, the shipped pretrained models, bad input. A
//! binary (one page) of its own, like the VAE's.

#![cfg(target_arch = "wasm32")]

mod web_common;

use unsupervised_playground::web;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_common::*;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn gans_train_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    gans_train_save_and_load().await;
}

static PRETRAINED_GAN: &[u8] = include_bytes!("../www/pretrained/gan.upck");

static PRETRAINED_CYCLEGAN: &[u8] = include_bytes!("../www/pretrained/cyclegan.upck");

/// The DCGAN and the CycleGAN in the browser: real training steps (the discriminator's loss
/// falls from chance; the CycleGAN's total, cycle-dominated loss falls), the widgets'
/// operations, save -> load bit-identical, the shipped pretrained models, bad input.
pub async fn gans_train_save_and_load() {
    let call = |p: js_sys::Promise| async move { JsFuture::from(p).await.map_err(message) };
    let gan = obj(&[("method", "gan".into()), ("batch_size", 8.into())]);
    // Chance for the non-saturating discriminator is 2 ln 2 = 1.39.
    let session =
        train_until_lower_metric(gan.clone(), "discriminator_loss", 0, [1, 6, 2], 1.0).await;
    let seed = || obj(&[("seed", 3.into())]);
    let samples = group_pixels(
        &call(session.samples(4.0, seed())).await.unwrap(),
        "samples",
    );
    assert_eq!(samples.len(), 4 * 784);
    let walk = call(session.latent_walk(
        1.0,
        2.0,
        obj(&[("frames", 5.into()), ("mode", "spherical".into())]),
    ))
    .await
    .unwrap();
    assert_eq!(group_pixels(&walk, "frames").len(), 5 * 784);
    let noise = js_sys::Float32Array::new_with_length(2 * 32);
    let made = call(session.generate(noise.clone().into())).await.unwrap();
    assert_eq!(group_pixels(&made, "samples").len(), 2 * 784);
    for (promise, start) in [
        (
            session.generate(js_sys::Float32Array::new_with_length(33).into()),
            "noise: must hold 1 to 256 noise vectors of 32 values each",
        ),
        (
            session.generate("noise".into()),
            "noise: expected a Float32Array",
        ),
        (
            session.latent_walk(1.0, 2.0, obj(&[("frames", 1.into())])),
            "frames: must be between 2",
        ),
        (
            session.latent_walk(-1.0, 2.0, JsValue::UNDEFINED),
            "from: expected a whole number",
        ),
        (
            session.samples(2.0, obj(&[("class", 1.into())])),
            "class: only a conditional model",
        ),
        (
            session.translations(0.0, 2.0, JsValue::UNDEFINED),
            "method: only CycleGAN translates",
        ),
    ] {
        let e = call(promise).await.map(|_| ()).unwrap_err();
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    // Save -> load: the same samples, bit for bit; the shipped generator loads.
    let bytes: js_sys::Uint8Array = call(session.save()).await.unwrap().dyn_into().unwrap();
    let fresh = web::create_session(gan.clone())
        .map_err(js_message)
        .unwrap();
    fresh
        .load(bytes.clone().into(), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    let again = group_pixels(&call(fresh.samples(4.0, seed())).await.unwrap(), "samples");
    assert_eq!(again, samples, "the loaded GAN draws other samples");
    // What a file holds, without loading it (the page loads its dataset first).
    let saved = web::checkpoint_config(u8s(PRETRAINED_GAN))
        .map_err(js_message)
        .unwrap();
    assert_eq!(get(&saved, "method").as_string().as_deref(), Some("gan"));
    assert_eq!(get(&saved, "dataset").as_string().as_deref(), Some("mnist"));
    let e = js_message(web::checkpoint_config(u8s(b"nonsense")).expect_err("refused"));
    assert!(
        e.starts_with("checkpoint: not a playground checkpoint"),
        "{e}"
    );
    let config = fresh
        .load(u8s(PRETRAINED_GAN), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    assert_eq!(get(&config, "noise").as_f64(), Some(32.0));
    assert!(fresh.step().map_err(js_message).unwrap() >= 1000.0);
    let pretrained = group_pixels(&call(fresh.samples(16.0, seed())).await.unwrap(), "samples");
    // A trained generator draws strokes on a dark background, not grey noise.
    let mean = pretrained.iter().sum::<f64>() / pretrained.len() as f64;
    assert!((10.0..80.0).contains(&mean), "mean pixel {mean}");
    session.dispose();
    fresh.dispose();

    // CycleGAN: the generators' loss (cycle-dominated at the start) falls.
    let cyclegan = obj(&[("method", "cyclegan".into()), ("batch_size", 4.into())]);
    let session = train_until_lower(cyclegan.clone(), 0, [1, 6, 2], 2.0).await;
    let there = call(session.translations(3.0, 4.0, obj(&[("direction", "x_to_y".into())])))
        .await
        .unwrap();
    assert_eq!(group_pixels(&there, "translated").len(), 4 * 784);
    assert_eq!(group_pixels(&there, "cycled").len(), 4 * 784);
    let drawn = js_sys::Float32Array::new_with_length(784);
    drawn.fill(0.3, 0, 784);
    let one = call(session.translate(drawn.into(), obj(&[("direction", "y_to_x".into())])))
        .await
        .unwrap();
    assert_eq!(group_pixels(&one, "translated").len(), 784);
    for (promise, start) in [
        (
            session.translate(
                js_sys::Float32Array::new_with_length(10).into(),
                JsValue::UNDEFINED,
            ),
            "image: must be a 28 x 28 image",
        ),
        (
            session.translations(0.0, 2.0, obj(&[("direction", "sideways".into())])),
            "direction: unknown variant",
        ),
        (
            session.translations(1999.0, 5.0, JsValue::UNDEFINED),
            "start: 5 images from 1999",
        ),
        (
            session.samples(2.0, JsValue::UNDEFINED),
            "method: only the generative methods",
        ),
    ] {
        let e = call(promise).await.map(|_| ()).unwrap_err();
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    let before = group_pixels(&there, "translated");
    let bytes: js_sys::Uint8Array = call(session.save()).await.unwrap().dyn_into().unwrap();
    let fresh = web::create_session(cyclegan).map_err(js_message).unwrap();
    fresh
        .load(bytes.clone().into(), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    let again = call(fresh.translations(3.0, 4.0, JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(group_pixels(&again, "translated"), before);
    fresh
        .load(u8s(PRETRAINED_CYCLEGAN), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    let pretrained = call(fresh.translations(0.0, 2.0, JsValue::UNDEFINED))
        .await
        .unwrap();
    // Bold digits hold more ink than the regular inputs.
    let ink = |name| group_pixels(&pretrained, name).iter().sum::<f64>();
    assert!(
        ink("translated") > 1.2 * ink("input"),
        "{} vs {}",
        ink("translated"),
        ink("input")
    );
    session.dispose();
    fresh.dispose();

    // The GAN fields' bad values.
    for (config, field) in [
        (
            obj(&[("method", "gan".into()), ("discriminator_steps", 0.into())]),
            "discriminator_steps",
        ),
        (
            obj(&[
                ("method", "gan".into()),
                ("generator_learning_rate", f64::NAN.into()),
            ]),
            "generator_learning_rate",
        ),
        (
            obj(&[
                ("method", "gan".into()),
                ("discriminator_learning_rate", 0.into()),
            ]),
            "discriminator_learning_rate",
        ),
        (
            obj(&[("method", "gan".into()), ("noise", 0.into())]),
            "noise",
        ),
        (
            obj(&[("method", "cyclegan".into()), ("lambda", (-1).into())]),
            "lambda",
        ),
        (
            obj(&[
                ("method", "cyclegan".into()),
                ("identity", f64::INFINITY.into()),
            ]),
            "identity",
        ),
    ] {
        let e = js_message(web::create_session(config).err().expect("refused"));
        assert!(e.starts_with(&format!("{field}: ")), "{e}");
    }
}
