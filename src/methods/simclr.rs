//! SimCLR (Chen et al. 2020): learn by telling two views of the same image apart from views of
//! the other images in the batch.
//!
//! Each step draws a batch, makes two random views of every image (crop, jitter, blur, noise: on
//! the device), encodes and projects all `2n` views, and asks each view to pick its partner out
//! of the other `2n - 1` by cosine similarity (NT-Xent, with a temperature). The other images of
//! the batch are the only negatives, which is SimCLR's pain point: a small batch gives few and
//! easy negatives (try batch 8 against 128). The projection head is thrown away afterwards; the
//! board reads the encoder.

use burn::module::Module;
use burn::tensor::Tensor;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::trainer::trained_by;
use super::views::{ViewSource, two_views, validate_augment, validate_temperature};
use super::{
    Evaluation, MAX_BATCH_SIZE, Method, PendingExamples, Trainer, probe_evaluation,
    validate_batch_size, validate_learning_rate, validate_range,
};
use crate::LocalFuture;
use crate::Result;
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::augment::AugmentConfig;
use crate::data::{DatasetName, DeviceImages};
use crate::eval::{Representation, conv_representation, held_out_accuracy};
use crate::losses::{accuracy, cross_entropy, nt_xent_logits};
use crate::nn::{Embedder, EmbedderConfig};

/// Hyperparameters of SimCLR. Missing fields take the defaults below; unknown ones are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct SimClrConfig {
    /// Dataset to train on.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Images per step (2x as many views); each view has `2 * batch_size - 2` negatives.
    #[default(64)]
    pub batch_size: usize,
    /// Softmax temperature of NT-Xent: lower weighs the hardest negatives more. The default 0.2
    /// was measured against 0.5 and 0.1 (500 steps, board protocol, 10% labels): kNN 78.6% vs
    /// 76.8% and 75.5%, linear probe 92.6% vs 91.9% and 92.8%.
    #[default(0.2)]
    pub temperature: f64,
    /// Adam's learning rate.
    #[default(1e-3)]
    pub learning_rate: f64,
    /// Size of the projection the loss compares.
    #[default(64)]
    pub projection: usize,
    /// The augmentations that make the two views.
    pub augment: AugmentConfig,
    /// Seed of the weight init, the batch order and the augmentations.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

/// Largest projection size.
pub const MAX_PROJECTION: usize = 1024;

impl SimClrConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["projection"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        // One image alone has no negatives.
        if self.batch_size < 2 {
            return Err(crate::Error::config(
                "batch_size",
                format!(
                    "must be at least 2 (the other images are the negatives), got {}",
                    self.batch_size
                ),
            ));
        }
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        validate_temperature("temperature", self.temperature)?;
        validate_learning_rate("learning_rate", self.learning_rate)?;
        validate_projection("projection", self.projection)?;
        validate_augment(&self.augment)
    }
}

/// A projection size must be in `1..=MAX_PROJECTION`.
pub fn validate_projection(field: &str, size: usize) -> Result<()> {
    validate_range(field, size, 1, MAX_PROJECTION)
}

/// A SimCLR training session's state.
pub struct SimClr {
    config: SimClrConfig,
    net: Trainer<Embedder>,
    views: ViewSource,
}

impl SimClr {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: SimClrConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        let net = EmbedderConfig::new()
            .with_projection(config.projection)
            .init(&device);
        SimClr {
            net: Trainer::new(net).with_gradient_clip(config.gradient_clip),
            views: ViewSource::new(data, config.seed),
            config,
        }
    }

    /// One step on a given batch: two views, encode and project, NT-Xent, backward, Adam.
    /// Enqueues work only; the loss and the pair accuracy (the share of views whose most
    /// similar other view is their partner) stay on the device.
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    pub fn train_on(&mut self, images: Tensor<4>) {
        let (v1, v2) = self.views.views(images, &self.config.augment);
        let z1 = self.net.model.forward(v1); // [b, projection]
        let z2 = self.net.model.forward(v2); // [b, projection]
        let (logits, partners) = nt_xent_logits(z1, z2, self.config.temperature); // [2b, 2b]
        let acc = accuracy(logits.clone().detach(), partners.clone());
        let loss = cross_entropy(logits, partners);
        self.net
            .minimize(self.config.learning_rate, loss, [("accuracy", acc)]);
    }
}

impl Method for SimClr {
    trained_by!(net);

    fn train_step(&mut self) {
        let batch = self.views.next_batch(self.config.batch_size);
        self.train_on(batch);
    }

    fn examples(&mut self, count: usize) -> Result<PendingExamples> {
        let net = self.net.model.valid();
        let config = &self.config;
        Ok(self
            .views
            .examples(count, &config.augment, &net, config.temperature))
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.net.model.valid();
        let config = self.config.clone();
        let data = self.views.data().clone();
        Box::pin(async move {
            let pretext = pair_accuracy(&model, &data.held_out, &config).await?;
            probe_evaluation(&model.encoder, &data, Some(pretext)).await
        })
    }

    fn representation(&self, grid: usize) -> Option<Box<dyn Representation>> {
        Some(conv_representation(&self.net.model.encoder, grid))
    }
}

/// The pretext accuracy on held-out images: in chunks of `batch_size` images (as in training),
/// the share of views whose most similar other view is their partner. Views from a fixed seed,
/// so two evaluations of one model agree.
pub async fn pair_accuracy(
    model: &Embedder,
    held_out: &DeviceImages,
    config: &SimClrConfig,
) -> Result<f64> {
    let mut rng = StdRng::seed_from_u64(0xE7A1);
    let chunk = config.batch_size.max(2);
    held_out_accuracy(held_out.len(), chunk, |start, end| {
        let images = held_out.range(start, end).without_autodiff();
        let (v1, v2) = two_views(images, &config.augment, &mut rng);
        let (logits, partners) =
            nt_xent_logits(model.forward(v1), model.forward(v2), config.temperature);
        accuracy(logits, partners)
    })
    .await
}
