//! A 2-D principal component projection of features, for the board's scatter plots.
//!
//! The covariance is computed on the device (one `[d, d]` read-back, d <= 784 here); its top two
//! eigenvectors are found on the host by block power iteration (orthogonal iteration), which
//! needs nothing more than matrix-vector products and converges quickly for the top of the
//! spectrum; the points are projected on the device and read back once.

use burn::tensor::{Tensor, TensorData};
use serde::Serialize;

use crate::readback::ReadBack;
use crate::{Error, Result};

/// Iterations of the orthogonal iteration (it stops earlier once the subspace settles).
const MAX_ITERATIONS: usize = 500;
/// Change of the basis below which it has settled.
const TOLERANCE: f64 = 1e-14;

/// Points projected on the first two principal components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    /// `x0, y0, x1, y1, ...`, one pair per input row.
    pub points: Vec<f32>,
    /// Share of the total variance each of the two components explains.
    pub explained: [f64; 2],
}

/// Project the rows of `features` on their first two principal components.
///
/// Each component's sign is fixed (its largest entry positive), so the same features always give
/// the same picture.
///
/// # Shapes
/// - features: `[n, d]` with `n >= 2`, `d >= 2`
pub async fn project_2d(features: Tensor<2>) -> Result<Projection> {
    let [n, d] = features.dims();
    if n < 2 || d < 2 {
        return Err(Error::data(
            "PCA",
            format!("needs at least 2 points of 2 dimensions, got {n} x {d}"),
        ));
    }
    let features = features.without_autodiff();
    let centred = features.clone() - features.mean_dim(0); // [n, d]
    let covariance = centred.clone().transpose().matmul(centred.clone()) / (n - 1) as f64; // [d, d]
    let covariance = read(covariance, "covariance").await?;
    let (basis, values) = top_two(&covariance, d);
    let total: f64 = (0..d).map(|i| covariance[i * d + i]).sum();
    let explained = values.map(|v| if total > 0.0 { v / total } else { 0.0 });
    // [d, 2]: column j is component j.
    let columns: Vec<f32> = (0..d)
        .flat_map(|i| [basis[0][i] as f32, basis[1][i] as f32])
        .collect();
    let columns = Tensor::<2>::from_data(TensorData::new(columns, [d, 2]), &centred.device());
    let points = centred.matmul(columns); // [n, 2]
    let points = read(points, "projection").await?;
    Ok(Projection {
        points: points.into_iter().map(|v| v as f32).collect(),
        explained,
    })
}

async fn read(t: Tensor<2>, what: &str) -> Result<Vec<f64>> {
    let data = t.into_data_async().read_back(what).await?;
    Ok(data.iter::<f32>().map(|v| v as f64).collect())
}

/// The two leading eigenvectors (unit length, largest entry positive) and eigenvalues of the
/// symmetric positive semi-definite `d x d` matrix `m` (row-major).
fn top_two(m: &[f64], d: usize) -> ([Vec<f64>; 2], [f64; 2]) {
    let mul = |v: &[f64]| -> Vec<f64> {
        (0..d)
            .map(|i| {
                m[i * d..(i + 1) * d]
                    .iter()
                    .zip(v)
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect()
    };
    // A deterministic start that is not orthogonal to anything in practice.
    let mut q: [Vec<f64>; 2] = [
        (0..d).map(|i| 1.0 + (i as f64 * 0.37).sin()).collect(),
        (0..d).map(|i| (i as f64 * 1.3).cos()).collect(),
    ];
    orthonormalise(&mut q);
    for _ in 0..MAX_ITERATIONS {
        let mut next = [mul(&q[0]), mul(&q[1])];
        orthonormalise(&mut next);
        let change: f64 = (0..2).map(|j| 1.0 - dot(&next[j], &q[j]).abs()).sum();
        q = next;
        if change < TOLERANCE {
            break;
        }
    }
    // Rayleigh quotients, largest first.
    let mut values = [dot(&q[0], &mul(&q[0])), dot(&q[1], &mul(&q[1]))];
    if values[1] > values[0] {
        q.swap(0, 1);
        values.swap(0, 1);
    }
    for v in q.iter_mut() {
        let largest = v
            .iter()
            .copied()
            .fold(0.0f64, |a, b| if b.abs() > a.abs() { b } else { a });
        if largest < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
    }
    (q, values)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Gram-Schmidt on two vectors (a zero vector stays zero).
fn orthonormalise(q: &mut [Vec<f64>; 2]) {
    normalise(&mut q[0]);
    let along = dot(&q[0], &q[1]);
    let first = q[0].clone();
    q[1].iter_mut()
        .zip(&first)
        .for_each(|(x, f)| *x -= along * f);
    normalise(&mut q[1]);
}

fn normalise(v: &mut [f64]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn leading_eigenvectors_of_a_known_matrix() {
        // Eigenvalues 5, 3, 1 along a rotated basis.
        let (c, s) = (0.6f64, 0.8f64);
        let basis = [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]];
        let values = [5.0, 3.0, 1.0];
        let mut m = vec![0.0; 9];
        for (k, b) in basis.iter().enumerate() {
            for i in 0..3 {
                for j in 0..3 {
                    m[i * 3 + j] += values[k] * b[i] * b[j];
                }
            }
        }
        let (q, found) = top_two(&m, 3);
        assert!(
            (found[0] - 5.0).abs() < 1e-9 && (found[1] - 3.0).abs() < 1e-9,
            "{found:?}"
        );
        // Signs fixed so the largest entry is positive.
        for (got, want) in q[0].iter().zip([c, s, 0.0]) {
            assert!((got - want).abs() < 1e-6, "{q:?}");
        }
        // (-s, c, 0) flipped: its largest entry, -s, becomes positive.
        for (got, want) in q[1].iter().zip([s, -c, 0.0]) {
            assert!((got - want).abs() < 1e-6, "{q:?}");
        }
    }

    #[test]
    fn projection_recovers_the_long_axis_of_a_cloud() {
        let device = Device::flex();
        let mut rng = StdRng::seed_from_u64(3);
        // 400 points in 5-D: spread 10 along (1, 1, 0, 0, 0)/sqrt 2, 3 along e3, 0.1 elsewhere.
        let n = 400;
        let mut x = Vec::with_capacity(n * 5);
        for _ in 0..n {
            let (a, b): (f32, f32) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
            let noise = |r: &mut StdRng| r.random_range(-0.1f32..0.1);
            let h = 10.0 * a / 2f32.sqrt();
            x.extend([
                h + noise(&mut rng),
                h + noise(&mut rng),
                3.0 * b,
                noise(&mut rng),
                noise(&mut rng),
            ]);
        }
        let features = Tensor::<2>::from_data(TensorData::new(x.clone(), [n, 5]), &device);
        let p = pollster::block_on(project_2d(features)).unwrap();
        assert_eq!(p.points.len(), 2 * n);
        assert!(
            p.explained[0] > 0.85 && p.explained[1] > 0.05,
            "{:?}",
            p.explained
        );
        assert!(p.explained[0] + p.explained[1] <= 1.0 + 1e-9);
        // The first coordinate is (up to centring) the position along the long axis.
        let mean: f32 = x
            .chunks(5)
            .map(|r| (r[0] + r[1]) / 2f32.sqrt())
            .sum::<f32>()
            / n as f32;
        for (i, row) in x.chunks(5).enumerate() {
            let along = (row[0] + row[1]) / 2f32.sqrt() - mean;
            assert!((p.points[2 * i].abs() - along.abs()).abs() < 0.2, "row {i}");
        }
    }

    #[test]
    fn too_few_points_are_refused() {
        let device = Device::flex();
        let one = Tensor::<2>::zeros([1, 4], &device);
        assert!(pollster::block_on(project_2d(one)).is_err());
    }
}
