//! k-nearest-neighbour classification on frozen features (cosine similarity, majority vote):
//! the second yardstick of the representation board, with no training at all.

use burn::tensor::Tensor;

use crate::losses::unit_rows;
use crate::pace::Pacer;
use crate::readback::ReadBack;
use crate::{Error, Result};

/// Held-out rows scored per chunk (bounds the `[chunk, n_train]` similarity matrix).
const CHUNK: usize = 500;

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
        let sims = held_out
            .clone()
            .narrow(0, start, end - start)
            .matmul(labelled.clone()); // [c, n]
        let (_, nearest) = sims.topk_with_indices(k, 1); // [c, k], most similar first
        let nearest = nearest.into_data_async().read_back("neighbours").await?;
        let nearest: Vec<usize> = nearest.iter::<i64>().map(|i| i as usize).collect();
        for (row, neighbours) in nearest.chunks(k).enumerate() {
            let votes: Vec<u8> = neighbours.iter().map(|&j| labels[j]).collect();
            if majority(&votes) == truth[start + row] {
                hits += 1;
            }
        }
    }
    Ok(hits as f64 / m as f64)
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

    #[test]
    fn majority_breaks_ties_by_the_nearest() {
        assert_eq!(majority(&[3, 1, 1, 3]), 3);
        assert_eq!(majority(&[2, 1, 1]), 1);
    }
}
