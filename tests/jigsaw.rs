//! Native tests of the jigsaw method on the CPU backend: config errors, a loss that falls, the
//! shuffled boards the widget draws.

mod common;

use serde_json::json;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::methods::{JigsawConfig, MethodConfig};
use unsupervised_playground::session::Session;

#[test]
fn bad_jigsaw_configs_are_refused_naming_the_field() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(100, &compute);
    let cases = [
        (json!({ "method": "jigsaw", "grid": 4 }), "grid"),
        (json!({ "method": "jigsaw", "grid": 1 }), "grid"),
        (
            json!({ "method": "jigsaw", "permutations": 1 }),
            "permutations",
        ),
        // 2x2 has 4! = 24 orders.
        (
            json!({ "method": "jigsaw", "permutations": 25 }),
            "permutations",
        ),
        (
            json!({ "method": "jigsaw", "grid": 3, "permutations": 1001 }),
            "permutations",
        ),
        // 3x3 cells of 28-pixel digits are 9 pixels: tiles of 4 leave room for 5 of jitter.
        (
            json!({ "method": "jigsaw", "grid": 3, "jitter": 6 }),
            "jitter",
        ),
        (json!({ "method": "jigsaw", "batch_size": 0 }), "batch_size"),
        (
            json!({ "method": "jigsaw", "learning_rate": -1.0 }),
            "learning_rate",
        ),
        (json!({ "method": "jigsaw", "grid": "three" }), "grid"),
        (json!({ "method": "jigsaw", "tiles": 4 }), "tiles"),
        (json!({ "method": "jigsaws" }), "method"),
    ];
    common::assert_refused(&cases, &data, &compute);
    let largest = json!({ "method": "jigsaw", "grid": 3, "permutations": 1000, "jitter": 5 });
    Session::new(MethodConfig::from_json(largest).unwrap(), &data, &compute)
        .expect("the largest valid set and jitter are accepted");
}

#[test]
fn jigsaw_loss_falls_and_boards_have_the_documented_shape() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(200, &compute);
    let config = JigsawConfig {
        batch_size: 16,
        learning_rate: 3e-3,
        ..Default::default()
    };
    let mut session = Session::new(MethodConfig::Jigsaw(config), &data, &compute).unwrap();
    session.train(1).unwrap();
    let first = pollster::block_on(session.report()).unwrap();
    session.train(60).unwrap();
    let later = pollster::block_on(session.report()).unwrap();
    let (l0, l1) = (first.metric("loss").unwrap(), later.metric("loss").unwrap());
    assert!(l0 > 2.8, "the first loss is near ln 24 = 3.18, got {l0}");
    assert!(l1 < 0.8 * l0, "loss did not fall: {l0} -> {l1}");

    // Boards: a 2x2 grid of 12-pixel tiles (14-pixel cells, 2 of jitter), 24 permutations.
    let ex = pollster::block_on(session.examples(5).unwrap()).unwrap();
    assert_eq!(
        (ex.items.len(), ex.images.rows, ex.images.cols),
        (5, 24, 24)
    );
    assert_eq!(ex.images.pixels.len(), 5 * 24 * 24);
    assert_eq!(ex.class_names.len(), 24);
    let mut orders: Vec<&String> = ex.class_names.iter().collect();
    orders.sort();
    orders.dedup();
    assert_eq!(
        orders.len(),
        24,
        "the class names are the 24 distinct orders"
    );
    assert!(ex.items.iter().all(|i| i.truth < 24 && i.predicted < 24));
}
