#!/usr/bin/env python3
"""Compare hemoflow runs with the OpenFOAM peer reference (../openfoam/reference.toml).

Usage:
    compare.py [--hf BINARY] [--json OUT.json] CASE=RUN.h5 [CASE=RUN.h5 ...]
with CASE one of `stenosis`, `bifurcation`. Prints one markdown table per run.

Every hemoflow number is measured the way ../openfoam/README.md defines it:

* Q_cap, split: `hemoflow info --json` (the last time step's cap flow rates); split = Q_outlet / Q_inlet.
* p_cap, dp: `info`'s cap mean pressure (open-area-weighted mean over the cap's cells; an outlet's
  is the imposed 0 Pa). As a check the inlet pressure is also extrapolated to the cap plane by a
  least-squares line p(s) through the fluid cells 0.5-3 mm downstream of the inlet cap (`dp_fit`).
* WSS: |wss| of the last snapshot on the wall triangles (`/fields/N/wss`, the surface's own
  triangles), area-weighted mean and the area-weighted 95th percentile: sort ascending, accumulate
  areas, the first value at which 95 % of the area is reached. `*_core`: without the triangles
  whose centroid lies less than 2 D_cap downstream of a cap plane (along the cap's inward normal)
  and within 1.5 R_cap of the cap's axis, D_cap the nominal diameter (2 mm; bifurcation 1.7 mm
  outlet_1, 1.4 mm outlet_2). The whole-wall values are checked against `info`'s.
* Stenosis jet: `u_max_cell` = largest |u| at any fluid cell centre; `u_jet_fit` = the largest
  centreline value a of a least-squares fit u_s = a + b r^2 in slabs of width h along the axis s,
  over the cells with r < 1.6 h (the grid is oblique, so the slabs are not grid layers); the
  throat slabs with fewer than 8 such cells are skipped, as in the reference.
* Stenosis recirculation: the wall triangles binned along s (bins of width h), the area-weighted
  mean of wss . axis per bin; separation = first + -> - change past the throat, reattachment =
  the next - -> + change (hemoflow's wss points along the near-wall flow; OpenFOAM's sign is the
  opposite), linearly interpolated between bin centres.
* Steadiness: the same numbers from the snapshot before the last one at least 0.15 s earlier.
"""
import json
import os
import subprocess
import sys
import tomllib

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "openfoam", "reference.toml")
D_NOM = {"stenosis": {"inlet": 2e-3, "outlet": 2e-3},
         "bifurcation": {"inlet": 2e-3, "outlet_1": 1.7e-3, "outlet_2": 1.4e-3}}
Z_THROAT = 15e-3  # m from the inlet cap along the axis (stenosis)
SAME_N = {"stenosis": "n10", "bifurcation": "n8"}
FINE_N = {"stenosis": "n20", "bifurcation": "n16"}


def pctl(v, a, q):
    o = np.argsort(v, kind="stable")
    c = np.cumsum(a[o])
    return float(v[o][np.searchsorted(c, q * c[-1])])


def wall_geometry(f):
    V = f["/wall/vertices"][:]
    T = f["/wall/triangles"][:].astype(np.int64)
    A = 0.5 * np.linalg.norm(np.cross(V[T[:, 1]] - V[T[:, 0]], V[T[:, 2]] - V[T[:, 0]]), axis=1)
    return A, V[T].mean(axis=1)


def caps_of(f):
    out = {}
    for name, g in f["/grid/caps"].items():
        n = np.array(g.attrs["normal"], float)
        out[name] = {"centroid": np.array(g.attrs["centroid"], float), "normal": n / np.linalg.norm(n),
                     "area": float(g.attrs["area"])}
    return out


def core_mask(case, cen, caps):
    keep = np.ones(len(cen), bool)
    for name, c in caps.items():
        D = D_NOM[case][name]
        inward = -c["normal"]          # /grid/caps normals point out of the fluid
        d = cen - c["centroid"]
        s = d @ inward
        r = np.linalg.norm(d - s[:, None] * inward, axis=1)
        keep &= ~((s >= 0) & (s < 2 * D) & (r < 0.75 * D))
    return keep


def wss_stats(wss, A, keep):
    w = np.linalg.norm(wss, axis=1)
    ok = np.isfinite(w)
    m = ok
    mc = ok & keep
    return {"wss_mean": float(np.sum(w[m] * A[m]) / A[m].sum()), "wss_p95": pctl(w[m], A[m], 0.95),
            "wss_mean_core": float(np.sum(w[mc] * A[mc]) / A[mc].sum()), "wss_p95_core": pctl(w[mc], A[mc], 0.95),
            "wss_max_face": float(w[m].max()), "core_area_fraction": float(A[mc].sum() / A[m].sum())}


def fluid_cells(f, snap):
    g = f["/grid"]
    h = float(g.attrs["spacing"])
    org = np.array(g.attrs["origin"], float)
    kind = g["cell_kind"][:]
    k, j, i = np.nonzero(kind > 0)
    x = org[None, :] + (np.stack([i, j, k], 1) + 0.5) * h
    p = f[f"/fields/{snap}/pressure"][:][k, j, i].astype(float)
    u = f[f"/fields/{snap}/velocity"][:][k, j, i].astype(float)
    return h, x, p, u


def inlet_fit(x, p, caps):
    c = caps["inlet"]
    ax = -c["normal"]
    s = (x - c["centroid"]) @ ax
    m = (s > 0.5e-3) & (s < 3e-3)
    b, a = np.polyfit(s[m], p[m], 1)
    return float(a)


def stenosis_extras(h, x, u, wss, A, cen, caps):
    c = caps["inlet"]
    ax = -c["normal"]
    d = x - c["centroid"]
    s = d @ ax
    r = np.linalg.norm(d - s[:, None] * ax, axis=1)
    us = u @ ax
    um = np.linalg.norm(u, axis=1)
    out = {"u_max_cell": float(um.max()), "s_u_max_cell": float(s[um.argmax()])}
    best, sbest = -np.inf, np.nan
    prof = []
    for lo in np.arange(0.0, s.max(), h):
        m = (s >= lo) & (s < lo + h) & (r < 1.6 * h)
        if m.sum() < 8:
            continue
        M = np.stack([np.ones(m.sum()), r[m] ** 2], 1)
        a = np.linalg.lstsq(M, us[m], rcond=None)[0][0]
        prof.append((lo + h / 2, a))
        if a > best:
            best, sbest = a, lo + h / 2
    out["u_jet_fit"] = float(best)
    out["s_jet_fit"] = float(sbest)
    # axial wall shear per bin
    sw = (cen - c["centroid"]) @ ax
    tz = wss @ ax
    edges = np.arange(0.0, sw.max() + h, h)
    zc, tb = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (sw >= lo) & (sw < hi)
        if m.any():
            zc.append((lo + hi) / 2)
            tb.append(np.sum(tz[m] * A[m]) / A[m].sum())
    zc, tb = np.array(zc), np.array(tb)
    sep = rea = np.nan
    i0 = np.searchsorted(zc, Z_THROAT)
    for i in range(i0, len(zc) - 1):
        if np.isnan(sep) and tb[i] > 0 and tb[i + 1] <= 0:
            sep = zc[i] + (zc[i + 1] - zc[i]) * tb[i] / (tb[i] - tb[i + 1])
        elif not np.isnan(sep) and tb[i] < 0 and tb[i + 1] >= 0:
            rea = zc[i] + (zc[i + 1] - zc[i]) * (-tb[i]) / (tb[i + 1] - tb[i])
            break
    out.update({"z_separation": float(sep), "z_reattachment": float(rea), "L_recirc": float(rea - Z_THROAT)})
    return out


def analyze(case, path, hf):
    env = dict(os.environ)
    env.setdefault("XDG_RUNTIME_DIR", "/tmp")
    info = json.loads(subprocess.run([hf, "info", "--json", path], check=True, capture_output=True,
                                     text=True, env=env).stdout)
    caps_i = {c["name"]: c for c in info["caps"]}
    f = h5py.File(path, "r")
    caps = caps_of(f)
    A, cen = wall_geometry(f)
    keep = core_mask(case, cen, caps)
    snaps = sorted(f["/fields"].keys())
    times = [float(f[f"/fields/{s}"].attrs["time"]) for s in snaps]
    last = snaps[-1]
    # the previous snapshot at least 0.15 s before the last (the last step is always written)
    prev = [s for s, t in zip(snaps, times) if t <= times[-1] - 0.15]
    prev = prev[-1] if prev else snaps[0]

    def snapshot_metrics(snap):
        m = {}
        wss = f[f"/fields/{snap}/wss"][:].astype(float)
        m.update(wss_stats(wss, A, keep))
        h, x, p, u = fluid_cells(f, snap)
        m["p_inlet_fit"] = inlet_fit(x, p, caps)
        if case == "stenosis":
            m.update(stenosis_extras(h, x, u, wss, A, cen, caps))
        return m

    cur = snapshot_metrics(last)
    old = snapshot_metrics(prev)
    q_in = -caps_i["inlet"]["flow_rate"]
    res = {"case": case, "file": path, "h": info["grid"]["spacing"], "fluid_cells": info["grid"]["fluid_cells"],
           "t_last": times[-1], "t_prev": float(f[f"/fields/{prev}"].attrs["time"]),
           "Q_inlet": q_in}
    outs = [n for n in caps_i if n != "inlet"]
    p_in = caps_i["inlet"]["mean_pressure"]
    # cap pressures at the previous snapshot's time, from /summary (every step)
    t_sum = f["/summary/time"][:]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["/summary/cap_names"][:]]
    ip = int(np.argmin(np.abs(t_sum - res["t_prev"])))
    p_sum = f["/summary/mean_pressure"][:]
    q_sum = f["/summary/flow_rate"][:]
    res["prev"] = {"p_inlet": float(p_sum[ip, names.index("inlet")])}
    for n in outs:
        sfx = "" if len(outs) == 1 else n[len("outlet"):]
        res[f"Q_{n}"] = caps_i[n]["flow_rate"]
        res[f"split_{n}"] = caps_i[n]["flow_rate"] / q_in
        res[f"dp_inlet_{n}"] = p_in - caps_i[n]["mean_pressure"]
        res[f"dp_fit_inlet_{n}"] = cur["p_inlet_fit"] - caps_i[n]["mean_pressure"]
        res["prev"][f"split_{n}"] = float(q_sum[ip, names.index(n)] / -q_sum[ip, names.index("inlet")])
        res["prev"][f"dp_inlet_{n}"] = float(p_sum[ip, names.index("inlet")] - p_sum[ip, names.index(n)])
    res.update({k: v for k, v in cur.items() if k != "p_inlet_fit"})
    res["prev"].update({k: v for k, v in old.items() if k != "p_inlet_fit"})
    st = info["wall"]["wss"]["stats"]
    res["info_wss_mean"], res["info_wss_p95"] = st["mean"], st["p95"]
    return res


def table(res, ref):
    case = res["case"]
    rec = ref[case]["recommended"]
    same = ref[case][SAME_N[case]]
    fine = ref[case][FINE_N[case]]
    outs = sorted(k[len("split_"):] for k in res if k.startswith("split_"))
    rows = []
    for o in outs:
        rows.append((f"flow split {o} (Q_{o}/Q_in)", f"split_{o}", "", 1.0, ("pt", 0.5)))
    for o in outs:
        rows.append((f"dp inlet -> {o}", f"dp_inlet_{o}", "Pa", 1.0, ("%", 2.0 if case == "stenosis" else 1.0)))
    rows += [("WSS area-mean", "wss_mean", "Pa", 1.0, ("%", 2.0)),
             ("WSS area-95th percentile", "wss_p95", "Pa", 1.0, ("%", 2.0)),
             ("WSS area-mean, core", "wss_mean_core", "Pa", 1.0, ("%", None)),
             ("WSS area-95th percentile, core", "wss_p95_core", "Pa", 1.0, ("%", None))]
    if case == "stenosis":
        rows += [("jet speed: max cell abs(u) (ref: u_jet)", "u_max_cell", "m/s", 1.0, ("%", None)),
                 ("jet speed: centreline fit (ref: u_jet)", "u_jet_fit", "m/s", 1.0, ("%", None)),
                 ("reattachment, from inlet", "z_reattachment", "mm", 1e3, ("%", None)),
                 ("L_recirc = reattachment - throat", "L_recirc", "mm", 1e3, ("%", None))]
    refname = {"u_max_cell": "u_jet", "u_jet_fit": "u_jet", "split_outlet": "split_outlet"}
    lines = [f"### {case}: h = {res['h']*1e3:g} mm, {res['fluid_cells']} fluid cells, t = {res['t_last']:.3f} s "
             f"({res['file']})", "",
             f"| quantity | unit | OpenFOAM recommended (± band) | OpenFOAM {SAME_N[case]} (same N) | OpenFOAM {FINE_N[case]} | hemoflow | difference to recommended | bound | within bound |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, key, unit, sc, (kind, bound) in rows:
        rk = refname.get(key, key)
        if case == "bifurcation" and key.startswith("split_"):
            rk = key
        hv = res[key]
        if key.startswith("split_") and case == "stenosis":
            rv, band = 1.0, 0.0
        elif rk in rec:
            rv, band = rec[rk], rec.get(rk + "_band", 0.0)
        else:
            rv, band = None, None
        sv = same.get(rk if rk != "u_jet" else "u_jet")
        fv = fine.get(rk)
        if key == "u_max_cell":
            sv, fv = same.get("u_max_cell"), fine.get("u_max_cell")
        fmt = (lambda v: "-" if v is None else f"{v*sc:.5g}")
        if rv is None:
            diff = "-"
            ok = "-"
        elif kind == "pt":
            d = (hv - rv) * 100
            diff = f"{d:+.2f} pt"
            ok = "-" if bound is None else ("yes" if abs(d) <= bound else "NO")
        else:
            d = (hv / rv - 1) * 100
            diff = f"{d:+.2f} %"
            ok = "-" if bound is None else ("yes" if abs(d) <= bound else "NO")
        bs = "-" if bound is None else (f"±{bound} {'pt' if kind == 'pt' else '%'}")
        refs = "-" if rv is None else f"{rv*sc:.5g} ± {band*sc:.2g}"
        lines.append(f"| {label} | {unit or '1'} | {refs} | {fmt(sv)} | {fmt(fv)} | {hv*sc:.5g} | {diff} | {bs} | {ok} |")
    lines.append("")
    # steadiness and checks
    pv = res["prev"]
    ch = []
    for k in sorted(pv):
        if k in res and isinstance(res[k], float) and res[k] != 0 and np.isfinite(res[k]) and np.isfinite(pv[k]):
            ch.append(f"{k} {abs(res[k]/pv[k]-1)*100:.2g} %")
    lines.append(f"Steadiness, t = {res['t_prev']:.3f} s -> {res['t_last']:.3f} s (relative change): " + ", ".join(ch) + ".")
    lines.append("")
    lines.append(f"Checks: info's whole-wall WSS mean {res['info_wss_mean']:.5g} Pa, p95 {res['info_wss_p95']:.5g} Pa "
                 f"(this script: {res['wss_mean']:.5g}, {res['wss_p95']:.5g}); core = {res['core_area_fraction']*100:.1f} % of the wall area; "
                 + ", ".join(f"dp with the inlet pressure extrapolated to the cap plane ({k[len('dp_fit_inlet_'):]}) {res[k]:.5g} Pa"
                             for k in sorted(res) if k.startswith("dp_fit_")) + "; "
                 f"largest wall |WSS| {res['wss_max_face']:.4g} Pa (OpenFOAM {SAME_N[case]}: {same.get('wss_max_face', float('nan')):.4g})"
                 + (f"; max |u| at s = {res['s_u_max_cell']*1e3:.2f} mm, fit maximum at s = {res['s_jet_fit']*1e3:.2f} mm"
                    f" (OpenFOAM z_jet {rec.get('z_jet', same.get('z_jet', float('nan')))*1e3:.2f} mm); separation s = {res['z_separation']*1e3:.2f} mm "
                    f"(OpenFOAM {rec['z_separation']*1e3:.2f} ± {rec['z_separation_band']*1e3:.2f})" if case == "stenosis" else "")
                 + ".")
    lines.append("")
    return "\n".join(lines)


def main(argv):
    hf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "target", "release", "hemoflow")
    jout = None
    runs = []
    it = iter(argv)
    for a in it:
        if a == "--hf":
            hf = next(it)
        elif a == "--json":
            jout = next(it)
        else:
            case, path = a.split("=", 1)
            runs.append((case, path))
    with open(REF, "rb") as fh:
        ref = tomllib.load(fh)
    allres = []
    for case, path in runs:
        res = analyze(case, path, hf)
        allres.append(res)
        print(table(res, ref))
    if jout:
        with open(jout, "w") as fh:
            json.dump(allres, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
