//! Native tests of the CycleGAN (CPU backend): each network's step leaving the other's
//! parameters untouched, bad configs refused, the cycle error falling, the translations and a
//! drawn image's translation, and the evaluation against the true bold twins.

mod common;

use burn::tensor::Tensor;
use serde_json::json;
use unsupervised_playground::Error;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::data::transforms::thicken;
use unsupervised_playground::methods::{CycleGan, CycleGanConfig, Direction, Gan, MethodConfig};
use unsupervised_playground::session::Session;

/// The CPU device's random generator is one per process (see `tests/contrastive.rs`).
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn thicken_is_a_one_pixel_dilation() {
    let device = burn::tensor::Device::flex();
    let mut pixels = vec![0.0f32; 25];
    pixels[12] = 0.7; // the centre of a 5x5 image
    let image = Tensor::<1>::from_floats(pixels.as_slice(), &device).reshape([1, 1, 5, 5]);
    let bold: Vec<f32> = thicken(image).into_data().iter().collect();
    for (i, v) in bold.iter().enumerate() {
        let (r, c) = (i / 5, i % 5);
        let want = if (1..=3).contains(&r) && (1..=3).contains(&c) {
            0.7
        } else {
            0.0
        };
        assert_eq!(*v, want, "pixel ({r}, {c})");
    }
}

#[test]
fn each_step_updates_only_its_own_networks() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let config = CycleGanConfig {
        batch_size: 4,
        ..CycleGanConfig::default()
    };
    let mut model = CycleGan::new(config, &data, &compute);
    let (x, y) = model.batches();
    let (g0, d0) = (
        common::trainable(model.generators()),
        common::trainable(model.discriminators()),
    );
    let (fake_x, fake_y) = model.generator_step(x.clone(), y.clone());
    let (g1, d1) = (
        common::trainable(model.generators()),
        common::trainable(model.discriminators()),
    );
    assert_eq!(d1, d0, "a generator step changed the discriminators");
    assert_ne!(g1, g0, "a generator step left the generators as they were");
    model.discriminator_step(x, y, fake_x, fake_y);
    let (g2, d2) = (
        common::trainable(model.generators()),
        common::trainable(model.discriminators()),
    );
    assert_eq!(g2, g1, "a discriminator step changed the generators");
    assert_ne!(d2, d1, "a discriminator step left the discriminators");
}

#[test]
fn bad_cyclegan_configs_are_refused_naming_the_field() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let cases = [
        (json!({ "method": "cyclegan", "lambda": -1.0 }), "lambda"),
        (json!({ "method": "cyclegan", "lambda": 1000.0 }), "lambda"),
        (
            json!({ "method": "cyclegan", "identity": -0.5 }),
            "identity",
        ),
        (
            json!({ "method": "cyclegan", "generator_learning_rate": 0.0 }),
            "generator_learning_rate",
        ),
        (
            json!({ "method": "cyclegan", "discriminator_learning_rate": -2.0 }),
            "discriminator_learning_rate",
        ),
        // 200 images: each domain has 100.
        (
            json!({ "method": "cyclegan", "batch_size": 150 }),
            "batch_size",
        ),
        (
            json!({ "method": "cyclegan", "batch_size": 0 }),
            "batch_size",
        ),
        (json!({ "method": "cyclegan", "loss": "hinge" }), "loss"),
        (json!({ "method": "cyclegan", "noise": 32 }), "noise"),
    ];
    common::assert_refused(&cases, &data, &compute);
    for (lambda, identity) in [(f64::NAN, 0.5), (10.0, f64::INFINITY)] {
        let config = MethodConfig::CycleGan(CycleGanConfig {
            lambda,
            identity,
            ..CycleGanConfig::default()
        });
        match Session::new(config, &data, &compute) {
            Err(Error::Config { field, .. }) => {
                assert!(field == "lambda" || field == "identity", "{field}")
            }
            _ => panic!("a non-finite weight was accepted"),
        }
    }
}

#[test]
fn the_cycle_error_falls_and_translations_keep_their_shapes() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(400, &compute);
    let config = CycleGanConfig {
        batch_size: 8,
        ..CycleGanConfig::default()
    };
    let mut s = Session::new(MethodConfig::CycleGan(config), &data, &compute).unwrap();
    let cycle = |s: &mut Session, steps| {
        s.train(steps).unwrap();
        let report = pollster::block_on(s.report()).unwrap();
        let names: Vec<&str> = report.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "loss",
                "adversarial",
                "cycle",
                "identity",
                "discriminator_loss"
            ]
        );
        report.metrics[2].value
    };
    let first = cycle(&mut s, 2);
    cycle(&mut s, 20);
    let later = cycle(&mut s, 4);
    assert!(
        later < 0.6 * first,
        "cycle error per pixel {first} -> {later}"
    );

    for direction in [Direction::XToY, Direction::YToX] {
        let images =
            pollster::block_on(cyclegan(&s).translations(10, 5, direction).unwrap().read())
                .unwrap();
        let names: Vec<&str> = images.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["input", "translated", "cycled"]);
        assert!(images.groups.iter().all(|g| g.count == 5));
        assert_eq!(images.labels.len(), 5);
    }
    let drawn = vec![0.5f32; 784];
    let one = pollster::block_on(
        cyclegan(&s)
            .translate_drawn(&drawn, Direction::YToX)
            .unwrap()
            .read(),
    )
    .unwrap();
    assert_eq!(one.groups[1].count, 1);
    fn message<T>(r: unsupervised_playground::Result<T>) -> String {
        r.err().unwrap().to_string()
    }
    let e = message(cyclegan(&s).translate_drawn(&drawn[..783], Direction::XToY));
    assert!(e.starts_with("image: "), "{e}");
    let e = message(cyclegan(&s).translations(150, 100, Direction::XToY));
    assert!(e.starts_with("start: "), "{e}");
    let e = message(s.samples(4, 0, None));
    assert!(e.starts_with("method: "), "{e}");
    let e = message(
        s.downcast::<Gan>("only a GAN walks its noise space")
            .map(|_| ()),
    );
    assert!(e.starts_with("method: "), "{e}");

    let eval = pollster::block_on(s.evaluate()).unwrap().cyclegan.unwrap();
    assert_eq!(eval.images, data.held_out.len().min(500));
    for v in [eval.cycle_x, eval.cycle_y, eval.to_y_error, eval.to_x_error] {
        assert!(v.is_finite() && (0.0..1.0).contains(&v), "{eval:?}");
    }
    assert!(eval.unchanged_error > 0.05, "{eval:?}");
}

/// The CycleGAN a session trains.
fn cyclegan(s: &Session) -> &CycleGan {
    s.method::<CycleGan>().expect("a CycleGAN session")
}
