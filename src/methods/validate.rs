//! The checks every method's config shares: learning rates, gradient clipping, ranges, batch
//! sizes against the loaded data.

use crate::data::{DatasetName, TrainingData};
use crate::{Error, Result};

/// The largest batch a step may take (keeps one step well inside a frame budget on a laptop GPU).
pub const MAX_BATCH_SIZE: usize = 512;

/// Most example images one call may ask for.
pub const MAX_EXAMPLES: usize = 256;

/// A count of things one call asks for (steps, images, points) must lie in `1..=max`.
pub fn validate_count(field: &str, count: usize, max: usize) -> Result<()> {
    validate_range(field, count, 1, max)
}

/// A learning rate must be a finite number in (0, 1].
pub fn validate_learning_rate(field: &str, lr: f64) -> Result<()> {
    validate_positive(field, lr, 1.0)
}

/// A setting must be a finite number greater than 0 and at most `max`.
pub fn validate_positive(field: &str, value: f64, max: f64) -> Result<()> {
    if !value.is_finite() || value <= 0.0 || value > max {
        return Err(Error::config(
            field,
            format!("must be a number greater than 0 and at most {max}, got {value}"),
        ));
    }
    Ok(())
}

/// A gradient clip must be 0 (off) or a finite positive norm of at most 1,000,000.
pub fn validate_gradient_clip(max_norm: f64) -> Result<()> {
    if !max_norm.is_finite() || !(0.0..=1e6).contains(&max_norm) {
        return Err(Error::config(
            "gradient_clip",
            format!(
                "must be 0 (no clipping) or a positive number of at most 1000000, got {max_norm}"
            ),
        ));
    }
    Ok(())
}

/// A whole-number setting must lie in `min..=max`.
pub fn validate_range(field: &str, value: usize, min: usize, max: usize) -> Result<()> {
    if !(min..=max).contains(&value) {
        return Err(Error::config(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(())
}

/// A batch takes between 1 and `max` images, and no more than the training part holds.
pub fn validate_batch_size(
    field: &str,
    size: usize,
    max: usize,
    data: &TrainingData,
) -> Result<()> {
    let max = max.min(data.train.len());
    if size == 0 || size > max {
        return Err(Error::config(
            field,
            format!(
                "must be between 1 and {max} (the training set has {} images), got {size}",
                data.train.len()
            ),
        ));
    }
    Ok(())
}

/// The config's dataset must be the one the session was given.
pub fn validate_dataset(dataset: DatasetName, data: &TrainingData) -> Result<()> {
    if data.name != dataset {
        return Err(Error::config(
            "dataset",
            format!(
                "the session was given the {} data but asks for {}",
                data.name.as_str(),
                dataset.as_str()
            ),
        ));
    }
    Ok(())
}
