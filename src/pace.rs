//! Pacing of long computations, so a page that runs them stays responsive.
//!
//! In the browser, burn's CPU backend computes every op synchronously on the page's thread, and
//! its asynchronous read-backs resolve at once: an evaluation (a dozen probe fits, each tens of
//! passes over the features) would hold the thread for seconds, long enough that the tab freezes
//! and clicks are lost.
//! Long loops therefore call [`Pacer::breathe`] between iterations. Once the loop has held the
//! thread for [`SLICE`], `breathe` hands the event loop one turn through the yielder the browser
//! boundary registered with [`set_yielder`]. Natively nothing is registered and `breathe` only
//! reads the clock. This module never touches JavaScript itself: the core stays pure.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use web_time::Instant;

/// How long a computation may hold the thread before it gives the event loop a turn. Below the
/// 50 ms at which browsers count a "long task".
pub const SLICE: Duration = Duration::from_millis(20);

/// A function that returns a future resolving after the event loop had a turn.
pub type Yielder = fn() -> Pin<Box<dyn Future<Output = ()>>>;

static YIELDER: OnceLock<Yielder> = OnceLock::new();

/// Register how to give the event loop a turn (the browser boundary does, once).
pub fn set_yielder(yielder: Yielder) {
    let _ = YIELDER.set(yielder);
}

/// Whether a yielder is registered (the browser boundary registers one in `init_backend`).
pub fn has_yielder() -> bool {
    YIELDER.get().is_some()
}

/// Measures how long a computation has held the thread since its last turn.
#[derive(Debug)]
pub struct Pacer {
    since: Instant,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new()
    }
}

impl Pacer {
    /// Start measuring now.
    pub fn new() -> Self {
        Pacer {
            since: Instant::now(),
        }
    }

    /// Give the event loop a turn if this computation held the thread for longer than [`SLICE`].
    pub async fn breathe(&mut self) {
        if self.since.elapsed() < SLICE {
            return;
        }
        if let Some(yielder) = YIELDER.get() {
            yielder().await;
        }
        self.since = Instant::now();
    }
}
