//! k-means on the device, and the scores that compare a clustering with the true classes
//! (normalised mutual information, purity).
//!
//! [`kmeans`] only enqueues tensor ops (no read-back), so DeepCluster can re-cluster inside a
//! training step; the scores are plain functions of two label lists, computed on the host after
//! one asynchronous read of the assignments.

use burn::tensor::{Bool, Int, Tensor, TensorData};
use rand::seq::index::sample;
use rand::{Rng, RngExt};

use crate::Result;
use crate::readback::ReadBack;

/// A clustering: the centroids and each point's cluster.
#[derive(Debug, Clone)]
pub struct KMeans {
    /// `[k, d]`.
    pub centroids: Tensor<2>,
    /// `[n]`, values in `0..k`.
    pub assignments: Tensor<1, Int>,
}

/// Lloyd's k-means from a k-means++ start: assign each point to its nearest centroid, move each
/// centroid to the mean of its points, `iterations` times.
///
/// An empty cluster (no point chose it) would keep a centroid nothing is near; instead it
/// restarts at a random point (DeepCluster's fix for degenerate clusterings), drawn by `rng`.
/// Everything is enqueued on the device; `rng` only draws the random numbers.
///
/// # Shapes
/// - x: `[n, d]`, `1 <= k <= n`
///
/// # Panics
/// If `k` is 0 or larger than `n` (callers validate `k`).
pub fn kmeans(x: Tensor<2>, k: usize, iterations: usize, rng: &mut impl Rng) -> KMeans {
    let [n, _] = x.dims();
    assert!(
        k >= 1 && k <= n,
        "k must be between 1 and the number of points"
    );
    let mut centroids = kmeans_plus_plus(x.clone(), k, rng);
    for _ in 0..iterations {
        let assignments = assign(x.clone(), centroids.clone());
        let restart = x.clone().select(0, rows(&sample(rng, n, k).into_vec(), &x));
        centroids = update(x.clone(), assignments, restart, k);
    }
    KMeans {
        assignments: assign(x, centroids.clone()),
        centroids,
    }
}

/// The k-means++ start (Arthur & Vassilvitskii 2007): the first centroid a uniformly random
/// point, each next one a point drawn with probability proportional to its squared distance to
/// the nearest centroid so far. Random starts often put two centroids in one blob and none in
/// another; this spreads them. Drawn on the device: the point whose cumulative share of the
/// distances first passes a uniform number `u` from `rng`.
///
/// # Shapes
/// - x: `[n, d]`, output: `[k, d]`
fn kmeans_plus_plus(x: Tensor<2>, k: usize, rng: &mut impl Rng) -> Tensor<2> {
    let [n, _] = x.dims();
    let first = rng.random_range(0..n);
    let mut centroids = x.clone().narrow(0, first, 1); // [1, d]
    let x2 = x.clone().powi_scalar(2).sum_dim(1); // [n, 1]
    let mut nearest = (x2.clone() - x.clone().matmul(centroids.clone().transpose()) * 2.0
        + centroids.clone().powi_scalar(2).sum_dim(1))
    .clamp_min(0.0); // [n, 1] squared distances
    for _ in 1..k {
        let cdf = nearest.clone().cumsum(0); // [n, 1]
        let total = cdf.clone().narrow(0, n - 1, 1); // [1, 1]
        let u = total * rng.random_range(0.0..1.0f64);
        // Index of the first point whose cumulative distance exceeds u (points at distance 0,
        // the centroids themselves, add nothing to the sum and are never drawn).
        let index = cdf
            .lower_equal(u.expand([n, 1]))
            .int()
            .sum()
            .clamp_max(n as i64 - 1)
            .reshape([1]); // [1]
        let next = x.clone().select(0, index); // [1, d]
        let d = (x2.clone() - x.clone().matmul(next.clone().transpose()) * 2.0
            + next.clone().powi_scalar(2).sum_dim(1))
        .clamp_min(0.0);
        nearest = nearest.min_pair(d);
        centroids = Tensor::cat(vec![centroids, next], 0);
    }
    centroids
}

fn rows(indices: &[usize], like: &Tensor<2>) -> Tensor<1, Int> {
    let v: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(v, [indices.len()]), &like.device())
}

/// The nearest centroid of every point (squared Euclidean distance).
///
/// # Shapes
/// - x: `[n, d]`, centroids: `[k, d]`
/// - output: `[n]`
pub fn assign(x: Tensor<2>, centroids: Tensor<2>) -> Tensor<1, Int> {
    let n = x.dims()[0];
    // |x - c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 is the same for every centroid, so it is dropped.
    let cross = x.matmul(centroids.clone().transpose()); // [n, k]
    let c2 = centroids.powi_scalar(2).sum_dim(1).transpose(); // [1, k]
    (c2 - cross * 2.0).argmin(1).reshape([n])
}

/// One-hot rows of `assignments`.
///
/// # Shapes
/// - assignments: `[n]`, values in `0..k`
/// - output: `[n, k]`, 1.0 where the point belongs
pub fn one_hot(assignments: Tensor<1, Int>, k: usize) -> Tensor<2> {
    let n = assignments.dims()[0];
    let classes = Tensor::<1, Int>::arange(0..k as i64, &assignments.device()).reshape([1, k]);
    assignments.reshape([n, 1]).equal(classes).float()
}

/// The mean of each cluster's points; an empty cluster takes its row of `restart`.
///
/// # Shapes
/// - x: `[n, d]`, assignments: `[n]`, restart: `[k, d]`
/// - output: `[k, d]`
fn update(x: Tensor<2>, assignments: Tensor<1, Int>, restart: Tensor<2>, k: usize) -> Tensor<2> {
    let members = one_hot(assignments, k); // [n, k]
    let counts = members.clone().sum_dim(0).transpose(); // [k, 1]
    let sums = members.transpose().matmul(x); // [k, d]
    let means = sums / counts.clone().clamp_min(1.0);
    let empty: Tensor<2, Bool> = counts.equal_elem(0.0).expand(means.dims());
    means.mask_where(empty, restart)
}

/// Read cluster assignments (or any labels) back to the host, asynchronously.
pub async fn read_labels(labels: Tensor<1, Int>) -> Result<Vec<usize>> {
    let data = labels
        .into_data_async()
        .read_back("cluster assignments")
        .await?;
    Ok(data.iter::<i64>().map(|v| v.max(0) as usize).collect())
}

/// `table[c][t]`: how many points of cluster `c` have the true class `t`.
fn contingency(truth: &[usize], predicted: &[usize]) -> Vec<Vec<f64>> {
    assert_eq!(truth.len(), predicted.len(), "one prediction per point");
    let classes = truth.iter().max().map_or(0, |m| m + 1);
    let clusters = predicted.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![vec![0.0; classes]; clusters];
    for (&t, &c) in truth.iter().zip(predicted) {
        table[c][t] += 1.0;
    }
    table
}

/// Entropy (nats) of a distribution given by counts.
fn entropy(counts: impl Iterator<Item = f64>, n: f64) -> f64 {
    counts
        .filter(|&c| c > 0.0)
        .map(|c| -(c / n) * (c / n).ln())
        .sum()
}

/// Normalised mutual information between the true classes and a clustering,
/// `I(T; C) / ((H(T) + H(C)) / 2)` (the arithmetic normalisation, scikit-learn's default):
/// 1 when the clusters are the classes up to renaming, near 0 when they are unrelated.
/// Defined as 1 when both have a single label.
pub fn nmi(truth: &[usize], predicted: &[usize]) -> f64 {
    let n = truth.len() as f64;
    if truth.is_empty() {
        return 0.0;
    }
    let table = contingency(truth, predicted);
    let cluster_sizes: Vec<f64> = table.iter().map(|row| row.iter().sum()).collect();
    let classes = table.first().map_or(0, |r| r.len());
    let class_sizes: Vec<f64> = (0..classes)
        .map(|t| table.iter().map(|row| row[t]).sum())
        .collect();
    let mut mutual = 0.0;
    for (c, row) in table.iter().enumerate() {
        for (t, &joint) in row.iter().enumerate() {
            if joint > 0.0 {
                mutual += joint / n * (n * joint / (cluster_sizes[c] * class_sizes[t])).ln();
            }
        }
    }
    let h = entropy(class_sizes.into_iter(), n) + entropy(cluster_sizes.into_iter(), n);
    if h == 0.0 { 1.0 } else { 2.0 * mutual / h }
}

/// Purity: each cluster votes for its most common true class; the fraction of points in the
/// majority class of their cluster.
pub fn purity(truth: &[usize], predicted: &[usize]) -> f64 {
    if truth.is_empty() {
        return 0.0;
    }
    let majority: f64 = contingency(truth, predicted)
        .iter()
        .map(|row| row.iter().cloned().fold(0.0, f64::max))
        .sum();
    majority / truth.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn nmi_and_purity_match_hand_computed_values() {
        // Perfect up to renaming.
        assert!((nmi(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-12);
        assert_eq!(purity(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
        // Independent: every cluster holds one point of each class.
        assert!(nmi(&[0, 1, 0, 1], &[0, 0, 1, 1]).abs() < 1e-12);
        assert_eq!(purity(&[0, 1, 0, 1], &[0, 0, 1, 1]), 0.5);
        // truth [0,0,0,1,1,1], clusters [0,0,1,1,1,1]: by hand,
        // I = 1/3 ln 2 + 1/6 ln(1/2) + 1/2 ln(3/2) = 0.31825, H(T) = ln 2 = 0.69315,
        // H(C) = -(1/3 ln 1/3 + 2/3 ln 2/3) = 0.63651, NMI = 2 I / (H(T) + H(C)) = 0.47871.
        let (t, c) = ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]);
        assert!((nmi(&t, &c) - 0.478_71).abs() < 1e-5, "{}", nmi(&t, &c));
        assert!((purity(&t, &c) - 5.0 / 6.0).abs() < 1e-12);
    }

    /// The naive oracle: Lloyd's algorithm one point at a time, same empty-cluster rule.
    fn lloyd_naive(x: &[Vec<f32>], mut centroids: Vec<Vec<f32>>, iters: usize) -> Vec<usize> {
        let nearest = |p: &Vec<f32>, cs: &Vec<Vec<f32>>| {
            (0..cs.len())
                .min_by(|&a, &b| {
                    let da: f32 = p.iter().zip(&cs[a]).map(|(u, v)| (u - v) * (u - v)).sum();
                    let db: f32 = p.iter().zip(&cs[b]).map(|(u, v)| (u - v) * (u - v)).sum();
                    da.partial_cmp(&db).unwrap()
                })
                .unwrap()
        };
        for _ in 0..iters {
            let a: Vec<usize> = x.iter().map(|p| nearest(p, &centroids)).collect();
            for (c, centroid) in centroids.iter_mut().enumerate() {
                let members: Vec<&Vec<f32>> = x
                    .iter()
                    .zip(&a)
                    .filter(|(_, k)| **k == c)
                    .map(|(p, _)| p)
                    .collect();
                if !members.is_empty() {
                    for (j, v) in centroid.iter_mut().enumerate() {
                        *v = members.iter().map(|p| p[j]).sum::<f32>() / members.len() as f32;
                    }
                }
            }
        }
        x.iter().map(|p| nearest(p, &centroids)).collect()
    }

    #[test]
    fn kmeans_matches_a_naive_lloyd_and_finds_separated_blobs() {
        let device = Device::flex();
        let mut rng = StdRng::seed_from_u64(3);
        // Three well-separated blobs in 2-D, 20 points each.
        let centres = [[0.0f32, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let points: Vec<Vec<f32>> = (0..60)
            .map(|i| {
                let c = centres[i % 3];
                vec![
                    c[0] + rng.random_range(-1.0..1.0),
                    c[1] + rng.random_range(-1.0..1.0),
                ]
            })
            .collect();
        let truth: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        let x = Tensor::<2>::from_data(TensorData::new(flat, [60, 2]), &device);

        // The same start on both sides: the first points of the three blobs.
        let start = x.clone().narrow(0, 0, 3);
        let mut centroids = start;
        for _ in 0..5 {
            let a = assign(x.clone(), centroids.clone());
            centroids = update(x.clone(), a, centroids.clone(), 3);
        }
        let got: Vec<usize> = assign(x.clone(), centroids)
            .into_data()
            .iter::<i64>()
            .map(|v| v as usize)
            .collect();
        let want = lloyd_naive(&points, points[..3].to_vec(), 5);
        assert_eq!(got, want);
        assert_eq!(nmi(&truth, &got), 1.0);

        // From the k-means++ start, the blobs are found whatever the seed (a uniformly random
        // start put two centroids in one blob for seed 1).
        for seed in 0..6 {
            let found = kmeans(x.clone(), 3, 10, &mut StdRng::seed_from_u64(seed));
            let found: Vec<usize> = found
                .assignments
                .into_data()
                .iter::<i64>()
                .map(|v| v as usize)
                .collect();
            assert!(
                nmi(&truth, &found) > 0.99,
                "seed {seed}: {}",
                nmi(&truth, &found)
            );
        }
    }

    #[test]
    fn an_empty_cluster_restarts_at_the_given_point() {
        let device = Device::flex();
        let x = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 1.0, 2.0], [3, 1]), &device);
        // Cluster 1 sits far away and gets no point.
        let centroids =
            Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 100.0], [2, 1]), &device);
        let a = assign(x.clone(), centroids);
        let restart = Tensor::<2>::from_data(TensorData::new(vec![-7.0f32, 2.0], [2, 1]), &device);
        let next = update(x, a, restart, 2)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        assert_eq!(next, vec![1.0, 2.0]);
    }
}
