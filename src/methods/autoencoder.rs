//! The autoencoder and the denoising autoencoder (Vincent et al. 2008).
//!
//! The network squeezes each image through a small latent code and must rebuild it: whatever
//! the code keeps is what the data is made of. With `noise > 0` the input is corrupted by
//! Gaussian noise (clamped to [0, 1]) and the target stays the clean image: the network cannot
//! copy pixels and must learn what digits look like to remove the noise. The loss is the
//! Bernoulli negative log-likelihood in nats per image, the VAE's reconstruction term, so the
//! two widgets' numbers compare.
//!
//! Interpolating between two codes works here too (a good contrast with the VAE), but sampling
//! does not: nothing made the codes follow a known distribution.

use burn::module::Module;
use burn::tensor::Distribution;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::generative::{Codec, validate_latent};
use super::{
    Evaluation, LocalFuture, MAX_BATCH_SIZE, Method, PendingMetrics, Trainer, TrainingData,
    validate_batch_size, validate_dataset, validate_learning_rate,
};
use crate::backend::Compute;
use crate::checkpoint::{Checkpoint, Part};
use crate::data::{BatchSampler, DatasetName};
use crate::losses::bernoulli_nll;
use crate::nn::{EncoderDecoder, EncoderDecoderConfig};
use crate::{Error, Result};

/// Hyperparameters of the (denoising) autoencoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoencoderConfig {
    /// Dataset to train on.
    pub dataset: DatasetName,
    /// Images per step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Length of the code every image is squeezed through.
    pub latent: usize,
    /// Standard deviation of the Gaussian noise added to the inputs (0 = a plain autoencoder,
    /// up to 1).
    pub noise: f64,
    /// Seed of the weight init, the batch order and the noise.
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    pub gradient_clip: f64,
}

impl Default for AutoencoderConfig {
    fn default() -> Self {
        AutoencoderConfig {
            dataset: DatasetName::Mnist,
            batch_size: 64,
            learning_rate: 1e-3,
            latent: 16,
            noise: 0.0,
            seed: 42,
            gradient_clip: 0.0,
        }
    }
}

impl AutoencoderConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["latent"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        validate_dataset(self.dataset, data)?;
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        validate_learning_rate("learning_rate", self.learning_rate)?;
        validate_latent(self.latent)?;
        if !self.noise.is_finite() || !(0.0..=1.0).contains(&self.noise) {
            return Err(Error::config(
                "noise",
                format!("must be between 0 and 1, got {}", self.noise),
            ));
        }
        Ok(())
    }
}

/// An autoencoder training session's state.
pub struct Autoencoder {
    config: AutoencoderConfig,
    data: TrainingData,
    device: Device,
    net: Trainer<EncoderDecoder>,
    sampler: BatchSampler,
}

impl Autoencoder {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: AutoencoderConfig, data: &TrainingData, compute: &Compute) -> Self {
        Self::on_device(config, data.clone(), compute.device.clone().autodiff())
    }

    fn on_device(config: AutoencoderConfig, data: TrainingData, device: Device) -> Self {
        device.seed(config.seed);
        let net = EncoderDecoderConfig::new(config.latent, config.latent).init(&device);
        Autoencoder {
            net: Trainer::new(net).with_gradient_clip(config.gradient_clip),
            sampler: BatchSampler::new(data.train.len(), config.seed),
            data,
            device,
            config,
        }
    }

    /// One step on a given batch: corrupt (when denoising), encode, decode, Bernoulli NLL of
    /// the clean images, backward, Adam. Enqueues work only.
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    pub fn train_on(&mut self, images: Tensor<4>) {
        let images = images.autodiff();
        let input = if self.config.noise > 0.0 {
            let noise = Tensor::random(
                images.dims(),
                Distribution::Normal(0.0, self.config.noise),
                &images.device(),
            );
            (images.clone() + noise).clamp(0.0, 1.0)
        } else {
            images.clone()
        };
        let net = &self.net.model;
        let logits = net.decode(net.encode(input, None), None); // [b, 1, 28, 28]
        let loss = bernoulli_nll(logits, images).mean();
        self.net.minimize(self.config.learning_rate, loss, []);
    }
}

impl Method for Autoencoder {
    fn train(&mut self, steps: usize) {
        for _ in 0..steps {
            let indices = self.sampler.next_batch(self.config.batch_size);
            let batch = self.data.train.batch(&indices);
            self.train_on(batch);
        }
    }

    fn step(&self) -> u64 {
        self.net.steps()
    }

    fn take_metrics(&mut self) -> PendingMetrics {
        self.net.take_metrics()
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let codec = self.codec();
        Box::pin(async move { Ok(Evaluation::generative(codec.evaluate().await?)) })
    }

    fn reset(&mut self) {
        *self = Autoencoder::on_device(self.config.clone(), self.data.clone(), self.device.clone());
    }

    fn save(&self) -> LocalFuture<Result<Vec<Part>>> {
        self.net.save()
    }

    fn load(&mut self, checkpoint: &Checkpoint) -> Result<()> {
        self.net.load(checkpoint)
    }

    fn generative(&self) -> Option<Codec> {
        Some(self.codec())
    }
}

impl Autoencoder {
    fn codec(&self) -> Codec {
        Codec {
            net: self.net.model.valid(),
            latent: self.config.latent,
            variational: false,
            conditional: false,
            noise: self.config.noise,
            data: self.data.clone(),
        }
    }
}
