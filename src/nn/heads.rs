//! Heads on top of an encoder: classifiers for pretext tasks, later projection heads.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::{Device, Tensor};

/// Configuration of [`MlpHead`]: `input -> hidden -> ReLU -> output`, or a single linear layer
/// when `hidden` is 0.
#[derive(Config, Debug)]
pub struct MlpHeadConfig {
    /// Input features.
    pub input: usize,
    /// Output features (classes, or the projection size).
    pub output: usize,
    /// Hidden width; 0 means no hidden layer.
    #[config(default = 128)]
    pub hidden: usize,
}

/// A one-hidden-layer MLP (or a linear layer).
#[derive(Module, Debug)]
pub struct MlpHead {
    hidden: Option<Linear>,
    out: Linear,
}

impl MlpHeadConfig {
    /// Build the head on `device`.
    pub fn init(&self, device: &Device) -> MlpHead {
        if self.hidden == 0 {
            return MlpHead {
                hidden: None,
                out: LinearConfig::new(self.input, self.output).init(device),
            };
        }
        MlpHead {
            hidden: Some(LinearConfig::new(self.input, self.hidden).init(device)),
            out: LinearConfig::new(self.hidden, self.output).init(device),
        }
    }
}

impl MlpHead {
    /// # Shapes
    /// - x: `[batch, input]`
    /// - output: `[batch, output]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match &self.hidden {
            Some(hidden) => self.out.forward(Relu::new().forward(hidden.forward(x))),
            None => self.out.forward(x),
        }
    }
}
