//! What the two-view methods (SimCLR, MoCo, BYOL) share: two random views of each image, the
//! checks of their common fields, and the examples their widgets draw: a few held-out images,
//! two views each, and for every view which other view the network takes for its partner (the
//! task the contrastive loss trains), with the whole softmax as a heat map.

use burn::tensor::Tensor;
use burn::tensor::activation::softmax;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::PendingExamples;
use crate::data::TrainingData;
use crate::data::augment::{AugmentConfig, augment};
use crate::data::{BatchSampler, DeviceImages};
use crate::losses::nt_xent_logits;
use crate::nn::Embedder;
use crate::{Error, Result};

/// Two independent random views of every image.
///
/// # Shapes
/// - images: `[batch, 1, 28, 28]`
/// - output: two tensors shaped like `images`
pub fn two_views(
    images: Tensor<4>,
    config: &AugmentConfig,
    rng: &mut StdRng,
) -> (Tensor<4>, Tensor<4>) {
    let first = augment(images.clone(), config, rng);
    (first, augment(images, config, rng))
}

/// A softmax temperature must be a finite number in (0, 10].
pub fn validate_temperature(field: &str, temperature: f64) -> Result<()> {
    super::validate::validate_positive(field, temperature, 10.0)
}

/// The augmentations, with the field named as the config nests it (`augment.noise_std`).
pub fn validate_augment(config: &AugmentConfig) -> Result<()> {
    config.validate().map_err(|e| match e {
        Error::Config { field, message } => Error::config(format!("augment.{field}"), message),
        other => other,
    })
}

/// `count / 2` random held-out images (at least 1) and two views of each: `[v1 of all, v2 of
/// all]`, each `[n, 1, 28, 28]`, without autodiff.
pub fn held_out_views(
    held_out: &DeviceImages,
    count: usize,
    config: &AugmentConfig,
    rng: &mut StdRng,
) -> (Tensor<4>, Tensor<4>) {
    let n = (count / 2).clamp(1, held_out.len());
    let indices: Vec<usize> = (0..n)
        .map(|_| rng.random_range(0..held_out.len()))
        .collect();
    two_views(held_out.batch(&indices).without_autodiff(), config, rng)
}

/// The examples: the `2n` views (first views, then second views) as the items; for each, the
/// softmax over the other `2n - 1` views of their similarity at `temperature` (the row
/// NT-Xent scores), its arg-max as the prediction and its partner as the truth.
///
/// # Shapes
/// - views: two `[n, 1, 28, 28]`; projections: their `[n, d]` embeddings (the second may come
///   from another network, as MoCo's keys do)
pub fn view_examples(
    views: (Tensor<4>, Tensor<4>),
    projections: (Tensor<2>, Tensor<2>),
    temperature: f64,
) -> PendingExamples {
    let n = views.0.dims()[0];
    let (logits, _) = nt_xent_logits(projections.0, projections.1, temperature); // [2n, 2n]
    PendingExamples {
        images: Tensor::cat(vec![views.0, views.1], 0),
        probabilities: softmax(logits, 1),
        truth: (0..2 * n).map(|i| (i + n) % (2 * n)).collect(),
        class_names: (0..2 * n)
            .map(|i| format!("image {} view {}", i % n + 1, i / n + 1))
            .collect(),
    }
}

/// Where a two-view method's images come from, kept the same way by each: the training batches
/// in a seeded order, the random views, and the held-out views of the widget's examples.
pub struct ViewSource {
    data: TrainingData,
    sampler: BatchSampler,
    rng: StdRng,
    examples_rng: StdRng,
}

impl ViewSource {
    /// Batches of `data`'s training part, everything seeded from `seed`.
    pub fn new(data: TrainingData, seed: u64) -> Self {
        ViewSource {
            sampler: BatchSampler::new(data.train.len(), seed),
            rng: StdRng::seed_from_u64(seed ^ 0x51C1),
            examples_rng: StdRng::seed_from_u64(seed ^ 0xE8A),
            data,
        }
    }

    /// The data the views come from.
    pub fn data(&self) -> &TrainingData {
        &self.data
    }

    /// The next training batch, `[batch_size, 1, 28, 28]`.
    pub fn next_batch(&mut self, batch_size: usize) -> Tensor<4> {
        self.sampler.next_images(&self.data.train, batch_size)
    }

    /// Two random views of `images`, on the autodiff device (see [`two_views`]).
    pub fn views(&mut self, images: Tensor<4>, config: &AugmentConfig) -> (Tensor<4>, Tensor<4>) {
        two_views(images.autodiff(), config, &mut self.rng)
    }

    /// The widget's examples (see [`view_examples`]): `count / 2` held-out images, two views
    /// each, both projected by `net`.
    pub fn examples(
        &mut self,
        count: usize,
        config: &AugmentConfig,
        net: &Embedder,
        temperature: f64,
    ) -> PendingExamples {
        let views = held_out_views(&self.data.held_out, count, config, &mut self.examples_rng);
        let projections = (net.forward(views.0.clone()), net.forward(views.1.clone()));
        view_examples(views, projections, temperature)
    }
}
