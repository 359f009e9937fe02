//! Headless-browser test of the autoencoders and VAEs: real training steps on the WebGPU
//! backend, every operation the widget uses, save -> load, the shipped pretrained VAE, and bad
//! input. A binary (one page) of its own, like CLIP's.

#![cfg(target_arch = "wasm32")]

mod web_common;

use unsupervised_playground::web;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_common::*;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn autoencoders_and_vaes_train_on_webgpu() {
    web_common::init("webgpu", "gpu").await;
    generative_trains_saves_and_loads().await;
}

static PRETRAINED_VAE: &[u8] = include_bytes!("../www/pretrained/vae.upck");

/// The VAE and the autoencoder in the browser: training lowers the loss, every operation the
/// widget uses answers, save -> load gives the same samples, the shipped pretrained VAE loads,
/// and bad input is a clear error that leaves the model as it was.
pub async fn generative_trains_saves_and_loads() {
    let vae = obj(&[
        ("method", "vae".into()),
        ("batch_size", 8.into()),
        ("latent", 2.into()),
    ]);
    // 784 ln 2 = 543 nats per image at a uniform output.
    let session = train_until_lower(vae.clone(), 0, [2, 6, 2], 300.0).await;
    let images = input_images(&session, 3).await;
    let (a, b, c): (JsValue, JsValue, JsValue) = (
        images[0].clone().into(),
        images[1].clone().into(),
        images[2].clone().into(),
    );
    let call = |p: js_sys::Promise| async move { JsFuture::from(p).await.map_err(message) };
    let t = js_sys::Date::now();
    let strip = call(session.interpolate(
        a.clone(),
        b.clone(),
        obj(&[("frames", 5.into()), ("mode", "spherical".into())]),
    ))
    .await
    .unwrap();
    wasm_bindgen_test::console_log!("interpolate: {:.0} ms", js_sys::Date::now() - t);
    assert_eq!(group_pixels(&strip, "frames").len(), 5 * 784);
    let arith = call(session.arithmetic(a.clone(), b.clone(), c.clone(), JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(group_pixels(&arith, "result").len(), 784);
    let grid = call(session.manifold(3.0, JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(group_pixels(&grid, "grid").len(), 9 * 784);
    let points = call(session.latent_points(20.0)).await.unwrap();
    let xy: js_sys::Array = get(&points, "points").dyn_into().unwrap();
    assert_eq!(xy.length(), 40);
    let seed = || obj(&[("seed", 3.into())]);
    let samples = group_pixels(
        &call(session.samples(4.0, seed())).await.unwrap(),
        "samples",
    );

    // Bad input: an error naming the field; the model is kept.
    let bad = [
        (
            session.interpolate(a.clone(), b.clone(), obj(&[("frames", 1.into())])),
            "frames: must be between 2",
        ),
        (
            session.interpolate(
                js_sys::Float32Array::new_with_length(100).into(),
                b.clone(),
                JsValue::UNDEFINED,
            ),
            "a: must be a 28 x 28 image",
        ),
        (
            session.interpolate(a.clone(), "a digit".into(), JsValue::UNDEFINED),
            "b: expected a Float32Array",
        ),
        (
            session.interpolate(a.clone(), b.clone(), obj(&[("frame", 3.into())])),
            "frame: unknown field",
        ),
        (session.manifold(1.0, JsValue::UNDEFINED), "side: "),
        (
            session.samples(4.0, obj(&[("class", 3.into())])),
            "class: only a conditional model",
        ),
        (
            session.class_sweep(JsValue::NULL, JsValue::UNDEFINED),
            "conditional: ",
        ),
        (session.samples(0.0, JsValue::UNDEFINED), "count: "),
    ];
    for (promise, start) in bad {
        let e = call(promise).await.map(|_| ()).unwrap_err();
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }

    // Save -> load into a fresh session: the same samples, bit for bit.
    let bytes: js_sys::Uint8Array = call(session.save()).await.unwrap().dyn_into().unwrap();
    let bytes = bytes.to_vec();
    let fresh = web::create_session(vae.clone())
        .map_err(js_message)
        .unwrap();
    let config = fresh
        .load(u8s(&bytes), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    assert_eq!(get(&config, "latent").as_f64(), Some(2.0));
    assert_eq!(fresh.step().map_err(js_message).unwrap(), 10.0);
    let again = group_pixels(&call(fresh.samples(4.0, seed())).await.unwrap(), "samples");
    assert_eq!(again, samples, "the loaded model draws other samples");

    // Damaged, foreign or other files are refused and the model is kept.
    let autoencoder = web::create_session(obj(&[
        ("method", "autoencoder".into()),
        ("batch_size", 8.into()),
        ("noise", 0.4.into()),
    ]))
    .map_err(js_message)
    .unwrap();
    let foreign: js_sys::Uint8Array = call(autoencoder.save()).await.unwrap().dyn_into().unwrap();
    for (file, start) in [
        (
            bytes[..bytes.len() - 100].to_vec(),
            "checkpoint: the file is truncated or damaged",
        ),
        (
            b"not a checkpoint".to_vec(),
            "checkpoint: not a playground checkpoint",
        ),
        (
            foreign.to_vec(),
            "checkpoint: it holds a model of the autoencoder method",
        ),
    ] {
        let e = js_message(
            fresh
                .load(u8s(&file), JsValue::UNDEFINED)
                .expect_err("refused"),
        );
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    let kept = group_pixels(&call(fresh.samples(4.0, seed())).await.unwrap(), "samples");
    assert_eq!(kept, samples, "a refused file changed the model");

    // The shipped pretrained VAE loads (its config, latent 16, comes with it) and samples.
    let config = fresh
        .load(u8s(PRETRAINED_VAE), JsValue::UNDEFINED)
        .map_err(js_message)
        .unwrap();
    assert_eq!(get(&config, "latent").as_f64(), Some(16.0));
    // The page's settings win over the file's, but for those that shape the network: the
    // latent size stands; a bad setting is refused like create_session's, and the model kept.
    let settings = obj(&[("seed", 7.into()), ("beta", 2.into()), ("latent", 2.into())]);
    let config = fresh
        .load(u8s(PRETRAINED_VAE), settings)
        .map_err(js_message)
        .unwrap();
    assert_eq!(get(&config, "seed").as_f64(), Some(7.0));
    assert_eq!(get(&config, "beta").as_f64(), Some(2.0));
    assert_eq!(get(&config, "latent").as_f64(), Some(16.0));
    for (settings, start) in [
        (obj(&[("bta", 1.into())]), "bta: unknown field"),
        (obj(&[("method", "gan".into())]), "settings.method: "),
        ("fast".into(), "settings: expected an object"),
        (obj(&[("batch_size", 0.into())]), "batch_size: "),
    ] {
        let e = js_message(
            fresh
                .load(u8s(PRETRAINED_VAE), settings)
                .expect_err("refused"),
        );
        assert!(e.starts_with(start), "{e:?} does not start with {start:?}");
    }
    let strip = call(fresh.interpolate(a.clone(), b.clone(), JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(group_pixels(&strip, "frames").len(), 8 * 784);
    session.dispose();
    fresh.dispose();

    // The denoising autoencoder trains, shows its noisy inputs, and cannot sample.
    autoencoder.dispose();
    let ae = obj(&[
        ("method", "autoencoder".into()),
        ("batch_size", 8.into()),
        ("noise", 0.4.into()),
    ]);
    let autoencoder = train_until_lower(ae, 0, [2, 6, 2], 300.0).await;
    let rec = call(autoencoder.reconstructions(0.0, 2.0, JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(group_pixels(&rec, "noisy").len(), 2 * 784);
    let e = call(autoencoder.samples(2.0, JsValue::UNDEFINED))
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(e.starts_with("method: samples need a prior"), "{e}");
    autoencoder.dispose();

    // The generative fields' bad values.
    for (config, field) in [
        (
            obj(&[("method", "vae".into()), ("latent", 0.into())]),
            "latent",
        ),
        (
            obj(&[("method", "vae".into()), ("beta", (-1).into())]),
            "beta",
        ),
        (
            obj(&[("method", "vae".into()), ("beta", f64::NAN.into())]),
            "beta",
        ),
        (
            obj(&[("method", "autoencoder".into()), ("noise", 2.into())]),
            "noise",
        ),
    ] {
        let e = js_message(web::create_session(config).err().expect("refused"));
        assert!(e.starts_with(&format!("{field}: ")), "{e}");
    }
}
