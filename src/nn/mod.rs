//! Reusable network blocks. Each is a `XConfig` (burn `Config`) whose `init(&device)` is the only
//! constructor, and a `Module` with a documented `forward`.

pub mod encoder;
pub mod heads;

pub use encoder::{ConvEncoder, ConvEncoderConfig};
pub use heads::{MlpHead, MlpHeadConfig};
