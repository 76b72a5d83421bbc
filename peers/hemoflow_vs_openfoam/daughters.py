#!/usr/bin/env python3
"""Diagnostic: Poiseuille check in each straight segment of a hemoflow bifurcation run (or the
stenosis parent): -dp/ds from a least-squares line through the fluid cells of a window, against
8 mu Q / (pi R^4) at the segment's own computed flow; the implied hydraulic radius.
Usage: daughters.py OUT.h5"""
import sys
import h5py
import numpy as np

MU = 0.0035
f = h5py.File(sys.argv[1], "r")
g = f["/grid"]; h = float(g.attrs["spacing"]); org = np.array(g.attrs["origin"])
kind = g["cell_kind"][:]
snap = sorted(f["/fields"].keys())[-1]
p = f[f"/fields/{snap}/pressure"][:]
k, j, i = np.nonzero(kind > 0)
x = org + (np.stack([i, j, k], 1) + 0.5) * h
pc = p[k, j, i]
caps = {n: (np.array(c.attrs["centroid"]), -np.array(c.attrs["normal"])) for n, c in f["/grid/caps"].items()}
names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["/summary/cap_names"][:]]
q = dict(zip(names, f["/summary/flow_rate"][-1]))
c_in, ax = caps["inlet"]
segs = {}
if "outlet_1" in caps:
    J = c_in + 10e-3 * ax
    segs["parent (s 4-8 mm)"] = (c_in, ax, 4e-3, 8e-3, 1.0e-3, -q["inlet"])
    for n, R in (("outlet_1", 0.85e-3), ("outlet_2", 0.70e-3)):
        e = caps[n][0] - J; e /= np.linalg.norm(e)
        segs[f"{n} (s 5-10 mm from J)"] = (J, e, 5e-3, 10e-3, R, q[n])
else:
    segs["parent (s 4-10 mm)"] = (c_in, ax, 4e-3, 10e-3, 1.0e-3, -q["inlet"])
    segs["downstream (s 26-29 mm)"] = (c_in, ax, 26e-3, 29e-3, 1.0e-3, -q["inlet"])
for name, (a, e, lo, hi, R, Q) in segs.items():
    d = x - a; s = d @ e; r = np.linalg.norm(d - s[:, None] * e, axis=1)
    m = (s > lo) & (s < hi) & (r < 1.2 * R)
    slope = -np.polyfit(s[m], pc[m], 1)[0]
    ana = 8 * MU * Q / (np.pi * R ** 4)
    Rh = (8 * MU * Q / (np.pi * slope)) ** 0.25
    print(f"{name}: Q = {Q:.5e} m^3/s, -dp/ds = {slope:.1f} Pa/m, Poiseuille at that Q {ana:.1f} Pa/m "
          f"({(slope/ana-1)*100:+.2f} %), hydraulic radius {Rh*1e3:.4f} mm (nominal {R*1e3:.3f}, {(Rh/R-1)*100:+.2f} %; {Rh/R*0+ (Rh-R)/h:+.3f} h)")
