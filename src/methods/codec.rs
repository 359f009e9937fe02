//! What the autoencoder, the denoising autoencoder, the VAE and the conditional VAE share once
//! trained: a frozen [`Codec`] (encode an image to its latent code, decode a code to an image)
//! and everything a widget does with one: reconstructions, samples from the prior, interpolation
//! (linear and spherical), latent arithmetic, the 2-D manifold grid with the encoded data over
//! it, the class sweep of a conditional model, and the held-out scores in nats.
//!
//! The images it hands back are [`super::images`]. Every operation enqueues its work and reads back once (the latents it must do math on, then
//! the images): nothing here blocks, so the page stays responsive on the GPU.

use std::fmt;

use burn::module::Module;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::images::{
    Images, Interpolation, PIXELS, PendingImages, check_frames, interpolation_weights, one_hot,
    one_hot_row, read_rows, standard_normal,
};
use crate::data::TrainingData;
use crate::losses::{bernoulli_nll, gaussian_kl};
use crate::nn::EncoderDecoder;
use crate::readback::ReadFloats;
use crate::{Error, Result};

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

    /// An error naming `latent` unless the latent is 2-D, which `what` needs.
    fn require_2d(&self, what: &str, hint: &str) -> Result<()> {
        if self.latent != 2 {
            return Err(Error::config(
                "latent",
                format!(
                    "{what} needs a 2-D latent; this model's latent has {} dimensions{hint}",
                    self.latent
                ),
            ));
        }
        Ok(())
    }

    /// The decoder's picture of a 2-D latent space: a `side x side` grid of codes spanning
    /// +-[`MANIFOLD_RANGE`] on both axes (top row = largest second coordinate), decoded.
    pub fn manifold(&self, side: usize, class: Option<usize>) -> Result<PendingImages> {
        self.require_2d("the manifold grid", " (train one with latent 2)")?;
        super::validate_range("side", side, 2, MAX_GRID)?;
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
        self.require_2d("the scatter", "")?;
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
        let points = codes.read_floats("latent codes").await?;
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
            .read_floats("scores")
            .await?;
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
        let right: Vec<f32> = right.read_floats("classes").await?;
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
    super::validate_range("latent", latent, 1, MAX_LATENT)
}

/// Samples drawn per class to score a conditional model.
pub const CONDITIONAL_SAMPLES: usize = 100;

impl fmt::Display for GenerativeEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "held-out reconstruction ({} images): {:.2} nats/image, MSE {:.5} per pixel",
            self.held_out, self.reconstruction_nats, self.mse
        )?;
        if let (Some(kl), Some(elbo)) = (self.kl_nats, self.negative_elbo) {
            write!(
                f,
                "\nheld-out KL {kl:.2} nats/image; negative ELBO {elbo:.2} nats/image"
            )?;
        }
        if let Some(c) = &self.conditional {
            write!(
                f,
                "\nconditional samples labelled as the requested class by the pixel probe: {:.1}% ({} per class: {}); the probe's held-out accuracy on real images {:.1}%",
                100.0 * c.requested_class,
                c.samples_per_class,
                crate::eval::percentages(&c.per_class, 0),
                100.0 * c.classifier_accuracy
            )?;
        }
        Ok(())
    }
}
