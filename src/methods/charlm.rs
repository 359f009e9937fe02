//! A character-level GPT: a tiny decoder-only transformer that reads text one character at a
//! time and predicts the next one (the lecture's autoregressive factorisation
//! p(x) = prod_i p(x_i | x_<i), live).
//!
//! The text is the book of Genesis in the King James Version (public domain, from Debian's
//! `bible-kjv`; `scripts/make_datasets.py` writes `www/data/genesis.txt`). It ships inside the
//! wasm (about 200 KB), so the method needs no dataset loaded, like CLIP. Its first 90% trains,
//! the last 10% is held out. The vocabulary is the characters of the whole text.
//!
//! The model: a token embedding plus a learned position embedding, `layers` causal
//! [`TransformerBlock`]s (the block shared with the masked autoencoder), a final layer norm and a
//! linear read-out to the vocabulary. Each step trains on `batch_size` random windows of
//! `context` characters, every position predicting its successor (cross-entropy, reported also
//! in bits per character, the unit of text compression: 8 bits would be plain ASCII, about 4.4 a
//! model that knows only how often each character occurs).

use std::fmt;

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::trainer::trained_by;
use super::{Evaluation, Method, Trainer, validate_learning_rate, validate_range};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::losses::cross_entropy;
use crate::nn::{TransformerBlock, TransformerBlockConfig};
use crate::readback::ReadFloats;
use crate::{Error, Result};

/// The shipped text.
pub const TEXT: &str = include_str!("../../www/data/genesis.txt");
/// Fraction of the text that trains (the rest is held out).
pub const TRAIN_FRACTION: f64 = 0.9;
/// The longest context.
pub const MAX_CONTEXT: usize = 256;
/// The widest embedding.
pub const MAX_EMBEDDING: usize = 512;
/// The most blocks.
pub const MAX_LAYERS: usize = 8;
/// The most characters one `sample` call writes.
pub const MAX_SAMPLE: usize = 2000;
/// Held-out windows the evaluation scores per device call.
const EVAL_CHUNK: usize = 32;

/// Hyperparameters of the character-level GPT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct CharLmConfig {
    /// Characters the model sees at once (and trains on per window).
    #[default(64)]
    pub context: usize,
    /// Width of the character vectors.
    #[default(64)]
    pub embedding: usize,
    /// Attention heads per block (`embedding` must be a multiple).
    #[default(4)]
    pub heads: usize,
    /// Transformer blocks.
    #[default(2)]
    pub layers: usize,
    /// Windows per step.
    #[default(32)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[default(3e-3)]
    pub learning_rate: f64,
    /// Seed of the weight init and the windows.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl CharLmConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    // `heads` changes no weight's shape, but weights trained with one split of the
    // embedding into heads mean nothing with another.
    pub const ARCHITECTURE: &'static [&'static str] = &["context", "embedding", "heads", "layers"];

    /// Check every field; the error names the field.
    pub fn validate(&self) -> Result<()> {
        validate_range("context", self.context, 2, MAX_CONTEXT)?;
        validate_range("embedding", self.embedding, 4, MAX_EMBEDDING)?;
        validate_range("heads", self.heads, 1, self.embedding)?;
        if !self.embedding.is_multiple_of(self.heads) {
            return Err(Error::config(
                "heads",
                format!(
                    "must divide the embedding ({}) evenly, got {}",
                    self.embedding, self.heads
                ),
            ));
        }
        validate_range("layers", self.layers, 1, MAX_LAYERS)?;
        validate_range("batch_size", self.batch_size, 1, 512)?;
        validate_learning_rate("learning_rate", self.learning_rate)
    }
}

/// The shipped text as character ids: the vocabulary, and the training and held-out parts.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The characters, sorted; a character's id is its index here.
    pub vocabulary: Vec<char>,
    /// The training part's ids.
    pub train: Vec<u32>,
    /// The held-out part's ids.
    pub held_out: Vec<u32>,
}

impl Corpus {
    /// `text` split into its first [`TRAIN_FRACTION`] and the rest.
    pub fn new(text: &str) -> Self {
        let mut vocabulary: Vec<char> = text.chars().collect();
        vocabulary.sort_unstable();
        vocabulary.dedup();
        let ids: Vec<u32> = text
            .chars()
            .map(|c| vocabulary.binary_search(&c).expect("in the vocabulary") as u32)
            .collect();
        let cut = (ids.len() as f64 * TRAIN_FRACTION) as usize;
        Corpus {
            vocabulary,
            held_out: ids[cut..].to_vec(),
            train: ids[..cut].to_vec(),
        }
    }

    /// The ids of `text`; a character outside the vocabulary is an error naming it and its
    /// position, and an empty text is refused.
    pub fn encode(&self, field: &str, text: &str) -> Result<Vec<u32>> {
        if text.is_empty() {
            return Err(Error::config(
                field,
                "is empty: type at least one character",
            ));
        }
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                self.vocabulary
                    .binary_search(&c)
                    .map(|id| id as u32)
                    .map_err(|_| {
                        Error::config(
                            field,
                            format!(
                                "character {i} ({c:?}) is not in the text's vocabulary: {:?}",
                                self.vocabulary.iter().collect::<String>()
                            ),
                        )
                    })
            })
            .collect()
    }
}

/// The network: embeddings, causal blocks, read-out.
#[derive(Module, Debug)]
pub struct CharGpt {
    tokens: Embedding,
    positions: Embedding,
    blocks: Vec<TransformerBlock>,
    norm: LayerNorm,
    head: Linear,
}

impl CharGpt {
    fn init(config: &CharLmConfig, vocabulary: usize, device: &Device) -> Self {
        let d = config.embedding;
        CharGpt {
            tokens: EmbeddingConfig::new(vocabulary, d).init(device),
            positions: EmbeddingConfig::new(config.context, d).init(device),
            blocks: (0..config.layers)
                .map(|_| TransformerBlockConfig::new(d, config.heads).init(device))
                .collect(),
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, vocabulary).init(device),
        }
    }

    /// Next-character logits at every position, and each block's attention weights.
    ///
    /// # Shapes
    /// - ids: `[batch, length]` with `length <= context`
    /// - output: (`[batch, length, vocabulary]`, per block `[batch, heads, length, length]`)
    pub fn forward(&self, ids: Tensor<2, Int>) -> (Tensor<3>, Vec<Tensor<4>>) {
        let [batch, length] = ids.dims();
        let positions = Tensor::<1, Int>::arange(0..length as i64, &ids.device())
            .reshape([1, length])
            .expand([batch, length]);
        let mut x = self.tokens.forward(ids) + self.positions.forward(positions); // [b, t, d]
        let mut weights = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            let (y, w) = block.forward(x, true);
            x = y;
            weights.push(w);
        }
        (self.head.forward(self.norm.forward(x)), weights)
    }
}

/// A character-level GPT session.
pub struct CharLm {
    config: CharLmConfig,
    corpus: Corpus,
    /// The training text's ids on the device (uploaded once).
    train: Tensor<1, Int>,
    device: Device,
    net: Trainer<CharGpt>,
    rng: StdRng,
}

impl CharLm {
    /// A fresh session on the shipped text; `config` must have been validated.
    pub fn new(config: CharLmConfig, compute: &Compute) -> Self {
        Self::with_corpus(config, Corpus::new(TEXT), compute)
    }

    /// A fresh session on `corpus` (the tests use a small one).
    pub fn with_corpus(config: CharLmConfig, corpus: Corpus, compute: &Compute) -> Self {
        let device = compute.device.clone().autodiff();
        device.seed(config.seed);
        let train = ids_tensor(&corpus.train, &device);
        CharLm {
            net: Trainer::new(CharGpt::init(&config, corpus.vocabulary.len(), &device))
                .with_gradient_clip(config.gradient_clip),
            rng: StdRng::seed_from_u64(config.seed),
            train,
            corpus,
            device,
            config,
        }
    }

    /// The text's characters and ids.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The network.
    pub fn net(&self) -> &CharGpt {
        &self.net.model
    }

    /// `batch_size` random windows of the training text: inputs and their next characters.
    ///
    /// # Shapes
    /// - output: (`[batch, context]`, `[batch, context]`)
    fn windows(&mut self) -> (Tensor<2, Int>, Tensor<2, Int>) {
        let (b, t) = (self.config.batch_size, self.config.context);
        let last_start = self.corpus.train.len() - t - 1;
        let starts: Vec<usize> = (0..b)
            .map(|_| self.rng.random_range(0..=last_start))
            .collect();
        let gather = |offset: usize| {
            let idx: Vec<i64> = starts
                .iter()
                .flat_map(|&s| (s + offset..s + offset + t).map(|i| i as i64))
                .collect();
            let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [b * t]), &self.device);
            self.train.clone().select(0, idx).reshape([b, t])
        };
        (gather(0), gather(1))
    }

    /// P(next character | the last `context` characters of `prompt`), over the vocabulary.
    pub fn next_char(&self, prompt: &str) -> Result<PendingNext> {
        let ids = self.corpus.encode("prompt", prompt)?;
        let context = &ids[ids.len().saturating_sub(self.config.context)..];
        let model = self.net.model.valid();
        let input = ids_tensor(context, &self.device.clone().without_autodiff())
            .reshape([1, context.len()]);
        let (logits, _) = model.forward(input);
        let last = logits
            .narrow(1, context.len() - 1, 1)
            .reshape([self.corpus.vocabulary.len()]);
        Ok(PendingNext {
            probabilities: softmax(last, 0),
            vocabulary: self.corpus.vocabulary.clone(),
        })
    }
}

/// Character ids as an Int tensor on `device`.
///
/// # Shapes
/// - output: `[ids.len()]`
fn ids_tensor(ids: &[u32], device: &Device) -> Tensor<1, Int> {
    let values: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(values, [ids.len()]), device)
}

/// Next-character probabilities still on the device.
pub struct PendingNext {
    probabilities: Tensor<1>,
    vocabulary: Vec<char>,
}

/// The distribution of the next character.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextChar {
    /// The vocabulary, as one-character strings.
    pub characters: Vec<String>,
    /// P(character), in the vocabulary's order (sums to 1).
    pub probabilities: Vec<f32>,
}

impl PendingNext {
    /// Read the probabilities back.
    pub async fn read(self) -> Result<NextChar> {
        let probabilities = self.probabilities.read_floats("probabilities").await?;
        Ok(NextChar {
            characters: self.vocabulary.iter().map(|c| c.to_string()).collect(),
            probabilities,
        })
    }
}

/// How to draw the next character from the model's distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sampling {
    /// Divides the log-probabilities: below 1 sharper (safer, more repetitive), above 1 flatter.
    pub temperature: f64,
    /// Draw only among the `top_k` most likely characters (at least 1; 1 = always the likeliest).
    pub top_k: usize,
    /// Seed of the draws (the same seed, prompt and model write the same text).
    pub seed: u64,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            temperature: 1.0,
            top_k: 1000,
            seed: 0,
        }
    }
}

impl Sampling {
    /// Check every field; the error names the field.
    pub fn validate(&self) -> Result<()> {
        if !self.temperature.is_finite() || self.temperature <= 0.0 || self.temperature > 100.0 {
            return Err(Error::config(
                "temperature",
                format!(
                    "must be a number greater than 0 and at most 100, got {}",
                    self.temperature
                ),
            ));
        }
        if self.top_k == 0 {
            return Err(Error::config("top_k", "must be at least 1, got 0"));
        }
        Ok(())
    }

    /// One draw from `probabilities` reshaped by the temperature and cut to the top k.
    pub fn draw(&self, probabilities: &[f32], rng: &mut StdRng) -> usize {
        let mut order: Vec<usize> = (0..probabilities.len()).collect();
        order.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
        order.truncate(self.top_k.min(order.len()));
        // p^(1/T), renormalised: the softmax of the logits divided by T.
        let weights: Vec<f64> = order
            .iter()
            .map(|&i| {
                (probabilities[i] as f64)
                    .max(1e-30)
                    .powf(1.0 / self.temperature)
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let mut u = rng.random::<f64>() * total;
        for (&i, w) in order.iter().zip(&weights) {
            if u < *w {
                return i;
            }
            u -= w;
        }
        order[order.len() - 1]
    }
}

/// What the evaluation measured on the held-out text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageEvaluation {
    /// Held-out characters predicted.
    pub characters: usize,
    /// The model's held-out cross-entropy, in bits per character.
    pub bits_per_character: f64,
    /// The same for a model that knows only how often each character occurs in the training
    /// text (the unigram baseline).
    pub unigram_bits_per_character: f64,
}

impl CharLm {
    /// Write `length` characters after `prompt`, one forward pass (and one read-back) each.
    pub fn sample(
        &self,
        prompt: &str,
        length: usize,
        sampling: Sampling,
    ) -> Result<LocalFuture<Result<String>>> {
        sampling.validate()?;
        if !(1..=MAX_SAMPLE).contains(&length) {
            return Err(Error::config(
                "length",
                format!("must be between 1 and {MAX_SAMPLE}, got {length}"),
            ));
        }
        let mut ids = self.corpus.encode("prompt", prompt)?;
        let model = self.net.model.valid();
        let device = self.device.clone().without_autodiff();
        let (context, vocabulary) = (self.config.context, self.corpus.vocabulary.clone());
        Ok(Box::pin(async move {
            let mut rng = StdRng::seed_from_u64(sampling.seed);
            let mut out = String::new();
            for _ in 0..length {
                let window = &ids[ids.len().saturating_sub(context)..];
                let (logits, _) =
                    model.forward(ids_tensor(window, &device).reshape([1, window.len()]));
                let last = logits
                    .narrow(1, window.len() - 1, 1)
                    .reshape([vocabulary.len()]);
                let p: Vec<f32> = softmax(last, 0).read_floats("draw").await?;
                let next = sampling.draw(&p, &mut rng);
                ids.push(next as u32);
                out.push(vocabulary[next]);
            }
            Ok(out)
        }))
    }
}

impl Method for CharLm {
    trained_by!(net);

    fn train_step(&mut self) {
        let (input, target) = self.windows();
        let [b, t] = input.dims();
        let (logits, _) = self.net.model.forward(input);
        let loss = cross_entropy(
            logits.reshape([b * t, self.corpus.vocabulary.len()]),
            target.reshape([b * t]),
        );
        let bits = loss.clone().detach() / std::f64::consts::LN_2;
        self.net.minimize(
            self.config.learning_rate,
            loss,
            [("bits_per_character", bits)],
        );
    }

    /// Held-out bits per character: the held-out text in windows of `context + 1`, every
    /// position of a window predicting its successor (a window's first characters have less
    /// context: the figure is a little pessimistic next to a sliding window).
    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.net.model.valid();
        let device = self.device.clone().without_autodiff();
        let t = self.config.context;
        let held = self.corpus.held_out.clone();
        let vocabulary = self.corpus.vocabulary.len();
        let unigram = unigram_bits(&self.corpus);
        Box::pin(async move {
            let windows = held.len() / (t + 1);
            let mut total = Tensor::<1>::zeros([1], &device);
            let mut pacer = crate::pace::Pacer::new();
            for start in (0..windows).step_by(EVAL_CHUNK) {
                let n = EVAL_CHUNK.min(windows - start);
                let chunk = &held[start * (t + 1)..(start + n) * (t + 1)];
                let all = ids_tensor(chunk, &device).reshape([n, t + 1]);
                let input = all.clone().narrow(1, 0, t);
                let target = all.narrow(1, 1, t);
                let (logits, _) = model.forward(input);
                let loss =
                    cross_entropy(logits.reshape([n * t, vocabulary]), target.reshape([n * t]));
                total = total + loss * (n * t) as f64;
                pacer.breathe().await;
            }
            let characters = windows * t;
            let nats = crate::eval::read_scalar(total, "held-out loss").await? / characters as f64;
            Ok(Evaluation {
                language: Some(LanguageEvaluation {
                    characters,
                    bits_per_character: nats / std::f64::consts::LN_2,
                    unigram_bits_per_character: unigram,
                }),
                ..Evaluation::default()
            })
        })
    }
}

/// The held-out cross-entropy, in bits per character, of the training text's character
/// frequencies (add-one smoothed, so a character unseen in training costs finite bits).
fn unigram_bits(corpus: &Corpus) -> f64 {
    let mut counts = vec![1.0f64; corpus.vocabulary.len()];
    for &id in &corpus.train {
        counts[id as usize] += 1.0;
    }
    let total: f64 = counts.iter().sum();
    let bits: f64 = corpus
        .held_out
        .iter()
        .map(|&id| -(counts[id as usize] / total).log2())
        .sum();
    bits / corpus.held_out.len() as f64
}

impl fmt::Display for LanguageEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "held-out text ({} characters): {:.3} bits per character (unigram baseline {:.3})",
            self.characters, self.bits_per_character, self.unigram_bits_per_character
        )
    }
}
