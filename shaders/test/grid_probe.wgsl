// Test-only stage grid_probe: evaluates the grid module's `neighbour` for a list of queries so
// tests/gpu_grid_index.rs can compare it with the Rust twin `Bricks::neighbour`.
// Host side: src/gpu/probe.rs.

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
    // Cell offset, each component in -BRICK..=BRICK.
    dx: i32,
    dy: i32,
    dz: i32,
}

@group(0) @binding(0) var<uniform> params: GridProbeParams;
// The neighbour table the grid module reads (its binding contract).
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> queries: array<GridProbeQuery>;
// One result per query: the neighbour's storage id, or NO_SLOT.
@group(0) @binding(3) var<storage, read_write> results: array<u32>;

@compute @workgroup_size(64)
fn grid_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if i >= params.queries {
        return;
    }
    let q = queries[i];
    results[i] = neighbour(q.id, vec3<i32>(q.dx, q.dy, q.dz));
}
