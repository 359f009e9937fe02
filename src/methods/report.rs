//! What a session hands back: training reports and their on-device metric sums, example images
//! with predictions, and the evaluation types.

use std::fmt;

use burn::tensor::{Tensor, Transaction};
use serde::{Deserialize, Serialize};

use super::charlm::LanguageEvaluation;
use super::clip::ZeroShotEvaluation;
use super::codec::GenerativeEvaluation;
use super::cyclegan::CycleGanEvaluation;
use super::gan::GanEvaluation;
use super::images::{Pixels, best_of_rows, read_with_probabilities};
use super::mae::MaeEvaluation;
use super::pixelcnn::PixelEvaluation;
use crate::Result;
use crate::data::TrainingData;
use crate::readback::ReadBack;

/// The evaluation of a representation method: the linear probe of its frozen (`.valid()`)
/// encoder against random-init encoders of the same shape, with the method's held-out pretext
/// accuracy when it has one.
pub async fn probe_evaluation(
    encoder: &crate::nn::ConvEncoder,
    data: &TrainingData,
    pretext_accuracy: Option<f64>,
) -> Result<Evaluation> {
    let probe = crate::eval::compare_with_random_init(
        encoder,
        &crate::nn::ConvEncoderConfig::new(),
        data,
        &crate::eval::ProbeConfig::default(),
    )
    .await?;
    Ok(Evaluation {
        pretext_accuracy,
        probe: Some(probe),
        ..Evaluation::default()
    })
}

/// Sums of per-step scalar metrics, kept on the device until a report reads them.
#[derive(Debug, Default)]
pub struct MetricAccumulator {
    sums: Vec<(&'static str, Tensor<1>)>,
    steps: usize,
}

impl MetricAccumulator {
    /// Add one step's values (each `[1]`, detached from the graph).
    pub fn add(&mut self, values: impl IntoIterator<Item = (&'static str, Tensor<1>)>) {
        for (name, value) in values {
            match self.sums.iter_mut().find(|(n, _)| *n == name) {
                Some((_, sum)) => *sum = sum.clone() + value,
                None => self.sums.push((name, value)),
            }
        }
        self.steps += 1;
    }

    /// Hand over the sums and start again.
    pub fn take(&mut self) -> PendingMetrics {
        let taken = std::mem::take(self);
        PendingMetrics {
            groups: vec![(taken.sums, taken.steps)],
        }
    }
}

/// Metric sums not read back yet: groups of sums, each with the number of steps it summed (two
/// networks trained at different rates, a GAN's discriminator and generator, report together).
#[derive(Debug)]
pub struct PendingMetrics {
    groups: Vec<(Vec<(&'static str, Tensor<1>)>, usize)>,
}

impl PendingMetrics {
    /// These metrics followed by `other`'s, read back in the same transaction.
    pub fn and(mut self, other: PendingMetrics) -> PendingMetrics {
        self.groups.extend(other.groups);
        self
    }

    /// Read every sum back in one transaction and divide each by its group's steps: the means
    /// over the steps since the last report. Empty when no step ran.
    pub async fn read(self) -> Result<Vec<Metric>> {
        let sums: Vec<(&'static str, &Tensor<1>, usize)> = self
            .groups
            .iter()
            .filter(|(_, steps)| *steps > 0)
            .flat_map(|(sums, steps)| sums.iter().map(move |(name, t)| (*name, t, *steps)))
            .collect();
        if sums.is_empty() {
            return Ok(Vec::new());
        }
        let tx = sums.iter().fold(Transaction::default(), |tx, (_, t, _)| {
            tx.register((*t).clone())
        });
        let data = tx.execute_async().read_back("metrics").await?;
        Ok(sums
            .iter()
            .zip(data)
            .map(|((name, _, steps), d)| Metric {
                name: name.to_string(),
                value: d.iter::<f64>().next().unwrap_or(f64::NAN) / *steps as f64,
            })
            .collect())
    }
}

/// One named scalar of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// `loss`, `accuracy`, ...
    pub name: String,
    /// The mean over the steps since the previous report.
    pub value: f64,
}

/// A training report, read once per render in the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The method's name.
    pub method: String,
    /// Steps taken since the last reset.
    pub step: u64,
    /// Steps covered by `metrics` (since the previous report).
    pub steps_in_report: u64,
    /// Training steps per second since the previous report, device work included.
    pub steps_per_second: f64,
    /// Means over the steps since the previous report; `loss` always comes first.
    pub metrics: Vec<Metric>,
}

impl Report {
    /// The metric called `name`.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}

/// Example images with the model's predictions, not read back yet.
#[derive(Debug)]
pub struct PendingExamples {
    /// `[count, channels, rows, cols]` in [0, 1].
    pub images: Tensor<4>,
    /// `[count, classes]` predicted probabilities.
    pub probabilities: Tensor<2>,
    /// The true class of each example (of the pretext task).
    pub truth: Vec<usize>,
    /// Names of the pretext classes (`0°`, `90°`, ...).
    pub class_names: Vec<String>,
}

impl PendingExamples {
    /// Read the images and predictions back in one transaction.
    pub async fn read(self) -> Result<Examples> {
        let (images, probs) =
            read_with_probabilities(self.images, self.probabilities, "examples").await?;
        let items = best_of_rows(&probs, self.class_names.len())
            .into_iter()
            .zip(self.truth)
            .map(|((predicted, confidence), truth)| Example {
                truth,
                predicted,
                confidence: confidence as f64,
            })
            .collect();
        Ok(Examples {
            images,
            class_names: self.class_names,
            items,
            probabilities: probs,
        })
    }
}

/// Image values in [0, 1] as bytes (0 = black), for drawing.
pub fn image_bytes(data: &burn::tensor::TensorData) -> Vec<u8> {
    data.iter::<f32>()
        .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect()
}

/// Example images ready to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Examples {
    /// The images (`rows`, `cols`, `channels`, `pixels` in the page's object).
    #[serde(flatten)]
    pub images: Pixels,
    /// Names of the classes `truth` and `predicted` index.
    pub class_names: Vec<String>,
    /// One per image.
    pub items: Vec<Example>,
    /// Every image's predicted probability of every class, row by row (`count * classes`): the
    /// contrastive widgets draw it as a heat map.
    pub probabilities: Vec<f32>,
}

/// One example's truth and prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The true class.
    pub truth: usize,
    /// The arg-max class.
    pub predicted: usize,
    /// The predicted class's probability.
    pub confidence: f64,
}

/// What an evaluation measured (each method fills the parts it has).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Evaluation {
    /// Pretext-task accuracy on the held-out images, if the method has a pretext classifier.
    pub pretext_accuracy: Option<f64>,
    /// The linear probe of the trained encoder against a random-init encoder, if the method
    /// learns a representation.
    pub probe: Option<crate::eval::ProbeComparison>,
    /// Clustering scores against the true labels, if the method clusters.
    pub clustering: Option<ClusteringEvaluation>,
    /// Zero-shot captioning of unseen combinations, if the method reads captions (CLIP).
    pub zero_shot: Option<ZeroShotEvaluation>,
    /// Held-out reconstruction scores (and the ELBO), if the method encodes and decodes.
    pub generative: Option<GenerativeEvaluation>,
    /// A GAN's samples as a classifier of real images sees them.
    pub gan: Option<GanEvaluation>,
    /// A CycleGAN's held-out cycle and translation errors.
    pub cyclegan: Option<CycleGanEvaluation>,
    /// A language model's held-out bits per character.
    pub language: Option<LanguageEvaluation>,
    /// A PixelCNN's held-out bits per dimension.
    pub pixel: Option<PixelEvaluation>,
    /// A masked autoencoder's held-out error on the masked patches.
    pub mae: Option<MaeEvaluation>,
}

impl Evaluation {
    /// The evaluation of an encoder-decoder.
    pub fn generative(scores: GenerativeEvaluation) -> Self {
        Evaluation {
            generative: Some(scores),
            ..Evaluation::default()
        }
    }
}

/// How well a clustering matches the true classes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusterScore {
    /// Normalised mutual information (0 = unrelated, 1 = the classes up to renaming).
    pub nmi: f64,
    /// Fraction of points in the majority class of their cluster.
    pub purity: f64,
}

/// A clustering method's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusteringEvaluation {
    /// k-means on raw pixels of the same images, same k: the baseline.
    pub pixels: ClusterScore,
    /// k-means on the current encoder's features (measured by a full evaluation only).
    pub features: Option<ClusterScore>,
    /// The step the evaluation was taken at.
    pub step: u64,
    /// Each round's clustering (the pseudo-labels it trained on), oldest first.
    pub rounds: Vec<RoundScore>,
}

/// The clustering one round trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoundScore {
    /// The step at which the round clustered.
    pub step: u64,
    /// Its score.
    pub score: ClusterScore,
}

/// Every part measured, one line each, as the CLI prints it.
impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = Vec::new();
        if let Some(acc) = self.pretext_accuracy {
            lines.push(format!("held-out pretext accuracy: {:.2}%", 100.0 * acc));
        }
        let parts: [Option<&dyn fmt::Display>; 9] = [
            self.probe.as_ref().map(|p| p as _),
            self.clustering.as_ref().map(|p| p as _),
            self.zero_shot.as_ref().map(|p| p as _),
            self.gan.as_ref().map(|p| p as _),
            self.language.as_ref().map(|p| p as _),
            self.pixel.as_ref().map(|p| p as _),
            self.mae.as_ref().map(|p| p as _),
            self.cyclegan.as_ref().map(|p| p as _),
            self.generative.as_ref().map(|p| p as _),
        ];
        lines.extend(parts.into_iter().flatten().map(|part| part.to_string()));
        write!(f, "{}", lines.join("\n"))
    }
}

impl fmt::Display for ClusterScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NMI {:.3}, purity {:.1}%", self.nmi, 100.0 * self.purity)
    }
}

/// The baseline, each round, and the features when measured, one line each.
impl fmt::Display for ClusteringEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k-means on raw pixels: {}", self.pixels)?;
        for r in &self.rounds {
            write!(f, "\n  round at step {:>5}: {}", r.step, r.score)?;
        }
        if let Some(features) = &self.features {
            write!(f, "\nk-means on the trained encoder's features: {features}")?;
        }
        Ok(())
    }
}
