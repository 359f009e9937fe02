//! Evaluation of learned representations. Labels are used here and nowhere else.

pub mod probe;

pub use probe::{ProbeComparison, ProbeConfig, encode_all, fit_logistic, linear_probe};
