//! Synthetic vessels: closed, oriented surface meshes of a straight pipe, a stenosis, a
//! bifurcation and a sidewall aneurysm, in metres, for tests, benchmarks and demonstrations.
//!
//! Every mesh is watertight, 2-manifold, consistently oriented with normals pointing out of the
//! fluid, welded, and labelled: `wall`, `inlet`, and `outlet` (`outlet_1`, `outlet_2` for the
//! bifurcation), in that group order.
//!
//! - [`pipe`] and [`stenosis`] are structured: rings of `segments` vertices along the axis joined
//!   by quads split in two, and flat caps fanned from a centre vertex.
//! - [`bifurcation`] and [`aneurysm`] are implicit: the signed distance to a union of tubes (and a
//!   sphere) with a smooth minimum at the junction, polygonised by marching tetrahedra on a regular
//!   grid, clipped flat at each cap plane and closed with [`super::cap_open_loops`].
//! - [`write_obj`] writes any of them as Wavefront OBJ, one `g` per face group.
//!
//! Where a shape needs a direction across its axis (the stenosis's narrowing side, the plane of the
//! bifurcation, the aneurysm's side) it uses [`perpendicular`] of the axis: +x for an axis along z.

mod implicit;
mod specs;
mod tube;

use std::io::{self, Write};

use super::{SurfaceMesh, Vec3};
use implicit::{CapPlane, Implicit, Shape};

pub use specs::{AneurysmSpec, BifurcationSpec, PipeSpec, StenosisSpec};

/// Why a synthetic vessel could not be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// A spec field is out of range.
    #[error("{shape}: invalid `{parameter}` = {value}: {requirement}")]
    InvalidParameter {
        /// The generator: `pipe`, `stenosis`, `bifurcation` or `aneurysm`.
        shape: &'static str,
        /// The spec field at fault.
        parameter: &'static str,
        /// Its value as given (SI units: m, percent, degrees).
        value: String,
        /// What it must satisfy.
        requirement: String,
    },
    /// The implicit surface did not come out as a closed, oriented mesh (a spec at the edge of
    /// what the grid resolves: try a smaller `spacing`).
    #[error("{shape}: could not build a watertight surface: {message}")]
    Surface {
        /// The generator.
        shape: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// The unit direction across `axis` that every generator uses as its reference side: the part of
/// +x orthogonal to the axis, or of +y when the axis is within about 25 degrees of x.
/// `axis` need not be normalised; it must be non-zero.
pub fn perpendicular(axis: Vec3) -> Vec3 {
    let a = axis.normalize();
    let helper = if a.x.abs() < 0.9 { Vec3::x() } else { Vec3::y() };
    (helper - a * a.dot(&helper)).normalize()
}

/// A straight circular tube: `wall`, `inlet` (at `spec.start`, normal `-axis`) and `outlet`
/// (at `start + length * axis`, normal `+axis`).
pub fn pipe(spec: &PipeSpec) -> Result<SurfaceMesh, GenerateError> {
    spec.validate()?;
    let axis = spec.axis.normalize();
    let radius = spec.radius;
    Ok(tube::build(&tube::Tube {
        start: spec.start,
        axis,
        side: perpendicular(axis),
        length: spec.length,
        segments: spec.segments,
        rings: spec.rings.unwrap_or_else(|| tube::default_rings(spec.length, spec.radius, spec.segments)),
        radius: &|_| radius,
        offset: &|_| 0.0,
    }))
}

/// A straight tube with a cosine-shaped stenosis centred at mid-length, lumen radius
/// [`StenosisSpec::lumen_radius`] and lumen centre shifted by [`StenosisSpec::lumen_offset`]
/// along [`perpendicular`] of the axis. Groups as for [`pipe`]. The default ring count is even,
/// so a ring lies on the throat.
pub fn stenosis(spec: &StenosisSpec) -> Result<SurfaceMesh, GenerateError> {
    spec.validate()?;
    let axis = spec.axis.normalize();
    Ok(tube::build(&tube::Tube {
        start: spec.start,
        axis,
        side: perpendicular(axis),
        length: spec.length,
        segments: spec.segments,
        rings: spec.rings.unwrap_or_else(|| tube::default_rings(spec.length, spec.radius, spec.segments)),
        radius: &|s| spec.lumen_radius(s),
        offset: &|s| spec.lumen_offset(s),
    }))
}

/// A parent tube splitting into two daughters ([`BifurcationSpec`]), polygonised from a
/// smooth-union implicit surface. Groups `wall`, `inlet`, `outlet_1`, `outlet_2`.
pub fn bifurcation(spec: &BifurcationSpec) -> Result<SurfaceMesh, GenerateError> {
    spec.validate()?;
    let h = spec.grid_spacing();
    let a = spec.axis.normalize();
    let (r, j) = (spec.radius, spec.junction());
    let ext = |radius: f64| extension(radius, h);
    let mut branches = vec![vec![Shape::cone(spec.start - a * ext(r), j, r, r)]];
    let mut caps = vec![CapPlane { name: "inlet", centre: spec.start, normal: -a, radius: r, extension: ext(r) }];
    for (i, (end, dir)) in spec.outlets().into_iter().enumerate() {
        let ri = spec.daughter_radii[i];
        let taper_end = j + dir * spec.taper_length();
        branches.push(vec![Shape::cone(j, taper_end, r, ri), Shape::cone(taper_end, end + dir * ext(ri), ri, ri)]);
        let name = ["outlet_1", "outlet_2"][i];
        caps.push(CapPlane { name, centre: end, normal: dir, radius: ri, extension: ext(ri) });
    }
    implicit_mesh("bifurcation", Implicit { branches, blend: spec.blend, caps, spacing: h })
}

/// A straight tube with a spherical saccular aneurysm on its side at mid-length
/// ([`AneurysmSpec`]), polygonised from a smooth-union implicit surface. Groups `wall`, `inlet`,
/// `outlet`.
pub fn aneurysm(spec: &AneurysmSpec) -> Result<SurfaceMesh, GenerateError> {
    spec.validate()?;
    let h = spec.grid_spacing();
    let a = spec.axis.normalize();
    let r = spec.radius;
    let ext = extension(r, h);
    let end = spec.start + a * spec.length;
    let branches = vec![
        vec![Shape::cone(spec.start - a * ext, end + a * ext, r, r)],
        vec![Shape::Sphere { centre: spec.sac_centre(), radius: spec.sac_radius }],
    ];
    let caps = vec![
        CapPlane { name: "inlet", centre: spec.start, normal: -a, radius: r, extension: ext },
        CapPlane { name: "outlet", centre: end, normal: a, radius: r, extension: ext },
    ];
    implicit_mesh("aneurysm", Implicit { branches, blend: spec.blend, caps, spacing: h })
}

/// How far a tube's solid runs past its cap plane before the clip, m: half its radius, and at
/// least 3 grid spacings `h`.
fn extension(radius: f64, h: f64) -> f64 {
    (0.5 * radius).max(3.0 * h)
}

fn implicit_mesh(shape: &'static str, imp: Implicit) -> Result<SurfaceMesh, GenerateError> {
    implicit::generate(&imp).map_err(|e| match e {
        implicit::ImplicitError::TooManyNodes(n) => GenerateError::InvalidParameter {
            shape,
            parameter: "spacing",
            value: format!("{}", imp.spacing),
            requirement: format!(
                "the grid would have {n} nodes (at most {} allowed): use a larger spacing",
                implicit::MAX_NODES
            ),
        },
        implicit::ImplicitError::Surface(message) => GenerateError::Surface { shape, message },
    })
}

/// Writes `mesh` as Wavefront OBJ: `v x y z` lines with the coordinates multiplied by `scale`
/// (1000 writes millimetres from a mesh in metres) in shortest round-trip decimal form, then for
/// each non-empty group a `g NAME` line followed by its `f a b c` lines (1-based indices,
/// counter-clockwise seen from outside the fluid). Wrap `w` in a `BufWriter` for files.
pub fn write_obj(mesh: &SurfaceMesh, w: &mut impl Write, scale: f64) -> io::Result<()> {
    writeln!(
        w,
        "# hemoflow synthetic vessel: {} vertices, {} triangles, coordinates in metres x {scale}",
        mesh.vertices.len(),
        mesh.triangles.len()
    )?;
    for v in &mesh.vertices {
        writeln!(w, "v {} {} {}", v.x * scale, v.y * scale, v.z * scale)?;
    }
    for (g, group) in mesh.groups.iter().enumerate() {
        let mut tris = mesh.triangles.iter().zip(&mesh.labels).filter(|(_, &l)| l as usize == g).peekable();
        if tris.peek().is_none() {
            continue;
        }
        writeln!(w, "g {}", group.name)?;
        for ([a, b, c], _) in tris {
            writeln!(w, "f {} {} {}", a + 1, b + 1, c + 1)?;
        }
    }
    Ok(())
}
