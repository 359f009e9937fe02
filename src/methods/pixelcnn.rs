//! PixelCNN (van den Oord et al. 2016) on binarised digits: the autoregressive factorisation
//! p(x) = prod_i p(x_i | x_<i) over the pixels in raster order, with every conditional computed
//! at once by convolutions whose kernels are masked so that no pixel sees itself or anything
//! after it.
//!
//! - **Masks.** The first layer's mask (type A) keeps the kernel positions strictly before the
//!   centre in raster order: every row above it, and the centre row left of it. Later layers
//!   (type B) keep the centre too: their centre holds features of pixels already before it, never
//!   the pixel itself. [`causal_mask`] is the one definition, used by the layers and drawn by the
//!   page.
//! - **The network:** a 7x7 mask-A conv, `layers` residual 3x3 mask-B convs (ReLU), two 1x1 convs
//!   to one logit per pixel: P(pixel is ink | the pixels before it). The loss is the Bernoulli
//!   negative log-likelihood, reported in bits per dimension (per pixel), the lecture's unit:
//!   1 bit would be a coin per pixel, about 0.5 a model that knows only each pixel's ink rate.
//! - **Blind spot.** Stacking 3x3 mask-B layers leaves a wedge above-right of each pixel that no
//!   path reaches (the reason for the gated PixelCNN's two stacks). The receptive field the
//!   widget draws is computed by gradients, so it shows the blind spot as it is.
//! - **Sampling and inpainting** share [`PixelCnn::complete`]: pixels not given are drawn one at
//!   a time in raster order, each from the model's probability given everything before it (drawn
//!   or given). One forward pass per pixel, on the smallest crop that holds the pixel's receptive
//!   field (exact: what lies outside it cannot change the logit). A PixelCNN completes an erased
//!   region from what is above and left of each pixel only: what lies below the hole is never
//!   read.

use std::fmt;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{PaddingConfig2d, Relu};
use burn::tensor::activation::sigmoid;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::images::{Images, PIXELS, PendingImages, SIDE};
use super::trainer::trained_by;
use super::{
    Evaluation, MAX_BATCH_SIZE, Method, Trainer, validate_batch_size, validate_learning_rate,
    validate_range,
};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::{BatchSampler, DatasetName};
use crate::losses::bernoulli_nll;
use crate::pace::Pacer;
use crate::{Error, Result};

/// Kernel side of the first (mask A) layer.
pub const FIRST_KERNEL: usize = 7;
/// Kernel side of the later (mask B) layers.
pub const KERNEL: usize = 3;
/// The most channels.
pub const MAX_CHANNELS: usize = 128;
/// The most mask-B layers.
pub const MAX_LAYERS: usize = 12;
/// The most images one [`PixelCnn::complete`] call draws in.
pub const MAX_COMPLETE: usize = 16;
/// Held-out images the receptive field is averaged over.
const FIELD_IMAGES: usize = 16;
/// Held-out images scored per device call in the evaluation.
const EVAL_CHUNK: usize = 250;
/// A pixel is ink when its grey value is above this.
pub const INK_THRESHOLD: f32 = 0.5;

/// Which causal mask a layer's kernel has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MaskKind {
    /// The first layer: strictly before the centre (a pixel never sees itself).
    A,
    /// Later layers: the centre too (it holds features of earlier pixels only).
    B,
}

/// The mask of a `kernel x kernel` kernel, row by row: 1 where the weight is used, 0 where it is
/// forced to zero. `kernel` is odd.
pub fn causal_mask(kernel: usize, kind: MaskKind) -> Vec<f32> {
    let centre = kernel * kernel / 2;
    (0..kernel * kernel)
        .map(|i| match kind {
            MaskKind::A => (i < centre) as u8 as f32,
            MaskKind::B => (i <= centre) as u8 as f32,
        })
        .collect()
}

/// The masks the network uses, for drawing: the first layer's and the later layers'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Masks {
    /// Side of the first layer's kernel.
    pub first_size: usize,
    /// Its mask (type A), row by row, 1 = used.
    pub first: Vec<f32>,
    /// Side of the later layers' kernels.
    pub later_size: usize,
    /// Their mask (type B).
    pub later: Vec<f32>,
}

impl Masks {
    /// The masks of [`FIRST_KERNEL`] and [`KERNEL`].
    pub fn of_network() -> Self {
        Masks {
            first_size: FIRST_KERNEL,
            first: causal_mask(FIRST_KERNEL, MaskKind::A),
            later_size: KERNEL,
            later: causal_mask(KERNEL, MaskKind::B),
        }
    }
}

/// Hyperparameters of the PixelCNN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct PixelCnnConfig {
    /// Dataset whose (binarised) images the model learns.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Channels of every hidden layer.
    #[default(32)]
    pub channels: usize,
    /// Mask-B layers after the first (each widens the receptive field by a pixel each way).
    #[default(4)]
    pub layers: usize,
    /// Images per step.
    #[default(32)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[default(2e-3)]
    pub learning_rate: f64,
    /// Seed of the weight init and the batch order.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl PixelCnnConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["channels", "layers"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        validate_learning_rate("learning_rate", self.learning_rate)?;
        validate_range("channels", self.channels, 1, MAX_CHANNELS)?;
        validate_range("layers", self.layers, 0, MAX_LAYERS)?;
        Ok(())
    }

    /// How far the receptive field reaches up, left and right of a pixel: the first kernel's
    /// half-width plus one pixel per later layer.
    pub fn reach(&self) -> usize {
        FIRST_KERNEL / 2 + self.layers * (KERNEL / 2)
    }
}

/// A convolution whose kernel is multiplied by a causal mask at every use (so the masked
/// weights get zero gradient and stay irrelevant), zero-padded to keep the image size.
#[derive(Module, Debug)]
pub struct MaskedConv {
    conv: Conv2d,
    /// `[1, 1, k, k]`, a constant (not a parameter, not saved: rebuilt from the kind at init).
    mask: Tensor<4>,
    padding: usize,
}

impl MaskedConv {
    fn new(channels: [usize; 2], kernel: usize, kind: MaskKind, device: &Device) -> Self {
        MaskedConv {
            conv: Conv2dConfig::new(channels, [kernel, kernel])
                .with_padding(PaddingConfig2d::Explicit(0, 0, 0, 0))
                .init(device),
            mask: Tensor::from_data(
                TensorData::new(causal_mask(kernel, kind), [1, 1, kernel, kernel]),
                device,
            ),
            padding: kernel / 2,
        }
    }

    /// # Shapes
    /// - x: `[batch, c_in, h, w]`, output: `[batch, c_out, h, w]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let weight = self.conv.weight.val() * self.mask.clone();
        let p = self.padding;
        conv2d(
            x,
            weight,
            self.conv.bias.as_ref().map(|b| b.val()),
            ConvOptions::new([1, 1], [p, p], [1, 1], 1),
        )
    }
}

/// The network: one logit per pixel, each computed from the pixels before it only.
#[derive(Module, Debug)]
pub struct PixelNet {
    first: MaskedConv,
    layers: Vec<MaskedConv>,
    hidden: Conv2d,
    out: Conv2d,
}

impl PixelNet {
    /// A fresh network on `device`.
    pub fn init(config: &PixelCnnConfig, device: &Device) -> Self {
        let c = config.channels;
        PixelNet {
            first: MaskedConv::new([1, c], FIRST_KERNEL, MaskKind::A, device),
            layers: (0..config.layers)
                .map(|_| MaskedConv::new([c, c], KERNEL, MaskKind::B, device))
                .collect(),
            hidden: Conv2dConfig::new([c, c], [1, 1]).init(device),
            out: Conv2dConfig::new([c, 1], [1, 1]).init(device),
        }
    }

    /// The logit of "ink" at every pixel given the pixels before it (any image size: the
    /// sampler runs it on crops).
    ///
    /// # Shapes
    /// - images: `[batch, 1, h, w]`, binary
    /// - output: `[batch, 1, h, w]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<4> {
        let relu = Relu::new();
        let mut x = relu.forward(self.first.forward(images));
        for layer in &self.layers {
            // Residual: each layer adds to what the earlier ones found.
            x = x.clone() + relu.forward(layer.forward(x));
        }
        self.out.forward(relu.forward(self.hidden.forward(x)))
    }
}

/// Grey images as ink (1) or paper (0).
///
/// # Shapes
/// - images: any, output: the same
pub fn binarise<const D: usize>(images: Tensor<D>) -> Tensor<D> {
    images.greater_elem(INK_THRESHOLD).float()
}

/// A PixelCNN training session.
pub struct PixelCnn {
    config: PixelCnnConfig,
    data: TrainingData,
    device: Device,
    net: Trainer<PixelNet>,
    sampler: BatchSampler,
}

impl PixelCnn {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: PixelCnnConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        PixelCnn {
            net: Trainer::new(PixelNet::init(&config, &device))
                .with_gradient_clip(config.gradient_clip),
            sampler: BatchSampler::new(data.train.len(), config.seed),
            data,
            device,
            config,
        }
    }

    /// The network.
    pub fn net(&self) -> &PixelNet {
        &self.net.model
    }

    /// Draw the pixels of `images` that `known` does not mark, in raster order, at most
    /// `pixels` of them (counted over positions: a position is drawn in every image that lacks
    /// it), each from the model given everything before it. Returns the images (group
    /// `image`) and the updated known mask (group `known`), to call again until nothing is left
    /// (the page draws in between). Sampling from scratch is `known` all zeros; inpainting is
    /// the erased region's zeros.
    ///
    /// `images` and `known` hold `count x 784` values, row by row; `known` is 1 (given) or 0
    /// (to draw). The same seed, inputs and model draw the same pixels.
    pub fn complete(
        &self,
        images: &[f32],
        known: &[f32],
        pixels: usize,
        seed: u64,
    ) -> Result<LocalFuture<Result<Images>>> {
        let count = images.len() / PIXELS;
        if images.is_empty() || !images.len().is_multiple_of(PIXELS) || count > MAX_COMPLETE {
            return Err(Error::config(
                "images",
                format!(
                    "must hold 1 to {MAX_COMPLETE} images of {SIDE} x {SIDE} = {PIXELS} values \
                     each, got {} values",
                    images.len()
                ),
            ));
        }
        if known.len() != images.len() {
            return Err(Error::config(
                "known",
                format!(
                    "must mark every pixel of the images ({} values, 1 = given, 0 = to draw), \
                     got {} values",
                    images.len(),
                    known.len()
                ),
            ));
        }
        for (field, values) in [("images", images), ("known", known)] {
            if let Some(i) = values
                .iter()
                .position(|v| !v.is_finite() || !(0.0..=1.0).contains(v))
            {
                return Err(Error::config(
                    field,
                    format!("value {i} is {}; every value must be in [0, 1]", values[i]),
                ));
            }
        }
        validate_range("pixels", pixels, 1, PIXELS)?;
        let known: Vec<bool> = known.iter().map(|&k| k >= 0.5).collect();
        // The positions some image still lacks, in raster order, the first `pixels` of them.
        let todo: Vec<usize> = (0..PIXELS)
            .filter(|&p| (0..count).any(|i| !known[i * PIXELS + p]))
            .take(pixels)
            .collect();
        let device = self.device.clone().without_autodiff();
        let model = self.net.model.valid();
        let reach = self.config.reach();
        let mut rng = StdRng::seed_from_u64(seed);
        let uniforms: Vec<f32> = (0..todo.len() * count).map(|_| rng.random()).collect();
        let start: Vec<f32> = images
            .iter()
            .zip(&known)
            .map(|(&v, &k)| if k && v > INK_THRESHOLD { 1.0 } else { 0.0 })
            .collect();
        let mut x = Tensor::<4>::from_data(TensorData::new(start, [count, 1, SIDE, SIDE]), &device);
        let uniforms =
            Tensor::<2>::from_data(TensorData::new(uniforms, [todo.len(), count]), &device);
        // Per position, which images draw it (1) and which keep their given pixel (0).
        let draws: Vec<f32> = todo
            .iter()
            .flat_map(|&p| (0..count).map(move |i| p + i * PIXELS))
            .map(|at| (!known[at]) as u8 as f32)
            .collect();
        let draws = Tensor::<2>::from_data(TensorData::new(draws, [todo.len(), count]), &device);
        let mut filled = known.clone();
        for &p in &todo {
            for i in 0..count {
                filled[i * PIXELS + p] = true;
            }
        }
        Ok(Box::pin(async move {
            let mut pacer = Pacer::new();
            for (k, &p) in todo.iter().enumerate() {
                let (row, col) = (p / SIDE, p % SIDE);
                // The crop holding the pixel's receptive field: `reach` rows up, `reach`
                // columns either side, nothing below.
                let (top, left) = (row.saturating_sub(reach), col.saturating_sub(reach));
                let right = (col + reach + 1).min(SIDE);
                let crop = x.clone().slice([0..count, 0..1, top..row + 1, left..right]);
                let logit = model.forward(crop).slice([
                    0..count,
                    0..1,
                    row - top..row - top + 1,
                    col - left..col - left + 1,
                ]);
                let u = uniforms.clone().narrow(0, k, 1).reshape([count, 1, 1, 1]);
                let draw = u.lower(sigmoid(logit)).float();
                let drawing = draws.clone().narrow(0, k, 1).reshape([count, 1, 1, 1]);
                let old = x
                    .clone()
                    .slice([0..count, 0..1, row..row + 1, col..col + 1]);
                let new = drawing.clone() * draw + (drawing.neg() + 1.0) * old;
                x = x.slice_assign([0..count, 0..1, row..row + 1, col..col + 1], new);
                pacer.breathe().await;
            }
            let known = Tensor::<4>::from_data(
                TensorData::new(
                    filled.iter().map(|&k| k as u8 as f32).collect::<Vec<_>>(),
                    [count, 1, SIDE, SIDE],
                ),
                &device,
            );
            PendingImages::new(vec![("image", x), ("known", known)], Vec::new())
                .read()
                .await
        }))
    }

    /// Which input pixels the logit of pixel (`row`, `col`) depends on: the gradient of that
    /// logit with respect to the input, its magnitude summed over held-out images and scaled to
    /// a maximum of 1 (group `gradient`), and where it is not zero (group `field`), with the
    /// binarised held-out images (group `images`, what the page shows it over and inpaints).
    /// Only pixels before (`row`, `col`) can appear; the blind spot shows as zeros above-right.
    pub fn receptive_field(&self, row: usize, col: usize) -> Result<PendingImages> {
        for (field, v) in [("row", row), ("col", col)] {
            if v >= SIDE {
                return Err(Error::config(
                    field,
                    format!("must be between 0 and {}, got {v}", SIDE - 1),
                ));
            }
        }
        let n = FIELD_IMAGES.min(self.data.held_out.len());
        let images = binarise(self.data.held_out.range(0, n));
        let input = images.clone().autodiff().require_grad();
        let logits = self.net.model.forward(input.clone());
        let chosen = logits.slice([0..n, 0..1, row..row + 1, col..col + 1]).sum();
        let grads = chosen.backward();
        let gradient = input
            .grad(&grads)
            .expect("the input requires its gradient")
            .abs()
            .sum_dim(0); // [1, 1, 28, 28]
        let field = gradient.clone().greater_elem(0.0).float();
        let gradient = gradient.clone() / gradient.max().clamp_min(1e-12).reshape([1, 1, 1, 1]);
        Ok(PendingImages::new(
            vec![("gradient", gradient), ("field", field), ("images", images)],
            Vec::new(),
        ))
    }
}

/// Held-out scores of a PixelCNN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PixelEvaluation {
    /// Held-out images scored.
    pub images: usize,
    /// The model's held-out negative log-likelihood, in bits per pixel.
    pub bits_per_dim: f64,
    /// The same for independent pixels, each with its ink rate in the training images (add-one
    /// smoothed): the baseline with no context at all.
    pub independent_bits_per_dim: f64,
}

impl Method for PixelCnn {
    trained_by!(net);

    fn train_step(&mut self) {
        let batch = self
            .sampler
            .next_images(&self.data.train, self.config.batch_size);
        let images = binarise(batch).autodiff();
        let logits = self.net.model.forward(images.clone());
        let nats = bernoulli_nll(logits, images).mean() / PIXELS as f64;
        let bits = nats.clone().detach() / std::f64::consts::LN_2;
        self.net
            .minimize(self.config.learning_rate, nats, [("bits_per_dim", bits)]);
    }

    /// Held-out bits per dimension next to the independent-pixel baseline.
    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.net.model.valid();
        let data = self.data.clone();
        let device = self.device.clone().without_autodiff();
        Box::pin(async move {
            let held = &data.held_out;
            let n = held.len();
            let mut pacer = Pacer::new();
            // Independent pixels: each pixel's ink rate over the training part.
            let train = binarise(data.train.images.clone().without_autodiff());
            let m = data.train.len() as f64;
            let rate = (train.sum_dim(0) + 1.0) / (m + 2.0); // [1, 1, 28, 28]
            let rate_logit = (rate.clone() / (rate.neg() + 1.0)).log();
            let mut model_nats = Tensor::<1>::zeros([1], &device);
            let mut independent_nats = Tensor::<1>::zeros([1], &device);
            for start in (0..n).step_by(EVAL_CHUNK) {
                let end = (start + EVAL_CHUNK).min(n);
                let images = binarise(held.range(start, end).without_autodiff());
                let logits = model.forward(images.clone());
                model_nats = model_nats + bernoulli_nll(logits, images.clone()).sum();
                let independent = rate_logit.clone().expand([end - start, 1, SIDE, SIDE]);
                independent_nats = independent_nats + bernoulli_nll(independent, images).sum();
                pacer.breathe().await;
            }
            let per_dim = |nats: f64| nats / (n * PIXELS) as f64 / std::f64::consts::LN_2;
            let model_nats = crate::eval::read_scalar(model_nats, "held-out loss").await?;
            let independent =
                crate::eval::read_scalar(independent_nats, "independent-pixel loss").await?;
            Ok(Evaluation {
                pixel: Some(PixelEvaluation {
                    images: n,
                    bits_per_dim: per_dim(model_nats),
                    independent_bits_per_dim: per_dim(independent),
                }),
                ..Evaluation::default()
            })
        })
    }
}

impl fmt::Display for PixelEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "held-out images ({}): {:.4} bits per dimension (independent pixels {:.4})",
            self.images, self.bits_per_dim, self.independent_bits_per_dim
        )
    }
}
