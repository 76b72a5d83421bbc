//! The wall's part of a step on the GPU: the wall shear stress and pressure on every wall
//! triangle (`wall/wall_shear`, from the stencils of [`super::wall_shear`]) and, when
//! accumulating, their time integrals and those of the velocity and pressure
//! (`solver/time_average`), whose means over a cardiac cycle are TAWSS, OSI and the mean fields.

use super::buffers::{submit, Core, Named};
use super::wall_shear::{WallParams, WallStencil};
use crate::gpu::{Dispatch, Gate, Gpu, GpuError};

/// The wall's passes and buffers.
pub(super) struct GpuWall {
    /// `wall/wall_shear`.
    shear: Dispatch,
    /// Whether every step computes the stress and adds to the time integrals.
    pub accumulate: bool,
    /// Per triangle: wall shear stress (Pa) and wall pressure (Pa).
    stress: wgpu::Buffer,
    /// Per triangle: the sums of tau dt and |tau| dt (Pa s).
    pub sums: wgpu::Buffer,
    /// `solver/time_average` and the integrals of u and p since the last reset (accumulating).
    mean: Option<(Dispatch, wgpu::Buffer)>,
    /// Seconds integrated since the last reset.
    pub time: f64,
    /// GPU bytes of the wall's buffers and of the fields' time integrals.
    pub bytes: u64,
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
        let value = WallParams { triangles, accumulate: accumulate as u32, density: density as f32, _pad0: 0 };
        let params = gpu.uniform("wall params", &value)?;
        let points = gpu.storage("wall points", &stencil.points)?;
        let cells = gpu.storage("wall stencil cells", &stencil.cells)?;
        let weights = gpu.storage("wall stencil weights", &stencil.weights)?;
        let stress = gpu.storage_empty("wall stress", 16 * triangles as u64)?;
        let sums = gpu.storage_empty("wall sums", 16 * triangles as u64)?;
        let buffers: [Named; 9] = [
            ("params", &core.params),
            ("wall", &params),
            ("points", &points),
            ("stencil_cells", &cells),
            ("stencil_weights", &weights),
            ("u", &core.u),
            ("p", &core.p),
            ("stress", &stress),
            ("sums", &sums),
        ];
        let shear = Dispatch::new(gpu, "wall/wall_shear", &buffers, triangles)?;
        let mean = if accumulate {
            let mean = gpu.storage_empty("time integrals", 16 * core.n as u64)?;
            let bufs: [Named; 4] = [("params", &core.params), ("u", &core.u), ("p", &core.p), ("mean", &mean)];
            let pass = Dispatch::new(gpu, "solver/time_average", &bufs, core.n)?;
            Some((pass, mean))
        } else {
            None
        };
        let own = [&points, &cells, &weights, &stress, &sums];
        let bytes = own.into_iter().chain(mean.as_ref().map(|m| &m.1)).map(|b| b.size()).sum();
        Ok(GpuWall { shear, accumulate, stress, sums, mean, time: 0.0, bytes })
    }

    /// The fields' time integrals (accumulating).
    pub(super) fn integrals(&self) -> Option<&wgpu::Buffer> {
        self.mean.as_ref().map(|(_, b)| b)
    }

    /// Records the step's wall passes, when accumulating, behind `gate` (the end of the
    /// pressure solve).
    pub(super) fn record(&self, enc: &mut wgpu::CommandEncoder, gate: Gate<'_>) {
        for pass in self.passes() {
            pass.record_gated(enc, gate);
        }
    }

    /// What [`Self::record`] records (nothing unless accumulating).
    pub(super) fn passes(&self) -> Vec<&Dispatch> {
        if !self.accumulate {
            return Vec::new();
        }
        std::iter::once(&self.shear).chain(self.mean.as_ref().map(|(pass, _)| pass)).collect()
    }

    /// Per triangle: the wall shear stress (Pa, xyz) and wall pressure (Pa, w) of the current
    /// fields (computed now unless every step does).
    pub(super) fn stress(&self, gpu: &Gpu) -> Result<Vec<[f32; 4]>, GpuError> {
        if !self.accumulate {
            submit(gpu, |enc| self.shear.record(enc));
        }
        gpu.read(&self.stress)
    }

    /// What a step's read-back takes of the wall's state: the stress, the wall's time integrals
    /// and the fields'. Panics unless accumulating.
    pub(super) fn state(&self) -> [&wgpu::Buffer; 3] {
        [&self.stress, &self.sums, self.accumulating()]
    }

    /// The wall's and the fields' time integrals. Panics unless accumulating.
    pub(super) fn averages(&self, gpu: &Gpu) -> Result<(Vec<[f32; 4]>, Vec<f32>), GpuError> {
        Ok((gpu.read(&self.sums)?, gpu.read(self.accumulating())?))
    }

    /// Sets the time integrals (None: zero) and the time integrated. Panics unless
    /// accumulating.
    pub(super) fn restore(&mut self, gpu: &Gpu, time: f64, values: Option<(&[[f32; 4]], &[f32])>) {
        let mean = self.accumulating();
        match values {
            Some((sums, integrals)) => {
                gpu.queue.write_buffer(&self.sums, 0, bytemuck::cast_slice(sums));
                gpu.queue.write_buffer(mean, 0, bytemuck::cast_slice(integrals));
            }
            None => submit(gpu, |enc| {
                enc.clear_buffer(&self.sums, 0, None);
                enc.clear_buffer(mean, 0, None);
            }),
        }
        self.time = time;
    }

    fn accumulating(&self) -> &wgpu::Buffer {
        self.integrals().expect("attach_wall with accumulate before the averages")
    }
}
