//! The uniform session every method is driven through, by the page (through `web/`), the CLI
//! and the tests alike.
//!
//! A session owns one method's state. The caller owns the loop: [`Session::train`] enqueues `n`
//! steps and returns at once; [`Session::begin_report`] hands over the values to read, which the
//! caller awaits without holding the session (so the page stays free to pause or reset), and
//! [`Session::finish_report`] records what was read. A non-finite loss halts the session with a
//! message naming the step, until [`Session::reset`].

use std::any::Any;

use burn::tensor::Tensor;
use web_time::Instant;

use crate::backend::Compute;
use crate::checkpoint::Checkpoint;
use crate::data::TrainingData;
use crate::eval::Representation;
use crate::methods::codec::LatentPoints;
use crate::methods::images::image_tensor;
use crate::methods::validate::validate_count;
use crate::methods::{
    ClusteringEvaluation, Codec, Evaluation, Examples, Images, Interpolation, Method, MethodConfig,
    PendingImages, PendingMetrics, Report,
};
use crate::{Error, LocalFuture, Result};

/// Most steps one `train` call may enqueue (the page calls it once per animation frame).
pub const MAX_STEPS_PER_CALL: usize = 10_000;
pub use crate::methods::validate::MAX_EXAMPLES;

/// One method's training session.
pub struct Session {
    config: MethodConfig,
    method: Box<dyn Method>,
    /// What the method was built with, to build it again on reset.
    data: Option<TrainingData>,
    compute: Compute,
    halted: Option<Error>,
    last_report: (Instant, u64),
}

/// A report whose values are still on the device.
pub struct PendingReport {
    method: &'static str,
    step: u64,
    steps_in_report: u64,
    seconds: f64,
    metrics: PendingMetrics,
}

impl PendingReport {
    /// Read the values back (the only await of a report).
    pub async fn read(self) -> Result<Report> {
        let metrics = self.metrics.read().await?;
        if let Some(bad) = metrics.iter().find(|m| !m.value.is_finite()) {
            return Err(Error::NonFinite {
                step: self.step,
                metric: bad.name.clone(),
                value: format!("{}", bad.value),
            });
        }
        Ok(Report {
            method: self.method.to_string(),
            step: self.step,
            steps_in_report: self.steps_in_report,
            steps_per_second: if self.seconds > 0.0 {
                self.steps_in_report as f64 / self.seconds
            } else {
                0.0
            },
            metrics,
        })
    }
}

impl Session {
    /// Validate `config` against `data` (the loaded dataset it names; `None` for CLIP, which
    /// needs none) and build the method on `compute`.
    pub fn new<'a>(
        config: MethodConfig,
        data: impl Into<Option<&'a TrainingData>>,
        compute: &Compute,
    ) -> Result<Self> {
        let data = data.into();
        let method = config.build(data, compute)?;
        Ok(Session {
            config,
            method,
            data: data.cloned(),
            compute: compute.clone(),
            halted: None,
            last_report: (Instant::now(), 0),
        })
    }

    /// The configuration this session runs.
    pub fn config(&self) -> &MethodConfig {
        &self.config
    }

    /// Steps taken since the last reset.
    pub fn step(&self) -> u64 {
        self.method.step()
    }

    /// The error that halted training, if any.
    pub fn halted(&self) -> Option<&Error> {
        self.halted.as_ref()
    }

    /// Enqueue `steps` training steps (1..=[`MAX_STEPS_PER_CALL`]).
    pub fn train(&mut self, steps: usize) -> Result<()> {
        if let Some(e) = &self.halted {
            return Err(Error::Halted(e.to_string()));
        }
        validate_count("steps", steps, MAX_STEPS_PER_CALL)?;
        self.method.train(steps);
        Ok(())
    }

    /// Take the values of a report; await [`PendingReport::read`], then pass the outcome to
    /// [`Session::finish_report`].
    pub fn begin_report(&mut self) -> PendingReport {
        let step = self.method.step();
        let (at, last_step) = std::mem::replace(&mut self.last_report, (Instant::now(), step));
        PendingReport {
            method: self.config.name(),
            step,
            steps_in_report: step - last_step,
            seconds: at.elapsed().as_secs_f64(),
            metrics: self.method.take_metrics(),
        }
    }

    /// Record a report's outcome: a non-finite value halts the session.
    pub fn finish_report(&mut self, outcome: Result<Report>) -> Result<Report> {
        if let Err(e @ Error::NonFinite { .. }) = &outcome {
            self.halted = Some(e.clone());
        }
        outcome
    }

    /// Report in one call when the caller owns the session (CLI, tests).
    pub async fn report(&mut self) -> Result<Report> {
        let pending = self.begin_report();
        let outcome = pending.read().await;
        self.finish_report(outcome)
    }

    /// Up to `count` examples to draw, as an owned future.
    pub fn examples(&mut self, count: usize) -> Result<LocalFuture<Result<Examples>>> {
        validate_count("count", count, MAX_EXAMPLES)?;
        let pending = self.method.examples(count)?;
        Ok(Box::pin(pending.read()))
    }

    /// The method's evaluation, as an owned future (training may go on meanwhile).
    pub fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        self.method.evaluate()
    }

    /// A clustering method's per-round scores (see [`Method::clustering`]); `None` for the
    /// others.
    pub fn clustering(&self) -> Option<LocalFuture<Result<ClusteringEvaluation>>> {
        self.method.clustering()
    }

    /// The method's representation, read out the board's way on a `grid x grid` grid (`None`
    /// for a method that learns none).
    pub fn representation(&self, grid: usize) -> Option<Box<dyn Representation>> {
        self.method.representation(grid)
    }

    /// Back to a fresh model from the config's seed (the method built again, as
    /// [`Session::new`] built it); clears a halt.
    pub fn reset(&mut self) -> Result<()> {
        self.method = self.config.build(self.data.as_ref(), &self.compute)?;
        self.halted = None;
        self.last_report = (Instant::now(), 0);
        Ok(())
    }

    /// The model as a checkpoint file's bytes (see [`crate::checkpoint`]), as an owned future.
    pub fn save(&self) -> LocalFuture<Result<Vec<u8>>> {
        let config = self.config.clone();
        let step = self.method.step();
        let parts = self.method.save();
        Box::pin(async move {
            Checkpoint {
                config,
                step,
                parts: parts.await?,
            }
            .encode()
        })
    }

    /// A session rebuilt from a checkpoint: its config, its weights, its step count. `data` is
    /// the loaded dataset its config names (`None` for CLIP).
    pub fn restore<'a>(
        checkpoint: &Checkpoint,
        data: impl Into<Option<&'a TrainingData>>,
        compute: &Compute,
    ) -> Result<Self> {
        let mut session = Session::new(checkpoint.config.clone(), data, compute)?;
        session.method.load(&checkpoint.saved())?;
        Ok(session)
    }

    /// Replace this session's model by the checkpoint's (its config comes along: a VAE saved
    /// with latent 2 loads as one). A checkpoint of another method, or one that does not load,
    /// is an error and this session is kept as it was.
    pub fn load<'a>(
        &mut self,
        checkpoint: &Checkpoint,
        data: impl Into<Option<&'a TrainingData>>,
        compute: &Compute,
    ) -> Result<()> {
        let (saved, here) = (checkpoint.config.name(), self.config.name());
        if saved != here {
            return Err(Error::data(
                "checkpoint",
                format!("it holds a model of the {saved} method; this session trains {here}"),
            ));
        }
        *self = Session::restore(checkpoint, data, compute)?;
        Ok(())
    }

    /// The method being trained, for what only it does: `None` unless it is a `T` (see
    /// [`crate::methods`]).
    pub fn method<T: Method>(&self) -> Option<&T> {
        (self.method.as_ref() as &dyn Any).downcast_ref::<T>()
    }

    /// The method being trained as a `T`, or the error `method: {only}` (what only `T` does,
    /// e.g. "only a GAN walks its noise space").
    pub fn downcast<T: Method>(&self, only: &str) -> Result<&T> {
        self.method::<T>()
            .ok_or_else(|| Error::config("method", only.to_string()))
    }

    /// The frozen encoder-decoder of an autoencoder or VAE session.
    pub fn codec(&self) -> Result<Codec> {
        self.method.codec().ok_or_else(|| {
            Error::config(
                "method",
                format!(
                    "only the autoencoders and VAEs encode and decode images; this session trains {}",
                    self.config.name()
                ),
            )
        })
    }

    /// `count` held-out images from `start`, with their (noisy or masked) inputs and
    /// reconstructions; a masked autoencoder hides `mask_ratio` of the patches (its config's when
    /// `None`), drawn with `seed`.
    pub fn reconstructions(
        &self,
        start: usize,
        count: usize,
        mask_ratio: Option<f64>,
        seed: u64,
    ) -> Result<LocalFuture<Result<Images>>> {
        validate_count("count", count, MAX_EXAMPLES)?;
        Ok(read(
            self.method
                .reconstructions(start, count, mask_ratio, seed)?,
        ))
    }

    /// `count` samples (a VAE's from its prior, a GAN's generator's), the same for the same seed
    /// (of `class` when conditional).
    pub fn samples(
        &self,
        count: usize,
        seed: u64,
        class: Option<usize>,
    ) -> Result<LocalFuture<Result<Images>>> {
        validate_count("count", count, MAX_EXAMPLES)?;
        Ok(read(self.method.samples(count, seed, class)?))
    }

    /// `frames` images from the code of image `a` to that of `b` (28 x 28 values in [0, 1]
    /// each, picked from the data or drawn), in their classes `classes` (read when
    /// conditional).
    pub fn interpolate(
        &self,
        a: &[f32],
        b: &[f32],
        classes: [usize; 2],
        frames: usize,
        mode: Interpolation,
    ) -> Result<LocalFuture<Result<Images>>> {
        let codec = self.codec()?;
        crate::methods::images::check_frames(frames)?;
        codec.check_classes(&classes)?;
        let device = codec.device();
        let images = Tensor::cat(
            vec![
                image_tensor("a", a, &device)?,
                image_tensor("b", b, &device)?,
            ],
            0,
        );
        Ok(Box::pin(codec.interpolate(images, classes, frames, mode)))
    }

    /// Latent arithmetic `a - b + c` on three images (see [`Codec::arithmetic`]).
    pub fn arithmetic(
        &self,
        images: [&[f32]; 3],
        classes: [usize; 3],
    ) -> Result<LocalFuture<Result<Images>>> {
        let codec = self.codec()?;
        codec.check_classes(&classes)?;
        let device = codec.device();
        let tensors = ["a", "b", "c"]
            .iter()
            .zip(images)
            .map(|(name, px)| image_tensor(name, px, &device))
            .collect::<Result<Vec<_>>>()?;
        Ok(read(codec.arithmetic(Tensor::cat(tensors, 0), classes)))
    }

    /// The decoded grid of a 2-D latent (see [`Codec::manifold`]).
    pub fn manifold(
        &self,
        side: usize,
        class: Option<usize>,
    ) -> Result<LocalFuture<Result<Images>>> {
        Ok(read(self.codec()?.manifold(side, class)?))
    }

    /// The latent means of `count` held-out images (2-D latent only).
    pub fn latent_points(&self, count: usize) -> Result<LocalFuture<Result<LatentPoints>>> {
        validate_count("count", count, MAX_POINTS)?;
        Ok(Box::pin(self.codec()?.latent_points(count)))
    }

    /// A conditional VAE's class sweep: one code, every class (see [`Codec::class_sweep`]);
    /// `image` is 28 x 28 values with its class, or `None` for a code drawn with `seed`.
    pub fn class_sweep(
        &self,
        image: Option<(&[f32], usize)>,
        seed: u64,
    ) -> Result<LocalFuture<Result<Images>>> {
        let codec = self.codec()?;
        let image = match image {
            Some((px, class)) => Some((image_tensor("image", px, &codec.device())?, class)),
            None => None,
        };
        Ok(read(codec.class_sweep(image, seed)?))
    }
}

/// Most latent points one call may ask for.
pub const MAX_POINTS: usize = 2000;

fn read(pending: PendingImages) -> LocalFuture<Result<Images>> {
    Box::pin(pending.read())
}
