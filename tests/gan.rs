//! Native tests of the DCGAN (CPU backend): its losses against their formulas on known logits,
//! each network's step leaving the other network's parameters untouched, bad configs refused,
//! sampling, the latent walk and the evaluation.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use serde_json::json;
use unsupervised_playground::Error;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::losses::{GanLoss, discriminator_loss, generator_loss};
use unsupervised_playground::methods::images::Interpolation;
use unsupervised_playground::methods::{Gan, GanConfig, Method};

/// The CPU device's random generator is one per process (see `tests/contrastive.rs`).
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn logits(v: &[f32]) -> Tensor<1> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), &Device::flex())
}

#[test]
fn gan_losses_match_their_formulas_on_known_logits() {
    let (real, fake) = ([2.0f32, -1.0, 0.0, 50.0], [-3.0f32, 0.5, 1.0, -60.0]);
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let mean = |v: &[f32], f: &dyn Fn(f64) -> f64| {
        v.iter().map(|&x| f(x as f64)).sum::<f64>() / v.len() as f64
    };
    let value = |t: Tensor<1>| t.into_scalar::<f32>() as f64;
    // Non-saturating: D minimises -log s(r) - log(1 - s(f)), G minimises -log s(f); written with
    // ln(1 + e^x) so that +-50 and -60 stay finite in f64 too.
    let softplus = |x: f64| {
        if x > 0.0 {
            x + (-x).exp().ln_1p()
        } else {
            x.exp().ln_1p()
        }
    };
    let d = mean(&real, &|r| softplus(-r)) + mean(&fake, &|f| softplus(f));
    let g = mean(&fake, &|f| softplus(-f));
    let got_d = value(discriminator_loss(
        logits(&real),
        logits(&fake),
        GanLoss::NonSaturating,
    ));
    let got_g = value(generator_loss(logits(&fake), GanLoss::NonSaturating));
    assert!((got_d - d).abs() < 1e-4, "{got_d} vs {d}");
    assert!((got_g - g).abs() < 1e-3 * g, "{got_g} vs {g}");
    // At chance (all logits 0) the non-saturating D loss is 2 ln 2 and G's ln 2.
    let zeros = [0.0f32; 3];
    let chance = value(discriminator_loss(
        logits(&zeros),
        logits(&zeros),
        GanLoss::NonSaturating,
    ));
    assert!((chance - 2.0 * 2f64.ln()).abs() < 1e-6, "{chance}");
    assert!(sig(0.0) == 0.5);
    // Least squares: ((r - 1)^2 + f^2) / 2 for D, (f - 1)^2 / 2 for G, on the raw outputs.
    let d = (mean(&real, &|r| (r - 1.0).powi(2)) + mean(&fake, &|f| f * f)) / 2.0;
    let g = mean(&fake, &|f| (f - 1.0).powi(2)) / 2.0;
    let got_d = value(discriminator_loss(
        logits(&real),
        logits(&fake),
        GanLoss::LeastSquares,
    ));
    let got_g = value(generator_loss(logits(&fake), GanLoss::LeastSquares));
    assert!((got_d - d).abs() < 1e-3 * d, "{got_d} vs {d}");
    assert!((got_g - g).abs() < 1e-3 * g, "{got_g} vs {g}");
}

#[test]
fn each_step_updates_only_its_own_network() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let config = GanConfig {
        batch_size: 8,
        ..GanConfig::default()
    };
    let mut gan = Gan::new(config, &data, &compute);
    let real = data.train.range(0, 8);
    let (g0, d0) = (
        common::trainable(gan.generator()),
        common::trainable(gan.discriminator()),
    );
    gan.generator_step();
    let (g1, d1) = (
        common::trainable(gan.generator()),
        common::trainable(gan.discriminator()),
    );
    assert_eq!(d1, d0, "a generator step changed the discriminator");
    assert_ne!(g1, g0, "a generator step left the generator as it was");
    gan.discriminator_step(real);
    let (g2, d2) = (
        common::trainable(gan.generator()),
        common::trainable(gan.discriminator()),
    );
    assert_eq!(g2, g1, "a discriminator step changed the generator");
    assert_ne!(
        d2, d1,
        "a discriminator step left the discriminator as it was"
    );
}

#[test]
fn bad_gan_configs_are_refused_naming_the_field() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let cases = [
        (
            json!({ "method": "gan", "generator_learning_rate": 0.0 }),
            "generator_learning_rate",
        ),
        (
            json!({ "method": "gan", "discriminator_learning_rate": -1.0 }),
            "discriminator_learning_rate",
        ),
        (
            json!({ "method": "gan", "discriminator_steps": 0 }),
            "discriminator_steps",
        ),
        (json!({ "method": "gan", "noise": 0 }), "noise"),
        (json!({ "method": "gan", "loss": "wasserstein" }), "loss"),
    ];
    common::assert_refused(&cases, &data, &compute);
    let nan = unsupervised_playground::methods::MethodConfig::Gan(GanConfig {
        generator_learning_rate: f64::NAN,
        ..GanConfig::default()
    });
    match unsupervised_playground::session::Session::new(nan, &data, &compute) {
        Err(Error::Config { field, .. }) => assert_eq!(field, "generator_learning_rate"),
        _ => panic!("NaN accepted"),
    }
}

#[test]
fn gan_trains_samples_walks_and_evaluates() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(400, &compute);
    for loss in [GanLoss::NonSaturating, GanLoss::LeastSquares] {
        let config = GanConfig {
            batch_size: 16,
            discriminator_steps: 2,
            loss,
            ..GanConfig::default()
        };
        let mut gan = Gan::new(config, &data, &compute);
        gan.train(3);
        let report = pollster::block_on(gan.take_metrics().read()).unwrap();
        let names: Vec<&str> = report.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "loss",
                "discriminator_loss",
                "real_score",
                "fake_score",
                "diversity"
            ]
        );
        assert!(report.iter().all(|m| m.value.is_finite()), "{report:?}");
        assert_eq!(gan.step(), 3);
    }
    let mut gan = Gan::new(
        GanConfig {
            batch_size: 16,
            ..GanConfig::default()
        },
        &data,
        &compute,
    );
    gan.train(2);
    let a = pollster::block_on(gan.samples(6, 5, None).unwrap().read()).unwrap();
    let b = pollster::block_on(gan.samples(6, 5, None).unwrap().read()).unwrap();
    assert_eq!(a, b, "the same seed draws the same samples");
    assert!(gan.samples(2, 0, Some(3)).is_err());
    let walk = pollster::block_on(
        gan.latent_walk(1, 2, 7, Interpolation::Spherical)
            .unwrap()
            .read(),
    )
    .unwrap();
    assert_eq!(walk.groups[0].count, 7);
    let e = gan
        .latent_walk(1, 2, 1, Interpolation::Linear)
        .err()
        .unwrap();
    assert!(e.to_string().starts_with("frames: "), "{e}");
    // The caller's own noise vectors: whole vectors of the model's size only, finite.
    let noise = vec![0.25f32; 3 * 32];
    let made = pollster::block_on(gan.generate_from(&noise).unwrap().read()).unwrap();
    assert_eq!(made.groups[0].count, 3);
    for (bad, what) in [
        (vec![0.0f32; 33], "33 values"),
        (Vec::new(), "0 values"),
        (vec![0.0f32; 32 * 257], "8224 values"),
    ] {
        let e = gan.generate_from(&bad).err().unwrap().to_string();
        assert!(e.starts_with("noise: ") && e.contains(what), "{e}");
    }
    let mut nan = noise.clone();
    nan[40] = f32::NAN;
    let e = gan.generate_from(&nan).err().unwrap().to_string();
    assert!(e.contains("value 40 is NaN"), "{e}");

    let eval = pollster::block_on(gan.evaluate()).unwrap().gan.unwrap();
    assert_eq!((eval.samples, eval.per_class.len()), (1000, 10));
    assert!((0.0..=1.0).contains(&eval.confident));
    // The pixel probe is confident on most real digits (it is what the samples are held to).
    assert!(eval.real_confident > 0.3, "{eval:?}");
}
