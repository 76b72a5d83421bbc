#!/usr/bin/env python3
"""Check a hemoflow grid file (and optionally its XDMF sidecar) against the documented layout.

usage: /usr/bin/python3 tools/check_grid_h5.py GRID.h5 [GRID.xdmf]

Layout (docs: DESIGN.md "Output layout"):
  /           attrs software, version, units = "SI", case
  /grid       attrs origin (3 floats, m), spacing (> 0, m), dims (3 ints, x y z)
              cell_kind: uint8, shape (nz, ny, nx); every other dataset: same shape, finite
  /grid/caps  one group per cap, attrs cells, open_area, area, normal[3], centroid[3], index, cell_kind
XDMF: every Format="HDF" DataItem "file:/path" names an existing dataset of the declared
Dimensions, and the 3DCoRectMesh topology counts nodes (cells + 1 per axis, z y x).

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
    sys.exit(f"check_grid_h5: cannot import h5py/numpy ({e}); run tools/setup (installs python3-h5py) "
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
                data = obj[()]
                if data.dtype.kind == "f":
                    bad = np.argwhere(~np.isfinite(data))
                    need(len(bad) == 0, f"{path}:/grid/{name}: {len(bad)} non-finite values, first at "
                         f"(k,j,i) = {tuple(bad[0]) if len(bad) else None}")
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
        print(f"{path}: ok: dims {[int(d) for d in dims]} spacing {spacing:g} m; fields: {', '.join(fields)}; "
              f"caps: {', '.join(caps) if caps else '(none)'}")
        return [int(d) for d in dims]


def check_xdmf(xpath, cell_dims):
    try:
        root = ET.parse(xpath).getroot()
    except (ET.ParseError, OSError) as e:
        raise Bad(f"{xpath}: cannot parse: {e}")
    need(root.tag == "Xdmf", f"{xpath}: root element is <{root.tag}>, expected <Xdmf>")
    topo = root.findall(".//Topology")
    need(len(topo) >= 1, f"{xpath}: no <Topology>")
    for t in topo:
        need(t.get("TopologyType") == "3DCoRectMesh", f"{xpath}: TopologyType {t.get('TopologyType')!r}")
        nodes = [int(x) for x in t.get("Dimensions", "").split()]
        want = [d + 1 for d in cell_dims[::-1]]
        need(nodes == want, f"{xpath}: Topology Dimensions {nodes}, expected nodes (nz+1 ny+1 nx+1) = {want}")
    base = os.path.dirname(os.path.abspath(xpath))
    n = 0
    for item in root.iter("DataItem"):
        if item.get("Format", "XML") != "HDF":
            continue
        ref = (item.text or "").strip()
        need(":" in ref, f"{xpath}: DataItem {ref!r} is not 'file:/path'")
        fname, dpath = ref.rsplit(":", 1)
        h5 = fname if os.path.isabs(fname) else os.path.join(base, fname)
        need(os.path.isfile(h5), f"{xpath}: DataItem {ref!r}: file {h5} does not exist")
        decl = tuple(int(x) for x in item.get("Dimensions", "").split())
        with h5py.File(h5, "r") as f:
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
    print(f"{xpath}: ok: {n} HDF DataItems resolve; topology nodes {[d + 1 for d in cell_dims[::-1]]} (z y x)")


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        dims = check_h5(argv[1])
        if len(argv) == 3:
            check_xdmf(argv[2], dims)
    except Bad as e:
        print(f"check_grid_h5: FAIL: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"check_grid_h5: FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
