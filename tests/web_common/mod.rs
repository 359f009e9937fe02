//! Helpers of the headless-browser tests (`tests/web*.rs`, one binary per page), which drive the
//! same exported API the page uses. Each scenario lives in the binary that runs it; the ones both
//! the WebGPU and the CPU binary run are in `backends.rs`.

// Each binary uses some of these helpers.
#![allow(dead_code)]

use js_sys::{Object, Reflect};
use unsupervised_playground::web;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub static MNIST: &[u8] = include_bytes!("../../www/data/mnist.upgd");

pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

pub fn message(e: JsValue) -> String {
    get(&e, "message")
        .as_string()
        .unwrap_or_else(|| format!("{e:?}"))
}

/// A file's bytes as the page passes them (a `Uint8Array`).
pub fn u8s(bytes: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(bytes).into()
}

pub fn js_message(e: wasm_bindgen::JsError) -> String {
    message(JsValue::from(e))
}

/// Let the browser run its event loop (a macrotask, as the page's player does between ticks):
/// without it, back-to-back `train` calls are one long task that freezes the page.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .unwrap()
            .dyn_into()
            .unwrap();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &JsValue::from(0))
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Initialise the backend (`request`) and check which one runs (`kind`); load MNIST.
pub async fn init(request: &str, kind: &str) {
    let info = web::init_backend(obj(&[("backend", request.into())]))
        .await
        .map_err(js_message)
        .expect("backend");
    assert_eq!(get(&info, "kind").as_string().unwrap(), kind, "{info:?}");
    // Long evaluations hand the event loop a turn: without it a board's scores ran as one
    // task of more than 30 s and chromedriver gave up on the page.
    assert!(unsupervised_playground::pace::has_yielder());
    web::load_dataset("mnist".into(), u8s(MNIST))
        .map_err(js_message)
        .expect("dataset");
}

pub fn rotation(batch_size: f64) -> JsValue {
    obj(&[
        ("method", "rotation".into()),
        ("batch_size", batch_size.into()),
        ("learning_rate", 0.003.into()),
    ])
}

pub async fn report(session: &web::Session) -> JsValue {
    JsFuture::from(session.report())
        .await
        .map_err(message)
        .expect("report")
}

pub fn loss(report: &JsValue) -> f64 {
    metric(report, "loss")
}

/// The value of metric `name` in a report.
pub fn metric(report: &JsValue, name: &str) -> f64 {
    let metrics: js_sys::Array = get(report, "metrics").dyn_into().unwrap();
    let found = metrics
        .iter()
        .find(|m| get(m, "name").as_string().as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {report:?}"));
    get(&found, "value").as_f64().unwrap()
}

/// Train `steps[0]` steps (first loss, above `first_min`), then `steps[1]` (dropped), then
/// `steps[2]` (later loss, must be lower); then read three examples.
pub async fn loss_falls_and_examples_read(config: JsValue, steps: [u32; 3], first_min: f64) {
    loss_falls_after(config, 0, steps, first_min).await
}

/// As [`loss_falls_and_examples_read`], after `warmup` steps whose loss is dropped.
pub async fn loss_falls_after(config: JsValue, warmup: u32, steps: [u32; 3], first_min: f64) {
    trained_session(config, warmup, steps, first_min)
        .await
        .dispose();
}

/// Train `warmup` steps (loss dropped), then `steps[0]` (first loss, above `first_min`), then
/// `steps[1]` (dropped), then `steps[2]` (later loss, must be lower); hand over the session.
pub async fn train_until_lower(
    config: JsValue,
    warmup: u32,
    steps: [u32; 3],
    first_min: f64,
) -> web::Session {
    train_until_lower_metric(config, "loss", warmup, steps, first_min).await
}

/// As [`train_until_lower`], for the metric `name` (a GAN's discriminator loss: the
/// generator's own loss rises while the discriminator learns).
pub async fn train_until_lower_metric(
    config: JsValue,
    name: &str,
    warmup: u32,
    steps: [u32; 3],
    first_min: f64,
) -> web::Session {
    let t = js_sys::Date::now();
    let session = web::create_session(config.clone())
        .map_err(js_message)
        .unwrap();
    wasm_bindgen_test::console_log!("create_session: {:.0} ms", js_sys::Date::now() - t);
    // On SwiftShader `train` runs the steps before it returns (1-3 s a step here, more for the
    // first, which compiles the shaders), so they go in calls of one step: one call of ~30
    // steps (and, on a fresh page, one of 2 SimCLR steps) froze the page long enough for
    // chromedriver to give up on it ("Timed out receiving message from renderer").
    let mut losses = Vec::new();
    for n in std::iter::once(warmup).chain(steps).filter(|&n| n > 0) {
        let t0 = js_sys::Date::now();
        let mut left = n;
        while left > 0 {
            let now = 1;
            session.train(now.into()).map_err(js_message).unwrap();
            left -= now;
            yield_to_browser().await;
        }
        let t1 = js_sys::Date::now();
        losses.push(metric(&report(&session).await, name));
        wasm_bindgen_test::console_log!(
            "{n} steps: train() calls took {:.0} ms, the report {:.0} ms more",
            t1 - t0,
            js_sys::Date::now() - t1
        );
    }
    let skip = usize::from(warmup > 0);
    let (first, later) = (losses[skip], losses[skip + 2]);
    assert!(first > first_min, "{config:?}: first {name} {first}");
    assert!(
        later < first,
        "{config:?}: {name} did not fall: {first} -> {later}"
    );
    session
}

/// As [`loss_falls_after`], handing over the session after reading three examples.
pub async fn trained_session(
    config: JsValue,
    warmup: u32,
    steps: [u32; 3],
    first_min: f64,
) -> web::Session {
    let session = train_until_lower(config, warmup, steps, first_min).await;
    let t = js_sys::Date::now();
    let ex = JsFuture::from(session.examples(4.0))
        .await
        .map_err(message)
        .unwrap();
    wasm_bindgen_test::console_log!("examples: {:.0} ms", js_sys::Date::now() - t);
    let items: js_sys::Array = get(&ex, "items").dyn_into().unwrap();
    assert_eq!(items.length(), 4);
    session
}

/// The held-out digits' first `n` input images as the 784-float arrays the page sends.
pub async fn input_images(session: &web::Session, n: usize) -> Vec<js_sys::Float32Array> {
    let images = JsFuture::from(session.reconstructions(0.0, n as f64, JsValue::UNDEFINED))
        .await
        .map_err(message)
        .unwrap();
    let groups: js_sys::Array = get(&images, "groups").dyn_into().unwrap();
    let input = groups.get(0);
    assert_eq!(get(&input, "name").as_string().unwrap(), "input");
    let pixels: js_sys::Array = get(&input, "pixels").dyn_into().unwrap();
    assert_eq!(pixels.length() as usize, n * 784);
    (0..n)
        .map(|i| {
            let floats: Vec<f32> = (0..784)
                .map(|p| pixels.get((i * 784 + p) as u32).as_f64().unwrap() as f32 / 255.0)
                .collect();
            js_sys::Float32Array::from(floats.as_slice())
        })
        .collect()
}

/// The pixels of an image operation's group `name`, as numbers.
pub fn group_pixels(images: &JsValue, name: &str) -> Vec<f64> {
    let groups: js_sys::Array = get(images, "groups").dyn_into().unwrap();
    let group = groups
        .iter()
        .find(|g| get(g, "name").as_string().as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no group {name} in {images:?}"));
    let pixels: js_sys::Array = get(&group, "pixels").dyn_into().unwrap();
    pixels.iter().map(|v| v.as_f64().unwrap()).collect()
}
