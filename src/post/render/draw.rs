//! Drawing a [`Scene`] off-screen with wgpu: an orthographic camera fitted to the scene,
//! flat-coloured triangles with headlight shading, depth test, 4x MSAA where the adapter allows
//! it, white background; the image is read back and the title, colour bar and scale bar are
//! drawn over it on the CPU. The view convention (z up, `front` looks along +y) is in
//! [`super::camera`].

use std::borrow::Cow;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt as _;

use super::camera::{cross, dot, sub, Camera, View};
use super::colormap;
use super::image::Image;
use super::layout::Layout;
use super::scene::{Layer, Paint, Scene};
use crate::gpu::{shader, Gpu, GpuError};

/// Errors from drawing a scene.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The picture size is outside what can be drawn.
    #[error("picture size {width}x{height} pixels: each side must be 64 to {limit} (the adapter's largest texture)")]
    Size {
        /// Requested width, pixels.
        width: u32,
        /// Requested height, pixels.
        height: u32,
        /// The adapter's `max_texture_dimension_2d`, pixels.
        limit: u32,
    },
    /// A layer's value count differs from its triangle count.
    #[error("layer {layer}: {values} values for {triangles} triangles (one value per triangle)")]
    Values {
        /// Index of the layer.
        layer: usize,
        /// Values given.
        values: usize,
        /// Triangles given.
        triangles: usize,
    },
    /// The scene has no triangles.
    #[error("nothing to draw: the scene has no triangles")]
    Empty,
    /// wgpu rejected something, or the read-back failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// Uniform of the render stage `render/surface`; WGSL twin `RenderParams` in
/// shaders/render/surface.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct RenderParams {
    /// World (m, relative to the camera's centre) to clip space, column-major.
    pub view_proj: [[f32; 4]; 4],
    /// Unit vector towards the camera (xyz), w = 0.
    pub eye: [f32; 4],
}

/// One vertex of the vertex buffer (a vertex layout, not a WGSL memory struct: the shader's
/// `SurfaceIn` reads position at 0, normal at 12, colour as unorm8x4 at 24).
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
struct SurfaceVertex {
    position: [f32; 3],
    normal: [f32; 3],
    colour: [u8; 4],
}

/// The render stage's name under shaders/.
const STAGE: &str = "render/surface";
/// Colour format of the off-screen target (sRGB bytes written as they are).
const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Depth format.
const DEPTH: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Draws `scene` seen from `view` into a `size` = [width, height] picture (pixels; each side 64
/// up to the adapter's largest texture): the layers with wgpu, then title, colour bar and scale
/// bar on the CPU.
pub fn render(gpu: &Gpu, scene: &Scene, view: View, size: [u32; 2]) -> Result<Image, RenderError> {
    let limit = gpu.limits().max_texture_dimension_2d;
    if size.iter().any(|&s| !(64..=limit).contains(&s)) {
        return Err(RenderError::Size { width: size[0], height: size[1], limit });
    }
    if scene.layers.iter().all(|l| l.triangles.is_empty()) {
        return Err(RenderError::Empty);
    }
    let layout = Layout::new(size);
    let camera = Camera::fit(scene, view, &layout);
    let range = match &scene.bar {
        Some(bar) => bar.range,
        None => value_range(scene),
    };
    // Translucent layers first (no depth write), then opaque ones over them.
    let mut translucent = Vec::new();
    let mut opaque = Vec::new();
    for (n, layer) in scene.layers.iter().enumerate() {
        let see_through = matches!(layer.paint, Paint::Solid { opacity, .. } if opacity < 1.0);
        let target = if see_through { &mut translucent } else { &mut opaque };
        append_vertices(n, layer, &camera, range, target)?;
    }
    let mut image = draw(gpu, &camera, &layout, &translucent, &opaque)?;
    super::overlay::draw(&mut image, scene, &layout, &camera);
    Ok(image)
}

/// min..max of the finite values of every [`Paint::Values`] layer ([0, 1] when there are none).
fn value_range(scene: &Scene) -> [f64; 2] {
    let values = scene.layers.iter().filter_map(|l| match &l.paint {
        Paint::Values(v) => Some(v),
        Paint::Solid { .. } => None,
    });
    let [lo, hi] = values
        .flatten()
        .filter(|v| v.is_finite())
        .fold([f64::INFINITY, f64::NEG_INFINITY], |[a, b], &v| [a.min(v as f64), b.max(v as f64)]);
    if lo <= hi {
        [lo, hi]
    } else {
        [0.0, 1.0]
    }
}

fn append_vertices(
    n: usize,
    layer: &Layer,
    camera: &Camera,
    range: [f64; 2],
    out: &mut Vec<SurfaceVertex>,
) -> Result<(), RenderError> {
    if let Paint::Values(v) = &layer.paint {
        if v.len() != layer.triangles.len() {
            return Err(RenderError::Values { layer: n, values: v.len(), triangles: layer.triangles.len() });
        }
    }
    for (t, tri) in layer.triangles.iter().enumerate() {
        let colour = match &layer.paint {
            Paint::Values(v) => {
                let [r, g, b] = colormap::colour(colormap::position(v[t] as f64, range));
                [r, g, b, 255]
            }
            Paint::Solid { rgb, opacity } => [rgb[0], rgb[1], rgb[2], (opacity.clamp(0.0, 1.0) * 255.0).round() as u8],
        };
        let normal = if layer.shaded {
            let n = cross(sub(tri[1], tri[0]), sub(tri[2], tri[0]));
            let len = dot(n, n).sqrt();
            if len > 0.0 {
                n.map(|c| (c / len) as f32)
            } else {
                [0.0; 3]
            }
        } else {
            [0.0; 3]
        };
        for p in tri {
            let position = sub(*p, camera.centre).map(|c| c as f32);
            out.push(SurfaceVertex { position, normal, colour });
        }
    }
    Ok(())
}

/// The GPU part: both vertex sets drawn into an off-screen target (clipped to the layout's
/// plot), resolved and read back.
fn draw(
    gpu: &Gpu,
    camera: &Camera,
    layout: &Layout,
    translucent: &[SurfaceVertex],
    opaque: &[SurfaceVertex],
) -> Result<Image, RenderError> {
    let device = &gpu.device;
    let size = layout.size;
    let max_buffer = gpu.limits().max_buffer_size;
    for vertices in [translucent, opaque] {
        let size = size_of_val(vertices) as u64;
        if size > max_buffer {
            let (label, limit_name) = ("render vertices".to_string(), "max_buffer_size");
            return Err(GpuError::BufferTooLarge { label, size, limit: max_buffer, limit_name }.into());
        }
    }
    let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let samples = msaa_samples(&gpu.adapter);
    let extent = wgpu::Extent3d { width: size[0], height: size[1], depth_or_array_layers: 1 };
    let texture = |label, format, samples, usage| {
        device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: extent,
            mip_level_count: 1,
            sample_count: samples,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage,
            view_formats: &[],
        })
    };
    let attachment = wgpu::TextureUsages::RENDER_ATTACHMENT;
    let resolved = texture("render target", FORMAT, 1, attachment | wgpu::TextureUsages::COPY_SRC);
    let multisampled = (samples > 1).then(|| texture("render target (MSAA)", FORMAT, samples, attachment));
    let depth = texture("render depth", DEPTH, samples, attachment);
    let resolved_view = resolved.create_view(&Default::default());
    let multisampled_view = multisampled.as_ref().map(|t| t.create_view(&Default::default()));
    let depth_view = depth.create_view(&Default::default());

    let params = RenderParams {
        view_proj: camera.matrix(size),
        eye: [camera.eye[0] as f32, camera.eye[1] as f32, camera.eye[2] as f32, 0.0],
    };
    let uniform = gpu.uniform("render params", &params)?;
    let group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(STAGE),
        entries: &[wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::VERTEX,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        }],
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(STAGE),
        layout: &group_layout,
        entries: &[wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() }],
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(STAGE),
        bind_group_layouts: &[Some(&group_layout)],
        immediate_size: 0,
    });
    // A plain (fully checked) module: this stage has no loops, so wgpu's loop bounding, which
    // the compute stages drop for speed (gpu::context::SHADER_CHECKS), costs nothing here.
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(STAGE),
        source: wgpu::ShaderSource::Wgsl(Cow::Owned(shader::source(STAGE)?)),
    });
    let (vertex_entry, fragment_entry) = shader::render_entry_points(STAGE);
    let attributes = wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Unorm8x4];
    let pipeline = |see_through: bool| {
        let blend = see_through.then_some(wgpu::BlendState::ALPHA_BLENDING);
        device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(if see_through { "render/surface translucent" } else { "render/surface opaque" }),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some(&vertex_entry),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: size_of::<SurfaceVertex>() as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &attributes,
                })],
            },
            primitive: wgpu::PrimitiveState { cull_mode: None, ..Default::default() },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH,
                depth_write_enabled: Some(!see_through),
                depth_compare: Some(wgpu::CompareFunction::LessEqual),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: wgpu::MultisampleState { count: samples, ..Default::default() },
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some(&fragment_entry),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState { format: FORMAT, blend, write_mask: wgpu::ColorWrites::ALL })],
            }),
            multiview_mask: None,
            cache: None,
        })
    };
    let pipelines = [(pipeline(true), translucent), (pipeline(false), opaque)];
    let buffers: Vec<Option<wgpu::Buffer>> = pipelines
        .iter()
        .map(|(_, v)| {
            (!v.is_empty()).then(|| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("render vertices"),
                    contents: bytemuck::cast_slice(v),
                    usage: wgpu::BufferUsages::VERTEX,
                })
            })
        })
        .collect();
    let padded_row = (size[0] * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("render read-back"),
        size: padded_row as u64 * size[1] as u64,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(STAGE) });
    {
        let (view, resolve_target) = match &multisampled_view {
            Some(ms) => (ms, Some(&resolved_view)),
            None => (&resolved_view, None),
        };
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some(STAGE),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target,
                ops: wgpu::Operations { load: wgpu::LoadOp::Clear(wgpu::Color::WHITE), store: wgpu::StoreOp::Store },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &depth_view,
                depth_ops: Some(wgpu::Operations { load: wgpu::LoadOp::Clear(1.0), store: wgpu::StoreOp::Discard }),
                stencil_ops: None,
            }),
            ..Default::default()
        });
        // Only the plot: a slice's wall context (fitted to the slice) may reach beyond it.
        let plot = layout.plot;
        pass.set_scissor_rect(plot.x, plot.y, plot.w.min(size[0] - plot.x), plot.h.min(size[1] - plot.y));
        pass.set_bind_group(0, &bind_group, &[]);
        for ((pipeline, vertices), buffer) in pipelines.iter().zip(&buffers) {
            if let Some(buffer) = buffer {
                pass.set_pipeline(pipeline);
                pass.set_vertex_buffer(0, buffer.slice(..));
                pass.draw(0..vertices.len() as u32, 0..1);
            }
        }
    }
    encoder.copy_texture_to_buffer(
        resolved.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &readback,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(padded_row),
                rows_per_image: Some(size[1]),
            },
        },
        extent,
    );
    gpu.queue.submit([encoder.finish()]);
    if let Some(e) = pollster::block_on(scope.pop()) {
        return Err(GpuError::Validation { what: "render of a picture".into(), message: e.to_string() }.into());
    }
    let (tx, rx) = std::sync::mpsc::channel();
    readback.map_async(wgpu::MapMode::Read, .., move |result| {
        let _ = tx.send(result);
    });
    device.poll(wgpu::PollType::wait_indefinitely()).map_err(GpuError::from)?;
    rx.recv().map_err(|_| GpuError::Map)?.map_err(|_| GpuError::Map)?;
    let mut rgba = Vec::with_capacity(size[0] as usize * size[1] as usize * 4);
    {
        let mapped = readback
            .get_mapped_range(..)
            .map_err(|e| GpuError::Validation { what: "render read-back mapping".into(), message: e.to_string() })?;
        for row in mapped.chunks_exact(padded_row as usize) {
            rgba.extend_from_slice(&row[..size[0] as usize * 4]);
        }
    }
    readback.unmap();
    Ok(Image { width: size[0], height: size[1], rgba })
}

/// 4 where the adapter can multisample both the colour and the depth format 4x, else 1.
fn msaa_samples(adapter: &wgpu::Adapter) -> u32 {
    let ok = |f| adapter.get_texture_format_features(f).flags.sample_count_supported(4);
    if ok(FORMAT) && ok(DEPTH) {
        4
    } else {
        1
    }
}
