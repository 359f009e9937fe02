//! MoCo's dictionary: a fixed-size FIFO queue of keys on the device. Each step enqueues the
//! batch's keys over the oldest ones (a pointer that wraps around), so the number of negatives
//! is the queue's size, not the batch's: MoCo's answer to SimCLR's need for huge batches.

use burn::tensor::{Device, Distribution, Tensor};

/// A ring buffer of `size` keys of `dim` features.
#[derive(Debug, Clone)]
pub struct KeyQueue {
    keys: Tensor<2>,
    pointer: usize,
    filled: usize,
}

impl KeyQueue {
    /// A queue of random unit vectors (as MoCo starts), none of them a real key yet. Draws from
    /// the device's RNG (seed it first for a reproducible run).
    pub fn new(size: usize, dim: usize, device: &Device) -> Self {
        let keys = Tensor::<2>::random([size, dim], Distribution::Normal(0.0, 1.0), device);
        KeyQueue {
            keys: crate::losses::unit_rows(keys),
            pointer: 0,
            filled: 0,
        }
    }

    /// Enqueue `keys` over the oldest entries, wrapping around the end. The keys are detached:
    /// no gradient flows into the queue.
    ///
    /// # Shapes
    /// - keys: `[batch, dim]`, `batch <= size` (configs validate that the queue is larger)
    pub fn push(&mut self, keys: Tensor<2>) {
        let [size, dim] = self.keys.dims();
        let batch = keys.dims()[0];
        assert!(
            batch <= size,
            "a batch of {batch} keys does not fit a queue of {size}"
        );
        let keys = keys.detach();
        let first = batch.min(size - self.pointer);
        self.keys = self.keys.clone().slice_assign(
            [self.pointer..self.pointer + first, 0..dim],
            keys.clone().slice([0..first, 0..dim]),
        );
        if first < batch {
            // The rest wraps around to the front.
            self.keys = self.keys.clone().slice_assign(
                [0..batch - first, 0..dim],
                keys.slice([first..batch, 0..dim]),
            );
        }
        self.pointer = (self.pointer + batch) % size;
        self.filled = (self.filled + batch).min(size);
    }

    /// Every entry, `[size, dim]`.
    pub fn keys(&self) -> Tensor<2> {
        self.keys.clone()
    }

    /// Where the next key goes.
    pub fn pointer(&self) -> usize {
        self.pointer
    }

    /// How many entries are real keys (the rest are still the random start).
    pub fn filled(&self) -> usize {
        self.filled
    }

    /// The queue's size.
    pub fn size(&self) -> usize {
        self.keys.dims()[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn the_queue_wraps_around() {
        let device = Device::flex();
        let mut queue = KeyQueue::new(5, 1, &device);
        let column = |v: Vec<f32>| {
            let n = v.len();
            Tensor::<2>::from_data(TensorData::new(v, [n, 1]), &device)
        };
        queue.push(column(vec![1.0, 2.0, 3.0]));
        assert_eq!((queue.pointer(), queue.filled()), (3, 3));
        queue.push(column(vec![4.0, 5.0, 6.0]));
        assert_eq!((queue.pointer(), queue.filled()), (1, 5));
        let keys: Vec<f32> = queue.keys().into_data().iter::<f32>().collect();
        assert_eq!(keys, vec![6.0, 2.0, 3.0, 4.0, 5.0]);
        // A batch that ends exactly at the end leaves the pointer at the front.
        queue.push(column(vec![7.0, 8.0, 9.0, 10.0]));
        assert_eq!(queue.pointer(), 0);
        let keys: Vec<f32> = queue.keys().into_data().iter::<f32>().collect();
        assert_eq!(keys, vec![6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(queue.size(), 5);
    }

    #[test]
    fn the_queue_starts_with_unit_vectors() {
        let device = Device::flex();
        let queue = KeyQueue::new(4, 3, &device);
        let norms: Vec<f32> = queue
            .keys()
            .powi_scalar(2)
            .sum_dim(1)
            .into_data()
            .iter::<f32>()
            .collect();
        assert!(norms.iter().all(|n| (n - 1.0).abs() < 1e-5), "{norms:?}");
    }
}
