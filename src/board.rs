//! The representation board: every representation method side by side, under one protocol.
//!
//! 1. **Same budget.** Each method of [`crate::methods::BOARD`] (or the chosen ones) trains from its default config
//!    (on the board's dataset, with the board's seed) for the same number of steps.
//! 2. **Same read-out.** A method's representation is its encoder's last feature map averaged
//!    to one grid ([`BoardConfig::grid`], [`conv_representation`]; by default over all of space,
//!    64 features for the shared encoder), whatever grid the method trained with. Two baselines join: random-init encoders of the same shape (the mean
//!    over [`ProbeConfig::random_inits`] seeds, the ones the widgets' probes use) and raw pixels.
//! 3. **Same labels.** Only the first `fraction` of the training part's labels are used (the
//!    split is already shuffled): a linear probe ([`probe_features`]) and kNN (cosine,
//!    [`BoardConfig::k`] neighbours) fitted on them, both scored on every held-out image; and a
//!    2-D PCA of the held-out features for the scatter plot.
//!
//! The caller owns the loop as with a [`Session`]: [`Board::train`] enqueues steps of the method
//! in training, a report says how far the board is, and [`Board::scores`] scores every
//! contender. Features and scores are cached per contender and training step, so a second call
//! with another labelled fraction only fits the probes again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use crate::backend::Compute;
use crate::data::{DatasetName, TrainingData};
use crate::eval::knn::fair_knn;
use crate::eval::pca::{Projection, project_2d};
use crate::eval::probe::{
    BASELINE_SEED, encode_more, encode_paced, labels_tensor, probe_features, random_encoder,
};
use crate::eval::{Pixels, ProbeConfig, Representation, conv_representation};
use crate::methods::{BOARD, MethodConfig, Report, validate_range};
use crate::nn::ConvEncoderConfig;
use crate::pace::Pacer;
use crate::session::Session;
use crate::{Error, LocalFuture, Result};

/// Held-out points drawn in each scatter plot (all of them are scored).
pub const SCATTER_POINTS: usize = 1000;
/// The largest training budget one board accepts.
pub const MAX_STEPS: usize = 100_000;

/// The largest read-out grid (the encoder's last feature map is 7x7 on 28x28 images).
pub const MAX_GRID: usize = 7;

/// Settings of a board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BoardConfig {
    /// Dataset every method trains and is scored on.
    pub dataset: DatasetName,
    /// Training steps every method gets.
    pub steps: usize,
    /// Seed of every method's init and batch order.
    pub seed: u64,
    /// Neighbours of the kNN classifier: 0 (the default) chooses them per representation on the
    /// labelled images (see [`fair_knn`]); a positive `k` is used for every contender.
    pub k: usize,
    /// Side of the grid every encoder's last feature map is averaged to: 1 keeps only what the
    /// channels detect (64 features), 3 also where (576), which even random weights do well.
    pub grid: usize,
    /// The methods to train and compare, in board order (any of [`BOARD`], each once; all of
    /// them by default).
    pub methods: Vec<String>,
}

impl Default for BoardConfig {
    fn default() -> Self {
        BoardConfig {
            dataset: DatasetName::Mnist,
            steps: 300,
            seed: 42,
            k: 0,
            grid: 1,
            methods: BOARD.iter().map(|m| m.to_string()).collect(),
        }
    }
}

impl BoardConfig {
    /// Check every field; the error names it.
    pub fn validate(&self, data: &TrainingData) -> Result<()> {
        crate::methods::validate_dataset(self.dataset, data)?;
        validate_range("steps", self.steps, 1, MAX_STEPS)?;
        validate_range("grid", self.grid, 1, MAX_GRID)?;
        if self.methods.is_empty() {
            return Err(Error::config(
                "methods",
                format!("name at least one of: {}", BOARD.join(", ")),
            ));
        }
        for (i, m) in self.methods.iter().enumerate() {
            if !BOARD.contains(&m.as_str()) {
                return Err(Error::config(
                    "methods",
                    format!(
                        "{m:?} is not on the board; expected any of: {}",
                        BOARD.join(", ")
                    ),
                ));
            }
            if self.methods[..i].contains(m) {
                return Err(Error::config("methods", format!("{m:?} is named twice")));
            }
        }
        if self.k > data.train.len() {
            return Err(Error::config(
                "k",
                format!(
                    "must be 0 (chosen on the labelled images) or at most the {} training images, got {}",
                    data.train.len(),
                    self.k
                ),
            ));
        }
        Ok(())
    }
}

/// A method the board trains.
struct Trainee {
    session: Session,
    /// When its first step was enqueued, and how long it took to reach the budget.
    started: Option<Instant>,
    seconds: Option<f64>,
}

/// Where the board is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardReport {
    /// The report of the method trained last (`None` before any training).
    pub report: Option<Report>,
    /// Steps each method gets.
    pub budget: usize,
    /// Methods that reached the budget.
    pub trained: usize,
    /// Steps taken by every method together (out of `budget * methods`).
    pub total_steps: u64,
    /// Methods the board trains.
    pub methods: usize,
    /// Every method reached the budget.
    pub done: bool,
}

/// One contender's scores at one labelled fraction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContenderScores {
    /// `random init`, `raw pixels`, or the method's name.
    pub name: String,
    /// A baseline (nothing learned) or a method.
    pub baseline: bool,
    /// Training steps behind the representation (0 for the baselines).
    pub steps: u64,
    /// Wall-clock seconds the training took (`None` for the baselines or before the budget).
    pub seconds: Option<f64>,
    /// Length of the feature vector.
    pub dim: usize,
    /// Held-out accuracy of the linear probe (the mean over runs).
    pub probe: f64,
    /// Held-out accuracy of kNN (the mean over runs).
    pub knn: f64,
    /// `[probe, knn]` of each run: one per random init, one for the others.
    pub runs: Vec<[f64; 2]>,
    /// The neighbours each run's kNN used (chosen on its labelled images unless the board's
    /// `k` is fixed).
    pub knn_k: Vec<usize>,
    /// The first run's held-out features on their first two principal components.
    pub pca: Projection,
}

/// Every contender scored at one labelled fraction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardScores {
    /// The fraction of the training labels used.
    pub fraction: f64,
    /// Labelled images the probe and kNN were fitted on.
    pub labelled: usize,
    /// Held-out images everything was scored on.
    pub held_out: usize,
    /// The board's `k`: 0 when each contender's is chosen (see [`ContenderScores::knn_k`]).
    pub k: usize,
    /// Steps each method was given.
    pub budget: usize,
    /// The read-out grid (see [`BoardConfig::grid`]).
    pub grid: usize,
    /// Class names, and the class of each scatter point (the first held-out images).
    pub class_names: Vec<String>,
    pub scatter_labels: Vec<u8>,
    /// Baselines first, then the methods in [`BoardConfig::methods`] order.
    pub contenders: Vec<ContenderScores>,
}

/// What the board remembers of one representation (one random init, or a method at one step).
#[derive(Clone, Default)]
struct Cached {
    /// The first `labelled.dims()[0]` training images encoded.
    labelled: Option<Tensor<2>>,
    held_out: Option<Tensor<2>>,
    pca: Option<Projection>,
    /// `[probe, knn]` and kNN's `k` per number of labels.
    scores: HashMap<usize, ([f64; 2], usize)>,
}

/// A contender as [`Board::scores`] sees it: its representations, and what it says about them.
struct Contender {
    name: String,
    baseline: bool,
    steps: u64,
    seconds: Option<f64>,
    /// Cache key and representation of each run.
    runs: Vec<(String, Box<dyn Representation>)>,
}

/// The representation board (see the module docs).
pub struct Board {
    config: BoardConfig,
    data: TrainingData,
    trainees: Vec<Trainee>,
    /// The trainee the next `train` call trains, and the one the next report is about.
    current: usize,
    reporting: Option<usize>,
    cache: Rc<RefCell<HashMap<String, Cached>>>,
    /// What the running scoring is doing, for a progress line.
    status: Rc<RefCell<Option<String>>>,
}

impl Board {
    /// Validate `config` and build each of its methods from its defaults on `compute`.
    pub fn new(config: BoardConfig, data: &TrainingData, compute: &Compute) -> Result<Self> {
        config.validate(data)?;
        let trainees = config
            .methods
            .iter()
            .map(|name| {
                let method = MethodConfig::from_json(serde_json::json!({
                    "method": name,
                    "dataset": config.dataset,
                    "seed": config.seed,
                }))?;
                Ok(Trainee {
                    session: Session::new(method, data, compute)?,
                    started: None,
                    seconds: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Board {
            config,
            data: data.clone(),
            trainees,
            current: 0,
            reporting: None,
            cache: Default::default(),
            status: Default::default(),
        })
    }

    /// The board's settings.
    pub fn config(&self) -> &BoardConfig {
        &self.config
    }

    /// Every method reached the budget.
    pub fn done(&self) -> bool {
        self.current >= self.trainees.len()
    }

    /// Enqueue up to `steps` steps of the method in training (never past the budget); nothing
    /// once every method is trained.
    pub fn train(&mut self, steps: usize) -> Result<()> {
        let budget = self.config.steps as u64;
        let Some(trainee) = self.trainees.get_mut(self.current) else {
            return Ok(());
        };
        let left = budget.saturating_sub(trainee.session.step()) as usize;
        trainee.started.get_or_insert_with(Instant::now);
        trainee.session.train(steps.min(left).max(1))?;
        self.reporting = Some(self.current);
        if trainee.session.step() >= budget {
            self.current += 1;
        }
        Ok(())
    }

    /// Take the values of a report of the method trained last (see [`Session::begin_report`]).
    pub fn begin_report(&mut self) -> Option<crate::session::PendingReport> {
        self.reporting
            .map(|i| self.trainees[i].session.begin_report())
    }

    /// Record what was read; a method that reached the budget gets its training time.
    pub fn finish_report(&mut self, outcome: Option<Result<Report>>) -> Result<BoardReport> {
        let report = match (self.reporting, outcome) {
            (Some(i), Some(outcome)) => {
                let trainee = &mut self.trainees[i];
                let report = trainee.session.finish_report(outcome)?;
                if report.step >= self.config.steps as u64 && trainee.seconds.is_none() {
                    trainee.seconds = trainee.started.map(|t| t.elapsed().as_secs_f64());
                }
                Some(report)
            }
            _ => None,
        };
        Ok(BoardReport {
            report,
            budget: self.config.steps,
            trained: self.current.min(self.trainees.len()),
            total_steps: self
                .trainees
                .iter()
                .map(|t| t.session.step().min(self.config.steps as u64))
                .sum(),
            methods: self.trainees.len(),
            done: self.done(),
        })
    }

    /// Report in one call when the caller owns the board (CLI, tests).
    pub async fn report(&mut self) -> Result<BoardReport> {
        let outcome = match self.begin_report() {
            Some(pending) => Some(pending.read().await),
            None => None,
        };
        self.finish_report(outcome)
    }

    /// Back to untrained methods (the baselines' cached scores stay: training never changes
    /// them).
    pub fn reset(&mut self) -> Result<()> {
        for t in &mut self.trainees {
            t.session.reset()?;
            t.started = None;
            t.seconds = None;
        }
        self.current = 0;
        self.reporting = None;
        let names = &self.config.methods;
        self.cache
            .borrow_mut()
            .retain(|key, _| !names.iter().any(|n| key.starts_with(&format!("{n}@"))));
        Ok(())
    }

    /// What the running [`Board::scores`] is doing (`None` when idle).
    pub fn status(&self) -> Option<String> {
        self.status.borrow().clone()
    }

    /// Score every contender with the first `fraction` (in (0, 1]) of the training labels; the
    /// methods as they are now (normally after [`Board::done`]). An owned future: the board may
    /// be used meanwhile.
    pub fn scores(&self, fraction: f64) -> Result<LocalFuture<Result<BoardScores>>> {
        let train = self.data.train.len();
        if !fraction.is_finite() || fraction <= 0.0 || fraction > 1.0 {
            return Err(Error::config(
                "fraction",
                format!("must be a number greater than 0 and at most 1, got {fraction}"),
            ));
        }
        let labelled = ((fraction * train as f64).round() as usize).clamp(1, train);
        if self.config.k > 0 && self.config.k > labelled {
            return Err(Error::config(
                "k",
                format!(
                    "{} neighbours need at least as many labels, but {fraction} of the training \
                     part is {labelled}; raise the fraction or lower k",
                    self.config.k
                ),
            ));
        }
        let contenders = self.contenders();
        let data = self.data.clone();
        let cache = self.cache.clone();
        let status = self.status.clone();
        let (k, budget, grid) = (self.config.k, self.config.steps, self.config.grid);
        Ok(Box::pin(async move {
            let mut scored = Vec::with_capacity(contenders.len());
            let outcome = async {
                for c in contenders {
                    scored.push(score_contender(c, &data, labelled, k, &cache, &status).await?);
                }
                Ok(())
            }
            .await;
            *status.borrow_mut() = None;
            outcome?;
            let scatter = SCATTER_POINTS.min(data.held_out.len());
            Ok(BoardScores {
                fraction,
                labelled,
                held_out: data.held_out.len(),
                k,
                budget,
                grid,
                class_names: data.class_names.clone(),
                scatter_labels: data.held_out.labels[..scatter].to_vec(),
                contenders: scored,
            })
        }))
    }

    /// The baselines, then every method with its representation now.
    fn contenders(&self) -> Vec<Contender> {
        let device = self.data.train.images.device();
        let shape = ConvEncoderConfig::new();
        let random = (0..ProbeConfig::default().random_inits as u64)
            .map(|i| {
                let encoder = random_encoder(&shape, BASELINE_SEED + i, &device);
                let repr: Box<dyn Representation> = conv_representation(&encoder, self.config.grid);
                (format!("random init {i}"), repr)
            })
            .collect();
        let mut all = vec![
            Contender {
                name: "random init".into(),
                baseline: true,
                steps: 0,
                seconds: None,
                runs: random,
            },
            Contender {
                name: "raw pixels".into(),
                baseline: true,
                steps: 0,
                seconds: None,
                runs: vec![("raw pixels".into(), Box::new(Pixels))],
            },
        ];
        for t in &self.trainees {
            let Some(repr) = t.session.representation(self.config.grid) else {
                continue;
            };
            let name = t.session.config().name();
            let steps = t.session.step();
            all.push(Contender {
                name: name.into(),
                baseline: false,
                steps,
                seconds: t.seconds,
                runs: vec![(format!("{name}@{steps}"), repr)],
            });
        }
        all
    }
}

/// Score every run of one contender (features, PCA and scores come from the cache when there).
async fn score_contender(
    contender: Contender,
    data: &TrainingData,
    labelled: usize,
    k: usize,
    cache: &RefCell<HashMap<String, Cached>>,
    status: &RefCell<Option<String>>,
) -> Result<ContenderScores> {
    let mut pacer = Pacer::new();
    let mut runs = Vec::with_capacity(contender.runs.len());
    let mut knn_k = Vec::with_capacity(contender.runs.len());
    let mut pca = None;
    let mut dim = 0;
    let total = contender.runs.len();
    for (i, (key, repr)) in contender.runs.iter().enumerate() {
        *status.borrow_mut() = Some(if total > 1 {
            format!("scoring {} ({} of {total})", contender.name, i + 1)
        } else {
            format!("scoring {}", contender.name)
        });
        // What is cached for this run: features, the scores at this many labels, the PCA.
        let mut entry = cache.borrow().get(key).cloned().unwrap_or_default();
        let held = match entry.held_out.clone() {
            Some(t) => t,
            None => {
                let n = data.held_out.len();
                let t = encode_paced(repr.as_ref(), &data.held_out, n, &mut pacer).await;
                entry.held_out = Some(t.clone());
                t
            }
        };
        dim = held.dims()[1];
        let (score, k_used) = match entry.scores.get(&labelled) {
            Some(score) => *score,
            None => {
                // Only the labelled images not encoded yet (a larger fraction than before).
                let known = entry.labelled.clone();
                let features =
                    encode_more(repr.as_ref(), &data.train, known, labelled, &mut pacer).await;
                entry.labelled = Some(features.clone());
                let features = features.narrow(0, 0, labelled);
                let score = score_features(features, held.clone(), data, labelled, k).await?;
                entry.scores.insert(labelled, score);
                score
            }
        };
        if i == 0 {
            if entry.pca.is_none() {
                let scatter = SCATTER_POINTS.min(data.held_out.len());
                entry.pca = Some(project_2d(held.narrow(0, 0, scatter)).await?);
            }
            pca = entry.pca.clone();
        }
        cache.borrow_mut().insert(key.clone(), entry);
        runs.push(score);
        knn_k.push(k_used);
        pacer.breathe().await;
    }
    let mean = |j: usize| runs.iter().map(|r| r[j]).sum::<f64>() / runs.len().max(1) as f64;
    Ok(ContenderScores {
        name: contender.name,
        baseline: contender.baseline,
        steps: contender.steps,
        seconds: contender.seconds,
        dim,
        probe: mean(0),
        knn: mean(1),
        knn_k,
        pca: pca.ok_or_else(|| Error::data("board", "a contender has no representation"))?,
        runs,
    })
}

/// `[probe, knn]` held-out accuracies of features fitted on the first `labelled` labels, and
/// the `k` kNN used (`k`, or chosen on the labelled images when `k` is 0).
///
/// # Shapes
/// - labelled_features: `[labelled, d]`, held_out: `[m, d]`
async fn score_features(
    labelled_features: Tensor<2>,
    held_out: Tensor<2>,
    data: &TrainingData,
    labelled: usize,
    k: usize,
) -> Result<([f64; 2], usize)> {
    let config = ProbeConfig {
        labelled,
        ..ProbeConfig::default()
    };
    let probe = probe_features(
        labelled_features.clone(),
        labels_tensor(&data.train, labelled),
        held_out.clone(),
        labels_tensor(&data.held_out, data.held_out.len()),
        data.class_names.len(),
        &config,
    )
    .await?;
    let knn = fair_knn(
        labelled_features,
        &data.train.labels[..labelled],
        held_out,
        &data.held_out.labels,
        data.class_names.len(),
        (k > 0).then_some(k),
    )
    .await?;
    Ok(([probe, knn.accuracy], knn.k))
}
