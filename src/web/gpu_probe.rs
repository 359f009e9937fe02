//! Ask the browser what WebGPU it has, without creating a device (that is `backend`'s job).

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::backend::AdapterProbe;

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string().filter(|s| !s.is_empty())
}

/// `navigator.gpu`, `requestAdapter()` and the adapter's `info`, read through `Reflect` so it
/// works in windows and workers alike and on browsers that lack parts of the API.
pub async fn probe() -> AdapterProbe {
    let navigator = get(&js_sys::global(), "navigator");
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return AdapterProbe::default();
    }
    let mut probe = AdapterProbe {
        api_present: true,
        ..AdapterProbe::default()
    };
    let Ok(request) = get(&gpu, "requestAdapter").dyn_into::<Function>() else {
        return probe;
    };
    let adapter = match request.call0(&gpu).map(|p| p.dyn_into::<Promise>()) {
        Ok(Ok(promise)) => JsFuture::from(promise).await.unwrap_or(JsValue::NULL),
        _ => JsValue::NULL,
    };
    if adapter.is_null() || adapter.is_undefined() {
        return probe;
    }
    probe.adapter = true;
    let info = get(&adapter, "info");
    // `isFallbackAdapter` moved from the adapter to its info; read both.
    probe.fallback = get(&info, "isFallbackAdapter").as_bool().unwrap_or(false)
        || get(&adapter, "isFallbackAdapter")
            .as_bool()
            .unwrap_or(false);
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|k| text(&info, k))
        .collect();
    probe.description = if parts.is_empty() {
        "unknown adapter".into()
    } else {
        parts.join(" ")
    };
    probe
}
