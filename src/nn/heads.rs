//! Heads on top of an encoder: classifiers for pretext tasks, projection heads and predictors.

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

/// Configuration of [`Embedder`]: the shared encoder followed by a projection head, the network
/// SimCLR, MoCo and BYOL train (the contrastive loss is applied to the projections; the board
/// and the probes read the encoder's features before the head, which transfer better).
#[derive(Config, Debug)]
pub struct EmbedderConfig {
    /// Channels of the input images (3 for CLIP's colour shapes).
    #[config(default = 1)]
    pub in_channels: usize,
    /// Hidden width of the projection head.
    #[config(default = 128)]
    pub hidden: usize,
    /// Size of the projection the loss compares.
    #[config(default = 64)]
    pub projection: usize,
}

/// Encoder + projection head.
#[derive(Module, Debug)]
pub struct Embedder {
    /// The shared encoder (what the board evaluates).
    pub encoder: crate::nn::ConvEncoder,
    /// The projection head `g` of SimCLR (an MLP).
    pub projector: MlpHead,
}

impl EmbedderConfig {
    /// Build the encoder (default [`crate::nn::ConvEncoderConfig`]) and its head on `device`.
    pub fn init(&self, device: &Device) -> Embedder {
        let encoder = crate::nn::ConvEncoderConfig::new().with_in_channels(self.in_channels);
        Embedder {
            projector: MlpHeadConfig::new(encoder.feature_dim(), self.projection)
                .with_hidden(self.hidden)
                .init(device),
            encoder: encoder.init(device),
        }
    }
}

impl Embedder {
    /// Project a batch of images.
    ///
    /// # Shapes
    /// - images: `[batch, in_channels, 28, 28]`
    /// - output: `[batch, projection]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.projector.forward(self.encoder.forward(images))
    }
}
