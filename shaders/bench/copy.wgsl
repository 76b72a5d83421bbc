// Stage copy: dst[i] = src[i] over a large f32 array, the reference bandwidth of `hemoflow bench`
// (bytes moved = 2 * 4 * arrayLength per dispatch: one read, one write per element). One element
// per invocation, scalar f32 like the solver kernels' loads. The array can hold more workgroups
// than one dispatch dimension allows, so the dispatch is 2-D and rows of num_workgroups.x
// workgroups are laid end to end. Host side: hemoflow::bench.

#import shared/dispatch

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(WORKGROUP)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups, WORKGROUP);
    if i >= arrayLength(&dst) {
        return;
    }
    dst[i] = src[i];
}
