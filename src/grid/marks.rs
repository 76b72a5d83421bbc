//! A set of grid points as one bit each over a box, marked in parallel, with a rank table so
//! the k-th marked point's data can sit in a plain array (no hashing, no sorting).

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

pub(crate) struct Marks {
    dims: [usize; 3],
    bits: Vec<AtomicU64>,
    /// Marked points before each word.
    rank: Vec<u32>,
}

impl Marks {
    /// An empty set over points (i, j, k) with i < dims[0], j < dims[1], k < dims[2].
    pub fn new(dims: [usize; 3]) -> Marks {
        let words = (dims[0] * dims[1] * dims[2]).div_ceil(64);
        Marks { dims, bits: (0..words).map(|_| AtomicU64::new(0)).collect(), rank: Vec::new() }
    }

    fn linear(&self, c: [i64; 3]) -> Option<usize> {
        if (0..3).any(|a| c[a] < 0 || c[a] >= self.dims[a] as i64) {
            return None;
        }
        Some(c[0] as usize + self.dims[0] * (c[1] as usize + self.dims[1] * c[2] as usize))
    }

    /// Marks point `c` (ignored outside the box); safe from many threads at once.
    pub fn mark(&self, c: [i64; 3]) {
        if let Some(i) = self.linear(c) {
            self.bits[i / 64].fetch_or(1 << (i % 64), Ordering::Relaxed);
        }
    }

    /// Freezes the set: builds the rank table. Call after the last `mark`.
    pub fn finish(&mut self) {
        let mut total = 0u32;
        self.rank = self
            .bits
            .iter()
            .map(|w| {
                let r = total;
                total += w.load(Ordering::Relaxed).count_ones();
                r
            })
            .collect();
    }

    /// Position of `c` among the marked points (in x-fastest order), if it is marked.
    pub fn index(&self, c: [i64; 3]) -> Option<usize> {
        let i = self.linear(c)?;
        let w = self.bits[i / 64].load(Ordering::Relaxed);
        if w >> (i % 64) & 1 == 0 {
            return None;
        }
        Some(self.rank[i / 64] as usize + (w & ((1u64 << (i % 64)) - 1)).count_ones() as usize)
    }

    /// The marked points in x-fastest order.
    pub fn points(&self) -> Vec<[i64; 3]> {
        let [nx, ny, _] = self.dims;
        self.bits
            .par_iter()
            .enumerate()
            .flat_map_iter(|(w, word)| {
                let mut bits = word.load(Ordering::Relaxed);
                std::iter::from_fn(move || {
                    if bits == 0 {
                        return None;
                    }
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    Some([(i % nx) as i64, ((i / nx) % ny) as i64, (i / (nx * ny)) as i64])
                })
            })
            .collect()
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bits.len() * 12
    }
}
