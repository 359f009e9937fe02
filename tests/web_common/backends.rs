//! Scenarios both the WebGPU binary (`tests/web.rs`) and the CPU fallback's (`tests/web_cpu.rs`)
//! run: the pretext methods' real training steps, bad input, the board's bad input, memory.

use unsupervised_playground::web;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::web_common::*;

/// Real rotation training steps, a falling loss, examples read back. SwiftShader is slow: a
/// tiny batch.
pub async fn rotation_loss_falls_and_examples_read() {
    // Reports average the loss over the steps since the previous one: compare steps 1-2 with
    // steps 15-20 (steps 3-14 are read and dropped). The first loss is near ln 4 = 1.39.
    loss_falls_and_examples_read(rotation(4.0), [2, 12, 6], 1.2).await;
}

/// Real jigsaw training steps (2x2 tiles, 24 permutations): tiles are small, so more steps fit.
pub async fn jigsaw_loss_falls_and_examples_read() {
    let config = obj(&[
        ("method", "jigsaw".into()),
        ("batch_size", 8.into()),
        ("learning_rate", 0.003.into()),
    ]);
    // The first loss is near ln 24 = 3.18.
    loss_falls_and_examples_read(config, [2, 28, 10], 2.8).await;
}

/// Real DeepCluster steps: a small clustered set, one round covering the whole test (the head is
/// new each round, so losses compare within a round).
pub async fn deepcluster_loss_falls_and_examples_read() {
    // Few images and k-means iterations: on SwiftShader each op runs before `train` returns, and
    // the first call also clusters (twice: features and, for the baseline, pixels).
    let config = obj(&[
        ("method", "deepcluster".into()),
        ("images", 32.into()),
        ("clusters", 4.into()),
        ("kmeans_iterations", 3.into()),
        ("steps_per_round", 30.into()),
        ("batch_size", 8.into()),
    ]);
    // The first loss is near ln 4 = 1.39.
    loss_falls_and_examples_read(config, [2, 16, 6], 1.0).await;
}

/// Bad input: clear errors naming the field, never a panic; the module keeps working.
pub async fn bad_input_is_refused() {
    let cases: Vec<(JsValue, &str)> = vec![
        (rotation(0.0), "batch_size"),
        (rotation(-3.0), "batch_size"),
        (rotation(1e9), "batch_size"),
        (
            obj(&[
                ("method", "rotation".into()),
                ("learning_rate", f64::NAN.into()),
            ]),
            "learning_rate",
        ),
        (
            obj(&[
                ("method", "rotation".into()),
                ("learning_rate", f64::INFINITY.into()),
            ]),
            "learning_rate",
        ),
        (
            obj(&[("method", "rotation".into()), ("learning_rate", 0.0.into())]),
            "learning_rate",
        ),
        (
            obj(&[("method", "rotation".into()), ("batch_size", "big".into())]),
            "batch_size",
        ),
        (
            obj(&[("method", "rotation".into()), ("batchsize", 8.into())]),
            "batchsize",
        ),
        (obj(&[("method", "teleport".into())]), "method"),
        (obj(&[]), "method"),
        (JsValue::from(42), "config"),
        (
            obj(&[("method", "rotation".into()), ("dataset", "cifar".into())]),
            "dataset",
        ),
        (
            obj(&[("method", "jigsaw".into()), ("grid", 5.into())]),
            "grid",
        ),
        (
            obj(&[("method", "jigsaw".into()), ("permutations", 30.into())]),
            "permutations",
        ),
        (
            obj(&[("method", "jigsaw".into()), ("jitter", 11.into())]),
            "jitter",
        ),
        (
            obj(&[("method", "simclr".into()), ("temperature", 0.0.into())]),
            "temperature",
        ),
        (
            obj(&[
                ("method", "simclr".into()),
                ("temperature", f64::NAN.into()),
            ]),
            "temperature",
        ),
        (
            obj(&[
                ("method", "simclr".into()),
                ("augment", obj(&[("noise_std", (-1.0).into())])),
            ]),
            "augment.noise_std",
        ),
        (
            obj(&[
                ("method", "simclr".into()),
                ("augment", obj(&[("nois_std", 0.1.into())])),
            ]),
            "augment.nois_std",
        ),
        (
            obj(&[("method", "moco".into()), ("momentum", 1.0.into())]),
            "momentum",
        ),
        (
            obj(&[("method", "moco".into()), ("momentum", (-0.5).into())]),
            "momentum",
        ),
        (
            obj(&[
                ("method", "moco".into()),
                ("batch_size", 32.into()),
                ("queue_size", 32.into()),
            ]),
            "queue_size",
        ),
    ];
    for (config, field) in cases {
        let err = match web::create_session(config.clone()) {
            Ok(_) => panic!("{config:?} was accepted"),
            Err(e) => js_message(e),
        };
        assert!(
            err.contains(field),
            "{config:?}: {err:?} does not name {field}"
        );
    }
    // Bad step counts, and calls after dispose.
    let session = web::create_session(rotation(4.0))
        .map_err(js_message)
        .unwrap();
    for steps in [0.0, -1.0, 0.5, f64::NAN] {
        let e = js_message(session.train(steps).unwrap_err());
        assert!(e.starts_with("steps: "), "{e}");
    }
    session.dispose();
    let e = js_message(session.train(1.0).unwrap_err());
    assert!(e.contains("freed"), "{e}");
    let e = JsFuture::from(session.report())
        .await
        .map(|_| ())
        .map_err(message)
        .unwrap_err();
    assert!(e.contains("freed"), "{e}");
    session.dispose(); // twice is fine
    // The module still works after all of that.
    let again = web::create_session(rotation(4.0))
        .map_err(js_message)
        .unwrap();
    again.train(1.0).map_err(js_message).unwrap();
    let _ = report(&again).await;
}

pub async fn board_bad_input_is_refused() {
    let cases: Vec<(JsValue, &str)> = vec![
        (obj(&[("steps", 0.into())]), "steps"),
        (obj(&[("steps", f64::NAN.into())]), "steps"),
        (obj(&[("k", (-1).into())]), "k"),
        (obj(&[("k", 1e9.into())]), "k"),
        (obj(&[("grid", 9.into())]), "grid"),
        (obj(&[("dataset", "cifar".into())]), "dataset"),
        (obj(&[("stepz", 10.into())]), "stepz"),
        (
            obj(&[("methods", js_sys::Array::of1(&"gan".into()).into())]),
            "methods",
        ),
        (obj(&[("methods", js_sys::Array::new().into())]), "methods"),
        (JsValue::from("board"), "config"),
    ];
    for (config, field) in cases {
        let err = match web::create_board(config.clone()) {
            Ok(_) => panic!("{config:?} was accepted"),
            Err(e) => js_message(e),
        };
        assert!(
            err.starts_with(&format!("{field}: ")),
            "{config:?}: {err:?}"
        );
    }
    let board = web::create_board(obj(&[("steps", 1.into())]))
        .map_err(js_message)
        .unwrap();
    for fraction in [0.0, 2.0, f64::NAN] {
        let e = JsFuture::from(board.scores(fraction))
            .await
            .map(|_| ())
            .map_err(message)
            .unwrap_err();
        assert!(e.starts_with("fraction: "), "{e}");
    }
    let e = js_message(board.train(0.0).unwrap_err());
    assert!(e.starts_with("steps: "), "{e}");
    board.dispose();
    let e = js_message(board.train(1.0).unwrap_err());
    assert!(e.contains("freed"), "{e}");
}

/// The memory benchmark's numbers (`memory_usage`): the wasm heap always; the GPU allocator's
/// holdings on the GPU only (after `init`, the dataset lives there), `null` on the CPU.
pub fn memory_is_reported(on_gpu: bool) {
    let usage = web::memory_usage().map_err(js_message).unwrap();
    let wasm_bytes = get(&usage, "wasm_bytes").as_f64().unwrap();
    // At least the uploaded dataset's copy and the module's data: megabytes.
    assert!(wasm_bytes >= 1e6, "{usage:?}");
    let gpu = get(&usage, "gpu");
    if on_gpu {
        let in_use = get(&gpu, "bytes_in_use").as_f64().unwrap();
        let reserved = get(&gpu, "bytes_reserved").as_f64().unwrap();
        assert!(in_use > 0.0 && reserved >= in_use, "{usage:?}");
        assert!(
            get(&gpu, "allocations").as_f64().unwrap() >= 1.0,
            "{usage:?}"
        );
    } else {
        assert!(gpu.is_null(), "{usage:?}");
    }
}

/// `train_and_report(n)`, the player's one call per tick: the steps and their report in one
/// promise, with `compute_seconds` (the work, from enqueueing to the values read back), which a
/// plain `report()` does not have; a bad count is refused as `train` refuses it.
pub async fn train_and_report_is_one_call() {
    let session = web::create_session(rotation(4.0))
        .map_err(js_message)
        .unwrap();
    let first = JsFuture::from(session.train_and_report(2.0))
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(get(&first, "step").as_f64(), Some(2.0), "{first:?}");
    assert_eq!(get(&first, "steps_in_report").as_f64(), Some(2.0));
    assert!(loss(&first).is_finite(), "{first:?}");
    let seconds = get(&first, "compute_seconds").as_f64().unwrap();
    assert!(
        seconds > 0.0 && seconds < 600.0,
        "compute_seconds {seconds}"
    );
    session.train(1.0).map_err(js_message).unwrap();
    let plain = report(&session).await;
    assert_eq!(get(&plain, "step").as_f64(), Some(3.0));
    assert!(get(&plain, "compute_seconds").is_undefined(), "{plain:?}");
    for bad in [0.0, 1.5, 10_001.0, f64::NAN] {
        let e = message(
            JsFuture::from(session.train_and_report(bad))
                .await
                .unwrap_err(),
        );
        assert!(e.starts_with("steps: "), "{bad}: {e}");
    }
    assert_eq!(session.step().map_err(js_message).unwrap(), 3.0);
    session.dispose();
}
