//! Voxelizing the bundled aorta (meshes/aorta_open_ends.stl) at 0.2 mm: bounding-grid cells
//! classified per second, with all the sub-cell wall geometry, caps and components. Target on
//! the project's 2-core machine: 20 million cells/s.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hemoflow::grid;
use hemoflow::mesh::{self, Units};

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/aorta_open_ends.stl");
    let (m, _) = mesh::load(&path, Units::Mm).expect("bundled aorta");
    let h = 0.2e-3;
    let cells = grid::voxelize(&m, h).expect("voxelize").stats.cells;
    let mut group = c.benchmark_group("voxelize_aorta_0.2mm");
    group.sample_size(10).throughput(Throughput::Elements(cells));
    group.bench_function("bounding_grid_cells", |b| b.iter(|| grid::voxelize(&m, h).expect("voxelize")));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
