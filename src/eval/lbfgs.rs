//! Limited-memory BFGS: the optimiser of the linear probe.
//!
//! A multinomial logistic regression on a few thousand feature rows is a smooth, convex problem
//! of a few thousand parameters. A quasi-Newton method reaches its optimum in tens of full-batch
//! passes where first-order methods (Adam, the probe's earlier optimiser) need a thousand. The
//! objective here is asynchronous: its loss and gradient are computed on the device and read
//! back, the only way a browser's GPU answers. No L-BFGS crate takes an asynchronous objective,
//! so the method is written out: the two-loop recursion of Nocedal & Wright (Algorithm 7.4) with
//! a backtracking (Armijo) line search, which is enough for a convex objective: there the
//! curvature `s·y` of every step is positive without a Wolfe search.
//!
//! The optimiser's own arithmetic is in `f64` on the host (a few vectors of the parameters'
//! length); only the objective touches the device.

use std::collections::VecDeque;

use crate::{Error, Result};

/// Settings of [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lbfgs {
    /// Steps (and gradient differences) remembered for the curvature estimate.
    pub memory: usize,
    /// Most iterations (each one line search, usually one evaluation).
    pub max_iterations: usize,
    /// Stop once no gradient component is larger than this.
    pub gradient_tolerance: f64,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Lbfgs {
            memory: 10,
            max_iterations: 200,
            gradient_tolerance: 1e-4,
        }
    }
}

/// Where [`minimize`] stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The parameters.
    pub x: Vec<f64>,
    /// The objective there.
    pub loss: f64,
    /// Iterations taken.
    pub iterations: usize,
    /// Objective evaluations (at least one per iteration, plus the start).
    pub evaluations: usize,
    /// The gradient met [`Lbfgs::gradient_tolerance`] (otherwise the iterations ran out, or no
    /// step along the search direction lowered the loss any more: the objective's own precision
    /// was reached).
    pub converged: bool,
}

/// Halvings of the step one line search tries before it gives up.
const MAX_HALVINGS: usize = 40;
/// Armijo's sufficient-decrease constant (the usual one).
const ARMIJO: f64 = 1e-4;

/// Minimise `objective` from `start`. `objective(x)` returns the loss at `x` and its gradient
/// (as long as `x`); an error it returns ends the search with that error, and so does a
/// non-finite loss or gradient at the start.
pub async fn minimize<F>(settings: Lbfgs, start: Vec<f64>, mut objective: F) -> Result<Minimum>
where
    F: AsyncFnMut(&[f64]) -> Result<(f64, Vec<f64>)>,
{
    let mut x = start;
    let (mut loss, mut grad) = objective(&x).await?;
    if grad.len() != x.len() {
        return Err(Error::data(
            "L-BFGS",
            format!(
                "the gradient has {} values for {} parameters",
                grad.len(),
                x.len()
            ),
        ));
    }
    if !loss.is_finite() || grad.iter().any(|g| !g.is_finite()) {
        return Err(Error::data(
            "L-BFGS",
            "the objective is not finite at the start",
        ));
    }
    let mut evaluations = 1;
    // (s, y, 1 / s·y) of the last `memory` steps, oldest first.
    let mut history: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut iterations = 0;
    let mut converged = false;
    while iterations < settings.max_iterations {
        if max_abs(&grad) <= settings.gradient_tolerance {
            converged = true;
            break;
        }
        let mut direction = search_direction(&grad, &history);
        let mut slope = dot(&grad, &direction);
        if slope >= 0.0 || !slope.is_finite() {
            // Rounding made the estimate useless: start again from steepest descent.
            history.clear();
            direction = search_direction(&grad, &history);
            slope = dot(&grad, &direction);
        }
        iterations += 1;
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            let candidate: Vec<f64> = x
                .iter()
                .zip(&direction)
                .map(|(xi, di)| xi + step * di)
                .collect();
            let (l, g) = objective(&candidate).await?;
            evaluations += 1;
            let finite = l.is_finite() && g.len() == x.len() && g.iter().all(|v| v.is_finite());
            if finite && l <= loss + ARMIJO * step * slope {
                accepted = Some((candidate, l, g));
                break;
            }
            step *= 0.5;
        }
        // No step lowers the loss: the objective's precision is reached.
        let Some((next, next_loss, next_grad)) = accepted else {
            break;
        };
        let s: Vec<f64> = next.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = next_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > f64::EPSILON * dot(&y, &y) {
            if history.len() == settings.memory.max(1) {
                history.pop_front();
            }
            history.push_back((s, y, 1.0 / sy));
        }
        x = next;
        loss = next_loss;
        grad = next_grad;
    }
    if !converged && max_abs(&grad) <= settings.gradient_tolerance {
        converged = true;
    }
    Ok(Minimum {
        x,
        loss,
        iterations,
        evaluations,
        converged,
    })
}

/// `-H g` for the inverse-Hessian estimate `H` of `history` (two-loop recursion), scaled by the
/// last step's curvature; with no history, steepest descent scaled to a step of length at most 1.
fn search_direction(grad: &[f64], history: &VecDeque<(Vec<f64>, Vec<f64>, f64)>) -> Vec<f64> {
    let mut q = grad.to_vec();
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.iter().rev() {
        let alpha = rho * dot(s, &q);
        axpy(-alpha, y, &mut q);
        alphas.push(alpha);
    }
    let gamma = match history.back() {
        Some((s, y, _)) => dot(s, y) / dot(y, y),
        None => 1.0 / dot(grad, grad).sqrt().max(1.0),
    };
    q.iter_mut().for_each(|v| *v *= gamma);
    for ((s, y, rho), alpha) in history.iter().zip(alphas.iter().rev()) {
        let beta = rho * dot(y, &q);
        axpy(alpha - beta, s, &mut q);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `y += a * x`.
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += a * xi);
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(settings: Lbfgs, start: Vec<f64>, f: fn(&[f64]) -> (f64, Vec<f64>)) -> Minimum {
        pollster::block_on(minimize(settings, start, async |x: &[f64]| Ok(f(x)))).unwrap()
    }

    #[test]
    fn an_ill_conditioned_quadratic_is_solved_in_few_iterations() {
        // f(x) = sum_i c_i (x_i - i)^2 / 2 with curvatures from 1 to 100.
        let f = |x: &[f64]| {
            let c = |i: usize| 10f64.powf(2.0 * i as f64 / 19.0);
            let loss = (0..20)
                .map(|i| c(i) * (x[i] - i as f64).powi(2) / 2.0)
                .sum();
            let grad = (0..20).map(|i| c(i) * (x[i] - i as f64)).collect();
            (loss, grad)
        };
        let m = solve(Lbfgs::default(), vec![0.0; 20], f);
        assert!(m.converged, "{m:?}");
        assert!(m.iterations < 100, "{m:?}");
        for (i, xi) in m.x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-4, "x[{i}] = {xi}");
        }
    }

    #[test]
    fn rosenbrock_reaches_its_minimum() {
        let f = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let loss = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let grad = vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ];
            (loss, grad)
        };
        let m = solve(Lbfgs::default(), vec![-1.2, 1.0], f);
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3,
            "{m:?}"
        );
    }

    #[test]
    fn a_start_that_is_already_optimal_costs_one_evaluation() {
        let m = solve(Lbfgs::default(), vec![0.0, 0.0], |x| {
            (x[0] * x[0] + x[1] * x[1], vec![2.0 * x[0], 2.0 * x[1]])
        });
        assert_eq!((m.iterations, m.evaluations, m.converged), (0, 1, true));
    }

    #[test]
    fn bad_objectives_are_refused_and_errors_pass_through() {
        let nan = pollster::block_on(minimize(
            Lbfgs::default(),
            vec![1.0],
            async |_: &[f64]| Ok((f64::NAN, vec![0.0])),
        ));
        assert!(nan.unwrap_err().to_string().contains("not finite"));
        let short = pollster::block_on(minimize(
            Lbfgs::default(),
            vec![1.0, 2.0],
            async |_: &[f64]| Ok((1.0, vec![0.0])),
        ));
        assert!(short.unwrap_err().to_string().contains("1 values for 2"));
        let failing = pollster::block_on(minimize(
            Lbfgs::default(),
            vec![1.0],
            async |_: &[f64]| Err(Error::data("device", "lost")),
        ));
        assert!(failing.unwrap_err().to_string().contains("lost"));
        // A loss that turns non-finite away from the start: the line search steps back.
        let m = solve(Lbfgs::default(), vec![0.5], |x| {
            if x[0].abs() >= 1.0 {
                (f64::INFINITY, vec![0.0])
            } else {
                (
                    -(1.0 - x[0] * x[0]).ln(),
                    vec![2.0 * x[0] / (1.0 - x[0] * x[0])],
                )
            }
        });
        assert!(m.converged && m.x[0].abs() < 1e-4, "{m:?}");
    }
}
