#!/usr/bin/env python3
"""The race's table (tools/race runs it): race_table.py WORK HEMOFLOW NP RES_TOL.

Reads what tools/race left in WORK and prints one markdown table per resolution, with the
figures in WORK/race.json. Definitions:

* wall time: the solver command alone (OpenFOAM's simpleFoam; hemoflow's whole `run`: grid,
  steps, output), from /usr/bin/time; meshing (blockMesh + snappyHexMesh) in its own column.
* to 1 % of dp: the wall time until the inlet's mean pressure (the outlets are at 0 Pa, so the
  pressure drop) stays within 1 % of its final value. OpenFOAM: the monitor every 10 iterations,
  its time the run's wall time scaled by the iteration's share of the log's ExecutionTime.
  hemoflow: /summary's per-step inlet pressure, its time the run's set-up (wall time minus the
  time loop's `seconds`) plus the loop's seconds scaled by the step's share of the steps.
* peak memory: the largest resident set of one process (an MPI run: of its largest rank); for
  hemoflow on lavapipe it includes the "GPU" buffers, which live in host memory there.
* errors: against peers/openfoam/reference.toml [bifurcation.recommended] (OpenFOAM at 8, 16
  and 24 cells per 1.4 mm, Richardson-extrapolated): the flow split into outlet_1 in points,
  the inlet-to-outlet pressure drop and the wall shear stress's area-weighted mean and 95th
  percentile in %. OpenFOAM's from foam_post.py analyze, hemoflow's from
  peers/hemoflow_vs_openfoam/compare.py (the same definitions).
"""
import json
import os
import re
import sys
import tomllib

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "peers", "openfoam"))
sys.path.insert(0, os.path.join(REPO, "peers", "hemoflow_vs_openfoam"))
import compare  # noqa: E402  (hemoflow's numbers, as the peer comparison measures them)
import foam_post  # noqa: E402  (OpenFOAM's)


def timings(work):
    t = {}
    for line in open(os.path.join(work, "timing.txt")):
        f = line.split()
        if len(f) == 4:
            t[f[0]] = dict(wall_s=float(f[1]), rss_mb=float(f[2]) / 1024, rc=int(f[3]))
    return t


def settled(values, tol=0.01):
    """Index of the first value after which every value stays within tol of the last."""
    v = np.asarray(values, float)
    off = np.abs(v - v[-1]) > tol * abs(v[-1])
    bad = np.nonzero(off)[0]
    return 0 if len(bad) == 0 else int(bad[-1]) + 1


def foam_run(case, wall):
    """Iterations, convergence, and the wall time to 1 % of the inlet pressure."""
    log = open(os.path.join(case, "log.simpleFoam")).read()
    its = [int(float(x)) for x in re.findall(r"^Time = (\S+)", log, re.M)]
    execs = [float(x) for x in re.findall(r"^ExecutionTime = (\S+) s", log, re.M)]
    n = min(len(its), len(execs))
    its, execs = its[:n], execs[:n]
    dat = os.path.join(case, "postProcessing", "p_inlet", "0", "surfaceFieldValue.dat")
    it_p, p = foam_post._dat(dat)
    k = settled(p)
    it1 = int(it_p[k])
    e1 = execs[min(range(n), key=lambda i: abs(its[i] - it1))]
    return dict(iterations=its[-1] if its else 0, converged="SIMPLE solution converged" in log,
                to_1pct_s=wall * e1 / execs[-1] if execs else float("nan"), iterations_to_1pct=it1)


def hemoflow_run(work, name, hf, wall):
    summary = json.load(open(os.path.join(work, name + ".log")))
    path = os.path.join(work, name + ".h5")
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["/summary/cap_names"][:]]
        p_in = f["/summary/mean_pressure"][:, names.index("inlet")]
    steps = summary["steps"]
    k = settled(p_in)
    setup = wall - summary["seconds"]
    m = compare.analyze("bifurcation", path, hf)
    return dict(steps=steps, cells=summary["fluid_cells"], steady=summary.get("steady"),
                to_1pct_s=setup + summary["seconds"] * (k + 1) / steps, steps_to_1pct=k + 1,
                seconds_per_step=summary["seconds"] / steps, setup_s=setup,
                gpu_bytes_per_cell=summary.get("bytes_per_fluid_cell"),
                pressure_iterations=summary.get("pressure_iterations_mean"),
                split_outlet_1=m["split_outlet_1"], dp_inlet_outlet_1=m["dp_inlet_outlet_1"],
                dp_inlet_outlet_2=m["dp_inlet_outlet_2"], wss_mean=m["wss_mean"], wss_p95=m["wss_p95"])


def errors(r, ref):
    rec = ref["bifurcation"]["recommended"]
    return dict(split=(r["split_outlet_1"] - rec["split_outlet_1"]) * 100,
                dp=(r["dp_inlet_outlet_1"] / rec["dp_inlet_outlet_1"] - 1) * 100,
                wss_mean=(r["wss_mean"] / rec["wss_mean"] - 1) * 100,
                wss_p95=(r["wss_p95"] / rec["wss_p95"] - 1) * 100)


def main(work, hf, np_ranks, res_tol):
    before_file = os.path.join(work, "before.txt")
    before = open(before_file).read().strip() if os.path.exists(before_file) else "an older revision"
    ref = tomllib.load(open(os.path.join(REPO, "peers", "openfoam", "reference.toml"), "rb"))
    t = timings(work)
    out = {}
    ns = sorted({int(m) for m in re.findall(r"_n(\d+)\b", " ".join(t))})
    cores = os.environ.get("RAYON_NUM_THREADS") or os.cpu_count()
    lines = []
    for n in ns:
        rows = []
        mesh = t.get(f"foam_mesh_n{n}")
        case = os.path.join(work, f"foam_n{n}")
        metrics = None
        if os.path.exists(os.path.join(case, "metrics.json")):
            metrics = foam_post.flat(json.load(open(os.path.join(case, "metrics.json"))))
            cells = json.load(open(os.path.join(case, "metrics.json")))["checkMesh"].get("cells")
        for key, label, folder in ((f"foam_serial_n{n}", "OpenFOAM simpleFoam, 1 core", case),
                                   (f"foam_np{np_ranks}_n{n}", f"OpenFOAM simpleFoam, {np_ranks} MPI ranks",
                                    os.path.join(work, f"foam_np_n{n}"))):
            if key not in t or metrics is None:
                continue
            r = dict(t[key], **foam_run(folder, t[key]["wall_s"]), cells=int(cells), mesh_s=mesh["wall_s"])
            r.update({k: metrics[k] for k in ("split_outlet_1", "dp_inlet_outlet_1", "wss_mean", "wss_p95")})
            r["note"] = f"{r['iterations']} SIMPLE iterations" + ("" if r["converged"] else ", NOT converged") + \
                f" to residuals {res_tol}; mesh {r['mesh_s']:.1f} s"
            rows.append((label, r))
        for key, label in ((f"hemoflow_cpu_n{n}", f"hemoflow steady mode, CPU backend ({cores} threads)"),
                           (f"hemoflow_n{n}", "hemoflow steady mode, lavapipe"),
                           (f"hemoflow_before_n{n}", f"hemoflow at {before}, lavapipe (implicit, Courant 4, to 1 s)")):
            if key in t and t[key]["rc"] == 0:
                r = dict(t[key], **hemoflow_run(work, key, hf, t[key]["wall_s"]))
                r["note"] = f"{r['steps']} steps of {r['seconds_per_step']:.3f} s; set-up {r['setup_s']:.1f} s"
                if r.get("pressure_iterations") is not None:
                    r["note"] += f"; {r['pressure_iterations']:.2f} pressure iterations a step"
                rows.append((label, r))
        for _, r in rows:
            r["errors"] = errors(r, ref)
        out[f"n{n}"] = {label: r for label, r in rows}
        lines += [f"### Bifurcation, {n} cells per 1.4 mm (h = {1.4 / n:.4g} mm)", "",
                  "| solver | cells | wall time to converge (s) | to 1 % of dp (s) | peak memory (MB) | "
                  "split outlet_1 (err, pt) | dp (Pa) (err) | WSS mean (Pa) (err) | WSS p95 (Pa) (err) | notes |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for label, r in rows:
            e = r["errors"]
            lines.append(
                f"| {label} | {r['cells']} | {r['wall_s']:.1f} | {r['to_1pct_s']:.1f} | {r['rss_mb']:.0f} | "
                f"{r['split_outlet_1']:.4f} ({e['split']:+.2f}) | {r['dp_inlet_outlet_1']:.2f} ({e['dp']:+.2f} %) | "
                f"{r['wss_mean']:.4f} ({e['wss_mean']:+.2f} %) | {r['wss_p95']:.4f} ({e['wss_p95']:+.2f} %) | "
                f"{r['note']} |")
        rec = ref["bifurcation"]["recommended"]
        lines += ["", f"Reference (OpenFOAM, Richardson from 8/16/24 cells per 1.4 mm): split "
                  f"{rec['split_outlet_1']:.4f}, dp {rec['dp_inlet_outlet_1']:.2f} Pa, WSS mean "
                  f"{rec['wss_mean']:.4f} Pa, p95 {rec['wss_p95']:.4f} Pa.", ""]
    json.dump(out, open(os.path.join(work, "race.json"), "w"), indent=1)
    print("\n".join(lines))


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), a[3])
