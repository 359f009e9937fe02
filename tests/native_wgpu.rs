//! The wgpu backend natively (Vulkan; on machines without a GPU, Mesa's lavapipe): the same
//! kernels the browser runs through WebGPU, for every method. Its own test binary, since the wgpu runtime is
//! initialised once per process.

mod common;

use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::StdRng;
use unsupervised_playground::backend::{BackendKind, BackendRequest, Compute};
use unsupervised_playground::data::augment::{AugmentConfig, augment};
use unsupervised_playground::losses;
use unsupervised_playground::methods::{JigsawConfig, MethodConfig, RotationConfig};
use unsupervised_playground::session::Session;

#[test]
fn methods_train_on_wgpu() {
    let compute = Compute::native(BackendRequest::Webgpu)
        .expect("a Vulkan device (install mesa-vulkan-drivers for lavapipe)");
    assert_eq!(compute.kind, BackendKind::Gpu);
    let data = common::small_mnist(40, &compute);
    let config = RotationConfig {
        batch_size: 8,
        learning_rate: 3e-3,
        ..Default::default()
    };
    let mut session = Session::new(MethodConfig::Rotation(config), &data, &compute).unwrap();
    session.train(1).unwrap();
    let first = pollster::block_on(session.report()).unwrap();
    session.train(20).unwrap();
    let later = pollster::block_on(session.report()).unwrap();
    let (l0, l1) = (first.metric("loss").unwrap(), later.metric("loss").unwrap());
    assert!(l1 < 0.85 * l0, "loss did not fall on wgpu: {l0} -> {l1}");
    // Examples read back through the async path too.
    let ex = pollster::block_on(session.examples(4).unwrap()).unwrap();
    assert_eq!(ex.items.len(), 4);

    // Jigsaw: tiles cut by a gather on the device, one shared encoder over every tile.
    let config = JigsawConfig {
        batch_size: 8,
        learning_rate: 3e-3,
        ..Default::default()
    };
    let mut session = Session::new(MethodConfig::Jigsaw(config), &data, &compute).unwrap();
    session.train(2).unwrap();
    let first = pollster::block_on(session.report()).unwrap();
    session.train(40).unwrap();
    let later = pollster::block_on(session.report()).unwrap();
    let (l0, l1) = (first.metric("loss").unwrap(), later.metric("loss").unwrap());
    assert!(
        l1 < 0.85 * l0,
        "jigsaw loss did not fall on wgpu: {l0} -> {l1}"
    );
    let ex = pollster::block_on(session.examples(3).unwrap()).unwrap();
    assert_eq!((ex.items.len(), ex.images.rows), (3, 24));

    // Augmentations (crop, mirror, jitter, blur) give the views the CPU backend gives: the same
    // gathers and clamps in the shaders. Noise is left out (each backend draws its own).
    let config = AugmentConfig {
        flip_probability: 0.5,
        noise_probability: 0.0,
        ..AugmentConfig::default()
    };
    let view = |device: &Device| -> Vec<f32> {
        let images = data.train.range(0, 6).to_device(device);
        augment(images, &config, &mut StdRng::seed_from_u64(9))
            .into_data()
            .iter::<f32>()
            .collect()
    };
    let (gpu, cpu) = (view(&compute.device), view(&Device::flex()));
    let worst = gpu
        .iter()
        .zip(&cpu)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-4, "wgpu and CPU views differ by {worst}");

    // The contrastive core (masked self-similarity, partner indices) gives the CPU's value.
    let nt_xent = |device: &Device| -> f32 {
        let z = data.train.range(0, 8).to_device(device).flatten(1, 3);
        let z2 = data.train.range(8, 16).to_device(device).flatten(1, 3);
        losses::nt_xent(z, z2, 0.2).into_scalar::<f32>()
    };
    let (gpu, cpu) = (nt_xent(&compute.device), nt_xent(&Device::flex()));
    assert!(
        (gpu - cpu).abs() < 1e-4 * cpu.abs().max(1.0),
        "NT-Xent: wgpu {gpu}, CPU {cpu}"
    );

    // SimCLR and MoCo steps: augmentations, the encoder on 2n views, the key encoder's EMA
    // (a module map) and the queue's slice writes, all in the shaders; the queue fills after
    // two steps of 8 keys.
    for config in [
        serde_json::json!({ "method": "simclr", "batch_size": 8 }),
        serde_json::json!({ "method": "moco", "batch_size": 8, "queue_size": 16 }),
    ] {
        let config = MethodConfig::from_json(config).unwrap();
        let mut session = Session::new(config, &data, &compute).unwrap();
        session.train(3).unwrap();
        let report = pollster::block_on(session.report()).unwrap();
        assert!(
            report.metrics.iter().all(|m| m.value.is_finite()),
            "{report:?}"
        );
        if report.method == "moco" {
            session.train(1).unwrap();
            let report = pollster::block_on(session.report()).unwrap();
            assert_eq!(report.metric("queue_filled"), Some(1.0));
        }
        let ex = pollster::block_on(session.examples(4).unwrap()).unwrap();
        assert_eq!((ex.items.len(), ex.probabilities.len()), (4, 16));
    }
}
