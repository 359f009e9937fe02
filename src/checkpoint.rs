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
//! Each part's bytes are made and read by [`crate::record`], which the methods use.

use serde::{Deserialize, Serialize};

use crate::methods::MethodConfig;
pub use crate::record::{Part, Saved};
use crate::{Error, Result};

/// The first bytes of every checkpoint file.
pub const MAGIC: &[u8; 8] = b"UPGDCKPT";
/// The envelope's version; a file with a newer one is refused (this build cannot read it).
pub const FORMAT_VERSION: u32 = 1;
/// The file name extension the page offers.
pub const EXTENSION: &str = "upck";

const WHAT: &str = "checkpoint";

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

    /// What the method saved: the step count and the network parts, for
    /// [`crate::methods::Method::load`].
    pub fn saved(&self) -> Saved<'_> {
        Saved {
            step: self.step,
            parts: &self.parts,
        }
    }
}
