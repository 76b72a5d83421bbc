#!/usr/bin/env python3
"""Axial profiles of a hemoflow run of a straight-axis vessel (the stenosis): pressure,
centreline velocity and wall shear stress binned along the axis s (mm from the inlet cap).
Usage: profile.py OUT.h5 [bin_mm] [snapshot]"""
import sys
import h5py
import numpy as np

path = sys.argv[1]
binw = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
f = h5py.File(path, "r")
snaps = sorted(f["/fields"].keys())
snap = sys.argv[3] if len(sys.argv) > 3 else snaps[-1]
g = f["/grid"]
h = float(g.attrs["spacing"]); org = np.array(g.attrs["origin"])
kind = g["cell_kind"][:]; vf = g["volume_fraction"][:]
cin = f["/grid/caps/inlet"]
c0 = np.array(cin.attrs["centroid"]); ax = -np.array(cin.attrs["normal"]); ax /= np.linalg.norm(ax)
p = f[f"/fields/{snap}/pressure"][:]; u = f[f"/fields/{snap}/velocity"][:]
k, j, i = np.nonzero(kind > 0)
x = org[None, :] + (np.stack([i, j, k], 1) + 0.5) * h
d = x - c0; s = d @ ax; rv = d - s[:, None] * ax; r = np.linalg.norm(rv, axis=1)
pc = p[k, j, i]; uc = u[k, j, i] @ ax; um = np.linalg.norm(u[k, j, i], axis=1)
print(f"{path} snapshot {snap} t = {f['/fields/'+snap].attrs['time']:.4f} s; h = {h*1e3} mm; max |u| = {um.max():.4f} m/s at s = {s[um.argmax()]*1e3:.2f} mm")
# wall
V = f["/wall/vertices"][:]; T = f["/wall/triangles"][:]
a = V[T[:, 1]] - V[T[:, 0]]; b = V[T[:, 2]] - V[T[:, 0]]
A = 0.5 * np.linalg.norm(np.cross(a, b), axis=1); cen = V[T].mean(1)
sw = (cen - c0) @ ax
w = np.linalg.norm(f[f"/fields/{snap}/wss"][:], axis=1)
wz = f[f"/fields/{snap}/wss"][:] @ ax
# Poiseuille window 4-10 mm
m = (s > 4e-3) & (s < 10e-3)
cf = np.polyfit(s[m], pc[m], 1)
mw = (sw > 4e-3) & (sw < 10e-3)
mc = m & (r < 0.5e-3)
A2 = np.stack([np.ones(mc.sum()), r[mc] ** 2], 1)
ucl = np.linalg.lstsq(A2, uc[mc], rcond=None)[0][0]
print(f"Poiseuille window 4-10 mm: -dp/ds = {-cf[0]:.1f} Pa/m (analytic 4622.64), u_cl fit (r<R/2) = {ucl:.5f} m/s (0.330189), WSS mean = {np.sum(w[mw]*A[mw])/A[mw].sum():.4f} Pa (2.31132)")
L = s.max()
print(" s_mm   p_axis(Pa) p_mean(Pa)  u_axis  wss_mean  wss_ax  wall_area_ratio")
edges = np.arange(0, L * 1e3 + binw, binw) * 1e-3
for lo, hi in zip(edges[:-1], edges[1:]):
    mm = (s >= lo) & (s < hi)
    if not mm.any():
        continue
    ma = mm & (r < 0.75 * h * 1.6)
    pa = pc[ma].mean() if ma.any() else np.nan
    ua = uc[ma].mean() if ma.any() else np.nan
    wm = (sw >= lo) & (sw < hi)
    ws = np.sum(w[wm] * A[wm]) / A[wm].sum() if wm.any() else np.nan
    wa = np.sum(wz[wm] * A[wm]) / A[wm].sum() if wm.any() else np.nan
    print(f"{(lo+hi)/2*1e3:6.2f} {pa:10.2f} {pc[mm].mean():10.2f} {ua:7.4f} {ws:8.3f} {wa:8.3f} {A[wm].sum()/( (hi-lo)):.4e}")
