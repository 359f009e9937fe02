//! CLIP (Radford et al. 2021), on captioned shapes: learn an image encoder and a text encoder
//! together, so that an image and its caption land on the same direction.
//!
//! Each step draws images of `batch_size` different captions ("a small red circle at the top
//! left", see [`crate::data::shapes`]), embeds the images (the shared conv encoder, 3 input
//! channels, and a projection head) and the captions (a bag of words: one learned vector per
//! word, summed), and asks every image to pick its own caption among the batch's captions and
//! every caption its image (the symmetric InfoNCE loss, the same core as SimCLR and MoCo).
//!
//! The text encoder is deliberately a bag of words: the captions are short, their word order
//! carries nothing a bag loses here, and the lecture's takeaway is that on such data a bag of
//! words does as well as a transformer at a fraction of the cost. Because a caption's embedding
//! is the sum of its words', a caption never seen in training ("a red circle": red things and
//! circles were seen, never together) still has an embedding: zero-shot classification asks
//! whether the image side composes colour and shape the same way.
//!
//! Unlike CLIP, the temperature is a fixed control rather than learned, so the lecture's knob is
//! visible; and every batch has distinct captions (with only 96 training captions, a random
//! batch of 64 would hold about 20 pairs of images with the same caption, each a false negative).

use std::fmt;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::images::{Pixels, best_of_rows, read_with_probabilities};
use super::simclr::validate_projection;
use super::trainer::trained_by;
use super::validate::{MAX_EXAMPLES, validate_count};
use super::views::validate_temperature;
use super::{Evaluation, Method, PendingExamples, Trainer, validate_learning_rate};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::data::shapes::{
    COLOURS, CaptionedShapes, SHAPES, ShapeCaption, bag_of_words, vocabulary,
};
use crate::data::{DeviceImages, index_tensor};
use crate::losses::{accuracy, cosine_logits, symmetric_info_nce};
use crate::nn::{Embedder, EmbedderConfig};
use crate::readback::ReadBack;
use crate::{Error, Result};

/// Training images rendered per training caption (96 captions: 3,072 images).
pub const TRAIN_PER_CAPTION: usize = 32;
/// Evaluation images per held-out caption (32 captions: 256 images).
pub const HELD_OUT_PER_CAPTION: usize = 8;
/// Evaluation images per training caption, fresh ones (96 captions: 192 images).
pub const SEEN_PER_CAPTION: usize = 2;
/// Most candidate captions one zero-shot call may take.
pub const MAX_CANDIDATES: usize = 32;
/// Seeds of the evaluation images: fixed, so evaluations of different runs compare.
const HELD_OUT_SEED: u64 = 0xC11F_0001;
const SEEN_SEED: u64 = 0xC11F_0002;

/// Hyperparameters of CLIP. Missing fields take the defaults below; unknown ones are refused.
/// There is no `dataset`: CLIP draws its own captioned shapes from the seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct ClipConfig {
    /// Image-caption pairs per step, all with different captions (at most the 96 training
    /// captions); each image has `batch_size - 1` wrong captions to beat.
    #[default(64)]
    pub batch_size: usize,
    /// Softmax temperature of the symmetric InfoNCE loss. Measured (1,000 steps, seeds 1-5,
    /// held-out pairs among the 16 shape-colour captions): 0.05 gave 81.6-94.5% (seed 42:
    /// 97.3%; its exact caption among 128: 94.9% at 0.05 against 84.0% at 0.1);
    /// CLIP's linear projection instead of the shared MLP head gave 82.8-99.2% at 0.05 and
    /// 78.5-99.6% at 0.1. Seeds move these numbers more than the settings do.
    #[default(0.05)]
    pub temperature: f64,
    /// Adam's learning rate.
    #[default(1e-3)]
    pub learning_rate: f64,
    /// Size of the shared embedding images and captions are compared in.
    #[default(64)]
    pub embedding: usize,
    /// Seed of the weight init, the training images and the batch order.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl ClipConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["embedding"];

    /// Check every field; the error names the field.
    pub fn validate(&self) -> Result<()> {
        let captions = ShapeCaption::split(false).len();
        if self.batch_size < 2 || self.batch_size > captions {
            return Err(Error::config(
                "batch_size",
                format!(
                    "must be between 2 and {captions} (a batch holds different captions, and \
                     there are {captions} training captions), got {}",
                    self.batch_size
                ),
            ));
        }
        validate_temperature("temperature", self.temperature)?;
        validate_learning_rate("learning_rate", self.learning_rate)?;
        validate_projection("embedding", self.embedding)
    }
}

/// The two encoders.
#[derive(Module, Debug)]
pub struct ClipModel {
    /// Images to the embedding: the shared conv encoder (3 input channels) and a projection.
    pub image: Embedder,
    /// Captions to the embedding: a linear map of the word counts, i.e. one learned vector per
    /// word, summed over the caption's words (plus a bias).
    pub text: Linear,
}

impl ClipModel {
    fn new(embedding: usize, device: &Device) -> Self {
        ClipModel {
            image: EmbedderConfig::new()
                .with_in_channels(3)
                .with_projection(embedding)
                .init(device),
            text: LinearConfig::new(vocabulary().len(), embedding).init(device),
        }
    }

    /// # Shapes
    /// - images: `[n, 3, 28, 28]`
    /// - output: `[n, embedding]`
    pub fn encode_images(&self, images: Tensor<4>) -> Tensor<2> {
        self.image.forward(images)
    }

    /// # Shapes
    /// - bags: `[n, vocabulary]` word counts (see [`bag_of_words`])
    /// - output: `[n, embedding]`
    pub fn encode_texts(&self, bags: Tensor<2>) -> Tensor<2> {
        self.text.forward(bags)
    }
}

/// The captioned images on the device, drawn once per session.
#[derive(Debug, Clone)]
struct ClipData {
    /// The training captions (those of [`ShapeCaption::split`]`(false)`), in order.
    captions: Vec<ShapeCaption>,
    /// [`TRAIN_PER_CAPTION`] images of each, in rounds (image `k * 96 + c` shows caption `c`).
    train: DeviceImages,
    /// Images of the held-out captions, in rounds.
    held_out: DeviceImages,
    /// Fresh images of the training captions, in rounds.
    seen: DeviceImages,
    /// The bag of words of every caption, in [`ShapeCaption::all`] order: `[128, vocabulary]`.
    bags: Tensor<2>,
}

impl ClipData {
    fn new(seed: u64, device: &Device) -> Self {
        let captions = ShapeCaption::split(false);
        let render = |captions: &[ShapeCaption], per, seed| {
            CaptionedShapes::render(captions, per, seed).upload(device)
        };
        let all = ShapeCaption::all();
        let bags: Vec<f32> = all
            .iter()
            .flat_map(|c| bag_of_words(&c.text()).expect("every caption uses known words"))
            .collect();
        ClipData {
            train: render(&captions, TRAIN_PER_CAPTION, seed),
            held_out: render(
                &ShapeCaption::split(true),
                HELD_OUT_PER_CAPTION,
                HELD_OUT_SEED,
            ),
            seen: render(&captions, SEEN_PER_CAPTION, SEEN_SEED),
            bags: Tensor::from_data(
                TensorData::new(bags, [all.len(), vocabulary().len()]),
                device,
            ),
            captions,
        }
    }

    /// The bags of words of the captions at `indices` of [`ShapeCaption::all`].
    ///
    /// # Shapes
    /// - output: `[indices.len(), vocabulary]`
    fn bags_of(&self, indices: &[usize]) -> Tensor<2> {
        let idx = index_tensor(indices, &self.bags.device());
        self.bags.clone().select(0, idx)
    }
}

/// A CLIP training session's state.
pub struct Clip {
    config: ClipConfig,
    net: Trainer<ClipModel>,
    data: ClipData,
    rng: StdRng,
    examples_rng: StdRng,
}

impl Clip {
    /// A fresh session; `config` must have been validated. Renders and uploads the images.
    pub fn new(config: ClipConfig, compute: &Compute) -> Self {
        let data = ClipData::new(config.seed, &compute.device);
        let device = compute.device.clone().autodiff();
        device.seed(config.seed);
        Clip {
            net: Trainer::new(ClipModel::new(config.embedding, &device))
                .with_gradient_clip(config.gradient_clip),
            rng: StdRng::seed_from_u64(config.seed ^ 0xC11F),
            examples_rng: StdRng::seed_from_u64(config.seed ^ 0xE8A),
            data,
            config,
        }
    }

    /// One step on a given batch: embed images and captions, symmetric InfoNCE, backward, Adam.
    /// Enqueues work only; the loss and the accuracy (the share of images whose most similar
    /// caption in the batch is their own) stay on the device.
    ///
    /// # Shapes
    /// - images: `[batch, 3, 28, 28]`; bags: `[batch, vocabulary]`, row `i` the caption of
    ///   image `i`
    pub fn train_on(&mut self, images: Tensor<4>, bags: Tensor<2>) {
        let model = &self.net.model;
        let image = model.encode_images(images.autodiff()); // [b, e]
        let text = model.encode_texts(bags.autodiff()); // [b, e]
        let own = Tensor::<1, Int>::arange(0..image.dims()[0] as i64, &image.device());
        let logits = cosine_logits(image.clone().detach(), text.clone().detach(), 1.0);
        let acc = accuracy(logits, own);
        let loss = symmetric_info_nce(image, text, self.config.temperature);
        self.net
            .minimize(self.config.learning_rate, loss, [("accuracy", acc)]);
    }

    /// The next batch: images of `batch_size` different training captions, a random image of
    /// each, with their captions' bags of words.
    fn next_batch(&mut self) -> (Tensor<4>, Tensor<2>) {
        let captions = self.data.captions.len();
        let slots = rand::seq::index::sample(&mut self.rng, captions, self.config.batch_size);
        let mut images = Vec::with_capacity(slots.len());
        let mut texts = Vec::with_capacity(slots.len());
        for slot in slots {
            let round = self.rng.random_range(0..TRAIN_PER_CAPTION);
            images.push(round * captions + slot);
            texts.push(self.data.captions[slot].index());
        }
        (self.data.train.batch(&images), self.data.bags_of(&texts))
    }
}

impl Clip {
    /// Each image's softmax over the captions `bags` at the config's temperature.
    ///
    /// # Shapes
    /// - images: `[n, 3, 28, 28]`, bags: `[captions, vocabulary]`
    /// - output: `[n, captions]`
    fn caption_probabilities(
        &self,
        model: &ClipModel,
        images: Tensor<4>,
        bags: Tensor<2>,
    ) -> Tensor<2> {
        let logits = cosine_logits(
            model.encode_images(images),
            model.encode_texts(bags),
            self.config.temperature,
        );
        softmax(logits, 1)
    }

    /// Held-out images (of shape-colour pairs never trained on) classified by `candidates`,
    /// captions a user typed (see [`ZeroShot`]).
    pub fn zero_shot(&self, candidates: &[String], count: usize) -> Result<PendingZeroShot> {
        validate_count("count", count, MAX_EXAMPLES)?;
        if candidates.is_empty() || candidates.len() > MAX_CANDIDATES {
            return Err(Error::config(
                "captions",
                format!(
                    "give between 1 and {MAX_CANDIDATES} candidate captions, got {}",
                    candidates.len()
                ),
            ));
        }
        let bags = candidates
            .iter()
            .enumerate()
            .map(|(i, text)| {
                bag_of_words(text).map_err(|e| match e {
                    Error::Config { message, .. } => {
                        Error::config(format!("captions[{i}]"), message)
                    }
                    other => other,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // The same images every call (one of each held-out caption, in a fixed shuffled order),
        // so a student can edit the captions and compare.
        let held = &self.data.held_out;
        let mut order: Vec<usize> = (0..ShapeCaption::split(true).len()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(HELD_OUT_SEED));
        order.truncate(count.clamp(1, order.len()));
        let images = held.batch(&order);
        let model = self.net.model.valid();
        let words = vocabulary().len();
        let bags = Tensor::from_data(
            TensorData::new(bags.concat(), [candidates.len(), words]),
            &self.data.bags.device(),
        );
        Ok(PendingZeroShot {
            probabilities: self.caption_probabilities(&model, images.clone(), bags),
            images,
            candidates: candidates.to_vec(),
            captions: order
                .iter()
                .map(|&i| ShapeCaption::from_index(held.labels[i] as usize))
                .collect(),
        })
    }
}

impl Method for Clip {
    trained_by!(net);

    fn train_step(&mut self) {
        let (images, bags) = self.next_batch();
        self.train_on(images, bags);
    }

    /// `count` images (at most 32) of different captions, the first half of held-out pairs,
    /// the rest of training pairs; each image's softmax over the `count` captions at the
    /// temperature: the N x N image-caption matrix, its diagonal the right captions.
    fn examples(&mut self, count: usize) -> Result<PendingExamples> {
        let count = count.clamp(2, 32);
        let data = &self.data;
        let rng = &mut self.examples_rng;
        let held_captions = ShapeCaption::split(true).len();
        let held = pick(rng, &data.held_out, held_captions, count / 2);
        let seen = pick(rng, &data.seen, data.captions.len(), count - count / 2);
        let labels = |set: &DeviceImages, picked: &[usize]| -> Vec<usize> {
            picked.iter().map(|&i| set.labels[i] as usize).collect()
        };
        let captions = [labels(&data.held_out, &held), labels(&data.seen, &seen)].concat();
        let images = Tensor::cat(vec![data.held_out.batch(&held), data.seen.batch(&seen)], 0);
        let model = self.net.model.valid();
        let bags = data.bags_of(&captions);
        Ok(PendingExamples {
            probabilities: self.caption_probabilities(&model, images.clone(), bags),
            images,
            truth: (0..captions.len()).collect(),
            class_names: captions
                .iter()
                .map(|&c| ShapeCaption::from_index(c).text())
                .collect(),
        })
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.net.model.valid();
        let data = self.data.clone();
        Box::pin(async move {
            let zero_shot = zero_shot_evaluation(&model, &data).await?;
            Ok(Evaluation {
                zero_shot: Some(zero_shot),
                ..Evaluation::default()
            })
        })
    }
}

/// `count` random images of `set` with different captions (at most one per caption). The set
/// is rendered in rounds of `captions` images, one per caption (see
/// [`CaptionedShapes::render`]): image `round * captions + c` shows caption `c`.
fn pick(rng: &mut StdRng, set: &DeviceImages, captions: usize, count: usize) -> Vec<usize> {
    let rounds = set.len() / captions;
    rand::seq::index::sample(rng, captions, count.min(captions))
        .into_iter()
        .map(|c| rng.random_range(0..rounds) * captions + c)
        .collect()
}

/// How well CLIP captions images it never saw, measured by [`Method::evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZeroShotEvaluation {
    /// Images of the held-out shape-colour pairs, each captioned by the most similar of all 128
    /// captions: the share whose pick is exactly their caption (chance 1 / 128).
    pub held_out_captions: f64,
    /// The same images classified by the 16 captions "a {colour} {shape}": the share right
    /// (chance 1 / 16). Four of the 16 never occurred in training.
    pub held_out_pairs: f64,
    /// Of the held-out images' picks among the 128 captions, the share with the right shape,
    /// colour, position and size: where the mistakes are.
    pub held_out_attributes: AttributeAccuracy,
    /// Fresh images of the training combinations, exact caption among all 128: the same task
    /// on combinations the model has seen.
    pub seen_captions: f64,
    /// Held-out images scored.
    pub held_out_images: usize,
    /// Images of seen combinations scored.
    pub seen_images: usize,
}

/// The share of picked captions with each attribute right.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AttributeAccuracy {
    /// The shape.
    pub shape: f64,
    /// The colour.
    pub colour: f64,
    /// The position.
    pub position: f64,
    /// The size.
    pub size: f64,
}

/// Zero-shot scores of `model`: the held-out and seen images against every caption (and the
/// held-out ones against the 16 colour-shape captions), one read-back.
async fn zero_shot_evaluation(model: &ClipModel, data: &ClipData) -> Result<ZeroShotEvaluation> {
    let all = ShapeCaption::all();
    let texts = model.encode_texts(data.bags.clone()); // [128, e]
    let pairs: Vec<(usize, usize)> = (0..SHAPES.len())
        .flat_map(|s| (0..COLOURS.len()).map(move |c| (s, c)))
        .collect();
    let pair_bags: Vec<f32> = pairs
        .iter()
        .flat_map(|&(s, c)| {
            bag_of_words(&format!("a {} {}", COLOURS[c].0, SHAPES[s])).expect("known words")
        })
        .collect();
    let pair_bags = Tensor::from_data(
        TensorData::new(pair_bags, [pairs.len(), vocabulary().len()]),
        &data.bags.device(),
    );
    let pair_texts = model.encode_texts(pair_bags); // [16, e]
    let held = model.encode_images(data.held_out.images.clone()); // [256, e]
    let seen = model.encode_images(data.seen.images.clone()); // [192, e]
    let best = |images: Tensor<2>, texts: Tensor<2>| {
        let n = images.dims()[0];
        cosine_logits(images, texts, 1.0).argmax(1).reshape([n])
    };
    let read = Transaction::default()
        .register(best(held.clone(), texts.clone()))
        .register(best(held, pair_texts))
        .register(best(seen, texts))
        .execute_async()
        .read_back("zero-shot picks")
        .await?;
    let picks: Vec<Vec<usize>> = read
        .iter()
        .map(|d| d.iter::<i64>().map(|v| v.max(0) as usize).collect())
        .collect();
    let truth = |set: &DeviceImages| -> Vec<ShapeCaption> {
        set.labels
            .iter()
            .map(|&l| ShapeCaption::from_index(l as usize))
            .collect()
    };
    let (held_truth, seen_truth) = (truth(&data.held_out), truth(&data.seen));
    let share = |hits: usize, n: usize| hits as f64 / n.max(1) as f64;
    let held_picks: Vec<ShapeCaption> = picks[0].iter().map(|&i| all[i]).collect();
    let attribute = |same: fn(&ShapeCaption, &ShapeCaption) -> bool| {
        let hits = held_truth
            .iter()
            .zip(&held_picks)
            .filter(|(t, p)| same(t, p))
            .count();
        share(hits, held_truth.len())
    };
    Ok(ZeroShotEvaluation {
        held_out_captions: attribute(|t, p| t == p),
        held_out_pairs: share(
            held_truth
                .iter()
                .zip(&picks[1])
                .filter(|(t, p)| pairs[**p] == (t.shape, t.colour))
                .count(),
            held_truth.len(),
        ),
        held_out_attributes: AttributeAccuracy {
            shape: attribute(|t, p| t.shape == p.shape),
            colour: attribute(|t, p| t.colour == p.colour),
            position: attribute(|t, p| t.position == p.position),
            size: attribute(|t, p| t.size == p.size),
        },
        seen_captions: share(
            seen_truth
                .iter()
                .zip(&picks[2])
                .filter(|(t, p)| t.index() == **p)
                .count(),
            seen_truth.len(),
        ),
        held_out_images: held_truth.len(),
        seen_images: seen_truth.len(),
    })
}

/// Held-out images classified by typed candidate captions, not read back yet.
#[derive(Debug)]
pub struct PendingZeroShot {
    images: Tensor<4>,
    probabilities: Tensor<2>,
    candidates: Vec<String>,
    captions: Vec<ShapeCaption>,
}

impl PendingZeroShot {
    /// Read the images and the softmax back in one transaction.
    pub async fn read(self) -> Result<ZeroShot> {
        let (images, probabilities) =
            read_with_probabilities(self.images, self.probabilities, "zero-shot results").await?;
        let predicted: Vec<usize> = best_of_rows(&probabilities, self.candidates.len())
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let mut expected = Vec::with_capacity(predicted.len());
        for caption in &self.captions {
            let mut best: Option<(usize, usize)> = None;
            for (c, candidate) in self.candidates.iter().enumerate() {
                if let Some(words) = caption.fits(candidate)?
                    && best.is_none_or(|(_, w)| words > w)
                {
                    best = Some((c, words));
                }
            }
            expected.push(best.map(|(c, _)| c));
        }
        let scored = expected.iter().filter(|e| e.is_some()).count();
        let right = expected
            .iter()
            .zip(&predicted)
            .filter(|(e, p)| **e == Some(**p))
            .count();
        Ok(ZeroShot {
            images,
            candidates: self.candidates,
            captions: self.captions.iter().map(ShapeCaption::text).collect(),
            probabilities,
            predicted,
            expected,
            accuracy: (scored > 0).then(|| right as f64 / scored as f64),
        })
    }
}

/// Held-out images (shape-colour pairs CLIP never saw) classified by candidate captions a user
/// typed: what the widget's zero-shot panel draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZeroShot {
    /// The images, in colour (`rows`, `cols`, `channels`, `pixels` in the page's object).
    #[serde(flatten)]
    pub images: Pixels,
    /// The candidate captions, as typed.
    pub candidates: Vec<String>,
    /// Each image's own caption.
    pub captions: Vec<String>,
    /// Each image's softmax over the candidates, row by row (`count * candidates`).
    pub probabilities: Vec<f32>,
    /// Each image's pick (arg-max) among the candidates.
    pub predicted: Vec<usize>,
    /// The candidate each image should pick: the most specific one that is true of it (see
    /// [`ShapeCaption::fits`]; the first on a tie); `None` when no candidate is.
    pub expected: Vec<Option<usize>>,
    /// The share of images with an expected candidate that pick it (`None`: no image has one).
    pub accuracy: Option<f64>,
}

impl fmt::Display for ZeroShotEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.held_out_attributes;
        writeln!(
            f,
            "zero-shot on {} images of held-out shape-colour pairs: exact caption (of 128) {:.2}%, \
             shape-colour caption (of 16) {:.2}%; picked caption's shape {:.1}%, colour {:.1}%, \
             position {:.1}%, size {:.1}%",
            self.held_out_images,
            100.0 * self.held_out_captions,
            100.0 * self.held_out_pairs,
            100.0 * a.shape,
            100.0 * a.colour,
            100.0 * a.position,
            100.0 * a.size
        )?;
        write!(
            f,
            "exact caption (of 128) on {} fresh images of trained combinations: {:.2}%",
            self.seen_images,
            100.0 * self.seen_captions
        )
    }
}
