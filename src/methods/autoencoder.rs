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
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::codec::{Codec, validate_latent};
use super::trainer::trained_by;
use super::{MAX_BATCH_SIZE, Method, Trainer, validate_batch_size, validate_learning_rate};
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::{BatchSampler, DatasetName};
use crate::losses::bernoulli_nll;
use crate::nn::{EncoderDecoder, EncoderDecoderConfig};
use crate::{Error, Result};

/// Hyperparameters of the (denoising) autoencoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct AutoencoderConfig {
    /// Dataset to train on.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Images per step.
    #[default(64)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[default(1e-3)]
    pub learning_rate: f64,
    /// Length of the code every image is squeezed through.
    #[default(16)]
    pub latent: usize,
    /// Standard deviation of the Gaussian noise added to the inputs (0 = a plain autoencoder,
    /// up to 1).
    #[default(0.0)]
    pub noise: f64,
    /// Seed of the weight init, the batch order and the noise.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl AutoencoderConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["latent"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
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
    net: Trainer<EncoderDecoder>,
    sampler: BatchSampler,
}

impl Autoencoder {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: AutoencoderConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        let net = EncoderDecoderConfig::new(config.latent, config.latent).init(&device);
        Autoencoder {
            net: Trainer::new(net).with_gradient_clip(config.gradient_clip),
            sampler: BatchSampler::new(data.train.len(), config.seed),
            data,
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
    trained_by!(net);

    fn train_step(&mut self) {
        let batch = self
            .sampler
            .next_images(&self.data.train, self.config.batch_size);
        self.train_on(batch);
    }

    fn codec(&self) -> Option<Codec> {
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
