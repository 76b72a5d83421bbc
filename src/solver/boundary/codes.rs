//! What the kernels and the host share about a cell's boundary condition: the type codes and
//! the record's layout, defined once. `build.rs` includes this file and writes [`WGSL`] as the
//! constants of the shaders' `shared/boundary` import, so the WGSL cannot drift from it.

/// Boundary type: none (a wall cell's record, or a cell off the caps).
pub const NONE: u32 = 0;
/// Boundary type: velocity inlet.
pub const INLET: u32 = 1;
/// Boundary type: pressure outlet.
pub const OUTLET: u32 = 2;
/// Boundary type: moving wall.
pub const MOVING: u32 = 3;

/// f32 in a record's boundary part.
pub const STRIDE: usize = 11;
/// Offset of the type (one of the codes above, stored as an f32 of that value).
pub const TYPE: usize = 0;
/// Offset of the cap's open area through the cell over h^2.
pub const OPEN: usize = 1;
/// Offset of the cap's unit normal (out of the fluid), 3 values.
pub const NORMAL: usize = 2;
/// Offset of the imposed velocity (inlet, moving wall), m/s, 3 values.
pub const VELOCITY: usize = 5;
/// Offset of the outlet's coefficient in the pressure equation: open area over the distance
/// to the cap plane (over h).
pub const COEFFICIENT: usize = 8;
/// Offset of the outlet's imposed kinematic pressure, m^2/s^2.
pub const PRESSURE: usize = 9;
/// Offset of the cap's sides: bit d (DIRECTIONS order) set where the link from the cell centre
/// along direction d leaves the fluid through the cap, not the wall (an f32 of the mask).
pub const CAP_SIDES: usize = 10;

/// Every constant above under its WGSL name, with the comment `build.rs` writes above it.
pub const WGSL: &[(&str, u32, &str)] = &[
    ("BC_NONE", NONE, "Boundary types (bc_type)."),
    ("BC_INLET", INLET, ""),
    ("BC_OUTLET", OUTLET, ""),
    ("BC_MOVING", MOVING, ""),
    ("GEOM_BC_STRIDE", STRIDE as u32, "f32 in a record's boundary part."),
    ("GEOM_BC_TYPE", TYPE as u32, "Offsets in the boundary part: type (an f32 of the code),"),
    ("GEOM_BC_OPEN", OPEN as u32, "open area over h^2,"),
    ("GEOM_BC_NORMAL", NORMAL as u32, "unit normal out of the fluid (3),"),
    ("GEOM_BC_VELOCITY", VELOCITY as u32, "imposed velocity, m/s (3),"),
    ("GEOM_BC_COEFFICIENT", COEFFICIENT as u32, "outlet coefficient,"),
    ("GEOM_BC_PRESSURE", PRESSURE as u32, "outlet kinematic pressure, m^2/s^2,"),
    ("GEOM_BC_CAP_SIDES", CAP_SIDES as u32, "the sides whose link leaves through the cap (bit d)."),
];
