//! BYOL (Grill et al. 2020): learning without negatives.
//!
//! An online network (encoder, projection head, and a predictor on top) sees one view and must
//! predict the projection a target network gives for the other view (and the other way round),
//! by the normalised squared error, `2 - 2 cos` ([`normalized_mse`]). The target is not trained:
//! it follows the online network by momentum (the shared [`ema_update`], as MoCo's key encoder),
//! and no gradient flows through it. Nothing pushes different images apart, so a constant output
//! would make the loss 0; the predictor and the stop-gradient on a slowly moving target are what
//! keep it from collapsing there. Two switches remove them, and the collapse monitor
//! ([`output_spread`]: about 1 for outputs spread over the sphere, 0 when all are the same) shows
//! what happens.

use burn::module::Module;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::simclr::validate_projection;
use super::trainer::trained_by;
use super::views::{ViewSource, validate_augment};
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
use crate::losses::{accuracy, normalized_mse, nt_xent_logits, output_spread};
use crate::nn::{Embedder, EmbedderConfig, MlpHead, MlpHeadConfig, ema_update};
use crate::record::{Part, Saved, gather_parts, load_module, save_module};
use crate::{Error, Result};

/// The temperature the widget's view-matching picture uses (BYOL itself has none).
const DISPLAY_TEMPERATURE: f64 = 0.1;

/// Hyperparameters of BYOL. Missing fields take the defaults below; unknown ones are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct ByolConfig {
    /// Dataset to train on.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Images per step (at least 2: the collapse monitor is a spread over the batch).
    #[default(64)]
    pub batch_size: usize,
    /// Momentum `m` of the target network, in `[0, 1)`.
    #[default(0.99)]
    pub momentum: f64,
    /// Adam's learning rate.
    #[default(1e-3)]
    pub learning_rate: f64,
    /// Size of the projection (and of the prediction).
    #[default(64)]
    pub projection: usize,
    /// The predictor on the online branch. Off: the online projection itself must match the
    /// target's.
    #[default(true)]
    pub predictor: bool,
    /// The stop-gradient. Off: the target is the online network itself (no EMA copy), with
    /// gradients through both branches, the setting in which SimSiam showed the collapse.
    #[default(true)]
    pub stop_gradient: bool,
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

impl ByolConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    // Without the predictor the online network has one network fewer.
    pub const ARCHITECTURE: &'static [&'static str] = &["projection", "predictor"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        if self.batch_size < 2 {
            return Err(Error::config(
                "batch_size",
                format!(
                    "must be at least 2 (the collapse monitor measures a spread over the batch), got {}",
                    self.batch_size
                ),
            ));
        }
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::config(
                "momentum",
                format!(
                    "must be at least 0 and less than 1 (1 would freeze the target), got {}",
                    self.momentum
                ),
            ));
        }
        validate_learning_rate("learning_rate", self.learning_rate)?;
        validate_projection("projection", self.projection)?;
        validate_augment(&self.augment)
    }
}

/// The online network: encoder, projection head, predictor.
#[derive(Module, Debug)]
pub struct ByolOnline {
    /// Encoder and projection head (what the target copies).
    pub net: Embedder,
    /// The predictor `q`, an MLP from projection to projection.
    pub predictor: MlpHead,
}

impl ByolOnline {
    /// Projections and predictions of a batch (the prediction is the projection when the
    /// predictor is switched off).
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    /// - output: projections `[batch, projection]`, predictions `[batch, projection]`
    pub fn forward(&self, images: Tensor<4>, predictor: bool) -> (Tensor<2>, Tensor<2>) {
        let z = self.net.forward(images);
        let p = if predictor {
            self.predictor.forward(z.clone())
        } else {
            z.clone()
        };
        (z, p)
    }
}

/// A BYOL training session's state.
pub struct Byol {
    config: ByolConfig,
    online: Trainer<ByolOnline>,
    target: Embedder,
    views: ViewSource,
}

impl Byol {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: ByolConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        let net = EmbedderConfig::new()
            .with_projection(config.projection)
            .init(&device);
        // A copy by an EMA step with m = 0 (see `Moco`: a clone of a fresh module shares its
        // lazy parameters).
        let target = ema_update(net.clone(), &net, 0.0);
        let predictor = MlpHeadConfig::new(config.projection, config.projection).init(&device);
        Byol {
            online: Trainer::new(ByolOnline { net, predictor })
                .with_gradient_clip(config.gradient_clip),
            target,
            views: ViewSource::new(data, config.seed),
            config,
        }
    }

    /// One step on a given batch: two views; each view's prediction regresses the target's
    /// projection of the other view; Adam on the online network, momentum for the target.
    /// Metrics: the loss, the collapse monitor of the online projections, and the share of
    /// views whose most similar other view is their partner (not trained for: a read-out).
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    pub fn train_on(&mut self, images: Tensor<4>) {
        let (v1, v2) = self.views.views(images, &self.config.augment);
        let predictor = self.config.predictor;
        let (z1, p1) = self.online.model.forward(v1.clone(), predictor); // [b, d] each
        let (z2, p2) = self.online.model.forward(v2.clone(), predictor);
        let (t1, t2) = if self.config.stop_gradient {
            (
                self.target.forward(v1).detach(),
                self.target.forward(v2).detach(),
            )
        } else {
            (z1.clone(), z2.clone())
        };
        let loss = (normalized_mse(p1, t2) + normalized_mse(p2, t1)) / 2.0;
        let spread = output_spread(z1.clone().detach());
        let (logits, partners) = nt_xent_logits(z1.detach(), z2.detach(), DISPLAY_TEMPERATURE);
        let acc = accuracy(logits, partners);
        self.online.minimize(
            self.config.learning_rate,
            loss,
            [("accuracy", acc), ("output_spread", spread)],
        );
        if self.config.stop_gradient {
            self.target = ema_update(
                self.target.clone(),
                &self.online.model.net,
                self.config.momentum,
            );
        }
    }
}

impl Method for Byol {
    trained_by!(online, progress);

    fn train_step(&mut self) {
        let batch = self.views.next_batch(self.config.batch_size);
        self.train_on(batch);
    }

    fn examples(&mut self, count: usize) -> Result<PendingExamples> {
        let net = self.online.model.net.valid();
        Ok(self
            .views
            .examples(count, &self.config.augment, &net, DISPLAY_TEMPERATURE))
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.online.model.net.valid();
        let data = self.views.data().clone();
        Box::pin(async move { probe_evaluation(&model.encoder, &data, None).await })
    }

    fn representation(&self, grid: usize) -> Option<Box<dyn Representation>> {
        Some(conv_representation(&self.online.model.net.encoder, grid))
    }

    fn save(&self) -> LocalFuture<Result<Vec<Part>>> {
        gather_parts(vec![
            (MODEL_PART, self.online.save_part()),
            ("target", save_module(&self.target)),
        ])
    }

    fn load(&mut self, checkpoint: &Saved<'_>) -> Result<()> {
        let online = self.online.loaded(checkpoint)?;
        let target = load_module(self.target.clone(), checkpoint.part("target")?, "target")?;
        self.online.restore(online, checkpoint);
        self.target = target;
        Ok(())
    }
}
