//! Jigsaw puzzles (Noroozi & Favaro 2016): a pretext task with free labels.
//!
//! Each image is cut into a 2x2 or 3x3 grid of tiles, and the tiles are shuffled by one of `P`
//! fixed permutations; the network sees the shuffled tiles and predicts which permutation was
//! used. To solve it, it must know which part of a digit goes where.
//!
//! Two details from the paper that the widget makes visible:
//! - Every tile is cut a little smaller than its cell, at a random offset inside it (the jitter):
//!   without it, the network can match the pixels along the tiles' edges (a line that leaves one
//!   tile enters its neighbour at the same height) instead of learning shapes.
//! - The `P` permutations are chosen greedily so that any two differ in as many positions as
//!   possible (largest minimum Hamming distance): close permutations would be near-impossible to
//!   tell apart and teach little.
//!
//! Every tile goes through the same shared encoder (one set of weights); the tile features are
//! concatenated in the shuffled order and a head classifies the permutation.

use std::collections::HashSet;

use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::trainer::trained_by;
use super::{
    Evaluation, MAX_BATCH_SIZE, Method, PendingExamples, Trainer, probe_evaluation,
    validate_batch_size, validate_learning_rate,
};
use crate::LocalFuture;
use crate::backend::Compute;
use crate::data::TrainingData;
use crate::data::transforms::{assemble_board, cut_tiles};
use crate::data::{BatchSampler, DatasetName, index_tensor};
use crate::eval::{Representation, conv_representation, held_out_accuracy};
use crate::losses::accuracy;
use crate::nn::{ConvEncoder, ConvEncoderConfig, MlpHead, MlpHeadConfig};
use crate::{Error, Result};

/// Most permutations a set may hold (the head's output size).
pub const MAX_PERMUTATIONS: usize = 1000;
/// Candidates the greedy permutation search looks at when the grid has more orders than this
/// (3x3: 9! = 362,880); smaller grids use every order.
const CANDIDATE_POOL: usize = 20_000;
/// Smallest tile side the encoder accepts (two 2x2 poolings).
const MIN_TILE: usize = 4;
/// Seed of the tiles the held-out pretext accuracy is measured on (fixed: runs compare).
const EVAL_SEED: u64 = 0x0E7A1;

/// Hyperparameters of the jigsaw task. Missing fields take the defaults below; unknown ones are
/// refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SmartDefault)]
#[serde(default, deny_unknown_fields)]
pub struct JigsawConfig {
    /// Dataset to train on.
    #[default(DatasetName::Mnist)]
    pub dataset: DatasetName,
    /// Tiles per side: 2 (4 tiles) or 3 (9 tiles).
    #[default(2)]
    pub grid: usize,
    /// Size `P` of the permutation set, the number of classes the head tells apart.
    #[default(24)]
    pub permutations: usize,
    /// Largest random offset, in pixels, of a tile inside its cell; tiles are this much smaller
    /// than their cells. 0 cuts the cells exactly (and lets edge continuity give the answer away).
    #[default(2)]
    pub jitter: usize,
    /// Images per step; each becomes `grid * grid` tiles.
    #[default(32)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[default(2e-3)]
    pub learning_rate: f64,
    /// Seed of the weight init, the batch order, the permutation set and the shuffles.
    #[default(42)]
    pub seed: u64,
    /// Largest L2 norm of each parameter's gradient, applied before Adam's step (a gradient
    /// over it is scaled down to it); 0 (the default) does not clip.
    #[default(0.0)]
    pub gradient_clip: f64,
}

impl JigsawConfig {
    /// The settings that shape the network (a checkpoint's values for them stand on load;
    /// see [`MethodConfig::architecture`](super::MethodConfig::architecture)).
    pub const ARCHITECTURE: &'static [&'static str] = &["grid", "permutations"];

    /// Check every field; the error names the field.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        if self.grid != 2 && self.grid != 3 {
            return Err(Error::config(
                "grid",
                format!("must be 2 or 3 (tiles per side), got {}", self.grid),
            ));
        }
        let tiles = self.grid * self.grid;
        let distinct = factorial(tiles);
        let max = distinct.min(MAX_PERMUTATIONS);
        if self.permutations < 2 || self.permutations > max {
            return Err(Error::config(
                "permutations",
                format!(
                    "must be between 2 and {max} ({tiles} tiles have {distinct} distinct orders{}), got {}",
                    if distinct > MAX_PERMUTATIONS {
                        format!("; at most {MAX_PERMUTATIONS} are used")
                    } else {
                        String::new()
                    },
                    self.permutations
                ),
            ));
        }
        let [_, _, rows, cols] = data.train.images.dims();
        let cell = rows.min(cols) / self.grid;
        if cell < MIN_TILE + self.jitter {
            return Err(Error::config(
                "jitter",
                format!(
                    "must be at most {} for a {}x{} grid ({cell}-pixel cells, tiles of at least {MIN_TILE} pixels), got {}",
                    cell.saturating_sub(MIN_TILE),
                    self.grid,
                    self.grid,
                    self.jitter
                ),
            ));
        }
        validate_batch_size("batch_size", self.batch_size, MAX_BATCH_SIZE, data)?;
        validate_learning_rate("learning_rate", self.learning_rate)
    }
}

fn factorial(n: usize) -> usize {
    (1..=n).product()
}

/// A fixed set of tile orders, as far apart from each other as the greedy search gets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermutationSet {
    /// `perms[p][slot]` is the cell whose tile is shown at `slot` under permutation `p`.
    pub perms: Vec<Vec<usize>>,
    /// The smallest Hamming distance between two permutations of the set.
    pub min_distance: usize,
}

impl PermutationSet {
    /// Choose `count` permutations of `tiles` items greedily for the largest minimum Hamming
    /// distance (Noroozi & Favaro's algorithm): start from a random one, then repeatedly add the
    /// candidate farthest from every permutation chosen so far. Reproducible from `seed`.
    ///
    /// `count` must be between 1 and the number of candidates (validated by the config).
    pub fn maximal_hamming(tiles: usize, count: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut candidates = candidate_orders(tiles, &mut rng);
        candidates.shuffle(&mut rng); // the seed decides the start and breaks ties
        assert!(count >= 1 && count <= candidates.len(), "permutation count");
        // nearest[j]: distance from candidate j to the closest chosen permutation.
        let mut nearest = vec![usize::MAX; candidates.len()];
        let mut chosen = Vec::with_capacity(count);
        let mut min_distance = usize::MAX;
        let mut next = 0;
        for _ in 0..count {
            let pick = candidates[next].clone();
            if !chosen.is_empty() {
                min_distance = min_distance.min(nearest[next]);
            }
            for (j, cand) in candidates.iter().enumerate() {
                nearest[j] = nearest[j].min(hamming(cand, &pick));
            }
            chosen.push(pick);
            // The first candidate at the largest distance (chosen ones sit at 0).
            next = (0..candidates.len())
                .max_by_key(|&j| (nearest[j], std::cmp::Reverse(j)))
                .unwrap_or(0);
        }
        PermutationSet {
            perms: chosen,
            min_distance: if count == 1 { 0 } else { min_distance },
        }
    }

    /// Number of permutations (the pretext classes).
    pub fn len(&self) -> usize {
        self.perms.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.perms.is_empty()
    }

    /// Permutation `p` written out, e.g. `"2 0 3 1"` (the widget parses these).
    pub fn label(&self, p: usize) -> String {
        let order: Vec<String> = self.perms[p].iter().map(|c| c.to_string()).collect();
        order.join(" ")
    }
}

/// Every order of `n` items when there are at most [`CANDIDATE_POOL`], else that many distinct
/// random ones.
fn candidate_orders(n: usize, rng: &mut impl Rng) -> Vec<Vec<usize>> {
    if factorial(n) <= CANDIDATE_POOL {
        let mut all = Vec::new();
        heap_permutations(&mut (0..n).collect(), n, &mut all);
        return all;
    }
    let mut seen = HashSet::with_capacity(CANDIDATE_POOL);
    let mut out = Vec::with_capacity(CANDIDATE_POOL);
    let mut perm: Vec<usize> = (0..n).collect();
    while out.len() < CANDIDATE_POOL {
        perm.shuffle(rng);
        if seen.insert(perm.clone()) {
            out.push(perm.clone());
        }
    }
    out
}

/// Heap's algorithm: every permutation of `items[..k]`.
fn heap_permutations(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
    if k <= 1 {
        out.push(items.clone());
        return;
    }
    for i in 0..k {
        heap_permutations(items, k - 1, out);
        let j = if k.is_multiple_of(2) { i } else { 0 };
        items.swap(j, k - 1);
    }
}

/// Positions at which two orders differ.
pub fn hamming(a: &[usize], b: &[usize]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

/// Where tiles are cut: a `grid x grid` layout of `cell`-pixel cells, tiles of `tile` pixels at
/// a random offset of up to `jitter` pixels inside their cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileLayout {
    /// Tiles per side.
    pub grid: usize,
    /// Cell side in pixels.
    pub cell: usize,
    /// Tile side in pixels (`cell - jitter`).
    pub tile: usize,
    /// Largest offset of a tile inside its cell.
    pub jitter: usize,
    /// Pixels left over at the top and left when the image side is not a multiple of `grid`
    /// (half of them: the grid is centred).
    pub margin: usize,
}

impl TileLayout {
    /// The layout for `side`-pixel images.
    pub fn new(side: usize, grid: usize, jitter: usize) -> Self {
        let cell = side / grid;
        TileLayout {
            grid,
            cell,
            tile: cell - jitter,
            jitter,
            margin: (side - cell * grid) / 2,
        }
    }

    /// The top-left corners of one image's tiles in shuffled order: slot `s` shows cell
    /// `perm[s]`, at its own random offset.
    pub fn corners(&self, perm: &[usize], rng: &mut impl Rng) -> Vec<[usize; 2]> {
        perm.iter()
            .map(|&cell| {
                let (r, c) = (cell / self.grid, cell % self.grid);
                [
                    self.margin + r * self.cell + rng.random_range(0..=self.jitter),
                    self.margin + c * self.cell + rng.random_range(0..=self.jitter),
                ]
            })
            .collect()
    }
}

/// The shared encoder and the permutation classifier.
#[derive(Module, Debug)]
pub struct JigsawNet {
    /// The shared encoder (what the probe evaluates); every tile goes through it.
    pub encoder: ConvEncoder,
    /// Permutation classifier on the concatenated tile features.
    pub head: MlpHead,
}

impl JigsawNet {
    fn init(tiles: usize, permutations: usize, seed: u64, device: &Device) -> Self {
        device.seed(seed);
        let encoder_config = ConvEncoderConfig::new();
        JigsawNet {
            head: MlpHeadConfig::new(tiles * encoder_config.feature_dim(), permutations)
                .init(device),
            encoder: encoder_config.init(device),
        }
    }

    /// Permutation logits for boards of `tiles_per_board` shuffled tiles each.
    ///
    /// # Shapes
    /// - tiles: `[boards * tiles_per_board, 1, tile, tile]`, board by board in shuffled order
    /// - output: `[boards, permutations]`
    pub fn forward(&self, tiles: Tensor<4>, tiles_per_board: usize) -> Tensor<2> {
        let features = self.encoder.forward(tiles); // [boards * n, d]
        let [rows, d] = features.dims();
        // Concatenate each board's tile features in the shuffled order: [boards, n * d].
        let boards = features.reshape([rows / tiles_per_board, tiles_per_board * d]);
        self.head.forward(boards)
    }
}

/// Shuffled tiles of a batch of images and the permutation indices that shuffled them.
struct Puzzles {
    /// `[batch * n, 1, tile, tile]`.
    tiles: Tensor<4>,
    /// The permutation index of each board.
    labels: Vec<usize>,
}

/// A jigsaw training session's state.
pub struct Jigsaw {
    config: JigsawConfig,
    data: TrainingData,
    device: Device,
    set: PermutationSet,
    layout: TileLayout,
    net: Trainer<JigsawNet>,
    sampler: BatchSampler,
    rng: StdRng,
}

impl Jigsaw {
    /// A fresh session; `config` must have been validated against `data`.
    pub fn new(config: JigsawConfig, data: &TrainingData, compute: &Compute) -> Self {
        let (data, device) = (data.clone(), compute.device.clone().autodiff());
        let tiles = config.grid * config.grid;
        let set = PermutationSet::maximal_hamming(tiles, config.permutations, config.seed);
        let [_, _, rows, cols] = data.train.images.dims();
        Jigsaw {
            layout: TileLayout::new(rows.min(cols), config.grid, config.jitter),
            net: Trainer::new(JigsawNet::init(tiles, set.len(), config.seed, &device))
                .with_gradient_clip(config.gradient_clip),
            set,
            sampler: BatchSampler::new(data.train.len(), config.seed),
            rng: StdRng::seed_from_u64(config.seed ^ 0x7115),
            data,
            device,
            config,
        }
    }

    /// The permutation set this session classifies.
    pub fn permutations(&self) -> &PermutationSet {
        &self.set
    }

    /// Shuffle each image by a random permutation of the set and cut its tiles on the device.
    fn puzzles(&self, images: Tensor<4>, rng: &mut StdRng) -> Puzzles {
        let batch = images.dims()[0];
        let labels: Vec<usize> = (0..batch)
            .map(|_| rng.random_range(0..self.set.len()))
            .collect();
        let corners: Vec<[usize; 2]> = labels
            .iter()
            .flat_map(|&p| self.layout.corners(&self.set.perms[p], rng))
            .collect();
        Puzzles {
            tiles: cut_tiles(images, &corners, self.layout.tile),
            labels,
        }
    }

    /// One step on a given batch: shuffle and cut on the device, forward, cross-entropy,
    /// backward, Adam. Enqueues work only.
    ///
    /// # Shapes
    /// - images: `[batch, 1, rows, cols]` on the session's device
    pub fn train_on(&mut self, images: Tensor<4>) {
        let mut rng = std::mem::replace(&mut self.rng, StdRng::seed_from_u64(0));
        let puzzles = self.puzzles(images.autodiff(), &mut rng);
        self.rng = rng;
        let n = self.config.grid * self.config.grid;
        let targets = index_tensor(&puzzles.labels, &self.device);
        let logits = self.net.model.forward(puzzles.tiles, n); // [batch, P]
        self.net
            .classify(self.config.learning_rate, logits, targets);
    }
}

impl Method for Jigsaw {
    trained_by!(net);

    fn train_step(&mut self) {
        let batch = self
            .sampler
            .next_images(&self.data.train, self.config.batch_size);
        self.train_on(batch);
    }

    /// Shuffled boards (tiles laid out in shuffled order, `grid * tile` pixels a side), with
    /// the true and predicted permutation; class names are the permutations written out.
    fn examples(&mut self, count: usize) -> Result<PendingExamples> {
        let held = &self.data.held_out;
        let indices = held.draw_indices(count, &mut self.rng);
        let mut rng = std::mem::replace(&mut self.rng, StdRng::seed_from_u64(0));
        let puzzles = self.puzzles(held.batch(&indices).without_autodiff(), &mut rng);
        self.rng = rng;
        let n = self.config.grid * self.config.grid;
        let probabilities = softmax(self.net.model.valid().forward(puzzles.tiles.clone(), n), 1);
        Ok(PendingExamples {
            images: assemble_board(puzzles.tiles, self.config.grid),
            probabilities,
            truth: puzzles.labels,
            class_names: (0..self.set.len()).map(|p| self.set.label(p)).collect(),
        })
    }

    fn evaluate(&self) -> LocalFuture<Result<Evaluation>> {
        let model = self.net.model.valid();
        let data = self.data.clone();
        let n = self.config.grid * self.config.grid;
        // The held-out puzzles are drawn from a fixed seed, so evaluations compare.
        let mut rng = StdRng::seed_from_u64(EVAL_SEED);
        let held = &data.held_out;
        let puzzles: Vec<Puzzles> = (0..held.len())
            .step_by(EVAL_CHUNK)
            .map(|start| {
                let end = (start + EVAL_CHUNK).min(held.len());
                self.puzzles(held.range(start, end).without_autodiff(), &mut rng)
            })
            .collect();
        let device = self.device.clone();
        Box::pin(async move {
            let pretext =
                pretext_accuracy(&model, &puzzles, n, &device, data.held_out.len()).await?;
            probe_evaluation(&model.encoder, &data, Some(pretext)).await
        })
    }

    fn representation(&self, grid: usize) -> Option<Box<dyn Representation>> {
        Some(conv_representation(&self.net.model.encoder, grid))
    }
}

/// Held-out images per evaluation chunk.
const EVAL_CHUNK: usize = 250;

/// Permutation accuracy over held-out puzzles cut in chunks of [`EVAL_CHUNK`] images.
async fn pretext_accuracy(
    model: &JigsawNet,
    puzzles: &[Puzzles],
    tiles_per_board: usize,
    device: &Device,
    count: usize,
) -> Result<f64> {
    held_out_accuracy(count, EVAL_CHUNK, |start, _| {
        let p = &puzzles[start / EVAL_CHUNK];
        accuracy(
            model.forward(p.tiles.clone(), tiles_per_board),
            index_tensor(&p.labels, device),
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_set_is_distinct_reproducible_and_reports_its_distance() {
        for (tiles, count) in [(4, 24), (4, 10), (9, 64), (9, 100)] {
            let a = PermutationSet::maximal_hamming(tiles, count, 7);
            let b = PermutationSet::maximal_hamming(tiles, count, 7);
            assert_eq!(a, b, "same seed, same set");
            assert_eq!(a.len(), count);
            let distinct: HashSet<&Vec<usize>> = a.perms.iter().collect();
            assert_eq!(distinct.len(), count, "distinct");
            for p in &a.perms {
                let mut sorted = p.clone();
                sorted.sort();
                assert_eq!(sorted, (0..tiles).collect::<Vec<_>>(), "a permutation");
            }
            // The reported minimum distance is the brute-force minimum over all pairs.
            let mut min = usize::MAX;
            for i in 0..count {
                for j in i + 1..count {
                    min = min.min(hamming(&a.perms[i], &a.perms[j]));
                }
            }
            assert_eq!(a.min_distance, min, "{tiles} tiles, {count} permutations");
        }
        // Greedy spreading works: 64 orders of 9 tiles sit far apart (random ones would not).
        assert!(PermutationSet::maximal_hamming(9, 64, 1).min_distance >= 6);
        assert_ne!(
            PermutationSet::maximal_hamming(9, 64, 1),
            PermutationSet::maximal_hamming(9, 64, 2)
        );
    }

    #[test]
    fn heap_enumerates_every_order_once() {
        let mut all = Vec::new();
        heap_permutations(&mut (0..4).collect(), 4, &mut all);
        let distinct: HashSet<Vec<usize>> = all.iter().cloned().collect();
        assert_eq!((all.len(), distinct.len()), (24, 24));
    }

    #[test]
    fn layout_without_jitter_cuts_the_cells() {
        let layout = TileLayout::new(28, 3, 0);
        assert_eq!((layout.cell, layout.tile, layout.margin), (9, 9, 0));
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(
            layout.corners(&[8, 0, 4], &mut rng),
            vec![[18, 18], [0, 0], [9, 9]]
        );
        let jittered = TileLayout::new(28, 2, 2);
        for [r, c] in jittered.corners(&[3, 2, 1, 0], &mut rng) {
            assert!(r + jittered.tile <= 28 && c + jittered.tile <= 28);
        }
    }
}
