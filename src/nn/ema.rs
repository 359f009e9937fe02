//! The exponential moving average of a network's weights: MoCo's key encoder and BYOL's target
//! network both trail the network that learns, `target <- m * target + (1 - m) * online`.
//!
//! A slowly moving copy gives stable targets: MoCo's queued keys stay comparable with the new
//! ones although the encoder that made them has moved on, and BYOL's online network chases a
//! target that does not jump with every step (with m = 0 it chases itself, and collapses).

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;

/// `target` moved towards `online` by `1 - momentum`, every float tensor of the module (weights
/// and batch-norm statistics alike). The result takes no gradient: only the online network is
/// trained. `target` and `online` must be the same architecture (the target starts as a clone).
///
/// # Panics
/// If the two modules hold different numbers of tensors (callers only ever pass a clone).
pub fn ema_update<M: Module>(target: M, online: &M, momentum: f64) -> M {
    // Gather the online tensors, flattened (their ranks differ), in the module's field order...
    struct Gather(Vec<Tensor<1>>);
    impl ModuleVisitor for Gather {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val().detach();
            let n = t.shape().num_elements();
            self.0.push(t.reshape([n]));
        }
    }
    // ...and blend them into the target's, visited in the same order.
    struct Blend {
        online: std::vec::IntoIter<Tensor<1>>,
        momentum: f64,
    }
    impl ModuleMapper for Blend {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let online = self
                .online
                .next()
                .expect("ema_update: the target has more tensors than the online network");
            let m = self.momentum;
            param.map(|t| {
                let dims = t.dims();
                t.detach() * m + online.reshape(dims) * (1.0 - m)
            })
        }
    }
    let mut gather = Gather(Vec::new());
    online.visit(&mut gather);
    let count = gather.0.len();
    let mut blend = Blend {
        online: gather.0.into_iter(),
        momentum,
    };
    let target = target.map(&mut blend);
    assert!(
        blend.online.next().is_none(),
        "ema_update: the online network has more tensors than the target ({count})"
    );
    target.no_grad()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::Device;

    fn values(linear: &Linear) -> Vec<f32> {
        let mut v: Vec<f32> = linear.weight.val().into_data().iter::<f32>().collect();
        v.extend(
            linear
                .bias
                .as_ref()
                .unwrap()
                .val()
                .into_data()
                .iter::<f32>(),
        );
        v
    }

    #[test]
    fn ema_is_exact() {
        let device = Device::flex();
        device.seed(1);
        let target = LinearConfig::new(3, 2).init(&device);
        let online = LinearConfig::new(3, 2).init(&device);
        let (t, o) = (values(&target), values(&online));
        let moved = ema_update(target, &online, 0.9);
        let got = values(&moved);
        assert_eq!(got.len(), 8);
        for i in 0..got.len() {
            let want = 0.9 * t[i] + 0.1 * o[i];
            assert!((got[i] - want).abs() < 1e-6, "{i}: {} vs {want}", got[i]);
        }
        // m = 0 copies the online network; m = 1 keeps the target.
        assert_eq!(values(&ema_update(moved.clone(), &online, 0.0)), o);
        assert_eq!(values(&ema_update(moved, &online, 1.0)), got);
    }
}
