//! The small CNN encoder every representation method trains (rotation, jigsaw, SimCLR, ...).
//!
//! Three 3x3 conv blocks (conv, batch norm, ReLU), max-pooling after the first two, then an
//! adaptive average pool to a `pooled x pooled` grid that is flattened (any input size >= 4x4
//! works: jigsaw tiles, crops). The default is a global average (`pooled = 1`): a spatial grid
//! of even random conv features is already a strong input for a linear probe on digits (measured
//! here: 92.7% with a random 3x3x64 grid), which would hide what a pretext task teaches; after a
//! global average, only what the channels have learned to detect is left to the probe.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d, Relu};
use burn::tensor::{Device, Tensor};

/// Configuration of [`ConvEncoder`].
#[derive(Config, Debug)]
pub struct ConvEncoderConfig {
    /// Channels of the input images (1 for the grey datasets).
    #[config(default = 1)]
    pub in_channels: usize,
    /// Output channels of the three conv blocks.
    #[config(default = "[16, 32, 64]")]
    pub channels: [usize; 3],
    /// Side of the pooled grid the last feature map is averaged to (1 = global average).
    #[config(default = 1)]
    pub pooled: usize,
}

/// Conv (3x3, same size) -> BatchNorm -> ReLU, the encoder's repeated block (and the
/// CycleGAN translators').
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
    norm: BatchNorm,
}

impl ConvBlock {
    /// A block from `channels[0]` to `channels[1]` channels.
    pub fn new(channels: [usize; 2], device: &Device) -> Self {
        ConvBlock {
            conv: Conv2dConfig::new(channels, [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
            norm: BatchNormConfig::new(channels[1]).init(device),
        }
    }

    /// # Shapes
    /// - x: `[batch, c_in, h, w]`
    /// - output: `[batch, c_out, h, w]`
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        Relu::new().forward(self.norm.forward(self.conv.forward(x)))
    }
}

/// The shared CNN encoder.
#[derive(Module, Debug)]
pub struct ConvEncoder {
    block1: ConvBlock,
    block2: ConvBlock,
    block3: ConvBlock,
    pool: MaxPool2d,
    grid: AdaptiveAvgPool2d,
}

impl ConvEncoderConfig {
    /// Build the encoder on `device`.
    pub fn init(&self, device: &Device) -> ConvEncoder {
        let [c1, c2, c3] = self.channels;
        ConvEncoder {
            block1: ConvBlock::new([self.in_channels, c1], device),
            block2: ConvBlock::new([c1, c2], device),
            block3: ConvBlock::new([c2, c3], device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            grid: AdaptiveAvgPool2dConfig::new([self.pooled, self.pooled]).init(),
        }
    }

    /// Length of the feature vector [`ConvEncoder::forward`] returns.
    pub fn feature_dim(&self) -> usize {
        self.channels[2] * self.pooled * self.pooled
    }
}

impl ConvEncoder {
    /// The same weights read out through a `pooled x pooled` grid instead (the pool has no
    /// weights): how the representation board gives every encoder one feature shape.
    pub fn with_grid(mut self, pooled: usize) -> Self {
        self.grid = AdaptiveAvgPool2dConfig::new([pooled, pooled]).init();
        self
    }

    /// Encode a batch of images into feature vectors.
    ///
    /// # Shapes
    /// - images: `[batch, in_channels, h, w]` (28x28 for the shipped datasets)
    /// - output: `[batch, channels[2] * pooled * pooled]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(self.block1.forward(images)); // [b, c1, 14, 14]
        let x = self.pool.forward(self.block2.forward(x)); // [b, c2, 7, 7]
        let x = self.grid.forward(self.block3.forward(x)); // [b, c3, pooled, pooled]
        x.flatten(1, 3) // [b, c3 * pooled * pooled]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let device = Device::flex();
        let config = ConvEncoderConfig::new();
        let encoder = config.init(&device);
        let out = encoder.forward(Tensor::zeros([2, 1, 28, 28], &device));
        assert_eq!(out.dims(), [2, config.feature_dim()]);
        // Smaller inputs (tiles, crops) work too.
        let out = encoder.forward(Tensor::zeros([3, 1, 9, 9], &device));
        assert_eq!(out.dims(), [3, config.feature_dim()]);
    }
}
