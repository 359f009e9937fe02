//! [`Trainer`]: a network with its Adam state, its metrics waiting on the device and its step
//! count, which every method keeps the same way; and [`trained_by!`], the [`super::Method`]
//! operations that a method with one trainer writes the same way.

use burn::module::Module;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Int, Tensor};

use super::report::{MetricAccumulator, PendingMetrics};
use crate::losses::{accuracy, cross_entropy};
use crate::record::{Part, Saved, gather_parts};
use crate::{LocalFuture, Result};

/// A network with its Adam state, the metrics waiting on the device, and the step count, which
/// every method keeps the same way: classifiers (rotation, jigsaw, DeepCluster's pseudo-labels)
/// through [`Trainer::classify`], the others (SimCLR, MoCo, BYOL, ...) through
/// [`Trainer::minimize`].
pub struct Trainer<M> {
    /// The network.
    pub model: M,
    adam: AdamConfig,
    optim: ModuleOptimizer,
    metrics: MetricAccumulator,
    steps: u64,
    loss_name: &'static str,
}

impl<M: Module> Trainer<M> {
    /// `model` with a fresh Adam; its loss is reported as `loss`.
    pub fn new(model: M) -> Self {
        Self::reporting_as(model, "loss")
    }

    /// `model` with a fresh Adam; its loss is reported as `loss_name` (a method with two
    /// networks, each with its own optimizer, reports two losses: a GAN's generator and
    /// discriminator).
    pub fn reporting_as(model: M, loss_name: &'static str) -> Self {
        let adam = AdamConfig::new();
        Trainer {
            model,
            optim: adam.init(),
            adam,
            metrics: MetricAccumulator::default(),
            steps: 0,
            loss_name,
        }
    }

    /// One player of an adversarial game (a GAN's or CycleGAN's generator or discriminator):
    /// its loss reported as `loss_name`, its gradients clipped at `gradient_clip` (see
    /// [`Trainer::with_gradient_clip`]) and Adam's first-moment decay at DCGAN's 0.5 (see
    /// [`Trainer::with_beta_1`]).
    pub fn player(model: M, loss_name: &'static str, gradient_clip: f64) -> Self {
        Self::reporting_as(model, loss_name)
            .with_gradient_clip(gradient_clip)
            .with_beta_1(0.5)
    }

    /// Adam with `beta_1` as the decay of its first moment (0.9 by default). GANs use 0.5
    /// (Radford et al.): the two players' gradients keep changing direction as the other
    /// adapts, and a long momentum overshoots them.
    pub fn with_beta_1(mut self, beta_1: f32) -> Self {
        self.adam = self.adam.clone().with_beta_1(beta_1);
        self.optim = self.adam.init();
        self
    }

    /// Scale each parameter's gradient down to an L2 norm of at most `max_norm` before Adam's
    /// step (burn's per-parameter norm clipping, on the device); 0 leaves gradients as they are.
    /// A teaching knob against the loss spikes of a too-high learning rate.
    pub fn with_gradient_clip(mut self, max_norm: f64) -> Self {
        if max_norm > 0.0 {
            self.adam = self
                .adam
                .clone()
                .with_grad_clipping(Some(GradientClippingConfig::Norm(max_norm as f32)));
            self.optim = self.adam.init();
        }
        self
    }

    /// One step: cross-entropy of `logits` (computed from `self.model`) against `targets`,
    /// backward, Adam; the loss and accuracy go into the metrics, on the device. Enqueues work
    /// only.
    ///
    /// # Shapes
    /// - logits: `[batch, classes]`, targets: `[batch]`
    pub fn classify(&mut self, learning_rate: f64, logits: Tensor<2>, targets: Tensor<1, Int>) {
        let loss = cross_entropy(logits.clone(), targets.clone());
        let acc = accuracy(logits.detach(), targets);
        self.minimize(learning_rate, loss, [("accuracy", acc)]);
    }

    /// One step down `loss` (computed from `self.model`): backward, Adam, on this trainer's
    /// parameters only (gradients that reach other networks are left unused). The loss and the
    /// `metrics` (each `[1]`, detached or not) go into the metrics, the loss first. Enqueues
    /// work only.
    pub fn minimize(
        &mut self,
        learning_rate: f64,
        loss: Tensor<1>,
        metrics: impl IntoIterator<Item = (&'static str, Tensor<1>)>,
    ) {
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.metrics.add(
            std::iter::once((self.loss_name, loss.detach()))
                .chain(metrics.into_iter().map(|(name, t)| (name, t.detach()))),
        );
        self.model = self.optim.step(learning_rate, self.model.clone(), grads);
        self.steps += 1;
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Hand over the metrics accumulated since the last call.
    pub fn take_metrics(&mut self) -> PendingMetrics {
        self.metrics.take()
    }

    /// Forget Adam's moments (for a model part that was just replaced).
    pub fn reset_optimizer(&mut self) {
        self.optim = self.adam.init();
    }

    /// The model as the one part (`"model"`) of a checkpoint.
    pub fn save(&self) -> LocalFuture<Result<Vec<Part>>>
    where
        M: 'static,
    {
        gather_parts(vec![(MODEL_PART, self.save_part())])
    }

    /// The model as the part called `name`, for a method that saves several networks (see
    /// [`gather_parts`]).
    pub fn part(&self, name: &'static str) -> (&'static str, LocalFuture<Result<Vec<u8>>>)
    where
        M: 'static,
    {
        (name, self.save_part())
    }

    /// The model of `saved`'s part `name` loaded into a copy of this one: nothing is replaced
    /// until the method has loaded every part (then [`Trainer::restore`]).
    pub fn loaded_part(&self, saved: &Saved<'_>, name: &str) -> Result<M> {
        crate::record::load_module(self.model.clone(), saved.part(name)?, name)
    }

    /// The model's bytes, for a method that saves more parts than the model.
    pub fn save_part(&self) -> LocalFuture<Result<Vec<u8>>>
    where
        M: 'static,
    {
        crate::record::save_module(&self.model)
    }

    /// The model of `checkpoint` (its `"model"` part) loaded into a copy of this one, for a
    /// method that checks more parts before it replaces anything.
    pub fn loaded(&self, checkpoint: &Saved<'_>) -> Result<M> {
        self.loaded_part(checkpoint, MODEL_PART)
    }

    /// Replace the model by `model` and the step count by `checkpoint`'s, with a fresh
    /// optimizer (its moments are not saved) and no pending metrics.
    pub fn restore(&mut self, model: M, checkpoint: &Saved<'_>) {
        self.model = model;
        self.steps = checkpoint.step;
        self.metrics = MetricAccumulator::default();
        self.reset_optimizer();
    }

    /// Load the `"model"` part of `checkpoint`: all or nothing (on an error the model is kept).
    pub fn load(&mut self, checkpoint: &Saved<'_>) -> Result<()> {
        let model = self.loaded(checkpoint)?;
        self.restore(model, checkpoint);
        Ok(())
    }
}

/// The name of a trainer's model in a checkpoint.
pub const MODEL_PART: &str = "model";

/// The two players of an adversarial game, each a [`Trainer`] with its own optimizer: a GAN's
/// generator and discriminator, or CycleGAN's pair of each. They report together (the
/// generator's `loss`, then the discriminator's `discriminator_loss`), count steps by the
/// generator's, and save as two checkpoint parts that load both or neither; so a method whose
/// state they are says `trained_by!(players)`.
pub struct Players<G, D> {
    /// The generator(s), reported as `loss`.
    pub generator: Trainer<G>,
    /// The discriminator(s), reported as `discriminator_loss`.
    pub discriminator: Trainer<D>,
    /// The checkpoint part names of the two.
    parts: [&'static str; 2],
}

impl<G: Module + 'static, D: Module + 'static> Players<G, D> {
    /// Both players with fresh optimizers (see [`Trainer::player`]), saved as the parts named
    /// `parts`.
    pub fn new(
        generator: G,
        discriminator: D,
        gradient_clip: f64,
        parts: [&'static str; 2],
    ) -> Self {
        Players {
            generator: Trainer::player(generator, "loss", gradient_clip),
            discriminator: Trainer::player(discriminator, "discriminator_loss", gradient_clip),
            parts,
        }
    }

    /// Generator steps taken.
    pub fn steps(&self) -> u64 {
        self.generator.steps()
    }

    /// Both players' metrics since the last call, read back together.
    pub fn take_metrics(&mut self) -> PendingMetrics {
        self.generator
            .take_metrics()
            .and(self.discriminator.take_metrics())
    }

    /// Both models as their two parts.
    pub fn save(&self) -> LocalFuture<Result<Vec<Part>>> {
        let [g, d] = self.parts;
        gather_parts(vec![self.generator.part(g), self.discriminator.part(d)])
    }

    /// Both models from their parts: both or neither (an error leaves both as they were).
    pub fn load(&mut self, saved: &Saved<'_>) -> Result<()> {
        let [g, d] = self.parts;
        let generator = self.generator.loaded_part(saved, g)?;
        let discriminator = self.discriminator.loaded_part(saved, d)?;
        self.generator.restore(generator, saved);
        self.discriminator.restore(discriminator, saved);
        Ok(())
    }
}

/// The [`super::Method`] operations of a method whose training state is the [`Trainer`] in its
/// field `$net`, written once: `trained_by!(net);` inside `impl Method` gives `step` and
/// `take_metrics` (the trainer's) and `save` / `load` (its model as the checkpoint's one
/// `"model"` part). `trained_by!(net, progress)` gives only `step` and `take_metrics`, for a
/// method that saves more than the one network (BYOL's target, MoCo's key encoder) or does
/// more on load (DeepCluster forgets its rounds).
macro_rules! trained_by {
    ($net:ident, progress) => {
        fn step(&self) -> u64 {
            self.$net.steps()
        }

        fn take_metrics(&mut self) -> $crate::methods::PendingMetrics {
            self.$net.take_metrics()
        }
    };
    ($net:ident) => {
        $crate::methods::trainer::trained_by!($net, progress);

        fn save(&self) -> $crate::LocalFuture<$crate::Result<Vec<$crate::record::Part>>> {
            self.$net.save()
        }

        fn load(&mut self, saved: &$crate::record::Saved<'_>) -> $crate::Result<()> {
            self.$net.load(saved)
        }
    };
}
pub(crate) use trained_by;
