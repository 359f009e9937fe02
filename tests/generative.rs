//! Native tests of the autoencoders and VAEs (CPU backend), and of the checkpoint mechanism
//! every method saves through: the losses against their closed forms, gradients through the
//! reparameterisation, training that lowers the loss, every generative operation and its bad
//! input, save -> load bit-identical for every method, and damaged checkpoints refused with
//! the current model kept.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use unsupervised_playground::Error;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::checkpoint::{Checkpoint, FORMAT_VERSION};
use unsupervised_playground::data::TrainingData;
use unsupervised_playground::losses::{bernoulli_nll, gaussian_kl};
use unsupervised_playground::methods::images::{PIXELS, standard_normal};
use unsupervised_playground::methods::vae::reparameterize;
use unsupervised_playground::methods::{
    CharLm, CycleGan, Direction, Interpolation, MethodConfig, PixelCnn, VaeConfig,
};
use unsupervised_playground::session::Session;

/// The CPU device's random generator is one per process (see `tests/contrastive.rs`).
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn session(config: serde_json::Value, data: &TrainingData, compute: &Compute) -> Session {
    let config = MethodConfig::from_json(config).unwrap();
    let data = config.dataset().map(|_| data);
    Session::new(config, data, compute).unwrap()
}

fn message<T>(result: Result<T, Error>) -> String {
    match result {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error, got a result"),
    }
}

/// A held-out image's pixels as the page sends them.
fn image(data: &TrainingData, i: usize) -> Vec<f32> {
    data.held_out
        .range(i, i + 1)
        .into_data()
        .iter::<f32>()
        .collect()
}

#[test]
fn kl_matches_a_monte_carlo_estimate_and_the_nll_its_definition() {
    let device = Device::flex();
    let (mean, var) = ([0.8f32, -1.5, 0.0], [0.5f32, 2.0, 1.0]);
    let log_var: Vec<f32> = var.iter().map(|v| v.ln()).collect();
    let kl = gaussian_kl(
        Tensor::from_data(TensorData::new(mean.to_vec(), [1, 3]), &device),
        Tensor::from_data(TensorData::new(log_var, [1, 3]), &device),
    )
    .into_scalar::<f32>() as f64;
    // KL(q || p) = E_q[log q(z) - log p(z)], estimated from 400,000 draws of q.
    let n = 400_000;
    let eps = standard_normal(&mut StdRng::seed_from_u64(3), n * 3);
    let mut sum = 0.0f64;
    for draw in eps.chunks(3) {
        for d in 0..3 {
            let (m, v) = (mean[d] as f64, var[d] as f64);
            let z = m + v.sqrt() * draw[d] as f64;
            let log_q = -0.5 * ((z - m).powi(2) / v + v.ln());
            let log_p = -0.5 * z * z;
            sum += log_q - log_p;
        }
    }
    let estimate = sum / n as f64;
    // By hand: 0.5 * [(0.64 + 0.5 - 1 - ln 0.5) + (2.25 + 2 - 1 - ln 2) + 0] = 1.6950.
    assert!((kl - 1.695_0).abs() < 1e-3, "closed form {kl}");
    assert!(
        (kl - estimate).abs() < 0.02,
        "closed form {kl}, Monte Carlo {estimate}"
    );

    // The Bernoulli NLL is -sum(t log s + (1 - t) log(1 - s)), s = sigmoid(logit), even for
    // logits where the naive form would overflow.
    let logits = [-30.0f32, -2.0, 0.0, 0.5, 3.0, 40.0];
    let targets = [0.0f32, 0.3, 1.0, 0.5, 1.0, 1.0];
    let nll = bernoulli_nll(
        Tensor::from_data(TensorData::new(logits.to_vec(), [1, 1, 2, 3]), &device),
        Tensor::from_data(TensorData::new(targets.to_vec(), [1, 1, 2, 3]), &device),
    )
    .into_scalar::<f32>() as f64;
    let expected: f64 = logits
        .iter()
        .zip(targets)
        .map(|(&x, t)| {
            let (x, t) = (x as f64, t as f64);
            // log sigmoid(x) = -log(1 + e^-x); log(1 - sigmoid(x)) = -log(1 + e^x).
            t * (1.0 + (-x).exp()).ln() + (1.0 - t) * (1.0 + x.exp()).ln()
        })
        .sum();
    assert!((nll - expected).abs() < 1e-3, "{nll} vs {expected}");
}

#[test]
fn gradients_flow_through_the_reparameterisation_to_mean_and_variance() {
    let _device = lock();
    let device = Device::flex().autodiff();
    device.seed(5);
    // Two rows of [mean (3), log_var (3)].
    let code: Vec<f32> = vec![
        0.5, -1.0, 0.2, 0.1, -0.3, 0.4, 1.0, 0.0, -2.0, 0.3, 0.2, -0.1,
    ];
    let code = Tensor::<2>::from_data(TensorData::new(code, [2, 6]), &device).require_grad();
    let (z, _, _) = reparameterize(code.clone(), 3);
    let loss = (z.clone() * z).sum();
    let grads = loss.backward();
    let grad: Vec<f32> = code
        .grad(&grads)
        .expect("a gradient")
        .into_data()
        .iter()
        .collect();
    // d/d(mean) of sum(z^2) is 2z and d/d(log_var) is z * exp(log_var / 2) * eps: both halves
    // of every row receive a gradient.
    assert_eq!(grad.len(), 12);
    assert!(
        grad.iter().all(|g| g.is_finite() && g.abs() > 1e-6),
        "{grad:?}"
    );
}

#[test]
fn bad_generative_configs_are_refused_naming_the_field() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let cases = [
        (json!({ "method": "vae", "latent": 0 }), "latent"),
        (json!({ "method": "vae", "latent": 65 }), "latent"),
        (json!({ "method": "vae", "beta": -0.5 }), "beta"),
        (json!({ "method": "vae", "beta": 1e9 }), "beta"),
        (
            json!({ "method": "vae", "conditional": "yes" }),
            "conditional",
        ),
        (json!({ "method": "autoencoder", "noise": 1.5 }), "noise"),
        (json!({ "method": "autoencoder", "latent": 0 }), "latent"),
        (json!({ "method": "autoencoder", "beta": 1.0 }), "beta"),
    ];
    common::assert_refused(&cases, &data, &compute);
    // NaN cannot be written in JSON; the page can send it.
    let nan = MethodConfig::Vae(VaeConfig {
        beta: f64::NAN,
        ..VaeConfig::default()
    });
    let e = message(Session::new(nan, &data, &compute));
    assert!(e.starts_with("beta: must be a number"), "{e}");
}

#[test]
fn vae_trains_and_every_generative_operation_works_or_says_why_not() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(600, &compute);
    let mut s = session(
        json!({ "method": "vae", "latent": 2, "batch_size": 32 }),
        &data,
        &compute,
    );
    s.train(5).unwrap();
    let first = pollster::block_on(s.report()).unwrap();
    s.train(60).unwrap();
    let later = pollster::block_on(s.report()).unwrap();
    let (l0, l1) = (first.metric("loss").unwrap(), later.metric("loss").unwrap());
    assert!(l1 < l0 - 50.0, "negative ELBO fell only from {l0} to {l1}");
    let kl = later.metric("kl").unwrap();
    let rec = later.metric("reconstruction").unwrap();
    assert!(
        (rec + kl - l1).abs() < 1e-2 * l1 && kl > 0.0,
        "{rec} + {kl} != {l1}"
    );

    let eval = pollster::block_on(s.evaluate())
        .unwrap()
        .generative
        .unwrap();
    let elbo = eval.negative_elbo.unwrap();
    assert!(elbo > 50.0 && elbo < 400.0, "{elbo}");
    assert!((eval.reconstruction_nats + eval.kl_nats.unwrap() - elbo).abs() < 1e-6);
    assert!(eval.conditional.is_none());

    let rec = pollster::block_on(s.reconstructions(0, 4, None, 0).unwrap()).unwrap();
    let names: Vec<&str> = rec.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["input", "output"]);
    assert_eq!(rec.group("output").unwrap().pixels.len(), 4 * PIXELS);
    assert_eq!(rec.labels.len(), 4);

    let samples = pollster::block_on(s.samples(9, 7, None).unwrap()).unwrap();
    let again = pollster::block_on(s.samples(9, 7, None).unwrap()).unwrap();
    assert_eq!(samples, again, "the same seed must draw the same samples");
    assert_eq!(samples.groups[0].count, 9);

    let (a, b) = (image(&data, 0), image(&data, 1));
    for mode in [Interpolation::Linear, Interpolation::Spherical] {
        let strip = pollster::block_on(s.interpolate(&a, &b, [0, 0], 8, mode).unwrap()).unwrap();
        let frames = strip.group("frames").unwrap();
        assert_eq!(frames.count, 8);
        // The first frame is a's reconstruction: its code, decoded.
        let rec = pollster::block_on(s.reconstructions(0, 1, None, 0).unwrap()).unwrap();
        let out = &rec.group("output").unwrap().pixels;
        let diff = frames.pixels[..PIXELS]
            .iter()
            .zip(out)
            .map(|(x, y)| (*x as i32 - *y as i32).abs())
            .max()
            .unwrap();
        assert!(
            diff <= 1,
            "frame 0 differs from the reconstruction by {diff}/255"
        );
    }
    let arith =
        pollster::block_on(s.arithmetic([&a, &b, &image(&data, 2)], [0; 3]).unwrap()).unwrap();
    assert_eq!(arith.group("result").unwrap().count, 1);
    assert_eq!(arith.group("reconstructions").unwrap().count, 3);

    let grid = pollster::block_on(s.manifold(5, None).unwrap()).unwrap();
    assert_eq!(grid.groups[0].count, 25);
    let points = pollster::block_on(s.latent_points(50).unwrap()).unwrap();
    assert_eq!((points.points.len(), points.labels.len()), (100, 50));
    assert!(points.points.iter().all(|v| v.is_finite()));

    // Bad input: a clear error naming the field, nothing panics.
    let e = message(s.interpolate(&a, &b, [0, 0], 1, Interpolation::Linear));
    assert!(e.starts_with("frames: must be between 2"), "{e}");
    let e = message(s.interpolate(&a[..100], &b, [0, 0], 4, Interpolation::Linear));
    assert!(e.starts_with("a: must be a 28 x 28 image"), "{e}");
    let mut bright = b.clone();
    bright[3] = 2.0;
    let e = message(s.arithmetic([&a, &bright, &a], [0; 3]));
    assert!(e.starts_with("b: pixel 3 is 2"), "{e}");
    let e = message(s.manifold(1, None));
    assert!(e.starts_with("side: "), "{e}");
    let e = message(s.samples(4, 0, Some(3)));
    assert!(e.starts_with("class: only a conditional model"), "{e}");
    let e = message(s.class_sweep(None, 0));
    assert!(e.starts_with("conditional: "), "{e}");
    let e = message(s.samples(0, 0, None));
    assert!(e.starts_with("count: "), "{e}");
}

#[test]
fn autoencoders_reconstruct_denoise_and_refuse_to_sample() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(600, &compute);
    let mut s = session(
        json!({ "method": "autoencoder", "noise": 0.5, "batch_size": 32 }),
        &data,
        &compute,
    );
    s.train(3).unwrap();
    let first = pollster::block_on(s.report())
        .unwrap()
        .metric("loss")
        .unwrap();
    s.train(50).unwrap();
    let later = pollster::block_on(s.report())
        .unwrap()
        .metric("loss")
        .unwrap();
    assert!(
        later < first - 50.0,
        "reconstruction loss fell only from {first} to {later}"
    );
    let rec = pollster::block_on(s.reconstructions(3, 5, None, 0).unwrap()).unwrap();
    let names: Vec<&str> = rec.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["input", "noisy", "output"]);
    assert_ne!(
        rec.groups[0].pixels, rec.groups[1].pixels,
        "the noise is visible"
    );
    let eval = pollster::block_on(s.evaluate())
        .unwrap()
        .generative
        .unwrap();
    assert!(eval.negative_elbo.is_none() && eval.kl_nats.is_none());
    assert!(eval.mse > 0.0 && eval.mse < 0.2, "{}", eval.mse);
    let e = message(s.samples(4, 0, None));
    assert!(e.starts_with("method: samples need a prior"), "{e}");
    let (a, b) = (image(&data, 0), image(&data, 1));
    let strip = pollster::block_on(
        s.interpolate(&a, &b, [0, 0], 3, Interpolation::Linear)
            .unwrap(),
    );
    assert_eq!(strip.unwrap().group("frames").unwrap().count, 3);

    // A method that decodes nothing says so.
    let rotation = session(json!({ "method": "rotation" }), &data, &compute);
    let e = message(rotation.reconstructions(0, 2, None, 0));
    assert!(
        e.starts_with("method: only the autoencoders, VAEs and the masked autoencoder"),
        "{e}"
    );
}

#[test]
fn conditional_vae_draws_the_requested_classes() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(600, &compute);
    let mut s = session(
        json!({ "method": "vae", "conditional": true, "latent": 4, "batch_size": 32 }),
        &data,
        &compute,
    );
    s.train(10).unwrap();
    let samples = pollster::block_on(s.samples(6, 1, Some(7)).unwrap()).unwrap();
    assert_eq!(samples.groups[0].count, 6);
    let e = message(s.samples(6, 1, None));
    assert!(e.starts_with("class: a conditional model needs"), "{e}");
    let e = message(s.samples(6, 1, Some(10)));
    assert!(e.starts_with("class: must be between 0 and 9"), "{e}");
    let sweep = pollster::block_on(s.class_sweep(None, 3).unwrap()).unwrap();
    assert_eq!(sweep.groups[0].count, 10);
    assert_eq!(sweep.labels, (0..10).collect::<Vec<_>>());
    let a = image(&data, 0);
    let label = data.held_out.labels[0] as usize;
    let sweep = pollster::block_on(s.class_sweep(Some((&a, label)), 0).unwrap()).unwrap();
    assert_eq!(sweep.group("input").unwrap().count, 1);
    let e = message(s.interpolate(&a, &a, [0, 12], 4, Interpolation::Linear));
    assert!(e.starts_with("classes: "), "{e}");
    let eval = pollster::block_on(s.evaluate())
        .unwrap()
        .generative
        .unwrap();
    let c = eval.conditional.unwrap();
    assert_eq!((c.per_class.len(), c.samples_per_class), (10, 100));
    assert!(c.classifier_accuracy > 0.6, "{}", c.classifier_accuracy);
}

/// Every method's small config, for the checkpoint round trip.
fn small_configs() -> Vec<serde_json::Value> {
    vec![
        json!({ "method": "rotation", "batch_size": 4 }),
        json!({ "method": "jigsaw", "batch_size": 4 }),
        json!({ "method": "deepcluster", "batch_size": 8, "images": 100, "clusters": 5 }),
        json!({ "method": "simclr", "batch_size": 8 }),
        json!({ "method": "moco", "batch_size": 8, "queue_size": 32 }),
        json!({ "method": "byol", "batch_size": 8 }),
        json!({ "method": "clip", "batch_size": 8 }),
        json!({ "method": "autoencoder", "batch_size": 8, "noise": 0.3 }),
        json!({ "method": "vae", "batch_size": 8, "conditional": true }),
        json!({ "method": "gan", "batch_size": 8 }),
        json!({ "method": "cyclegan", "batch_size": 4 }),
        json!({ "method": "charlm", "batch_size": 4, "context": 8, "layers": 1 }),
        json!({ "method": "pixelcnn", "batch_size": 4, "channels": 8, "layers": 2 }),
        json!({ "method": "mae", "batch_size": 8, "embedding": 16, "heads": 2, "decoder_embedding": 8 }),
    ]
}

/// What a session's networks compute on fixed inputs: the representation the board reads, the
/// decoder's images, or CLIP's image-caption probabilities.
fn fingerprint(s: &mut Session, data: &TrainingData) -> Vec<f32> {
    let pixels = |images: unsupervised_playground::methods::Images| -> Vec<f32> {
        images
            .groups
            .iter()
            .flat_map(|g| g.pixels.iter().map(|&p| p as f32))
            .collect()
    };
    // The masked autoencoder: encoder, mask token and decoder, through fixed masks.
    if let Ok(images) = s.reconstructions(0, 3, Some(0.5), 7) {
        return pixels(pollster::block_on(images).unwrap());
    }
    // PixelCNN: the gradients of one pixel's logit (every layer's weights shape them).
    if let Some(pixelcnn) = s.method::<PixelCnn>() {
        let field = pixelcnn.receptive_field(14, 14).unwrap();
        return pixels(pollster::block_on(field.read()).unwrap());
    }
    if let Some(r) = s.representation(2) {
        let images = data.held_out.range(0, 8);
        return r
            .encode(images.without_autodiff())
            .into_data()
            .iter()
            .collect();
    }
    if let Ok(codec) = s.codec() {
        let classes = [1, 2, 3];
        let z = codec.encode(data.held_out.range(0, 3), &classes);
        let images = codec.decode(codec.prior_codes(3, 1), &classes);
        return z
            .into_data()
            .iter()
            .chain(images.into_data().iter())
            .collect();
    }
    // A language model: the next-character distribution after a fixed prompt.
    if let Some(lm) = s.method::<CharLm>() {
        let next = lm.next_char("And God said").unwrap();
        return pollster::block_on(next.read()).unwrap().probabilities;
    }
    // A CycleGAN: held-out digits translated and back.
    if let Some(cyclegan) = s.method::<CycleGan>() {
        let images = cyclegan.translations(0, 3, Direction::XToY).unwrap();
        let images = pollster::block_on(images.read()).unwrap();
        return images
            .groups
            .iter()
            .flat_map(|g| g.pixels.iter().map(|&p| p as f32))
            .collect();
    }
    // A GAN: its generator's samples of fixed noise.
    if let Ok(samples) = s.samples(3, 1, None) {
        let images = pollster::block_on(samples).unwrap();
        return images.groups[0].pixels.iter().map(|&p| p as f32).collect();
    }
    // CLIP: examples draw from their own generator, which training does not touch.
    pollster::block_on(s.examples(4).unwrap())
        .unwrap()
        .probabilities
}

#[test]
fn every_method_saves_and_loads_bit_identically() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(300, &compute);
    let configs = small_configs();
    assert_eq!(
        configs.len(),
        MethodConfig::NAMES.len(),
        "a method without a round trip"
    );
    for config in configs {
        let mut s = session(config.clone(), &data, &compute);
        s.train(3).unwrap();
        let bytes = pollster::block_on(s.save()).unwrap();
        let checkpoint = Checkpoint::decode(&bytes).unwrap();
        assert_eq!(&checkpoint.config, s.config());
        assert_eq!(checkpoint.step, 3);
        let data_for = checkpoint.config.dataset().map(|_| &data);
        let mut restored = Session::restore(&checkpoint, data_for, &compute).unwrap();
        assert_eq!(restored.step(), 3);
        // The restored networks compute exactly what the saved ones did.
        assert_eq!(
            fingerprint(&mut restored, &data),
            fingerprint(&mut s, &data),
            "{config}"
        );
    }

    // And the outputs are bit-identical: the VAE's samples before and after.
    let mut s = session(
        json!({ "method": "vae", "batch_size": 16 }),
        &data,
        &compute,
    );
    s.train(4).unwrap();
    let before = pollster::block_on(s.samples(4, 9, None).unwrap()).unwrap();
    let codec = s.codec().unwrap();
    let raw = |codec: &unsupervised_playground::methods::Codec| -> Vec<f32> {
        codec
            .decode(codec.prior_codes(3, 1), &[])
            .into_data()
            .iter()
            .collect()
    };
    let raw_before = raw(&codec);
    let bytes = pollster::block_on(s.save()).unwrap();
    let mut fresh = session(
        json!({ "method": "vae", "batch_size": 16 }),
        &data,
        &compute,
    );
    fresh
        .load(&Checkpoint::decode(&bytes).unwrap(), &data, &compute)
        .unwrap();
    assert_eq!(raw(&fresh.codec().unwrap()), raw_before);
    assert_eq!(
        pollster::block_on(fresh.samples(4, 9, None).unwrap()).unwrap(),
        before
    );
    // Continue training from the loaded model.
    fresh.train(2).unwrap();
    assert_eq!(fresh.step(), 6);
}

#[test]
fn damaged_or_foreign_checkpoints_are_refused_and_the_model_is_kept() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(300, &compute);
    let mut vae = session(
        json!({ "method": "vae", "batch_size": 16 }),
        &data,
        &compute,
    );
    vae.train(2).unwrap();
    let bytes = pollster::block_on(vae.save()).unwrap();
    let before = pollster::block_on(vae.samples(3, 1, None).unwrap()).unwrap();

    let refuse = |bytes: &[u8], expected: &str| {
        let e = message(Checkpoint::decode(bytes));
        assert!(e.starts_with("checkpoint: ") && e.contains(expected), "{e}");
    };
    refuse(&bytes[..bytes.len() / 2], "truncated or damaged");
    refuse(&bytes[..10], "truncated");
    refuse(b"", "not a playground checkpoint");
    refuse(b"PK\x03\x04 a zip file", "not a playground checkpoint");
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    refuse(&flipped, "checksum");
    // A newer format (with a valid checksum) is refused by version.
    let mut newer = bytes[..bytes.len() - 4].to_vec();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let crc = crc32(&newer);
    newer.extend_from_slice(&crc.to_le_bytes());
    refuse(&newer, "newer than this playground reads");

    // Another method's checkpoint: refused, and the session keeps its model and step.
    let mut ae = session(
        json!({ "method": "autoencoder", "batch_size": 16 }),
        &data,
        &compute,
    );
    ae.train(1).unwrap();
    let foreign = Checkpoint::decode(&pollster::block_on(ae.save()).unwrap()).unwrap();
    let e = message(vae.load(&foreign, &data, &compute));
    assert!(
        e.contains("it holds a model of the autoencoder method; this session trains vae"),
        "{e}"
    );
    assert_eq!(vae.step(), 2);
    assert_eq!(
        pollster::block_on(vae.samples(3, 1, None).unwrap()).unwrap(),
        before
    );

    // Weights that do not fit the network (a part of another shape) are refused too.
    let mut mixed = Checkpoint::decode(&bytes).unwrap();
    mixed.parts[0].bytes = foreign.parts[0].bytes.clone();
    let e = message(vae.load(&mixed, &data, &compute));
    assert!(e.contains("does not fit the network"), "{e}");
    assert_eq!(
        pollster::block_on(vae.samples(3, 1, None).unwrap()).unwrap(),
        before
    );
}

fn crc32(bytes: &[u8]) -> u32 {
    // The standard CRC-32 (IEEE), bit by bit: independent of the crate the envelope uses.
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
