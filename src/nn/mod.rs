//! Reusable network blocks. Each is a `XConfig` (burn `Config`) whose `init(&device)` is the only
//! constructor, and a `Module` with a documented `forward`.

pub mod decoder;
pub mod ema;
pub mod encoder;
pub mod heads;
pub mod queue;
pub mod transformer;

pub use decoder::{ConvDecoder, ConvDecoderConfig, EncoderDecoder, EncoderDecoderConfig};
pub use ema::ema_update;
pub use encoder::{ConvBlock, ConvEncoder, ConvEncoderConfig};
pub use heads::{Embedder, EmbedderConfig, MlpHead, MlpHeadConfig};
pub use queue::KeyQueue;
pub use transformer::{TransformerBlock, TransformerBlockConfig};
