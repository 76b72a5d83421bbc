// Test-only stage grid_probe: evaluates the grid module's `face_neighbour` for a list of queries
// that are each one face step, so tests/gpu_grid_index.rs can compare it with the Rust twins
// `face_neighbour_in` and `Bricks::neighbour`.
// Host side: src/gpu/probe.rs.

#import shared/dispatch
#import shared/grid

// Rust twin: hemoflow::gpu::probe::GridProbeParams.
struct GridProbeParams {
    // Number of queries (and results).
    queries: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Rust twin: hemoflow::gpu::probe::GridProbeQuery.
struct GridProbeQuery {
    // Storage id of an allocated cell.
    id: u32,
    // Cell offset: one component +-1, the others 0.
    dx: i32,
    dy: i32,
    dz: i32,
}

@group(0) @binding(0) var<uniform> params: GridProbeParams;
// The neighbour table the grid module reads (its binding contract).
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> queries: array<GridProbeQuery>;
// One result per query: the neighbour's storage id by `face_neighbour`, NO_SLOT where none (or
// where the offset is not one face step).
@group(0) @binding(3) var<storage, read_write> results: array<u32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn grid_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, CELL_WORKGROUP);
    if i >= params.queries {
        return;
    }
    let q = queries[i];
    let d = vec3<i32>(q.dx, q.dy, q.dz);
    var face = NO_SLOT;
    if abs(d.x) + abs(d.y) + abs(d.z) == 1 {
        let axis = select(select(2u, 1u, d.y != 0), 0u, d.x != 0);
        face = face_neighbour(q.id, 2u * axis + select(0u, 1u, d.x + d.y + d.z > 0));
    }
    results[i] = face;
}
