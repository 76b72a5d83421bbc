//! The numbers of a run's output file, read once: what `hemoflow info` prints (text or JSON) and
//! what `hemoflow report` puts in its table. SI units throughout (m, m^2, m^3/s, Pa, 1/Pa, s);
//! the text form converts to mm, cm^2, mL/s and mmHg for reading and says so.
//!
//! Per cap: the last finished cardiac cycle's means (`/cycles/K/mean_flow_rate`, ...) when the
//! file has cycles, else the last row of `/summary`. Wall statistics are **area-weighted** with
//! the wall triangles' areas: the mean is sum(a v) / sum(a); percentile p is the smallest value v
//! such that the triangles with values <= v cover at least p % of the (finite-valued) wall area;
//! min and max are the plain extremes. Non-finite values are left out and counted.
//!
//! The files, in order (each uses only those before it): `stats.rs` (area-weighted statistics
//! of a wall field: [`Stats`], [`weighted_stats`]), `resolution.rs` (the grid's spacing in wall
//! units, h+, from the wall shear stress: [`h_plus`], [`wall_resolution`]), `numbers.rs`
//! ([`OutputSummary`] and its
//! parts, read from a file), `text.rs` (the text form, and [`num`], the number format the
//! comparison's text and the report's page share).

mod numbers;
mod resolution;
mod stats;
mod text;

pub use numbers::{
    CapSummary, CapsOver, CycleWall, Cycles, GridSummary, OutputSummary, PressureDrop, PressureRatio, SnapshotStats,
    Snapshots, ThresholdArea, WallSummary, HIGH_OSI, LOW_TAWSS, MMHG,
};
pub use resolution::{h_plus, wall_resolution, WallResolution, H_PLUS_LIMIT};
pub use stats::{triangle_areas, weighted_stats, Stats, PERCENTILES};
pub(crate) use text::mmhg;
pub use text::num;
