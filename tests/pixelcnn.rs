//! Native tests of PixelCNN (CPU backend): the masks exact, causality by perturbation, the
//! receptive field by gradients (blind spot included), sampling and inpainting (the crop the
//! sampler runs on gives the full image's probabilities), the loss falling below the
//! independent-pixel baseline, and bad input refused.

mod common;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use unsupervised_playground::Error;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::methods::images::{PIXELS, SIDE};
use unsupervised_playground::methods::pixelcnn::{MaskKind, PixelNet, causal_mask};
use unsupervised_playground::methods::{Method, MethodConfig, PixelCnn, PixelCnnConfig};
use unsupervised_playground::session::Session;

/// The CPU device's random generator is one per process (see `tests/contrastive.rs`).
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn small() -> PixelCnnConfig {
    PixelCnnConfig {
        channels: 16,
        layers: 4,
        batch_size: 16,
        ..PixelCnnConfig::default()
    }
}

#[test]
fn masks_are_exact() {
    #[rustfmt::skip]
    let a3 = [1.0, 1.0, 1.0,
              1.0, 0.0, 0.0,
              0.0, 0.0, 0.0];
    #[rustfmt::skip]
    let b3 = [1.0, 1.0, 1.0,
              1.0, 1.0, 0.0,
              0.0, 0.0, 0.0];
    assert_eq!(causal_mask(3, MaskKind::A), a3);
    assert_eq!(causal_mask(3, MaskKind::B), b3);
    for (kind, ones) in [(MaskKind::A, 24), (MaskKind::B, 25)] {
        let m = causal_mask(7, kind);
        // Every position before the centre (row 3, column 3 = index 24) in raster order, the
        // centre itself for mask B, nothing after.
        for (i, v) in m.iter().enumerate() {
            assert_eq!(*v, (i < ones) as u8 as f32, "{kind:?} position {i}");
        }
    }
}

/// Random binary images.
fn random_images(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n * PIXELS)
        .map(|_| (rng.random::<f32>() < 0.3) as u8 as f32)
        .collect()
}

fn logits(net: &PixelNet, pixels: &[f32], device: &Device) -> Vec<f32> {
    let n = pixels.len() / PIXELS;
    let x = Tensor::from_data(TensorData::new(pixels.to_vec(), [n, 1, SIDE, SIDE]), device);
    net.forward(x).into_data().iter().collect()
}

#[test]
fn the_logit_at_a_pixel_never_depends_on_it_or_later_pixels() {
    let _device = lock();
    let device = Device::flex();
    device.seed(3);
    let net = PixelNet::init(&small(), &device);
    let x = random_images(1, 1);
    let base = logits(&net, &x, &device);
    for at in [0, 1, 27, 28, 200, 405, 406, 783] {
        // Re-draw every pixel from `at` on (the pixel itself included).
        let mut y = x.clone();
        let fresh = random_images(1, 100 + at as u64);
        y[at..].copy_from_slice(&fresh[at..]);
        y[at] = 1.0 - x[at]; // certainly changed
        let out = logits(&net, &y, &device);
        for i in 0..=at {
            assert_eq!(
                out[i].to_bits(),
                base[i].to_bits(),
                "changing pixels {at}.. changed the logit of pixel {i}"
            );
        }
        if at < PIXELS - 1 {
            assert!(
                out[at + 1..]
                    .iter()
                    .zip(&base[at + 1..])
                    .any(|(a, b)| a != b),
                "changing pixel {at} changed no later logit: the test would pass on anything"
            );
        }
    }
}

#[test]
fn the_receptive_field_by_gradients_is_causal_and_shows_the_blind_spot() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let config = small();
    let reach = config.reach();
    assert_eq!(reach, 3 + 4);
    let mut model = PixelCnn::new(config, &data, &compute);
    model.train(3);
    let (r, c) = (14, 14);
    let images = pollster::block_on(model.receptive_field(r, c).unwrap().read()).unwrap();
    let field = &images.group("field").unwrap().pixels;
    let gradient = &images.group("gradient").unwrap().pixels;
    assert_eq!(
        *gradient.iter().max().unwrap(),
        255,
        "scaled to a maximum of 1"
    );
    let at = |row: usize, col: usize| field[row * SIDE + col] > 0;
    for row in 0..SIDE {
        for col in 0..SIDE {
            let before = (row, col) < (r, c);
            let inside = row + reach >= r && col + reach >= c && col <= c + reach;
            if !before || !inside {
                assert!(!at(row, col), "pixel ({row}, {col}) reaches ({r}, {c})");
            }
        }
    }
    // The neighbours before it are read.
    assert!(at(r, c - 1) && at(r - 1, c) && at(r - 1, c + 1) && at(r - reach, c));
    // The blind spot: four columns right of the pixel, one row up, no path of 3x3 mask-B
    // layers after a 7x7 mask-A layer arrives (each step right costs a row up); two rows up it
    // does.
    assert!(!at(r - 1, c + 4), "the blind spot is gone?");
    assert!(at(r - 2, c + 4));

    let e = pollster::block_on(async { model.receptive_field(28, 0).map(|_| ()) });
    assert!(
        matches!(&e, Err(Error::Config { field, .. }) if field == "row"),
        "{e:?}"
    );
}

#[test]
fn a_drawn_pixel_follows_the_full_images_probability() {
    // The sampler computes each pixel on a crop around it; its draws must follow the
    // probability the full image gives.
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let mut model = PixelCnn::new(small(), &data, &compute);
    model.train(5);
    let image: Vec<f32> = data
        .held_out
        .range(0, 1)
        .into_data()
        .iter::<f32>()
        .map(|v| (v > 0.5) as u8 as f32)
        .collect();
    // Find a pixel in the middle whose probability is not near 0 or 1.
    let full = logits(&model.net().valid(), &image, &compute.device);
    let p = |i: usize| 1.0 / (1.0 + (-full[i] as f64).exp());
    let target = (10 * SIDE..18 * SIDE)
        .filter(|i| (8..20).contains(&(i % SIDE)))
        .min_by(|&a, &b| (p(a) - 0.5).abs().total_cmp(&(p(b) - 0.5).abs()))
        .unwrap();
    let copies = 16;
    let images: Vec<f32> = image.repeat(copies);
    let mut known = vec![1.0f32; PIXELS * copies];
    for i in 0..copies {
        known[i * PIXELS + target] = 0.0;
    }
    let mut ink = 0;
    let draws = 25;
    for seed in 0..draws {
        let out = pollster::block_on(model.complete(&images, &known, 5, seed).unwrap()).unwrap();
        let drawn = &out.group("image").unwrap().pixels;
        let filled = &out.group("known").unwrap().pixels;
        assert!(filled.iter().all(|&k| k == 255), "every pixel known after");
        for i in 0..copies {
            let img = &drawn[i * PIXELS..(i + 1) * PIXELS];
            // The given pixels are kept exactly.
            for (j, (&got, &given)) in img.iter().zip(&image).enumerate() {
                if j != target {
                    assert_eq!(got, (given * 255.0) as u8, "pixel {j} changed");
                }
            }
            ink += (img[target] == 255) as usize;
        }
    }
    let rate = ink as f64 / (draws as usize * copies) as f64;
    assert!(
        (rate - p(target)).abs() < 0.1,
        "drew ink {rate:.3} of the time; the full image says {:.3}",
        p(target)
    );
}

#[test]
fn sampling_goes_row_by_row_and_repeats_with_its_seed() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let mut model = PixelCnn::new(small(), &data, &compute);
    model.train(5);
    let blank = vec![0.0f32; 2 * PIXELS];
    let first = pollster::block_on(model.complete(&blank, &blank, 40, 9).unwrap()).unwrap();
    let known = &first.group("known").unwrap().pixels;
    for (i, &k) in known.iter().enumerate() {
        assert_eq!(k == 255, i % PIXELS < 40, "position {i} after 40 pixels");
    }
    let again = pollster::block_on(model.complete(&blank, &blank, 40, 9).unwrap()).unwrap();
    assert_eq!(first, again, "the same seed drew other pixels");
    // Nothing left to draw: the images come back as given.
    let ones = vec![1.0f32; PIXELS];
    let image = random_images(1, 4);
    let same = pollster::block_on(model.complete(&image, &ones, 10, 0).unwrap()).unwrap();
    let expected: Vec<u8> = image.iter().map(|&v| (v * 255.0) as u8).collect();
    assert_eq!(same.group("image").unwrap().pixels, expected);
}

#[test]
fn bits_per_dim_fall_below_independent_pixels() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(400, &compute);
    let mut session = Session::new(MethodConfig::PixelCnn(small()), Some(&data), &compute).unwrap();
    session.train(1).unwrap();
    let first = pollster::block_on(session.report())
        .unwrap()
        .metric("bits_per_dim")
        .unwrap();
    session.train(60).unwrap();
    let later = pollster::block_on(session.report())
        .unwrap()
        .metric("bits_per_dim")
        .unwrap();
    assert!(later < 0.6 * first, "bits per dim {first} -> {later}");
    let evaluation = pollster::block_on(session.evaluate()).unwrap();
    let pixel = evaluation.pixel.unwrap();
    assert_eq!(pixel.images, data.held_out.len());
    assert!(
        pixel.bits_per_dim < pixel.independent_bits_per_dim,
        "{pixel:?}"
    );
}

#[test]
fn bad_input_is_refused() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(100, &compute);
    common::assert_refused(
        &[
            (json!({ "method": "pixelcnn", "channels": 0 }), "channels"),
            (json!({ "method": "pixelcnn", "layers": 13 }), "layers"),
            (
                json!({ "method": "pixelcnn", "batch_size": 0 }),
                "batch_size",
            ),
            (
                json!({ "method": "pixelcnn", "learning_rate": -1.0 }),
                "learning_rate",
            ),
            (json!({ "method": "pixelcnn", "masks": "A" }), "masks"),
        ],
        &data,
        &compute,
    );
    let model = PixelCnn::new(small(), &data, &compute);
    let image = vec![0.0f32; PIXELS];
    let field = |r: Result<_, Error>| match r {
        Err(Error::Config { field, message }) => format!("{field}: {message}"),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("accepted"),
    };
    let e = field(model.complete(&image, &image[..100], 1, 0).map(|_| ()));
    assert!(e.starts_with("known: must mark every pixel"), "{e}");
    let e = field(
        model
            .complete(&image[..700], &image[..700], 1, 0)
            .map(|_| ()),
    );
    assert!(e.starts_with("images: must hold 1 to 16 images"), "{e}");
    let too_many = vec![0.0f32; 17 * PIXELS];
    let e = field(model.complete(&too_many, &too_many, 1, 0).map(|_| ()));
    assert!(e.starts_with("images:"), "{e}");
    let mut nan = image.clone();
    nan[5] = f32::NAN;
    let e = field(model.complete(&nan, &image, 1, 0).map(|_| ()));
    assert!(e.starts_with("images: value 5 is NaN"), "{e}");
    let e = field(model.complete(&image, &image, 0, 0).map(|_| ()));
    assert!(e.starts_with("pixels:"), "{e}");
}
