//! Checkpoints: everything a run needs to go on from the end of a step, so that a run restarted
//! from one ends with the same fields as a run that was never stopped (to the bit on the same
//! adapter): the GPU state (velocity, pressure and the last step's pressure increment, raw f32),
//! the step, the time step, the outlets' 0D states, and the per-step cap history of `/summary`.
//!
//! One HDF5 file: attributes `step`, `time` (s), `dt` (s), `cells` (allocated cells),
//! `inflow_before` (m^3/s), `next_output` (s), `caps`; per-cell datasets with the bricks in the
//! order of the tiling, x fastest (`grid::index::Bricks::tiling_order`, however the run
//! allocated them): `u` (3 x cells, m/s,
//! component-major), `p` (cells, kinematic, m^2/s^2), `increment` (cells, m^2/s^2; absent in
//! checkpoints of earlier versions, then zero),
//! `outlet_states` (Pa; one per outlet, the capacitor pressure of an RCR, 0 otherwise),
//! `history_time` (s), `history_flow_rate` and `history_mean_pressure` (steps x caps); with a
//! cardiac period, the current cycle's time integrals: attribute `average_time` (s), datasets
//! `wall_sums` (4 per wall triangle, Pa s) and `time_integrals` (4 x cells). It is
//! written to a temporary file beside the target and renamed over it, so a run killed while
//! writing leaves the previous checkpoint whole.

use std::path::{Path, PathBuf};

use super::IoError;

/// A run's state at the end of a step.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Steps done.
    pub step: u64,
    /// Simulated time, s.
    pub time: f64,
    /// Time step, s.
    pub dt: f64,
    /// Cells in allocated bricks (the length of `p`).
    pub cells: u64,
    /// The inflow the fields carry, m^3/s (the outlets' flow predictor).
    pub inflow_before: f64,
    /// Simulated time of the next snapshot, s.
    pub next_output: f64,
    /// Velocity, m/s, component-major.
    pub u: Vec<f32>,
    /// Kinematic pressure, m^2/s^2.
    pub p: Vec<f32>,
    /// The last step's kinematic pressure increment, m^2/s^2 (the next pressure solve's first
    /// guess; empty: zero).
    pub increment: Vec<f32>,
    /// Per outlet, its 0D state (an RCR's capacitor pressure, Pa; 0 for the others).
    pub outlet_states: Vec<f64>,
    /// Per step so far: time (s).
    pub history_time: Vec<f64>,
    /// Per step so far and cap: flow rate (m^3/s), row after row.
    pub history_flow_rate: Vec<f64>,
    /// Per step so far and cap: mean pressure (Pa), row after row.
    pub history_mean_pressure: Vec<f64>,
    /// Caps (the rows' length).
    pub caps: usize,
    /// Seconds of the current cardiac cycle's time integrals (0 without a period).
    pub average_time: f64,
    /// The wall's time integrals: per triangle tau (xyz) and |tau| (w), Pa s (empty without a
    /// period).
    pub wall_sums: Vec<f32>,
    /// The fields' time integrals: u (m, component-major) then the kinematic pressure
    /// (m^2/s) (empty without a period).
    pub time_integrals: Vec<f32>,
}

fn h5(path: &Path, object: &str) -> impl Fn(hdf5::Error) -> IoError {
    let (path, object) = (path.to_path_buf(), object.to_string());
    move |source| IoError::Hdf5 { path: path.clone(), object: object.clone(), source }
}

impl Checkpoint {
    /// Writes the checkpoint to `path`, atomically (a temporary file renamed over it).
    pub fn write(&self, path: &Path) -> Result<(), IoError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        {
            let file = hdf5::File::create(&tmp).map_err(h5(&tmp, "create file"))?;
            let scalars: [(&str, f64); 5] = [
                ("average_time", self.average_time),
                ("time", self.time),
                ("dt", self.dt),
                ("inflow_before", self.inflow_before),
                ("next_output", self.next_output),
            ];
            for (name, v) in scalars {
                file.new_attr::<f64>().create(name).and_then(|a| a.write_scalar(&v)).map_err(h5(&tmp, name))?;
            }
            for (name, v) in [("step", self.step), ("cells", self.cells), ("caps", self.caps as u64)] {
                file.new_attr::<u64>().create(name).and_then(|a| a.write_scalar(&v)).map_err(h5(&tmp, name))?;
            }
            let averages = [
                ("wall_sums", &self.wall_sums),
                ("time_integrals", &self.time_integrals),
                ("increment", &self.increment),
            ];
            let fields = [("u", &self.u), ("p", &self.p)];
            for (name, v) in fields.into_iter().chain(averages.into_iter().filter(|(_, v)| !v.is_empty())) {
                file.new_dataset_builder().with_data(v.as_slice()).create(name).map_err(h5(&tmp, name))?;
            }
            let f64s = [
                ("outlet_states", &self.outlet_states),
                ("history_time", &self.history_time),
                ("history_flow_rate", &self.history_flow_rate),
                ("history_mean_pressure", &self.history_mean_pressure),
            ];
            for (name, v) in f64s {
                file.new_dataset_builder().with_data(v.as_slice()).create(name).map_err(h5(&tmp, name))?;
            }
            file.flush().map_err(h5(&tmp, "flush"))?;
        }
        std::fs::rename(&tmp, path).map_err(|source| IoError::File { path: path.to_path_buf(), source })
    }

    /// Reads a checkpoint written by [`Checkpoint::write`].
    pub fn read(path: &Path) -> Result<Checkpoint, IoError> {
        let file = hdf5::File::open(path).map_err(h5(path, "open file"))?;
        let f64_attr = |name: &str| file.attr(name).and_then(|a| a.read_scalar::<f64>()).map_err(h5(path, name));
        let u64_attr = |name: &str| file.attr(name).and_then(|a| a.read_scalar::<u64>()).map_err(h5(path, name));
        let f32s = |name: &str| file.dataset(name).and_then(|d| d.read_raw::<f32>()).map_err(h5(path, name));
        let f64s = |name: &str| file.dataset(name).and_then(|d| d.read_raw::<f64>()).map_err(h5(path, name));
        let optional = |name: &str| if file.link_exists(name) { f32s(name) } else { Ok(Vec::new()) };
        let c = Checkpoint {
            step: u64_attr("step")?,
            time: f64_attr("time")?,
            dt: f64_attr("dt")?,
            cells: u64_attr("cells")?,
            inflow_before: f64_attr("inflow_before")?,
            next_output: f64_attr("next_output")?,
            u: f32s("u")?,
            p: f32s("p")?,
            increment: optional("increment")?,
            outlet_states: f64s("outlet_states")?,
            history_time: f64s("history_time")?,
            history_flow_rate: f64s("history_flow_rate")?,
            history_mean_pressure: f64s("history_mean_pressure")?,
            caps: u64_attr("caps")? as usize,
            average_time: f64_attr("average_time")?,
            wall_sums: optional("wall_sums")?,
            time_integrals: optional("time_integrals")?,
        };
        let n = c.cells as usize;
        let rows = c.history_time.len() * c.caps;
        if c.u.len() != 3 * n
            || c.p.len() != n
            || c.history_flow_rate.len() != rows
            || c.history_mean_pressure.len() != rows
            || !(c.time_integrals.is_empty() || c.time_integrals.len() == 4 * n)
            || !(c.increment.is_empty() || c.increment.len() == n)
            || !c.wall_sums.len().is_multiple_of(4)
        {
            return Err(IoError::Invalid {
                path: path.into(),
                object: "datasets".into(),
                message: format!("sizes do not agree with cells = {n} and caps = {}", c.caps),
            });
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_reads_back_as_written_and_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.checkpoint.h5");
        let mut c = Checkpoint {
            step: 7,
            time: 0.0123,
            dt: 1.7e-3,
            cells: 2,
            inflow_before: 3e-6,
            next_output: 0.02,
            u: vec![1.0, -2.5, 3.0, f32::MIN_POSITIVE, 5.0, 6.0],
            p: vec![0.5, -0.25],
            increment: vec![0.125, -3.0],
            outlet_states: vec![12000.0],
            history_time: vec![0.0017, 0.0034],
            history_flow_rate: vec![-1e-6, 1e-6, -2e-6, 2e-6],
            history_mean_pressure: vec![10.0, 0.0, 11.0, 0.0],
            caps: 2,
            average_time: 0.004,
            wall_sums: vec![1.0, 2.0, 3.0, 4.0],
            time_integrals: vec![0.5; 8],
        };
        c.write(&path).unwrap();
        assert_eq!(Checkpoint::read(&path).unwrap(), c);
        c.step = 8;
        c.write(&path).unwrap();
        assert_eq!(Checkpoint::read(&path).unwrap().step, 8);
        assert!(!dir.path().join("run.checkpoint.h5.partial").exists());
    }
}
