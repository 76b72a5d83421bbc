//! The generators' specs: plain structs with vessel-like defaults in metres, and their checks.

use super::{extension, perpendicular, GenerateError, Vec3};

/// A straight circular tube for [`super::pipe`].
#[derive(Clone, Debug, PartialEq)]
pub struct PipeSpec {
    /// Lumen radius, m. Default 2 mm.
    pub radius: f64,
    /// Length from inlet to outlet, m. Default 20 mm.
    pub length: f64,
    /// Flow direction, inlet to outlet; any non-zero vector (normalised inside). Default +z.
    pub axis: Vec3,
    /// Centre of the inlet cap, m. Default the origin.
    pub start: Vec3,
    /// Vertices around each ring (at least 3). Default 128.
    pub segments: usize,
    /// Ring spans along the tube (at least 1); `None` chooses the smallest even number that makes
    /// the ring spacing no larger than the circumferential edge `2 pi radius / segments`.
    pub rings: Option<usize>,
}

impl Default for PipeSpec {
    fn default() -> Self {
        PipeSpec { radius: 2e-3, length: 20e-3, axis: Vec3::z(), start: Vec3::zeros(), segments: 128, rings: None }
    }
}

/// A tube with a smooth stenosis for [`super::stenosis`].
///
/// At axial distance `s` from the inlet, with `c = length / 2`, `Ls = stenosis_length` and throat
/// radius `rt = radius * sqrt(1 - area_reduction / 100)`, the lumen radius is
/// `r(s) = radius - (radius - rt) * (1 + cos(2 pi (s - c) / Ls)) / 2` for `|s - c| < Ls / 2` and
/// `radius` elsewhere. The lumen centre is shifted by `eccentricity * (radius - r(s))` along
/// [`perpendicular`] of the axis, so with eccentricity near 1 that side of the wall stays
/// straight and the plaque grows from the opposite side. Every cross-section normal to the axis is
/// a circle of radius `r(s)`, so the volume is the integral of `pi r(s)^2`.
#[derive(Clone, Debug, PartialEq)]
pub struct StenosisSpec {
    /// Radius of the healthy lumen, m. Default 2 mm.
    pub radius: f64,
    /// Length from inlet to outlet, m. Default 40 mm (room for the jet downstream).
    pub length: f64,
    /// Flow direction, inlet to outlet; any non-zero vector. Default +z.
    pub axis: Vec3,
    /// Centre of the inlet cap, m. Default the origin.
    pub start: Vec3,
    /// Area reduction at the throat, percent, in (0, 100). Default 75 (50% diameter reduction).
    pub area_reduction: f64,
    /// Axial length of the narrowed segment, m, at most `length`. Default 8 mm (two diameters).
    pub stenosis_length: f64,
    /// Shift of the lumen towards one side, in [0, 1): 0 is axisymmetric. Default 0.
    pub eccentricity: f64,
    /// Vertices around each ring (at least 3). Default 128.
    pub segments: usize,
    /// Ring spans along the tube; `None` as for [`PipeSpec::rings`] (even, so a ring lies on the
    /// throat).
    pub rings: Option<usize>,
}

impl Default for StenosisSpec {
    fn default() -> Self {
        StenosisSpec {
            radius: 2e-3,
            length: 40e-3,
            axis: Vec3::z(),
            start: Vec3::zeros(),
            area_reduction: 75.0,
            stenosis_length: 8e-3,
            eccentricity: 0.0,
            segments: 128,
            rings: None,
        }
    }
}

impl StenosisSpec {
    /// Radius at the throat, `radius * sqrt(1 - area_reduction / 100)`, m.
    pub fn throat_radius(&self) -> f64 {
        self.radius * (1.0 - self.area_reduction / 100.0).sqrt()
    }

    /// Lumen radius at axial distance `s` (m) from the inlet, m (formula in the type's docs).
    pub fn lumen_radius(&self, s: f64) -> f64 {
        let x = s - self.length / 2.0;
        if x.abs() >= self.stenosis_length / 2.0 {
            return self.radius;
        }
        let bump = 0.5 * (1.0 + (2.0 * std::f64::consts::PI * x / self.stenosis_length).cos());
        self.radius - (self.radius - self.throat_radius()) * bump
    }

    /// Shift of the lumen centre from the axis at axial distance `s` (m), along
    /// [`perpendicular`] of the axis, m.
    pub fn lumen_offset(&self, s: f64) -> f64 {
        self.eccentricity * (self.radius - self.lumen_radius(s))
    }
}

/// A symmetric bifurcation for [`super::bifurcation`].
///
/// The parent runs from `start` along `axis` for `length` to the junction point `J`. Daughter
/// `i` leaves `J` at `angle / 2` from the axis, towards `+perpendicular(axis)` for daughter 1 and
/// `-perpendicular(axis)` for daughter 2; its outlet cap is centred `daughter_lengths[i]` from `J`.
/// Each daughter tapers linearly from the parent radius to its own over its first
/// `2 * radius`, then runs straight. The branches are joined by a smooth minimum of width `blend`.
#[derive(Clone, Debug, PartialEq)]
pub struct BifurcationSpec {
    /// Parent radius, m. Default 2 mm.
    pub radius: f64,
    /// Parent length, inlet cap to the junction point, m. Default 20 mm.
    pub length: f64,
    /// Parent flow direction; any non-zero vector. Default +z.
    pub axis: Vec3,
    /// Centre of the inlet cap, m. Default the origin.
    pub start: Vec3,
    /// Daughter radii, m, each in (0, radius]. Default 1.587 mm each (Murray's law,
    /// `r^3 = r1^3 + r2^3`).
    pub daughter_radii: [f64; 2],
    /// Daughter lengths, junction point to outlet cap centre, m. Default 20 mm each.
    pub daughter_lengths: [f64; 2],
    /// Total angle between the daughters, degrees, in (0, 180). Default 60.
    pub angle: f64,
    /// Width of the smooth minimum joining the branches, m, in [0, radius]. Default 0.5 mm.
    pub blend: f64,
    /// Marching-tetrahedra grid spacing, m; `None` is the smallest radius / 8.
    pub spacing: Option<f64>,
}

impl Default for BifurcationSpec {
    fn default() -> Self {
        let r = 2e-3;
        let rd = r * 0.5f64.cbrt();
        BifurcationSpec {
            radius: r,
            length: 20e-3,
            axis: Vec3::z(),
            start: Vec3::zeros(),
            daughter_radii: [rd, rd],
            daughter_lengths: [20e-3, 20e-3],
            angle: 60.0,
            blend: 0.5e-3,
            spacing: None,
        }
    }
}

impl BifurcationSpec {
    /// The junction point where the daughters leave the parent axis, m.
    pub fn junction(&self) -> Vec3 {
        self.start + self.axis.normalize() * self.length
    }

    /// For each daughter: (outlet cap centre in m, unit flow direction).
    pub fn outlets(&self) -> [(Vec3, Vec3); 2] {
        let a = self.axis.normalize();
        let u = perpendicular(a);
        let half = (self.angle / 2.0).to_radians();
        let j = self.junction();
        let dir = |sign: f64| a * half.cos() + u * (sign * half.sin());
        let (d1, d2) = (dir(1.0), dir(-1.0));
        [(j + d1 * self.daughter_lengths[0], d1), (j + d2 * self.daughter_lengths[1], d2)]
    }

    /// Length over which each daughter tapers from the parent radius to its own, m.
    pub fn taper_length(&self) -> f64 {
        2.0 * self.radius
    }

    /// Grid spacing used, m: `spacing`, or the smallest radius / 8.
    pub fn grid_spacing(&self) -> f64 {
        self.spacing.unwrap_or_else(|| self.radius.min(self.daughter_radii[0]).min(self.daughter_radii[1]) / 8.0)
    }
}

/// A straight tube with a sidewall saccular aneurysm for [`super::aneurysm`].
///
/// The sac is a sphere of `sac_radius` whose centre lies at mid-length, on the side
/// `+perpendicular(axis)`, at `radius + sqrt(sac_radius^2 - neck_radius^2)` from the axis: the
/// sphere cuts the plane tangent to the tube there in a circle of `neck_radius`, so the neck is
/// narrower than the sac. Tube and sphere are joined by a smooth minimum of width `blend`.
#[derive(Clone, Debug, PartialEq)]
pub struct AneurysmSpec {
    /// Parent tube radius, m. Default 2 mm.
    pub radius: f64,
    /// Parent tube length, m. Default 20 mm.
    pub length: f64,
    /// Flow direction; any non-zero vector. Default +z.
    pub axis: Vec3,
    /// Centre of the inlet cap, m. Default the origin.
    pub start: Vec3,
    /// Radius of the spherical sac, m. Default 3 mm.
    pub sac_radius: f64,
    /// Half-width of the neck, m, in (0, sac_radius). Default 2 mm.
    pub neck_radius: f64,
    /// Width of the smooth minimum joining sac and tube, m, in [0, radius]. Default 0.5 mm.
    pub blend: f64,
    /// Marching-tetrahedra grid spacing, m; `None` is min(radius, sac_radius) / 8.
    pub spacing: Option<f64>,
}

impl Default for AneurysmSpec {
    fn default() -> Self {
        AneurysmSpec {
            radius: 2e-3,
            length: 20e-3,
            axis: Vec3::z(),
            start: Vec3::zeros(),
            sac_radius: 3e-3,
            neck_radius: 2e-3,
            blend: 0.5e-3,
            spacing: None,
        }
    }
}

impl AneurysmSpec {
    /// Centre of the sac sphere, m.
    pub fn sac_centre(&self) -> Vec3 {
        let a = self.axis.normalize();
        let d = self.radius + (self.sac_radius.powi(2) - self.neck_radius.powi(2)).sqrt();
        self.start + a * (self.length / 2.0) + perpendicular(a) * d
    }

    /// Grid spacing used, m: `spacing`, or min(radius, sac_radius) / 8.
    pub fn grid_spacing(&self) -> f64 {
        self.spacing.unwrap_or_else(|| self.radius.min(self.sac_radius) / 8.0)
    }
}

/// Range checks for one generator, with errors naming the field.
struct Check(&'static str);

impl Check {
    fn require(
        &self,
        ok: bool,
        parameter: &'static str,
        value: impl ToString,
        requirement: &str,
    ) -> Result<(), GenerateError> {
        if ok {
            return Ok(());
        }
        Err(GenerateError::InvalidParameter {
            shape: self.0,
            parameter,
            value: value.to_string(),
            requirement: requirement.to_string(),
        })
    }

    fn positive(&self, parameter: &'static str, value: f64) -> Result<(), GenerateError> {
        self.require(value.is_finite() && value > 0.0, parameter, value, "must be a positive finite length in metres")
    }

    fn frame(&self, axis: Vec3, start: Vec3) -> Result<(), GenerateError> {
        let fmt = |v: Vec3| format!("({}, {}, {})", v.x, v.y, v.z);
        let ok = axis.iter().all(|c| c.is_finite()) && axis.norm() > 0.0;
        self.require(ok, "axis", fmt(axis), "must be a finite, non-zero direction")?;
        self.require(start.iter().all(|c| c.is_finite()), "start", fmt(start), "must be finite")
    }

    fn blend(&self, blend: f64, radius: f64) -> Result<(), GenerateError> {
        self.require(blend.is_finite() && (0.0..=radius).contains(&blend), "blend", blend, "must be in [0, radius] (m)")
    }

    fn spacing(&self, spacing: Option<f64>, smallest_radius: f64) -> Result<(), GenerateError> {
        let Some(h) = spacing else { return Ok(()) };
        let ok = h.is_finite() && h > 0.0 && h <= smallest_radius / 3.0;
        self.require(ok, "spacing", h, "must be positive and at most a third of the smallest radius (m)")
    }

    fn rings(&self, segments: usize, rings: Option<usize>) -> Result<(), GenerateError> {
        self.require(segments >= 3, "segments", segments, "must be at least 3")?;
        self.require(rings.is_none_or(|m| m >= 1), "rings", format!("{rings:?}"), "must be at least 1")
    }
}

impl PipeSpec {
    pub(super) fn validate(&self) -> Result<(), GenerateError> {
        let c = Check("pipe");
        c.positive("radius", self.radius)?;
        c.positive("length", self.length)?;
        c.frame(self.axis, self.start)?;
        c.rings(self.segments, self.rings)
    }
}

impl StenosisSpec {
    pub(super) fn validate(&self) -> Result<(), GenerateError> {
        let c = Check("stenosis");
        c.positive("radius", self.radius)?;
        c.positive("length", self.length)?;
        c.frame(self.axis, self.start)?;
        let p = self.area_reduction;
        c.require(p > 0.0 && p < 100.0, "area_reduction", p, "must be a percentage in (0, 100)")?;
        c.positive("stenosis_length", self.stenosis_length)?;
        c.require(
            self.stenosis_length <= self.length,
            "stenosis_length",
            self.stenosis_length,
            "must not exceed `length`",
        )?;
        let e = self.eccentricity;
        c.require((0.0..1.0).contains(&e), "eccentricity", e, "must be in [0, 1)")?;
        c.rings(self.segments, self.rings)
    }
}

impl BifurcationSpec {
    pub(super) fn validate(&self) -> Result<(), GenerateError> {
        let c = Check("bifurcation");
        c.positive("radius", self.radius)?;
        c.positive("length", self.length)?;
        c.frame(self.axis, self.start)?;
        for (i, name) in ["daughter_radii[0]", "daughter_radii[1]"].into_iter().enumerate() {
            let r = self.daughter_radii[i];
            c.positive(name, r)?;
            c.require(r <= self.radius, name, r, "must not exceed the parent `radius`")?;
        }
        let a = self.angle;
        c.require(a > 0.0 && a < 180.0, "angle", a, "must be in (0, 180) degrees")?;
        c.blend(self.blend, self.radius)?;
        let r_min = self.radius.min(self.daughter_radii[0]).min(self.daughter_radii[1]);
        c.spacing(self.spacing, r_min)?;
        let need = 3.0 * self.radius + self.blend;
        c.require(
            self.length >= need,
            "length",
            self.length,
            &format!("must be at least 3 radius + blend = {need} m"),
        )?;
        for (i, name) in ["daughter_lengths[0]", "daughter_lengths[1]"].into_iter().enumerate() {
            let l = self.daughter_lengths[i];
            let need = self.taper_length() + 3.0 * self.daughter_radii[i] + self.blend;
            c.require(l >= need, name, l, &format!("must be at least taper + 3 daughter radii + blend = {need} m"))?;
        }
        // Nothing but its own daughter may come near an outlet's cap, where the surface is clipped.
        let j = self.junction();
        let outlets = self.outlets();
        for (i, &(end, _)) in outlets.iter().enumerate() {
            let (other_end, _) = outlets[1 - i];
            let t = (end - j).dot(&(other_end - j)) / (other_end - j).norm_squared();
            let clearance = (end - (j + (other_end - j) * t.clamp(0.0, 1.0))).norm() - self.daughter_radii[1 - i];
            let ri = self.daughter_radii[i];
            let need = 2.0 * ri + extension(ri, self.grid_spacing()) + self.blend;
            let msg = format!(
                "leaves outlet_{} {clearance:.3e} m from the other daughter's wall, closer than {need:.3e} m: \
                 widen the angle or change the daughter lengths",
                i + 1
            );
            c.require(clearance >= need, "angle", a, &msg)?;
        }
        Ok(())
    }
}

impl AneurysmSpec {
    pub(super) fn validate(&self) -> Result<(), GenerateError> {
        let c = Check("aneurysm");
        c.positive("radius", self.radius)?;
        c.positive("length", self.length)?;
        c.frame(self.axis, self.start)?;
        c.positive("sac_radius", self.sac_radius)?;
        c.positive("neck_radius", self.neck_radius)?;
        let n = self.neck_radius;
        c.require(n < self.sac_radius, "neck_radius", n, "must be smaller than `sac_radius`")?;
        c.blend(self.blend, self.radius)?;
        c.spacing(self.spacing, self.radius.min(self.sac_radius))?;
        let need = 2.0 * (self.sac_radius + self.blend + 2.0 * self.radius);
        c.require(
            self.length >= need,
            "length",
            self.length,
            &format!("must be at least 2 (sac_radius + blend + 2 radius) = {need} m"),
        )
    }
}
