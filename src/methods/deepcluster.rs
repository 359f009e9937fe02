//! DeepCluster (Caron et al. 2018): clustering as the pretext task.
//!
//! The loop, one round at a time:
//! 1. encode a fixed set of training images with the current encoder;
//! 2. cluster the features with k-means (on the device);
//! 3. use the cluster of each image as its pseudo-label, and train the encoder with a fresh
//!    classification head on those labels for a number of steps;
//! 4. repeat: better features give better clusters, which give better labels.
//!
//! Two details from the paper: the head is re-initialised every round (the cluster numbering of a
//! new round has nothing to do with the last one), and an empty cluster is restarted so k-means
//! cannot collapse into a few giant clusters ([`crate::eval::cluster::kmeans`]). The features are
//! standardised and L2-normalised before clustering (the paper PCA-whitens them to 256 dims; our
//! encoder has only 64).
//!
//! Round 0 clusters the features of the random-init encoder; the evaluation scores every round's
//! clustering against the true labels (NMI, purity) next to k-means on raw pixels.

use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::trainer::trained_by;
use super::{
    ClusterScore, ClusteringEvaluation, Evaluation, MAX_BATCH_SIZE, Method, PendingExamples,
    RoundScore, Trainer, validate_batch_size, validate_learning_rate, validate_range,
};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::transforms::random_shift;
use crate::data::{BatchSampler, DatasetName, DeviceImages, index_tensor};
use crate::eval::cluster::read_labels;
use crate::eval::{
    ProbeConfig, Representation, compare_with_random_init, conv_representation, encode_all, kmeans,
    nmi, purity,
};
use crate::nn::{ConvEncoder, ConvEncoderConfig, MlpHead, MlpHeadConfig};
use crate::record::{Part, Saved};
use crate::{Error, Result};

/// Most clusters a round may make.
pub const MAX_CLUSTERS: usize = 500;
/// Rounds whose clusterings are kept for the evaluation (the oldest are dropped first).
const KEPT_ROUNDS: usize = 100;

/// Hyperparameters of DeepCluster. Missing fields take the defaults below; unknown ones are
/// refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct DeepClusterConfig {
    /// Dataset to train on.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// `k`: clusters per round. More clusters than classes is the paper's choice (it found
    /// over-segmentation helps); 10 lets the NMI be read against the 10 classes directly.
    #[default(10)]
    pub clusters: usize,
    /// Training images clustered each round (the first ones of the training part); the
    /// pseudo-labelled training steps draw from them.
    #[default(2000)]
    pub images: usize,
    /// Training steps between two clusterings.
    #[default(50)]
    pub steps_per_round: usize,
    /// Lloyd iterations of each k-means.
    #[default(20)]
    pub kmeans_iterations: usize,
    /// Largest random shift, in pixels, of a training image (the augmentation; 0 = none).
    #[default(2)]
    pub max_shift: usize,
    /// Images per step.
    #[default(32)]
    pub batch_size: usize,
    /// Adam's learning rate.
    // Measured (40 s on MNIST): 3e-4 and 1e-3 leave the clusters where round 0 put them.
    #[default(3e-3)]
    pub learning_rate: f64,
    /// Seed of the weight init, the batch order and the k-means starts.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl DeepClusterConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["clusters"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        let train = data.train.len();
        if self.images < 2 || self.images > train {
            return Err(Error::config(
                "images",
                format!(
                    "must be between 2 and the {train} training images, got {}",
                    self.images
                ),
            ));
        }
        let max = MAX_CLUSTERS.min(self.images);
        if self.clusters < 1 || self.clusters > max {
            return Err(Error::config(
                "clusters",
                format!(
                    "must be between 1 and {max} (at most {MAX_CLUSTERS}, and no more than the {} images clustered), got {}",
                    self.images, self.clusters
                ),
            ));
        }
        for (field, value) in [
            ("steps_per_round", self.steps_per_round),
            ("kmeans_iterations", self.kmeans_iterations),
        ] {
            validate_range(field, value, 1, 10_000)?;
        }
        if self.max_shift > 8 {
            return Err(Error::config(
                "max_shift",
                format!("must be at most 8 pixels, got {}", self.max_shift),
            ));
        }
        validate_batch_size(
            "batch_size",
            self.batch_size,
            MAX_BATCH_SIZE.min(self.images),
            data,
        )?;
        validate_learning_rate("learning_rate", self.learning_rate)
    }
}

/// The encoder and the current round's head.
#[derive(Module, Debug)]
pub struct DeepClusterNet {
    /// The shared encoder (what the probe evaluates).
    pub encoder: ConvEncoder,
    /// Pseudo-label classifier, re-initialised every round.
    pub head: MlpHead,
}

impl DeepClusterNet {
    /// Cluster logits.
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    /// - output: `[batch, clusters]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.head.forward(self.encoder.forward(images))
    }
}

/// Features as k-means sees them: standardised per dimension, then scaled to unit length.
///
/// # Shapes
/// - features: `[n, d]`, output: `[n, d]`
pub fn clustering_features(features: Tensor<2>) -> Tensor<2> {
    let mean = features.clone().mean_dim(0);
    let std = features.clone().var(0).sqrt() + 1e-6;
    let x = (features - mean) / std;
    let norm = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    x / norm
}

/// One round's clustering.
struct Round {
    /// The pseudo-label of each clustered image, `[images]`.
    assignments: Tensor<1, Int>,
    /// `[k, d]`.
    centroids: Tensor<2>,
    /// The features that were clustered, `[images, d]` (kept so the widget's samples show the
    /// clusters as they were made, without encoding every image again).
    features: Tensor<2>,
}

/// A DeepCluster training session's state.
pub struct DeepCluster {
    config: DeepClusterConfig,
    data: TrainingData,
    /// The images clustered each round (the first `config.images` training images).
    images: DeviceImages,
    device: Device,
    net: Trainer<DeepClusterNet>,
    sampler: BatchSampler,
    rng: StdRng,
    /// The current round's clustering (its pseudo-labels), once the first round ran.
    round: Option<Round>,
    /// Every kept round's clustering (step at which it was made, assignments).
    history: Vec<(u64, Tensor<1, Int>)>,
    /// k-means on the raw pixels of the same images, same k: the baseline. Enqueued with the
    /// first round, not at creation: on the CPU backend in a page it takes seconds, and a widget
    /// that is only looked at must not block the page.
    on_pixels: Option<Tensor<1, Int>>,
}

impl DeepCluster {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: DeepClusterConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        device.seed(config.seed);
        let encoder = encoder_config().init(&device);
        let images = DeviceImages {
            images: data.train.range(0, config.images),
            labels: data.train.labels[..config.images].to_vec(),
        };
        DeepCluster {
            on_pixels: None,
            net: Trainer::new(DeepClusterNet {
                encoder,
                head: new_head(config.clusters, &device),
            })
            .with_gradient_clip(config.gradient_clip),
            sampler: BatchSampler::new(config.images, config.seed),
            rng: StdRng::seed_from_u64(config.seed ^ 0xC1u64),
            round: None,
            history: Vec::new(),
            images,
            data,
            device,
            config,
        }
    }

    /// Steps 1-2 of the loop: encode, cluster, keep the assignments as pseudo-labels; then a
    /// fresh head and optimizer for the new labels. Enqueued only.
    fn recluster(&mut self) {
        if self.on_pixels.is_none() {
            self.on_pixels = Some(self.pixel_kmeans());
        }
        let features = clustering_features(encode_all(
            &self.net.model.encoder.valid(),
            &self.images,
            self.images.len(),
        ));
        let clustering = kmeans(
            features.clone(),
            self.config.clusters,
            self.config.kmeans_iterations,
            &mut self.rng,
        );
        self.history
            .push((self.net.steps(), clustering.assignments.clone()));
        if self.history.len() > KEPT_ROUNDS {
            self.history.remove(0);
        }
        self.round = Some(Round {
            assignments: clustering.assignments,
            centroids: clustering.centroids,
            features,
        });
        self.net.model.head = new_head(self.config.clusters, &self.device);
        self.net.reset_optimizer();
    }

    /// Whether a round starts now: before the first step, then every `steps_per_round` steps
    /// (once: the widget's examples may have clustered at this step already).
    fn clustering_due(&self) -> bool {
        match self.history.last() {
            None => true,
            Some(&(at, _)) => {
                at != self.net.steps()
                    && self
                        .net
                        .steps()
                        .is_multiple_of(self.config.steps_per_round as u64)
            }
        }
    }

    /// k-means on the raw pixels of the clustered images (same k, iterations; its own seed).
    fn pixel_kmeans(&self) -> Tensor<1, Int> {
        let n = self.images.len();
        let pixels = self
            .images
            .images
            .clone()
            .without_autodiff()
            .reshape([n as i32, -1]);
        let mut rng = StdRng::seed_from_u64(self.config.seed ^ 0x91C5);
        kmeans(
            pixels,
            self.config.clusters,
            self.config.kmeans_iterations,
            &mut rng,
        )
        .assignments
    }

    /// The true labels of the clustered images (evaluation only).
    fn truth(&self) -> Vec<usize> {
        self.images.labels.iter().map(|&l| l as usize).collect()
    }

    /// Every kept round's clustering and k-means on pixels, scored; features left for
    /// [`Method::evaluate`].
    fn scores(&self) -> LocalFuture<Result<ClusteringEvaluation>> {
        let truth = self.truth();
        let history = self.history.clone();
        let on_pixels = self
            .on_pixels
            .clone()
            .unwrap_or_else(|| self.pixel_kmeans());
        let step = self.net.steps();
        Box::pin(async move {
            let pixels = score(&truth, &read_labels(on_pixels).await?);
            let mut rounds = Vec::with_capacity(history.len());
            for (at, assignments) in history {
                rounds.push(RoundScore {
                    step: at,
                    score: score(&truth, &read_labels(assignments).await?),
                });
            }
            Ok(ClusteringEvaluation {
                pixels,
                features: None,
                step,
                rounds,
            })
        })
    }

    /// Rounds started so far.
    pub fn round(&self) -> u64 {
        self.net
            .steps()
            .div_ceil(self.config.steps_per_round as u64)
    }
}

/// The shared encoder, keeping a 3x3 grid of its last feature map instead of one global average:
/// k-means on globally averaged features of a random-init encoder finds almost nothing (measured:
/// NMI 0.24 on MNIST against 0.50 on raw pixels), so the first pseudo-labels would be noise and
/// the loop has nothing to bootstrap from. With the grid, where a stroke is survives.
pub fn encoder_config() -> ConvEncoderConfig {
    ConvEncoderConfig::new().with_pooled(3)
}

fn score(truth: &[usize], predicted: &[usize]) -> ClusterScore {
    ClusterScore {
        nmi: nmi(truth, predicted),
        purity: purity(truth, predicted),
    }
}

fn new_head(clusters: usize, device: &Device) -> MlpHead {
    MlpHeadConfig::new(encoder_config().feature_dim(), clusters).init(device)
}

impl Method for DeepCluster {
    trained_by!(net, progress);

    fn train_step(&mut self) {
        if self.clustering_due() {
            self.recluster();
        }
        let Some(Round {
            assignments: labels,
            ..
        }) = &self.round
        else {
            return;
        };
        // Step 3: a pseudo-labelled classification step on the clustered images.
        let indices = self.sampler.next_batch(self.config.batch_size);
        let idx = index_tensor(&indices, &self.device);
        // Random shifts: the network must give an image and its shifted copy the same
        // cluster, so it cannot fit the pseudo-labels by memorising pixels.
        let images = random_shift(
            self.images.images.clone().select(0, idx.clone()),
            self.config.max_shift,
            &mut self.rng,
        );
        let targets = labels.clone().select(0, idx);
        let logits = self.net.model.forward(images);
        self.net
            .classify(self.config.learning_rate, logits, targets);
    }

    /// Samples of the current clusters: for the first clusters, the images nearest to each
    /// centroid, cluster by cluster (`truth` = the cluster, `predicted` = the head's class;
    /// class names `cluster 0`, ...). Before the first round, the first clustering is made.
    fn examples(&mut self, count: usize) -> Result<PendingExamples> {
        if self.round.is_none() {
            self.recluster();
        }
        let k = self.config.clusters;
        // Show up to 8 clusters (never more images than asked for), as many images each as
        // `count` allows.
        let shown = k.min(8).min(count.max(1));
        let per_cluster = (count / shown)
            .clamp(1, self.images.len() / k.max(1))
            .max(1);
        let (features, centroids) = self
            .round
            .as_ref()
            .map(|r| (r.features.clone(), r.centroids.clone().without_autodiff()))
            .expect("recluster() above made a round");
        // Cosine similarity of each image to each centroid; the top `per_cluster` of each column.
        let sims = features.matmul(centroids.narrow(0, 0, shown).transpose()); // [n, shown]
        let (_, nearest) = sims.topk_with_indices(per_cluster, 0); // [per_cluster, shown]
        let order = nearest.transpose().reshape([shown * per_cluster]); // cluster by cluster
        let images = self
            .images
            .images
            .clone()
            .without_autodiff()
            .select(0, order);
        let probabilities = softmax(self.net.model.valid().forward(images.clone()), 1);
        Ok(PendingExamples {
            images,
            probabilities,
            truth: (0..shown * per_cluster).map(|i| i / per_cluster).collect(),
            class_names: (0..k).map(|c| format!("cluster {c}")).collect(),
        })
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.net.model.valid();
        let data = self.data.clone();
        let scores = self.scores();
        // k-means on the current encoder's features (what the next round would start from).
        let current = {
            let features =
                clustering_features(encode_all(&model.encoder, &self.images, self.images.len()));
            let mut rng = StdRng::seed_from_u64(self.config.seed ^ 0xF3A7);
            kmeans(
                features,
                self.config.clusters,
                self.config.kmeans_iterations,
                &mut rng,
            )
            .assignments
        };
        let truth = self.truth();
        Box::pin(async move {
            let mut clustering = scores.await?;
            let current = read_labels(current).await?;
            clustering.features = Some(score(&truth, &current));
            let probe = compare_with_random_init(
                &model.encoder,
                &encoder_config(),
                &data,
                &ProbeConfig::default(),
            )
            .await?;
            Ok(Evaluation {
                probe: Some(probe),
                clustering: Some(clustering),
                ..Evaluation::default()
            })
        })
    }

    fn clustering(&self) -> Option<LocalFuture<Result<ClusteringEvaluation>>> {
        Some(self.scores())
    }

    fn representation(&self, grid: usize) -> Option<Box<dyn Representation>> {
        Some(conv_representation(&self.net.model.encoder, grid))
    }

    fn save(&self) -> LocalFuture<Result<Vec<Part>>> {
        self.net.save()
    }

    fn load(&mut self, checkpoint: &Saved<'_>) -> Result<()> {
        self.net.load(checkpoint)?;
        // The rounds clustered the old encoder's features: the next step clusters the loaded
        // one's (and re-initialises the head, as every round does).
        self.round = None;
        self.history.clear();
        Ok(())
    }
}
