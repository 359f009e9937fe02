//! The representation board on the CPU backend: the budget, the contenders, the scores, the cache
//! and the refusals.

mod common;

use unsupervised_playground::Error;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::board::{Board, BoardConfig};
use unsupervised_playground::methods::BOARD;

fn config(steps: usize, k: usize) -> BoardConfig {
    BoardConfig {
        steps,
        k,
        ..BoardConfig::default()
    }
}

fn methods(names: &[&str]) -> BoardConfig {
    BoardConfig {
        methods: names.iter().map(|n| n.to_string()).collect(),
        ..config(10, 20)
    }
}

fn methods_with_k(names: &[&str], k: usize) -> BoardConfig {
    BoardConfig {
        k,
        ..methods(names)
    }
}

fn field_of(e: Error) -> String {
    match e {
        Error::Config { field, .. } => field,
        other => panic!("not a config error: {other}"),
    }
}

#[test]
fn board_trains_each_method_to_the_budget_then_scores_every_contender() {
    let compute = Compute::cpu(None);
    // DeepCluster's default clusters 2,000 images: the training part must hold them.
    let data = common::small_mnist(2600, &compute);
    let mut board = Board::new(config(3, 5), &data, &compute).unwrap();

    // Calls of 2 steps: each method takes two calls (2 + 1, never past the budget).
    let mut calls = 0;
    let mut last = None;
    while !board.done() {
        board.train(2).unwrap();
        last = Some(pollster::block_on(board.report()).unwrap());
        calls += 1;
        assert!(calls <= 2 * BOARD.len(), "the board never finished");
    }
    let last = last.unwrap();
    assert_eq!(calls, 2 * BOARD.len());
    assert!(last.done && last.trained == BOARD.len() && last.methods == BOARD.len());
    assert_eq!(last.total_steps, 3 * BOARD.len() as u64);
    let report = last.report.unwrap();
    assert_eq!(
        (report.method.as_str(), report.step),
        (*BOARD.last().unwrap(), 3)
    );
    // Training after the budget does nothing.
    board.train(5).unwrap();
    assert_eq!(
        pollster::block_on(board.report()).unwrap().total_steps,
        3 * BOARD.len() as u64
    );

    let scores = pollster::block_on(board.scores(0.5).unwrap()).unwrap();
    let names: Vec<&str> = scores.contenders.iter().map(|c| c.name.as_str()).collect();
    let mut want = vec!["random init", "raw pixels"];
    want.extend(BOARD);
    assert_eq!(names, want);
    assert_eq!(scores.labelled, data.train.len() / 2);
    assert_eq!(scores.held_out, data.held_out.len());
    assert_eq!(scores.scatter_labels.len(), data.held_out.len().min(1000));
    for c in &scores.contenders {
        assert!(
            (0.0..=1.0).contains(&c.probe) && (0.0..=1.0).contains(&c.knn),
            "{c:?}"
        );
        assert_eq!(
            c.pca.points.len(),
            2 * scores.scatter_labels.len(),
            "{}",
            c.name
        );
        assert!(c.pca.explained[0] >= c.pca.explained[1] && c.pca.explained[0] > 0.0);
        let expected_runs = if c.name == "random init" { 5 } else { 1 };
        assert_eq!(c.runs.len(), expected_runs, "{}", c.name);
        // A fixed k is every run's.
        assert_eq!(c.knn_k, vec![5; expected_runs], "{}", c.name);
        assert_eq!(c.baseline, c.steps == 0, "{}", c.name);
        if !c.baseline {
            assert_eq!(c.steps, 3);
            assert!(c.seconds.is_some(), "{}", c.name);
        }
    }
    let pixels = &scores.contenders[1];
    assert_eq!(pixels.dim, 28 * 28);
    // Raw pixels of digits are linearly separable well beyond chance (10%).
    assert!(pixels.probe > 0.7 && pixels.knn > 0.7, "{pixels:?}");
    // Every method is read out the same way: the encoder's channels, averaged over space.
    assert!(scores.contenders[2..].iter().all(|c| c.dim == 64));

    // A second call at the same fraction comes from the cache: the same numbers.
    let again = pollster::block_on(board.scores(0.5).unwrap()).unwrap();
    assert_eq!(again, scores);
    // Fewer labels: fewer labelled images, the same held-out set.
    let few = pollster::block_on(board.scores(0.05).unwrap()).unwrap();
    assert_eq!(
        few.labelled,
        (0.05 * data.train.len() as f64).round() as usize
    );
    assert_eq!(few.contenders[0].pca, scores.contenders[0].pca);
    assert!(
        board.status().is_none(),
        "the status clears when scoring ends"
    );

    // Reset: untrained again; the methods' features are dropped, not the baselines'.
    board.reset().unwrap();
    assert!(!board.done());
    let r = pollster::block_on(board.report()).unwrap();
    assert_eq!((r.total_steps, r.trained), (0, 0));
}

/// `k: 0` (the default): each run's kNN takes the k its labelled images choose, at most the
/// labelled images per class, and the board says so.
#[test]
fn the_default_board_chooses_k_on_the_labelled_images() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(600, &compute);
    assert_eq!(BoardConfig::default().k, 0);
    let board = Board::new(methods_with_k(&["rotation"], 0), &data, &compute).unwrap();
    // 10% of 480: 48 labels, 4 or 5 a class.
    let scores = pollster::block_on(board.scores(0.1).unwrap()).unwrap();
    assert_eq!((scores.k, scores.labelled), (0, 48));
    for c in &scores.contenders {
        assert_eq!(c.knn_k.len(), c.runs.len(), "{}", c.name);
        for &k in &c.knn_k {
            assert!(
                unsupervised_playground::eval::knn::K_CANDIDATES.contains(&k) && k <= 4,
                "{}: k {k}",
                c.name
            );
        }
        assert!((0.1..=1.0).contains(&c.knn), "{c:?}");
    }
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let compute = Compute::cpu(None);
    let data = common::small_mnist(2600, &compute);
    for (config, field) in [
        (config(0, 20), "steps"),
        (config(100_001, 20), "steps"),
        // At most the training part (2,080 images here); 0 chooses k.
        (config(10, 2081), "k"),
        (config(10, 100_000), "k"),
        (
            BoardConfig {
                dataset: unsupervised_playground::data::DatasetName::Fashion,
                ..BoardConfig::default()
            },
            "dataset",
        ),
        (methods(&[]), "methods"),
        (methods(&["rotation", "gan"]), "methods"),
        (methods(&["simclr", "simclr"]), "methods"),
    ] {
        let e = Board::new(config.clone(), &data, &compute).err().unwrap();
        assert_eq!(field_of(e), field, "{config:?}");
    }
    let board = Board::new(config(1, 20), &data, &compute).unwrap();
    for fraction in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        let e = board.scores(fraction).err().unwrap();
        assert_eq!(field_of(e), "fraction", "{fraction}");
    }
    // 20 neighbours need at least 20 labels: 0.5% of 2,080 is 10.
    let e = board.scores(0.005).err().unwrap();
    assert_eq!(field_of(e), "k");

    // A board of two chosen methods trains those, in the order given.
    let mut two = Board::new(methods(&["moco", "rotation"]), &data, &compute).unwrap();
    two.train(1).unwrap();
    let report = pollster::block_on(two.report()).unwrap();
    assert_eq!(report.methods, 2);
    assert_eq!(report.report.unwrap().method, "moco");
}
