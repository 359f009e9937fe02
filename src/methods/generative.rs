//! What the autoencoder, the denoising autoencoder, the VAE and the conditional VAE share once
//! trained: a frozen [`Codec`] (encode an image to its latent code, decode a code to an image)
//! and everything a widget does with one: reconstructions, samples from the prior, interpolation
//! (linear and spherical), latent arithmetic, the 2-D manifold grid with the encoded data over
//! it, the class sweep of a conditional model, and the held-out scores in nats.
//!
//! Every operation enqueues its work and reads back once (the latents it must do math on, then
//! the images): nothing here blocks, so the page stays responsive on the GPU.

use burn::module::Module;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData, Transaction};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::TrainingData;
use crate::losses::{bernoulli_nll, gaussian_kl};
use crate::nn::EncoderDecoder;
use crate::{Error, Result};

/// Side of the images every generative model here reads and writes.
pub const SIDE: usize = 28;
/// Pixels of one image.
pub const PIXELS: usize = SIDE * SIDE;
/// The most frames an interpolation may have.
pub const MAX_FRAMES: usize = 64;
/// The largest manifold grid side.
pub const MAX_GRID: usize = 24;
/// The manifold grid spans `[-MANIFOLD_RANGE, MANIFOLD_RANGE]` on both latent axes: +-2 standard
/// deviations of the prior hold 95% of its mass per axis.
pub const MANIFOLD_RANGE: f32 = 2.0;

/// Images evaluated per chunk (bounds the activations held at once).
const CHUNK: usize = 500;
/// Seed of the noise the evaluation uses (the VAE's sampled latents, the denoising noise): the
/// same model always gets the same score.
const EVAL_SEED: u64 = 0xE1B0;

/// How an interpolation moves between two latent codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Along the straight line: `(1 - t) a + t b`.
    #[default]
    Linear,
    /// Along the great circle (slerp): the norm of a prior sample concentrates near
    /// `sqrt(latent)`, and the straight line between two such codes passes closer to the origin,
    /// where the prior has few typical codes; the arc keeps the norm.
    Spherical,
}

/// A frozen encoder-decoder handed out by a session (see `Method::codec`): owned, so an
/// operation can run while training goes on.
#[derive(Debug, Clone)]
pub struct Codec {
    /// The network, without autodiff (`.valid()`: batch norm uses its running statistics).
    pub net: EncoderDecoder,
    /// Latent size.
    pub latent: usize,
    /// A VAE: the encoder emits a mean and a log-variance, and the prior N(0, I) is meaningful.
    pub variational: bool,
    /// Whether the class is fed to both halves (a conditional VAE).
    pub conditional: bool,
    /// The Gaussian noise added to the input (a denoising autoencoder's), 0 for none.
    pub noise: f64,
    /// The data it trained on (the held-out part is what it reconstructs and is scored on).
    pub data: TrainingData,
}

/// Image groups read back (inputs and their reconstructions, frames of an interpolation, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Images {
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// Channels per pixel.
    pub channels: usize,
    /// The named groups, in order.
    pub groups: Vec<ImageGroup>,
    /// The class of each image of the first group when known (data images), else empty.
    pub labels: Vec<usize>,
}

impl Images {
    /// The group called `name`.
    pub fn group(&self, name: &str) -> Option<&ImageGroup> {
        self.groups.iter().find(|g| g.name == name)
    }
}

/// One named group of images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageGroup {
    /// `input`, `noisy`, `output`, `frames`, ...
    pub name: String,
    /// Images in the group.
    pub count: usize,
    /// `count * channels * rows * cols` bytes, 0 = black.
    pub pixels: Vec<u8>,
}

/// Image groups still on the device.
#[derive(Debug)]
pub struct PendingImages {
    groups: Vec<(&'static str, Tensor<4>)>,
    labels: Vec<usize>,
}

impl PendingImages {
    /// Groups of images in [0, 1], each `[count, channels, rows, cols]`.
    pub fn new(groups: Vec<(&'static str, Tensor<4>)>, labels: Vec<usize>) -> Self {
        PendingImages { groups, labels }
    }

    /// Read every group back in one transaction.
    pub async fn read(self) -> Result<Images> {
        let [_, channels, rows, cols] = self.groups[0].1.dims();
        let tx = self
            .groups
            .iter()
            .fold(Transaction::default(), |tx, (_, t)| tx.register(t.clone()));
        let data = tx
            .execute_async()
            .await
            .map_err(|e| Error::Device(format!("reading the images back failed: {e:?}")))?;
        let groups = self
            .groups
            .iter()
            .zip(data)
            .map(|((name, t), d)| ImageGroup {
                name: name.to_string(),
                count: t.dims()[0],
                pixels: super::image_bytes(&d),
            })
            .collect();
        Ok(Images {
            rows,
            cols,
            channels,
            groups,
            labels: self.labels,
        })
    }
}

/// The encoded held-out images of a 2-D latent, for the scatter over the manifold grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatentPoints {
    /// `x0, y0, x1, y1, ...`: each image's latent mean.
    pub points: Vec<f32>,
    /// Each image's class.
    pub labels: Vec<usize>,
    /// Names of the classes.
    pub class_names: Vec<String>,
    /// The manifold grid's half-width, for drawing both on one set of axes.
    pub range: f32,
}

/// Held-out scores of an encoder-decoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerativeEvaluation {
    /// Mean reconstruction negative log-likelihood, nats per image (Bernoulli pixels).
    pub reconstruction_nats: f64,
    /// Mean KL divergence of the encoder's posterior from the prior, nats per image (VAE).
    pub kl_nats: Option<f64>,
    /// The VAE's negative ELBO (reconstruction + KL, whatever beta trained it), nats per image:
    /// an upper bound on the negative log-likelihood of the held-out images.
    pub negative_elbo: Option<f64>,
    /// Mean squared error per pixel of the reconstructions (pixels in [0, 1]).
    pub mse: f64,
    /// Held-out images scored.
    pub held_out: usize,
    /// A conditional model's samples, classified (see [`ConditionalScore`]).
    pub conditional: Option<ConditionalScore>,
}

/// How often a conditional model draws the class it was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionalScore {
    /// Fraction of the samples the classifier labels as the requested class.
    pub requested_class: f64,
    /// That fraction for each class.
    pub per_class: Vec<f64>,
    /// Samples drawn per class.
    pub samples_per_class: usize,
    /// The classifier's own held-out accuracy on real images (its reliability as a judge).
    pub classifier_accuracy: f64,
}

impl Codec {
    /// The device the network lives on.
    pub fn device(&self) -> Device {
        self.net.decoder.devices()[0].clone()
    }

    /// Classes of a conditional model's data (0 when unconditional).
    fn class_count(&self) -> usize {
        if self.conditional {
            self.data.class_names.len()
        } else {
            0
        }
    }

    /// One-hot rows of `classes`, or `None` for an unconditional model.
    fn classes(&self, classes: &[usize]) -> Option<Tensor<2>> {
        self.conditional
            .then(|| one_hot(classes, self.class_count(), &self.device()))
    }

    /// The latent mean of each image (`classes` are read by a conditional model only).
    ///
    /// # Shapes
    /// - images: `[n, 1, 28, 28]`, output: `[n, latent]`
    pub fn encode(&self, images: Tensor<4>, classes: &[usize]) -> Tensor<2> {
        let code = self.net.encode(images, self.classes(classes));
        code.narrow(1, 0, self.latent)
    }

    /// Images (pixel probabilities in [0, 1]) of latent codes.
    ///
    /// # Shapes
    /// - latent: `[n, latent]`, output: `[n, 1, 28, 28]`
    pub fn decode(&self, latent: Tensor<2>, classes: &[usize]) -> Tensor<4> {
        sigmoid(self.net.decode(latent, self.classes(classes)))
    }

    /// `count` codes drawn from the prior N(0, I) with `seed` (a fixed seed redraws the same
    /// codes: the live sample grid shows one set of codes as training changes the decoder).
    ///
    /// # Shapes
    /// - output: `[count, latent]`
    pub fn prior_codes(&self, count: usize, seed: u64) -> Tensor<2> {
        let values = standard_normal(&mut StdRng::seed_from_u64(seed), count * self.latent);
        Tensor::from_data(
            TensorData::new(values, [count, self.latent]),
            &self.device(),
        )
    }

    /// Classes of images given to a conditional model, checked (ignored when unconditional).
    pub fn check_classes(&self, classes: &[usize]) -> Result<()> {
        let k = self.class_count();
        match classes.iter().find(|&&c| self.conditional && c >= k) {
            Some(c) => Err(Error::config(
                "classes",
                format!("must be between 0 and {}, got {c}", k - 1),
            )),
            None => Ok(()),
        }
    }

    /// The class of a conditional model's request, checked (`None` is allowed only without
    /// classes, and picks no class).
    fn requested_class(&self, class: Option<usize>, count: usize) -> Result<Vec<usize>> {
        match (class, self.conditional) {
            (Some(c), true) if c < self.class_count() => Ok(vec![c; count]),
            (Some(c), true) => Err(Error::config(
                "class",
                format!("must be between 0 and {}, got {c}", self.class_count() - 1),
            )),
            (None, true) => Err(Error::config(
                "class",
                "a conditional model needs the class to draw",
            )),
            (Some(_), false) => Err(Error::config(
                "class",
                "only a conditional model draws a chosen class",
            )),
            (None, false) => Ok(vec![0; count]),
        }
    }

    /// `count` samples from the prior (the same for the same seed), of `class` when
    /// conditional.
    pub fn samples(&self, count: usize, seed: u64, class: Option<usize>) -> Result<PendingImages> {
        self.require_prior("samples")?;
        let classes = self.requested_class(class, count)?;
        let images = self.decode(self.prior_codes(count, seed), &classes);
        Ok(PendingImages::new(vec![("samples", images)], Vec::new()))
    }

    fn require_prior(&self, what: &str) -> Result<()> {
        if !self.variational {
            return Err(Error::config(
                "method",
                format!(
                    "{what} need a prior to draw codes from: a VAE has one (N(0, I)); a plain autoencoder's codes follow no known distribution"
                ),
            ));
        }
        Ok(())
    }

    /// Decode `frames` points from the code of image `a` to that of image `b` (the ends are
    /// the two reconstructions). `images` holds the two, `classes` their classes (read by a
    /// conditional model: both ends keep their own, the class input moves along the line too).
    ///
    /// # Shapes
    /// - images: `[2, 1, 28, 28]`
    pub async fn interpolate(
        self,
        images: Tensor<4>,
        classes: [usize; 2],
        frames: usize,
        mode: Interpolation,
    ) -> Result<Images> {
        check_frames(frames)?;
        let codes = read_rows(self.encode(images.clone(), &classes), "latent codes").await?;
        let weights: Vec<(f32, f32)> = (0..frames)
            .map(|i| {
                interpolation_weights(&codes[0], &codes[1], i as f32 / (frames - 1) as f32, mode)
            })
            .collect();
        let mix = |a: &[f32], b: &[f32]| -> Vec<f32> {
            weights
                .iter()
                .flat_map(|&(wa, wb)| a.iter().zip(b).map(move |(x, y)| wa * x + wb * y))
                .collect()
        };
        let device = self.device();
        let latent = Tensor::<2>::from_data(
            TensorData::new(mix(&codes[0], &codes[1]), [frames, self.latent]),
            &device,
        );
        let decoded = if self.conditional {
            let k = self.class_count();
            let (a, b) = (one_hot_row(classes[0], k), one_hot_row(classes[1], k));
            let classes =
                Tensor::<2>::from_data(TensorData::new(mix(&a, &b), [frames, k]), &device);
            sigmoid(self.net.decode(latent, Some(classes)))
        } else {
            self.decode(latent, &[])
        };
        PendingImages::new(vec![("frames", decoded), ("ends", images)], Vec::new())
            .read()
            .await
    }

    /// Latent arithmetic: decode `code(a) - code(b) + code(c)`, next to the three inputs and
    /// their reconstructions ("a 7 with a bar, minus a 7, plus a 1 without" = a 1 with a bar).
    ///
    /// # Shapes
    /// - images: `[3, 1, 28, 28]` (a, b, c)
    pub fn arithmetic(&self, images: Tensor<4>, classes: [usize; 3]) -> PendingImages {
        let codes = self.encode(images.clone(), &classes); // [3, latent]
        let row = |i: usize| codes.clone().narrow(0, i, 1);
        let result = row(0) - row(1) + row(2);
        let reconstructions = self.decode(codes, &classes);
        // A conditional model draws the result in c's class (the class is not part of the code).
        let output = self.decode(result, &classes[2..]);
        PendingImages::new(
            vec![
                ("inputs", images),
                ("reconstructions", reconstructions),
                ("result", output),
            ],
            Vec::new(),
        )
    }

    /// The decoder's picture of a 2-D latent space: a `side x side` grid of codes spanning
    /// +-[`MANIFOLD_RANGE`] on both axes (top row = largest second coordinate), decoded.
    pub fn manifold(&self, side: usize, class: Option<usize>) -> Result<PendingImages> {
        if self.latent != 2 {
            return Err(Error::config(
                "latent",
                format!(
                    "the manifold grid needs a 2-D latent; this model's latent has {} dimensions (train one with latent 2)",
                    self.latent
                ),
            ));
        }
        if !(2..=MAX_GRID).contains(&side) {
            return Err(Error::config(
                "side",
                format!("must be between 2 and {MAX_GRID}, got {side}"),
            ));
        }
        let classes = self.requested_class(class, side * side)?;
        let at = |i: usize| -MANIFOLD_RANGE + 2.0 * MANIFOLD_RANGE * i as f32 / (side - 1) as f32;
        let codes: Vec<f32> = (0..side)
            .flat_map(|r| (0..side).flat_map(move |c| [at(c), at(side - 1 - r)]))
            .collect();
        let codes = Tensor::from_data(TensorData::new(codes, [side * side, 2]), &self.device());
        Ok(PendingImages::new(
            vec![("grid", self.decode(codes, &classes))],
            Vec::new(),
        ))
    }

    /// The latent means of the first `count` held-out images, with their classes.
    pub async fn latent_points(self, count: usize) -> Result<LatentPoints> {
        if self.latent != 2 {
            return Err(Error::config(
                "latent",
                format!(
                    "the scatter needs a 2-D latent; this model's latent has {} dimensions",
                    self.latent
                ),
            ));
        }
        let held = &self.data.held_out;
        let count = count.clamp(1, held.len());
        let labels: Vec<usize> = held.labels[..count].iter().map(|&l| l as usize).collect();
        let codes = (0..count)
            .step_by(CHUNK)
            .map(|start| {
                let end = (start + CHUNK).min(count);
                self.encode(held.range(start, end), &labels[start..end])
            })
            .collect();
        let codes = Tensor::cat(codes, 0);
        let points = codes
            .into_data_async()
            .await
            .map_err(|e| Error::Device(format!("reading the latent codes back failed: {e:?}")))?
            .iter::<f32>()
            .collect();
        Ok(LatentPoints {
            points,
            labels,
            class_names: self.data.class_names.clone(),
            range: MANIFOLD_RANGE,
        })
    }

    /// A conditional model's class sweep: one latent code (the style) decoded with every class
    /// (the content). The code is the encoding of `image` in its class `from` when given, else
    /// a draw from the prior with `seed`.
    ///
    /// # Shapes
    /// - image: `[1, 1, 28, 28]`
    pub fn class_sweep(
        &self,
        image: Option<(Tensor<4>, usize)>,
        seed: u64,
    ) -> Result<PendingImages> {
        if !self.conditional {
            return Err(Error::config(
                "conditional",
                "only a conditional VAE sweeps the class (train with conditional: true)",
            ));
        }
        let k = self.class_count();
        let mut groups = Vec::new();
        let code = match image {
            Some((image, from)) => {
                self.requested_class(Some(from), 1)?;
                groups.push(("input", image.clone()));
                self.encode(image, &[from])
            }
            None => self.prior_codes(1, seed),
        };
        let classes: Vec<usize> = (0..k).collect();
        let images = self.decode(code.repeat_dim(0, k), &classes);
        groups.insert(0, ("classes", images));
        Ok(PendingImages::new(groups, classes))
    }

    /// `images` as the model reads them: with its training noise added when it denoises
    /// (fixed-seed noise, so the same images are corrupted the same way each time).
    ///
    /// # Shapes
    /// - images: `[n, 1, 28, 28]`, output: the same
    pub fn corrupt(&self, images: Tensor<4>, seed: u64) -> Tensor<4> {
        if self.noise <= 0.0 {
            return images;
        }
        let dims = images.dims();
        let n: usize = dims.iter().product();
        let noise: Vec<f32> = standard_normal(&mut StdRng::seed_from_u64(seed), n)
            .into_iter()
            .map(|v| v * self.noise as f32)
            .collect();
        (images + Tensor::from_data(TensorData::new(noise, dims), &self.device())).clamp(0.0, 1.0)
    }

    /// `count` held-out images from `start`: the inputs, the noisy inputs (a denoising
    /// autoencoder), and the reconstructions (a VAE decodes the posterior mean).
    pub fn reconstructions(&self, start: usize, count: usize) -> PendingImages {
        let held_out = &self.data.held_out;
        let start = start.min(held_out.len() - 1);
        let count = count.clamp(1, held_out.len() - start);
        let labels: Vec<usize> = held_out.labels[start..start + count]
            .iter()
            .map(|&l| l as usize)
            .collect();
        let inputs = held_out.range(start, start + count);
        let noisy = self.corrupt(inputs.clone(), EVAL_SEED ^ start as u64);
        let outputs = self.decode(self.encode(noisy.clone(), &labels), &labels);
        let mut groups = vec![("input", inputs)];
        if self.noise > 0.0 {
            groups.push(("noisy", noisy));
        }
        groups.push(("output", outputs));
        PendingImages::new(groups, labels)
    }

    /// Held-out scores in nats per image (every held-out image; a VAE's latent sampled with a
    /// fixed seed), and for a conditional model how often its samples are of the requested
    /// class.
    pub async fn evaluate(self) -> Result<GenerativeEvaluation> {
        let held = &self.data.held_out;
        let n = held.len();
        if n == 0 {
            return Err(Error::data("held-out set", "is empty"));
        }
        let mut rng = StdRng::seed_from_u64(EVAL_SEED);
        let mut sums: Option<Tensor<1>> = None;
        for start in (0..n).step_by(CHUNK) {
            let end = (start + CHUNK).min(n);
            let labels: Vec<usize> = held.labels[start..end]
                .iter()
                .map(|&l| l as usize)
                .collect();
            let clean = held.range(start, end);
            let input = self.corrupt(clean.clone(), rng.random());
            let code = self.net.encode(input, self.classes(&labels));
            let mean = code.clone().narrow(1, 0, self.latent);
            let (latent, kl) = if self.variational {
                let log_var = code.narrow(1, self.latent, self.latent);
                let eps = standard_normal(&mut rng, (end - start) * self.latent);
                let eps = Tensor::<2>::from_data(
                    TensorData::new(eps, [end - start, self.latent]),
                    &self.device(),
                );
                let z = mean.clone() + (log_var.clone() * 0.5).exp() * eps;
                (z, gaussian_kl(mean, log_var).sum())
            } else {
                (mean, Tensor::zeros([1], &self.device()))
            };
            let logits = self.net.decode(latent, self.classes(&labels));
            let nll = bernoulli_nll(logits.clone(), clean.clone()).sum();
            let se = (sigmoid(logits) - clean).powi_scalar(2).sum() / PIXELS as f64;
            let chunk = Tensor::cat(vec![nll, kl, se], 0); // [3]
            sums = Some(match sums {
                Some(s) => s + chunk,
                None => chunk,
            });
        }
        let sums: Vec<f32> = sums
            .expect("at least one chunk")
            .into_data_async()
            .await
            .map_err(|e| Error::Device(format!("reading the scores back failed: {e:?}")))?
            .iter::<f32>()
            .collect();
        let mean = |i: usize| sums[i] as f64 / n as f64;
        let conditional = if self.conditional {
            Some(self.conditional_score().await?)
        } else {
            None
        };
        Ok(GenerativeEvaluation {
            reconstruction_nats: mean(0),
            kl_nats: self.variational.then(|| mean(1)),
            negative_elbo: self.variational.then(|| mean(0) + mean(1)),
            mse: mean(2),
            held_out: n,
            conditional,
        })
    }

    /// Draw [`CONDITIONAL_SAMPLES`] samples of each class and classify them with the
    /// foundation's linear probe fitted on raw pixels of every labelled training image.
    async fn conditional_score(&self) -> Result<ConditionalScore> {
        let judge = crate::eval::PixelClassifier::fit(&self.data).await?;
        let k = self.class_count();
        let per = CONDITIONAL_SAMPLES;
        let classes: Vec<usize> = (0..k).flat_map(|c| std::iter::repeat_n(c, per)).collect();
        let samples = self.decode(self.prior_codes(k * per, EVAL_SEED), &classes);
        let right = judge.agrees(samples, &classes); // [k * per] of 0/1
        let right: Vec<f32> = right
            .into_data_async()
            .await
            .map_err(|e| Error::Device(format!("reading the classes back failed: {e:?}")))?
            .iter::<f32>()
            .collect();
        let per_class: Vec<f64> = right
            .chunks(per)
            .map(|c| c.iter().map(|&v| v as f64).sum::<f64>() / per as f64)
            .collect();
        Ok(ConditionalScore {
            requested_class: per_class.iter().sum::<f64>() / k as f64,
            per_class,
            samples_per_class: per,
            classifier_accuracy: judge.held_out_accuracy,
        })
    }
}

/// The largest latent size.
pub const MAX_LATENT: usize = 64;

/// A latent size is 1 to [`MAX_LATENT`].
pub fn validate_latent(latent: usize) -> Result<()> {
    if !(1..=MAX_LATENT).contains(&latent) {
        return Err(Error::config(
            "latent",
            format!("must be between 1 and {MAX_LATENT}, got {latent}"),
        ));
    }
    Ok(())
}

/// Samples drawn per class to score a conditional model.
pub const CONDITIONAL_SAMPLES: usize = 100;

/// An interpolation needs both ends and at most [`MAX_FRAMES`].
pub fn check_frames(frames: usize) -> Result<()> {
    if !(2..=MAX_FRAMES).contains(&frames) {
        return Err(Error::config(
            "frames",
            format!("must be between 2 and {MAX_FRAMES} (both ends included), got {frames}"),
        ));
    }
    Ok(())
}

/// The weights `(w_a, w_b)` of the point at `t` in [0, 1] between codes `a` and `b`.
pub fn interpolation_weights(a: &[f32], b: &[f32], t: f32, mode: Interpolation) -> (f32, f32) {
    let linear = (1.0 - t, t);
    if mode == Interpolation::Linear {
        return linear;
    }
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    if na < 1e-6 || nb < 1e-6 {
        return linear;
    }
    let cos = (a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb)).clamp(-1.0, 1.0);
    let theta = cos.acos();
    let sin = theta.sin();
    // (Anti-)parallel codes: the arc is not defined by the two ends; the line is the limit.
    if sin.abs() < 1e-4 {
        return linear;
    }
    (((1.0 - t) * theta).sin() / sin, (t * theta).sin() / sin)
}

/// One image's pixels from the page (picked from the data or drawn on a canvas), checked:
/// exactly 28 x 28 values, each in [0, 1].
///
/// # Shapes
/// - output: `[1, 1, 28, 28]`
pub fn image_tensor(field: &str, pixels: &[f32], device: &Device) -> Result<Tensor<4>> {
    if pixels.len() != PIXELS {
        return Err(Error::config(
            field,
            format!(
                "must be a {SIDE} x {SIDE} image ({PIXELS} values in [0, 1], row by row), got {} values",
                pixels.len()
            ),
        ));
    }
    if let Some((i, v)) = pixels
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || !(0.0..=1.0).contains(*v))
    {
        return Err(Error::config(
            field,
            format!("pixel {i} is {v}; every value must be in [0, 1]"),
        ));
    }
    Ok(Tensor::from_data(
        TensorData::new(pixels.to_vec(), [1, 1, SIDE, SIDE]),
        device,
    ))
}

/// `n` draws from the standard normal on a seeded generator: codes and noise that depend only on
/// their seed, drawn on the host so they never advance the device's training random stream.
pub fn standard_normal(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.sample(StandardNormal)).collect()
}

/// One-hot rows of `classes` on `device`.
///
/// # Shapes
/// - output: `[classes.len(), k]`
pub fn one_hot(classes: &[usize], k: usize, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = classes.iter().flat_map(|&c| one_hot_row(c, k)).collect();
    Tensor::from_data(TensorData::new(values, [classes.len(), k]), device)
}

fn one_hot_row(class: usize, k: usize) -> Vec<f32> {
    (0..k).map(|j| if j == class { 1.0 } else { 0.0 }).collect()
}

/// Read a small `[n, d]` tensor back as rows.
async fn read_rows(t: Tensor<2>, what: &str) -> Result<Vec<Vec<f32>>> {
    let [_, d] = t.dims();
    let values: Vec<f32> = t
        .into_data_async()
        .await
        .map_err(|e| Error::Device(format!("reading the {what} back failed: {e:?}")))?
        .iter::<f32>()
        .collect();
    Ok(values.chunks(d.max(1)).map(|r| r.to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slerp_keeps_the_norm_of_orthogonal_unit_codes_and_ends_at_the_ends() {
        let (a, b) = ([1.0, 0.0], [0.0, 1.0]);
        let (wa, wb) = interpolation_weights(&a, &b, 0.5, Interpolation::Spherical);
        assert!(((wa * wa + wb * wb).sqrt() - 1.0).abs() < 1e-5, "{wa} {wb}");
        let (wa, wb) = interpolation_weights(&a, &b, 0.5, Interpolation::Linear);
        assert_eq!((wa, wb), (0.5, 0.5));
        for mode in [Interpolation::Linear, Interpolation::Spherical] {
            let (wa, wb) = interpolation_weights(&a, &b, 0.0, mode);
            assert!((wa - 1.0).abs() < 1e-6 && wb.abs() < 1e-6);
            let (wa, wb) = interpolation_weights(&a, &b, 1.0, mode);
            assert!(wa.abs() < 1e-6 && (wb - 1.0).abs() < 1e-6);
        }
        // Parallel codes fall back to the line instead of dividing by sin(0).
        let w = interpolation_weights(&a, &a, 0.3, Interpolation::Spherical);
        assert_eq!(w, (0.7, 0.3));
    }

    #[test]
    fn standard_normal_has_mean_0_and_variance_1() {
        let v = standard_normal(&mut StdRng::seed_from_u64(1), 20_000);
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / v.len() as f32;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }

    #[test]
    fn drawn_images_of_the_wrong_size_or_range_are_refused() {
        let device = Device::flex();
        let e = image_tensor("a", &[0.5; 100], &device).unwrap_err();
        assert!(
            e.to_string().starts_with("a: must be a 28 x 28 image"),
            "{e}"
        );
        let mut px = vec![0.0; PIXELS];
        px[5] = f32::NAN;
        let e = image_tensor("b", &px, &device).unwrap_err();
        assert!(e.to_string().contains("pixel 5 is NaN"), "{e}");
        px[5] = 1.0;
        assert_eq!(
            image_tensor("b", &px, &device).unwrap().dims(),
            [1, 1, 28, 28]
        );
    }
}
