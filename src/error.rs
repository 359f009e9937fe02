//! The crate's one error type. Every message is written for the person who sees it on the page:
//! it names the field or the file and says what was expected.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, as a value: nothing in the crate panics on bad input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A configuration field is out of range, of the wrong type or unknown.
    #[error("{field}: {message}")]
    Config {
        /// The field's name as the page and the URL spell it (e.g. `batch_size`).
        field: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// A dataset or checkpoint file is truncated, corrupt or of another format.
    #[error("{what}: {message}")]
    Data {
        /// The file or the dataset the problem is in.
        what: String,
        /// What was found and what was expected.
        message: String,
    },
    /// Training produced a non-finite value; the session stops until it is reset.
    #[error(
        "training stopped at step {step}: the {metric} became {value} (try a lower learning rate, then Reset)"
    )]
    NonFinite {
        /// The step at which the value was observed.
        step: u64,
        /// Which metric (e.g. `loss`).
        metric: String,
        /// How it printed (`NaN`, `inf`, `-inf`).
        value: String,
    },
    /// The session has stopped earlier (after a non-finite loss) and must be reset.
    #[error("{0}")]
    Halted(String),
    /// The session was freed; create a new one.
    #[error("this session was freed; create a new session")]
    Freed,
    /// The compute device failed (initialisation, a lost device, a failed read-back).
    #[error("device: {0}")]
    Device(String),
}

impl Error {
    /// A configuration error naming `field`.
    pub fn config(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Config {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// A data error about `what`.
    pub fn data(what: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Data {
            what: what.into(),
            message: message.to_string(),
        }
    }
}
