//! One file per method, and what they share: the registry of methods, the narrow [`Method`]
//! trait every session drives, the [`Trainer`] every network is trained with, the config checks
//! and the report / example / evaluation types.
//!
//! Rust owns one step, the caller owns the loop: [`Method::train_step`] only enqueues work on
//! the device (forward, backward, optimizer update) and never reads a tensor back. Values reach
//! the host once per report, through one asynchronous [`burn::tensor::Transaction`].
//!
//! A method is its own file plus its `pub mod` and its line in the registry below. What only
//! one method does (a GAN's latent walk, the GPT's writing, CLIP's zero-shot captions) is a
//! plain method of its type, which the session reaches with
//! [`crate::session::Session::downcast`] and `web/<method>.rs` binds to JavaScript; what several
//! share (a codec, a representation, samples) is part of the trait.

// The methods, one file each.
pub mod autoencoder;
pub mod byol;
pub mod charlm;
pub mod clip;
pub mod cyclegan;
pub mod deepcluster;
pub mod gan;
pub mod jigsaw;
pub mod mae;
pub mod moco;
pub mod pixelcnn;
pub mod rotation;
pub mod simclr;
pub mod vae;

// What they share.
pub mod codec;
mod config;
pub mod images;
pub mod report;
pub mod trainer;
pub mod validate;
pub mod views;

use std::any::Any;

use crate::eval::Representation;
use crate::record::{Part, Saved};
use crate::{Error, LocalFuture, Result};

pub use charlm::{LanguageEvaluation, NextChar, PendingNext, Sampling};
pub use clip::{PendingZeroShot, ZeroShot, ZeroShotEvaluation};
pub use codec::{Codec, GenerativeEvaluation};
pub use config::{FieldSource, FieldsOf};
pub use cyclegan::{CycleGanEvaluation, Direction};
pub use gan::GanEvaluation;
pub use images::{Images, Interpolation, PendingImages};
pub use mae::MaeEvaluation;
pub use pixelcnn::{Masks, PixelEvaluation};
pub use report::{
    ClusterScore, ClusteringEvaluation, Evaluation, Example, Examples, Metric, MetricAccumulator,
    PendingExamples, PendingMetrics, Report, RoundScore, image_bytes, probe_evaluation,
};
pub use trainer::{MODEL_PART, Trainer};
pub use validate::{
    MAX_BATCH_SIZE, validate_batch_size, validate_dataset, validate_gradient_clip,
    validate_learning_rate, validate_range,
};

config::registry! {
    /// Rotation prediction (RotNet).
    rotation: Rotation(RotationConfig) => Rotation, dataset, board;
    /// Jigsaw puzzles.
    jigsaw: Jigsaw(JigsawConfig) => Jigsaw, dataset, board;
    /// DeepCluster: k-means pseudo-labels.
    deepcluster: DeepCluster(DeepClusterConfig) => DeepCluster, dataset, board;
    /// SimCLR: two views, NT-Xent.
    simclr: SimClr(SimClrConfig) => SimClr, dataset, board;
    /// MoCo: momentum key encoder and a queue of negatives.
    moco: Moco(MocoConfig) => Moco, dataset, board;
    /// BYOL: online network + predictor against an EMA target, no negatives.
    byol: Byol(ByolConfig) => Byol, dataset, board;
    /// CLIP: images and captions in one embedding, on captioned shapes.
    clip: Clip(ClipConfig) => Clip, own_data;
    /// The autoencoder, denoising when `noise > 0`.
    autoencoder: Autoencoder(AutoencoderConfig) => Autoencoder, dataset;
    /// The variational autoencoder, conditional when `conditional` is set.
    vae: Vae(VaeConfig) => Vae, dataset;
    /// DCGAN: a generator and a discriminator trained against each other.
    gan: Gan(GanConfig) => Gan, dataset;
    /// CycleGAN: regular <-> bold digits, two generators and two discriminators.
    cyclegan: CycleGan(CycleGanConfig) => CycleGan, dataset;
    /// A character-level GPT on the shipped text.
    charlm: CharLm(CharLmConfig) => CharLm, own_data;
    /// PixelCNN: masked convolutions over binarised digits.
    pixelcnn: PixelCnn(PixelCnnConfig) => PixelCnn, dataset;
    /// The masked autoencoder: reconstruct hidden patches from visible ones.
    mae: Mae(MaeConfig) => Mae, dataset, board;
}

/// What every method's session can do, and the capabilities several methods share. The
/// implementations live one per file in this module.
pub trait Method: Any {
    /// Enqueue one training step (forward, backward, optimizer update). Never reads a tensor
    /// back.
    fn train_step(&mut self);

    /// Enqueue `steps` training steps.
    fn train(&mut self, steps: usize) {
        for _ in 0..steps {
            self.train_step();
        }
    }

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

    /// The method's evaluation (pretext accuracy, linear probe, ...), as an owned future; by
    /// default the held-out scores of its [`Method::codec`] (the autoencoders, the VAEs).
    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let codec = self.codec();
        Box::pin(async move {
            let codec = codec.ok_or_else(|| Error::config("method", "it has no evaluation"))?;
            Ok(Evaluation::generative(codec.evaluate().await?))
        })
    }

    /// The trained networks as checkpoint parts (see [`crate::checkpoint`]).
    fn save(&self) -> LocalFuture<Result<Vec<Part>>>;

    /// Load the networks a session with the same config saved: all or nothing (an error keeps
    /// the current networks), and the step count continues from it.
    fn load(&mut self, saved: &Saved<'_>) -> Result<()>;

    /// For a method that encodes and decodes images (the autoencoders, the VAEs): a frozen
    /// copy of its encoder-decoder, what samples, interpolations and arithmetic are made with.
    fn codec(&self) -> Option<Codec> {
        None
    }

    /// `count` images generated from noise drawn with `seed` (the same seed, the same noise), of
    /// `class` for a conditional model: a VAE's prior samples, a GAN's generator.
    fn samples(&self, count: usize, seed: u64, class: Option<usize>) -> Result<PendingImages> {
        match self.codec() {
            Some(codec) => codec.samples(count, seed, class),
            None => Err(Error::config(
                "method",
                "only the generative methods (VAEs, GANs) draw samples",
            )),
        }
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
        let codec = self.codec().ok_or_else(|| {
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

    /// For a method that clusters: every round's clustering scored against the true labels,
    /// next to k-means on raw pixels (cheaper than [`Method::evaluate`]: no probe).
    fn clustering(&self) -> Option<LocalFuture<Result<ClusteringEvaluation>>> {
        None
    }

    /// For a method that learns a representation: a frozen copy of it, read out the way the
    /// representation board compares every method, averaged to a `grid x grid` grid (see
    /// [`crate::board`]).
    fn representation(&self, _grid: usize) -> Option<Box<dyn Representation>> {
        None
    }
}
