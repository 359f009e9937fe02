//! Native tests of the character-level GPT (CPU backend): causality by perturbation, the
//! corpus's vocabulary and its refusals, sampling (temperature, top-k) and its bad input, the
//! loss falling on a small text, the held-out evaluation, bad configs.

mod common;

use burn::tensor::{Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use unsupervised_playground::backend::Compute;
use unsupervised_playground::methods::charlm::{CharLm, CharLmConfig, Corpus, Sampling};
use unsupervised_playground::methods::{Method, MethodConfig};
use unsupervised_playground::session::Session;

/// The CPU device's random generator is one per process (see `tests/contrastive.rs`).
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn small() -> CharLmConfig {
    CharLmConfig {
        context: 16,
        embedding: 32,
        heads: 4,
        layers: 2,
        batch_size: 16,
        ..CharLmConfig::default()
    }
}

/// A short, very regular text: easy to learn in a few dozen steps.
fn rhyme() -> Corpus {
    Corpus::new(&"the cat sat on the mat. the dog sat on the log. ".repeat(40))
}

#[test]
fn the_output_at_each_position_ignores_every_later_input() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let lm = CharLm::with_corpus(small(), rhyme(), &compute);
    let net = lm.net();
    let length = 12;
    let ids: Vec<i64> = (0..length).map(|i| (i * 5 % 14) as i64).collect();
    let logits = |ids: &[i64]| -> Vec<Vec<f32>> {
        let input = Tensor::<2, Int>::from_data(
            TensorData::new(ids.to_vec(), [1, length]),
            &compute.device,
        );
        let (out, weights) = net.forward(input);
        assert_eq!(weights.len(), 2);
        let flat: Vec<f32> = out.into_data().iter().collect();
        flat.chunks(flat.len() / length)
            .map(|c| c.to_vec())
            .collect()
    };
    let base = logits(&ids);
    for changed in [0, 5, 11] {
        let mut other = ids.clone();
        other[changed] = (other[changed] + 3) % 14;
        let after = logits(&other);
        for position in 0..length {
            let same = after[position] == base[position];
            // Position i reads inputs 0..=i: a change at `changed` reaches i >= changed only.
            assert_eq!(
                same,
                position < changed,
                "input {changed} changed, output {position} {}",
                if same { "did not change" } else { "changed" }
            );
        }
    }
}

#[test]
fn the_corpus_knows_its_characters_and_refuses_others() {
    let corpus = Corpus::new("abcab\nba");
    assert_eq!(corpus.vocabulary, vec!['\n', 'a', 'b', 'c']);
    assert_eq!(corpus.train.len() + corpus.held_out.len(), 8);
    assert_eq!(corpus.encode("prompt", "cab").unwrap(), vec![3, 1, 2]);
    let e = corpus.encode("prompt", "abz").unwrap_err().to_string();
    assert!(e.starts_with("prompt: character 2 ('z') is not in"), "{e}");
    let e = corpus.encode("prompt", "").unwrap_err().to_string();
    assert!(e.starts_with("prompt: is empty"), "{e}");
    // The shipped text: Genesis, 60 characters.
    let genesis = Corpus::new(unsupervised_playground::methods::charlm::TEXT);
    assert_eq!(genesis.vocabulary.len(), 60);
    assert!(genesis.held_out.len() > 15_000);
}

#[test]
fn sampling_follows_temperature_and_top_k() {
    let p = [0.1f32, 0.6, 0.3];
    let mut rng = StdRng::seed_from_u64(1);
    let greedy = Sampling {
        top_k: 1,
        ..Sampling::default()
    };
    assert!((0..50).all(|_| greedy.draw(&p, &mut rng) == 1));
    // A very low temperature is greedy too; top-2 never draws the least likely.
    let cold = Sampling {
        temperature: 0.01,
        ..Sampling::default()
    };
    assert!((0..50).all(|_| cold.draw(&p, &mut rng) == 1));
    let two = Sampling {
        top_k: 2,
        ..Sampling::default()
    };
    assert!((0..500).all(|_| two.draw(&p, &mut rng) != 0));
    // At temperature 1 the draws follow p.
    let plain = Sampling::default();
    let n = 20_000;
    let ones = (0..n).filter(|_| plain.draw(&p, &mut rng) == 1).count() as f64 / n as f64;
    assert!((ones - 0.6).abs() < 0.02, "{ones}");
    for (bad, field) in [
        (
            Sampling {
                temperature: 0.0,
                ..Sampling::default()
            },
            "temperature",
        ),
        (
            Sampling {
                temperature: f64::NAN,
                ..Sampling::default()
            },
            "temperature",
        ),
        (
            Sampling {
                top_k: 0,
                ..Sampling::default()
            },
            "top_k",
        ),
    ] {
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.starts_with(&format!("{field}: ")), "{e}");
    }
}

#[test]
fn the_loss_falls_and_the_model_writes_and_scores() {
    let _device = lock();
    let compute = Compute::cpu(None);
    let mut lm = CharLm::with_corpus(small(), rhyme(), &compute);
    let bits = |lm: &mut CharLm, steps| {
        lm.train(steps);
        let report = pollster::block_on(lm.take_metrics().read()).unwrap();
        assert_eq!(report[1].name, "bits_per_character");
        report[1].value
    };
    let first = bits(&mut lm, 2);
    bits(&mut lm, 40);
    let later = bits(&mut lm, 5);
    assert!(
        first > 3.0 && later < 0.6 * first,
        "{first} -> {later} bits/char"
    );

    let next = pollster::block_on(lm.next_char("the ca").unwrap().read()).unwrap();
    assert_eq!(next.characters.len(), next.probabilities.len());
    let total: f32 = next.probabilities.iter().sum();
    assert!((total - 1.0).abs() < 1e-4, "{total}");
    let t = next.characters.iter().position(|c| c == "t").unwrap();
    assert!(
        next.probabilities[t] > 0.3,
        "P(t | 'the ca') = {}",
        next.probabilities[t]
    );

    let sampling = Sampling {
        seed: 3,
        ..Sampling::default()
    };
    let a = pollster::block_on(lm.sample("the ", 30, sampling).unwrap()).unwrap();
    let b = pollster::block_on(lm.sample("the ", 30, sampling).unwrap()).unwrap();
    assert_eq!(a.chars().count(), 30);
    assert_eq!(a, b, "the same seed writes the same text");
    let e = lm.sample("the ", 0, sampling).err().unwrap().to_string();
    assert!(e.starts_with("length: "), "{e}");
    let e = lm.sample("THE", 5, sampling).err().unwrap().to_string();
    assert!(e.starts_with("prompt: character 0 ('T')"), "{e}");

    let eval = pollster::block_on(lm.evaluate()).unwrap().language.unwrap();
    assert!(eval.characters > 100);
    assert!(
        eval.bits_per_character < eval.unigram_bits_per_character,
        "{eval:?}"
    );
}

#[test]
fn bad_charlm_configs_are_refused_naming_the_field() {
    let compute = Compute::cpu(None);
    let cases = [
        (json!({ "method": "charlm", "context": 1 }), "context"),
        (json!({ "method": "charlm", "context": 100000 }), "context"),
        (
            json!({ "method": "charlm", "embedding": 30, "heads": 4 }),
            "heads",
        ),
        (json!({ "method": "charlm", "layers": 0 }), "layers"),
        (
            json!({ "method": "charlm", "learning_rate": -1.0 }),
            "learning_rate",
        ),
        (json!({ "method": "charlm", "dataset": "mnist" }), "dataset"),
    ];
    common::assert_refused(&cases, None, &compute);
    let ok = MethodConfig::from_json(json!({ "method": "charlm", "layers": 1 })).unwrap();
    assert!(Session::new(ok, None, &compute).is_ok());
}
