//! Evaluation of learned representations. Labels are used here and nowhere else.

pub mod cluster;
pub mod knn;
pub mod lbfgs;
pub mod pca;
pub mod probe;

pub use cluster::{KMeans, kmeans, nmi, purity};
pub use knn::knn_accuracy;
pub use probe::{
    PixelClassifier, ProbeComparison, ProbeConfig, compare_with_random_init, encode_all,
    encode_paced, fit_logistic, labels_tensor, linear_probe, probe_features, random_encoder,
};

use burn::module::Module;
use burn::tensor::Tensor;

use crate::nn::ConvEncoder;

/// A frozen feature extractor: what the linear probe, kNN and the representation board score.
/// Every representation method hands one out (see `Method::representation`).
pub trait Representation {
    /// Features of a batch of images.
    ///
    /// # Shapes
    /// - images: `[n, channels, rows, cols]`, without autodiff
    /// - output: `[n, dim]`
    fn encode(&self, images: Tensor<4>) -> Tensor<2>;
}

/// The CNN encoder as it is. Hand over a `.valid()` copy, so batch norm uses its running
/// statistics instead of the batch's.
impl Representation for ConvEncoder {
    fn encode(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward(images)
    }
}

/// The representation a method hands the board: a frozen copy of `encoder`, its last feature map
/// averaged to a `grid x grid` grid (1 = over all of space).
pub fn conv_representation(encoder: &ConvEncoder, grid: usize) -> Box<dyn Representation> {
    Box::new(encoder.valid().with_grid(grid))
}

/// Fractions as percentages with `decimals` digits, separated by spaces (`"91.20 90.85"`): how
/// the CLI lists per-run and per-class scores.
pub fn percentages(fractions: &[f64], decimals: usize) -> String {
    fractions
        .iter()
        .map(|a| format!("{:.*}", decimals, 100.0 * a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Raw pixels as features (each image flattened): the yardstick with no learning at all.
#[derive(Debug, Clone, Copy)]
pub struct Pixels;

impl Representation for Pixels {
    fn encode(&self, images: Tensor<4>) -> Tensor<2> {
        images.flatten(1, 3)
    }
}

use crate::readback::ReadBack;
use crate::{Error, Result};

/// Read a one-element tensor back asynchronously (the only way that works in a browser);
/// `what` names the value in the error.
pub async fn read_scalar(value: Tensor<1>, what: &str) -> Result<f64> {
    value
        .into_scalar_async::<f32>()
        .read_back(what)
        .await
        .map(|v| v as f64)
}

/// The accuracy over `count` held-out items, scored `chunk` at a time (memory stays small) by
/// `score(start, end)`, which returns the accuracy of items `start..end` as a `[1]` tensor.
/// The chunks are combined on the device and read back once.
pub async fn held_out_accuracy(
    count: usize,
    chunk: usize,
    mut score: impl FnMut(usize, usize) -> Tensor<1>,
) -> Result<f64> {
    let total = (0..count)
        .step_by(chunk.max(1))
        .map(|start| {
            let end = (start + chunk).min(count);
            score(start, end) * ((end - start) as f64 / count as f64)
        })
        .reduce(|a, b| a + b)
        .ok_or_else(|| Error::data("held-out set", "is empty"))?;
    read_scalar(total, "held-out accuracy").await
}
