#!/usr/bin/env python3
"""Check a hemoflow output file (and optionally an XDMF sidecar) against the documented layout.

usage: /usr/bin/python3 tools/check_output_h5.py FILE.h5 [FILE.xdmf ...]

Layout (docs: DESIGN.md "Output layout"):
  /           attrs software, version, units = "SI", case
  /grid       attrs origin (3 floats, m), spacing (> 0, m), dims (3 ints, x y z)
              cell_kind: uint8, shape (nz, ny, nx); every other dataset: same shape, finite
  /grid/caps  one group per cap, attrs cells, open_area, area, normal[3], centroid[3], index, cell_kind
  /fields     optional; one group per snapshot, named by 6 digits, attr time (finite, increasing with
              the index); pressure float32 (nz, ny, nx), velocity float32 (nz, ny, nx, 3), both finite,
              with units "Pa" and "m/s"
              and, with /wall, wss float32 (M, 3) and wall_pressure float32 (M,), finite, "Pa", and
              h_plus float32 (M,), finite, >= 0, "1"
  /wall       optional; vertices float64 (N, 3) finite, triangles uint32 (M, 3) < N, labels uint32
              (M,) < len(label_names), label_names strings
  /cycles     optional (needs /wall); one group per cycle, 6 digits (from 000001; a restarted run's
              file starts later), increasing, attrs start < end;
              tawss (M,) >= 0 "Pa", osi (M,) in [0, 0.5] "1", rrt (M,) > 0 or NaN "1/Pa" (float32);
              velocity and pressure shaped as in /fields; mean_flow_rate, mean_pressure,
              min_pressure, max_pressure (n_caps,) float64
  /summary    optional; cap_names (n_caps strings), time (n_times, finite, increasing, units "s"),
              flow_rate and mean_pressure (n_times, n_caps, finite, units "m^3/s" and "Pa");
              cap_types (n_caps strings: inlet, outlet, wall) and attrs proximal, distal (cap
              names) when present
  /stents     optional; one group per stent, 6 digits from 000000 without gaps, attrs kind ("lumen" or
              "flow-diverter"), diameter > 0 (m), porosity in [0, 1], wire_diameter >= 0 (m), all finite;
              centerline float64 (N, 3), N >= 2, finite, units "m", first point != last
  /regions    optional; one group per region (the name), attrs center (3 floats, m), radius > 0 (m) and
              optionally neck (3 floats, m) strictly inside the sphere and not at its centre
  /centerlines optional; attrs source (a cap name), spacing > 0 (m); one group per line, 6 digits
              from 000000 without gaps, attrs from, to; points float64 (N, 3), radius and abscissa
              float64 (N,), N >= 2, finite, units "m", radius > 0, abscissa from 0 and increasing
Every dataset of the file is read whole (h5py reads all of it).
XDMF: every Format="HDF" DataItem "file:/path" names an existing dataset of the declared
Dimensions, NumberType and Precision; a 3DCoRectMesh topology counts nodes (cells + 1 per axis,
z y x) and a Triangle topology the wall's triangles; cell attributes have the cell shape
(Vector: with a trailing 3). In a temporal collection the Time values increase and each equals
the time attribute of the snapshot (or the end of the cycle) its DataItems read.

Needs h5py (Debian: python3-h5py, which serves /usr/bin/python3; tools/setup installs it).
Exit 0 when everything matches, 1 with a message naming the file and object otherwise.
"""
import os
import sys
import xml.etree.ElementTree as ET

try:
    import numpy as np
    import h5py
except ImportError as e:  # pragma: no cover
    sys.exit(f"check_output_h5: cannot import h5py/numpy ({e}); run tools/setup (installs python3-h5py) "
             f"and use /usr/bin/python3")


class Bad(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Bad(msg)


def as_text(v):
    return v.decode() if isinstance(v, bytes) else v


def floats(attrs, name, n, where):
    need(name in attrs, f"{where}: attribute {name} missing")
    v = np.atleast_1d(np.asarray(attrs[name]))
    need(v.shape == (n,), f"{where}@{name}: shape {v.shape}, expected ({n},)")
    need(v.dtype.kind in "fiu", f"{where}@{name}: dtype {v.dtype} is not numeric")
    need(np.all(np.isfinite(v)), f"{where}@{name}: not finite: {v}")
    return v


def first_nonfinite(ds):
    """Index of the first non-finite value of a float dataset (None if all finite), read in slabs
    of whole chunks along the first axis so big snapshots need not fit in memory at once."""
    if ds.dtype.kind != "f" or ds.size == 0:
        return None
    if ds.ndim == 0:
        return () if not np.isfinite(ds[()]) else None
    step = ds.chunks[0] if ds.chunks else max(1, ds.shape[0])
    for k0 in range(0, ds.shape[0], step):
        bad = np.argwhere(~np.isfinite(ds[k0:k0 + step]))
        if len(bad):
            return (k0 + int(bad[0][0]),) + tuple(int(x) for x in bad[0][1:])
    return None


def units(obj, want, where):
    need("units" in obj.attrs, f"{where}: attribute units missing (expected {want!r})")
    got = as_text(obj.attrs["units"])
    need(got == want, f"{where}@units = {got!r}, expected {want!r}")


def check_fields(path, f, shape):
    """/fields: every snapshot group; returns {dataset path prefix: time} per snapshot."""
    fields = f["fields"]
    need(isinstance(fields, h5py.Group), f"{path}:/fields is not a group")
    times = {}
    last = None
    for name in sorted(fields.keys()):
        where = f"{path}:/fields/{name}"
        need(len(name) == 6 and name.isdigit(), f"{where}: snapshot names are 6 digits")
        snap = fields[name]
        need(isinstance(snap, h5py.Group), f"{where} is not a group")
        t = floats(snap.attrs, "time", 1, where)[0]
        need(np.asarray(snap.attrs["time"]).dtype == np.float64, f"{where}@time is not float64")
        if last is not None:
            need(t > last[1], f"{where}@time = {t!r} s does not exceed {last[1]!r} s of /fields/{last[0]}")
        last = (name, t)
        for ds_name, want_shape, want_units in (("pressure", shape, "Pa"), ("velocity", shape + (3,), "m/s")):
            dw = f"{where}/{ds_name}"
            need(ds_name in snap and isinstance(snap[ds_name], h5py.Dataset), f"{dw} missing")
            ds = snap[ds_name]
            need(ds.dtype == np.float32, f"{dw} dtype {ds.dtype}, expected float32")
            need(ds.shape == want_shape, f"{dw} shape {ds.shape}, expected {want_shape}")
            units(ds, want_units, dw)
            bad = first_nonfinite(ds)
            need(bad is None, f"{dw}: non-finite value at {'(k,j,i,c)' if ds.ndim == 4 else '(k,j,i)'} = {bad}")
        times[f"/fields/{name}"] = float(t)
    return times


def check_wall(path, f, shape, snapshots):
    """/wall, the wall fields of every snapshot and /cycles; returns a one-line description."""
    w = f["wall"]
    where = f"{path}:/wall"
    for name in ("vertices", "triangles", "labels", "label_names"):
        need(name in w and isinstance(w[name], h5py.Dataset), f"{where}/{name} missing")
    v, t, lab = w["vertices"], w["triangles"], w["labels"]
    need(v.dtype == np.float64 and v.ndim == 2 and v.shape[1] == 3, f"{where}/vertices: {v.shape} {v.dtype}")
    need(first_nonfinite(v) is None, f"{where}/vertices: non-finite values")
    need(t.dtype == np.uint32 and t.ndim == 2 and t.shape[1] == 3, f"{where}/triangles: {t.shape} {t.dtype}")
    m = t.shape[0]
    need(m > 0 and int(t[()].max()) < v.shape[0], f"{where}/triangles: empty, or an index >= {v.shape[0]} vertices")
    names = [as_text(n) for n in w["label_names"][()]]
    need(lab.dtype == np.uint32 and lab.shape == (m,), f"{where}/labels: {lab.shape} {lab.dtype}, expected ({m},)")
    need(int(lab[()].max()) < len(names), f"{where}/labels: a label >= {len(names)} label_names")
    for snap in snapshots:
        for name, want, unit in (("wss", (m, 3), "Pa"), ("wall_pressure", (m,), "Pa"), ("h_plus", (m,), "1")):
            dw = f"{path}:{snap}/{name}"
            need(name in f[snap], f"{dw} missing")
            ds = f[snap][name]
            need(ds.dtype == np.float32 and ds.shape == want, f"{dw}: {ds.shape} {ds.dtype}, expected {want} float32")
            units(ds, unit, dw)
            need(first_nonfinite(ds) is None, f"{dw}: non-finite values")
        need(float(f[snap]["h_plus"][()].min()) >= 0.0, f"{path}:{snap}/h_plus: negative values")
    cycles = 0
    if "cycles" in f:
        n_caps = len(f["summary"]["cap_names"]) if "summary" in f else None
        last_end, last_number = None, 0
        for name in sorted(f["cycles"].keys()):
            cw = f"{path}:/cycles/{name}"
            need(len(name) == 6 and name.isdigit() and int(name) > last_number,
                 f"{cw}: cycle names are 6 digits, increasing from 000001")
            last_number = int(name)
            c = f["cycles"][name]
            start = floats(c.attrs, "start", 1, cw)[0]
            end = floats(c.attrs, "end", 1, cw)[0]
            need(start < end, f"{cw}: start {start} s is not before end {end} s")
            need(last_end is None or end > last_end, f"{cw}: end {end} s does not follow the last cycle's")
            last_end = end
            for ds_name, want_units in (("tawss", "Pa"), ("osi", "1"), ("rrt", "1/Pa")):
                ds = c[ds_name]
                need(ds.dtype == np.float32 and ds.shape == (m,), f"{cw}/{ds_name}: {ds.shape} {ds.dtype}")
                units(ds, want_units, f"{cw}/{ds_name}")
            tawss, osi, rrt = c["tawss"][()], c["osi"][()], c["rrt"][()]
            need(np.all(np.isfinite(tawss)) and np.all(tawss >= 0), f"{cw}/tawss: negative or non-finite values")
            need(np.all((osi >= 0) & (osi <= 0.5)), f"{cw}/osi: values outside [0, 0.5]")
            need(np.all(np.isnan(rrt) | (rrt > 0)), f"{cw}/rrt: values neither > 0 nor NaN")
            for ds_name, want, want_units in (("pressure", shape, "Pa"), ("velocity", shape + (3,), "m/s")):
                ds = c[ds_name]
                need(ds.dtype == np.float32 and ds.shape == want, f"{cw}/{ds_name}: {ds.shape} {ds.dtype}")
                units(ds, want_units, f"{cw}/{ds_name}")
                need(first_nonfinite(ds) is None, f"{cw}/{ds_name}: non-finite values")
            for ds_name in ("mean_flow_rate", "mean_pressure", "min_pressure", "max_pressure"):
                ds = c[ds_name]
                need(ds.dtype == np.float64 and (n_caps is None or ds.shape == (n_caps,)),
                     f"{cw}/{ds_name}: {ds.shape} {ds.dtype}, expected ({n_caps},) float64")
            cycles += 1
    return f"{m} triangles, {v.shape[0]} vertices, groups {', '.join(names)}; cycles: {cycles}"


def read_everything(path, f):
    """Reads every dataset whole; returns how many."""
    found = []
    f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
    for name in found:
        try:
            f[name][()]
        except Exception as e:  # pragma: no cover
            raise Bad(f"{path}:/{name}: h5py cannot read it: {e}")
    return len(found)


def check_stents(path, f):
    """/stents: every stent group; returns a one-line description."""
    g = f["stents"]
    need(isinstance(g, h5py.Group), f"{path}:/stents is not a group")
    names = sorted(g.keys())
    need(names == [f"{n:06d}" for n in range(len(names))],
         f"{path}:/stents: groups {names!r} are not 000000, 000001, ... without gaps")
    kinds = []
    for name in names:
        where = f"{path}:/stents/{name}"
        s = g[name]
        need(isinstance(s, h5py.Group), f"{where} is not a group")
        need("kind" in s.attrs, f"{where}: attribute kind missing")
        kind = as_text(s.attrs["kind"])
        need(kind in ("lumen", "flow-diverter"), f"{where}@kind = {kind!r}, expected 'lumen' or 'flow-diverter'")
        diameter = floats(s.attrs, "diameter", 1, where)[0]
        need(diameter > 0, f"{where}@diameter = {diameter} m, must be > 0")
        porosity = floats(s.attrs, "porosity", 1, where)[0]
        need(0 <= porosity <= 1, f"{where}@porosity = {porosity}, must be in [0, 1]")
        wire = floats(s.attrs, "wire_diameter", 1, where)[0]
        need(wire >= 0, f"{where}@wire_diameter = {wire} m, must be >= 0")
        need("centerline" in s and isinstance(s["centerline"], h5py.Dataset), f"{where}/centerline missing")
        c = s["centerline"]
        need(c.dtype == np.float64 and c.ndim == 2 and c.shape[1] == 3 and c.shape[0] >= 2,
             f"{where}/centerline: {c.shape} {c.dtype}, expected (N >= 2, 3) float64")
        units(c, "m", f"{where}/centerline")
        line = c[()]
        need(np.all(np.isfinite(line)), f"{where}/centerline: non-finite values")
        need(np.any(line[0] != line[-1]), f"{where}/centerline: starts and ends at the same point")
        kinds.append(kind)
    return f"{len(names)} ({', '.join(kinds)})" if kinds else "0"


def check_regions(path, f):
    """/regions: every region group; returns a one-line description."""
    g = f["regions"]
    need(isinstance(g, h5py.Group), f"{path}:/regions is not a group")
    for name, r in g.items():
        where = f"{path}:/regions/{name}"
        need(isinstance(r, h5py.Group), f"{where} is not a group")
        center = floats(r.attrs, "center", 3, where)
        radius = floats(r.attrs, "radius", 1, where)[0]
        need(radius > 0, f"{where}@radius = {radius} m, must be > 0")
        if "neck" in r.attrs:
            d = float(np.linalg.norm(floats(r.attrs, "neck", 3, where) - center))
            need(0 < d < radius, f"{where}@neck lies {d} m from the centre: must be inside the sphere "
                 f"(radius {radius} m), not at its centre")
    return ", ".join(sorted(g.keys())) if len(g) else "(none)"


def check_centerlines(path, f):
    """/centerlines: every line; returns a one-line description."""
    g = f["centerlines"]
    where = f"{path}:/centerlines"
    need(isinstance(g, h5py.Group), f"{where} is not a group")
    need("source" in g.attrs, f"{where}: attribute source missing")
    need(floats(g.attrs, "spacing", 1, where)[0] > 0, f"{where}@spacing must be > 0")
    names = sorted(g.keys())
    need(names and names == [f"{n:06d}" for n in range(len(names))],
         f"{where}: groups {names!r} are not 000000, 000001, ... without gaps")
    lines = []
    for name in names:
        at = f"{where}/{name}"
        line = g[name]
        for a in ("from", "to"):
            need(a in line.attrs, f"{at}: attribute {a} missing")
        pts = line["points"]
        n = pts.shape[0]
        need(pts.dtype == np.float64 and pts.shape == (n, 3) and n >= 2, f"{at}/points: {pts.shape} {pts.dtype}")
        for ds in ("points", "radius", "abscissa"):
            units(line[ds], "m", f"{at}/{ds}")
            need(np.all(np.isfinite(line[ds][()])), f"{at}/{ds}: non-finite values")
        for ds in ("radius", "abscissa"):
            need(line[ds].shape == (n,), f"{at}/{ds}: shape {line[ds].shape}, expected ({n},)")
        need(np.all(line["radius"][()] > 0), f"{at}/radius: not all > 0")
        s = line["abscissa"][()]
        need(s[0] == 0 and np.all(np.diff(s) > 0), f"{at}/abscissa: does not start at 0 and increase")
        lines.append(f"{as_text(line.attrs['from'])} -> {as_text(line.attrs['to'])} ({n} points)")
    return ", ".join(lines)


def check_summary(path, f):
    s = f["summary"]
    where = f"{path}:/summary"
    need(isinstance(s, h5py.Group), f"{where} is not a group")
    for name in ("cap_names", "time", "flow_rate", "mean_pressure"):
        need(name in s and isinstance(s[name], h5py.Dataset), f"{where}/{name} missing")
    names = [as_text(n) for n in s["cap_names"][()]]
    need(s["cap_names"].ndim == 1, f"{where}/cap_names shape {s['cap_names'].shape}, expected (n_caps,)")
    need(all(isinstance(n, str) and n for n in names), f"{where}/cap_names: {names!r} are not all non-empty strings")
    need(len(set(names)) == len(names), f"{where}/cap_names: repeated names in {names!r}")
    t = s["time"]
    need(t.ndim == 1 and t.dtype == np.float64, f"{where}/time: shape {t.shape} dtype {t.dtype}, expected (n,) float64")
    units(t, "s", f"{where}/time")
    tv = t[()]
    need(np.all(np.isfinite(tv)), f"{where}/time: non-finite values")
    need(np.all(np.diff(tv) > 0), f"{where}/time: values do not increase")
    for name, want_units in (("flow_rate", "m^3/s"), ("mean_pressure", "Pa")):
        ds = s[name]
        dw = f"{where}/{name}"
        need(ds.shape == (len(tv), len(names)), f"{dw} shape {ds.shape}, expected (n_times, n_caps) = "
             f"{(len(tv), len(names))}")
        need(ds.dtype == np.float64, f"{dw} dtype {ds.dtype}, expected float64")
        units(ds, want_units, dw)
        bad = first_nonfinite(ds)
        need(bad is None, f"{dw}: non-finite value at (time, cap) = {bad}")
    if "cap_types" in s:
        types = [as_text(x) for x in s["cap_types"][()]]
        need(len(types) == len(names) and set(types) <= {"inlet", "outlet", "wall"},
             f"{where}/cap_types: {types!r}: one of inlet, outlet, wall per cap")
    for a in ("proximal", "distal"):
        if a in s.attrs:
            need(as_text(s.attrs[a]) in names, f"{where}@{a} = {as_text(s.attrs[a])!r} is not a cap")
    return f"{len(tv)} times x caps {', '.join(names) if names else '(none)'}"


def check_h5(path):
    with h5py.File(path, "r") as f:
        for a in ("software", "version", "units", "case"):
            need(a in f.attrs, f"{path}: root attribute {a} missing")
            need(isinstance(as_text(f.attrs[a]), str), f"{path}: root attribute {a} is not a string")
        need(as_text(f.attrs["software"]) == "hemoflow", f"{path}: software = {f.attrs['software']!r}")
        need(as_text(f.attrs["units"]) == "SI", f"{path}: units = {f.attrs['units']!r}, expected 'SI'")
        need("grid" in f and isinstance(f["grid"], h5py.Group), f"{path}: no /grid group")
        g = f["grid"]
        floats(g.attrs, "origin", 3, f"{path}:/grid")
        spacing = floats(g.attrs, "spacing", 1, f"{path}:/grid")[0]
        need(spacing > 0, f"{path}:/grid@spacing = {spacing}, must be > 0")
        dims = floats(g.attrs, "dims", 3, f"{path}:/grid")
        need(dims.dtype.kind in "iu", f"{path}:/grid@dims dtype {dims.dtype} is not an integer type")
        need(np.all(dims >= 1), f"{path}:/grid@dims = {dims}, every axis needs >= 1 cell")
        shape = tuple(int(d) for d in dims[::-1])
        need("cell_kind" in g, f"{path}: /grid/cell_kind missing")
        ck = g["cell_kind"]
        need(ck.dtype == np.uint8, f"{path}:/grid/cell_kind dtype {ck.dtype}, expected uint8")
        need(ck.shape == shape, f"{path}:/grid/cell_kind shape {ck.shape}, expected {shape} (dims reversed)")
        fields = []
        for name, obj in g.items():
            if isinstance(obj, h5py.Dataset):
                need(obj.shape == shape, f"{path}:/grid/{name} shape {obj.shape}, expected {shape}")
                bad = first_nonfinite(obj)
                need(bad is None, f"{path}:/grid/{name}: non-finite value at (k,j,i) = {bad}")
                fields.append(f"{name} {obj.dtype}")
        caps = []
        if "caps" in g:
            for name, cap in g["caps"].items():
                where = f"{path}:/grid/caps/{name}"
                need(isinstance(cap, h5py.Group), f"{where} is not a group")
                for a in ("cells", "open_area", "area", "index", "cell_kind"):
                    floats(cap.attrs, a, 1, where)
                floats(cap.attrs, "normal", 3, where)
                floats(cap.attrs, "centroid", 3, where)
                idx, kind = int(cap.attrs["index"]), int(cap.attrs["cell_kind"])
                need(kind == 2 + idx, f"{where}@cell_kind = {kind}, expected 2 + index = {2 + idx}")
                caps.append(name)
        snapshots = check_fields(path, f, shape) if "fields" in f else {}
        summary = check_summary(path, f) if "summary" in f else "(none)"
        wall = check_wall(path, f, shape, snapshots) if "wall" in f else "(none)"
        need("cycles" not in f or "wall" in f, f"{path}: /cycles without /wall")
        stents = check_stents(path, f) if "stents" in f else None
        regions = check_regions(path, f) if "regions" in f else None
        centerlines = check_centerlines(path, f) if "centerlines" in f else None
        datasets = read_everything(path, f)
        span = (f" ({min(snapshots.values()):g} .. {max(snapshots.values()):g} s)" if snapshots else "")
        print(f"{path}: ok: dims {[int(d) for d in dims]} spacing {spacing:g} m; fields: {', '.join(fields)}; "
              f"caps: {', '.join(caps) if caps else '(none)'}; snapshots: {len(snapshots)}{span}; "
              f"summary: {summary}; wall: {wall}"
              f"{'; stents: ' + stents if stents is not None else ''}"
              f"{'; regions: ' + regions if regions is not None else ''}"
              f"{'; centerlines: ' + centerlines if centerlines is not None else ''}; {datasets} datasets read")
        return [int(d) for d in dims]


def check_xdmf(xpath, cell_dims):
    try:
        root = ET.parse(xpath).getroot()
    except (ET.ParseError, OSError) as e:
        raise Bad(f"{xpath}: cannot parse: {e}")
    need(root.tag == "Xdmf", f"{xpath}: root element is <{root.tag}>, expected <Xdmf>")
    topo = root.findall(".//Topology")
    need(len(topo) >= 1, f"{xpath}: no <Topology>")
    triangles = None
    for t in topo:
        if t.get("TopologyType") == "Triangle":
            triangles = int(t.get("NumberOfElements", "-1"))
            continue
        need(t.get("TopologyType") == "3DCoRectMesh", f"{xpath}: TopologyType {t.get('TopologyType')!r}")
        nodes = [int(x) for x in t.get("Dimensions", "").split()]
        want = [d + 1 for d in cell_dims[::-1]]
        need(nodes == want, f"{xpath}: Topology Dimensions {nodes}, expected nodes (nz+1 ny+1 nx+1) = {want}")
    base = os.path.dirname(os.path.abspath(xpath))
    cells = (triangles,) if triangles is not None else tuple(cell_dims[::-1])
    for attr in root.iter("Attribute"):
        name = attr.get("Name")
        need(attr.get("Center") == "Cell", f"{xpath}: Attribute {name!r}: Center {attr.get('Center')!r}, expected Cell")
        atype = attr.get("AttributeType", "Scalar")
        want = {"Scalar": cells, "Vector": cells + (3,)}.get(atype)
        need(want is not None, f"{xpath}: Attribute {name!r}: AttributeType {atype!r} is not Scalar or Vector")
        for item in attr.iter("DataItem"):
            decl = tuple(int(x) for x in item.get("Dimensions", "").split())
            need(decl == want, f"{xpath}: Attribute {name!r} ({atype}): DataItem Dimensions {decl}, expected {want}")
    files = {}
    n = 0
    try:
        for item in root.iter("DataItem"):
            if item.get("Format", "XML") != "HDF":
                continue
            ref = (item.text or "").strip()
            need(":" in ref, f"{xpath}: DataItem {ref!r} is not 'file:/path'")
            fname, dpath = ref.rsplit(":", 1)
            h5 = fname if os.path.isabs(fname) else os.path.join(base, fname)
            need(os.path.isfile(h5), f"{xpath}: DataItem {ref!r}: file {h5} does not exist")
            decl = tuple(int(x) for x in item.get("Dimensions", "").split())
            if h5 not in files:
                files[h5] = h5py.File(h5, "r")
            f = files[h5]
            need(dpath in f and isinstance(f[dpath], h5py.Dataset),
                 f"{xpath}: DataItem {ref!r}: no dataset {dpath} in {h5}")
            ds = f[dpath]
            need(ds.shape == decl, f"{xpath}: DataItem {ref!r}: declared Dimensions {decl}, dataset has {ds.shape}")
            nt, prec = item.get("NumberType", "Float"), int(item.get("Precision", "4"))
            need(ds.dtype.itemsize == prec, f"{xpath}: DataItem {ref!r}: Precision {prec}, dataset dtype {ds.dtype}")
            kind = {"UChar": "u", "Char": "i", "Int": "i", "UInt": "u", "Float": "f"}.get(nt)
            need(kind == ds.dtype.kind, f"{xpath}: DataItem {ref!r}: NumberType {nt}, dataset dtype {ds.dtype}")
            n += 1
        need(n > 0, f"{xpath}: no HDF DataItems")
        steps = check_temporal(xpath, root, base, files)
    finally:
        for f in files.values():
            f.close()
    print(f"{xpath}: ok: {n} HDF DataItems resolve; topology nodes {[d + 1 for d in cell_dims[::-1]]} (z y x)"
          f"{f'; {steps} time steps' if steps else ''}")


def check_temporal(xpath, root, base, files):
    """Temporal collections: one Time per child grid, increasing, equal to the time attribute of
    the /fields/NNNNNN group that the grid's DataItems read. Returns the number of time steps."""
    steps = 0
    for coll in root.iter("Grid"):
        if coll.get("GridType") != "Collection" or coll.get("CollectionType") != "Temporal":
            continue
        prev = None
        children = coll.findall("Grid")
        need(children, f"{xpath}: temporal collection {coll.get('Name')!r} holds no grids")
        for g in children:
            gname = g.get("Name")
            tags = g.findall("Time")
            need(len(tags) == 1, f"{xpath}: grid {gname!r}: {len(tags)} <Time> elements, expected 1")
            try:
                t = float(tags[0].get("Value"))
            except (TypeError, ValueError):
                raise Bad(f"{xpath}: grid {gname!r}: Time Value {tags[0].get('Value')!r} is not a number")
            need(np.isfinite(t), f"{xpath}: grid {gname!r}: Time {t} is not finite")
            if prev is not None:
                need(t > prev[1], f"{xpath}: grid {gname!r}: Time {t!r} does not exceed {prev[1]!r} of {prev[0]!r}")
            prev = (gname, t)
            for item in g.iter("DataItem"):
                ref = (item.text or "").strip()
                dpath = ref.rsplit(":", 1)[-1]
                if item.get("Format", "XML") != "HDF" or not dpath.startswith(("/fields/", "/cycles/")):
                    continue
                fname = ref.rsplit(":", 1)[0]
                h5 = fname if os.path.isabs(fname) else os.path.join(base, fname)
                group = dpath.rsplit("/", 1)[0]
                got = float(files[h5][group].attrs["time" if dpath.startswith("/fields/") else "end"])
                need(got == t, f"{xpath}: grid {gname!r}: Time {t!r} but {group}@time = {got!r} in {h5}")
            steps += 1
    return steps


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        dims = check_h5(argv[1])
        for xdmf in argv[2:]:
            check_xdmf(xdmf, dims)
    except Bad as e:
        print(f"check_output_h5: FAIL: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"check_output_h5: FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
