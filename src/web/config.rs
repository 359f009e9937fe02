//! Turning JavaScript values into typed configs, with errors that name the field.

use js_sys::{Object, Reflect};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use crate::backend::BackendRequest;
use crate::board::BoardConfig;
use crate::data::DatasetName;
use crate::methods::{FieldSource, FieldsOf, MethodConfig};
use crate::{Error, Result};

/// Deserialize `value` into `T`; on failure the error names the field's path. `also` lists keys
/// the caller already took out of `value` (named in the unknown-field message).
///
/// serde-wasm-bindgen reads only the fields a struct declares, so `deny_unknown_fields` never
/// sees a typo: unknown keys are found here by comparing with the keys of `T::default()`, in
/// nested objects too (`augment.nois_std`).
fn deserialize<T: DeserializeOwned + Serialize + Default>(
    value: JsValue,
    also: &[&str],
) -> Result<T> {
    let known =
        serde_wasm_bindgen::to_value(&T::default()).map_err(|e| Error::config("config", e))?;
    check_keys(&value, &known, "", also)?;
    let de = serde_wasm_bindgen::Deserializer::from(value);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "config".to_string()
        } else {
            path
        };
        // serde-wasm-bindgen's errors are JavaScript errors, whose text starts "Error: ".
        let message = e.into_inner().to_string();
        let message = message.strip_prefix("Error: ").unwrap_or(&message);
        Error::config(field, message)
    })
}

fn is_plain_object(value: &JsValue) -> bool {
    value.is_object() && !js_sys::Array::is_array(value)
}

/// A string as an error message quotes it, cut after 20 characters when it is long.
pub fn quoted(s: &str) -> String {
    let count = s.chars().count();
    if count > 40 {
        let head: String = s.chars().take(20).collect();
        format!("{head:?}… ({count} characters)")
    } else {
        format!("{s:?}")
    }
}

/// A JavaScript value as an error message names it: `"abc"`, `42`, `null`, `an array of 3`,
/// `an object`. Long strings are cut (a message must fit where a widget shows it).
pub fn describe(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return quoted(&s);
    }
    if let Some(n) = value.as_f64() {
        return format!("{n}");
    }
    if let Some(b) = value.as_bool() {
        return b.to_string();
    }
    if value.is_undefined() {
        return "undefined".into();
    }
    if value.is_null() {
        return "null".into();
    }
    if let Some(array) = value.dyn_ref::<js_sys::Array>() {
        return format!("an array of {} values", array.length());
    }
    if value.is_function() {
        return "a function".into();
    }
    if value.is_object() {
        return "an object".into();
    }
    "a value of another type".into()
}

/// Every key of `value` must be a key of `known` (the defaults), recursively where both hold an
/// object; the error names the path (`prefix` + key).
fn check_keys(value: &JsValue, known: &JsValue, prefix: &str, also: &[&str]) -> Result<()> {
    if !is_plain_object(value) || !is_plain_object(known) {
        return Ok(());
    }
    let names: Vec<String> = Object::keys(known.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        let path = format!("{prefix}{key}");
        if !names.contains(&key) {
            let expected: Vec<&str> = also
                .iter()
                .copied()
                .chain(names.iter().map(String::as_str))
                .collect();
            return Err(Error::config(
                path,
                format!("unknown field; expected one of: {}", expected.join(", ")),
            ));
        }
        let inner = Reflect::get(value, &key.as_str().into()).unwrap_or(JsValue::UNDEFINED);
        let default = Reflect::get(known, &key.as_str().into()).unwrap_or(JsValue::UNDEFINED);
        check_keys(&inner, &default, &format!("{path}."), &[])?;
    }
    Ok(())
}

fn require_object(value: &JsValue, what: &str) -> Result<()> {
    if value.is_object() && !js_sys::Array::is_array(value) {
        Ok(())
    } else {
        Err(Error::config(
            what,
            format!("expected an object of settings, got {}", describe(value)),
        ))
    }
}

/// `{ method: "...", ...hyperparameters }` into a [`MethodConfig`].
pub fn method_config(value: &JsValue) -> Result<MethodConfig> {
    require_object(value, "config")?;
    let method = Reflect::get(value, &"method".into()).unwrap_or(JsValue::UNDEFINED);
    let Some(method) = method.as_string() else {
        return Err(Error::config(
            "method",
            format!(
                "expected a string, one of: {} (got {})",
                MethodConfig::NAMES.join(", "),
                describe(&method)
            ),
        ));
    };
    // The rest of the object is the method's own config (which refuses unknown fields).
    let rest = Object::assign(&Object::new(), value.unchecked_ref());
    let _ = Reflect::delete_property(&rest, &"method".into());
    struct Js(JsValue);
    impl FieldSource for Js {
        fn fields<T: FieldsOf>(self) -> Result<T> {
            deserialize(self.0, &["method"])
        }
    }
    MethodConfig::from_fields(&method, Js(rest.into()))
}

/// A checkpoint's config with the page's `settings` (an object of fields, as in
/// `create_session`, without `method`) laid over it, except the fields that shape the network
/// ([`MethodConfig::architecture`]): those stay the checkpoint's, which the caller sees in the
/// config returned. `undefined` or `null` settings: the checkpoint's config as it is. The result
/// is checked exactly like `create_session`'s config.
pub fn settings_over(saved: &MethodConfig, settings: &JsValue) -> Result<MethodConfig> {
    if settings.is_undefined() || settings.is_null() {
        return Ok(saved.clone());
    }
    require_object(settings, "settings")?;
    let merged = saved
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::config("settings", format!("could not read the saved config: {e}")))?;
    let keep = saved.architecture();
    for key in Object::keys(settings.unchecked_ref::<Object>()).iter() {
        let name = key.as_string().unwrap_or_default();
        if name == "method" {
            return Err(Error::config(
                "settings.method",
                "a checkpoint's method cannot change; load it into a session of that method",
            ));
        }
        if keep.contains(&name.as_str()) {
            continue;
        }
        let value = Reflect::get(settings, &key).unwrap_or(JsValue::UNDEFINED);
        let _ = Reflect::set(&merged, &key, &value);
    }
    method_config(&merged)
}

/// `{ dataset, steps, seed, k }` into a [`BoardConfig`] (missing fields take their defaults).
pub fn board_config(value: &JsValue) -> Result<BoardConfig> {
    if value.is_undefined() || value.is_null() {
        return Ok(BoardConfig::default());
    }
    require_object(value, "config")?;
    deserialize(value.clone(), &[])
}

/// The reference benchmark's options: `{ seed }`.
#[derive(serde::Deserialize, Serialize)]
#[serde(default)]
struct ReferenceOptions {
    seed: u64,
}

impl Default for ReferenceOptions {
    fn default() -> Self {
        ReferenceOptions { seed: 1 }
    }
}

/// The reference benchmark's seed from `{ seed }` (default 1), or nothing.
pub fn reference_seed(value: &JsValue) -> Result<u64> {
    if value.is_undefined() || value.is_null() {
        return Ok(ReferenceOptions::default().seed);
    }
    require_object(value, "options")?;
    Ok(deserialize::<ReferenceOptions>(value.clone(), &[])?.seed)
}

/// `{ backend: "auto" | "webgpu" | "cpu" }`, or nothing for `auto`.
pub fn backend_request(value: &JsValue) -> Result<BackendRequest> {
    if value.is_undefined() || value.is_null() {
        return Ok(BackendRequest::Auto);
    }
    require_object(value, "options")?;
    let backend = Reflect::get(value, &"backend".into()).unwrap_or(JsValue::UNDEFINED);
    if backend.is_undefined() {
        return Ok(BackendRequest::Auto);
    }
    match backend.as_string() {
        Some(s) => s.parse(),
        None => Err(Error::config(
            "backend",
            format!(
                "expected \"auto\", \"webgpu\" or \"cpu\", got {}",
                describe(&backend)
            ),
        )),
    }
}

/// The candidate captions of a zero-shot call: an array of strings.
pub fn captions(value: &JsValue) -> Result<Vec<String>> {
    let array = value
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| Error::config("captions", "expected an array of caption strings"))?;
    array
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_string().ok_or_else(|| {
                Error::config(
                    format!("captions[{i}]"),
                    format!("expected a string, got {}", describe(&v)),
                )
            })
        })
        .collect()
}

/// A dataset name from the page.
pub fn dataset_name(name: &str) -> Result<DatasetName> {
    DatasetName::ALL
        .into_iter()
        .find(|d| d.as_str() == name)
        .ok_or_else(|| {
            Error::config(
                "dataset",
                format!(
                    "unknown dataset {}; expected mnist or fashion",
                    quoted(name)
                ),
            )
        })
}

/// A positive integer count from a JavaScript number (refusing NaN, fractions and negatives,
/// which wasm-bindgen's integer conversion would silently wrap or truncate).
pub fn count(field: &str, value: f64) -> Result<usize> {
    whole_number(field, value, 1)
}

/// A whole number of at least `min` (and at most 1e9) from a JavaScript number.
fn whole_number(field: &str, value: f64, min: u32) -> Result<usize> {
    if value.is_finite() && value >= min.into() && value.fract() == 0.0 && value <= 1e9 {
        Ok(value as usize)
    } else {
        Err(Error::config(
            field,
            format!("expected a whole number of at least {min}, got {value}"),
        ))
    }
}

/// Every method with its default config, for the page's controls.
pub fn defaults() -> Vec<MethodConfig> {
    MethodConfig::NAMES
        .iter()
        .filter_map(|name| MethodConfig::default_for(name).ok())
        .collect()
}

/// An index that may be 0 (a start position): a whole number of at least 0.
pub fn index(field: &str, value: f64) -> Result<usize> {
    whole_number(field, value, 0)
}

/// An image's pixels from the page: a `Float32Array` or an array of numbers (28 x 28 values
/// in [0, 1], row by row; the core checks the size and the range).
pub fn pixels(field: &str, value: &JsValue) -> Result<Vec<f32>> {
    number_list(field, value, "pixel")
}

/// Numbers from the page (a GAN's noise vectors): a `Float32Array` or an array of numbers; the
/// core checks how many.
pub fn numbers(field: &str, value: &JsValue) -> Result<Vec<f32>> {
    number_list(field, value, "value")
}

/// A `Float32Array` or an array of numbers; a non-number is reported as `{item} {i}`.
fn number_list(field: &str, value: &JsValue, item: &str) -> Result<Vec<f32>> {
    if let Some(array) = value.dyn_ref::<js_sys::Float32Array>() {
        return Ok(array.to_vec());
    }
    let array = value.dyn_ref::<js_sys::Array>().ok_or_else(|| {
        Error::config(
            field,
            format!(
                "expected a Float32Array or an array of numbers, got {}",
                describe(value)
            ),
        )
    })?;
    array
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_f64().map(|x| x as f32).ok_or_else(|| {
                Error::config(
                    field,
                    format!("{item} {i} is not a number: {}", describe(&v)),
                )
            })
        })
        .collect()
}

/// A string from the page (a prompt); anything else is an error naming the field.
pub fn text(field: &str, value: &JsValue) -> Result<String> {
    value
        .as_string()
        .ok_or_else(|| Error::config(field, format!("expected a string, got {}", describe(value))))
}

/// A file's bytes from the page: a `Uint8Array` or an `ArrayBuffer` (what `fetch` and a file
/// input give); anything else is an error naming the field.
pub fn bytes(field: &str, value: &JsValue) -> Result<Vec<u8>> {
    if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(array.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(buffer).to_vec());
    }
    Err(Error::config(
        field,
        format!(
            "expected a Uint8Array or an ArrayBuffer of the file's bytes, got {}",
            describe(value)
        ),
    ))
}

/// Options of an operation (`{ frames: 8, mode: "spherical" }`): missing fields take their
/// defaults, `undefined` or `null` means all defaults, an unknown field is an error naming it.
pub fn options<T: DeserializeOwned + Serialize + Default>(value: &JsValue) -> Result<T> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    require_object(value, "options")?;
    deserialize(value.clone(), &[])
}
