// Render stage surface: flat-coloured triangles of a picture (`hemoflow render`), drawn
// off-screen. Every triangle's three vertices carry the same colour and the triangle's normal,
// so each triangle is one flat colour, shaded by a headlight (a light at the camera) so that the
// 3-D shape reads: brightness 0.35 + 0.65 |n . e|, where e points from the scene to the camera.
// A zero normal (slice quads) is drawn unshaded, its colour exactly as given.
// Host side: src/post/render/draw.rs (vertex layout `SurfaceVertex`, uniform `RenderParams`).

// Rust twin: hemoflow::post::render::RenderParams.
struct RenderParams {
    // World (metres, relative to the scene's centre) to clip space: orthographic camera.
    view_proj: mat4x4<f32>,
    // Unit vector from the scene to the camera (xyz; w unused).
    eye: vec4<f32>,
}

@group(0) @binding(0) var<uniform> params: RenderParams;

// One vertex as the vertex buffer holds it (not a memory struct: the host's layout is
// position f32x3 at 0, normal f32x3 at 12, colour unorm8x4 at 24; 28 bytes).
struct SurfaceIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) colour: vec4<f32>,
}

struct SurfaceOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) @interpolate(flat) colour: vec4<f32>,
}

@vertex
fn surface_vertex(v: SurfaceIn) -> SurfaceOut {
    var out: SurfaceOut;
    out.clip = params.view_proj * vec4<f32>(v.position, 1.0);
    var light = 1.0;
    let n2 = dot(v.normal, v.normal);
    if (n2 > 0.0) {
        light = 0.35 + 0.65 * abs(dot(v.normal * inverseSqrt(n2), params.eye.xyz));
    }
    out.colour = vec4<f32>(v.colour.rgb * light, v.colour.a);
    return out;
}

@fragment
fn surface_fragment(v: SurfaceOut) -> @location(0) vec4<f32> {
    return v.colour;
}
