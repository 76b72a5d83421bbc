"""Opens hemoflow XDMF files with ParaView and checks what it reads against h5py.

usage: pvpython tools/check_paraview.py FILE.xdmf [FILE.wall.xdmf ...]

Each file is one of the five XDMF files hemoflow writes: a run's volume series (OUT.xdmf, the
snapshots' cell_kind, pressure and velocity), the grid alone (`voxelize`: cell_kind,
volume_fraction), a run's wall series over the snapshots (OUT.wall.xdmf: wss, wall_pressure, h_plus)
and over the cycles (OUT.cycles.xdmf: tawss, osi, rrt), and centrelines (`centerline`:
polylines with radius and abscissa). For each:

- ParaView's XDMF reader loads every time step; the data has cells (or points) and the arrays
  that kind declares, with finite ranges;
- one probe, compared with h5py's value in the HDF5 file the XDMF names: ParaView's
  ProbeLocation at the centre of the middle fluid cell (volume, grid) or at the centroid of the
  middle wall triangle (wall, cycles), at the last time step, gives that cell's or triangle's
  values at the last snapshot or cycle; the
  middle point of the first centreline has its position, radius and abscissa. Equal to 1e-6 of
  the largest magnitude in the compared values (both read the same stored numbers).

Exit 0 when all files pass, 1 with a message naming the file otherwise. Runs under pvpython
(Debian: apt install paraview; tools/setup installs it) with h5py and numpy importable.
"""
import math
import os
import sys
import xml.etree.ElementTree as ET

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from paraview.simple import ProbeLocation, UpdatePipeline, XDMFReader  # noqa: E402 (pvpython only)


def fail(path, message):
    raise SystemExit(f"check_paraview: {path}: {message}")


def blocks(data):
    """The leaf datasets of a (possibly composite) dataset."""
    if data.IsA("vtkCompositeDataSet"):
        it = data.NewIterator()
        it.InitTraversal()
        while not it.IsDoneWithTraversal():
            yield it.GetCurrentDataObject()
            it.GoToNextItem()
    else:
        yield data


def kind_of(path):
    """volume, grid, wall or centerlines, and the HDF5 file the XDMF names."""
    root = ET.parse(path).getroot()
    item = root.find(".//DataItem[@Format='HDF']")
    h5 = os.path.join(os.path.dirname(path), item.text.strip().split(":")[0])
    topology = root.find(".//Topology").get("TopologyType")
    if topology == "Polyline":
        return "centerlines", h5
    if path.endswith(".wall.xdmf"):
        return "wall", h5
    if path.endswith(".cycles.xdmf"):
        return "cycles", h5
    with h5py.File(h5, "r") as f:
        return ("volume" if "fields" in f else "grid"), h5


WANT = {
    "volume": {"cell_kind", "pressure", "velocity"},
    "grid": {"cell_kind", "volume_fraction"},
    "wall": {"wss", "wall_pressure", "h_plus"},
    "cycles": {"tawss", "osi", "rrt"},
    "centerlines": {"radius", "abscissa"},
}


def read_all(path, kind):
    """Loads every time step; checks sizes, arrays and ranges. Returns the reader, the times."""
    reader = XDMFReader(FileNames=[path])
    reader.UpdatePipelineInformation()
    times = list(reader.TimestepValues) or [0.0]
    arrays = set()
    count = 0
    for t in times:
        UpdatePipeline(time=t, proxy=reader)
        data = reader.GetClientSideObject().GetOutputDataObject(0)
        for block in blocks(data):
            count = max(count, block.GetNumberOfPoints() if kind == "centerlines" else block.GetNumberOfCells())
            for attributes in (block.GetCellData(), block.GetPointData()):
                for i in range(attributes.GetNumberOfArrays()):
                    a = attributes.GetArray(i)
                    lo, hi = a.GetRange(-1)
                    if a.GetName() != "rrt" and not (math.isfinite(lo) and math.isfinite(hi)):
                        fail(path, f"array {a.GetName()} at t = {t} has range {lo}..{hi}")
                    arrays.add(a.GetName())
    if count == 0 or not WANT[kind] <= arrays:
        fail(path, f"{count} cells or points, arrays {sorted(arrays)}; expected {sorted(WANT[kind])}")
    return reader, times, arrays


def probe(reader, point, time):
    """ParaView's values at `point` (m) at `time`: {array name: tuple}."""
    p = ProbeLocation(Input=reader, ProbeType="Fixed Radius Point Source")
    p.ProbeType.Center = list(point)
    p.ProbeType.NumberOfPoints = 1
    p.ProbeType.Radius = 0.0
    # A point on a surface lies within the default tolerance (from the data's size) of the
    # triangles around it too: 1 nm finds the one it is on.
    p.ComputeTolerance = 0
    p.Tolerance = 1e-9
    UpdatePipeline(time=time, proxy=p)
    # The output as updated at `time` (servermanager.Fetch would update again at another time).
    out = p.GetClientSideObject().GetOutputDataObject(0)
    found = {}
    for block in blocks(out):
        pd = block.GetPointData()
        mask = pd.GetArray("vtkValidPointMask")
        if block.GetNumberOfPoints() == 0 or (mask is not None and mask.GetTuple1(0) == 0):
            continue
        for i in range(pd.GetNumberOfArrays()):
            a = pd.GetArray(i)
            found[a.GetName()] = a.GetTuple(0)
    return found


def same(path, what, paraview, h5):
    """ParaView's tuple and h5py's values agree to 1e-6 of their largest magnitude."""
    a = np.asarray(paraview, dtype=float).ravel()
    b = np.asarray(h5, dtype=float).ravel()
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1e-30)
    if a.shape != b.shape or np.abs(a - b).max(initial=0.0) > 1e-6 * scale:
        fail(path, f"{what}: ParaView reads {a.tolist()}, h5py {b.tolist()}")
    return f"{what} {b.tolist() if b.size > 1 else b[0]:}"


def check_volume(path, h5, reader, times, kind):
    with h5py.File(h5, "r") as f:
        g = f["grid"]
        origin, spacing = np.asarray(g.attrs["origin"], float), float(np.asarray(g.attrs["spacing"]).ravel()[0])
        kinds = g["cell_kind"][()]
        fluid = np.argwhere(kinds != 0)
        k, j, i = fluid[len(fluid) // 2]
        centre = origin + (np.array([i, j, k]) + 0.5) * spacing
        expect = {"cell_kind": [kinds[k, j, i]]}
        if kind == "volume":
            last = sorted(f["fields"].keys())[-1]
            expect["pressure"] = [f["fields"][last]["pressure"][k, j, i]]
            expect["velocity"] = f["fields"][last]["velocity"][k, j, i, :]
        else:
            expect["volume_fraction"] = [g["volume_fraction"][k, j, i]]
    found = probe(reader, centre, times[-1])
    said = [same(path, name, found.get(name, ()), value) for name, value in expect.items()]
    return f"probe at cell ({i}, {j}, {k}): " + ", ".join(said)


def check_wall(path, h5, reader, times, kind):
    with h5py.File(h5, "r") as f:
        vertices = f["wall"]["vertices"][()]
        triangles = f["wall"]["triangles"][()]
        t = len(triangles) // 2
        centroid = vertices[triangles[t]].mean(axis=0)
        if kind == "wall":
            g = f["fields"][sorted(f["fields"].keys())[-1]]
            expect = {name: [g[name][t]] for name in ("wall_pressure", "h_plus")}
            expect["wss"] = g["wss"][t, :]
        else:
            g = f["cycles"][sorted(f["cycles"].keys())[-1]]
            expect = {name: [g[name][t]] for name in ("tawss", "osi", "rrt")}
    found = probe(reader, centroid, max(times))
    said = [same(path, name, found.get(name, ()), value) for name, value in expect.items()]
    return f"probe at triangle {t}: " + ", ".join(said)


def check_centerlines(path, h5, reader):
    UpdatePipeline(proxy=reader)
    data = reader.GetClientSideObject().GetOutputDataObject(0)
    first = next(b for b in blocks(data) if b is not None and b.GetNumberOfPoints() > 0)
    with h5py.File(h5, "r") as f:
        g = f["centerlines"]["000000"]
        n = g["points"].shape[0]
        i = n // 2
        if first.GetNumberOfPoints() != n:
            fail(path, f"the first line has {first.GetNumberOfPoints()} points in ParaView, {n} in the file")
        said = [same(path, "point", first.GetPoint(i), g["points"][i, :])]
        for name in ("radius", "abscissa"):
            said.append(same(path, name, first.GetPointData().GetArray(name).GetTuple(i), [g[name][i]]))
    return f"point {i} of the first line: " + ", ".join(said)


def check(path):
    kind, h5 = kind_of(path)
    reader, times, arrays = read_all(path, kind)
    if kind in ("volume", "grid"):
        probed = check_volume(path, h5, reader, times, kind)
    elif kind in ("wall", "cycles"):
        probed = check_wall(path, h5, reader, times, kind)
    else:
        probed = check_centerlines(path, h5, reader)
    print(f"{path} ({kind}): ParaView reads {len(times)} time step(s), arrays {', '.join(sorted(arrays))}; {probed}")


for p in sys.argv[1:]:
    check(p)
