// Stage cap_gather: the values of the caps' cells the host reads every step (for the outlets'
// 0D models and the per-cap summaries), packed so that the read-back is a few kilobytes however
// large the grid: entry i of the caps' cell list (ids, cap after cap; records, their boundary
// records) gets the cell's outlet flux over h^2 (m/s) in out[i] and its kinematic pressure
// (m^2/s^2) in out[E + i], E the entries. CPU twin: hemoflow::solver::cpu::cap_gather.

#import shared/dispatch

// Stored indices of the caps' cells (shared/grid `stored`), E entries.
@group(0) @binding(0) var<storage, read> ids: array<u32>;
// Outlet flux over h^2 per boundary record, m/s.
@group(0) @binding(1) var<storage, read> outflow: array<f32>;
// The entries' boundary records (shared/cells boundary_record).
@group(0) @binding(4) var<storage, read> records: array<u32>;
// Kinematic pressure per cell, m^2/s^2.
@group(0) @binding(2) var<storage, read> p: array<f32>;
// 2 E values: the fluxes, then the pressures.
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn cap_gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, CELL_WORKGROUP);
    let entries = arrayLength(&ids);
    if i >= entries {
        return;
    }
    let id = ids[i];
    out[i] = outflow[records[i]];
    out[entries + i] = p[id];
}
