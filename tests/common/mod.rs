//! Helpers shared by the native integration tests.

#![allow(dead_code)]

use unsupervised_playground::backend::Compute;
use unsupervised_playground::data::{DatasetName, ImageSet, subset};
use unsupervised_playground::methods::TrainingData;

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
