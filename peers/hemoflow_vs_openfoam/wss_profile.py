#!/usr/bin/env python3
"""Diagnostic: wall shear stress |tau| (area-weighted mean per 1 mm bin) along the vessel, hemoflow
against OpenFOAM's per-face values (../openfoam/runs/<case>/<time>/wallShearStress), so a
difference in the WSS statistics can be placed.

Usage: wss_profile.py stenosis|bifurcation HF.h5 [HF.h5 ...] -- FOAMCASE [FOAMCASE ...]

Each face/triangle goes to the nearest centreline segment: the stenosis axis (inlet cap to outlet
cap); for the bifurcation the parent (inlet cap to the junction J, 10 mm along the inlet normal) and
the two daughters (J to each outlet cap). Bins: 1 mm of arc length along the segment (parent from
the inlet cap, daughters from J). Cap centroids come from /grid/caps (hemoflow) or the cap patches
(OpenFOAM), so the oblique and the grid-aligned geometries are binned alike.
"""
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "openfoam"))
import foam_post as fp  # noqa: E402

RHO = 1060.0


def hf_wall(path):
    f = h5py.File(path, "r")
    V = f["/wall/vertices"][:]
    T = f["/wall/triangles"][:].astype(np.int64)
    A = 0.5 * np.linalg.norm(np.cross(V[T[:, 1]] - V[T[:, 0]], V[T[:, 2]] - V[T[:, 0]]), axis=1)
    cen = V[T].mean(1)
    snap = sorted(f["/fields"].keys())[-1]
    w = np.linalg.norm(f[f"/fields/{snap}/wss"][:], axis=1)
    caps = {n: (np.array(g.attrs["centroid"]), -np.array(g.attrs["normal"])) for n, g in f["/grid/caps"].items()}
    return A, cen, w, caps


def foam_wall(case):
    t = fp.latest_time(case)
    mesh = fp.Mesh(case)
    S, C, _ = mesh.patch_geom("vessel_wall")
    A = np.linalg.norm(S, axis=1)
    w = np.linalg.norm(fp.read_field(os.path.join(case, t, "wallShearStress"), "vessel_wall"), axis=1) * RHO
    caps = {}
    for pn in mesh.patches:
        if pn.startswith("vessel_") and pn != "vessel_wall":
            Sc, Cc, _ = mesh.patch_geom(pn)
            a = np.linalg.norm(Sc, axis=1)
            n = Sc.sum(0) / np.linalg.norm(Sc.sum(0))       # outward
            caps[pn[len("vessel_"):]] = ((Cc * a[:, None]).sum(0) / a.sum(), -n)
    return A, C, w, caps


def segments(kind, caps):
    c_in, ax = caps["inlet"]
    ax = ax / np.linalg.norm(ax)
    if kind == "stenosis":
        return {"axis": (c_in, caps["outlet"][0])}
    J = c_in + 10e-3 * ax
    return {"parent": (c_in, J), "d1": (J, caps["outlet_1"][0]), "d2": (J, caps["outlet_2"][0])}


def bin_profile(kind, A, cen, w, caps):
    segs = segments(kind, caps)
    names = list(segs)
    dist = np.empty((len(cen), len(names)))
    arc = np.empty_like(dist)
    for k, n in enumerate(names):
        a, b = segs[n]
        L = np.linalg.norm(b - a)
        e = (b - a) / L
        t = np.clip((cen - a) @ e, 0, L)
        dist[:, k] = np.linalg.norm(cen - (a + t[:, None] * e), axis=1)
        arc[:, k] = (cen - a) @ e
    k = dist.argmin(1)
    out = {}
    for j, n in enumerate(names):
        m = k == j
        s = arc[m, j]
        L = np.linalg.norm(segs[n][1] - segs[n][0])
        for lo in np.arange(0, np.ceil(L * 1e3)):
            mm = (s >= lo * 1e-3) & (s < (lo + 1) * 1e-3)
            if mm.any():
                out[(n, lo + 0.5)] = (np.sum(w[m][mm] * A[m][mm]) / A[m][mm].sum(), A[m][mm].sum())
    return out


def main(argv):
    kind = argv[0]
    i = argv.index("--")
    hfs, foams = argv[1:i], argv[i + 1:]
    cols, profs = [], []
    for p in hfs:
        cols.append("HF " + os.path.basename(p).replace(".h5", ""))
        profs.append(bin_profile(kind, *hf_wall(p)))
    for c in foams:
        cols.append("OF " + os.path.basename(c.rstrip("/")))
        profs.append(bin_profile(kind, *foam_wall(c)))
    keys = sorted(set().union(*profs), key=lambda k: (k[0], k[1]))
    print("| segment | s (mm) | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for key in keys:
        print(f"| {key[0]} | {key[1]:.1f} | " + " | ".join(
            f"{pr[key][0]:.3f}" if key in pr else "-" for pr in profs) + " |")
    # area-weighted totals per segment
    print()
    for seg in sorted(set(k[0] for k in keys)):
        row = []
        for pr in profs:
            ks = [k for k in pr if k[0] == seg]
            a = sum(pr[k][1] for k in ks)
            row.append(f"{sum(pr[k][0] * pr[k][1] for k in ks) / a:.4f} Pa over {a * 1e6:.2f} mm^2")
        print(f"segment {seg}: " + "; ".join(f"{c}: {r}" for c, r in zip(cols, row)))


if __name__ == "__main__":
    main(sys.argv[1:])
