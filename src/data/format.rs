//! The compact binary format of the shipped datasets (`www/data/*.upgd`), and its checked reader.
//!
//! A file is one gzip stream (gzip's CRC-32 catches corruption) holding, little endian:
//!
//! ```text
//! b"UPGD" | u16 version (= 1) | u32 count | u16 rows | u16 cols | u16 channels | u16 classes
//! | u8 len + dataset name | classes x (u8 len + class name)
//! | count label bytes | count * rows * cols * channels pixel bytes (row major, 0 = black)
//! ```
//!
//! `scripts/make_datasets.py` writes these files from the registry packages.

use std::io::Read;

use crate::{Error, Result};

const MAGIC: &[u8; 4] = b"UPGD";
const VERSION: u16 = 1;
/// Upper bound on the decompressed size we accept (guards against a hostile or corrupt header).
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// A labelled image dataset as stored: bytes on the host, nothing on a device yet.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    /// Short name (`mnist`, `fashion`).
    pub name: String,
    /// Human-readable class names, indexed by label.
    pub class_names: Vec<String>,
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// Channels per pixel (1 for the grey datasets).
    pub channels: usize,
    /// One label per image, each `< class_names.len()`.
    pub labels: Vec<u8>,
    /// `len * channels * rows * cols` bytes, image after image, each in CHW order.
    pub pixels: Vec<u8>,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Bytes per image.
    pub fn image_len(&self) -> usize {
        self.channels * self.rows * self.cols
    }

    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.image_len();
        &self.pixels[i * n..(i + 1) * n]
    }

    /// Encode into the file format (the inverse of [`ImageSet::decode`]); used by tests and tools.
    pub fn encode(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity(64 + self.labels.len() + self.pixels.len());
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&VERSION.to_le_bytes());
        raw.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        for v in [self.rows, self.cols, self.channels, self.class_names.len()] {
            raw.extend_from_slice(&(v as u16).to_le_bytes());
        }
        for s in std::iter::once(&self.name).chain(&self.class_names) {
            raw.push(s.len() as u8);
            raw.extend_from_slice(s.as_bytes());
        }
        raw.extend_from_slice(&self.labels);
        raw.extend_from_slice(&self.pixels);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, &raw).expect("writing to a Vec cannot fail");
        enc.finish().expect("writing to a Vec cannot fail")
    }

    /// Decode and check a dataset file. `what` names the file in error messages.
    ///
    /// Every way a file can be wrong (not gzip, corrupt, truncated, another format, a newer
    /// version, sizes that disagree, a label out of range) is an [`Error::Data`], never a panic.
    pub fn decode(bytes: &[u8], what: &str) -> Result<Self> {
        let err = |m: &str| Error::data(what, m);
        if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
            return Err(err(
                "not a dataset file (it is not gzip-compressed; expected a .upgd file)",
            ));
        }
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(MAX_BYTES)
            .read_to_end(&mut raw)
            .map_err(|e| err(&format!("corrupt or truncated file ({e})")))?;
        let mut r = Reader { raw: &raw, at: 0 };
        if r.take(4, what)? != MAGIC {
            return Err(err("not a dataset file (bad magic number)"));
        }
        let version = r.u16(what)?;
        if version != VERSION {
            return Err(err(&format!(
                "format version {version} is not supported (this build reads version {VERSION})"
            )));
        }
        let count = r.u32(what)? as usize;
        let rows = r.u16(what)? as usize;
        let cols = r.u16(what)? as usize;
        let channels = r.u16(what)? as usize;
        let classes = r.u16(what)? as usize;
        if rows == 0 || cols == 0 || channels == 0 || classes == 0 || classes > 256 {
            return Err(err(&format!(
                "bad header: {rows}x{cols}x{channels} images, {classes} classes"
            )));
        }
        let name = r.string(what)?;
        let class_names = (0..classes)
            .map(|_| r.string(what))
            .collect::<Result<Vec<_>>>()?;
        let labels = r.take(count, what)?.to_vec();
        let pixels = r.take(count * rows * cols * channels, what)?.to_vec();
        if r.at != raw.len() {
            return Err(err(&format!(
                "{} unexpected bytes after the pixels",
                raw.len() - r.at
            )));
        }
        if let Some((i, l)) = labels
            .iter()
            .enumerate()
            .find(|(_, l)| **l as usize >= classes)
        {
            return Err(err(&format!(
                "label {l} of image {i} is out of range (the file has {classes} classes)"
            )));
        }
        Ok(ImageSet {
            name,
            class_names,
            rows,
            cols,
            channels,
            labels,
            pixels,
        })
    }
}

/// A bounds-checked cursor over the decompressed bytes.
struct Reader<'a> {
    raw: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.raw.len());
        let Some(end) = end else {
            return Err(Error::data(
                what,
                format!(
                    "truncated: wanted {n} more bytes at offset {}, the file has {}",
                    self.at,
                    self.raw.len()
                ),
            ));
        };
        let s = &self.raw[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let n = self.take(1, what)?[0] as usize;
        String::from_utf8(self.take(n, what)?.to_vec())
            .map_err(|_| Error::data(what, "a name in the header is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> ImageSet {
        ImageSet {
            name: "tiny".into(),
            class_names: vec!["a".into(), "b".into()],
            rows: 2,
            cols: 3,
            channels: 1,
            labels: vec![0, 1, 1],
            pixels: (0..18).collect(),
        }
    }

    #[test]
    fn round_trip() {
        let set = tiny();
        assert_eq!(ImageSet::decode(&set.encode(), "tiny").unwrap(), set);
    }

    #[test]
    fn truncated_file_is_refused() {
        let bytes = tiny().encode();
        for cut in [1, 5, bytes.len() / 2, bytes.len() - 1] {
            let e = ImageSet::decode(&bytes[..cut], "tiny.upgd").unwrap_err();
            assert!(e.to_string().starts_with("tiny.upgd: "), "{e}");
        }
    }

    #[test]
    fn corrupt_file_is_refused() {
        let mut bytes = tiny().encode();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x55;
        let e = ImageSet::decode(&bytes, "x").unwrap_err();
        assert!(matches!(e, Error::Data { .. }), "{e}");
    }

    #[test]
    fn other_formats_and_versions_are_refused() {
        assert!(
            ImageSet::decode(b"hello", "x")
                .unwrap_err()
                .to_string()
                .contains("not gzip")
        );
        let mut raw = Vec::new();
        let mut enc = flate2::write::GzEncoder::new(&mut raw, flate2::Compression::default());
        std::io::Write::write_all(&mut enc, b"UPGD\x07\x00").unwrap();
        enc.finish().unwrap();
        let e = ImageSet::decode(&raw, "x").unwrap_err().to_string();
        assert!(e.contains("version 7"), "{e}");
    }

    #[test]
    fn labels_out_of_range_are_refused() {
        let mut set = tiny();
        set.labels[2] = 9;
        let e = ImageSet::decode(&set.encode(), "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("label 9 of image 2"), "{e}");
    }
}
