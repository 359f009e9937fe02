//! One file per method, and what they share: the [`Method`] trait every session drives, the
//! report / example / evaluation types, and the on-device metric accumulator.
//!
//! Rust owns one step, the caller owns the loop: [`Method::train`] only enqueues work on the
//! device (forward, backward, optimizer update) and never reads a tensor back. Values reach the
//! host once per report, through one asynchronous [`Transaction`].

pub mod autoencoder;
pub mod byol;
pub mod charlm;
pub mod clip;
pub mod cyclegan;
pub mod deepcluster;
pub mod gan;
pub mod generative;
pub mod jigsaw;
pub mod mae;
pub mod moco;
pub mod pixelcnn;
pub mod rotation;
pub mod simclr;
pub mod vae;
pub mod views;

use std::future::Future;
use std::pin::Pin;

use burn::module::Module;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Int, Tensor, Transaction};
use serde::{Deserialize, Serialize};

use crate::backend::Compute;
use crate::checkpoint::{self, Checkpoint, Part, gather_parts};
use crate::data::{DatasetName, DeviceImages, ImageSet};
use crate::eval::Representation;
use crate::losses::{accuracy, cross_entropy};
use crate::{Error, Result};

pub use autoencoder::{Autoencoder, AutoencoderConfig};
pub use byol::{Byol, ByolConfig};
pub use charlm::{CharLm, CharLmConfig, LanguageEvaluation, NextChar, PendingNext, Sampling};
pub use clip::{Clip, ClipConfig, PendingZeroShot, ZeroShot, ZeroShotEvaluation};
pub use cyclegan::{CycleGan, CycleGanConfig, CycleGanEvaluation, Direction};
pub use deepcluster::{DeepCluster, DeepClusterConfig};
pub use gan::{Gan, GanConfig, GanEvaluation};
pub use generative::{Codec, GenerativeEvaluation, Images, Interpolation, PendingImages};
pub use jigsaw::{Jigsaw, JigsawConfig};
pub use mae::{Mae, MaeConfig, MaeEvaluation};
pub use moco::{Moco, MocoConfig};
pub use pixelcnn::{Masks, PixelCnn, PixelCnnConfig, PixelEvaluation};
pub use rotation::{Rotation, RotationConfig};
pub use simclr::{SimClr, SimClrConfig};
pub use vae::{Vae, VaeConfig};

/// The methods the representation board trains and compares, in board order: a method joins
/// the board with one line here (and its [`Method::representation`]).
pub const BOARD: &[&str] = &[
    "rotation",
    "jigsaw",
    "deepcluster",
    "simclr",
    "moco",
    "byol",
    "mae",
];

/// A future that owns everything it needs (no borrow of the session), so the page can keep
/// training while an evaluation runs.
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// The configuration of any method: which method, and its hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum MethodConfig {
    /// Rotation prediction (RotNet).
    Rotation(RotationConfig),
    /// Jigsaw puzzles.
    Jigsaw(JigsawConfig),
    /// DeepCluster: k-means pseudo-labels.
    #[serde(rename = "deepcluster")]
    DeepCluster(DeepClusterConfig),
    /// SimCLR: two views, NT-Xent.
    #[serde(rename = "simclr")]
    SimClr(SimClrConfig),
    /// MoCo: momentum key encoder and a queue of negatives.
    #[serde(rename = "moco")]
    Moco(MocoConfig),
    /// BYOL: online network + predictor against an EMA target, no negatives.
    #[serde(rename = "byol")]
    Byol(ByolConfig),
    /// CLIP: images and captions in one embedding, on captioned shapes.
    #[serde(rename = "clip")]
    Clip(ClipConfig),
    /// The autoencoder, denoising when `noise > 0`.
    Autoencoder(AutoencoderConfig),
    /// The variational autoencoder, conditional when `conditional` is set.
    Vae(VaeConfig),
    /// DCGAN: a generator and a discriminator trained against each other.
    Gan(GanConfig),
    /// CycleGAN: regular <-> bold digits, two generators and two discriminators.
    #[serde(rename = "cyclegan")]
    CycleGan(CycleGanConfig),
    /// A character-level GPT on the shipped text.
    #[serde(rename = "charlm")]
    CharLm(CharLmConfig),
    /// PixelCNN: masked convolutions over binarised digits.
    #[serde(rename = "pixelcnn")]
    PixelCnn(PixelCnnConfig),
    /// The masked autoencoder: reconstruct hidden patches from visible ones.
    Mae(MaeConfig),
}

impl MethodConfig {
    /// Names accepted in the `method` field.
    pub const NAMES: [&'static str; 14] = [
        "rotation",
        "jigsaw",
        "deepcluster",
        "simclr",
        "moco",
        "byol",
        "clip",
        "autoencoder",
        "vae",
        "gan",
        "cyclegan",
        "charlm",
        "pixelcnn",
        "mae",
    ];

    /// The method called `name` with its default hyperparameters.
    pub fn default_for(name: &str) -> Result<Self> {
        match name {
            "rotation" => Ok(MethodConfig::Rotation(RotationConfig::default())),
            "jigsaw" => Ok(MethodConfig::Jigsaw(JigsawConfig::default())),
            "deepcluster" => Ok(MethodConfig::DeepCluster(DeepClusterConfig::default())),
            "simclr" => Ok(MethodConfig::SimClr(SimClrConfig::default())),
            "moco" => Ok(MethodConfig::Moco(MocoConfig::default())),
            "byol" => Ok(MethodConfig::Byol(ByolConfig::default())),
            "clip" => Ok(MethodConfig::Clip(ClipConfig::default())),
            "autoencoder" => Ok(MethodConfig::Autoencoder(AutoencoderConfig::default())),
            "vae" => Ok(MethodConfig::Vae(VaeConfig::default())),
            "gan" => Ok(MethodConfig::Gan(GanConfig::default())),
            "cyclegan" => Ok(MethodConfig::CycleGan(CycleGanConfig::default())),
            "charlm" => Ok(MethodConfig::CharLm(CharLmConfig::default())),
            "pixelcnn" => Ok(MethodConfig::PixelCnn(PixelCnnConfig::default())),
            "mae" => Ok(MethodConfig::Mae(MaeConfig::default())),
            other => Err(Error::config(
                "method",
                format!(
                    "unknown method {other:?}; expected one of: {}",
                    Self::NAMES.join(", ")
                ),
            )),
        }
    }

    /// A config from a JSON object `{ "method": ..., field: value, ... }`: missing fields take
    /// their defaults; an unknown field or a value of the wrong type is an error naming it.
    pub fn from_json(mut value: serde_json::Value) -> Result<Self> {
        struct Json(serde_json::Value);
        impl FieldSource for Json {
            fn fields<T: FieldsOf>(self) -> Result<T> {
                serde_path_to_error::deserialize(self.0).map_err(|e| {
                    let field = e.path().to_string();
                    Error::config(field, e.into_inner())
                })
            }
        }
        let method = value
            .as_object_mut()
            .and_then(|o| o.remove("method"))
            .and_then(|m| m.as_str().map(str::to_string))
            .ok_or_else(|| Error::config("method", "expected the method's name as a string"))?;
        Self::from_fields(&method, Json(value))
    }

    /// The method called `name`, its hyperparameters read from `source` (the JSON of the CLI
    /// and the tests, or a JavaScript object in `web`): the one place that maps a name to its
    /// config type.
    pub fn from_fields(name: &str, source: impl FieldSource) -> Result<Self> {
        // Check the name first, so that an unknown method is reported as such.
        Ok(match Self::default_for(name)? {
            MethodConfig::Rotation(_) => MethodConfig::Rotation(source.fields()?),
            MethodConfig::Jigsaw(_) => MethodConfig::Jigsaw(source.fields()?),
            MethodConfig::DeepCluster(_) => MethodConfig::DeepCluster(source.fields()?),
            MethodConfig::SimClr(_) => MethodConfig::SimClr(source.fields()?),
            MethodConfig::Moco(_) => MethodConfig::Moco(source.fields()?),
            MethodConfig::Byol(_) => MethodConfig::Byol(source.fields()?),
            MethodConfig::Clip(_) => MethodConfig::Clip(source.fields()?),
            MethodConfig::Autoencoder(_) => MethodConfig::Autoencoder(source.fields()?),
            MethodConfig::Vae(_) => MethodConfig::Vae(source.fields()?),
            MethodConfig::Gan(_) => MethodConfig::Gan(source.fields()?),
            MethodConfig::CycleGan(_) => MethodConfig::CycleGan(source.fields()?),
            MethodConfig::CharLm(_) => MethodConfig::CharLm(source.fields()?),
            MethodConfig::PixelCnn(_) => MethodConfig::PixelCnn(source.fields()?),
            MethodConfig::Mae(_) => MethodConfig::Mae(source.fields()?),
        })
    }

    /// The method's name.
    pub fn name(&self) -> &'static str {
        match self {
            MethodConfig::Rotation(_) => "rotation",
            MethodConfig::Jigsaw(_) => "jigsaw",
            MethodConfig::DeepCluster(_) => "deepcluster",
            MethodConfig::SimClr(_) => "simclr",
            MethodConfig::Moco(_) => "moco",
            MethodConfig::Byol(_) => "byol",
            MethodConfig::Clip(_) => "clip",
            MethodConfig::Autoencoder(_) => "autoencoder",
            MethodConfig::Vae(_) => "vae",
            MethodConfig::Gan(_) => "gan",
            MethodConfig::CycleGan(_) => "cyclegan",
            MethodConfig::CharLm(_) => "charlm",
            MethodConfig::PixelCnn(_) => "pixelcnn",
            MethodConfig::Mae(_) => "mae",
        }
    }

    /// The settings that shape the method's networks. A checkpoint's values for these always
    /// stand when it is loaded (its weights fit no other), while every other setting (seed,
    /// learning rate, batch size, a loss weight) may be chosen anew by the page that loads it.
    pub fn architecture(&self) -> &'static [&'static str] {
        match self {
            MethodConfig::Rotation(_) => RotationConfig::ARCHITECTURE,
            MethodConfig::Jigsaw(_) => JigsawConfig::ARCHITECTURE,
            MethodConfig::DeepCluster(_) => DeepClusterConfig::ARCHITECTURE,
            MethodConfig::SimClr(_) => SimClrConfig::ARCHITECTURE,
            MethodConfig::Moco(_) => MocoConfig::ARCHITECTURE,
            MethodConfig::Byol(_) => ByolConfig::ARCHITECTURE,
            MethodConfig::Clip(_) => ClipConfig::ARCHITECTURE,
            MethodConfig::Autoencoder(_) => AutoencoderConfig::ARCHITECTURE,
            MethodConfig::Vae(_) => VaeConfig::ARCHITECTURE,
            MethodConfig::Gan(_) => GanConfig::ARCHITECTURE,
            MethodConfig::CycleGan(_) => CycleGanConfig::ARCHITECTURE,
            MethodConfig::CharLm(_) => CharLmConfig::ARCHITECTURE,
            MethodConfig::PixelCnn(_) => PixelCnnConfig::ARCHITECTURE,
            MethodConfig::Mae(_) => MaeConfig::ARCHITECTURE,
        }
    }

    /// The shipped dataset the method trains on; `None` for CLIP, which draws its own
    /// captioned shapes.
    pub fn dataset(&self) -> Option<DatasetName> {
        match self {
            MethodConfig::Rotation(c) => Some(c.dataset),
            MethodConfig::Jigsaw(c) => Some(c.dataset),
            MethodConfig::DeepCluster(c) => Some(c.dataset),
            MethodConfig::SimClr(c) => Some(c.dataset),
            MethodConfig::Moco(c) => Some(c.dataset),
            MethodConfig::Byol(c) => Some(c.dataset),
            MethodConfig::Clip(_) => None,
            MethodConfig::Autoencoder(c) => Some(c.dataset),
            MethodConfig::Vae(c) => Some(c.dataset),
            MethodConfig::Gan(c) => Some(c.dataset),
            MethodConfig::CycleGan(c) => Some(c.dataset),
            MethodConfig::CharLm(_) => None,
            MethodConfig::PixelCnn(c) => Some(c.dataset),
            MethodConfig::Mae(c) => Some(c.dataset),
        }
    }

    /// The largest L2 norm of each parameter's gradient (0: no clipping).
    pub fn gradient_clip(&self) -> f64 {
        match self {
            MethodConfig::Rotation(c) => c.gradient_clip,
            MethodConfig::Jigsaw(c) => c.gradient_clip,
            MethodConfig::DeepCluster(c) => c.gradient_clip,
            MethodConfig::SimClr(c) => c.gradient_clip,
            MethodConfig::Moco(c) => c.gradient_clip,
            MethodConfig::Byol(c) => c.gradient_clip,
            MethodConfig::Clip(c) => c.gradient_clip,
            MethodConfig::Autoencoder(c) => c.gradient_clip,
            MethodConfig::Vae(c) => c.gradient_clip,
            MethodConfig::Gan(c) => c.gradient_clip,
            MethodConfig::CycleGan(c) => c.gradient_clip,
            MethodConfig::CharLm(c) => c.gradient_clip,
            MethodConfig::PixelCnn(c) => c.gradient_clip,
            MethodConfig::Mae(c) => c.gradient_clip,
        }
    }

    /// Images per training step.
    pub fn batch_size(&self) -> usize {
        match self {
            MethodConfig::Rotation(c) => c.batch_size,
            MethodConfig::Jigsaw(c) => c.batch_size,
            MethodConfig::DeepCluster(c) => c.batch_size,
            MethodConfig::SimClr(c) => c.batch_size,
            MethodConfig::Moco(c) => c.batch_size,
            MethodConfig::Byol(c) => c.batch_size,
            MethodConfig::Clip(c) => c.batch_size,
            MethodConfig::Autoencoder(c) => c.batch_size,
            MethodConfig::Vae(c) => c.batch_size,
            MethodConfig::Gan(c) => c.batch_size,
            MethodConfig::CycleGan(c) => c.batch_size,
            MethodConfig::CharLm(c) => c.batch_size,
            MethodConfig::PixelCnn(c) => c.batch_size,
            MethodConfig::Mae(c) => c.batch_size,
        }
    }

    /// Check every field against the data it will run on (the loaded dataset named by
    /// [`MethodConfig::dataset`]; CLIP needs none); the error names the field.
    pub fn validate(&self, data: Option<&TrainingData>) -> Result<()> {
        validate_gradient_clip(self.gradient_clip())?;
        let data = || {
            data.ok_or_else(|| {
                Error::config("dataset", format!("{} needs a loaded dataset", self.name()))
            })
        };
        match self {
            MethodConfig::Rotation(c) => c.validate(data()?),
            MethodConfig::Jigsaw(c) => c.validate(data()?),
            MethodConfig::DeepCluster(c) => c.validate(data()?),
            MethodConfig::SimClr(c) => c.validate(data()?),
            MethodConfig::Moco(c) => c.validate(data()?),
            MethodConfig::Byol(c) => c.validate(data()?),
            MethodConfig::Clip(c) => c.validate(),
            MethodConfig::Autoencoder(c) => c.validate(data()?),
            MethodConfig::Vae(c) => c.validate(data()?),
            MethodConfig::Gan(c) => c.validate(data()?),
            MethodConfig::CycleGan(c) => c.validate(data()?),
            MethodConfig::CharLm(c) => c.validate(),
            MethodConfig::PixelCnn(c) => c.validate(data()?),
            MethodConfig::Mae(c) => c.validate(data()?),
        }
    }

    /// Validate, then build the method on `compute`'s device.
    pub fn build(&self, data: Option<&TrainingData>, compute: &Compute) -> Result<Box<dyn Method>> {
        self.validate(data)?;
        // `validate` refused a missing dataset for every method that needs one.
        let data = || data.expect("validated");
        Ok(match self {
            MethodConfig::Rotation(c) => Box::new(Rotation::new(c.clone(), data(), compute)),
            MethodConfig::Jigsaw(c) => Box::new(Jigsaw::new(c.clone(), data(), compute)),
            MethodConfig::DeepCluster(c) => Box::new(DeepCluster::new(c.clone(), data(), compute)),
            MethodConfig::SimClr(c) => Box::new(SimClr::new(c.clone(), data(), compute)),
            MethodConfig::Moco(c) => Box::new(Moco::new(c.clone(), data(), compute)),
            MethodConfig::Byol(c) => Box::new(Byol::new(c.clone(), data(), compute)),
            MethodConfig::Clip(c) => Box::new(Clip::new(c.clone(), compute)),
            MethodConfig::Autoencoder(c) => Box::new(Autoencoder::new(c.clone(), data(), compute)),
            MethodConfig::Vae(c) => Box::new(Vae::new(c.clone(), data(), compute)),
            MethodConfig::Gan(c) => Box::new(Gan::new(c.clone(), data(), compute)),
            MethodConfig::CycleGan(c) => Box::new(CycleGan::new(c.clone(), data(), compute)),
            MethodConfig::CharLm(c) => Box::new(CharLm::new(c.clone(), compute)),
            MethodConfig::PixelCnn(c) => Box::new(PixelCnn::new(c.clone(), data(), compute)),
            MethodConfig::Mae(c) => Box::new(Mae::new(c.clone(), data(), compute)),
        })
    }
}

/// What every method's config type is: read from fields, written back (the page's URL), with
/// defaults for the missing ones.
pub trait FieldsOf: serde::de::DeserializeOwned + Serialize + Default {}
impl<T: serde::de::DeserializeOwned + Serialize + Default> FieldsOf for T {}

/// Where a config's fields come from (a JSON value, a JavaScript object).
pub trait FieldSource {
    /// The fields as a `T`; an unknown field or a value of the wrong type is an error naming it.
    fn fields<T: FieldsOf>(self) -> Result<T>;
}

/// A dataset's two parts, uploaded once to the device and shared by every session on it.
#[derive(Debug, Clone)]
pub struct TrainingData {
    /// Which dataset.
    pub name: DatasetName,
    /// Class names (for labels in the page; methods never see labels).
    pub class_names: Vec<String>,
    /// The training part.
    pub train: DeviceImages,
    /// The held-out part, for evaluation only.
    pub held_out: DeviceImages,
    /// Random-init probe accuracies measured so far on this data (shared by every clone).
    pub baselines: crate::eval::BaselineCache,
}

impl TrainingData {
    /// Split `set` with the fixed seed and upload both parts to `compute`'s device.
    pub fn upload(name: DatasetName, set: &ImageSet, compute: &Compute) -> Result<Self> {
        let split = crate::data::Split::new(set)?;
        Ok(TrainingData {
            name,
            class_names: set.class_names.clone(),
            train: DeviceImages::upload(&split.train, &compute.device),
            held_out: DeviceImages::upload(&split.held_out, &compute.device),
            baselines: Default::default(),
        })
    }
}

/// A network with its Adam state, the metrics waiting on the device, and the step count, which
/// every method keeps the same way: classifiers (rotation, jigsaw, DeepCluster's pseudo-labels)
/// through [`Trainer::classify`], the others (SimCLR, MoCo, BYOL, ...) through
/// [`Trainer::minimize`].
pub struct Trainer<M> {
    /// The network.
    pub model: M,
    adam: AdamConfig,
    optim: ModuleOptimizer,
    metrics: MetricAccumulator,
    steps: u64,
    loss_name: &'static str,
}

impl<M: Module> Trainer<M> {
    /// `model` with a fresh Adam; its loss is reported as `loss`.
    pub fn new(model: M) -> Self {
        Self::reporting_as(model, "loss")
    }

    /// `model` with a fresh Adam; its loss is reported as `loss_name` (a method with two
    /// networks, each with its own optimizer, reports two losses: a GAN's generator and
    /// discriminator).
    pub fn reporting_as(model: M, loss_name: &'static str) -> Self {
        let adam = AdamConfig::new();
        Trainer {
            model,
            optim: adam.init(),
            adam,
            metrics: MetricAccumulator::default(),
            steps: 0,
            loss_name,
        }
    }

    /// Adam with `beta_1` as the decay of its first moment (0.9 by default). GANs use 0.5
    /// (Radford et al.): the two players' gradients keep changing direction as the other
    /// adapts, and a long momentum overshoots them.
    pub fn with_beta_1(mut self, beta_1: f32) -> Self {
        self.adam = self.adam.clone().with_beta_1(beta_1);
        self.optim = self.adam.init();
        self
    }

    /// Scale each parameter's gradient down to an L2 norm of at most `max_norm` before Adam's
    /// step (burn's per-parameter norm clipping, on the device); 0 leaves gradients as they are.
    /// A teaching knob against the loss spikes of a too-high learning rate.
    pub fn with_gradient_clip(mut self, max_norm: f64) -> Self {
        if max_norm > 0.0 {
            self.adam = self
                .adam
                .clone()
                .with_grad_clipping(Some(GradientClippingConfig::Norm(max_norm as f32)));
            self.optim = self.adam.init();
        }
        self
    }

    /// One step: cross-entropy of `logits` (computed from `self.model`) against `targets`,
    /// backward, Adam; the loss and accuracy go into the metrics, on the device. Enqueues work
    /// only.
    ///
    /// # Shapes
    /// - logits: `[batch, classes]`, targets: `[batch]`
    pub fn classify(&mut self, learning_rate: f64, logits: Tensor<2>, targets: Tensor<1, Int>) {
        let loss = cross_entropy(logits.clone(), targets.clone());
        let acc = accuracy(logits.detach(), targets);
        self.minimize(learning_rate, loss, [("accuracy", acc)]);
    }

    /// One step down `loss` (computed from `self.model`): backward, Adam, on this trainer's
    /// parameters only (gradients that reach other networks are left unused). The loss and the
    /// `metrics` (each `[1]`, detached or not) go into the metrics, the loss first. Enqueues
    /// work only.
    pub fn minimize(
        &mut self,
        learning_rate: f64,
        loss: Tensor<1>,
        metrics: impl IntoIterator<Item = (&'static str, Tensor<1>)>,
    ) {
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.metrics.add(
            std::iter::once((self.loss_name, loss.detach()))
                .chain(metrics.into_iter().map(|(name, t)| (name, t.detach()))),
        );
        self.model = self.optim.step(learning_rate, self.model.clone(), grads);
        self.steps += 1;
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Hand over the metrics accumulated since the last call.
    pub fn take_metrics(&mut self) -> PendingMetrics {
        self.metrics.take()
    }

    /// Forget Adam's moments (for a model part that was just replaced).
    pub fn reset_optimizer(&mut self) {
        self.optim = self.adam.init();
    }

    /// The model as the one part (`"model"`) of a checkpoint.
    pub fn save(&self) -> LocalFuture<Result<Vec<Part>>>
    where
        M: 'static,
    {
        gather_parts(vec![(MODEL_PART, self.save_part())])
    }

    /// The model's bytes, for a method that saves more parts than the model.
    pub fn save_part(&self) -> LocalFuture<Result<Vec<u8>>>
    where
        M: 'static,
    {
        checkpoint::save_module(&self.model)
    }

    /// The model of `checkpoint` (its `"model"` part) loaded into a copy of this one, for a
    /// method that checks more parts before it replaces anything.
    pub fn loaded(&self, checkpoint: &Checkpoint) -> Result<M> {
        checkpoint::load_module(self.model.clone(), checkpoint.part(MODEL_PART)?, MODEL_PART)
    }

    /// Replace the model by `model` and the step count by `checkpoint`'s, with a fresh
    /// optimizer (its moments are not saved) and no pending metrics.
    pub fn restore(&mut self, model: M, checkpoint: &Checkpoint) {
        self.model = model;
        self.steps = checkpoint.step;
        self.metrics = MetricAccumulator::default();
        self.reset_optimizer();
    }

    /// Load the `"model"` part of `checkpoint`: all or nothing (on an error the model is kept).
    pub fn load(&mut self, checkpoint: &Checkpoint) -> Result<()> {
        let model = self.loaded(checkpoint)?;
        self.restore(model, checkpoint);
        Ok(())
    }
}

/// The name of a trainer's model in a checkpoint.
pub const MODEL_PART: &str = "model";

/// The largest batch a step may take (keeps one step well inside a frame budget on a laptop GPU).
pub const MAX_BATCH_SIZE: usize = 512;

/// A learning rate must be a finite number in (0, 1].
pub fn validate_learning_rate(field: &str, lr: f64) -> Result<()> {
    if !lr.is_finite() || lr <= 0.0 || lr > 1.0 {
        return Err(Error::config(
            field,
            format!("must be a number greater than 0 and at most 1, got {lr}"),
        ));
    }
    Ok(())
}

/// A gradient clip must be 0 (off) or a finite positive norm of at most 1,000,000.
pub fn validate_gradient_clip(max_norm: f64) -> Result<()> {
    if !max_norm.is_finite() || !(0.0..=1e6).contains(&max_norm) {
        return Err(Error::config(
            "gradient_clip",
            format!(
                "must be 0 (no clipping) or a positive number of at most 1000000, got {max_norm}"
            ),
        ));
    }
    Ok(())
}

/// A whole-number setting must lie in `min..=max`.
pub fn validate_range(field: &str, value: usize, min: usize, max: usize) -> Result<()> {
    if !(min..=max).contains(&value) {
        return Err(Error::config(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(())
}

/// A batch takes between 1 and `max` images, and no more than the training part holds.
pub fn validate_batch_size(
    field: &str,
    size: usize,
    max: usize,
    data: &TrainingData,
) -> Result<()> {
    let max = max.min(data.train.len());
    if size == 0 || size > max {
        return Err(Error::config(
            field,
            format!(
                "must be between 1 and {max} (the training set has {} images), got {size}",
                data.train.len()
            ),
        ));
    }
    Ok(())
}

/// The config's dataset must be the one the session was given.
pub fn validate_dataset(dataset: DatasetName, data: &TrainingData) -> Result<()> {
    if data.name != dataset {
        return Err(Error::config(
            "dataset",
            format!(
                "the session was given the {} data but asks for {}",
                data.name.as_str(),
                dataset.as_str()
            ),
        ));
    }
    Ok(())
}

/// What every method's session can do. Implementations live one per file in this module.
pub trait Method {
    /// Enqueue `steps` training steps. Never reads a tensor back.
    fn train(&mut self, steps: usize);

    /// Steps taken since the last reset.
    fn step(&self) -> u64;

    /// Take the metrics accumulated since the last call (their read-back is the caller's).
    fn take_metrics(&mut self) -> PendingMetrics;

    /// Up to `count` held-out inputs with the model's predictions, for the widget's grid (a
    /// method that classifies nothing, an autoencoder, says so).
    fn examples(&mut self, _count: usize) -> Result<PendingExamples> {
        Err(Error::config(
            "method",
            "this method predicts no classes; its widget shows reconstructions and samples",
        ))
    }

    /// The method's evaluation (pretext accuracy, linear probe, ...), as an owned future.
    fn evaluate(&self) -> LocalFuture<Result<Evaluation>>;

    /// Re-initialise the model and optimizer from the config's seed.
    fn reset(&mut self);

    /// The trained networks as checkpoint parts (see [`crate::checkpoint`]).
    fn save(&self) -> LocalFuture<Result<Vec<Part>>>;

    /// Load the networks of `checkpoint`, saved by a session with the same config: all or
    /// nothing (an error keeps the current networks), and the step count continues from it.
    fn load(&mut self, checkpoint: &Checkpoint) -> Result<()>;

    /// For a method that encodes and decodes images (the autoencoders, the VAEs): a frozen
    /// copy of its encoder-decoder, what samples, interpolations and arithmetic are made with.
    fn generative(&self) -> Option<Codec> {
        None
    }

    /// `count` images generated from noise drawn with `seed` (the same seed, the same noise), of
    /// `class` for a conditional model: a VAE's prior samples, a GAN's generator.
    fn samples(&self, count: usize, seed: u64, class: Option<usize>) -> Result<PendingImages> {
        match self.generative() {
            Some(codec) => codec.samples(count, seed, class),
            None => Err(Error::config(
                "method",
                "only the generative methods (VAEs, GANs) draw samples",
            )),
        }
    }

    /// A GAN's generator applied to `noise`, noise vectors given by the caller (`count x
    /// noise` values, row after row).
    fn generate(&self, _noise: &[f32]) -> Result<PendingImages> {
        Err(Error::config(
            "method",
            "only a GAN turns noise vectors into images",
        ))
    }

    /// A GAN's walk through noise space, from the noise drawn with seed `from` to that of
    /// `to`, decoded (`frames` images).
    fn latent_walk(
        &self,
        _from: u64,
        _to: u64,
        _frames: usize,
        _mode: Interpolation,
    ) -> Result<PendingImages> {
        Err(Error::config(
            "method",
            "only a GAN walks its noise space (a VAE interpolates between images)",
        ))
    }

    /// A CycleGAN's translation of held-out images `start..start + count` (of the source
    /// domain of `direction`) and back.
    fn translations(
        &self,
        _start: usize,
        _count: usize,
        _direction: Direction,
    ) -> Result<PendingImages> {
        Err(Error::config("method", "only CycleGAN translates images"))
    }

    /// A CycleGAN's translation of the caller's `image` (28 x 28 values in [0, 1], drawn on
    /// the page) and back.
    fn translate(&self, _image: &[f32], _direction: Direction) -> Result<PendingImages> {
        Err(Error::config("method", "only CycleGAN translates images"))
    }

    /// A language model's distribution of the character after `prompt`.
    fn next_char(&self, _prompt: &str) -> Result<PendingNext> {
        Err(Error::config(
            "method",
            "only the character-level GPT reads text",
        ))
    }

    /// A language model's continuation of `prompt`, `length` characters drawn with `sampling`.
    fn write(
        &self,
        _prompt: &str,
        _length: usize,
        _sampling: Sampling,
    ) -> Result<LocalFuture<Result<String>>> {
        Err(Error::config(
            "method",
            "only the character-level GPT writes text",
        ))
    }

    /// Held-out images `start..start + count` with the model's reconstructions: an
    /// autoencoder's or VAE's (no `mask_ratio`), or a masked autoencoder's with `mask_ratio` of
    /// the patches hidden (its config's when `None`), masks drawn with `seed`.
    fn reconstructions(
        &self,
        start: usize,
        count: usize,
        mask_ratio: Option<f64>,
        _seed: u64,
    ) -> Result<PendingImages> {
        let codec = self.generative().ok_or_else(|| {
            Error::config(
                "method",
                "only the autoencoders, VAEs and the masked autoencoder reconstruct images",
            )
        })?;
        if mask_ratio.is_some() {
            return Err(Error::config(
                "mask_ratio",
                "only the masked autoencoder hides patches",
            ));
        }
        Ok(codec.reconstructions(start, count))
    }

    /// A PixelCNN's completion of `images` (`count x 784` values): up to `pixels` of the
    /// pixels `known` does not mark drawn in raster order (see [`PixelCnn::complete`]).
    fn complete(
        &self,
        _images: &[f32],
        _known: &[f32],
        _pixels: usize,
        _seed: u64,
    ) -> Result<LocalFuture<Result<Images>>> {
        Err(Error::config(
            "method",
            "only PixelCNN draws images pixel by pixel",
        ))
    }

    /// A PixelCNN's receptive field of pixel (`row`, `col`), by gradients.
    fn receptive_field(&self, _row: usize, _col: usize) -> Result<PendingImages> {
        Err(Error::config(
            "method",
            "only PixelCNN has a per-pixel receptive field to show",
        ))
    }

    /// For a method that clusters: every round's clustering scored against the true labels,
    /// next to k-means on raw pixels (cheaper than [`Method::evaluate`]: no probe).
    fn clustering(&self) -> Option<LocalFuture<Result<ClusteringEvaluation>>> {
        None
    }

    /// For a method that learns a representation: a frozen copy of it, read out the way the
    /// representation board compares every method, averaged to a `grid x grid` grid (see
    /// [`crate::eval::board`]).
    fn representation(&self, _grid: usize) -> Option<Box<dyn Representation>> {
        None
    }

    /// For a method that reads captions (CLIP): held-out images classified by `candidates`,
    /// captions a user typed (see [`ZeroShot`]).
    fn zero_shot(&self, _candidates: &[String], _count: usize) -> Result<PendingZeroShot> {
        Err(Error::config(
            "method",
            "only CLIP classifies images by captions",
        ))
    }
}

/// The evaluation of a representation method: the linear probe of its frozen (`.valid()`)
/// encoder against random-init encoders of the same shape, with the method's held-out pretext
/// accuracy when it has one.
pub async fn probe_evaluation(
    encoder: &crate::nn::ConvEncoder,
    data: &TrainingData,
    pretext_accuracy: Option<f64>,
) -> Result<Evaluation> {
    let probe = crate::eval::compare_with_random_init(
        encoder,
        &crate::nn::ConvEncoderConfig::new(),
        data,
        &crate::eval::ProbeConfig::default(),
    )
    .await?;
    Ok(Evaluation {
        pretext_accuracy,
        probe: Some(probe),
        ..Evaluation::default()
    })
}

/// Sums of per-step scalar metrics, kept on the device until a report reads them.
#[derive(Debug, Default)]
pub struct MetricAccumulator {
    sums: Vec<(&'static str, Tensor<1>)>,
    steps: usize,
}

impl MetricAccumulator {
    /// Add one step's values (each `[1]`, detached from the graph).
    pub fn add(&mut self, values: impl IntoIterator<Item = (&'static str, Tensor<1>)>) {
        for (name, value) in values {
            match self.sums.iter_mut().find(|(n, _)| *n == name) {
                Some((_, sum)) => *sum = sum.clone() + value,
                None => self.sums.push((name, value)),
            }
        }
        self.steps += 1;
    }

    /// Hand over the sums and start again.
    pub fn take(&mut self) -> PendingMetrics {
        let taken = std::mem::take(self);
        PendingMetrics {
            groups: vec![(taken.sums, taken.steps)],
        }
    }
}

/// Metric sums not read back yet: groups of sums, each with the number of steps it summed (two
/// networks trained at different rates, a GAN's discriminator and generator, report together).
#[derive(Debug)]
pub struct PendingMetrics {
    groups: Vec<(Vec<(&'static str, Tensor<1>)>, usize)>,
}

impl PendingMetrics {
    /// These metrics followed by `other`'s, read back in the same transaction.
    pub fn and(mut self, other: PendingMetrics) -> PendingMetrics {
        self.groups.extend(other.groups);
        self
    }

    /// Read every sum back in one transaction and divide each by its group's steps: the means
    /// over the steps since the last report. Empty when no step ran.
    pub async fn read(self) -> Result<Vec<Metric>> {
        let sums: Vec<(&'static str, &Tensor<1>, usize)> = self
            .groups
            .iter()
            .filter(|(_, steps)| *steps > 0)
            .flat_map(|(sums, steps)| sums.iter().map(move |(name, t)| (*name, t, *steps)))
            .collect();
        if sums.is_empty() {
            return Ok(Vec::new());
        }
        let tx = sums.iter().fold(Transaction::default(), |tx, (_, t, _)| {
            tx.register((*t).clone())
        });
        let data = tx
            .execute_async()
            .await
            .map_err(|e| Error::Device(format!("reading the metrics back failed: {e:?}")))?;
        Ok(sums
            .iter()
            .zip(data)
            .map(|((name, _, steps), d)| Metric {
                name: name.to_string(),
                value: d.iter::<f64>().next().unwrap_or(f64::NAN) / *steps as f64,
            })
            .collect())
    }
}

/// One named scalar of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// `loss`, `accuracy`, ...
    pub name: String,
    /// The mean over the steps since the previous report.
    pub value: f64,
}

/// A training report, read once per render in the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The method's name.
    pub method: String,
    /// Steps taken since the last reset.
    pub step: u64,
    /// Steps covered by `metrics` (since the previous report).
    pub steps_in_report: u64,
    /// Training steps per second since the previous report, device work included.
    pub steps_per_second: f64,
    /// Means over the steps since the previous report; `loss` always comes first.
    pub metrics: Vec<Metric>,
}

impl Report {
    /// The metric called `name`.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}

/// Example images with the model's predictions, not read back yet.
#[derive(Debug)]
pub struct PendingExamples {
    /// `[count, channels, rows, cols]` in [0, 1].
    pub images: Tensor<4>,
    /// `[count, classes]` predicted probabilities.
    pub probabilities: Tensor<2>,
    /// The true class of each example (of the pretext task).
    pub truth: Vec<usize>,
    /// Names of the pretext classes (`0°`, `90°`, ...).
    pub class_names: Vec<String>,
}

impl PendingExamples {
    /// Read the images and predictions back in one transaction.
    pub async fn read(self) -> Result<Examples> {
        let [count, channels, rows, cols] = self.images.dims();
        let data = Transaction::default()
            .register(self.images)
            .register(self.probabilities)
            .execute_async()
            .await
            .map_err(|e| Error::Device(format!("reading the examples back failed: {e:?}")))?;
        let pixels = image_bytes(&data[0]);
        let probs: Vec<f32> = data[1].iter::<f32>().collect();
        let classes = self.class_names.len();
        let items = (0..count)
            .map(|i| {
                let row = &probs[i * classes..(i + 1) * classes];
                let (predicted, confidence) =
                    row.iter().enumerate().fold((0, f32::MIN), |best, (c, &p)| {
                        if p > best.1 { (c, p) } else { best }
                    });
                Example {
                    truth: self.truth[i],
                    predicted,
                    confidence: confidence as f64,
                }
            })
            .collect();
        Ok(Examples {
            rows,
            cols,
            channels,
            pixels,
            class_names: self.class_names,
            items,
            probabilities: probs,
        })
    }
}

/// Image values in [0, 1] as bytes (0 = black), for drawing.
pub fn image_bytes(data: &burn::tensor::TensorData) -> Vec<u8> {
    data.iter::<f32>()
        .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect()
}

/// Example images ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Examples {
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// Channels per pixel.
    pub channels: usize,
    /// `count * channels * rows * cols` bytes, 0 = black.
    pub pixels: Vec<u8>,
    /// Names of the classes `truth` and `predicted` index.
    pub class_names: Vec<String>,
    /// One per image.
    pub items: Vec<Example>,
    /// Every image's predicted probability of every class, row by row (`count * classes`): the
    /// contrastive widgets draw it as a heat map.
    pub probabilities: Vec<f32>,
}

/// One example's truth and prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The true class.
    pub truth: usize,
    /// The arg-max class.
    pub predicted: usize,
    /// The predicted class's probability.
    pub confidence: f64,
}

/// What an evaluation measured (each method fills the parts it has).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Evaluation {
    /// Pretext-task accuracy on the held-out images, if the method has a pretext classifier.
    pub pretext_accuracy: Option<f64>,
    /// The linear probe of the trained encoder against a random-init encoder, if the method
    /// learns a representation.
    pub probe: Option<crate::eval::ProbeComparison>,
    /// Clustering scores against the true labels, if the method clusters.
    pub clustering: Option<ClusteringEvaluation>,
    /// Zero-shot captioning of unseen combinations, if the method reads captions (CLIP).
    pub zero_shot: Option<ZeroShotEvaluation>,
    /// Held-out reconstruction scores (and the ELBO), if the method encodes and decodes.
    pub generative: Option<GenerativeEvaluation>,
    /// A GAN's samples as a classifier of real images sees them.
    pub gan: Option<GanEvaluation>,
    /// A CycleGAN's held-out cycle and translation errors.
    pub cyclegan: Option<CycleGanEvaluation>,
    /// A language model's held-out bits per character.
    pub language: Option<LanguageEvaluation>,
    /// A PixelCNN's held-out bits per dimension.
    pub pixel: Option<PixelEvaluation>,
    /// A masked autoencoder's held-out error on the masked patches.
    pub mae: Option<MaeEvaluation>,
}

impl Evaluation {
    /// The evaluation of an encoder-decoder.
    pub fn generative(scores: GenerativeEvaluation) -> Self {
        Evaluation {
            generative: Some(scores),
            ..Evaluation::default()
        }
    }
}

/// How well a clustering matches the true classes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusterScore {
    /// Normalised mutual information (0 = unrelated, 1 = the classes up to renaming).
    pub nmi: f64,
    /// Fraction of points in the majority class of their cluster.
    pub purity: f64,
}

/// A clustering method's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusteringEvaluation {
    /// k-means on raw pixels of the same images, same k: the baseline.
    pub pixels: ClusterScore,
    /// k-means on the current encoder's features (measured by a full evaluation only).
    pub features: Option<ClusterScore>,
    /// The step the evaluation was taken at.
    pub step: u64,
    /// Each round's clustering (the pseudo-labels it trained on), oldest first.
    pub rounds: Vec<RoundScore>,
}

/// The clustering one round trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoundScore {
    /// The step at which the round clustered.
    pub step: u64,
    /// Its score.
    pub score: ClusterScore,
}
