//! Saving a session's model to a file and loading it back: one mechanism for every method.
//!
//! A checkpoint file is an envelope around burn's own record format (burnpack, one record per
//! network part):
//!
//! ```text
//! "UPGDCKPT"                  8 bytes, the magic
//! format version              u32 little-endian (FORMAT_VERSION)
//! header length               u32 little-endian
//! header                      JSON: { config: { method, ... }, step, parts: [{ name, bytes }] }
//! parts                       the burnpack bytes of each part, in header order
//! CRC-32                      u32 little-endian, of everything before it
//! ```
//!
//! The header carries the method's whole config, so loading rebuilds exactly the network the
//! weights belong to; the checksum catches a truncated or damaged file before any of it is
//! read; burn's record loader then checks every tensor's path and shape. Only the networks are
//! saved (not Adam's moments): "continue training" after a load starts a fresh optimizer.
//!
//! Reading weights back from a GPU is asynchronous in the browser, so [`save_module`] gathers
//! every parameter in one [`Transaction`] and builds the record from a CPU copy.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, Tensor, TensorData, Transaction};
use serde::{Deserialize, Serialize};

use crate::methods::{LocalFuture, MethodConfig};
use crate::{Error, Result};

/// The first bytes of every checkpoint file.
pub const MAGIC: &[u8; 8] = b"UPGDCKPT";
/// The envelope's version; a file with a newer one is refused (this build cannot read it).
pub const FORMAT_VERSION: u32 = 1;
/// The file name extension the page offers.
pub const EXTENSION: &str = "upck";

const WHAT: &str = "checkpoint";

/// One saved network part (`"model"`, `"target"`, ...) as burnpack bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The part's name, unique within the checkpoint.
    pub name: String,
    /// burn's record of the part's parameters.
    pub bytes: Vec<u8>,
}

/// A decoded checkpoint: which method and config, how far it trained, its network parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The config the weights were trained with (the network is rebuilt from it).
    pub config: MethodConfig,
    /// Training steps taken when it was saved.
    pub step: u64,
    /// The network parts.
    pub parts: Vec<Part>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    config: serde_json::Value,
    step: u64,
    parts: Vec<PartHeader>,
}

#[derive(Serialize, Deserialize)]
struct PartHeader {
    name: String,
    bytes: usize,
}

impl Checkpoint {
    /// The file's bytes.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let header = Header {
            config: serde_json::to_value(&self.config)
                .map_err(|e| Error::data(WHAT, format!("could not write the config: {e}")))?,
            step: self.step,
            parts: self
                .parts
                .iter()
                .map(|p| PartHeader {
                    name: p.name.clone(),
                    bytes: p.bytes.len(),
                })
                .collect(),
        };
        let header = serde_json::to_vec(&header)
            .map_err(|e| Error::data(WHAT, format!("could not write the header: {e}")))?;
        let mut out = Vec::with_capacity(
            24 + header.len() + self.parts.iter().map(|p| p.bytes.len()).sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for part in &self.parts {
            out.extend_from_slice(&part.bytes);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Read a file's bytes: every check that needs no network (magic, version, checksum, header,
    /// config) happens here; the parts are checked against the network when they are loaded.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let bad = |message: String| Error::data(WHAT, message);
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(bad(format!(
                "not a playground checkpoint (a .{EXTENSION} file saved by the playground starts with {:?})",
                std::str::from_utf8(MAGIC).unwrap_or_default()
            )));
        }
        if bytes.len() < 20 {
            return Err(bad(format!(
                "the file is truncated ({} bytes, shorter than the envelope)",
                bytes.len()
            )));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
        let intact = crc32fast::hash(body) == stored;
        // A newer envelope may keep its checksum elsewhere, so a newer version is reported as
        // such, and as possibly damaged when this version's checksum does not hold.
        if version > FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version} is newer than this playground reads ({FORMAT_VERSION}){}; update the playground",
                if intact {
                    ""
                } else {
                    ", or the file is damaged"
                }
            )));
        }
        if !intact {
            return Err(bad(format!(
                "the file is truncated or damaged (checksum mismatch over {} bytes)",
                bytes.len()
            )));
        }
        let header_len = u32::from_le_bytes(body[12..16].try_into().expect("4 bytes")) as usize;
        let header_end = 16usize
            .checked_add(header_len)
            .filter(|&end| end <= body.len())
            .ok_or_else(|| bad("the header is longer than the file".into()))?;
        let header: Header = serde_json::from_slice(&body[16..header_end])
            .map_err(|e| bad(format!("the header is not valid: {e}")))?;
        let config = MethodConfig::from_json(header.config)
            .map_err(|e| bad(format!("the saved config is not valid here: {e}")))?;
        let mut at = header_end;
        let mut parts = Vec::with_capacity(header.parts.len());
        for part in header.parts {
            let end = at
                .checked_add(part.bytes)
                .filter(|&end| end <= body.len())
                .ok_or_else(|| bad(format!("part {:?} runs past the end", part.name)))?;
            parts.push(Part {
                name: part.name,
                bytes: body[at..end].to_vec(),
            });
            at = end;
        }
        if at != body.len() {
            return Err(bad(format!(
                "{} bytes after the last part",
                body.len() - at
            )));
        }
        Ok(Checkpoint {
            config,
            step: header.step,
            parts,
        })
    }

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
        let data = tx
            .execute_async()
            .await
            .map_err(|e| Error::Device(format!("reading the weights back failed: {e:?}")))?;
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
