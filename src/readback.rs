//! The one way values come back from the device: every read-back is asynchronous (the only
//! kind a browser allows) and its failure is an [`Error::Device`] saying what was being read.

use std::fmt;

use burn::tensor::Tensor;

use crate::{Error, Result};

/// The one way values come back from the device: any read-back (a tensor's data, a
/// transaction's, a scalar) awaited with `.read_back("what")`, its failure an
/// [`Error::Device`] saying what was being read ("reading the images back failed: ...").
pub trait ReadBack<T> {
    /// Await the read-back; `what` names the values in the error.
    fn read_back(self, what: &str) -> impl Future<Output = Result<T>>;
}

impl<T, E: fmt::Debug, F: Future<Output = std::result::Result<T, E>>> ReadBack<T> for F {
    async fn read_back(self, what: &str) -> Result<T> {
        self.await
            .map_err(|e| Error::Device(format!("reading the {what} back failed: {e:?}")))
    }
}

/// A float tensor's values read back, flattened in row-major order.
pub trait ReadFloats {
    /// Read the values back; `what` names them in the error.
    fn read_floats(self, what: &str) -> impl Future<Output = Result<Vec<f32>>>;
}

impl<const D: usize> ReadFloats for Tensor<D> {
    async fn read_floats(self, what: &str) -> Result<Vec<f32>> {
        let data = self.into_data_async().read_back(what).await?;
        Ok(data.iter::<f32>().collect())
    }
}
