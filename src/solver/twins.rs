//! Each compute stage's CPU twin as the CPU backend (`crate::gpu::host`) runs it: the stage's
//! bindings, by their WGSL names, handed to the twin the GPU-vs-CPU tests check the stage
//! against. A stage missing here cannot run on the CPU backend (its pipeline fails, naming it);
//! `tests/cpu_backend.rs` checks that every stage the solver uses has one. [`open`] opens a
//! backend with these twins.

use std::sync::Arc;

use crate::gpu::host::{Bound, Twin};
use crate::gpu::vector::{self, AxpyParams, CgScalarsParams, DotPartialParams, SumPartialParams, XpayParams};
use crate::gpu::{ComputeBackend, Gpu, GpuError};
use crate::solver::cg_control::{cg_control, CgControlParams};
use crate::solver::porous::{porous_drag, PorousCell};
use crate::solver::porous_region::{porous_region, RegionCell};
use crate::solver::wall_shear::{WallParams, WallPoint};
use crate::solver::{cpu, CellView, SolverParams};

/// Opens `backend` as [`Gpu::open`] does, the CPU backend with these twins.
pub fn open(backend: ComputeBackend, wanted: Option<&str>, optional: wgpu::Features) -> Result<Gpu, GpuError> {
    Gpu::open(backend, wanted, optional, find)
}

/// [`open`] for the `local`-th rank on this machine (see [`Gpu::open_for_rank`]).
pub fn open_for_rank(
    backend: ComputeBackend,
    wanted: Option<&str>,
    optional: wgpu::Features,
    local: usize,
) -> Result<Gpu, GpuError> {
    Gpu::open_for_rank(backend, wanted, optional, find, local)
}

/// The twin of stage `name` (e.g. `"solver/momentum"`), if it has one.
pub fn find(name: &str) -> Option<Twin> {
    let twin: Twin = match name {
        "solver/momentum" => momentum,
        "solver/viscous_sweep" => viscous_sweep,
        "solver/shear_viscosity" => shear_viscosity,
        "solver/divergence" => divergence,
        "solver/project" => project,
        "solver/pressure_smooth" => pressure_smooth,
        "solver/pressure_residual" => pressure_residual,
        "solver/mg_restrict" => mg_restrict,
        "solver/mg_coarse_solve" => mg_coarse_solve,
        "solver/cg_control" => control,
        "solver/cap_gather" => cap_gather,
        "solver/speed_max" => speed_max,
        "solver/velocity_change" => velocity_change,
        "solver/time_average" => time_average,
        "solver/porous_drag" => drag,
        "solver/porous_region" => region,
        "wall/wall_shear" => wall_shear,
        "vector/dot_partial" => dot_partial,
        "vector/sum_partial" => sum_partial,
        "vector/axpy" => axpy,
        "vector/xpay" => xpay,
        "vector/cg_scalars" => cg_scalars,
        "bench/copy" => copy,
        _ => return None,
    };
    Some(twin)
}

/// The grid's three bindings.
fn grid<'a>(b: &Bound<'a>) -> CellView<'a> {
    let bricks_with = params(b).bricks_with;
    CellView { neighbours: b.get("neighbours"), cells: b.get("cells"), geom: b.get("geom"), bricks_with }
}

fn params(b: &Bound) -> SolverParams {
    b.uniform("params")
}

fn momentum(b: &Bound) {
    let (u, u_eval, p, viscosity) = (b.get("u"), b.get("u_eval"), b.get("p"), b.get("viscosity"));
    let st = pressure_stencil(b);
    let (out, k) = (b.get_mut("out"), b.get_mut("k"));
    cpu::momentum_with(&grid(b), &st, &params(b), u, u_eval, out, k, p, viscosity);
}

fn viscous_sweep(b: &Bound) {
    // The rows change with the step (its parameters, u and viscosity), not between its sweeps.
    let inputs = ["params", "neighbours", "cells", "geom", "u", "viscosity"];
    let stencil = b
        .derived("sweep stencil", &inputs, || cpu::sweep_stencil(&grid(b), &params(b), b.get("u"), b.get("viscosity")));
    cpu::viscous_sweep_with(&stencil, &params(b), b.get("rhs"), b.get_mut("v"));
}

fn shear_viscosity(b: &Bound) {
    cpu::shear_viscosity(&grid(b), &params(b), b.get("u"), b.get_mut("viscosity"));
}

fn divergence(b: &Bound) {
    let (u, p, f, outflow) = (b.get("u"), b.get("p"), b.get_mut("f"), b.get_mut("outflow"));
    cpu::divergence_with(&grid(b), &pressure_stencil(b), &params(b), u, p, f, outflow);
}

fn project(b: &Bound) {
    let (p, u_star, u, outflow) = (b.get("p"), b.get_mut("u_star"), b.get_mut("u"), b.get_mut("outflow"));
    let (pressure, before) = (b.get_mut("pressure"), b.get_mut("pressure_before"));
    cpu::project_with(&grid(b), &pressure_stencil(b), &params(b), p, u_star, u, outflow, pressure, before);
}

/// The level's pressure operator (its cells' open faces), made once while its grid is
/// unchanged: the multigrid's passes and the finest level's divergence, projection and momentum
/// read it.
fn pressure_stencil(b: &Bound) -> Arc<cpu::PressureStencil> {
    b.derived("pressure stencil", &["neighbours", "cells", "geom"], || cpu::pressure_stencil(&grid(b)))
}

fn pressure_smooth(b: &Bound) {
    let (f, p_in, parents, e_coarse) = (b.get("f"), b.get("p_in"), b.get("parent_bricks"), b.get("e_coarse"));
    cpu::pressure_smooth_with(&pressure_stencil(b), &params(b), f, p_in, parents, e_coarse, b.get_mut("p_out"));
}

fn pressure_residual(b: &Bound) {
    cpu::pressure_residual_with(&pressure_stencil(b), &params(b), b.get("f"), b.get("p"), b.get_mut("r"));
}

fn mg_restrict(b: &Bound) {
    let (f, p, coarse, children) = (b.get("f"), b.get("p"), b.get("coarse_cells"), b.get("child_bricks"));
    cpu::mg_restrict_with(&pressure_stencil(b), &params(b), f, p, coarse, children, b.get_mut("f_coarse"));
}

fn mg_coarse_solve(b: &Bound) {
    cpu::mg_coarse_solve(b.get("ids"), b.get("inverse"), b.get("f"), b.get_mut("e"));
}

fn control(b: &Bound) {
    cg_control(&b.uniform::<CgControlParams>("params"), b.get_mut("scalars"), b.get_mut("args"));
}

fn cap_gather(b: &Bound) {
    let values = cpu::cap_gather(b.get("ids"), b.get("records"), b.get("outflow"), b.get("p"));
    b.get_mut::<f32>("out")[..values.len()].copy_from_slice(&values);
}

/// `shared/maximum`'s atomic maximum into the last entry of `out`, as the bits of a
/// non-negative f32.
fn maximum_into_out(b: &Bound, value: f32) {
    let out = b.get_mut::<u32>("out");
    let last = out.last_mut().expect("a maximum's entry");
    *last = (*last).max(value.to_bits());
}

fn speed_max(b: &Bound) {
    let n = params(b).stored as usize;
    maximum_into_out(b, cpu::speed_max(b.get("u"), n));
}

fn velocity_change(b: &Bound) {
    let n = params(b).stored as usize;
    maximum_into_out(b, cpu::velocity_change(b.get("u"), b.get("v"), n));
}

fn time_average(b: &Bound) {
    cpu::time_average(&params(b), b.get("u"), b.get("p"), b.get_mut("mean"));
}

fn drag(b: &Bound) {
    porous_drag(&params(b), b.get::<PorousCell>("layer"), b.get_mut("u"));
}

fn region(b: &Bound) {
    porous_region(&params(b), b.get::<RegionCell>("region"), b.get_mut("u"));
}

fn wall_shear(b: &Bound) {
    let (points, cells, weights) = (b.get::<WallPoint>("points"), b.get("stencil_cells"), b.get("stencil_weights"));
    let (stress, sums) = (b.get_mut("stress"), b.get_mut("sums"));
    let wall: WallParams = b.uniform("wall");
    cpu::wall_shear(&params(b), &wall, points, cells, weights, b.get("u"), b.get("p"), stress, sums);
}

fn dot_partial(b: &Bound) {
    let p: DotPartialParams = b.uniform("params");
    let n = p.n as usize;
    let partials = vector::dot_partial_cpu(&b.get("a")[..n], &b.get("b")[..n]);
    b.get_mut::<f32>("sums")[p.out_offset as usize..][..partials.len()].copy_from_slice(&partials);
}

fn sum_partial(b: &Bound) {
    let p: SumPartialParams = b.uniform("params");
    let partials = vector::sum_partial_cpu(&b.get("values")[..p.n as usize]);
    b.get_mut::<f32>("sums")[p.out_offset as usize..][..partials.len()].copy_from_slice(&partials);
}

fn axpy(b: &Bound) {
    let p: AxpyParams = b.uniform("params");
    let alpha = b.get::<f32>("scalars")[p.alpha_index as usize];
    vector::axpy_cpu(alpha, p.sign, b.get("x"), &mut b.get_mut("y")[..p.n as usize]);
}

fn xpay(b: &Bound) {
    let p: XpayParams = b.uniform("params");
    let beta = b.get::<f32>("scalars")[p.beta_index as usize];
    vector::xpay_cpu(beta, b.get("x"), &mut b.get_mut("y")[..p.n as usize]);
}

fn cg_scalars(b: &Bound) {
    vector::cg_scalars_cpu(b.get_mut("scalars"), &b.uniform::<CgScalarsParams>("params"));
}

fn copy(b: &Bound) {
    let dst = b.get_mut::<f32>("dst");
    dst.copy_from_slice(&b.get("src")[..dst.len()]);
}
