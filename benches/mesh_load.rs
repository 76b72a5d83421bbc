//! Loading and checking a 1-million-triangle vessel surface, from OBJ and from binary STL: the
//! whole `mesh check` path (parse, weld, find and cap open loops, orient, edge checks, report).
//! Target on the project's 2-core machine: under 2 s each.

use std::io::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use hemoflow::mesh::generate::{pipe, write_obj, PipeSpec};
use hemoflow::mesh::{self, SurfaceMesh, Units};

/// A generated pipe of 2 * 1000 * 499 + 2 * 1000 = 1,000,000 triangles.
fn million_triangle_pipe() -> SurfaceMesh {
    let spec = PipeSpec { segments: 1000, rings: Some(499), length: 0.1, ..Default::default() };
    let m = pipe(&spec).expect("pipe");
    assert_eq!(m.triangles.len(), 1_000_000);
    m
}

fn write_binary_stl(m: &SurfaceMesh, path: &Path, scale: f64) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    w.write_all(&[b' '; 80]).unwrap();
    w.write_all(&(m.triangles.len() as u32).to_le_bytes()).unwrap();
    for t in 0..m.triangles.len() {
        let mut values: Vec<f64> = m.area_normal(t).normalize().iter().copied().collect();
        for corner in m.corners(t) {
            values.extend(corner.iter().map(|x| x * scale));
        }
        let mut rec: Vec<u8> = values.iter().flat_map(|&x| (x as f32).to_le_bytes()).collect();
        rec.extend_from_slice(&[0, 0]);
        w.write_all(&rec).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let m = million_triangle_pipe();
    let obj = dir.path().join("pipe_1M.obj");
    write_obj(&m, &mut std::io::BufWriter::new(std::fs::File::create(&obj).unwrap()), 1e3).unwrap();
    let stl = dir.path().join("pipe_1M.stl");
    write_binary_stl(&m, &stl, 1e3);
    let mut group = c.benchmark_group("mesh_load_check_1M_triangles");
    group.sample_size(10).measurement_time(std::time::Duration::from_secs(10));
    for (name, path) in [("obj", &obj), ("binary_stl", &stl)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let (m, load) = mesh::load(path, Units::Mm).unwrap();
                let report = mesh::check(&m, &load);
                assert!(report.watertight);
                report
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
