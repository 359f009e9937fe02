//! k-nearest-neighbour classification on frozen features (cosine similarity, majority vote):
//! the second yardstick of the representation board, with no training at all.
//!
//! [`fair_knn`] is how the board scores every contender alike: every representation's features
//! compared by cosine (each row normalised; centring them on the labelled mean first lowered
//! every contender's score on MNIST, so they are not centred), and `k` chosen on the labelled
//! images themselves (leave-one-out) among [`K_CANDIDATES`], at most the labelled images per
//! class. A fixed `k` is unfair to whoever it does not suit: with 8 labelled images per class,
//! 20 neighbours are mostly of other classes.

use burn::tensor::Tensor;

use crate::losses::unit_rows;
use crate::pace::Pacer;
use crate::readback::ReadBack;
use crate::{Error, Result};

/// Held-out rows scored per chunk (bounds the `[chunk, n_train]` similarity matrix).
const CHUNK: usize = 500;

/// The `k` a fair kNN chooses among, smallest first.
pub const K_CANDIDATES: [usize; 8] = [1, 3, 5, 10, 20, 50, 100, 200];

/// Labelled images whose leave-one-out votes choose `k` (the first ones: the split is shuffled).
pub const K_VALIDATION: usize = 1000;

/// A kNN score and the `k` it used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnnScore {
    /// Held-out accuracy.
    pub accuracy: f64,
    /// Neighbours voting.
    pub k: usize,
}

/// kNN as the board scores every contender (cosine, as [`knn_accuracy`]): `k` is `fixed`, or
/// when `None` the candidate of
/// [`K_CANDIDATES`] (at most the labelled images per class, and fewer than the labelled images)
/// whose leave-one-out accuracy on the first [`K_VALIDATION`] labelled images is highest (the
/// smaller on a tie). Held-out labels only score, never choose.
///
/// # Shapes
/// - labelled: `[n, d]` with `labels.len() == n`
/// - held_out: `[m, d]` with `truth.len() == m`
pub async fn fair_knn(
    labelled: Tensor<2>,
    labels: &[u8],
    held_out: Tensor<2>,
    truth: &[u8],
    classes: usize,
    fixed: Option<usize>,
) -> Result<KnnScore> {
    let k = match fixed {
        Some(k) => k,
        None => choose_k(labelled.clone(), labels, classes).await?,
    };
    let accuracy = knn_accuracy(labelled, labels, held_out, truth, k).await?;
    Ok(KnnScore { accuracy, k })
}

/// The `k` of [`fair_knn`]: each candidate's leave-one-out accuracy on the labelled features.
///
/// # Shapes
/// - labelled: `[n, d]`
async fn choose_k(labelled: Tensor<2>, labels: &[u8], classes: usize) -> Result<usize> {
    let [n, _] = labelled.dims();
    if labels.len() != n || n == 0 {
        return Err(Error::data("kNN", "one label per feature row is needed"));
    }
    let cap = (n / classes.max(1)).max(1).min(n.saturating_sub(1).max(1));
    let candidates: Vec<usize> = K_CANDIDATES.into_iter().filter(|&k| k <= cap).collect();
    let largest = *candidates.last().unwrap_or(&1);
    if n < 2 {
        return Ok(1);
    }
    let rows = unit_rows(labelled); // [n, d]
    let all = rows.clone().transpose(); // [d, n]
    let validation = K_VALIDATION.min(n);
    // Each row's nearest `largest + 1` (itself among them), then votes without itself.
    let reach = (largest + 1).min(n);
    let mut hits = vec![0usize; candidates.len()];
    let mut pacer = Pacer::new();
    for start in (0..validation).step_by(CHUNK) {
        pacer.breathe().await;
        let end = (start + CHUNK).min(validation);
        let nearest = nearest(rows.clone().narrow(0, start, end - start), &all, reach).await?;
        for (row, neighbours) in nearest.chunks(reach).enumerate() {
            let me = start + row;
            let others: Vec<u8> = neighbours
                .iter()
                .filter(|&&j| j != me)
                .map(|&j| labels[j])
                .collect();
            for (c, &k) in candidates.iter().enumerate() {
                if majority(&others[..k.min(others.len())]) == labels[me] {
                    hits[c] += 1;
                }
            }
        }
    }
    // The first best, candidates being in increasing order: a tie keeps the smaller k.
    let best = (0..candidates.len()).fold(0, |b, c| if hits[c] > hits[b] { c } else { b });
    Ok(candidates.get(best).copied().unwrap_or(1))
}

/// Accuracy of a `k`-NN classifier: each held-out feature takes the majority class among its `k`
/// most cosine-similar labelled features (a tie goes to the tied class of the nearest neighbour).
///
/// # Shapes
/// - labelled: `[n, d]` with `labels.len() == n`
/// - held_out: `[m, d]` with `truth.len() == m`
pub async fn knn_accuracy(
    labelled: Tensor<2>,
    labels: &[u8],
    held_out: Tensor<2>,
    truth: &[u8],
    k: usize,
) -> Result<f64> {
    let [n, _] = labelled.dims();
    let [m, _] = held_out.dims();
    if k == 0 || k > n {
        return Err(Error::config(
            "k",
            format!("must be between 1 and the {n} labelled points, got {k}"),
        ));
    }
    if labels.len() != n || truth.len() != m || m == 0 {
        return Err(Error::data("kNN", "one label per feature row is needed"));
    }
    let labelled = unit_rows(labelled).transpose(); // [d, n]
    let held_out = unit_rows(held_out);
    let mut hits = 0usize;
    let mut pacer = Pacer::new();
    for start in (0..m).step_by(CHUNK) {
        pacer.breathe().await;
        let end = (start + CHUNK).min(m);
        let queries = held_out.clone().narrow(0, start, end - start);
        for (row, neighbours) in nearest(queries, &labelled, k).await?.chunks(k).enumerate() {
            let votes: Vec<u8> = neighbours.iter().map(|&j| labels[j]).collect();
            if majority(&votes) == truth[start + row] {
                hits += 1;
            }
        }
    }
    Ok(hits as f64 / m as f64)
}

/// The indices of each query's `k` most similar keys, most similar first, row after row.
///
/// # Shapes
/// - queries: `[c, d]` unit rows, keys: `[d, n]` unit columns
async fn nearest(queries: Tensor<2>, keys: &Tensor<2>, k: usize) -> Result<Vec<usize>> {
    let sims = queries.matmul(keys.clone()); // [c, n]
    let (_, nearest) = sims.topk_with_indices(k, 1); // [c, k]
    let nearest = nearest.into_data_async().read_back("neighbours").await?;
    Ok(nearest.iter::<i64>().map(|i| i as usize).collect())
}

/// The most frequent label of `votes` (ordered nearest first); ties go to the tied label that
/// appears first.
pub fn majority(votes: &[u8]) -> u8 {
    let mut counts = [0usize; 256];
    for &v in votes {
        counts[v as usize] += 1;
    }
    let best = votes.iter().map(|&v| counts[v as usize]).max().unwrap_or(0);
    votes
        .iter()
        .copied()
        .find(|&v| counts[v as usize] == best)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    /// The naive oracle: every cosine similarity by hand, a full sort, the same vote.
    fn knn_naive(train: &[Vec<f32>], labels: &[u8], test: &[Vec<f32>], k: usize) -> Vec<u8> {
        let cos = |a: &Vec<f32>, b: &Vec<f32>| {
            let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
            let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
            dot / (na * nb)
        };
        test.iter()
            .map(|q| {
                let mut order: Vec<usize> = (0..train.len()).collect();
                order.sort_by(|&a, &b| cos(q, &train[b]).partial_cmp(&cos(q, &train[a])).unwrap());
                let votes: Vec<u8> = order[..k].iter().map(|&j| labels[j]).collect();
                majority(&votes)
            })
            .collect()
    }

    #[test]
    fn knn_matches_a_naive_oracle() {
        let device = Device::flex();
        let mut rng = StdRng::seed_from_u64(5);
        let d = 6;
        let mut point = |c: usize| -> Vec<f32> {
            (0..d)
                .map(|j| if j == c { 1.5 } else { 0.0 } + rng.random_range(-1.0f32..1.0))
                .collect()
        };
        let train: Vec<Vec<f32>> = (0..90).map(|i| point(i % 3)).collect();
        let labels: Vec<u8> = (0..90).map(|i| (i % 3) as u8).collect();
        let test: Vec<Vec<f32>> = (0..40).map(|i| point(i % 3)).collect();
        // The oracle's own predictions serve as the "truth": the accuracy must then be exactly 1.
        for k in [1, 5, 20] {
            let want = knn_naive(&train, &labels, &test, k);
            let t = |rows: &Vec<Vec<f32>>| {
                let flat: Vec<f32> = rows.iter().flatten().copied().collect();
                Tensor::<2>::from_data(TensorData::new(flat, [rows.len(), d]), &device)
            };
            let acc =
                pollster::block_on(knn_accuracy(t(&train), &labels, t(&test), &want, k)).unwrap();
            assert_eq!(acc, 1.0, "k = {k}");
        }
        let e = pollster::block_on(knn_accuracy(
            Tensor::zeros([3, 2], &device),
            &[0, 1, 2],
            Tensor::zeros([1, 2], &device),
            &[0],
            4,
        ))
        .unwrap_err();
        assert!(e.to_string().starts_with("k: "), "{e}");
    }

    /// Tight blobs: a small one of class 0 (a tenth of the points) next to a large one of class
    /// 1, and two large ones of each class elsewhere. The nearest neighbour is always of the right
    /// class, while 100 neighbours of a point of the small blob are mostly of the large one next
    /// to it. The leave-one-out choice must find a small k; the fixed k = 100 scores worse on
    /// the same data.
    #[test]
    fn fair_knn_chooses_k_on_the_labelled_images() {
        let device = Device::flex();
        let mut rng = StdRng::seed_from_u64(9);
        let centres = [[10.0f32, 0.0], [10.5, 0.8], [0.0, 10.0], [0.8, 10.5]];
        let mut point = |i: usize| -> (Vec<f32>, u8) {
            let which = [0, 1, 1, 1, 2, 2, 2, 3, 3, 3][i % 10];
            let c = centres[which];
            let class = [0u8, 1, 0, 1][which];
            (
                vec![
                    c[0] + rng.random_range(-0.1f32..0.1),
                    c[1] + rng.random_range(-0.1f32..0.1),
                ],
                class,
            )
        };
        let make = |n: usize, point: &mut dyn FnMut(usize) -> (Vec<f32>, u8)| {
            let (rows, labels): (Vec<Vec<f32>>, Vec<u8>) = (0..n).map(point).unzip();
            let flat: Vec<f32> = rows.into_iter().flatten().collect();
            (
                Tensor::<2>::from_data(TensorData::new(flat, [n, 2]), &device),
                labels,
            )
        };
        let (train, labels) = make(200, &mut point);
        let (test, truth) = make(80, &mut point);
        let chosen = pollster::block_on(fair_knn(
            train.clone(),
            &labels,
            test.clone(),
            &truth,
            2,
            None,
        ))
        .unwrap();
        assert!(chosen.k <= 50, "{chosen:?}");
        assert!(chosen.accuracy > 0.95, "{chosen:?}");
        let fixed =
            pollster::block_on(fair_knn(train, &labels, test, &truth, 2, Some(100))).unwrap();
        assert_eq!(fixed.k, 100);
        assert!(chosen.accuracy > fixed.accuracy, "{chosen:?} vs {fixed:?}");
    }

    /// The cap: with 3 labelled images per class, k is at most 3.
    #[test]
    fn fair_knn_caps_k_by_the_labelled_images_per_class() {
        let device = Device::flex();
        let rows: Vec<f32> = (0..12).flat_map(|i| [(i % 4) as f32, 1.0]).collect();
        let labels: Vec<u8> = (0..12).map(|i| (i % 4) as u8).collect();
        let t = Tensor::<2>::from_data(TensorData::new(rows, [12, 2]), &device);
        let score = pollster::block_on(fair_knn(t.clone(), &labels, t, &labels, 4, None)).unwrap();
        assert!(score.k <= 3, "{score:?}");
    }

    #[test]
    fn majority_breaks_ties_by_the_nearest() {
        assert_eq!(majority(&[3, 1, 1, 3]), 3);
        assert_eq!(majority(&[2, 1, 1]), 1);
    }
}
