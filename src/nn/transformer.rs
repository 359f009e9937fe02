//! The transformer block the sequence models share: the character-level GPT now (causal
//! attention: position i sees positions 0..=i only), the masked autoencoder's encoder and decoder
//! next (full attention over the visible patches).
//!
//! Pre-norm, as in GPT-2: `x + attention(norm(x))`, then `x + mlp(norm(x))`. Normalising the
//! input of each branch (not the sum) keeps the residual path an identity, which is what lets a
//! stack of blocks train at a fixed learning rate without warm-up at these sizes.

use burn::config::Config;
use burn::module::Module;
use burn::nn::attention::{
    MhaInput, MultiHeadAttention, MultiHeadAttentionConfig, generate_autoregressive_mask,
};
use burn::nn::{Gelu, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

/// Configuration of [`TransformerBlock`].
#[derive(Config, Debug)]
pub struct TransformerBlockConfig {
    /// Width of the token vectors.
    pub dim: usize,
    /// Attention heads (`dim` must be a multiple).
    pub heads: usize,
    /// Width of the MLP's hidden layer, as a multiple of `dim`.
    #[config(default = 4)]
    pub mlp_ratio: usize,
}

impl TransformerBlockConfig {
    /// Build the block on `device`.
    pub fn init(&self, device: &Device) -> TransformerBlock {
        let hidden = self.dim * self.mlp_ratio;
        TransformerBlock {
            norm1: LayerNormConfig::new(self.dim).init(device),
            // No dropout: the models are small and train for minutes; dropout would only slow
            // them and make a step depend on more than the seed.
            attention: MultiHeadAttentionConfig::new(self.dim, self.heads)
                .with_dropout(0.0)
                .init(device),
            norm2: LayerNormConfig::new(self.dim).init(device),
            fc1: LinearConfig::new(self.dim, hidden).init(device),
            fc2: LinearConfig::new(hidden, self.dim).init(device),
        }
    }
}

/// Attention then an MLP, each on a normalised copy of the input and added back to it.
#[derive(Module, Debug)]
pub struct TransformerBlock {
    norm1: LayerNorm,
    attention: MultiHeadAttention,
    norm2: LayerNorm,
    fc1: Linear,
    fc2: Linear,
}

impl TransformerBlock {
    /// The block on a batch of sequences; with `causal`, position `i` attends to `0..=i` only.
    ///
    /// # Shapes
    /// - x: `[batch, length, dim]`
    /// - output: (`[batch, length, dim]`, the attention weights `[batch, heads, length, length]`)
    pub fn forward(&self, x: Tensor<3>, causal: bool) -> (Tensor<3>, Tensor<4>) {
        let [batch, length, _] = x.dims();
        let mut input = MhaInput::self_attn(self.norm1.forward(x.clone()));
        if causal {
            // True above the diagonal: the future is masked out.
            input = input.mask_attn(generate_autoregressive_mask(batch, length, &x.device()));
        }
        let attended = self.attention.forward(input);
        let x = x + attended.context;
        let hidden = Gelu::new().forward(self.fc1.forward(self.norm2.forward(x.clone())));
        (x + self.fc2.forward(hidden), attended.weights)
    }
}
