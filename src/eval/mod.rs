//! Evaluation of learned representations. Labels are used here and nowhere else.

pub mod probe;

pub use probe::{ProbeComparison, ProbeConfig, encode_all, fit_logistic, linear_probe};

use burn::tensor::Tensor;

use crate::{Error, Result};

/// Read a one-element tensor back asynchronously (the only way that works in a browser);
/// `what` names the value in the error.
pub async fn read_scalar(value: Tensor<1>, what: &str) -> Result<f64> {
    value
        .into_scalar_async::<f32>()
        .await
        .map(|v| v as f64)
        .map_err(|e| Error::Device(format!("reading the {what} back failed: {e:?}")))
}
