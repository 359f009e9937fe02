//! Native tests of the two-view methods (SimCLR, MoCo) on the CPU backend: config errors, a loss
//! that falls, the queue that fills, the view examples the widgets draw, reproducibility.

mod common;

use serde_json::json;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::methods::{ByolConfig, MethodConfig, MocoConfig, SimClrConfig};
use unsupervised_playground::session::Session;

/// The CPU device's random generator is one per process, seeded by each session: tests that run
/// in parallel would draw from it in turn, and a reproducibility check would see another test's
/// draws. Each test holds this lock.
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn bad_contrastive_configs_are_refused_naming_the_field() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let data = common::small_mnist(100, &compute);
    let cases = [
        (
            json!({ "method": "simclr", "temperature": 0.0 }),
            "temperature",
        ),
        (
            json!({ "method": "simclr", "temperature": -0.5 }),
            "temperature",
        ),
        (json!({ "method": "simclr", "batch_size": 1 }), "batch_size"),
        (
            json!({ "method": "simclr", "batch_size": 91 }),
            "batch_size",
        ),
        (json!({ "method": "simclr", "projection": 0 }), "projection"),
        (
            json!({ "method": "simclr", "augment": { "noise_std": -1.0 } }),
            "augment.noise_std",
        ),
        (
            json!({ "method": "simclr", "augment": { "blur": 1.0 } }),
            "augment.blur",
        ),
        (json!({ "method": "moco", "momentum": 1.0 }), "momentum"),
        (json!({ "method": "moco", "momentum": -0.1 }), "momentum"),
        (
            json!({ "method": "moco", "batch_size": 16, "queue_size": 16 }),
            "queue_size",
        ),
        (
            json!({ "method": "moco", "temperature": 0.0 }),
            "temperature",
        ),
        (
            json!({ "method": "moco", "learning_rate": 0.0 }),
            "learning_rate",
        ),
        (json!({ "method": "moco", "queue": 10 }), "queue"),
        (json!({ "method": "byol", "batch_size": 1 }), "batch_size"),
        (json!({ "method": "byol", "momentum": 1.0 }), "momentum"),
        (json!({ "method": "byol", "predictor": "yes" }), "predictor"),
        (
            json!({ "method": "byol", "temperature": 0.2 }),
            "temperature",
        ),
    ];
    common::assert_refused(&cases, &data, &compute);
}

fn session(config: MethodConfig, images: usize) -> Session {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(images, &compute);
    Session::new(config, &data, &compute).unwrap()
}

/// Mean loss of the first `first` steps and of the last `last` of `first + skip + last` steps.
fn losses(session: &mut Session, [first, skip, last]: [usize; 3]) -> (f64, f64) {
    session.train(first).unwrap();
    let l0 = pollster::block_on(session.report())
        .unwrap()
        .metric("loss")
        .unwrap();
    session.train(skip).unwrap();
    pollster::block_on(session.report()).unwrap();
    session.train(last).unwrap();
    let l1 = pollster::block_on(session.report())
        .unwrap()
        .metric("loss")
        .unwrap();
    (l0, l1)
}

#[test]
fn simclr_loss_falls_and_views_find_their_partners() {
    let _device = lock();
    let config = SimClrConfig {
        batch_size: 16,
        ..Default::default()
    };
    let mut s = session(MethodConfig::SimClr(config), 300);
    let (l0, l1) = losses(&mut s, [2, 30, 8]);
    // 31 candidates: chance is ln 31 = 3.43.
    assert!(l0 > 2.8, "the first loss is near ln 31 = 3.43, got {l0}");
    assert!(l1 < 0.85 * l0, "loss did not fall: {l0} -> {l1}");

    // 8 images, two views each: each view's partner is the other view of its image.
    let ex = pollster::block_on(s.examples(16).unwrap()).unwrap();
    assert_eq!(
        (ex.items.len(), ex.images.rows, ex.images.cols),
        (16, 28, 28)
    );
    assert_eq!(ex.probabilities.len(), 16 * 16);
    for (i, item) in ex.items.iter().enumerate() {
        assert_eq!(item.truth, (i + 8) % 16);
        assert_ne!(item.predicted, i, "a view never picks itself");
        let row = &ex.probabilities[i * 16..(i + 1) * 16];
        assert!(row[i] < 1e-6 && (row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
    let right = ex.items.iter().filter(|i| i.predicted == i.truth).count();
    assert!(
        right >= 6,
        "after 40 steps most views find their partner: {right} of 16"
    );
}

#[test]
fn simclr_runs_are_reproducible_from_the_seed() {
    let _device = lock();
    let run = || {
        let mut s = session(MethodConfig::SimClr(SimClrConfig::default()), 150);
        s.train(2).unwrap();
        pollster::block_on(s.report())
            .unwrap()
            .metric("loss")
            .unwrap()
    };
    assert_eq!(run(), run());
}

#[test]
fn moco_fills_its_queue_and_its_loss_falls() {
    let _device = lock();
    // A faster key encoder than the default 0.99, so that 40 steps move it.
    let config = MocoConfig {
        batch_size: 16,
        queue_size: 64,
        momentum: 0.9,
        ..Default::default()
    };
    let mut s = session(MethodConfig::Moco(config), 300);
    s.train(1).unwrap();
    let first = pollster::block_on(s.report()).unwrap();
    assert_eq!(
        first.metric("queue_filled"),
        Some(0.0),
        "the first step has no real keys"
    );
    // 16 keys a step fill the 64 slots after 4 steps.
    s.train(4).unwrap();
    let filling = pollster::block_on(s.report()).unwrap();
    let mean_fill = (16.0 + 32.0 + 48.0 + 64.0) / 4.0 / 64.0;
    assert!((filling.metric("queue_filled").unwrap() - mean_fill).abs() < 1e-6);
    // With real keys in the whole queue the task is harder than at the start (the random
    // vectors were easy negatives): the loss rises first, then falls as the encoders learn.
    let (l0, l1) = losses(&mut s, [6, 60, 10]);
    assert!(
        l0 > 2.5,
        "once the queue holds real keys the task is hard: {l0}"
    );
    assert!(l1 < 0.92 * l0, "loss did not fall: {l0} -> {l1}");
    let ex = pollster::block_on(s.examples(8).unwrap()).unwrap();
    assert_eq!((ex.items.len(), ex.probabilities.len()), (8, 64));
}

/// The collapse monitor after `steps` steps of BYOL with `config` (batch 32).
fn spread_after(config: ByolConfig, steps: usize) -> f64 {
    let mut s = session(
        MethodConfig::Byol(ByolConfig {
            batch_size: 32,
            ..config
        }),
        1000,
    );
    s.train(steps - 10).unwrap();
    pollster::block_on(s.report()).unwrap();
    s.train(10).unwrap();
    let r = pollster::block_on(s.report()).unwrap();
    r.metric("output_spread").unwrap()
}

#[test]
fn byol_collapses_without_the_stop_gradient_and_not_with_it() {
    let _device = lock();
    let byol = spread_after(ByolConfig::default(), 100);
    let no_stop_gradient = spread_after(
        ByolConfig {
            stop_gradient: false,
            ..Default::default()
        },
        100,
    );
    eprintln!(
        "output spread after 100 steps: BYOL {byol}, without stop-gradient {no_stop_gradient}"
    );
    assert!(
        no_stop_gradient < 0.05,
        "collapsed outputs are all alike: {no_stop_gradient}"
    );
    assert!(
        byol > 3.0 * no_stop_gradient,
        "{byol} vs {no_stop_gradient}"
    );
}
