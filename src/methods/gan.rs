//! DCGAN (Radford et al. 2016): a generator that turns noise into images and a discriminator
//! that tells them from real ones, trained against each other.
//!
//! The generator is the shared upsampling decoder (`nn::ConvDecoder`, the VAE's, with batch
//! norm as in DCGAN), the discriminator the shared conv encoder read out on its 7x7 grid with a
//! one-logit head. Each has its own Adam (beta_1 = 0.5, DCGAN's) and learning rate, and each
//! step updates only its own parameters: `discriminator_steps` discriminator steps (real batch
//! vs a detached generated batch), then one generator step (through the discriminator, whose
//! gradients are computed but not applied). The loss is the non-saturating one by default,
//! least squares on request (`losses::GanLoss`).
//!
//! Measured here (`playground train --method gan --steps 1000`): with a global-average
//! discriminator, no batch norm and beta_1 0.9, 40% of 1,000 samples were labelled with
//! confidence >= 0.9 by the pixel probe but only 7 classes appeared, most of them 9s; as built
//! now 27-30% (seeds 1, 42; real held-out digits: 67%) with all 10 classes present.
//!
//! Reported per step: both losses, the discriminator's mean probability on real and generated
//! images, and `diversity`, the spread of a generated batch over that of a real batch (1 = as
//! varied as the data; near 0 = every sample alike, mode collapse).

use std::fmt;

use burn::module::Module;
use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::images::{
    Interpolation, PendingImages, check_frames, interpolation_weights, standard_normal,
};
use super::trainer::{Players, trained_by};
use super::{Evaluation, MAX_BATCH_SIZE, Method, validate_batch_size, validate_learning_rate};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::{BatchSampler, DatasetName};
use crate::eval::PixelClassifier;
use crate::losses::{GanLoss, discriminator_loss, generator_loss};
use crate::nn::{
    ConvDecoder, ConvDecoderConfig, ConvEncoder, ConvEncoderConfig, MlpHead, MlpHeadConfig,
};
use crate::readback::ReadFloats;
use crate::{Error, Result};

/// The most discriminator steps per generator step.
pub const MAX_DISCRIMINATOR_STEPS: usize = 10;
/// The largest noise vector.
pub const MAX_NOISE: usize = 256;
/// The most noise vectors one [`Gan::generate_from`] call turns into images.
pub const MAX_GENERATE: usize = 256;
/// Samples the evaluation draws and classifies.
pub const EVAL_SAMPLES: usize = 1000;
/// A sample counts as recognisably of a class when the classifier gives it this probability.
pub const CONFIDENT: f64 = 0.9;
/// Seed of the evaluation's noise.
const EVAL_SEED: u64 = 0x6A4E;

/// Hyperparameters of the DCGAN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct GanConfig {
    /// Dataset whose images the generator learns to draw.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Real (and generated) images per step.
    #[default(64)]
    pub batch_size: usize,
    /// Length of the noise vector the generator reads.
    #[default(32)]
    pub noise: usize,
    /// The generator's Adam learning rate.
    #[default(1e-3)]
    pub generator_learning_rate: f64,
    /// The discriminator's Adam learning rate.
    #[default(1e-3)]
    pub discriminator_learning_rate: f64,
    /// Discriminator steps per generator step (at least 1).
    #[default(1)]
    pub discriminator_steps: usize,
    /// The objective.
    #[default(GanLoss::NonSaturating)]
    pub loss: GanLoss,
    /// Seed of the weight init, the batch order and the noise.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl GanConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["noise"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        validate_learning_rate("generator_learning_rate", self.generator_learning_rate)?;
        validate_learning_rate(
            "discriminator_learning_rate",
            self.discriminator_learning_rate,
        )?;
        if !(1..=MAX_DISCRIMINATOR_STEPS).contains(&self.discriminator_steps) {
            return Err(Error::config(
                "discriminator_steps",
                format!(
                    "must be between 1 and {MAX_DISCRIMINATOR_STEPS} per generator step, got {}",
                    self.discriminator_steps
                ),
            ));
        }
        if !(1..=MAX_NOISE).contains(&self.noise) {
            return Err(Error::config(
                "noise",
                format!("must be between 1 and {MAX_NOISE}, got {}", self.noise),
            ));
        }
        Ok(())
    }
}

/// The shared conv encoder with a one-logit head: real or generated?
#[derive(Module, Debug)]
pub struct Discriminator {
    encoder: ConvEncoder,
    head: MlpHead,
}

impl Discriminator {
    /// A fresh discriminator on `device`.
    pub fn init(device: &Device) -> Self {
        // Read out on the encoder's full 7x7 grid: whether a stroke is where a digit has one
        // is most of what tells a real digit from a fake, and a global average throws the
        // "where" away.
        let encoder = ConvEncoderConfig::new().with_pooled(7);
        Discriminator {
            head: MlpHeadConfig::new(encoder.feature_dim(), 1)
                .with_hidden(0)
                .init(device),
            encoder: encoder.init(device),
        }
    }

    /// The logit of "real" for each image.
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    /// - output: `[batch]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<1> {
        let batch = images.dims()[0];
        self.head
            .forward(self.encoder.forward(images))
            .reshape([batch])
    }
}

/// A DCGAN training session's state.
pub struct Gan {
    config: GanConfig,
    data: TrainingData,
    device: Device,
    players: Players<ConvDecoder, Discriminator>,
    sampler: BatchSampler,
}

impl Gan {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: GanConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        Gan {
            players: Players::new(
                ConvDecoderConfig::new(config.noise)
                    .with_batch_norm(true)
                    .init(&device),
                Discriminator::init(&device),
                config.gradient_clip,
                ["generator", "discriminator"],
            ),
            sampler: BatchSampler::new(data.train.len(), config.seed),
            data,
            device,
            config,
        }
    }

    /// The generator network.
    pub fn generator(&self) -> &ConvDecoder {
        &self.players.generator.model
    }

    /// The discriminator network.
    pub fn discriminator(&self) -> &Discriminator {
        &self.players.discriminator.model
    }

    /// `batch` noise vectors from the device's random stream.
    ///
    /// # Shapes
    /// - output: `[batch, noise]`
    fn noise(&self, batch: usize) -> Tensor<2> {
        Tensor::random(
            [batch, self.config.noise],
            Distribution::Normal(0.0, 1.0),
            &self.device,
        )
    }

    /// The generator's images of `noise` (pixel values in [0, 1]).
    ///
    /// # Shapes
    /// - noise: `[batch, noise]`, output: `[batch, 1, 28, 28]`
    fn generate(generator: &ConvDecoder, noise: Tensor<2>) -> Tensor<4> {
        sigmoid(generator.forward(noise))
    }

    /// One discriminator step: real images against a generated batch (detached: the generator
    /// is not updated here). Enqueues work only.
    ///
    /// # Shapes
    /// - real: `[batch, 1, 28, 28]`
    pub fn discriminator_step(&mut self, real: Tensor<4>) {
        let batch = real.dims()[0];
        let real = real.autodiff();
        let fake = Self::generate(&self.players.generator.model, self.noise(batch)).detach();
        let d = &self.players.discriminator.model;
        let (real_logits, fake_logits) = (d.forward(real.clone()), d.forward(fake.clone()));
        let diversity = spread(fake.clone()) / spread(real);
        let real_score = sigmoid(real_logits.clone()).mean().detach();
        let fake_score = sigmoid(fake_logits.clone()).mean().detach();
        let loss = discriminator_loss(real_logits, fake_logits, self.config.loss);
        self.players.discriminator.minimize(
            self.config.discriminator_learning_rate,
            loss,
            [
                ("real_score", real_score),
                ("fake_score", fake_score),
                ("diversity", diversity.detach()),
            ],
        );
    }

    /// One generator step through the discriminator (whose gradients are not applied).
    /// Enqueues work only.
    pub fn generator_step(&mut self) {
        let fake = Self::generate(
            &self.players.generator.model,
            self.noise(self.config.batch_size),
        );
        let logits = self.players.discriminator.model.forward(fake);
        let loss = generator_loss(logits, self.config.loss);
        self.players
            .generator
            .minimize(self.config.generator_learning_rate, loss, []);
    }

    /// A walk through noise space from the noise of seed `from` to that of seed `to`, decoded.
    pub fn latent_walk(
        &self,
        from: u64,
        to: u64,
        frames: usize,
        mode: Interpolation,
    ) -> Result<PendingImages> {
        check_frames(frames)?;
        let n = self.config.noise;
        let draw = |seed| standard_normal(&mut StdRng::seed_from_u64(seed), n);
        let (a, b) = (draw(from), draw(to));
        let walk: Vec<f32> = (0..frames)
            .flat_map(|i| {
                let t = i as f32 / (frames - 1) as f32;
                let (wa, wb) = interpolation_weights(&a, &b, t, mode);
                a.iter()
                    .zip(&b)
                    .map(move |(x, y)| wa * x + wb * y)
                    .collect::<Vec<_>>()
            })
            .collect();
        let noise = Tensor::from_data(TensorData::new(walk, [frames, n]), &self.device);
        let images = Self::generate(
            &self.players.generator.model.valid(),
            noise.without_autodiff(),
        );
        Ok(PendingImages::new(vec![("frames", images)], Vec::new()))
    }

    /// The generator's images of the caller's noise vectors (`count x noise` values, row
    /// after row), checked: a length that is not a whole number of vectors, too many vectors, or
    /// a value that is not finite is refused with the numbers.
    pub fn generate_from(&self, noise: &[f32]) -> Result<PendingImages> {
        let n = self.config.noise;
        if noise.is_empty() || !noise.len().is_multiple_of(n) || noise.len() / n > MAX_GENERATE {
            return Err(Error::config(
                "noise",
                format!(
                    "must hold 1 to {MAX_GENERATE} noise vectors of {n} values each (the model's \
                     noise size), got {} values",
                    noise.len()
                ),
            ));
        }
        if let Some(i) = noise.iter().position(|v| !v.is_finite()) {
            return Err(Error::config(
                "noise",
                format!("value {i} is {}, not a finite number", noise[i]),
            ));
        }
        let count = noise.len() / n;
        let noise =
            Tensor::<2>::from_data(TensorData::new(noise.to_vec(), [count, n]), &self.device)
                .without_autodiff();
        let images = Self::generate(&self.players.generator.model.valid(), noise);
        Ok(PendingImages::new(vec![("samples", images)], Vec::new()))
    }

    /// # Shapes
    /// - output: `[count, noise]`, without autodiff
    fn host_noise(&self, count: usize, seed: u64) -> Tensor<2> {
        let values = standard_normal(&mut StdRng::seed_from_u64(seed), count * self.config.noise);
        Tensor::<2>::from_data(
            TensorData::new(values, [count, self.config.noise]),
            &self.device,
        )
        .without_autodiff()
    }
}

/// The spread of a batch: each pixel's standard deviation over the batch, averaged.
///
/// # Shapes
/// - images: `[batch, 1, 28, 28]`, output: `[1]`
fn spread(images: Tensor<4>) -> Tensor<1> {
    images.flatten::<2>(1, 3).var(0).sqrt().mean()
}

/// What the GAN's evaluation measured: its samples as a classifier of real digits sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GanEvaluation {
    /// Samples drawn (fixed noise).
    pub samples: usize,
    /// Fraction the classifier labels with probability >= [`CONFIDENT`].
    pub confident: f64,
    /// How many classes appear among the confident samples.
    pub classes_present: usize,
    /// Confident samples of each class.
    pub per_class: Vec<usize>,
    /// The classifier's held-out accuracy on real images.
    pub classifier_accuracy: f64,
    /// The same confident fraction for real held-out images (the ceiling a generator of
    /// perfect digits would reach: the classifier is linear and many real digits are
    /// ambiguous to it).
    pub real_confident: f64,
}

/// How many of `images` the classifier labels with probability >= [`CONFIDENT`], per class.
///
/// # Shapes
/// - images: `[n, 1, 28, 28]`
async fn confident_per_class(judge: &PixelClassifier, images: Tensor<4>) -> Result<Vec<usize>> {
    let probabilities = softmax(judge.logits(images), 1); // [n, classes]
    let classes = probabilities.dims()[1];
    let values: Vec<f32> = probabilities.read_floats("classes").await?;
    let mut per_class = vec![0; classes];
    for row in values.chunks(classes) {
        let (class, p) = row
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |b, (c, &p)| if p > b.1 { (c, p) } else { b });
        if p as f64 >= CONFIDENT {
            per_class[class] += 1;
        }
    }
    Ok(per_class)
}

impl Method for Gan {
    trained_by!(players);

    fn train_step(&mut self) {
        for _ in 0..self.config.discriminator_steps {
            let real = self
                .sampler
                .next_images(&self.data.train, self.config.batch_size);
            self.discriminator_step(real);
        }
        self.generator_step();
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let images = Self::generate(
            &self.players.generator.model.valid(),
            self.host_noise(EVAL_SAMPLES, EVAL_SEED),
        );
        let data = self.data.clone();
        Box::pin(async move {
            let judge = PixelClassifier::fit(&data).await?;
            let real = data
                .held_out
                .range(0, EVAL_SAMPLES.min(data.held_out.len()));
            let per_class = confident_per_class(&judge, images).await?;
            let real_confident = confident_per_class(&judge, real.clone()).await?;
            let confident = per_class.iter().sum::<usize>();
            Ok(Evaluation {
                gan: Some(GanEvaluation {
                    samples: EVAL_SAMPLES,
                    confident: confident as f64 / EVAL_SAMPLES as f64,
                    classes_present: per_class.iter().filter(|&&n| n > 0).count(),
                    per_class,
                    classifier_accuracy: judge.held_out_accuracy,
                    real_confident: real_confident.iter().sum::<usize>() as f64
                        / real.dims()[0] as f64,
                }),
                ..Evaluation::default()
            })
        })
    }

    /// The frozen generator's images of noise drawn with `seed` on the host (the same seed
    /// draws the same noise: the sample grid shows one set of noise vectors as training goes).
    fn samples(&self, count: usize, seed: u64, class: Option<usize>) -> Result<PendingImages> {
        if class.is_some() {
            return Err(Error::config(
                "class",
                "only a conditional model draws a chosen class",
            ));
        }
        let noise = self.host_noise(count, seed);
        let images = Self::generate(&self.players.generator.model.valid(), noise);
        Ok(PendingImages::new(vec![("samples", images)], Vec::new()))
    }
}

impl fmt::Display for GanEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per: Vec<String> = self.per_class.iter().map(|n| n.to_string()).collect();
        write!(
            f,
            "{} samples: {:.1}% labelled with confidence >= 0.9 by the pixel probe (real held-out digits: {:.1}%; its accuracy on them {:.1}%), {} of {} classes present (per class: {})",
            self.samples,
            100.0 * self.confident,
            100.0 * self.real_confident,
            100.0 * self.classifier_accuracy,
            self.classes_present,
            self.per_class.len(),
            per.join(" ")
        )
    }
}
