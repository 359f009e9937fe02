//! A network's weights as burn record bytes, and a method's saved parts: what every method's
//! `save` and `load` are made of. The file envelope around them (magic, config, checksum) is
//! [`crate::checkpoint`], which sits above the methods.
//!
//! Reading weights back from a GPU is asynchronous in the browser, so [`save_module`] gathers
//! every parameter in one [`Transaction`] and builds the record from a CPU copy.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, Tensor, TensorData, Transaction};

use crate::readback::ReadBack;
use crate::{Error, LocalFuture, Result};

/// Errors about saved weights are reported as the checkpoint's: that is the file the user gave.
const WHAT: &str = "checkpoint";

/// One saved network part (`"model"`, `"target"`, ...) as burnpack bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The part's name, unique within the checkpoint.
    pub name: String,
    /// burn's record of the part's parameters.
    pub bytes: Vec<u8>,
}

/// What a method saved, as a method loads it: the step count and the network parts.
#[derive(Debug, Clone, Copy)]
pub struct Saved<'a> {
    /// Training steps taken when it was saved.
    pub step: u64,
    /// The network parts.
    pub parts: &'a [Part],
}

impl Saved<'_> {
    /// The part called `name`, or an error saying it is missing.
    pub fn part(&self, name: &str) -> Result<&[u8]> {
        self.parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.bytes.as_slice())
            .ok_or_else(|| Error::data(WHAT, format!("it holds no {name:?} part")))
    }
}

/// Every float parameter (and running statistic) of a module, flattened, in visit order.
struct Gather {
    tensors: Vec<(Tensor<1>, Vec<usize>)>,
}

impl ModuleVisitor for Gather {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val().detach();
        let shape = value.dims().to_vec();
        let len: usize = shape.iter().product();
        self.tensors.push((value.reshape([len]), shape));
    }
}

/// Puts gathered values back, in the same visit order, as tensors on `device`.
struct Scatter {
    values: std::vec::IntoIter<TensorData>,
    device: Device,
}

impl ModuleMapper for Scatter {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let data = self.values.next().expect("one value per visited parameter");
        let device = self.device.clone();
        param.map(|_| Tensor::from_data(data, &device))
    }
}

/// The burnpack bytes of `module` (read back from its device in one transaction).
///
/// The record is taken from a copy of the module on the CPU backend: reading a GPU tensor
/// synchronously is impossible in the browser, and the record is the same either way.
pub fn save_module<M: Module + 'static>(module: &M) -> LocalFuture<Result<Vec<u8>>> {
    let module = module.valid();
    let mut gather = Gather {
        tensors: Vec::new(),
    };
    module.visit(&mut gather);
    Box::pin(async move {
        let shapes: Vec<Vec<usize>> = gather.tensors.iter().map(|(_, s)| s.clone()).collect();
        let tx = gather
            .tensors
            .into_iter()
            .fold(Transaction::default(), |tx, (t, _)| tx.register(t));
        let data = tx.execute_async().read_back("weights").await?;
        let values = data
            .into_iter()
            .zip(shapes)
            .map(|(d, shape)| {
                let values = d.try_to_vec::<f32>().map_err(|e| {
                    Error::data(WHAT, format!("a weight is not 32-bit float: {e:?}"))
                })?;
                Ok(TensorData::new(values, shape))
            })
            .collect::<Result<Vec<_>>>()?;
        let cpu = module.map(&mut Scatter {
            values: values.into_iter(),
            device: Device::flex(),
        });
        let bytes = cpu
            .into_record()
            .into_bytes()
            .map_err(|e| Error::data(WHAT, format!("could not write the weights: {e}")))?;
        Ok(bytes.to_vec())
    })
}

/// `module` (fresh, of the shape the checkpoint's config builds) with the weights in `bytes`.
/// A missing, extra or misshapen tensor is an error naming it; `module` is consumed either way,
/// so callers load into a new network and keep the current one until every part has loaded.
pub fn load_module<M: Module>(module: M, bytes: &[u8], part: &str) -> Result<M> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| Error::data(WHAT, format!("part {part:?} is not readable: {e}")))?;
    module
        .try_load_record(record)
        .map_err(|e| Error::data(WHAT, format!("part {part:?} does not fit the network: {e}")))
}

/// Save the named parts of a method (each a [`save_module`] future) as [`Part`]s.
pub fn gather_parts(
    parts: Vec<(&'static str, LocalFuture<Result<Vec<u8>>>)>,
) -> LocalFuture<Result<Vec<Part>>> {
    Box::pin(async move {
        let mut out = Vec::with_capacity(parts.len());
        for (name, bytes) in parts {
            out.push(Part {
                name: name.to_string(),
                bytes: bytes.await?,
            });
        }
        Ok(out)
    })
}
