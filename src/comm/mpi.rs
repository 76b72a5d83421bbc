//! [`Comm`] over MPI (the `mpi` crate, rsmpi, over the system's MPI library: Debian's OpenMPI
//! here). Built with the `mpi` feature only.

use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::request::WaitGuard;
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::*;

use super::Comm;

/// MPI's world communicator, with the universe that keeps MPI initialised while it lives.
pub struct Mpi {
    world: SimpleCommunicator,
    local_rank: usize,
    _universe: mpi::environment::Universe,
}

/// Environment variables an MPI launcher sets in the processes it starts (Open MPI's mpirun,
/// MPICH's and Intel MPI's, PMIx under Slurm's srun). A process without any was not launched
/// by one, and is left a one-rank run without initialising MPI.
const LAUNCHER_VARIABLES: [&str; 5] =
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS", "SLURM_STEP_NUM_TASKS"];

impl Mpi {
    /// The world, where this process was started by an MPI launcher with more than one rank.
    pub fn launched() -> Option<Mpi> {
        if !LAUNCHER_VARIABLES.iter().any(|v| std::env::var_os(v).is_some()) {
            return None;
        }
        let universe = mpi::initialize()?;
        let world = universe.world();
        if world.size() < 2 {
            return None;
        }
        // The ranks on this node, numbered: the rank's device among the node's.
        let local_rank = world.split_shared(world.rank()).rank() as usize;
        Some(Mpi { world, local_rank, _universe: universe })
    }
}

impl Comm for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn local_rank(&self) -> usize {
        self.local_rank
    }

    fn sum(&self, values: &mut [f64]) {
        let send = values.to_vec();
        self.world.all_reduce_into(&send[..], values, SystemOperation::sum());
    }

    fn max(&self, values: &mut [f64]) {
        let send = values.to_vec();
        self.world.all_reduce_into(&send[..], values, SystemOperation::max());
    }

    fn exchange(&self, sends: &[(usize, &[f32])], recvs: &mut [(usize, &mut [f32])]) {
        mpi::request::scope(|scope| {
            let mut guards = Vec::with_capacity(sends.len() + recvs.len());
            for (rank, buffer) in recvs.iter_mut() {
                let process = self.world.process_at_rank(*rank as i32);
                guards.push(WaitGuard::from(process.immediate_receive_into(scope, &mut buffer[..])));
            }
            for (rank, buffer) in sends {
                let process = self.world.process_at_rank(*rank as i32);
                guards.push(WaitGuard::from(process.immediate_send(scope, &buffer[..])));
            }
        });
    }

    fn all_gather(&self, values: &[f32]) -> Vec<Vec<f32>> {
        let size = self.size();
        let mut counts = vec![0 as mpi::Count; size];
        self.world.all_gather_into(&(values.len() as mpi::Count), &mut counts[..]);
        let starts: Vec<mpi::Count> = counts
            .iter()
            .scan(0, |at, &c| {
                let start = *at;
                *at += c;
                Some(start)
            })
            .collect();
        let mut all = vec![0.0f32; counts.iter().map(|&c| c as usize).sum()];
        {
            let mut partition = PartitionMut::new(&mut all[..], &counts[..], &starts[..]);
            self.world.all_gather_varcount_into(values, &mut partition);
        }
        (0..size).map(|r| all[starts[r] as usize..][..counts[r] as usize].to_vec()).collect()
    }

    fn abort(&self, message: &str, code: i32) -> ! {
        eprintln!("{message}");
        self.world.abort(code)
    }
}
