//! The WGSL grid module (shaders/shared/grid.wgsl, run through the test stage `grid_probe`)
//! against its Rust twins, `face_neighbour_in` over the kernels' face table and the general
//! `Bricks::neighbour`, on seeded random bricks and queries and on hand-checked cases. GPU tests
//! never skip: without an adapter they fail saying what to install.

mod common;

use common::{gpu, SplitMix64};
use hemoflow::gpu::probe::{grid_probe, GridProbeParams, GridProbeQuery};
use hemoflow::gpu::{Bindable, Dispatch, Gpu, GpuError};
use hemoflow::grid::index::{face_neighbour_in, Bricks, BRICK, BRICK_CELLS, NO_SLOT};
use hemoflow::grid::DIRECTIONS;

/// The CPU twins' answer to a face-step query, `NO_SLOT` for `None`: `face_neighbour_in` over the
/// face table, checked against the general `neighbour` over the 27-entry table.
fn cpu_probe(bricks: &Bricks, table: &[u32], q: &GridProbeQuery) -> u32 {
    let d = [q.dx, q.dy, q.dz];
    let f = DIRECTIONS.iter().position(|&f| f == d).expect("a face step");
    let face = face_neighbour_in(table, q.id, f);
    assert_eq!(face, bricks.neighbour(q.id, d), "cell {} face {f}: face table against the 27-entry one", q.id);
    face.unwrap_or(NO_SLOT)
}

fn query(id: u32, d: [i32; 3]) -> GridProbeQuery {
    GridProbeQuery { id, dx: d[0], dy: d[1], dz: d[2] }
}

/// GPU vs CPU on every query; panics listing the first mismatches (index, query, GPU, CPU).
fn compare(gpu: &Gpu, bricks: &Bricks, queries: &[GridProbeQuery]) -> Vec<u32> {
    let table = bricks.face_table();
    let got = grid_probe(gpu, &table, queries).unwrap_or_else(|e| panic!("grid_probe: {e}"));
    assert_eq!(got.len(), queries.len());
    let mismatches: Vec<String> = queries
        .iter()
        .zip(&got)
        .enumerate()
        .filter_map(|(i, (q, &g))| {
            let c = cpu_probe(bricks, &table, q);
            (g != c).then(|| format!("query {i}: {q:?} (cell {:?}): GPU {g} CPU {c}", bricks.cell_coords(q.id)))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} queries differ (NO_SLOT = {NO_SLOT}); first ones:\n{}",
        mismatches.len(),
        queries.len(),
        mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    got
}

#[test]
fn face_neighbour_is_the_neighbour_one_face_away() {
    // CPU: every face of every allocated cell, on random bricks, plain and periodic along x,
    // by the general neighbour (27-entry table), Bricks::face_neighbour and the face table.
    let mut rng = SplitMix64(0x6661_6365);
    let dims = [16, 12, 20];
    let brick_count = dims.iter().map(|d| (d / BRICK) as usize).product::<usize>();
    let used: Vec<bool> = (0..brick_count).map(|_| rng.below(100) < 50).collect();
    for periodic in [[false; 3], [true, false, false]] {
        let bricks = Bricks::with_periodic(dims, &used, periodic);
        let table = bricks.face_table();
        let (mut found, mut missing) = (0, 0);
        for id in 0..bricks.allocated_cells() as u32 {
            for (d, &dir) in DIRECTIONS.iter().enumerate() {
                let want = bricks.neighbour(id, dir);
                assert_eq!(bricks.face_neighbour(id, d), want, "cell {id} face {d} (periodic {periodic:?})");
                assert_eq!(face_neighbour_in(&table, id, d), want, "cell {id} face {d} (periodic {periodic:?})");
                if want.is_some() {
                    found += 1;
                } else {
                    missing += 1;
                }
            }
        }
        assert!(found > 1000 && missing > 1000, "found {found}, missing {missing}");
        // GPU: random face steps, found and missing.
        let cells = bricks.allocated_cells() as u32;
        let queries: Vec<GridProbeQuery> =
            (0..20_000).map(|_| query(rng.below(cells), DIRECTIONS[rng.below(6) as usize])).collect();
        let got = compare(&gpu(), &bricks, &queries);
        let missing = got.iter().filter(|&&r| r == NO_SLOT).count();
        println!("face_neighbour (periodic {periodic:?}): {} face steps, {missing} NO_SLOT", queries.len());
        assert!(
            missing > 1000 && queries.len() - missing > 1000,
            "found/missing split too lopsided: {missing} missing"
        );
    }
}

#[test]
fn gpu_neighbour_hand_checked_cases() {
    let gpu = gpu();
    // Three bricks in a row along x, the middle one not allocated: slot 0 = cells x 0..2,
    // slot 1 = cells x 4..6. Storage id = slot * 8 + lx + 2 * (ly + 2 * lz).
    assert_eq!(BRICK, 2, "the cases below are written for bricks of 2^3 cells");
    let gap = Bricks::new([6, 2, 2], &[true, false, true]);
    let cases = [
        (0, [0, 1, 0], 2),                     // (0,0,0) -> (0,1,0), same brick
        (6, [0, 0, -1], 2),                    // (0,1,1) -> (0,1,0), same brick
        (1, [1, 0, 0], NO_SLOT),               // (1,0,0) -> (2,0,0): brick 1 is not allocated
        (0, [-1, 0, 0], NO_SLOT),              // outside the bounding grid
        (BRICK_CELLS, [-1, 0, 0], NO_SLOT),    // (4,0,0) -> (3,0,0): the gap
        (BRICK_CELLS + 1, [-1, 0, 0], 8),      // (5,0,0) -> (4,0,0)
        (BRICK_CELLS + 1, [1, 0, 0], NO_SLOT), // (5,0,0) -> (6,0,0): outside
    ];
    check_cases(&gpu, &gap, &cases);

    // Two adjacent bricks along x: crossing the brick face, forwards and back.
    let pair = Bricks::new([4, 2, 2], &[true, true]);
    let cases = [
        (1, [1, 0, 0], 8),           // (1,0,0) -> (2,0,0) = slot 1, local 0
        (7, [1, 0, 0], 8 + 6),       // (1,1,1) -> (2,1,1)
        (8 + 6, [-1, 0, 0], 7),      // (2,1,1) -> (1,1,1)
        (8 + 1, [1, 0, 0], NO_SLOT), // (3,0,0) -> (4,0,0): outside
        (6, [0, 0, 1], NO_SLOT),     // (0,1,1) -> (0,1,2): outside along z
    ];
    check_cases(&gpu, &pair, &cases);
}

fn check_cases(gpu: &Gpu, bricks: &Bricks, cases: &[(u32, [i32; 3], u32)]) {
    let queries: Vec<GridProbeQuery> = cases.iter().map(|&(id, d, _)| query(id, d)).collect();
    let got = compare(gpu, bricks, &queries);
    for ((id, d, want), g) in cases.iter().zip(got) {
        assert_eq!(g, *want, "cell {id} {:?} + {d:?}: GPU {g}, expected {want}", bricks.cell_coords(*id));
    }
}

#[test]
fn oversized_buffer_is_refused_naming_it_and_both_sizes() {
    let gpu = gpu();
    let limits = gpu.limits();
    let mut cases = vec![(limits.max_buffer_size + 4, limits.max_buffer_size, "max_buffer_size")];
    if limits.max_storage_buffer_binding_size < limits.max_buffer_size {
        let binding = limits.max_storage_buffer_binding_size;
        cases.push((binding + 4, binding, "max_storage_buffer_binding_size"));
    }
    for (size, limit, limit_name) in cases {
        let size = size.next_multiple_of(4); // buffers are whole multiples of 4 bytes
                                             // Refused before anything is allocated.
        let err = gpu.storage_empty("pressure", size).unwrap_err();
        assert!(matches!(err, GpuError::BufferTooLarge { .. }), "{err:?}");
        let msg = err.to_string();
        for part in ["\"pressure\"", &size.to_string(), &limit.to_string(), limit_name] {
            assert!(msg.contains(part), "{msg} should contain {part}");
        }
    }
}

#[test]
fn bindings_go_by_name_and_a_wrong_one_is_an_error_naming_stage_and_binding() {
    let gpu = gpu();
    let mut rng = SplitMix64(11);
    let dims = [16, 12, 8];
    let brick_count = dims.iter().map(|d| (d / BRICK) as usize).product::<usize>();
    let bricks = Bricks::new(dims, &(0..brick_count).map(|_| rng.below(100) < 50).collect::<Vec<_>>());
    let cells = bricks.allocated_cells() as u32;
    let queries: Vec<GridProbeQuery> =
        (0..200).map(|_| query(rng.below(cells), DIRECTIONS[rng.below(6) as usize])).collect();
    let n = queries.len() as u32;
    let params = gpu.uniform("params", &GridProbeParams::new(n)).unwrap();
    let face_table = bricks.face_table();
    let table = gpu.storage("neighbours", &face_table).unwrap();
    let query_buf = gpu.storage("queries", &queries).unwrap();
    let results = gpu.storage_empty("results", u64::from(n) * 4).unwrap();
    // The list in the opposite order of the WGSL's binding numbers gives the same answers.
    let reversed: [(&str, &dyn Bindable); 4] =
        [("results", &results), ("queries", &query_buf), ("neighbours", &table), ("params", &params)];
    Dispatch::new(&gpu, "test/grid_probe", &reversed, n).unwrap().run(&gpu).unwrap();
    let got: Vec<u32> = gpu.read(&results).unwrap();
    let expected = grid_probe(&gpu, &face_table, &queries).unwrap();
    assert_eq!(&got[..], &expected[..], "binding by name depends on the list's order");

    let fails = |buffers: &[(&str, &dyn Bindable)], binding: &str, words: &[&str]| {
        let err = Dispatch::new(&gpu, "test/grid_probe", buffers, n).err().expect("a wrong binding must fail");
        let msg = err.to_string();
        println!("{msg}");
        assert!(matches!(err, GpuError::Binding { .. }), "{err:?}");
        assert!(msg.contains("test/grid_probe") && msg.contains(&format!("\"{binding}\"")), "{msg}");
        for w in words {
            assert!(msg.contains(w), "{msg} lacks {w:?}");
        }
    };
    let [p, t, q, r]: [(&str, &dyn Bindable); 4] =
        [("params", &params), ("neighbours", &table), ("queries", &query_buf), ("results", &results)];
    fails(&[p, t, q], "results", &["binding 3", "not given"]);
    fails(&[p, t, q, r, ("result", &results)], "result", &["not a binding", "params, neighbours, queries, results"]);
    fails(&[p, t, q, r, ("queries", &query_buf)], "queries", &["twice"]);
    fails(&[("params", &table), t, q, r], "params", &["uniform"]);
    fails(&[p, ("neighbours", &params), q, r], "neighbours", &["storage"]);
    // 12 bytes a query: not a whole number of the WGSL struct's 16.
    let short = gpu.storage_empty("short queries", 16 * 200 - 12).unwrap();
    fails(&[p, t, ("queries", &short), r], "queries", &["16-byte elements"]);
    let msg = Dispatch::new(&gpu, "test/no_such_stage", &[p], 1).err().expect("unknown stage must fail").to_string();
    assert!(msg.contains("test/no_such_stage"), "{msg}");
}

#[test]
fn a_solvers_grid_stores_its_fluid_cells_alone_in_storage_order() {
    // The finest grid of a solver stores its fluid cells alone (the kernels' `stored`, in
    // shared/cells, computes the same index from the parameters' brick counts and the cell
    // word; every GPU-against-CPU kernel test on a real vessel reads and writes through it):
    // on a real vessel the fluid cells' stored indices are 0, 1, 2, ... in storage order, the
    // full bricks first, each at its storage id.
    let m = hemoflow::mesh::generate::bifurcation(&Default::default()).unwrap();
    let g = hemoflow::grid::voxelize(&m, 0.4e-3).unwrap();
    let layout = hemoflow::solver::CellLayout::new(&g).unwrap();
    let fluid: Vec<u32> = (0..layout.cells.len() as u32).filter(|&id| layout.is_fluid(id)).collect();
    let stored: Vec<Option<usize>> = fluid.iter().map(|&id| layout.stored(id)).collect();
    assert!(stored.iter().enumerate().all(|(k, &i)| i == Some(k)), "the stored indices are not 0, 1, 2, ...");
    let solid = (0..layout.cells.len() as u32).filter(|&id| !layout.is_fluid(id));
    assert!(solid.clone().count() > 0 && solid.clone().all(|id| layout.stored(id).is_none()));
    assert_eq!(layout.stored_cells(), fluid.len().div_ceil(64) * 64);
    let whole = layout.bricks_with[7] as usize * 8;
    assert!(whole > 0 && (0..whole as u32).all(|id| layout.stored(id) == Some(id as usize)));
    println!(
        "{} fluid of {} allocated cells: stored at 0..{}, the {} cells of full bricks at their storage ids",
        fluid.len(),
        layout.cells.len(),
        fluid.len(),
        whole
    );
}
