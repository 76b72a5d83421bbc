//! The wall's part of a step on the GPU: the wall shear stress and pressure on every wall
//! triangle (`wall/wall_shear`, from the stencils of [`super::wall_shear`]) and, when
//! accumulating, their time integrals and those of the velocity and pressure
//! (`solver/time_average`), whose means over a cardiac cycle are TAWSS, OSI and the mean fields.
//!
//! A step's share of the time integrals is added one step late: the next step adds it first
//! thing ([`GpuWall::record_flush`]), from the fields the last step left, which that step has
//! not changed yet; reading the integrals adds it at once ([`GpuWall::flush`]). A step that is
//! undone drops its share instead ([`GpuWall::drop_pending`]), so an undo needs no copy of the
//! integrals.

use super::buffers::{submit, Core, Named};
use super::wall_shear::{WallParams, WallStencil};
use super::SolverParams;
use crate::gpu::{Dispatch, Gpu, GpuError};

/// The wall's passes and buffers.
pub(super) struct GpuWall {
    /// `wall/wall_shear` writing the stress only, from the current fields.
    shear: Dispatch,
    /// Per triangle: wall shear stress (Pa) and wall pressure (Pa).
    stress: wgpu::Buffer,
    /// With accumulate: the passes adding a step's share to the time integrals.
    flush: Option<Flush>,
    /// Seconds integrated since the last reset (the pending step's included).
    pub time: f64,
    /// GPU bytes of the wall's buffers and of the fields' time integrals.
    pub bytes: u64,
}

/// What adds a step's share to the time integrals.
struct Flush {
    /// The step's parameters with its dt (`params.dt` of both passes), written before each use.
    params: wgpu::Buffer,
    /// `wall/wall_shear` adding tau dt and |tau| dt to `sums` (and writing the stress).
    shear: Dispatch,
    /// Per triangle: the sums of tau dt and |tau| dt (Pa s).
    sums: wgpu::Buffer,
    /// `solver/time_average` and the integrals of u and p since the last reset.
    mean: (Dispatch, wgpu::Buffer),
    /// The dt (s) of the last step, whose share is not added yet (0: none).
    pending: f64,
}

impl GpuWall {
    /// Uploads `stencil` and binds the passes to `core`'s fields, for a fluid of `density`
    /// (kg/m^3).
    pub(super) fn new(
        gpu: &Gpu,
        core: &Core,
        stencil: &WallStencil,
        density: f64,
        accumulate: bool,
    ) -> Result<GpuWall, GpuError> {
        let triangles = stencil.points.len() as u32;
        let points = gpu.storage("wall points", &stencil.points)?;
        let cells = gpu.storage("wall stencil cells", &stencil.cells)?;
        let weights = gpu.storage("wall stencil weights", &stencil.weights)?;
        let stress = gpu.storage_empty("wall stress", 16 * triangles as u64)?;
        let sums = gpu.storage_empty("wall sums", 16 * triangles as u64)?;
        let shear_pass = |params: &wgpu::Buffer, accumulate: bool| {
            let value = WallParams { triangles, accumulate: accumulate as u32, density: density as f32, _pad0: 0 };
            let wall = gpu.uniform("wall params", &value)?;
            let buffers: [Named; 9] = [
                ("params", params),
                ("wall", &wall),
                ("points", &points),
                ("stencil_cells", &cells),
                ("stencil_weights", &weights),
                ("u", &core.u),
                ("p", &core.p),
                ("stress", &stress),
                ("sums", &sums),
            ];
            Dispatch::new(gpu, "wall/wall_shear", &buffers, triangles)
        };
        let shear = shear_pass(&core.params, false)?;
        let flush = if accumulate {
            let params = gpu.uniform("params flush", &SolverParams::default())?;
            let integrals = gpu.storage_empty("time integrals", 16 * core.stored as u64)?;
            let bufs: [Named; 4] = [("params", &params), ("u", &core.u), ("p", &core.p), ("mean", &integrals)];
            let mean = (Dispatch::new(gpu, "solver/time_average", &bufs, core.stored)?, integrals);
            Some(Flush { shear: shear_pass(&params, true)?, params, sums, mean, pending: 0.0 })
        } else {
            None
        };
        let own = [&points, &cells, &weights, &stress];
        let accumulated = flush.iter().flat_map(|f| [&f.sums, &f.mean.1]);
        let bytes = own.into_iter().chain(accumulated).map(|b| b.size()).sum();
        Ok(GpuWall { shear, stress, flush, time: 0.0, bytes })
    }

    /// Records adding the pending step's share to the time integrals (with `params`, the
    /// current step's parameters, for all but dt), if there is one: first thing in a step, or
    /// before the integrals are read.
    pub(super) fn record_flush(&mut self, gpu: &Gpu, enc: &mut wgpu::CommandEncoder, params: &SolverParams) {
        let Some(flush) = self.flush.as_mut().filter(|f| f.pending > 0.0) else { return };
        let value = SolverParams { dt: flush.pending as f32, ..*params };
        gpu.queue.write_buffer(&flush.params, 0, bytemuck::bytes_of(&value));
        flush.shear.record(enc);
        flush.mean.0.record(enc);
        flush.pending = 0.0;
    }

    /// Adds the pending step's share to the time integrals now.
    pub(super) fn flush(&mut self, gpu: &Gpu, params: &SolverParams) {
        if self.flush.as_ref().is_some_and(|f| f.pending > 0.0) {
            submit(gpu, |enc| self.record_flush(gpu, enc, params));
        }
    }

    /// A step of `dt` seconds was taken: its share is pending (accumulating).
    pub(super) fn stepped(&mut self, dt: f64) {
        if let Some(flush) = self.flush.as_mut() {
            flush.pending = dt;
            self.time += dt;
        }
    }

    /// The last step was undone, the integrated time going back to `time`: its share is
    /// dropped.
    pub(super) fn drop_pending(&mut self, time: f64) {
        if let Some(flush) = self.flush.as_mut() {
            flush.pending = 0.0;
        }
        self.time = time;
    }

    /// The pass writing the stress from the fields as they are when it runs (a step that
    /// captures its state records it behind the pressure solve).
    pub(super) fn stress_pass(&self) -> &Dispatch {
        &self.shear
    }

    /// Per triangle: the wall shear stress (Pa, xyz) and wall pressure (Pa, w) of the current
    /// fields.
    pub(super) fn stress(&self, gpu: &Gpu) -> Result<Vec<[f32; 4]>, GpuError> {
        submit(gpu, |enc| self.shear.record(enc));
        gpu.read(&self.stress)
    }

    /// The stress buffer (what a capturing step's read-back takes of the wall).
    pub(super) fn stress_buffer(&self) -> &wgpu::Buffer {
        &self.stress
    }

    /// The wall's and the fields' time integrals, the pending step's added first. Panics
    /// unless accumulating.
    pub(super) fn averages(&mut self, gpu: &Gpu, params: &SolverParams) -> Result<(Vec<[f32; 4]>, Vec<f32>), GpuError> {
        self.flush(gpu, params);
        let flush = self.accumulating();
        Ok((gpu.read(&flush.sums)?, gpu.read(&flush.mean.1)?))
    }

    /// Sets the time integrals (None: zero) and the time integrated, dropping the pending
    /// step's share. Panics unless accumulating.
    pub(super) fn restore(&mut self, gpu: &Gpu, time: f64, values: Option<(&[[f32; 4]], &[f32])>) {
        let flush = self.flush.as_mut().expect("attach_wall with accumulate before the averages");
        flush.pending = 0.0;
        match values {
            Some((sums, integrals)) => {
                gpu.queue.write_buffer(&flush.sums, 0, bytemuck::cast_slice(sums));
                gpu.queue.write_buffer(&flush.mean.1, 0, bytemuck::cast_slice(integrals));
            }
            None => submit(gpu, |enc| {
                enc.clear_buffer(&flush.sums, 0, None);
                enc.clear_buffer(&flush.mean.1, 0, None);
            }),
        }
        self.time = time;
    }

    fn accumulating(&self) -> &Flush {
        self.flush.as_ref().expect("attach_wall with accumulate before the averages")
    }
}
