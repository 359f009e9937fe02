//! MoCo v2 (He et al. 2020, Chen et al. 2020): contrastive learning with a dictionary that is
//! larger than the batch.
//!
//! A query encoder (trained by Adam) encodes one view of each image; a key encoder, which is not
//! trained but follows the query encoder by momentum (`key <- m * key + (1 - m) * query`, the
//! shared [`ema_update`]), encodes the other view. Each query must pick its own key out of the
//! batch's keys and a FIFO queue of the keys of the last `queue_size / batch_size` batches
//! ([`KeyQueue`]): many negatives at the cost of a small batch. The momentum is what makes old
//! keys usable: a key encoder that moved as fast as the query encoder would fill the queue with
//! keys from a different network. As in MoCo v3, the other keys of the batch are negatives too.

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::simclr::validate_projection;
use super::trainer::trained_by;
use super::views::{ViewSource, validate_augment, validate_temperature};
use super::{
    Evaluation, MAX_BATCH_SIZE, MODEL_PART, Method, PendingExamples, Trainer, probe_evaluation,
    validate_batch_size, validate_learning_rate,
};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::data::DatasetName;
use crate::data::TrainingData;
use crate::data::augment::AugmentConfig;
use crate::eval::{Representation, conv_representation};
use crate::losses::{accuracy, cosine_logits, cross_entropy};
use crate::nn::{Embedder, EmbedderConfig, KeyQueue, ema_update};
use crate::record::{Part, Saved, gather_parts, load_module, save_module};
use crate::{Error, Result};

/// Hyperparameters of MoCo. Missing fields take the defaults below; unknown ones are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct MocoConfig {
    /// Dataset to train on.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Images per step.
    #[default(64)]
    pub batch_size: usize,
    /// Keys in the queue (the negatives), more than a batch.
    #[default(1024)]
    pub queue_size: usize,
    /// Momentum `m` of the key encoder, in `[0, 1)`: 0 copies the query encoder every step.
    #[default(0.99)]
    pub momentum: f64,
    /// Softmax temperature of the InfoNCE loss.
    #[default(0.2)]
    pub temperature: f64,
    /// Adam's learning rate.
    #[default(1e-3)]
    pub learning_rate: f64,
    /// Size of the projection the loss compares.
    #[default(64)]
    pub projection: usize,
    /// The augmentations that make the query and key views.
    pub augment: AugmentConfig,
    /// Seed of the weight init, the queue's start, the batch order and the augmentations.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

/// The largest queue.
pub const MAX_QUEUE: usize = 65_536;

impl MocoConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["projection"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        if self.queue_size <= self.batch_size || self.queue_size > MAX_QUEUE {
            return Err(Error::config(
                "queue_size",
                format!(
                    "must be larger than the batch ({}) and at most {MAX_QUEUE}, got {}",
                    self.batch_size, self.queue_size
                ),
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::config(
                "momentum",
                format!(
                    "must be at least 0 and less than 1 (1 would freeze the key encoder), got {}",
                    self.momentum
                ),
            ));
        }
        validate_temperature("temperature", self.temperature)?;
        validate_learning_rate("learning_rate", self.learning_rate)?;
        validate_projection("projection", self.projection)?;
        validate_augment(&self.augment)
    }
}

/// A MoCo training session's state.
pub struct Moco {
    config: MocoConfig,
    device: Device,
    query: Trainer<Embedder>,
    key: Embedder,
    queue: KeyQueue,
    views: ViewSource,
}

impl Moco {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: MocoConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        let query = EmbedderConfig::new()
            .with_projection(config.projection)
            .init(&device);
        // The key encoder starts as a copy of the query encoder: an EMA step with m = 0 makes
        // new tensors (`query.clone().no_grad()` would not do: a freshly built module's
        // parameters are lazy, and a clone shares their pending state, so the query encoder
        // would stop taking gradients too).
        let key = ema_update(query.clone(), &query, 0.0);
        Moco {
            queue: KeyQueue::new(config.queue_size, config.projection, &device),
            query: Trainer::new(query).with_gradient_clip(config.gradient_clip),
            key,
            views: ViewSource::new(data, config.seed),
            device,
            config,
        }
    }

    /// Keys in the queue that came from real images (the rest are its random start).
    pub fn queue_filled(&self) -> usize {
        self.queue.filled()
    }

    /// One step on a given batch: query and key views, InfoNCE of each query against its key,
    /// the batch's other keys and the queue; Adam on the query encoder, momentum for the key
    /// encoder, the keys enqueued. Enqueues work only.
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    pub fn train_on(&mut self, images: Tensor<4>) {
        let batch = images.dims()[0];
        let (v1, v2) = self.views.views(images, &self.config.augment);
        let q = self.query.model.forward(v1); // [b, projection]
        // No gradient reaches the key encoder: its output is a constant for this step.
        let k = self.key.forward(v2).detach(); // [b, projection]
        let candidates = Tensor::cat(vec![k.clone(), self.queue.keys()], 0); // [b + K, projection]
        let logits = cosine_logits(q, candidates, self.config.temperature); // [b, b + K]
        let own_key = Tensor::<1, Int>::arange(0..batch as i64, &logits.device());
        let acc = accuracy(logits.clone().detach(), own_key.clone());
        let loss = cross_entropy(logits, own_key);
        let filled = (self.queue.filled() as f32 / self.queue.size() as f32).min(1.0);
        let filled = Tensor::<1>::from_data(TensorData::new(vec![filled], [1]), &self.device);
        self.query.minimize(
            self.config.learning_rate,
            loss,
            [("accuracy", acc), ("queue_filled", filled)],
        );
        self.key = ema_update(self.key.clone(), &self.query.model, self.config.momentum);
        self.queue.push(k);
    }
}

impl Method for Moco {
    trained_by!(query, progress);

    fn train_step(&mut self) {
        let batch = self.views.next_batch(self.config.batch_size);
        self.train_on(batch);
    }

    fn examples(&mut self, count: usize) -> Result<PendingExamples> {
        // Both views through the query encoder (the one the board evaluates): the picture shows
        // what it has learned. The key encoder trails it (m = 0.99: by ~100 steps), so
        // query-to-key similarities early on would mostly show that lag.
        let query = self.query.model.valid();
        let config = &self.config;
        Ok(self
            .views
            .examples(count, &config.augment, &query, config.temperature))
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.query.model.valid();
        let data = self.views.data().clone();
        Box::pin(async move { probe_evaluation(&model.encoder, &data, None).await })
    }

    fn representation(&self, grid: usize) -> Option<Box<dyn Representation>> {
        // The query encoder is the one evaluated, as in MoCo.
        Some(conv_representation(&self.query.model.encoder, grid))
    }

    fn save(&self) -> LocalFuture<Result<Vec<Part>>> {
        gather_parts(vec![
            (MODEL_PART, self.query.save_part()),
            ("key", save_module(&self.key)),
        ])
    }

    fn load(&mut self, checkpoint: &Saved<'_>) -> Result<()> {
        let query = self.query.loaded(checkpoint)?;
        let key = load_module(self.key.clone(), checkpoint.part("key")?, "key")?;
        self.query.restore(query, checkpoint);
        self.key = key;
        Ok(())
    }
}
