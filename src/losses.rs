//! Small pure loss and score functions, each with its shapes. Methods call these; nothing here
//! keeps state.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};

/// Mean cross-entropy of `logits` against integer `targets` (burn's numerically stable
/// log-softmax form).
///
/// # Shapes
/// - logits: `[batch, classes]`
/// - targets: `[batch]`, values in `0..classes`
/// - output: `[1]`
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits, targets)
}

/// Fraction of rows whose arg-max equals the target, computed on the device (read it back later,
/// asynchronously, with the other report values).
///
/// # Shapes
/// - logits: `[batch, classes]`
/// - targets: `[batch]`
/// - output: `[1]`
pub fn accuracy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let batch = targets.dims()[0];
    let predicted = logits.argmax(1).reshape([batch]);
    predicted.equal(targets).float().mean()
}

/// Similarities of every row of `a` with every row of `b` after scaling both to unit length,
/// divided by `temperature` (> 0; callers validate it): the logits of every contrastive loss here.
///
/// # Shapes
/// - a: `[n, d]`, b: `[m, d]`
/// - output: `[n, m]`
pub fn cosine_logits(a: Tensor<2>, b: Tensor<2>, temperature: f64) -> Tensor<2> {
    unit_rows(a).matmul(unit_rows(b).transpose()) / temperature
}

/// InfoNCE, the core every contrastive loss shares (SimCLR, MoCo, CLIP): each row `i` of `a`
/// must pick its positive, row `positives[i]` of `b`, out of all rows of `b` by cosine
/// similarity; the mean cross-entropy of that choice.
///
/// # Shapes
/// - a: `[n, d]`, b: `[m, d]`, positives: `[n]` with values in `0..m`
/// - output: `[1]`
pub fn info_nce(
    a: Tensor<2>,
    b: Tensor<2>,
    positives: Tensor<1, Int>,
    temperature: f64,
) -> Tensor<1> {
    cross_entropy(cosine_logits(a, b, temperature), positives)
}

/// SimCLR's NT-Xent: the `2n` views of `n` images (`z1[i]` and `z2[i]` are two views of image
/// `i`); each view must pick its partner among the other `2n - 1` views (its similarity with
/// itself is masked out, or every view would pick itself).
///
/// # Shapes
/// - z1, z2: `[n, d]`
/// - output: `[1]`
pub fn nt_xent(z1: Tensor<2>, z2: Tensor<2>, temperature: f64) -> Tensor<1> {
    let (logits, partners) = nt_xent_logits(z1, z2, temperature);
    cross_entropy(logits, partners)
}

/// What NT-Xent scores: the `2n x 2n` similarity logits of all views (rows and columns
/// `z1` then `z2`) with the diagonal masked out, and each view's partner (view `i` and view
/// `i + n`). Also what the widgets draw, and what the pretext accuracy counts.
///
/// # Shapes
/// - z1, z2: `[n, d]`
/// - output: logits `[2n, 2n]`, partners `[2n]`
pub fn nt_xent_logits(
    z1: Tensor<2>,
    z2: Tensor<2>,
    temperature: f64,
) -> (Tensor<2>, Tensor<1, Int>) {
    let n = z1.dims()[0];
    let device = z1.device();
    let z = Tensor::cat(vec![z1, z2], 0); // [2n, d]
    let logits = cosine_logits(z.clone(), z, temperature); // [2n, 2n]
    let rows = Tensor::<1, Int>::arange(0..2 * n as i64, &device);
    let itself = rows
        .clone()
        .reshape([2 * n, 1])
        .equal(rows.clone().reshape([1, 2 * n])); // [2n, 2n], true on the diagonal
    let logits = logits.mask_fill(itself, -1e9);
    // The partner of view i is view i + n (mod 2n).
    let partners = (rows + n as i64).remainder_scalar(2 * n as i64);
    (logits, partners)
}

/// BYOL's regression loss: `2 - 2 cos(p_i, t_i)`, the squared distance of the two rows after
/// scaling both to unit length, averaged over the rows. No negatives: only the predictor and
/// the slow target keep it from the trivial answer (every output the same).
///
/// # Shapes
/// - predictions, targets: `[n, d]`
/// - output: `[1]`
pub fn normalized_mse(predictions: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    let cos = (unit_rows(predictions) * unit_rows(targets)).sum_dim(1); // [n, 1]
    (cos.neg() * 2.0 + 2.0).mean()
}

/// The collapse monitor of SimSiam / BYOL: the standard deviation over the batch of each
/// dimension of the unit-length outputs, averaged over the dimensions and scaled by `sqrt(d)`.
/// Outputs spread evenly over the sphere give about 1; collapsed ones (all the same) give 0.
///
/// # Shapes
/// - z: `[n, d]`, `n >= 2`
/// - output: `[1]`
pub fn output_spread(z: Tensor<2>) -> Tensor<1> {
    let d = z.dims()[1];
    let z = unit_rows(z);
    let centred = z.clone() - z.mean_dim(0); // [n, d]
    let std = centred.powi_scalar(2).mean_dim(0).sqrt(); // [1, d]
    std.mean() * (d as f64).sqrt()
}

/// Rows scaled to unit length (a zero row stays zero).
///
/// # Shapes
/// - x: `[n, d]`, output: `[n, d]`
pub fn unit_rows(x: Tensor<2>) -> Tensor<2> {
    let norm = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12); // [n, 1]
    x / norm
}

/// CLIP's symmetric loss: image `i` must pick caption `i` among the captions, and caption `i`
/// image `i` among the images; the mean of the two directions.
///
/// # Shapes
/// - images, texts: `[n, d]`
/// - output: `[1]`
pub fn symmetric_info_nce(images: Tensor<2>, texts: Tensor<2>, temperature: f64) -> Tensor<1> {
    let n = images.dims()[0];
    let diagonal = Tensor::<1, Int>::arange(0..n as i64, &images.device());
    (info_nce(images.clone(), texts.clone(), diagonal.clone(), temperature)
        + info_nce(texts, images, diagonal, temperature))
        / 2.0
}

/// The negative log-likelihood, in nats, of each target image under independent Bernoulli pixels
/// with the given logits (binary cross-entropy summed over the pixels; grey targets in [0, 1]
/// are read as probabilities, the usual convention for MNIST). Computed in the stable form
/// `max(x, 0) - x t + log(1 + exp(-|x|))`.
///
/// # Shapes
/// - logits, targets: `[batch, channels, rows, cols]`
/// - output: `[batch]`
pub fn bernoulli_nll(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    let batch = logits.dims()[0];
    // -[t log s + (1 - t) log(1 - s)] with s = sigmoid(x) is softplus(x) - x t.
    let per_pixel = softplus(logits.clone()) - logits * targets;
    per_pixel.flatten::<2>(1, 3).sum_dim(1).reshape([batch])
}

/// `log(1 + e^x)` in the stable form `max(x, 0) + log(1 + e^-|x|)`: finite for any logit (the
/// naive form overflows from x = 89 in f32).
///
/// # Shapes
/// - x: any, output: the same
pub fn softplus<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone().clamp_min(0.0) + x.abs().neg().exp().log1p()
}

/// Which GAN objective: the non-saturating loss of Goodfellow et al. (the generator maximises
/// log D(G(z)), which keeps its gradient when the discriminator wins early), or least squares
/// (LSGAN, Mao et al. 2017: real -> 1, fake -> 0, squared error on the raw outputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GanLoss {
    /// `-log sigmoid(D(x)) - log(1 - sigmoid(D(G(z))))` for D, `-log sigmoid(D(G(z)))` for G.
    #[default]
    NonSaturating,
    /// `((D(x) - 1)^2 + D(G(z))^2) / 2` for D, `(D(G(z)) - 1)^2 / 2` for G.
    LeastSquares,
}

/// The discriminator's loss on a batch of real and a batch of generated images.
///
/// # Shapes
/// - real, fake: `[batch]` discriminator outputs (logits)
/// - output: `[1]`
pub fn discriminator_loss(real: Tensor<1>, fake: Tensor<1>, kind: GanLoss) -> Tensor<1> {
    match kind {
        // -log sigmoid(r) = softplus(-r); -log(1 - sigmoid(f)) = softplus(f).
        GanLoss::NonSaturating => softplus(real.neg()).mean() + softplus(fake).mean(),
        GanLoss::LeastSquares => {
            ((real - 1.0).powi_scalar(2).mean() + fake.powi_scalar(2).mean()) * 0.5
        }
    }
}

/// The generator's loss on the discriminator's outputs for its images.
///
/// # Shapes
/// - fake: `[batch]` discriminator outputs (logits)
/// - output: `[1]`
pub fn generator_loss(fake: Tensor<1>, kind: GanLoss) -> Tensor<1> {
    match kind {
        GanLoss::NonSaturating => softplus(fake.neg()).mean(),
        GanLoss::LeastSquares => (fake - 1.0).powi_scalar(2).mean() * 0.5,
    }
}

/// Mean absolute difference of two batches of images (the L1 distance CycleGAN's cycle and
/// identity losses use: it keeps edges sharper than a squared error, which forgives many small
/// blurs).
///
/// # Shapes
/// - a, b: `[batch, channels, rows, cols]`
/// - output: `[1]`
pub fn mean_absolute_error(a: Tensor<4>, b: Tensor<4>) -> Tensor<1> {
    (a - b).abs().mean()
}

/// KL divergence, in nats, of each row's diagonal Gaussian `N(mean, exp(log_var))` from the
/// standard normal prior: `0.5 * sum(mean^2 + exp(log_var) - 1 - log_var)` (the closed form the
/// VAE's loss uses).
///
/// # Shapes
/// - mean, log_var: `[batch, latent]`
/// - output: `[batch]`
pub fn gaussian_kl(mean: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    let batch = mean.dims()[0];
    let terms = mean.powi_scalar(2) + log_var.clone().exp() - log_var - 1.0;
    (terms.sum_dim(1) * 0.5).reshape([batch])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn cross_entropy_matches_the_naive_formula() {
        let device = Device::flex();
        let rows = [[2.0f32, 0.5, -1.0], [0.1, 0.2, 3.0]];
        let targets = [0i64, 1];
        let logits = Tensor::<2>::from_data(TensorData::from(rows), &device);
        let t = Tensor::<1, Int>::from_data(TensorData::from(targets), &device);
        let got = cross_entropy(logits, t).into_scalar::<f32>();
        let naive: f32 = rows
            .iter()
            .zip(targets)
            .map(|(r, t)| {
                let z: f32 = r.iter().map(|v| v.exp()).sum();
                -(r[t as usize].exp() / z).ln()
            })
            .sum::<f32>()
            / 2.0;
        assert!((got - naive).abs() < 1e-5, "{got} vs {naive}");
    }

    #[test]
    fn accuracy_counts_argmax_hits() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_data(
            TensorData::from([[1.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [0.2, 0.1]]),
            &device,
        );
        let t = Tensor::<1, Int>::from_data(TensorData::from([0i64, 1, 1, 1]), &device);
        assert_eq!(accuracy(logits, t).into_scalar::<f32>(), 0.5);
    }

    /// The naive oracle: cosine similarities by loops, softmax cross-entropy by the formula.
    fn naive_info_nce(
        a: &[Vec<f64>],
        b: &[Vec<f64>],
        pos: &[usize],
        t: f64,
        skip_self: bool,
    ) -> f64 {
        let cos = |x: &Vec<f64>, y: &Vec<f64>| {
            let dot: f64 = x.iter().zip(y).map(|(p, q)| p * q).sum();
            let nx = x.iter().map(|p| p * p).sum::<f64>().sqrt();
            let ny = y.iter().map(|p| p * p).sum::<f64>().sqrt();
            dot / (nx * ny)
        };
        let mut total = 0.0;
        for (i, x) in a.iter().enumerate() {
            let logits: Vec<f64> = b.iter().map(|y| cos(x, y) / t).collect();
            let z: f64 = logits
                .iter()
                .enumerate()
                .filter(|&(j, _)| !(skip_self && j == i))
                .map(|(_, l)| l.exp())
                .sum();
            total += -(logits[pos[i]].exp() / z).ln();
        }
        total / a.len() as f64
    }

    fn rows(n: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..n)
            .map(|_| (0..d).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect()
    }

    fn tensor(rows: &[Vec<f64>]) -> Tensor<2> {
        let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
        Tensor::from_data(
            TensorData::new(flat, [rows.len(), rows[0].len()]),
            &Device::flex(),
        )
    }

    #[test]
    fn contrastive_losses_match_naive_loops() {
        let (n, d) = (5, 4);
        let (a, b) = (rows(n, d, 1), rows(n, d, 2));
        for t in [0.1, 0.5, 1.0] {
            // InfoNCE with arbitrary positives.
            let pos = [3usize, 0, 4, 4, 1];
            let p = Tensor::<1, Int>::from_data(
                TensorData::new(pos.iter().map(|&i| i as i64).collect::<Vec<_>>(), [n]),
                &Device::flex(),
            );
            let got = info_nce(tensor(&a), tensor(&b), p, t).into_scalar::<f32>() as f64;
            let want = naive_info_nce(&a, &b, &pos, t, false);
            assert!(
                (got - want).abs() < 1e-4 * want.max(1.0),
                "t {t}: {got} vs {want}"
            );

            // NT-Xent: 2n views, self-similarity masked, partner i <-> i + n.
            let both: Vec<Vec<f64>> = a.iter().chain(&b).cloned().collect();
            let partners: Vec<usize> = (0..2 * n).map(|i| (i + n) % (2 * n)).collect();
            let got = nt_xent(tensor(&a), tensor(&b), t).into_scalar::<f32>() as f64;
            let want = naive_info_nce(&both, &both, &partners, t, true);
            assert!(
                (got - want).abs() < 1e-4 * want.max(1.0),
                "t {t}: {got} vs {want}"
            );

            // CLIP: both directions, diagonal positives.
            let diag: Vec<usize> = (0..n).collect();
            let got = symmetric_info_nce(tensor(&a), tensor(&b), t).into_scalar::<f32>() as f64;
            let want = (naive_info_nce(&a, &b, &diag, t, false)
                + naive_info_nce(&b, &a, &diag, t, false))
                / 2.0;
            assert!(
                (got - want).abs() < 1e-4 * want.max(1.0),
                "t {t}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn matched_views_give_a_small_nt_xent_and_shuffled_ones_a_large_one() {
        let a = rows(8, 16, 3);
        let low = nt_xent(tensor(&a), tensor(&a), 0.1).into_scalar::<f32>();
        let mut shuffled = a.clone();
        shuffled.rotate_left(1);
        let high = nt_xent(tensor(&a), tensor(&shuffled), 0.1).into_scalar::<f32>();
        assert!(low < 0.5 && high > 2.0, "{low} {high}");
    }

    #[test]
    fn byol_loss_and_collapse_monitor_match_their_closed_forms() {
        let device = Device::flex();
        let rows = |v: Vec<f32>, d: usize| {
            let n = v.len() / d;
            Tensor::<2>::from_data(TensorData::new(v, [n, d]), &device)
        };
        let a = rows(vec![1.0, 2.0, 0.0, 0.0, 0.0, 3.0], 3);
        // Same direction: 0 (whatever the length); opposite: 4; orthogonal: 2.
        let same = normalized_mse(a.clone(), a.clone() * 5.0).into_scalar::<f32>();
        let opposite = normalized_mse(a.clone(), a.clone().neg()).into_scalar::<f32>();
        let orthogonal = normalized_mse(rows(vec![1.0, 0.0, 0.0], 3), rows(vec![0.0, 2.0, 0.0], 3))
            .into_scalar::<f32>();
        assert!(
            same.abs() < 1e-6 && (opposite - 4.0).abs() < 1e-5 && (orthogonal - 2.0).abs() < 1e-6
        );
        // Collapsed outputs (all alike): 0. The d one-hot rows of d = 4 dimensions: each
        // dimension is 1 once in 4, std sqrt(3) / 4, times sqrt(4).
        let collapsed = output_spread(rows([1.0, 2.0, 3.0, 4.0].repeat(5), 4)).into_scalar::<f32>();
        assert!(collapsed.abs() < 1e-6, "{collapsed}");
        let mut eye = vec![0.0f32; 16];
        (0..4).for_each(|i| eye[i * 5] = 3.0);
        let spread = output_spread(rows(eye, 4)).into_scalar::<f32>();
        assert!((spread - 3f32.sqrt() / 2.0).abs() < 1e-5, "{spread}");
    }
}
