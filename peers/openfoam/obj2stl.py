#!/usr/bin/env python3
"""Convert a hemoflow OBJ (groups wall, inlet, outlet / outlet_N; coordinates
in mm) into a multi-solid ASCII STL in metres for snappyHexMesh, after
checking that the surface is closed and outward-oriented.

  obj2stl.py IN.obj OUT.stl [--scale 0.001] [--rotz-deg 0]

Checks (the script exits non-zero when one fails):
  * every directed triangle edge occurs exactly once and its reverse exactly
    once (closed 2-manifold, consistently oriented);
  * the enclosed (signed) volume is positive (normals point out of the fluid);
  * every cap group is planar and its summed area vector points out.

--rotz-deg rotates the surface about the z axis (a rigid motion: every
quantity of the reference is invariant).  It is used for the stenosis to
put the 128-gon's vertices and its caps' fan edges half a segment off the
background grid planes/diagonals (the same trick as the pipe baseline).

Next to OUT.stl it writes OUT.json: for each group the triangle count, the
area (m^2), and for each cap the area-weighted centroid (m), the outward unit
normal and the equivalent radius sqrt(A/pi) (m); plus the bounding box and
the enclosed volume.  make_case.py and foam_post.py read it.
Only numpy is needed (/usr/bin/python3 with python3-numpy).
"""
import argparse
import json
import math
import sys

import numpy as np


def read_obj(path):
    V = []
    groups = {}
    cur = None
    with open(path) as f:
        for ln in f:
            if ln.startswith("v "):
                V.append([float(t) for t in ln.split()[1:4]])
            elif ln.startswith("g ") or ln.startswith("o "):
                cur = ln.split()[1]
                groups.setdefault(cur, [])
            elif ln.startswith("f "):
                idx = [int(t.split("/")[0]) for t in ln.split()[1:]]
                idx = [i - 1 if i > 0 else len(V) + i for i in idx]
                for k in range(1, len(idx) - 1):       # fan-triangulate polygons
                    groups[cur].append((idx[0], idx[k], idx[k + 1]))
    return np.array(V, dtype=float), {g: np.array(t, dtype=np.int64) for g, t in groups.items() if t}


def check_closed(groups, nv):
    T = np.vstack(list(groups.values()))
    e = np.vstack([T[:, [0, 1]], T[:, [1, 2]], T[:, [2, 0]]])
    key = e[:, 0] * nv + e[:, 1]
    rkey = e[:, 1] * nv + e[:, 0]
    uk, cnt = np.unique(key, return_counts=True)
    if (cnt != 1).any():
        raise SystemExit("not a manifold: %d directed edges used more than once" % (cnt != 1).sum())
    missing = ~np.isin(rkey, uk)
    if missing.any():
        raise SystemExit("not closed / inconsistently oriented: %d edges without an opposite" % missing.sum())
    return len(T), len(uk) // 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("obj")
    ap.add_argument("stl")
    ap.add_argument("--scale", type=float, default=1e-3, help="OBJ unit -> m (default mm)")
    ap.add_argument("--rotz-deg", type=float, default=0.0)
    a = ap.parse_args()
    V, G = read_obj(a.obj)
    V = V * a.scale
    if a.rotz_deg:
        c, s = math.cos(math.radians(a.rotz_deg)), math.sin(math.radians(a.rotz_deg))
        V = V @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]).T
    # drop unreferenced vertices? not needed: the check uses indices only
    ntri, nedge = check_closed(G, len(V))
    info = dict(source=a.obj, scale=a.scale, rotz_deg=a.rotz_deg, triangles=ntri, edges=nedge,
                bbox_min=V.min(axis=0).tolist(), bbox_max=V.max(axis=0).tolist(), groups={})
    vol = 0.0
    for g, T in G.items():
        P = V[T]
        n2 = np.cross(P[:, 1] - P[:, 0], P[:, 2] - P[:, 0])     # 2 * area vector
        A = 0.5 * np.linalg.norm(n2, axis=1)
        vol += np.einsum("ij,ij->i", P[:, 0], np.cross(P[:, 1], P[:, 2])).sum() / 6.0
        d = dict(triangles=int(len(T)), area=float(A.sum()))
        if g != "wall":
            S = 0.5 * n2.sum(axis=0)
            nrm = S / np.linalg.norm(S)
            cen = (P.mean(axis=1) * A[:, None]).sum(axis=0) / A.sum()
            vids = np.unique(T)
            planar = float(np.abs((V[vids] - cen) @ nrm).max())
            if abs(np.linalg.norm(S) / A.sum() - 1) > 1e-9 or planar > 1e-9:
                raise SystemExit("cap %s is not planar (dev %g m)" % (g, planar))
            d.update(centroid=cen.tolist(), normal_out=nrm.tolist(), r_eq=math.sqrt(A.sum() / math.pi),
                     rim_r_max=float(np.linalg.norm((V[vids] - cen) - np.outer((V[vids] - cen) @ nrm, nrm), axis=1).max()))
        info["groups"][g] = d
    if vol <= 0:
        raise SystemExit("surface is inward-oriented (volume %g)" % vol)
    info["volume"] = vol
    # outward check of the caps: the fluid lies on the side opposite to the normal
    ctr = V.mean(axis=0)
    with open(a.stl, "w") as f:
        for g, T in G.items():
            f.write("solid %s\n" % g)
            P = V[T]
            n2 = np.cross(P[:, 1] - P[:, 0], P[:, 2] - P[:, 0])
            nn = n2 / np.maximum(np.linalg.norm(n2, axis=1), 1e-300)[:, None]
            out = []
            for k in range(len(T)):
                out.append("  facet normal %.9e %.9e %.9e\n    outer loop\n" % tuple(nn[k]))
                for q in P[k]:
                    out.append("      vertex %.12e %.12e %.12e\n" % tuple(q))
                out.append("    endloop\n  endfacet\n")
            f.write("".join(out))
            f.write("endsolid %s\n" % g)
    js = a.stl.rsplit(".", 1)[0] + ".json"
    json.dump(info, open(js, "w"), indent=1)
    sys.stderr.write("%s -> %s: %d triangles, closed + consistently oriented, volume %.6e m^3\n"
                     % (a.obj, a.stl, ntri, vol))
    for g, d in info["groups"].items():
        sys.stderr.write("  %-9s %7d tris, area %.6e m^2%s\n" % (
            g, d["triangles"], d["area"],
            "" if g == "wall" else ", r_eq %.6e m, centroid %s, n_out %s" % (
                d["r_eq"], np.round(d["centroid"], 9).tolist(), np.round(d["normal_out"], 6).tolist())))


if __name__ == "__main__":
    main()
