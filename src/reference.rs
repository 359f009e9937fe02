//! The benchmark's reference model (issue 9). TF.js trains the same network in the same browser
//! (`scripts/bench-reference.mjs`), so their training speeds can be compared step for step:
//!
//! conv(1 -> 32, 3x3, stride 1, same) + ReLU, conv(32 -> 64, 3x3, stride 2, same) + ReLU,
//! conv(64 -> 128, 3x3, stride 2, same) + ReLU, global average pool, linear(128 -> 4);
//! a batch of 128 28x28 inputs; Adam at 1e-3; softmax cross-entropy.
//!
//! One fixed random batch is uploaded once. The benchmark times the training step (forward,
//! backward, Adam on the device), not the data pipeline, exactly as the TF.js side does.
//! "Same" padding with stride 2 on 28 pixels pads one pixel in total: TF.js puts it after the
//! image, this model one on each side (burn has no asymmetric "same"). The output sizes and the
//! arithmetic are the same.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::Result;
use crate::backend::Compute;
use crate::methods::Trainer;

/// Images per step.
pub const BATCH: usize = 128;
/// Adam's learning rate.
pub const LEARNING_RATE: f64 = 1e-3;
/// Classes of the head.
pub const CLASSES: usize = 4;
const SIDE: usize = 28;

/// The reference network (see the module docs).
#[derive(Module, Debug)]
pub struct ReferenceNet {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    head: Linear,
}

impl ReferenceNet {
    /// Freshly initialised (burn's default initialisers), from `seed`.
    pub fn init(seed: u64, device: &Device) -> Self {
        device.seed(seed);
        let conv = |channels: [usize; 2], stride: usize| {
            Conv2dConfig::new(channels, [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        ReferenceNet {
            conv1: conv([1, 32], 1),
            conv2: conv([32, 64], 2),
            conv3: conv([64, 128], 2),
            head: LinearConfig::new(128, CLASSES).init(device),
        }
    }

    /// Class logits.
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    /// - output: `[batch, 4]` (through `[batch, 32, 28, 28]`, `[batch, 64, 14, 14]`,
    ///   `[batch, 128, 7, 7]` and the pooled `[batch, 128]`)
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let relu = Relu::new();
        let x = relu.forward(self.conv1.forward(images));
        let x = relu.forward(self.conv2.forward(x));
        let x = relu.forward(self.conv3.forward(x));
        let [batch, channels, _, _] = x.dims();
        let pooled = x.mean_dim(3).mean_dim(2).reshape([batch, channels]);
        self.head.forward(pooled)
    }
}

/// The reference model training on one fixed batch.
pub struct ReferenceBench {
    net: Trainer<ReferenceNet>,
    inputs: Tensor<4>,
    targets: Tensor<1, Int>,
}

impl ReferenceBench {
    /// The model, and a random batch (uniform pixels, uniform labels) uploaded once.
    pub fn new(compute: &Compute, seed: u64) -> Self {
        let device = compute.device.clone().autodiff();
        let mut rng = StdRng::seed_from_u64(seed);
        let pixels: Vec<f32> = (0..BATCH * SIDE * SIDE).map(|_| rng.random()).collect();
        let labels: Vec<i64> = (0..BATCH)
            .map(|_| rng.random_range(0..CLASSES as i64))
            .collect();
        ReferenceBench {
            net: Trainer::new(ReferenceNet::init(seed, &device)),
            inputs: Tensor::from_data(TensorData::new(pixels, [BATCH, 1, SIDE, SIDE]), &device),
            targets: Tensor::from_data(TensorData::new(labels, [BATCH]), &device),
        }
    }

    /// Enqueue `steps` training steps (nothing is read back).
    pub fn train(&mut self, steps: usize) {
        for _ in 0..steps {
            let logits = self.net.model.forward(self.inputs.clone());
            self.net
                .classify(LEARNING_RATE, logits, self.targets.clone());
        }
    }

    /// Wait for the enqueued steps and read their mean loss (the one read-back). The future
    /// borrows nothing, so a caller may await it after releasing the bench.
    pub fn loss(&mut self) -> impl Future<Output = Result<f64>> + use<> {
        let pending = self.net.take_metrics();
        async move {
            let metrics = pending.read().await?;
            Ok(metrics
                .iter()
                .find(|m| m.name == "loss")
                .map_or(f64::NAN, |m| m.value))
        }
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.net.steps()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendRequest;

    #[test]
    fn the_reference_model_has_its_shapes_and_learns_its_batch() {
        let compute = Compute::native(BackendRequest::Cpu).unwrap();
        let net = ReferenceNet::init(1, &compute.device);
        let logits = net.forward(Tensor::zeros([2, 1, SIDE, SIDE], &compute.device));
        assert_eq!(logits.dims(), [2, CLASSES]);

        let mut bench = ReferenceBench::new(&compute, 7);
        bench.train(1);
        let first = pollster::block_on(bench.loss()).unwrap();
        bench.train(8);
        let later = pollster::block_on(bench.loss()).unwrap();
        assert_eq!(bench.steps(), 9);
        // Four classes: the untrained loss is near ln 4; a fixed batch is then memorised.
        assert!((first - 4f64.ln()).abs() < 0.3, "first loss {first}");
        assert!(later < first, "{first} -> {later}");
    }
}
