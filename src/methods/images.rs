//! Images as every generative method hands them to the page: named groups of images read back
//! in one transaction ([`PendingImages`] -> [`Images`]), the checks of an image the page sends
//! ([`image_tensor`]), and the small pieces several generators share (interpolation weights,
//! seeded host noise, one-hot classes).

use burn::tensor::{Device, Tensor, TensorData, Transaction};
use rand::RngExt;
use rand::rngs::StdRng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::readback::{ReadBack, ReadFloats};
use crate::{Error, Result};

/// Side of the images every generative model here reads and writes.
pub const SIDE: usize = 28;
/// Pixels of one image.
pub const PIXELS: usize = SIDE * SIDE;
/// The most frames an interpolation may have.
pub const MAX_FRAMES: usize = 64;
/// How an interpolation moves between two latent codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Along the straight line: `(1 - t) a + t b`.
    #[default]
    Linear,
    /// Along the great circle (slerp): the norm of a prior sample concentrates near
    /// `sqrt(latent)`, and the straight line between two such codes passes closer to the origin,
    /// where the prior has few typical codes; the arc keeps the norm.
    Spherical,
}

/// Images as the page draws them, the pixels read back: what examples and zero-shot picks carry
/// (serialized flat, `{ rows, cols, channels, pixels, ... }`, inside their owner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pixels {
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// Channels per pixel.
    pub channels: usize,
    /// `count * channels * rows * cols` bytes, 0 = black, channel by channel per image.
    pub pixels: Vec<u8>,
}

/// `images` (`[count, channels, rows, cols]` in [0, 1]) and each one's `probabilities` over some
/// classes (`[count, classes]`), read back in one transaction; the probabilities row by row.
pub async fn read_with_probabilities(
    images: Tensor<4>,
    probabilities: Tensor<2>,
    what: &str,
) -> Result<(Pixels, Vec<f32>)> {
    let [_, channels, rows, cols] = images.dims();
    let data = Transaction::default()
        .register(images)
        .register(probabilities)
        .execute_async()
        .read_back(what)
        .await?;
    let pixels = Pixels {
        rows,
        cols,
        channels,
        pixels: super::image_bytes(&data[0]),
    };
    Ok((pixels, data[1].iter::<f32>().collect()))
}

/// Each row's most probable class and its probability (the first on a tie), rows of `classes`.
pub fn best_of_rows(probabilities: &[f32], classes: usize) -> Vec<(usize, f32)> {
    probabilities
        .chunks(classes.max(1))
        .map(|row| {
            row.iter().enumerate().fold(
                (0, f32::MIN),
                |best, (c, &p)| if p > best.1 { (c, p) } else { best },
            )
        })
        .collect()
}

/// Image groups read back (inputs and their reconstructions, frames of an interpolation, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Images {
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// Channels per pixel.
    pub channels: usize,
    /// The named groups, in order.
    pub groups: Vec<ImageGroup>,
    /// The class of each image of the first group when known (data images), else empty.
    pub labels: Vec<usize>,
}

impl Images {
    /// The group called `name`.
    pub fn group(&self, name: &str) -> Option<&ImageGroup> {
        self.groups.iter().find(|g| g.name == name)
    }
}

/// One named group of images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageGroup {
    /// `input`, `noisy`, `output`, `frames`, ...
    pub name: String,
    /// Images in the group.
    pub count: usize,
    /// `count * channels * rows * cols` bytes, 0 = black.
    pub pixels: Vec<u8>,
}

/// Image groups still on the device.
#[derive(Debug)]
pub struct PendingImages {
    groups: Vec<(&'static str, Tensor<4>)>,
    labels: Vec<usize>,
}

impl PendingImages {
    /// Groups of images in [0, 1], each `[count, channels, rows, cols]`.
    pub fn new(groups: Vec<(&'static str, Tensor<4>)>, labels: Vec<usize>) -> Self {
        PendingImages { groups, labels }
    }

    /// Read every group back in one transaction.
    pub async fn read(self) -> Result<Images> {
        let [_, channels, rows, cols] = self.groups[0].1.dims();
        let tx = self
            .groups
            .iter()
            .fold(Transaction::default(), |tx, (_, t)| tx.register(t.clone()));
        let data = tx.execute_async().read_back("images").await?;
        let groups = self
            .groups
            .iter()
            .zip(data)
            .map(|((name, t), d)| ImageGroup {
                name: name.to_string(),
                count: t.dims()[0],
                pixels: super::image_bytes(&d),
            })
            .collect();
        Ok(Images {
            rows,
            cols,
            channels,
            groups,
            labels: self.labels,
        })
    }
}

/// An interpolation needs both ends and at most [`MAX_FRAMES`].
pub fn check_frames(frames: usize) -> Result<()> {
    if !(2..=MAX_FRAMES).contains(&frames) {
        return Err(Error::config(
            "frames",
            format!("must be between 2 and {MAX_FRAMES} (both ends included), got {frames}"),
        ));
    }
    Ok(())
}

/// The weights `(w_a, w_b)` of the point at `t` in [0, 1] between codes `a` and `b`.
pub fn interpolation_weights(a: &[f32], b: &[f32], t: f32, mode: Interpolation) -> (f32, f32) {
    let linear = (1.0 - t, t);
    if mode == Interpolation::Linear {
        return linear;
    }
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    if na < 1e-6 || nb < 1e-6 {
        return linear;
    }
    let cos = (a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb)).clamp(-1.0, 1.0);
    let theta = cos.acos();
    let sin = theta.sin();
    // (Anti-)parallel codes: the arc is not defined by the two ends; the line is the limit.
    if sin.abs() < 1e-4 {
        return linear;
    }
    (((1.0 - t) * theta).sin() / sin, (t * theta).sin() / sin)
}

/// One image's pixels from the page (picked from the data or drawn on a canvas), checked:
/// exactly 28 x 28 values, each in [0, 1].
///
/// # Shapes
/// - output: `[1, 1, 28, 28]`
pub fn image_tensor(field: &str, pixels: &[f32], device: &Device) -> Result<Tensor<4>> {
    if pixels.len() != PIXELS {
        return Err(Error::config(
            field,
            format!(
                "must be a {SIDE} x {SIDE} image ({PIXELS} values in [0, 1], row by row), got {} values",
                pixels.len()
            ),
        ));
    }
    if let Some((i, v)) = pixels
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || !(0.0..=1.0).contains(*v))
    {
        return Err(Error::config(
            field,
            format!("pixel {i} is {v}; every value must be in [0, 1]"),
        ));
    }
    Ok(Tensor::from_data(
        TensorData::new(pixels.to_vec(), [1, 1, SIDE, SIDE]),
        device,
    ))
}

/// `n` draws from the standard normal on a seeded generator: codes and noise that depend only on
/// their seed, drawn on the host so they never advance the device's training random stream.
pub fn standard_normal(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.sample(StandardNormal)).collect()
}

/// One-hot rows of `classes` on `device`.
///
/// # Shapes
/// - output: `[classes.len(), k]`
pub fn one_hot(classes: &[usize], k: usize, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = classes.iter().flat_map(|&c| one_hot_row(c, k)).collect();
    Tensor::from_data(TensorData::new(values, [classes.len(), k]), device)
}

pub(super) fn one_hot_row(class: usize, k: usize) -> Vec<f32> {
    (0..k).map(|j| if j == class { 1.0 } else { 0.0 }).collect()
}

/// Read a small `[n, d]` tensor back as rows.
pub(super) async fn read_rows(t: Tensor<2>, what: &str) -> Result<Vec<Vec<f32>>> {
    let [_, d] = t.dims();
    let values: Vec<f32> = t.read_floats(what).await?;
    Ok(values.chunks(d.max(1)).map(|r| r.to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn slerp_keeps_the_norm_of_orthogonal_unit_codes_and_ends_at_the_ends() {
        let (a, b) = ([1.0, 0.0], [0.0, 1.0]);
        let (wa, wb) = interpolation_weights(&a, &b, 0.5, Interpolation::Spherical);
        assert!(((wa * wa + wb * wb).sqrt() - 1.0).abs() < 1e-5, "{wa} {wb}");
        let (wa, wb) = interpolation_weights(&a, &b, 0.5, Interpolation::Linear);
        assert_eq!((wa, wb), (0.5, 0.5));
        for mode in [Interpolation::Linear, Interpolation::Spherical] {
            let (wa, wb) = interpolation_weights(&a, &b, 0.0, mode);
            assert!((wa - 1.0).abs() < 1e-6 && wb.abs() < 1e-6);
            let (wa, wb) = interpolation_weights(&a, &b, 1.0, mode);
            assert!(wa.abs() < 1e-6 && (wb - 1.0).abs() < 1e-6);
        }
        // Parallel codes fall back to the line instead of dividing by sin(0).
        let w = interpolation_weights(&a, &a, 0.3, Interpolation::Spherical);
        assert_eq!(w, (0.7, 0.3));
    }

    #[test]
    fn standard_normal_has_mean_0_and_variance_1() {
        let v = standard_normal(&mut StdRng::seed_from_u64(1), 20_000);
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / v.len() as f32;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }

    #[test]
    fn drawn_images_of_the_wrong_size_or_range_are_refused() {
        let device = Device::flex();
        let e = image_tensor("a", &[0.5; 100], &device).unwrap_err();
        assert!(
            e.to_string().starts_with("a: must be a 28 x 28 image"),
            "{e}"
        );
        let mut px = vec![0.0; PIXELS];
        px[5] = f32::NAN;
        let e = image_tensor("b", &px, &device).unwrap_err();
        assert!(e.to_string().contains("pixel 5 is NaN"), "{e}");
        px[5] = 1.0;
        assert_eq!(
            image_tensor("b", &px, &device).unwrap().dims(),
            [1, 1, 28, 28]
        );
    }
}
