//! Helpers shared by the native integration tests.

#![allow(dead_code)]

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use unsupervised_playground::Error;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::data::TrainingData;
use unsupervised_playground::data::{DatasetName, ImageSet, subset};
use unsupervised_playground::methods::MethodConfig;
use unsupervised_playground::session::Session;

/// The shipped MNIST file.
pub fn mnist() -> ImageSet {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data/mnist.upgd");
    ImageSet::decode(
        &std::fs::read(path).expect("www/data/mnist.upgd"),
        "mnist.upgd",
    )
    .expect("the shipped file decodes")
}

/// The first `n` MNIST images of every tenth... a small, class-mixed subset, uploaded.
pub fn small_mnist(n: usize, compute: &Compute) -> TrainingData {
    let set = mnist();
    let step = set.len() / n;
    let indices: Vec<usize> = (0..n).map(|i| i * step).collect();
    TrainingData::upload(DatasetName::Mnist, &subset(&set, &indices), compute).unwrap()
}

/// Each JSON config must be refused with a config error naming its field.
pub fn assert_refused<'a>(
    cases: &[(serde_json::Value, &str)],
    data: impl Into<Option<&'a TrainingData>> + Copy,
    compute: &Compute,
) {
    for (value, field) in cases {
        let result = MethodConfig::from_json(value.clone())
            .and_then(|config| Session::new(config, data, compute).map(|_| ()));
        match result {
            Err(Error::Config { field: f, message }) => {
                assert_eq!(f, *field, "{value}: {message}")
            }
            Err(other) => panic!("{value}: wrong error {other}"),
            Ok(()) => panic!("{value} was accepted"),
        }
    }
}

/// Every trainable parameter's values (running statistics, not trained, are left out): what a
/// step that must not touch a network compares before and after.
pub fn trainable<M: Module>(m: &M) -> Vec<Vec<f32>> {
    struct Trainable(Vec<Vec<f32>>);
    impl ModuleVisitor for Trainable {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if param.is_require_grad() {
                self.0.push(param.val().into_data().iter::<f32>().collect());
            }
        }
    }
    let mut t = Trainable(Vec::new());
    m.visit(&mut t);
    assert!(!t.0.is_empty(), "no trainable parameters found");
    t.0
}
