//! The variational autoencoder (Kingma & Welling 2014) and the conditional VAE (Sohn et al.
//! 2015).
//!
//! The encoder maps each image to a Gaussian over latent codes (a mean and a log-variance); a
//! code is drawn from it with the reparameterisation `z = mean + exp(log_var / 2) * eps`, `eps ~
//! N(0, I)` drawn on the device, so the gradient flows through the mean and the variance to the
//! encoder; the decoder rebuilds the image from `z`. The loss is the negative ELBO: the
//! reconstruction's Bernoulli negative log-likelihood plus `beta` times the KL divergence of the
//! encoder's Gaussian from the prior N(0, I), both in nats per image. The KL term keeps the codes
//! where the prior puts its mass, which is why decoding prior samples gives digits and why the
//! path between two codes stays among digits (beta > 1 pushes harder: smoother, blurrier;
//! beta = 0 is an autoencoder with noisy codes).
//!
//! Conditional (`conditional: true`): the class, one-hot, goes into the encoder and the decoder.
//! The code no longer needs to say which digit it is, only how it is drawn (slant, thickness):
//! fix the code and change the class to write the same style as another digit. That needs a
//! small latent: the encoder sees the digit anyway, and a large code carries the class too, so a
//! prior draw brings a class of its own. Measured after 1,000 steps (seed 42; samples the pixel
//! probe labels as the requested class): latent 2: 94.8% (seeds 1, 2: 96.0%, 94.2%), latent 8:
//! 60.5%, latent 16: 47.2%. The shipped conditional VAE is 2-d.

use burn::module::Module;
use burn::tensor::Distribution;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::codec::{Codec, validate_latent};
use super::images::one_hot;
use super::trainer::trained_by;
use super::{MAX_BATCH_SIZE, Method, Trainer, validate_batch_size, validate_learning_rate};
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::{BatchSampler, DatasetName};
use crate::losses::{bernoulli_nll, gaussian_kl};
use crate::nn::{EncoderDecoder, EncoderDecoderConfig};
use crate::{Error, Result};

/// The largest beta (a KL weight far above 1 only pins every code to the prior).
pub const MAX_BETA: f64 = 100.0;

/// Hyperparameters of the VAE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct VaeConfig {
    /// Dataset to train on.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Images per step.
    #[default(64)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[default(1e-3)]
    pub learning_rate: f64,
    /// Latent size (2 shows the whole latent space as a grid).
    #[default(16)]
    pub latent: usize,
    /// Weight of the KL term (1 = the ELBO).
    #[default(1.0)]
    pub beta: f64,
    /// Feed the class to the encoder and the decoder (a conditional VAE).
    #[default(false)]
    pub conditional: bool,
    /// Seed of the weight init, the batch order and the sampled codes.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl VaeConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["latent", "conditional"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        validate_learning_rate("learning_rate", self.learning_rate)?;
        validate_latent(self.latent)?;
        if !self.beta.is_finite() || !(0.0..=MAX_BETA).contains(&self.beta) {
            return Err(Error::config(
                "beta",
                format!(
                    "must be a number between 0 and {MAX_BETA}, got {}",
                    self.beta
                ),
            ));
        }
        Ok(())
    }
}

/// A VAE training session's state.
pub struct Vae {
    config: VaeConfig,
    data: TrainingData,
    net: Trainer<EncoderDecoder>,
    sampler: BatchSampler,
}

impl Vae {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: VaeConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        let classes = if config.conditional {
            data.class_names.len()
        } else {
            0
        };
        // The encoder emits a mean and a log-variance per latent dimension.
        let net = EncoderDecoderConfig::new(2 * config.latent, config.latent)
            .with_classes(classes)
            .init(&device);
        Vae {
            net: Trainer::new(net).with_gradient_clip(config.gradient_clip),
            sampler: BatchSampler::new(data.train.len(), config.seed),
            data,
            config,
        }
    }

    /// One step on a given batch (`classes` are read when conditional): encode to a Gaussian,
    /// draw a code by reparameterisation, decode, negative ELBO with `beta`, backward, Adam.
    /// Enqueues work only; the reconstruction and KL terms are reported with the loss.
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    pub fn train_on(&mut self, images: Tensor<4>, classes: &[usize]) {
        let images = images.autodiff();
        let classes = self
            .config
            .conditional
            .then(|| one_hot(classes, self.data.class_names.len(), &images.device()));
        let net = &self.net.model;
        let code = net.encode(images.clone(), classes.clone()); // [b, 2 * latent]
        let (z, mean, log_var) = reparameterize(code, self.config.latent);
        let logits = net.decode(z, classes); // [b, 1, 28, 28]
        let reconstruction = bernoulli_nll(logits, images).mean();
        let kl = gaussian_kl(mean, log_var).mean();
        let loss = reconstruction.clone() + kl.clone() * self.config.beta;
        self.net.minimize(
            self.config.learning_rate,
            loss,
            [("reconstruction", reconstruction), ("kl", kl)],
        );
    }
}

/// Split an encoder's code into mean and log-variance and draw `z = mean + exp(log_var / 2) *
/// eps` with `eps ~ N(0, I)` from the device's random stream: the draw is an input, so the
/// gradient reaches the mean and the log-variance.
///
/// # Shapes
/// - code: `[batch, 2 * latent]`
/// - output: `z`, `mean`, `log_var`, each `[batch, latent]`
pub fn reparameterize(code: Tensor<2>, latent: usize) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
    let mean = code.clone().narrow(1, 0, latent);
    let log_var = code.narrow(1, latent, latent);
    let eps = Tensor::random(mean.dims(), Distribution::Normal(0.0, 1.0), &mean.device());
    let z = mean.clone() + (log_var.clone() * 0.5).exp() * eps;
    (z, mean, log_var)
}

impl Method for Vae {
    trained_by!(net);

    fn train_step(&mut self) {
        let indices = self.sampler.next_batch(self.config.batch_size);
        let batch = self.data.train.batch(&indices);
        let classes: Vec<usize> = indices
            .iter()
            .map(|&i| self.data.train.labels[i] as usize)
            .collect();
        self.train_on(batch, &classes);
    }

    fn codec(&self) -> Option<Codec> {
        Some(self.codec())
    }
}

impl Vae {
    fn codec(&self) -> Codec {
        Codec {
            net: self.net.model.valid(),
            latent: self.config.latent,
            variational: true,
            conditional: self.config.conditional,
            noise: 0.0,
            data: self.data.clone(),
        }
    }
}
