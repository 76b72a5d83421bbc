// The flat index of an invocation of a 1-D stage (host side: hemoflow::gpu::kernel, which reads
// the stage's @workgroup_size from its WGSL). The host runs `items` invocations as x * y
// workgroups, y > 1 only where x alone would pass the device's limit: rows of num_workgroups.x
// workgroups laid end to end. Every stage guards the index against its own item count.

// Invocations per workgroup of the stages over cells, wall triangles, cap cells and probes.
const CELL_WORKGROUP: u32 = 64u;

// The index of invocation gid of a stage of `workgroup` invocations per workgroup, dispatched as
// nwg workgroups.
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>, workgroup: u32) -> u32 {
    return gid.x + gid.y * nwg.x * workgroup;
}
