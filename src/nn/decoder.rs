//! The upsampling decoder every generative method shares (the autoencoders and VAEs now, the
//! GAN generator where its shapes agree), and the encoder-decoder pair the autoencoder, the
//! denoising autoencoder, the VAE and the conditional VAE are all built from.
//!
//! The decoder mirrors the shared [`ConvEncoder`]: a linear layer to a 7x7 feature map, then two
//! transposed convolutions (4x4, stride 2) back to 14x14 and 28x28. It returns logits; the
//! image is their sigmoid (each pixel a Bernoulli probability, which is also what the loss reads).

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, Relu};
use burn::tensor::{Device, Tensor};

use super::{ConvEncoder, ConvEncoderConfig};

/// Configuration of [`ConvDecoder`].
#[derive(Config, Debug)]
pub struct ConvDecoderConfig {
    /// Length of the input vector (the latent code, plus a one-hot class when conditional).
    pub input: usize,
    /// Channels of the 7x7 and the 14x14 feature maps.
    #[config(default = "[64, 32]")]
    pub channels: [usize; 2],
    /// Channels of the output image.
    #[config(default = 1)]
    pub out_channels: usize,
    /// Batch norm on the 7x7 and 14x14 maps (DCGAN's generator: it keeps the signal in the
    /// range where the ReLUs are informative while the discriminator moves the target under it;
    /// the autoencoders train well without it and keep their checkpoints).
    #[config(default = false)]
    pub batch_norm: bool,
}

/// Linear -> 7x7 map -> transposed conv to 14x14 -> transposed conv to 28x28 (logits).
#[derive(Module, Debug)]
pub struct ConvDecoder {
    fc: Linear,
    up1: ConvTranspose2d,
    up2: ConvTranspose2d,
    norms: Option<[BatchNorm; 2]>,
    #[module(skip)]
    channels: usize,
}

impl ConvDecoderConfig {
    /// Build the decoder on `device`.
    pub fn init(&self, device: &Device) -> ConvDecoder {
        let [c1, c2] = self.channels;
        // kernel 4, stride 2, padding 1 doubles the side exactly: (7 - 1) * 2 - 2 + 4 = 14.
        let up = |channels: [usize; 2]| {
            ConvTranspose2dConfig::new(channels, [4, 4])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .init(device)
        };
        ConvDecoder {
            fc: LinearConfig::new(self.input, c1 * 7 * 7).init(device),
            up1: up([c1, c2]),
            up2: up([c2, self.out_channels]),
            norms: self.batch_norm.then(|| {
                [
                    BatchNormConfig::new(c1).init(device),
                    BatchNormConfig::new(c2).init(device),
                ]
            }),
            channels: c1,
        }
    }
}

impl ConvDecoder {
    /// Decode vectors to image logits (the image is their sigmoid).
    ///
    /// # Shapes
    /// - input: `[batch, input]`
    /// - output: `[batch, out_channels, 28, 28]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<4> {
        let batch = input.dims()[0];
        // Normalise (when configured) then ReLU.
        let activate = |x: Tensor<4>, i: usize| {
            let x = match &self.norms {
                Some(norms) => norms[i].forward(x),
                None => x,
            };
            Relu::new().forward(x)
        };
        let x = self.fc.forward(input).reshape([batch, self.channels, 7, 7]);
        let x = activate(x, 0); // [b, c1, 7, 7]
        let x = activate(self.up1.forward(x), 1); // [b, c2, 14, 14]
        self.up2.forward(x) // [b, out_channels, 28, 28]
    }
}

/// Configuration of [`EncoderDecoder`].
#[derive(Config, Debug)]
pub struct EncoderDecoderConfig {
    /// Length of the code the encoder emits (the latent size; twice it for a VAE, which emits a
    /// mean and a log-variance).
    pub code: usize,
    /// Length of the vector the decoder reads (the latent size).
    pub latent: usize,
    /// Classes fed (one-hot) to both halves; 0 for an unconditional model.
    #[config(default = 0)]
    pub classes: usize,
}

/// The shared conv encoder (its 7x7 map kept: a reconstruction needs to know *where* things
/// are, which a global average would throw away), a linear layer to the code, and the decoder.
#[derive(Module, Debug)]
pub struct EncoderDecoder {
    /// The shared conv encoder, read out on its full 7x7 grid.
    pub encoder: ConvEncoder,
    to_code: Linear,
    /// The decoder.
    pub decoder: ConvDecoder,
}

impl EncoderDecoderConfig {
    /// Build both halves on `device`.
    pub fn init(&self, device: &Device) -> EncoderDecoder {
        let encoder = ConvEncoderConfig::new().with_pooled(7);
        EncoderDecoder {
            to_code: LinearConfig::new(encoder.feature_dim() + self.classes, self.code)
                .init(device),
            encoder: encoder.init(device),
            decoder: ConvDecoderConfig::new(self.latent + self.classes).init(device),
        }
    }
}

impl EncoderDecoder {
    /// The code of each image (a conditional model also reads its class).
    ///
    /// # Shapes
    /// - images: `[batch, 1, 28, 28]`
    /// - classes: `[batch, classes]` one-hot, or `None` when unconditional
    /// - output: `[batch, code]`
    pub fn encode(&self, images: Tensor<4>, classes: Option<Tensor<2>>) -> Tensor<2> {
        let features = self.encoder.forward(images); // [b, 64 * 7 * 7]
        self.to_code.forward(with_classes(features, classes))
    }

    /// Image logits of each latent vector (a conditional model also reads the class).
    ///
    /// # Shapes
    /// - latent: `[batch, latent]`
    /// - classes: `[batch, classes]` one-hot, or `None`
    /// - output: `[batch, 1, 28, 28]`
    pub fn decode(&self, latent: Tensor<2>, classes: Option<Tensor<2>>) -> Tensor<4> {
        self.decoder.forward(with_classes(latent, classes))
    }
}

/// `x` with the one-hot classes appended to every row.
///
/// # Shapes
/// - x: `[batch, d]`, classes: `[batch, k]`
/// - output: `[batch, d + k]` (`[batch, d]` without classes)
fn with_classes(x: Tensor<2>, classes: Option<Tensor<2>>) -> Tensor<2> {
    match classes {
        Some(classes) => Tensor::cat(vec![x, classes], 1),
        None => x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let device = Device::flex();
        let net = EncoderDecoderConfig::new(8, 4)
            .with_classes(10)
            .init(&device);
        let images = Tensor::zeros([3, 1, 28, 28], &device);
        let onehot = Tensor::zeros([3, 10], &device);
        assert_eq!(net.encode(images, Some(onehot.clone())).dims(), [3, 8]);
        let z = Tensor::zeros([3, 4], &device);
        assert_eq!(net.decode(z, Some(onehot)).dims(), [3, 1, 28, 28]);
    }
}
