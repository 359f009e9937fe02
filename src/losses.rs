//! Small pure loss and score functions, each with its shapes. Methods call these; nothing here
//! keeps state.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor};

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
}
