//! [`Comm`] between threads of one process: ranks as threads, for tests of the multi-rank code
//! without an MPI launcher (and with any build). Each collective is a barrier, a post of this
//! rank's part to shared slots, a barrier, and a read of everyone's.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Barrier, Mutex};

use super::Comm;

/// What the ranks of one group share.
struct Shared {
    barrier: Barrier,
    /// Each rank's posted values (sum, max, all-gather).
    posted: Mutex<Vec<Vec<f64>>>,
    /// Point-to-point messages in flight, by (from, to).
    mail: Mutex<HashMap<(usize, usize), Vec<f32>>>,
}

/// One rank of a group of threads.
pub struct Thread {
    rank: usize,
    size: usize,
    shared: Arc<Shared>,
}

impl Thread {
    /// Every rank's posted values, after this rank posted `mine`.
    fn post(&self, mine: Vec<f64>) -> Vec<Vec<f64>> {
        self.shared.posted.lock().expect("posted")[self.rank] = mine;
        self.shared.barrier.wait();
        let all = self.shared.posted.lock().expect("posted").clone();
        self.shared.barrier.wait();
        all
    }
}

/// Runs `body` on `ranks` threads, each with its rank's communicator, and returns their
/// results by rank. A rank that panics fails the whole group (its peers would wait for it):
/// the panic is re-raised here once all have stopped.
pub fn run<R: Send>(ranks: usize, body: impl Fn(Rc<dyn Comm>) -> R + Sync) -> Vec<R> {
    let shared = Arc::new(Shared {
        barrier: Barrier::new(ranks),
        posted: Mutex::new(vec![Vec::new(); ranks]),
        mail: Mutex::new(HashMap::new()),
    });
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..ranks)
            .map(|rank| {
                let shared = shared.clone();
                let body = &body;
                scope.spawn(move || body(Rc::new(Thread { rank, size: ranks, shared })))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

impl Comm for Thread {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn local_rank(&self) -> usize {
        self.rank
    }

    fn sum(&self, values: &mut [f64]) {
        let all = self.post(values.to_vec());
        for (k, v) in values.iter_mut().enumerate() {
            *v = all.iter().map(|a| a[k]).sum();
        }
    }

    fn max(&self, values: &mut [f64]) {
        let all = self.post(values.to_vec());
        for (k, v) in values.iter_mut().enumerate() {
            *v = all.iter().map(|a| a[k]).fold(f64::NEG_INFINITY, f64::max);
        }
    }

    fn exchange(&self, sends: &[(usize, &[f32])], recvs: &mut [(usize, &mut [f32])]) {
        {
            let mut mail = self.shared.mail.lock().expect("mail");
            for (to, values) in sends {
                mail.insert((self.rank, *to), values.to_vec());
            }
        }
        self.shared.barrier.wait();
        {
            let mut mail = self.shared.mail.lock().expect("mail");
            for (from, buffer) in recvs.iter_mut() {
                let values = mail.remove(&(*from, self.rank)).expect("a message from each peer received from");
                buffer.copy_from_slice(&values);
            }
        }
        self.shared.barrier.wait();
    }

    fn all_gather(&self, values: &[f32]) -> Vec<Vec<f32>> {
        let all = self.post(values.iter().map(|&v| f64::from(v)).collect());
        all.into_iter().map(|a| a.into_iter().map(|v| v as f32).collect()).collect()
    }

    fn abort(&self, message: &str, _code: i32) -> ! {
        panic!("{message}")
    }
}
