//! Native integration tests on the CPU backend: the shipped data, the session API, config
//! validation, and a rotation model that learns.

mod common;

use unsupervised_playground::Error;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::checkpoint::Checkpoint;
use unsupervised_playground::data::TrainingData;
use unsupervised_playground::data::{DatasetName, ImageSet, Split};
use unsupervised_playground::methods::{MethodConfig, Report, RotationConfig};
use unsupervised_playground::session::Session;

#[test]
fn shipped_datasets_decode_with_their_documented_sizes() {
    let mnist = common::mnist();
    assert_eq!((mnist.len(), mnist.rows, mnist.cols), (10_000, 28, 28));
    assert_eq!(mnist.class_names.len(), 10);
    let fashion_path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/fashion.upgd");
    let fashion = ImageSet::decode(&std::fs::read(fashion_path).unwrap(), "fashion.upgd").unwrap();
    assert_eq!(fashion.len(), 5_000);
    assert_eq!(fashion.class_names[9], "Ankle boot");
    // Every class is present in both parts of the split.
    let split = Split::new(&mnist).unwrap();
    assert_eq!((split.train.len(), split.held_out.len()), (8_000, 2_000));
    for c in 0..10u8 {
        assert!(
            split.held_out.labels.contains(&c),
            "class {c} missing from held-out"
        );
    }
}

#[test]
fn a_truncated_shipped_file_gives_a_clear_error() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/mnist.upgd");
    let bytes = std::fs::read(path).unwrap();
    let err = ImageSet::decode(&bytes[..bytes.len() / 3], "mnist.upgd").unwrap_err();
    assert!(matches!(err, Error::Data { .. }));
    assert!(err.to_string().starts_with("mnist.upgd: "), "{err}");
}

/// Every setting a method names as shaping its network is a field of its config: a misspelt
/// name would let a page's setting change the network a pretrained model's weights belong to.
#[test]
fn architecture_settings_are_config_fields() {
    for name in MethodConfig::NAMES {
        let config = MethodConfig::default_for(name).unwrap();
        let json = serde_json::to_value(&config).unwrap();
        for field in config.architecture() {
            assert!(
                json.get(field).is_some(),
                "{name}: {field:?} is not a field of its config"
            );
        }
    }
    let vae = MethodConfig::default_for("vae").unwrap();
    assert_eq!(vae.architecture(), ["latent", "conditional"]);
}

fn rotation(config: RotationConfig) -> MethodConfig {
    MethodConfig::Rotation(config)
}

#[test]
fn bad_configs_are_refused_naming_the_field() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(100, &compute); // 80 training images
    let d = RotationConfig::default();
    let cases = [
        (
            RotationConfig {
                batch_size: 0,
                ..d.clone()
            },
            "batch_size",
        ),
        (
            RotationConfig {
                batch_size: 81,
                ..d.clone()
            },
            "batch_size",
        ),
        (
            RotationConfig {
                learning_rate: 0.0,
                ..d.clone()
            },
            "learning_rate",
        ),
        (
            RotationConfig {
                learning_rate: -1e-3,
                ..d.clone()
            },
            "learning_rate",
        ),
        (
            RotationConfig {
                learning_rate: f64::NAN,
                ..d.clone()
            },
            "learning_rate",
        ),
        (
            RotationConfig {
                learning_rate: f64::INFINITY,
                ..d.clone()
            },
            "learning_rate",
        ),
        (
            RotationConfig {
                dataset: DatasetName::Fashion,
                batch_size: 8,
                ..d.clone()
            },
            "dataset",
        ),
    ];
    for (config, field) in cases {
        match Session::new(rotation(config.clone()), &data, &compute) {
            Err(Error::Config { field: f, message }) => {
                assert_eq!(f, field, "{config:?}: {message}")
            }
            Err(other) => panic!("{config:?}: wrong error {other}"),
            Ok(_) => panic!("{config:?} was accepted"),
        }
    }
    let mut ok = Session::new(
        rotation(RotationConfig {
            batch_size: 80,
            ..d
        }),
        &data,
        &compute,
    )
    .expect("the largest valid batch is accepted");
    for steps in [0, 10_001] {
        let e = ok.train(steps).unwrap_err();
        assert!(e.to_string().starts_with("steps: "), "{e}");
    }
}

/// Rotation at batch 8 and learning rate 3e-3 (`gradient_clip` as given) on 32 images: the
/// report of its first step and the report of the 30 steps after it.
fn first_step_and_30_more(
    gradient_clip: f64,
    data: &TrainingData,
    compute: &Compute,
) -> (Report, Report) {
    let config = RotationConfig {
        batch_size: 8,
        learning_rate: 3e-3,
        gradient_clip,
        ..Default::default()
    };
    let mut session = Session::new(rotation(config), data, compute).unwrap();
    session.train(1).unwrap();
    let first = pollster::block_on(session.report()).unwrap();
    session.train(30).unwrap();
    (first, pollster::block_on(session.report()).unwrap())
}

#[test]
fn rotation_loss_falls_on_a_fixed_batch() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(40, &compute);
    let (first, later) = first_step_and_30_more(0.0, &data, &compute);
    let (l0, l1) = (first.metric("loss").unwrap(), later.metric("loss").unwrap());
    assert!(l0 > 1.2, "the first loss is near ln 4 = 1.386, got {l0}");
    assert!(l1 < 0.8 * l0, "loss did not fall: {l0} -> {l1}");
    assert_eq!((later.step, later.steps_in_report), (31, 30));
}

/// `gradient_clip` reaches Adam: clipped to a norm far under Adam's epsilon (1e-8 per value),
/// every update shrinks to almost nothing and the loss stays where it started, while the
/// unclipped run's falls. A bad value is refused naming the field.
#[test]
fn gradient_clipping_reaches_the_optimizer() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(40, &compute);
    let loss_after_31 = |gradient_clip: f64| {
        let (first, later) = first_step_and_30_more(gradient_clip, &data, &compute);
        (first.metric("loss").unwrap(), later.metric("loss").unwrap())
    };
    // (The two first losses need not be equal: tests run in parallel and draw their inits
    // from the same device's generator.)
    let (free0, free1) = loss_after_31(0.0);
    let (clip0, clip1) = loss_after_31(1e-12);
    assert!(free1 < 0.8 * free0, "unclipped: {free0} -> {free1}");
    assert!(
        (clip1 - clip0).abs() < 0.05 * clip0,
        "clipped to 1e-12: {clip0} -> {clip1}"
    );
    for bad in [-1.0, f64::NAN, f64::INFINITY, 1e7] {
        let config = RotationConfig {
            gradient_clip: bad,
            ..Default::default()
        };
        let e = Session::new(rotation(config), &data, &compute)
            .err()
            .expect("refused");
        assert!(
            matches!(&e, Error::Config { field, .. } if field == "gradient_clip"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_non_finite_loss_halts_training_until_reset() {
    let compute = Compute::cpu(None);
    let mut data = common::small_mnist(40, &compute);
    // Poison the training images: the very first loss is NaN, deterministically.
    data.train.images = data.train.images.clone() * f32::NAN;
    let config = RotationConfig {
        batch_size: 8,
        ..Default::default()
    };
    let mut session = Session::new(rotation(config), &data, &compute).unwrap();
    session.train(2).unwrap();
    let e = pollster::block_on(session.report()).unwrap_err();
    assert!(matches!(e, Error::NonFinite { step: 2, .. }), "{e}");
    assert!(
        e.to_string()
            .contains("training stopped at step 2: the loss became NaN"),
        "{e}"
    );
    let refused = session.train(1).unwrap_err();
    assert!(matches!(refused, Error::Halted(_)), "{refused}");
    session.reset().unwrap();
    session.train(1).expect("reset clears the halt");
}

#[test]
fn examples_and_evaluation_have_the_documented_shapes() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let config = RotationConfig {
        batch_size: 16,
        ..Default::default()
    };
    let mut session = Session::new(rotation(config), &data, &compute).unwrap();
    session.train(3).unwrap();
    let ex = pollster::block_on(session.examples(6).unwrap()).unwrap();
    assert_eq!(ex.items.len(), 6);
    assert_eq!(ex.images.pixels.len(), 6 * 28 * 28);
    assert_eq!(ex.class_names, ["0°", "90°", "180°", "270°"]);
    assert!(ex.items.iter().all(|i| i.truth < 4 && i.predicted < 4));
    assert!(session.examples(0).is_err());
}

/// A checkpoint file with burn's parameter ids blanked and without its checksum: what must be
/// the same bytes when two files hold the same model. burn keeps a saved weight's id on load,
/// but gives a loaded BatchNorm running statistic a fresh id (the values are the saved ones),
/// so a reloaded model's file differs in those 8-byte ids only.
fn without_param_ids(bytes: &[u8]) -> Vec<u8> {
    const KEY: &[u8] = b"param_id\x1b"; // the CBOR key, then an 8-byte unsigned integer
    let mut out = bytes[..bytes.len() - 4].to_vec();
    let mut at = 0;
    while let Some(i) = out[at..].windows(KEY.len()).position(|w| w == KEY) {
        let start = at + i + KEY.len();
        out[start..start + 8].fill(0);
        at = start + 8;
    }
    out
}

/// Every method's checkpoint round trip is bit-exact: save after one step, rebuild a session
/// from the file, save again, and the two files hold the same bytes (every weight and running
/// statistic, the config and the step count) but for burn's parameter ids.
#[test]
fn every_method_saves_and_loads_bit_exact() {
    let compute = Compute::cpu(None);
    let data = TrainingData::upload(DatasetName::Mnist, &common::mnist(), &compute).unwrap();
    for name in MethodConfig::NAMES {
        let config = MethodConfig::default_for(name).unwrap();
        let data = config.dataset().map(|_| &data);
        let mut session = Session::new(config, data, &compute).unwrap();
        session.train(1).unwrap();
        pollster::block_on(session.report()).unwrap();
        let saved = pollster::block_on(session.save()).unwrap();
        let checkpoint = Checkpoint::decode(&saved).unwrap();
        let restored = Session::restore(&checkpoint, data, &compute).unwrap();
        assert_eq!(restored.step(), 1);
        let again = pollster::block_on(restored.save()).unwrap();
        let (a, b) = (without_param_ids(&saved), without_param_ids(&again));
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        assert!(
            a.len() == b.len() && first.is_none(),
            "{name}: {} then {} bytes, first difference at byte {first:?}",
            saved.len(),
            again.len(),
        );
    }
}
