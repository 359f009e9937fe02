//! Random augmentations for contrastive learning (SimCLR, MoCo, BYOL), on the device.
//!
//! Two views of one image must differ in everything the representation should ignore (where
//! the digit sits and how big it is, brightness, contrast, blur, noise) and agree in what it
//! should keep (which digit). Each augmentation fires per image with its own probability. Only a
//! few numbers per image come from the host (crop boxes, factors, coin flips, drawn from a
//! seeded `StdRng`); the pixels are resampled, jittered, blurred and noised by tensor ops.

use burn::tensor::{Distribution, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Which augmentations fire, how often and how strongly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentConfig {
    /// Probability of a random resized crop.
    pub crop_probability: f64,
    /// Side of the crop as a fraction of the image side, drawn uniformly in `[min, max]`; the
    /// crop is resized back to the full image (bilinear).
    pub crop_scale: [f64; 2],
    /// Probability of a left-right mirror. Off by default: a mirrored digit is often not a
    /// digit any more (fine for Fashion-MNIST's clothes).
    pub flip_probability: f64,
    /// Probability of a brightness / contrast jitter.
    pub jitter_probability: f64,
    /// Largest brightness shift (added to every pixel).
    pub brightness: f64,
    /// Largest relative contrast change (pixels scaled about the image mean by 1 +- this).
    pub contrast: f64,
    /// Probability of a 3x3 Gaussian blur.
    pub blur_probability: f64,
    /// Probability of additive Gaussian noise.
    pub noise_probability: f64,
    /// Standard deviation of the noise.
    pub noise_std: f64,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            crop_probability: 1.0,
            crop_scale: [0.6, 1.0],
            flip_probability: 0.0,
            jitter_probability: 0.8,
            brightness: 0.3,
            contrast: 0.4,
            blur_probability: 0.5,
            noise_probability: 0.5,
            noise_std: 0.1,
        }
    }
}

impl AugmentConfig {
    /// No augmentation at all (every probability 0): the identity.
    pub fn none() -> Self {
        AugmentConfig {
            crop_probability: 0.0,
            flip_probability: 0.0,
            jitter_probability: 0.0,
            blur_probability: 0.0,
            noise_probability: 0.0,
            ..AugmentConfig::default()
        }
    }

    /// Check every field; the error names it.
    pub fn validate(&self) -> Result<()> {
        // A value in [0, 1]: `kind` says what it is ("a probability " or "").
        let unit = |field: &str, v: f64, kind: &str| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::config(
                    field,
                    format!("must be {kind}between 0 and 1, got {v}"),
                ))
            }
        };
        for (field, p) in [
            ("crop_probability", self.crop_probability),
            ("flip_probability", self.flip_probability),
            ("jitter_probability", self.jitter_probability),
            ("blur_probability", self.blur_probability),
            ("noise_probability", self.noise_probability),
        ] {
            unit(field, p, "a probability ")?;
        }
        let [lo, hi] = self.crop_scale;
        if !(lo > 0.0 && lo <= hi && hi <= 1.0) {
            return Err(Error::config(
                "crop_scale",
                format!("must be [min, max] with 0 < min <= max <= 1, got [{lo}, {hi}]"),
            ));
        }
        for (field, v) in [
            ("brightness", self.brightness),
            ("contrast", self.contrast),
            ("noise_std", self.noise_std),
        ] {
            unit(field, v, "")?;
        }
        Ok(())
    }
}

/// One random view of every image of a batch: crop and resize (with a possible mirror), then
/// brightness / contrast jitter, blur and noise, each per image with its probability; values
/// stay in `[0, 1]`. The same `rng` state gives the same views.
///
/// # Shapes
/// - images: `[batch, channels, rows, cols]`, values in `[0, 1]`
/// - output: same as `images`
pub fn augment(images: Tensor<4>, config: &AugmentConfig, rng: &mut StdRng) -> Tensor<4> {
    let [batch, ..] = images.dims();
    let mut coin = |p: f64| -> Vec<bool> { (0..batch).map(|_| rng.random_bool(p)).collect() };
    let crops = coin(config.crop_probability);
    let flips = coin(config.flip_probability);
    let jitters = coin(config.jitter_probability);
    let blurs = coin(config.blur_probability);
    let noises = coin(config.noise_probability);

    let boxes: Vec<CropBox> = crops
        .iter()
        .zip(&flips)
        .map(|(&crop, &flip)| CropBox::draw(crop, flip, config.crop_scale, rng))
        .collect();
    let mut x = resample(images, &boxes);

    let device = x.device();
    let per_image = |values: Vec<f32>| {
        Tensor::<4>::from_data(TensorData::new(values, [batch, 1, 1, 1]), &device)
    };
    let (shift, scale): (Vec<f32>, Vec<f32>) = jitters
        .iter()
        .map(|&on| {
            if on {
                (
                    rng.random_range(-config.brightness..=config.brightness) as f32,
                    rng.random_range(1.0 - config.contrast..=1.0 + config.contrast) as f32,
                )
            } else {
                (0.0, 1.0)
            }
        })
        .unzip();
    let mean = x.clone().mean_dim(1).mean_dim(2).mean_dim(3); // [b, 1, 1, 1]
    x = ((x - mean.clone()) * per_image(scale) + mean + per_image(shift)).clamp(0.0, 1.0);

    let mask = |on: &[bool]| per_image(on.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect());
    // Blur: each image or its blurred copy.
    let blurred = blur3(x.clone());
    x = x.clone() + (blurred - x) * mask(&blurs);
    // Noise, drawn on the device from a seed taken from `rng` (the views stay reproducible).
    if config.noise_std > 0.0 && noises.contains(&true) {
        device.seed(rng.next_u64());
        let noise = Tensor::<4>::random(
            x.dims(),
            Distribution::Normal(0.0, config.noise_std),
            &device,
        );
        x = (x + noise * mask(&noises)).clamp(0.0, 1.0);
    }
    x
}

/// Where one output image samples its source: `x_src = x0 + sx * u`, `y_src = y0 + sy * v` in
/// fractions of the source side, `u, v` the output pixel centres in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CropBox {
    x0: f64,
    sx: f64,
    y0: f64,
    sy: f64,
}

impl CropBox {
    fn draw(crop: bool, flip: bool, scale: [f64; 2], rng: &mut impl Rng) -> Self {
        let side = if crop {
            rng.random_range(scale[0]..=scale[1])
        } else {
            1.0
        };
        let x0 = rng.random_range(0.0..=1.0 - side);
        let y0 = rng.random_range(0.0..=1.0 - side);
        // A mirror reads the same box from right to left.
        let (x0, sx) = if flip { (x0 + side, -side) } else { (x0, side) };
        CropBox {
            x0,
            sx,
            y0,
            sy: side,
        }
    }
}

/// Every image resampled through its box, bilinearly, with four gathers on the device.
///
/// # Shapes
/// - images: `[batch, channels, rows, cols]`, `boxes.len() == batch`
/// - output: same as `images`
fn resample(images: Tensor<4>, boxes: &[CropBox]) -> Tensor<4> {
    let [batch, channels, rows, cols] = images.dims();
    let device = images.device();
    let column =
        |values: Vec<f32>| Tensor::<3>::from_data(TensorData::new(values, [batch, 1, 1]), &device);
    // Output pixel centres as fractions of the side: [1, 1, cols] and [1, rows, 1].
    let u = (Tensor::<1, Int>::arange(0..cols as i64, &device).float() + 0.5) / cols as f64;
    let v = (Tensor::<1, Int>::arange(0..rows as i64, &device).float() + 0.5) / rows as f64;
    let u = u.reshape([1, 1, cols]);
    let v = v.reshape([1, rows, 1]);
    // Source coordinates in pixels (centre of pixel k is k): [b, 1, cols] and [b, rows, 1].
    let src_x = (column(boxes.iter().map(|b| b.sx as f32).collect()) * u
        + column(boxes.iter().map(|b| b.x0 as f32).collect()))
        * cols as f64
        - 0.5;
    let src_y = (column(boxes.iter().map(|b| b.sy as f32).collect()) * v
        + column(boxes.iter().map(|b| b.y0 as f32).collect()))
        * rows as f64
        - 0.5;
    let src_x = src_x
        .clamp(0.0, (cols - 1) as f64)
        .expand([batch, rows, cols]);
    let src_y = src_y
        .clamp(0.0, (rows - 1) as f64)
        .expand([batch, rows, cols]);
    let x0 = src_x.clone().floor();
    let y0 = src_y.clone().floor();
    let wx = src_x - x0.clone(); // [b, rows, cols], in [0, 1)
    let wy = src_y - y0.clone();
    let x1 = (x0.clone() + 1.0).clamp_max((cols - 1) as f64);
    let y1 = (y0.clone() + 1.0).clamp_max((rows - 1) as f64);
    let flat = images.reshape([batch, channels, rows * cols]);
    let pick = |y: Tensor<3>, x: Tensor<3>| -> Tensor<3> {
        let index = (y * cols as f64 + x)
            .int()
            .reshape([batch, 1, rows * cols])
            .repeat_dim(1, channels);
        flat.clone().gather(2, index) // [b, c, rows * cols]
    };
    let weight = |w: Tensor<3>| w.reshape([batch, 1, rows * cols]);
    let (wx, wy) = (weight(wx), weight(wy));
    let top =
        pick(y0.clone(), x0.clone()) * (wx.clone().neg() + 1.0) + pick(y0, x1.clone()) * wx.clone();
    let bottom = pick(y1.clone(), x0) * (wx.clone().neg() + 1.0) + pick(y1, x1) * wx;
    (top * (wy.clone().neg() + 1.0) + bottom * wy).reshape([batch, channels, rows, cols])
}

/// A 3x3 Gaussian blur (weights 1 2 1 along each axis, over 16), zeros beyond the edges: two
/// separable passes of shifted copies, no convolution kernel needed.
///
/// # Shapes
/// - images: `[batch, channels, rows, cols]`, output: same
pub fn blur3(images: Tensor<4>) -> Tensor<4> {
    let [_, _, rows, cols] = images.dims();
    let pad = |x: Tensor<4>, rows: usize, cols: usize| {
        x.pad(
            (cols, cols, rows, rows),
            burn::tensor::ops::PadMode::Constant(0.0),
        )
    };
    let across = pad(images, 0, 1); // [b, c, rows, cols + 2]
    let x = (across.clone().narrow(3, 0, cols)
        + across.clone().narrow(3, 1, cols) * 2.0
        + across.narrow(3, 2, cols))
        / 4.0;
    let down = pad(x, 1, 0); // [b, c, rows + 2, cols]
    (down.clone().narrow(2, 0, rows)
        + down.clone().narrow(2, 1, rows) * 2.0
        + down.narrow(2, 2, rows))
        / 4.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use rand::SeedableRng;

    fn values(t: Tensor<4>) -> Vec<f32> {
        t.into_data().iter::<f32>().collect()
    }

    /// `batch` images of `size x size` whose pixel (r, c) is `f(r, c)`.
    fn images(batch: usize, size: usize, f: impl Fn(usize, usize) -> f32) -> Tensor<4> {
        let v: Vec<f32> = (0..batch)
            .flat_map(|_| (0..size * size).map(|p| f(p / size, p % size)))
            .collect();
        Tensor::from_data(TensorData::new(v, [batch, 1, size, size]), &Device::flex())
    }

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    fn only(f: impl FnOnce(&mut AugmentConfig)) -> AugmentConfig {
        let mut c = AugmentConfig::none();
        f(&mut c);
        c
    }

    #[test]
    fn no_augmentation_is_the_identity_and_a_flip_mirrors() {
        let x = images(3, 8, |r, c| ((r * 8 + c) % 7) as f32 / 7.0);
        let mut rng = StdRng::seed_from_u64(1);
        let same = augment(x.clone(), &AugmentConfig::none(), &mut rng);
        assert!(max_diff(&values(same), &values(x.clone())) < 1e-5);
        let flipped = augment(x.clone(), &only(|c| c.flip_probability = 1.0), &mut rng);
        assert!(max_diff(&values(flipped), &values(x.flip([3]))) < 1e-5);
    }

    #[test]
    fn a_crop_of_half_the_side_spans_half_of_a_ramp() {
        // Pixel value = column / 27: each output row of a half-side crop climbs through about
        // half of that range, evenly.
        let size = 28;
        let x = images(4, size, |_, c| c as f32 / (size - 1) as f32);
        let config = only(|c| {
            c.crop_probability = 1.0;
            c.crop_scale = [0.5, 0.5];
        });
        let out = values(augment(x, &config, &mut StdRng::seed_from_u64(2)));
        for row in out.chunks(size) {
            let span = row[size - 1] - row[0];
            assert!((span - 0.5).abs() < 0.06, "span {span}");
            assert!(row.windows(2).all(|w| w[1] >= w[0] - 1e-6), "{row:?}");
        }
    }

    #[test]
    fn views_keep_shape_and_range_and_come_back_from_the_seed() {
        let x = images(6, 28, |r, c| if (r + c) % 5 == 0 { 1.0 } else { 0.1 });
        let config = AugmentConfig {
            flip_probability: 0.5,
            ..AugmentConfig::default()
        };
        let a = augment(x.clone(), &config, &mut StdRng::seed_from_u64(7));
        assert_eq!(a.dims(), x.dims());
        let a = values(a);
        assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
        let b = values(augment(x.clone(), &config, &mut StdRng::seed_from_u64(7)));
        assert_eq!(a, b, "the same seed gives the same views");
        let c = values(augment(x, &config, &mut StdRng::seed_from_u64(8)));
        assert!(max_diff(&a, &c) > 0.1, "another seed gives other views");
    }

    #[test]
    fn jitter_blur_and_noise_do_what_they_say() {
        let grey = images(8, 16, |_, _| 0.5);
        // Brightness only: every image shifted by one amount of at most 0.2.
        let config = only(|c| {
            c.jitter_probability = 1.0;
            c.brightness = 0.2;
            c.contrast = 0.0;
        });
        let out = values(augment(
            grey.clone(),
            &config,
            &mut StdRng::seed_from_u64(3),
        ));
        for image in out.chunks(256) {
            assert!(image.iter().all(|v| (v - image[0]).abs() < 1e-6));
            assert!((image[0] - 0.5).abs() <= 0.2 + 1e-6);
        }
        // Noise: the difference from the input has about the asked standard deviation.
        let config = only(|c| {
            c.noise_probability = 1.0;
            c.noise_std = 0.1;
        });
        let out = values(augment(grey, &config, &mut StdRng::seed_from_u64(4)));
        let var = out.iter().map(|v| (v - 0.5).powi(2)).sum::<f32>() / out.len() as f32;
        assert!((var.sqrt() - 0.1).abs() < 0.01, "std {}", var.sqrt());
        // Blur: a single lit pixel spreads as 1 2 1 x 1 2 1 / 16.
        let dot = images(1, 5, |r, c| if (r, c) == (2, 2) { 1.0 } else { 0.0 });
        let out = values(blur3(dot));
        assert!((out[2 * 5 + 2] - 4.0 / 16.0).abs() < 1e-6);
        assert!((out[5 + 1] - 1.0 / 16.0).abs() < 1e-6);
        assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn bad_settings_are_refused_naming_the_field() {
        for (config, field) in [
            (only(|c| c.crop_probability = 1.5), "crop_probability"),
            (
                only(|c| c.noise_probability = f64::NAN),
                "noise_probability",
            ),
            (only(|c| c.crop_scale = [0.0, 1.0]), "crop_scale"),
            (only(|c| c.crop_scale = [0.8, 0.5]), "crop_scale"),
            (only(|c| c.brightness = -0.1), "brightness"),
            (only(|c| c.noise_std = 2.0), "noise_std"),
        ] {
            match config.validate() {
                Err(Error::Config { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{config:?}: {other:?}"),
            }
        }
        assert!(AugmentConfig::default().validate().is_ok());
    }
}
