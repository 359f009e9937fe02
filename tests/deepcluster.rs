//! Native tests of DeepCluster on the CPU backend: config errors, a pseudo-label loss that falls
//! within a round, cluster samples, and an evaluation that scores every round.

mod common;

use serde_json::json;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::methods::{DeepClusterConfig, MethodConfig};
use unsupervised_playground::session::Session;

#[test]
fn bad_deepcluster_configs_are_refused_naming_the_field() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(100, &compute); // 80 training images
    let cases = [
        (
            json!({ "method": "deepcluster", "clusters": 0, "images": 50 }),
            "clusters",
        ),
        (
            json!({ "method": "deepcluster", "clusters": 51, "images": 50 }),
            "clusters",
        ),
        (json!({ "method": "deepcluster", "images": 81 }), "images"),
        (
            json!({ "method": "deepcluster", "images": 50, "steps_per_round": 0 }),
            "steps_per_round",
        ),
        (
            json!({ "method": "deepcluster", "images": 50, "kmeans_iterations": 0 }),
            "kmeans_iterations",
        ),
        (
            json!({ "method": "deepcluster", "images": 50, "batch_size": 51 }),
            "batch_size",
        ),
        (
            json!({ "method": "deepcluster", "images": 50, "max_shift": 9 }),
            "max_shift",
        ),
        (
            json!({ "method": "deepcluster", "images": 50, "k": 10 }),
            "k",
        ),
    ];
    common::assert_refused(&cases, &data, &compute);
}

#[test]
fn deepcluster_learns_its_pseudo_labels_and_scores_each_round() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(400, &compute); // 320 training images
    let config = DeepClusterConfig {
        images: 200,
        clusters: 5,
        steps_per_round: 40,
        batch_size: 16,
        ..Default::default()
    };
    let mut session = Session::new(MethodConfig::DeepCluster(config), &data, &compute).unwrap();
    session.train(2).unwrap();
    let first = pollster::block_on(session.report()).unwrap();
    session.train(30).unwrap();
    let _ = pollster::block_on(session.report()).unwrap();
    session.train(8).unwrap(); // steps 33-40: still the first round's labels
    let later = pollster::block_on(session.report()).unwrap();
    let (l0, l1) = (first.metric("loss").unwrap(), later.metric("loss").unwrap());
    assert!(l0 > 1.2, "the first loss is near ln 5 = 1.61, got {l0}");
    assert!(
        l1 < 0.8 * l0,
        "the pseudo-label loss did not fall: {l0} -> {l1}"
    );
    session.train(1).unwrap(); // step 41 starts round 2

    // Cluster samples: up to 8 clusters, the images nearest each centroid, cluster by cluster.
    let ex = pollster::block_on(session.examples(10).unwrap()).unwrap();
    assert_eq!(ex.items.len(), 10);
    assert_eq!(ex.class_names.len(), 5);
    let clusters: Vec<usize> = ex.items.iter().map(|i| i.truth).collect();
    assert_eq!(clusters, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);

    let ev = pollster::block_on(session.evaluate()).unwrap();
    let c = ev.clustering.expect("DeepCluster scores its clusterings");
    assert_eq!(c.rounds.iter().map(|r| r.step).collect::<Vec<_>>(), [0, 40]);
    let features = c
        .features
        .expect("a full evaluation clusters the current features");
    for s in c.rounds.iter().map(|r| r.score).chain([c.pixels, features]) {
        assert!((0.0..=1.0).contains(&s.nmi) && s.purity >= 0.2, "{s:?}");
    }
    assert!(ev.probe.is_some());
    // The cheap per-round scores agree with the full evaluation's.
    let cheap = pollster::block_on(session.clustering().unwrap()).unwrap();
    assert_eq!((cheap.rounds, cheap.pixels), (c.rounds, c.pixels));
}
