//! CycleGAN (Zhu et al. 2017): translate images between two domains that come in no pairs.
//!
//! The two domains are built from the shipped data so that the translation trains in the
//! browser in minutes: X = the regular digits of one half of the training set, Y = **bold**
//! digits, the other half's with their strokes thickened (`data::transforms::thicken`). No
//! image of X has its bold twin in Y, so nothing tells the model which bold digit a regular one
//! should become except the two losses below. Because Y is made from X we also know the true
//! translation of every held-out digit, which the model never sees, and the evaluation scores
//! it against that.
//!
//! Two generators (X -> Y and Y -> X, small fully-convolutional translators) and two
//! discriminators (the DCGAN's, one per domain). The generators minimise, together:
//! - adversarial: each translation must pass its domain's discriminator (least squares by
//!   default, as in the paper);
//! - cycle consistency, weighted by `lambda`: X -> Y -> X and Y -> X -> Y must give back the
//!   input (L1), which is what stops a generator from drawing *any* bold digit;
//! - identity, weighted by `identity x lambda`: an image already in the target domain should
//!   pass unchanged (it keeps the generators from changing what need not change).
//!
//! The discriminators then take one step on real images against the (detached) translations.
//! The discriminators' history buffer of the paper is left out: at these sizes it was not needed.

use std::fmt;

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::gan::Discriminator;
use super::images::{PendingImages, image_tensor};
use super::trainer::{Players, trained_by};
use super::validate::{MAX_EXAMPLES, validate_count};
use super::{Evaluation, MAX_BATCH_SIZE, Method, validate_batch_size, validate_learning_rate};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::transforms::thicken;
use crate::data::{BatchSampler, DatasetName};
use crate::losses::{GanLoss, discriminator_loss, generator_loss, mean_absolute_error};
use crate::nn::ConvBlock;
use crate::readback::ReadBack;
use crate::{Error, Result};

/// The largest cycle weight.
pub const MAX_LAMBDA: f64 = 100.0;
/// The largest identity weight (relative to `lambda`).
pub const MAX_IDENTITY: f64 = 10.0;
/// Held-out images of each domain the evaluation translates.
pub const EVAL_IMAGES: usize = 500;

/// Which way to translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Regular digits to bold ones.
    #[default]
    XToY,
    /// Bold digits to regular ones.
    YToX,
}

/// Hyperparameters of the CycleGAN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct CycleGanConfig {
    /// Dataset both domains are made from.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Images of each domain per step.
    #[default(32)]
    pub batch_size: usize,
    /// The generators' Adam learning rate.
    #[default(1e-3)]
    pub generator_learning_rate: f64,
    /// The discriminators' Adam learning rate.
    #[default(1e-3)]
    pub discriminator_learning_rate: f64,
    /// Weight of the cycle-consistency loss (the paper's lambda, 10).
    #[default(10.0)]
    pub lambda: f64,
    /// Weight of the identity loss, as a fraction of `lambda` (the paper's 0.5; 0 = off).
    #[default(0.5)]
    pub identity: f64,
    /// The adversarial objective.
    #[default(GanLoss::LeastSquares)]
    pub loss: GanLoss,
    /// Seed of the weight init and the batch order.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl CycleGanConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &[];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        // Each domain is one half of the training set.
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        if self.batch_size > data.train.len() / 2 {
            return Err(Error::config(
                "batch_size",
                format!(
                    "must be at most {} (each domain is half of the training set), got {}",
                    data.train.len() / 2,
                    self.batch_size
                ),
            ));
        }
        validate_learning_rate("generator_learning_rate", self.generator_learning_rate)?;
        validate_learning_rate(
            "discriminator_learning_rate",
            self.discriminator_learning_rate,
        )?;
        validate_weight("lambda", self.lambda, MAX_LAMBDA)?;
        validate_weight("identity", self.identity, MAX_IDENTITY)
    }
}

/// A loss weight: a finite number in `[0, max]`.
fn validate_weight(field: &str, value: f64, max: f64) -> Result<()> {
    if !value.is_finite() || !(0.0..=max).contains(&value) {
        return Err(Error::config(
            field,
            format!("must be a number between 0 and {max}, got {value}"),
        ));
    }
    Ok(())
}

/// An image-to-image network: three conv blocks at full resolution (a 9x9 receptive field
/// after the output conv, enough to move a stroke's edge by a pixel or two) and a 3x3 conv to
/// the output logits. Fully convolutional: a translation is local, and nothing needs to see
/// the whole digit.
#[derive(Module, Debug)]
pub struct Translator {
    blocks: Vec<ConvBlock>,
    out: Conv2d,
}

impl Translator {
    fn init(device: &Device) -> Self {
        let width = 16;
        Translator {
            blocks: vec![
                ConvBlock::new([1, width], device),
                ConvBlock::new([width, width], device),
                ConvBlock::new([width, width], device),
            ],
            out: Conv2dConfig::new([width, 1], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
        }
    }

    /// Translate images (pixel values in [0, 1] in and out).
    ///
    /// # Shapes
    /// - images: `[batch, 1, rows, cols]`, output: the same
    pub fn forward(&self, images: Tensor<4>) -> Tensor<4> {
        let x = self.blocks.iter().fold(images, |x, block| block.forward(x)); // [b, width, rows, cols]
        sigmoid(self.out.forward(x))
    }
}

/// Both generators, trained together with one Adam (their losses are one sum).
#[derive(Module, Debug)]
pub struct Generators {
    /// Regular -> bold.
    pub x_to_y: Translator,
    /// Bold -> regular.
    pub y_to_x: Translator,
}

impl Generators {
    /// The generator that translates in `direction`, and the one back.
    pub fn pair(&self, direction: Direction) -> (&Translator, &Translator) {
        match direction {
            Direction::XToY => (&self.x_to_y, &self.y_to_x),
            Direction::YToX => (&self.y_to_x, &self.x_to_y),
        }
    }
}

/// Both discriminators (their losses are independent, so one Adam on their sum is two).
#[derive(Module, Debug)]
pub struct Discriminators {
    /// Is this a real regular digit?
    pub x: Discriminator,
    /// Is this a real bold digit?
    pub y: Discriminator,
}

/// A CycleGAN training session's state.
pub struct CycleGan {
    config: CycleGanConfig,
    data: TrainingData,
    device: Device,
    players: Players<Generators, Discriminators>,
    sampler_x: BatchSampler,
    sampler_y: BatchSampler,
}

impl CycleGan {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: CycleGanConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        let half = data.train.len() / 2;
        CycleGan {
            players: Players::new(
                Generators {
                    x_to_y: Translator::init(&device),
                    y_to_x: Translator::init(&device),
                },
                Discriminators {
                    x: Discriminator::init(&device),
                    y: Discriminator::init(&device),
                },
                config.gradient_clip,
                ["generators", "discriminators"],
            ),
            sampler_x: BatchSampler::new(half, config.seed),
            sampler_y: BatchSampler::new(data.train.len() - half, config.seed ^ 0x5EED),
            data,
            device,
            config,
        }
    }

    /// The generators.
    pub fn generators(&self) -> &Generators {
        &self.players.generator.model
    }

    /// The discriminators.
    pub fn discriminators(&self) -> &Discriminators {
        &self.players.discriminator.model
    }

    /// A batch of each domain: regular digits from the first half of the training set, bold
    /// ones from the second.
    ///
    /// # Shapes
    /// - output: (`[batch, 1, 28, 28]`, `[batch, 1, 28, 28]`)
    pub fn batches(&mut self) -> (Tensor<4>, Tensor<4>) {
        let n = self.config.batch_size;
        let half = self.data.train.len() / 2;
        let x = self.data.train.batch(&self.sampler_x.next_batch(n));
        let y_indices: Vec<usize> = self
            .sampler_y
            .next_batch(n)
            .iter()
            .map(|i| i + half)
            .collect();
        let y = thicken(self.data.train.batch(&y_indices));
        (x.autodiff(), y.autodiff())
    }

    /// One generator step on `x` (regular) and `y` (bold): adversarial + lambda x cycle +
    /// identity x lambda x identity loss, through the discriminators (whose gradients are not
    /// applied). Returns the translations, detached, for the discriminators' step. Enqueues work
    /// only.
    ///
    /// # Shapes
    /// - x, y: `[batch, 1, 28, 28]`
    /// - output: (fake x = Y -> X of `y`, fake y = X -> Y of `x`), the same shapes
    pub fn generator_step(&mut self, x: Tensor<4>, y: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let (lambda, identity) = (self.config.lambda, self.config.identity);
        let kind = self.config.loss;
        let g = &self.players.generator.model;
        let d = &self.players.discriminator.model;
        let fake_y = g.x_to_y.forward(x.clone());
        let fake_x = g.y_to_x.forward(y.clone());
        let adversarial = generator_loss(d.y.forward(fake_y.clone()), kind)
            + generator_loss(d.x.forward(fake_x.clone()), kind);
        // Both cycles' L1, averaged: the reported reconstruction error per pixel.
        let cycle = (mean_absolute_error(g.y_to_x.forward(fake_y.clone()), x.clone())
            + mean_absolute_error(g.x_to_y.forward(fake_x.clone()), y.clone()))
            / 2.0;
        let same = (mean_absolute_error(g.x_to_y.forward(y.clone()), y)
            + mean_absolute_error(g.y_to_x.forward(x.clone()), x))
            / 2.0;
        // The paper weights each of the two L1 terms by lambda: the means above are half
        // their sums, hence the 2.
        let total = adversarial.clone()
            + cycle.clone() * (2.0 * lambda)
            + same.clone() * (2.0 * lambda * identity);
        self.players.generator.minimize(
            self.config.generator_learning_rate,
            total,
            [
                ("adversarial", adversarial),
                ("cycle", cycle),
                ("identity", same),
            ],
        );
        (fake_x.detach(), fake_y.detach())
    }

    /// One discriminator step: each domain's real images against the translations into it.
    /// Enqueues work only.
    ///
    /// # Shapes
    /// - x, y, fake_x, fake_y: `[batch, 1, 28, 28]`
    pub fn discriminator_step(
        &mut self,
        x: Tensor<4>,
        y: Tensor<4>,
        fake_x: Tensor<4>,
        fake_y: Tensor<4>,
    ) {
        let kind = self.config.loss;
        let d = &self.players.discriminator.model;
        let loss = discriminator_loss(d.x.forward(x), d.x.forward(fake_x), kind)
            + discriminator_loss(d.y.forward(y), d.y.forward(fake_y), kind);
        self.players
            .discriminator
            .minimize(self.config.discriminator_learning_rate, loss, []);
    }

    /// The caller's `image` (28 x 28 values in [0, 1], drawn on the page) translated in
    /// `direction` and back.
    pub fn translate_drawn(&self, image: &[f32], direction: Direction) -> Result<PendingImages> {
        let image = image_tensor("image", image, &self.device)?.without_autodiff();
        Ok(self.translate(image, direction))
    }

    /// `images` of the source domain of `direction` translated, and translated back.
    ///
    /// # Shapes
    /// - images: `[n, 1, 28, 28]` (without autodiff), output groups `input`, `translated`,
    ///   `cycled`: the same
    pub fn translate(&self, images: Tensor<4>, direction: Direction) -> PendingImages {
        self.translate_labelled(images, direction, Vec::new())
    }

    fn translate_labelled(
        &self,
        images: Tensor<4>,
        direction: Direction,
        labels: Vec<usize>,
    ) -> PendingImages {
        let generators = self.players.generator.model.valid();
        let (there, back) = generators.pair(direction);
        let translated = there.forward(images.clone());
        let cycled = back.forward(translated.clone());
        PendingImages::new(
            vec![
                ("input", images),
                ("translated", translated),
                ("cycled", cycled),
            ],
            labels,
        )
    }

    /// Held-out images `start..start + count` in the source domain of `direction` (bold
    /// versions of the held-out digits for Y -> X), translated and back, with their labels.
    pub fn translations(
        &self,
        start: usize,
        count: usize,
        direction: Direction,
    ) -> Result<PendingImages> {
        validate_count("count", count, MAX_EXAMPLES)?;
        let held = &self.data.held_out;
        if count == 0 || start + count > held.len() {
            return Err(Error::config(
                "start",
                format!(
                    "{count} images from {start} do not fit the {} held-out images",
                    held.len()
                ),
            ));
        }
        let images = domain(held.range(start, start + count), direction);
        let labels = held.labels[start..start + count]
            .iter()
            .map(|&l| l as usize)
            .collect();
        Ok(self.translate_labelled(images, direction, labels))
    }
}

/// `regular` images as the source domain of `direction` sees them.
///
/// # Shapes
/// - regular: `[n, 1, 28, 28]`, output: the same
fn domain(regular: Tensor<4>, direction: Direction) -> Tensor<4> {
    match direction {
        Direction::XToY => regular,
        Direction::YToX => thicken(regular),
    }
}

/// What the CycleGAN's evaluation measured on held-out digits (mean absolute error per pixel,
/// pixel values in [0, 1]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleGanEvaluation {
    /// Held-out digits translated each way.
    pub images: usize,
    /// Regular -> bold -> regular against the input.
    pub cycle_x: f64,
    /// Bold -> regular -> bold against the input.
    pub cycle_y: f64,
    /// Regular -> bold against the true bold digit (never seen paired in training).
    pub to_y_error: f64,
    /// Bold -> regular against the true regular digit.
    pub to_x_error: f64,
    /// A regular digit against its bold twin: the error of translating by doing nothing.
    pub unchanged_error: f64,
}

impl Method for CycleGan {
    trained_by!(players);

    fn train_step(&mut self) {
        let (x, y) = self.batches();
        let (fake_x, fake_y) = self.generator_step(x.clone(), y.clone());
        self.discriminator_step(x, y, fake_x, fake_y);
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let n = EVAL_IMAGES.min(self.data.held_out.len());
        let x = self.data.held_out.range(0, n);
        let y = thicken(x.clone());
        let g = self.players.generator.model.valid();
        let to_y = g.x_to_y.forward(x.clone());
        let to_x = g.y_to_x.forward(y.clone());
        let errors = Tensor::cat(
            vec![
                mean_absolute_error(g.y_to_x.forward(to_y.clone()), x.clone()),
                mean_absolute_error(g.x_to_y.forward(to_x.clone()), y.clone()),
                mean_absolute_error(to_y, y.clone()),
                mean_absolute_error(to_x, x.clone()),
                mean_absolute_error(x, y),
            ],
            0,
        ); // [5]
        Box::pin(async move {
            let values: Vec<f64> = errors
                .into_data_async()
                .read_back("errors")
                .await?
                .iter::<f32>()
                .map(f64::from)
                .collect();
            Ok(Evaluation {
                cyclegan: Some(CycleGanEvaluation {
                    images: n,
                    cycle_x: values[0],
                    cycle_y: values[1],
                    to_y_error: values[2],
                    to_x_error: values[3],
                    unchanged_error: values[4],
                }),
                ..Evaluation::default()
            })
        })
    }
}

impl fmt::Display for CycleGanEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "held-out cycle error ({} digits, mean absolute per pixel): regular -> bold -> regular {:.4}, bold -> regular -> bold {:.4}",
            self.images, self.cycle_x, self.cycle_y
        )?;
        write!(
            f,
            "translation error against the true twin (never paired in training): regular -> bold {:.4}, bold -> regular {:.4}; doing nothing {:.4}",
            self.to_y_error, self.to_x_error, self.unchanged_error
        )
    }
}
