//! Two runs of one vessel compared, before (PRE) and after (POST) virtual stenting: what
//! `hemoflow compare` prints. SI units throughout (m, m^2, m^3/s, Pa); the text form converts to
//! mm, cm^2, mL/s and mmHg and says so. Each file's values come from its own grid and wall (a
//! stent changes the lumen, so the grids may differ in dims and origin, never in spacing).
//!
//! - Caps, matched by name: flow rate and mean pressure over each file's last cycle, else its
//!   last time step (as [`OutputSummary`] reads them).
//! - Each stent of POST's `/stents`: the mean pressure over a cross-section at its first and last
//!   centreline points (the fluid cells within h/2 of the plane normal to the centreline there and
//!   within 1.5 stent radii of the point: [`sample::plane_mean`]), their difference (the drop
//!   along the stent) and ratio Pd/Pa (distal over proximal). From each file's last cycle's mean
//!   pressure (`/cycles/K/pressure`) when it has cycles, else its last snapshot's.
//! - Wall shear: area-weighted statistics ([`super::summary::weighted_stats`]) of |WSS| at the
//!   last snapshot and, when both files have cycles, of the last cycle's TAWSS, over the stented
//!   wall (triangles whose centroid lies within 1.5 stent radii of a stent's centreline with its
//!   foot between the ends: [`sample::near_polyline`]) and over the rest.
//! - Each region of POST's `/regions` (else PRE's): the inflow through its boundary
//!   ([`sample::flux`]); for a file with cycles the time average over the snapshots of the last
//!   cycle (trapezoid rule), else the last snapshot. The net flux is reported as a check.
//!
//! The files, in order (each uses only those before it): `types.rs` (what is reported:
//! [`Comparison`], a [`Change`] per value, and the other parts), `measure.rs` (the measurements
//! on one file or a pair: the stents' cross-sections, the stented wall, the regions' inflow),
//! `comparison.rs` ([`Comparison::read`]: the two files checked against each other and
//! measured), `text.rs` (the text form), `images.rs` ([`ComparePictures`]: the side-by-side
//! pictures and the interactive view, planned), `write.rs` (them drawn and written, with
//! `compare.json` and the page `index.html`).
//!
//! [`OutputSummary`]: super::OutputSummary
//! [`sample::plane_mean`]: super::sample::plane_mean
//! [`sample::near_polyline`]: super::sample::near_polyline
//! [`sample::flux`]: super::sample::flux

mod comparison;
mod images;
mod measure;
mod text;
mod types;
mod write;

pub use images::ComparePictures;
pub use types::{
    CapChange, Change, Comparison, RatioChange, RegionChange, RegionFlow, Side, StatsChange, StentChange, WallPart,
    SPACING_TOLERANCE, STENT_REACH,
};
