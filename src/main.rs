//! `playground`: train a method from the terminal, the way to pretrain, benchmark and reproduce
//! results outside the browser. Runs the same core as the page.
//!
//! ```text
//! cargo run -- train --method rotation --seconds 60            # train, then evaluate
//! cargo run -- train --steps 300 --batch-size 64 --backend gpu # on wgpu (Vulkan)
//! cargo run -- train --method jigsaw --param grid=3 --param permutations=64
//! cargo run --release -- train --method vae --steps 3000 --save www/pretrained/vae.upck
//! cargo run -- train --method vae --load www/pretrained/vae.upck --steps 100  # continue
//! cargo run -- eval --load www/pretrained/cvae.upck                            # score a saved model
//! cargo run -- bench --steps 50                                # steps/s, time to first step
//! cargo run -- board --steps 300 --fractions 0.01,0.1,1        # every method side by side
//! cargo run -- board --methods simclr,moco --steps 200             # some of them
//! cargo run --release -- reference --steps 20 --backend gpu       # the reference model's samples/s
//! ```

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use clap::{Args, Parser, Subcommand};
    use indicatif::{ProgressBar, ProgressStyle};
    use unsupervised_playground::backend::{BackendRequest, Compute};
    use unsupervised_playground::board::{Board, BoardConfig};
    use unsupervised_playground::checkpoint::Checkpoint;
    use unsupervised_playground::data::{DatasetName, ImageSet, TrainingData};
    use unsupervised_playground::methods::images::ImageGroup;
    use unsupervised_playground::methods::{
        CharLm, CycleGan, Direction, MethodConfig, PixelCnn, Sampling,
    };
    use unsupervised_playground::session::Session;
    use unsupervised_playground::{Error, Result};

    #[derive(Parser)]
    #[command(
        name = "playground",
        about = "Unsupervised Playground: train methods natively"
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Train a method, then evaluate it (held-out pretext accuracy, linear probe).
        Train(Common),
        /// Measure time to first step and steps per second (no evaluation).
        Bench(Common),
        /// Evaluate a saved model (a `.upck` checkpoint) without training it.
        Eval(EvalArgs),
        /// The representation board: train every board method for the same number of steps,
        /// then score each (linear probe, kNN) next to random init and raw pixels.
        Board(BoardArgs),
        /// The benchmark's reference model (src/reference.rs): time to first step, samples/s.
        Reference(ReferenceArgs),
    }

    #[derive(Args)]
    struct ReferenceArgs {
        /// Timed steps (after one warm-up step).
        #[arg(long, default_value_t = 20)]
        steps: usize,
        /// cpu, gpu (wgpu/Vulkan) or auto (PLAYGROUND_BACKEND, else cpu).
        #[arg(long, default_value = "auto")]
        backend: String,
    }

    #[derive(Args)]
    struct EvalArgs {
        /// The checkpoint to evaluate.
        #[arg(long)]
        load: PathBuf,
        /// cpu, gpu (wgpu/Vulkan) or auto (PLAYGROUND_BACKEND, else cpu).
        #[arg(long, default_value = "auto")]
        backend: String,
        /// Folder holding the `.upgd` datasets.
        #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data"))]
        data_dir: PathBuf,
    }

    #[derive(Args)]
    struct BoardArgs {
        /// Dataset: mnist or fashion.
        #[arg(long, default_value = "mnist")]
        dataset: String,
        /// Training steps every method gets.
        #[arg(long, default_value_t = 300)]
        steps: usize,
        /// Seed of every method.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Neighbours of kNN (0: chosen per representation on the labelled images).
        #[arg(long, default_value_t = 0)]
        k: usize,
        /// Read-out grid: every encoder's last feature map averaged to grid x grid.
        #[arg(long, default_value_t = 1)]
        grid: usize,
        /// Methods to train, comma-separated (default: every board method).
        #[arg(long)]
        methods: Option<String>,
        /// Fractions of the training labels to score with, comma-separated.
        #[arg(long, default_value = "0.01,0.1,1")]
        fractions: String,
        /// cpu, gpu (wgpu/Vulkan) or auto (PLAYGROUND_BACKEND, else cpu).
        #[arg(long, default_value = "auto")]
        backend: String,
        /// Steps between two reads of the loss.
        #[arg(long, default_value_t = 25)]
        report_every: usize,
        /// Folder holding the `.upgd` datasets.
        #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data"))]
        data_dir: PathBuf,
    }

    #[derive(Args)]
    struct Common {
        /// Method to train.
        #[arg(long, default_value = "rotation")]
        method: String,
        /// Dataset: mnist or fashion (default mnist; CLIP and the character-level GPT take none:
        /// CLIP draws captioned shapes, the GPT reads the shipped text).
        #[arg(long)]
        dataset: Option<String>,
        /// Steps to train (ignored when --seconds is given).
        #[arg(long, default_value_t = 300)]
        steps: u64,
        /// Train for this many seconds instead of a fixed number of steps.
        #[arg(long)]
        seconds: Option<f64>,
        /// Images per step.
        #[arg(long)]
        batch_size: Option<usize>,
        /// Adam learning rate.
        #[arg(long)]
        learning_rate: Option<f64>,
        /// Seed of the init and the batch order.
        #[arg(long)]
        seed: Option<u64>,
        /// Any other hyperparameter of the method, as key=value (repeatable), e.g. --param grid=3.
        #[arg(long)]
        param: Vec<String>,
        /// cpu, gpu (wgpu/Vulkan) or auto (PLAYGROUND_BACKEND, else cpu).
        #[arg(long, default_value = "auto")]
        backend: String,
        /// Steps between two reads of the loss (each read waits for the device).
        #[arg(long, default_value_t = 25)]
        report_every: u64,
        /// Folder holding the `.upgd` datasets.
        #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/www/data"))]
        data_dir: PathBuf,
        /// Start from this checkpoint (a `.upck` file; its config replaces the flags').
        #[arg(long)]
        load: Option<PathBuf>,
        /// Save the trained model to this checkpoint file (the page loads it with
        /// `session.load(bytes)`; the shipped pretrained weights are made this way).
        #[arg(long)]
        save: Option<PathBuf>,
        /// Write 64 samples of a generative method (VAE, GAN; 16 of a PixelCNN) as a grid to
        /// this greyscale PGM file, to look at what it draws (a CycleGAN's translations, a masked
        /// autoencoder's reconstructions).
        #[arg(long)]
        samples: Option<PathBuf>,
    }

    pub fn run() -> Result<()> {
        let cli = Cli::parse();
        match cli.command {
            Command::Train(args) => train(&args, true),
            Command::Bench(args) => train(&args, false),
            Command::Eval(args) => evaluate_checkpoint(&args),
            Command::Board(args) => board(&args),
            Command::Reference(args) => reference(&args),
        }
    }

    /// The reference model: one warm-up step (device init, kernel compilation), then `steps`
    /// steps enqueued at once and one read of their loss.
    fn reference(args: &ReferenceArgs) -> Result<()> {
        use unsupervised_playground::reference::{BATCH, ReferenceBench};
        let start = Instant::now();
        let compute = Compute::native(args.backend.parse::<BackendRequest>()?)?;
        let mut bench = ReferenceBench::new(&compute, 1);
        bench.train(1);
        let first_loss = pollster::block_on(bench.loss())?;
        let first = start.elapsed();
        let timed = Instant::now();
        bench.train(args.steps);
        let loss = pollster::block_on(bench.loss())?;
        let seconds = timed.elapsed().as_secs_f64();
        println!(
            "reference model on {}: first step after {:.2} s (loss {first_loss:.3}); {} steps of {BATCH} in {seconds:.2} s: {:.1} samples/s, {:.2} steps/s (loss {loss:.3})",
            compute.description,
            first.as_secs_f64(),
            args.steps,
            (args.steps * BATCH) as f64 / seconds,
            args.steps as f64 / seconds,
        );
        Ok(())
    }

    /// Grey 28 x 28 images, the groups one after the other, tiled `columns` wide, as a binary
    /// PGM file.
    fn pgm_grid(groups: &[ImageGroup], columns: usize) -> Vec<u8> {
        let (h, w) = (28, 28);
        let count: usize = groups.iter().map(|g| g.count).sum();
        let rows = count.div_ceil(columns);
        let (width, height) = (columns * (w + 1), rows * (h + 1));
        let mut out = format!("P5\n{width} {height}\n255\n").into_bytes();
        let mut canvas = vec![0u8; width * height];
        let images = groups.iter().flat_map(|g| g.pixels.chunks(h * w));
        for (i, image) in images.enumerate() {
            let (top, left) = ((i / columns) * (h + 1), (i % columns) * (w + 1));
            for (y, row) in image.chunks(w).enumerate() {
                let start = (top + y) * width + left;
                canvas[start..start + w].copy_from_slice(row);
            }
        }
        out.extend(canvas);
        out
    }

    /// A dataset file of `dir`, decoded, split and uploaded.
    fn load(dataset: DatasetName, dir: &Path, compute: &Compute) -> Result<TrainingData> {
        let path = dir.join(dataset.file_name());
        let bytes = std::fs::read(&path).map_err(|e| Error::data(path.display().to_string(), e))?;
        let set = ImageSet::decode(&bytes, &path.display().to_string())?;
        TrainingData::upload(dataset, &set, compute)
    }

    fn board(args: &BoardArgs) -> Result<()> {
        let settings = serde_json::json!({
            "dataset": args.dataset, "steps": args.steps, "seed": args.seed, "k": args.k, "grid": args.grid,
        });
        // A refused setting names its own field (`dataset`, `k`, ...).
        let mut config: BoardConfig = serde_path_to_error::deserialize(settings)
            .map_err(|e| Error::config(e.path().to_string(), e.into_inner()))?;
        if let Some(methods) = &args.methods {
            config.methods = methods.split(',').map(|m| m.trim().to_string()).collect();
        }
        let fractions = args
            .fractions
            .split(',')
            .map(|f| {
                f.trim()
                    .parse::<f64>()
                    .map_err(|e| Error::config("fractions", e))
            })
            .collect::<Result<Vec<_>>>()?;
        let compute = Compute::native(args.backend.parse::<BackendRequest>()?)?;
        let data = load(config.dataset, &args.data_dir, &compute)?;
        let mut board = Board::new(config.clone(), &data, &compute)?;
        eprintln!(
            "board on {} ({} training / {} held-out images), {} steps per method, backend: {}",
            config.dataset.as_str(),
            data.train.len(),
            data.held_out.len(),
            config.steps,
            compute.description
        );
        let bar = ProgressBar::new(0);
        while !board.done() {
            board.train(args.report_every)?;
            let r = pollster::block_on(board.report())?;
            if let Some(report) = &r.report {
                bar.set_length((r.budget * r.methods) as u64);
                bar.set_position(
                    (r.trained * r.budget) as u64 + report.step % (r.budget as u64).max(1),
                );
                bar.set_message(format!("{} step {}", report.method, report.step));
            }
        }
        bar.finish_and_clear();
        for fraction in fractions {
            let t = Instant::now();
            let scores = pollster::block_on(board.scores(fraction)?)?;
            println!(
                "\n{} of the labels: {} labelled, {} held-out, kNN k = {}, {} steps per method, {}x{} read-out ({:.1} s to score)",
                fraction,
                scores.labelled,
                scores.held_out,
                scores.k,
                scores.budget,
                config.grid,
                config.grid,
                t.elapsed().as_secs_f64()
            );
            println!(
                "| representation | dim | steps | train s | linear probe | kNN | PCA var. (2 PCs) |"
            );
            println!("|---|---|---|---|---|---|---|");
            for c in &scores.contenders {
                let runs = if c.runs.len() > 1 {
                    let p: Vec<String> = c
                        .runs
                        .iter()
                        .map(|r| format!("{:.1}", 100.0 * r[0]))
                        .collect();
                    format!(" (mean of {}: {})", c.runs.len(), p.join(" "))
                } else {
                    String::new()
                };
                let ks: Vec<String> = c.knn_k.iter().map(|k| k.to_string()).collect();
                println!(
                    "| {} | {} | {} | {} | {:.2}%{} | {:.2}% (k {}) | {:.0}% |",
                    c.name,
                    c.dim,
                    c.steps,
                    c.seconds.map_or("-".into(), |s| format!("{s:.1}")),
                    100.0 * c.probe,
                    runs,
                    100.0 * c.knn,
                    ks.join(" "),
                    100.0 * (c.pca.explained[0] + c.pca.explained[1])
                );
            }
        }
        Ok(())
    }

    /// The method's defaults, overridden by the flags and `--param key=value` pairs; the same
    /// validation as the page (an unknown or mistyped field is an error naming it).
    fn method_config(args: &Common) -> Result<MethodConfig> {
        let defaults = MethodConfig::default_for(&args.method)?;
        let mut value = serde_json::to_value(&defaults).map_err(|e| Error::config("config", e))?;
        let object = value
            .as_object_mut()
            .ok_or_else(|| Error::config("config", "not an object"))?;
        if let Some(dataset) = &args.dataset {
            // Refused for a method without a dataset (CLIP) as an unknown field.
            object.insert("dataset".into(), dataset.clone().into());
        }
        if let Some(b) = args.batch_size {
            object.insert("batch_size".into(), b.into());
        }
        if let Some(lr) = args.learning_rate {
            object.insert("learning_rate".into(), lr.into());
        }
        if let Some(seed) = args.seed {
            object.insert("seed".into(), seed.into());
        }
        for pair in &args.param {
            let (key, raw) = pair.split_once('=').ok_or_else(|| {
                Error::config("param", format!("expected key=value, got {pair:?}"))
            })?;
            // Numbers and booleans as JSON, anything else as a string.
            let parsed = serde_json::from_str(raw).unwrap_or_else(|_| raw.into());
            object.insert(key.to_string(), parsed);
        }
        MethodConfig::from_json(value)
    }

    /// Print what an evaluation measured, whichever method it is.
    /// Evaluate a saved model as it is (no training step).
    fn evaluate_checkpoint(args: &EvalArgs) -> Result<()> {
        let bytes = std::fs::read(&args.load)
            .map_err(|e| Error::data(args.load.display().to_string(), e))?;
        let checkpoint = Checkpoint::decode(&bytes)?;
        let compute = Compute::native(args.backend.parse::<BackendRequest>()?)?;
        let data = match checkpoint.config.dataset() {
            Some(dataset) => Some(load(dataset, &args.data_dir, &compute)?),
            None => None,
        };
        let session = Session::restore(&checkpoint, data.as_ref(), &compute)?;
        println!(
            "{}: {} steps, config {}",
            args.load.display(),
            session.step(),
            serde_json::to_string(session.config()).unwrap_or_default()
        );
        let t = Instant::now();
        println!("{}", pollster::block_on(session.evaluate())?);
        println!("evaluation took {:.1} s", t.elapsed().as_secs_f64());
        Ok(())
    }

    fn train(args: &Common, evaluate: bool) -> Result<()> {
        let checkpoint = match &args.load {
            Some(path) => {
                let bytes =
                    std::fs::read(path).map_err(|e| Error::data(path.display().to_string(), e))?;
                Some(Checkpoint::decode(&bytes)?)
            }
            None => None,
        };
        let config = match &checkpoint {
            Some(c) => c.config.clone(),
            None => method_config(args)?,
        };
        let compute = Compute::native(args.backend.parse::<BackendRequest>()?)?;
        let data = match config.dataset() {
            Some(dataset) => Some(load(dataset, &args.data_dir, &compute)?),
            None => None,
        };
        let mut session = match &checkpoint {
            Some(c) => Session::restore(c, data.as_ref(), &compute)?,
            None => Session::new(config.clone(), data.as_ref(), &compute)?,
        };
        let start_step = session.step();
        let on = match (config.dataset(), &data) {
            (Some(dataset), Some(data)) => format!(
                "{} ({} training / {} held-out images)",
                dataset.as_str(),
                data.train.len(),
                data.held_out.len()
            ),
            _ if matches!(config, MethodConfig::CharLm(_)) => {
                "the book of Genesis (KJV, 90% training / 10% held-out characters)".to_string()
            }
            _ => "captioned shapes".to_string(),
        };
        eprintln!(
            "{} on {on}, backend: {}",
            config.name(),
            compute.description
        );

        // First step on its own: it includes shader compilation / kernel warm-up.
        let started = Instant::now();
        session.train(1)?;
        let first = pollster::block_on(session.report())?;
        let first_step = started.elapsed();

        let budget = args.seconds.map(Duration::from_secs_f64);
        let bar = match budget {
            Some(b) => ProgressBar::new(b.as_millis() as u64),
            None => ProgressBar::new(args.steps),
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").expect("a valid template"),
        );
        let loop_start = Instant::now();
        let mut last = first;
        loop {
            let done = match budget {
                Some(b) => loop_start.elapsed() >= b,
                None => session.step() >= start_step + args.steps,
            };
            if done {
                break;
            }
            let n = match budget {
                Some(_) => args.report_every,
                None => args
                    .report_every
                    .min(start_step + args.steps - session.step()),
            };
            session.train(n as usize)?;
            last = pollster::block_on(session.report())?;
            let metrics: Vec<String> = last
                .metrics
                .iter()
                .map(|m| format!("{} {:.4}", m.name, m.value))
                .collect();
            bar.set_message(format!("step {} {}", last.step, metrics.join(" ")));
            match budget {
                Some(b) => bar.set_position(loop_start.elapsed().min(b).as_millis() as u64),
                None => bar.set_position(session.step() - start_step),
            }
        }
        bar.finish();
        let train_time = loop_start.elapsed().as_secs_f64();
        let steps = session.step() - start_step - 1;
        println!("time to first step: {:.3} s", first_step.as_secs_f64());
        println!(
            "trained {} steps in {:.1} s: {:.2} steps/s (batch {})",
            steps,
            train_time,
            steps as f64 / train_time,
            config.batch_size()
        );
        for m in &last.metrics {
            println!("last training {}: {:.4}", m.name, m.value);
        }
        if evaluate {
            let t = Instant::now();
            println!("{}", pollster::block_on(session.evaluate())?);
            println!("evaluation took {:.1} s", t.elapsed().as_secs_f64());
        }
        if let MethodConfig::CharLm(_) = session.config() {
            // What it writes: 300 characters after the book's first words, temperature 0.8.
            let sampling = Sampling {
                temperature: 0.8,
                ..Sampling::default()
            };
            let lm = session.downcast::<CharLm>("only the GPT writes")?;
            let text = pollster::block_on(lm.sample("In the beginning", 300, sampling)?)?;
            println!("sample (temperature 0.8): In the beginning{text}");
        }
        if let Some(path) = &args.samples {
            // A CycleGAN translates instead: 16 held-out digits each way, and back (6 rows); a
            // masked autoencoder reconstructs 16 held-out digits (3 rows); a PixelCNN draws 16
            // digits pixel by pixel.
            let (groups, columns) = match session.config() {
                MethodConfig::CycleGan(_) => {
                    let mut groups = Vec::new();
                    for direction in [Direction::XToY, Direction::YToX] {
                        let cyclegan = session.downcast::<CycleGan>("only CycleGAN translates")?;
                        let images = cyclegan.translations(0, 16, direction)?;
                        let images = pollster::block_on(images.read())?;
                        groups.extend(images.groups);
                    }
                    (groups, 16)
                }
                MethodConfig::Mae(_) => (
                    pollster::block_on(session.reconstructions(0, 16, None, 0)?)?.groups,
                    16,
                ),
                MethodConfig::PixelCnn(_) => {
                    let blank = vec![0.0f32; 16 * 784];
                    let pixelcnn = session.downcast::<PixelCnn>("only PixelCNN draws")?;
                    let mut images =
                        pollster::block_on(pixelcnn.complete(&blank, &blank, 784, 0)?)?;
                    images.groups.truncate(1);
                    (images.groups, 8)
                }
                _ => (pollster::block_on(session.samples(64, 0, None)?)?.groups, 8),
            };
            std::fs::write(path, pgm_grid(&groups, columns))
                .map_err(|e| Error::data(path.display().to_string(), e))?;
            println!("wrote the images to {}", path.display());
        }
        if let Some(path) = &args.save {
            let bytes = pollster::block_on(session.save())?;
            std::fs::write(path, &bytes).map_err(|e| Error::data(path.display().to_string(), e))?;
            println!(
                "saved {} ({} bytes, step {})",
                path.display(),
                bytes.len(),
                session.step()
            );
        }
        Ok(())
    }
}
