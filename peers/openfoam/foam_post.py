#!/usr/bin/env python3
"""Post-processing for the OpenFOAM stenosis / bifurcation peer reference
(ASCII OpenFOAM v1912 files, numpy only; run with /usr/bin/python3).

  foam_post.py inlet   CASE            parabolic inlet profile into CASE/0/U
  foam_post.py analyze CASE            all quantities of the final field -> CASE/metrics.json
  foam_post.py report  OUT_DIR RUNS    reference.toml + results.md from RUNS/*/metrics.json

Definitions (also in README.md).  Every cap/wall quantity is computed on the
faces of the snapped OpenFOAM boundary patches; a face's area A_f and centre
x_f are OpenFOAM's (triangle fan about the face's vertex average).
  Q_cap      flow rate through a cap = sum of the face fluxes phi (m^3/s),
             reported positive in the flow direction (into the inlet, out of
             the outlets).  split_i = Q_outlet_i / Q_inlet.
  p_cap      area-weighted mean static pressure on a cap,
             sum(rho p_f A_f) / sum(A_f), Pa.  Two face values:
               "patch": OpenFOAM's boundary value (zeroGradient at the inlet,
                        i.e. the value of the cell next to the face: O(h));
               "extrap": cell value + cell gradient . (x_f - x_cell) (second
                        order; the primary value).  Outlets: p = 0 exactly.
  dp_i       p_cap(inlet) - p_cap(outlet_i), Pa.
  WSS        |tau_w| = rho |wallShearStress| per wall face (Pa), from
             OpenFOAM's wallShearStress function object (laminar: nu times the
             wall-normal velocity gradient, from the cell next to the wall).
               mean  = sum(|tau| A_f) / sum(A_f)
               p95   = area-weighted 95th percentile: sort the faces by |tau|,
                       accumulate their areas; p95 is the |tau| of the first
                       face at which the accumulated area reaches 0.95 * total
                       (the smallest tau with area(|tau'| <= tau) >= 95 %).
             "_core": the same over the wall faces that are farther than
             2 branch diameters from every cap (distance along the cap's
             inward normal, within 1.5 cap radii of the cap's axis).
  Stenosis:
    u_max_cell  max |U| over the cell centres, m/s.
    u_cl(z)     centreline axial velocity per layer of cells (cell centres
                within h/2 of the layer's mid-plane): least-squares fit
                u_z = a + b r^2 to the 12 cells nearest the axis (the two
                innermost rings: 4 cells at r ~ h/sqrt2, 8 at r ~ 1.58 h), u_cl = a.
                The axis lies on grid nodes, so no cell centre is on it.
    u_jet       max over z of u_cl(z) (the jet speed: the axisymmetric jet's
                maximum is on the axis), and its position z_jet.
    u_throat    u_cl at z = z_throat = 15 mm (linear interpolation between layers).
    recirculation: the wall faces are binned in z (bins of width h);
                tau_z(z) = area-weighted mean of the axial component of the
                wall shear stress per bin (OpenFOAM's sign: negative where the
                near-wall flow goes +z).  Separation z_s = first sign change
                - to + downstream of the throat, reattachment z_r = next
                change + to - (linear interpolation between bin centres).
                L_recirc = z_r - z_throat.
"""
import json
import math
import os
import re
import sys

import numpy as np

# ----------------------------------------------------------------------------- I/O


def _strip_header(txt):
    i = txt.find("FoamFile")
    if i >= 0:
        j = txt.find("}", i)
        txt = txt[j + 1:]
    return re.sub(r"//[^\n]*", "", txt)


def _list_after(txt, pos, ncomp):
    m = re.compile(r"\s*(\d+)\s*\(").match(txt, pos)
    n = int(m.group(1))
    start = m.end()
    end = txt.index("\n)", start)
    body = txt[start:end]
    if ncomp > 1:
        body = body.replace("(", " ").replace(")", " ")
    arr = np.array(body.split(), dtype=float)
    if ncomp > 1:
        arr = arr.reshape(-1, ncomp)
    assert arr.shape[0] == n, (arr.shape, n)
    return arr, end


def read_field(path, patch=None):
    """internalField of a volField (or the 'value' of boundary patch `patch`)."""
    txt = open(path).read()
    cls = re.search(r"class\s+(\w+);", txt).group(1)
    ncomp = 3 if "Vector" in cls else 1
    txt = _strip_header(txt)
    if patch is None:
        i = txt.index("internalField")
    else:
        b = txt.index("boundaryField")
        m = re.compile(r"\n\s*" + re.escape(patch) + r"\s*\n?\s*\{").search(txt, b)
        if m is None:
            raise KeyError(patch)
        j = txt.index("}", m.end())
        seg = txt[m.end():j]
        if "value" not in seg:
            return None
        i = txt.index("value", m.end())
    j = txt.index("uniform", i)
    if txt[j - 3:j] == "non":
        k = txt.index(">", j) + 1 if "List<" in txt[j:j + 40] else j + len("uniform")
        arr, _ = _list_after(txt, k, ncomp)
        return arr
    val = txt[j + len("uniform"):txt.index(";", j)].replace("(", " ").replace(")", " ").split()
    return np.array(val, dtype=float)


def read_boundary(case):
    txt = _strip_header(open(os.path.join(case, "constant/polyMesh/boundary")).read())
    out = {}
    for m in re.finditer(r"(\w+)\s*\{([^}]*)\}", txt):
        d = dict(re.findall(r"(\w+)\s+([^;]+);", m.group(2)))
        if "nFaces" in d:
            out[m.group(1)] = (int(d["startFace"]), int(d["nFaces"]))
    return out


class Mesh:
    """Points + boundary faces (+ their owner cells) of a polyMesh."""

    def __init__(self, case):
        self.case = case
        pm = os.path.join(case, "constant/polyMesh")
        self.points, _ = _list_after(_strip_header(open(os.path.join(pm, "points")).read()), 0, 3)
        self.patches = read_boundary(case)
        self.b0 = min(s for s, n in self.patches.values() if n > 0)
        ftxt = _strip_header(open(os.path.join(pm, "faces")).read())
        m = re.compile(r"\s*(\d+)\s*\(").match(ftxt)
        self.nfaces = int(m.group(1))
        lines = [ln for ln in ftxt[m.end():].split("\n") if "(" in ln]
        self.bfaces = []
        for ln in lines[self.b0:self.nfaces]:
            self.bfaces.append([int(t) for t in ln[ln.index("(") + 1:ln.index(")")].split()])
        otxt = _strip_header(open(os.path.join(pm, "owner")).read())
        own, _ = _list_after(otxt, 0, 1)
        self.bowner = own[self.b0:].astype(np.int64)
        self.ncells = int(own.max()) + 1
        self._geo = {}

    def patch_geom(self, patch):
        """(area vectors, centres, owner cells) of the faces of `patch`,
        computed like OpenFOAM's primitiveMesh (triangle fan about the vertex
        average; centre = area-weighted triangle centroids)."""
        if patch in self._geo:
            return self._geo[patch]
        start, n = self.patches[patch]
        S = np.zeros((n, 3))
        C = np.zeros((n, 3))
        for k in range(n):
            P = self.points[self.bfaces[start - self.b0 + k]]
            c = P.mean(axis=0)
            Q = np.roll(P, -1, axis=0)
            tri_n = 0.5 * np.cross(P - c, Q - c)
            tri_c = (P + Q + c) / 3.0
            a = np.linalg.norm(tri_n, axis=1)
            S[k] = tri_n.sum(axis=0)
            C[k] = (tri_c * a[:, None]).sum(axis=0) / a.sum()
        own = self.bowner[start - self.b0:start - self.b0 + n]
        self._geo[patch] = (S, C, own)
        return self._geo[patch]


def latest_time(case):
    ts = []
    for d in os.listdir(case):
        try:
            ts.append((float(d), d))
        except ValueError:
            pass
    return max(ts)[1]


# ----------------------------------------------------------------------------- inlet


def cmd_inlet(case):
    info = json.load(open(os.path.join(case, "case.json")))
    sname = info["surface"]
    geo = info["geometry"]["groups"]["inlet"]
    cen = np.array(geo["centroid"])
    nout = np.array(geo["normal_out"])
    R, U = info["R"], info["U"]
    mesh = Mesh(case)
    S, Cf, _ = mesh.patch_geom(sname + "_inlet")
    A = np.linalg.norm(S, axis=1)
    d = Cf - cen
    d -= np.outer(d @ nout, nout)
    r2 = (d ** 2).sum(axis=1)
    prof = 2 * U * np.clip(1 - r2 / R ** 2, 0, None)
    Qt = U * math.pi * R ** 2
    scale = Qt / (prof * A).sum()
    u = prof * scale
    vecs = -np.outer(u, nout)
    up = os.path.join(case, "0/U")
    txt = open(up).read()
    vals = "\n".join("(%.12g %.12g %.12g)" % tuple(v) for v in vecs)
    new = "%s_inlet\n    {\n        type fixedValue;\n        value nonuniform List<vector> %d\n(\n%s\n);\n    }" % (
        sname, len(u), vals)
    txt = re.sub(re.escape(sname) + r"_inlet\s*\{[^}]*\}", lambda _: new, txt, count=1)
    open(up, "w").write(txt)
    res = dict(inlet_faces=int(len(u)), inlet_patch_area=float(A.sum()), inlet_area_nominal=math.pi * R ** 2,
               inlet_profile_scale=float(scale), Q_target=Qt)
    json.dump(res, open(os.path.join(case, "inlet.json"), "w"), indent=1)
    print("inlet: %d faces, patch area %.6e m^2 (pi R^2 = %.6e), parabola scaled by %.6f -> Q = %.6e m^3/s"
          % (len(u), A.sum(), math.pi * R ** 2, scale, Qt))



# ----------------------------------------------------------------------------- analysis


def wpercentile(x, w, q):
    """Area-weighted percentile: the smallest x_k (sorted ascending) whose
    accumulated weight sum(w_j, j <= k) reaches q * sum(w)."""
    o = np.argsort(x, kind="stable")
    cw = np.cumsum(w[o])
    k = int(np.searchsorted(cw, q * cw[-1], side="left"))
    return float(x[o][min(k, len(x) - 1)])


def lumen_radius_stenosis(z, ex):
    """hemoflow's StenosisSpec::lumen_radius (cosine in radius), m."""
    x = z - ex["z_throat"]
    Rt = ex["R"] * math.sqrt(1 - ex["area_reduction"] / 100.0)
    bump = np.where(np.abs(x) < ex["Ls"] / 2, 0.5 * (1 + np.cos(2 * np.pi * x / ex["Ls"])), 0.0)
    return ex["R"] - (ex["R"] - Rt) * bump


def fit_centreline(x_ax, r, u_ax, rmax, h):
    """Least-squares u = a + b r^2 over the cells with r < max(rmax, 1.6 h); returns a."""
    sel = r < max(rmax, 1.6 * h)
    if sel.sum() < 3 or np.unique(np.round(r[sel] / h, 3)).size < 2:
        return float("nan")
    A = np.vstack([np.ones(sel.sum()), r[sel] ** 2]).T
    c, *_ = np.linalg.lstsq(A, u_ax[sel], rcond=None)
    return float(c[0])


def _dat(path, col=1):
    t, v = [], []
    for ln in open(path):
        if ln.startswith("#") or not ln.strip():
            continue
        f = ln.split()
        t.append(float(f[0]))
        v.append(float(f[col]))
    return np.array(t), np.array(v)


def _log_info(path):
    it = 0
    res = {}
    conv = False
    ex = 0.0
    for ln in open(path):
        if ln.startswith("Time = "):
            it = int(float(ln.split()[2]))
        elif "Solving for" in ln and "Initial residual" in ln:
            f = ln.split("Solving for ")[1]
            var = f.split(",")[0]
            r0 = float(f.split("Initial residual = ")[1].split(",")[0])
            # first p solve of an iteration is the one residualControl uses
            if var not in res or res[var][0] != it:
                res[var] = (it, r0)
        elif ln.startswith("SIMPLE solution converged"):
            conv = True
        elif ln.startswith("ExecutionTime"):
            ex = float(ln.split()[2])
    return dict(iterations=it, converged_residualControl=conv, cpu_s=ex,
                final_initial_residuals={k: v[1] for k, v in res.items()})


def _checkmesh(path):
    t = open(path).read()
    out = dict(mesh_ok="Mesh OK" in t)
    for key, pat in (("cells", r"\n\s*cells:\s+(\d+)"), ("max_nonortho_deg", r"non-orthogonality Max: (\S+)"),
                     ("max_skewness", r"Max skewness = (\S+)"), ("total_volume_m3", r"Total volume = (\S+?)\.?\s"),
                     ("hexahedra", r"hexahedra:\s+(\d+)"), ("prisms", r"prisms:\s+(\d+)"),
                     ("polyhedra", r"polyhedra:\s+(\d+)"), ("max_aspect_ratio", r"Max aspect ratio = (\S+)")):
        m = re.search(pat, t)
        if m:
            out[key] = float(m.group(1).rstrip("."))
    out["failed_checks"] = re.findall(r"\*\*\*([^\n]*)", t)
    return out


def cmd_analyze(case):
    info = json.load(open(os.path.join(case, "case.json")))
    ex = info["extra"]
    kind = ex["kind"]
    RHO, MU, h = info["rho"], info["mu"], info["h"]
    U0, R0 = info["U"], info["R"]
    sname = info["surface"]
    geo = info["geometry"]
    t = latest_time(case)
    td = os.path.join(case, t)
    mesh = Mesh(case)
    C = read_field(os.path.join(td, "C"))
    U = read_field(os.path.join(td, "U"))
    p = read_field(os.path.join(td, "p")) * RHO
    gp = read_field(os.path.join(td, "grad(p)")) * RHO
    out = dict(case=os.path.basename(os.path.abspath(case)), kind=kind, tag=info["tag"], h_m=h,
               cells=int(len(C)), time=t, Re=info["Re"], U_mean_inlet=U0, R_inlet=R0,
               cells_per=ex.get("cells_per"), per_length=ex.get("per_length"),
               scheme=ex.get("scheme", "linearUpwind"), divU=info.get("divU"))
    out.update(_log_info(os.path.join(case, "log.simpleFoam")))
    out["checkMesh"] = _checkmesh(os.path.join(case, "log.checkMesh"))
    out["checkMesh"]["volume_ratio_to_stl"] = out["checkMesh"].get("total_volume_m3", float("nan")) / geo["volume"]
    if os.path.exists(os.path.join(case, "timing.env")):
        for ln in open(os.path.join(case, "timing.env")):
            if "=" in ln:
                k, v = ln.strip().split("=", 1)
                out[k] = float(v)
    # ---- caps
    caps = {}
    cap_names = ["inlet"] + info["outlets"]
    for g in cap_names:
        pn = "%s_%s" % (sname, g)
        S, Cf, own = mesh.patch_geom(pn)
        A = np.linalg.norm(S, axis=1)
        phi = read_field(os.path.join(td, "phi"), pn)
        pb = read_field(os.path.join(td, "p"), pn)
        pb = p[own] if pb is None else pb * RHO * np.ones(len(A))
        pex = p[own] + np.einsum("ij,ij->i", gp[own], Cf - C[own])
        if g != "inlet":
            pex = pb.copy()       # fixedValue p = 0
        d = dict(faces=int(len(A)), area_m2=float(A.sum()), area_stl_m2=geo["groups"][g]["area"],
                 Q_m3s=float(-phi.sum() if g == "inlet" else phi.sum()),
                 p_patch_Pa=float((pb * A).sum() / A.sum()), p_extrap_Pa=float((pex * A).sum() / A.sum()))
        if g != "inlet":
            neg = phi < 0
            d["backflow_faces"] = int(neg.sum())
            d["backflow_Q_m3s"] = float(-phi[neg].sum())
        caps[g] = d
    Qin = caps["inlet"]["Q_m3s"]
    out["Q_target_m3s"] = info["Q_target"]
    out["mass_imbalance_rel"] = (Qin - sum(caps[g]["Q_m3s"] for g in info["outlets"])) / Qin
    for g in info["outlets"]:
        caps[g]["split"] = caps[g]["Q_m3s"] / Qin
        caps[g]["dp_Pa"] = caps["inlet"]["p_extrap_Pa"] - caps[g]["p_extrap_Pa"]
        caps[g]["dp_patch_Pa"] = caps["inlet"]["p_patch_Pa"] - caps[g]["p_patch_Pa"]
    out["caps"] = caps
    # ---- wall shear stress
    pw = sname + "_wall"
    Sw, Cw, ow = mesh.patch_geom(pw)
    Aw = np.linalg.norm(Sw, axis=1)
    T = read_field(os.path.join(td, "wallShearStress"), pw) * RHO
    mag = np.linalg.norm(T, axis=1)
    core = np.ones(len(Aw), bool)
    for g in cap_names:
        gc = np.array(geo["groups"][g]["centroid"])
        m = -np.array(geo["groups"][g]["normal_out"])
        Rc = info["capR"][g]
        dv = Cw - gc
        s = dv @ m
        lat = np.linalg.norm(dv - np.outer(s, m), axis=1)
        core &= ~((s < 4 * Rc) & (lat < 1.5 * Rc))
    out["wall"] = dict(faces=int(len(Aw)), area_m2=float(Aw.sum()), area_stl_m2=geo["groups"]["wall"]["area"],
                       wss_mean_Pa=float((mag * Aw).sum() / Aw.sum()), wss_p95_Pa=wpercentile(mag, Aw, 0.95),
                       wss_max_face_Pa=float(mag.max()),
                       core_area_m2=float(Aw[core].sum()),
                       wss_mean_core_Pa=float((mag[core] * Aw[core]).sum() / Aw[core].sum()),
                       wss_p95_core_Pa=wpercentile(mag[core], Aw[core], 0.95))
    # ---- Poiseuille check in the straight parent upstream (axis = z, inlet at z = 0)
    za, zb = ex["poiseuille_window"]
    r = np.hypot(C[:, 0], C[:, 1])
    win = (C[:, 2] > za) & (C[:, 2] < zb) & (r < R0)
    ucl = fit_centreline(None, r[win], U[win, 2], 0.5 * R0, h)
    P = np.vstack([np.ones(win.sum()), C[win, 2]]).T
    pc, *_ = np.linalg.lstsq(P, p[win], rcond=None)
    fw = (Cw[:, 2] > za) & (Cw[:, 2] < zb)
    out["poiseuille_check"] = dict(
        window_z_m=[za, zb], u_cl=ucl, u_cl_analytic=2 * U0,
        dpdz_Pa_per_m=float(-pc[1]), dpdz_analytic=8 * MU * U0 / R0 ** 2,
        wss_mean_Pa=float((mag[fw] * Aw[fw]).sum() / Aw[fw].sum()), wss_analytic=4 * MU * U0 / R0,
        wss_force_equiv_Pa=float(abs((T[fw, 2] * Aw[fw]).sum()) / (2 * math.pi * R0 * (zb - za))),
        wss_sign_z=float(np.sign((T[fw, 2] * Aw[fw]).sum())))
    if kind == "stenosis":
        zt = ex["z_throat"]
        magU = np.linalg.norm(U, axis=1)
        imax = int(np.argmax(magU))
        st = dict(u_max_cell=float(magU[imax]), u_max_cell_at_m=C[imax].tolist())
        k = np.floor(C[:, 2] / h).astype(int)
        zl, ul = [], []
        for kk in range(int(k.min()), int(k.max()) + 1):
            zc = (kk + 0.5) * h
            Rz = float(lumen_radius_stenosis(np.array(zc), ex))
            sel = (k == kk) & (np.abs(C[:, 2] - zc) < 0.5 * h) & (r < 0.75 * Rz)
            if sel.sum() < 3:
                continue
            # only the two innermost rings (the 12 cells nearest the axis: r = h/sqrt2, 4 cells;
            # r = 1.58 h, 8 cells; snapping may shift them a little): a wider fit is biased
            # high where the jet profile is flat-topped, not parabolic
            idx = np.nonzero(sel)[0]
            idx = idx[np.argsort(r[idx])][:12]
            if len(idx) < 12 or r[idx[-1]] ** 2 - r[idx[0]] ** 2 < h ** 2:
                continue
            A = np.vstack([np.ones(12), r[idx] ** 2]).T
            c, *_ = np.linalg.lstsq(A, U[idx, 2], rcond=None)
            zl.append(zc)
            ul.append(float(c[0]))
        zl, ul = np.array(zl), np.array(ul)
        j = int(np.nanargmax(ul))
        st["u_jet"] = float(ul[j])
        st["z_jet_m"] = float(zl[j])
        st["u_throat_cl"] = float(np.interp(zt, zl, ul))
        st["u_throat_mean"] = info["Q_target"] / (math.pi * float(lumen_radius_stenosis(np.array(zt), ex)) ** 2)
        st["centreline"] = dict(z_m=zl.tolist(), u_cl=ul.tolist())
        # recirculation from the axial wall shear stress, bins of width h
        kb = np.floor(Cw[:, 2] / h).astype(int)
        nb = int(kb.max()) + 1
        Ab = np.bincount(kb, Aw, nb)
        Tb = np.bincount(kb, T[:, 2] * Aw, nb) / np.maximum(Ab, 1e-300)
        zb_ = (np.arange(nb) + 0.5) * h
        ok = Ab > 0
        zb_, Tb = zb_[ok], Tb[ok]
        zs = zr = None
        i0 = int(np.searchsorted(zb_, zt))
        for i in range(max(i0, 1), len(zb_)):
            if zs is None and Tb[i - 1] <= 0 < Tb[i]:
                zs = zb_[i - 1] + (zb_[i] - zb_[i - 1]) * (-Tb[i - 1]) / (Tb[i] - Tb[i - 1])
            elif zs is not None and Tb[i - 1] > 0 >= Tb[i]:
                zr = zb_[i - 1] + (zb_[i] - zb_[i - 1]) * Tb[i - 1] / (Tb[i - 1] - Tb[i])
                break
        st["z_separation_m"] = zs
        st["z_reattachment_m"] = zr
        st["recirculation_closed"] = zr is not None
        st["L_recirc_from_throat_m"] = (zr - zt) if zr is not None else None
        st["L_recirc_sep_to_reatt_m"] = (zr - zs) if zr is not None else None
        st["wall_tau_z_profile"] = dict(z_m=zb_.tolist(), tau_z_Pa=Tb.tolist())
        # reverse axial flow anywhere in the last 2 D before the outlet?
        zo = geo["groups"]["outlet"]["centroid"][2]
        last = C[:, 2] > zo - 4 * R0
        st["min_uz_last_2D"] = float(U[last, 2].min())
        out["stenosis"] = st
    # ---- convergence of the monitored quantities (function objects, every 10 iterations)
    pp = os.path.join(case, "postProcessing")
    conv = {}
    for d in sorted(os.listdir(pp)) if os.path.isdir(pp) else []:
        f = [os.path.join(pp, d, "0", x) for x in ("surfaceFieldValue.dat", "fieldMinMax.dat")]
        f = [x for x in f if os.path.exists(x)]
        if not f:
            continue
        tt, vv = _dat(f[0], 1 if "surfaceField" in f[0] else 6)   # fieldMinMax: t name min (x y z) max ...
        if len(vv) >= 6:
            ref = abs(vv[-1]) if abs(vv[-1]) > 0 else 1.0
            conv[d] = dict(final=float(vv[-1]), rel_change_last_50_iter=float(np.abs(vv[-6:] - vv[-1]).max() / ref))
    out["monitor_convergence"] = conv
    json.dump(out, open(os.path.join(case, "metrics.json"), "w"), indent=1)
    short = {k: v for k, v in out.items() if k not in ("stenosis",)}
    print(json.dumps(short, indent=1))
    if "stenosis" in out:
        print(json.dumps({k: v for k, v in out["stenosis"].items() if k not in ("centreline", "wall_tau_z_profile")}, indent=1))



# ----------------------------------------------------------------------------- report

# key -> (unit, description); the order is the order of the tables
QUANT = [
    ("Q_inlet", "m^3/s", "flow rate into the inlet cap (= the imposed Q = U pi R^2)"),
    ("Q_outlet", "m^3/s", "flow rate out of the outlet cap"),
    ("Q_outlet_1", "m^3/s", "flow rate out of outlet_1 (daughter R = 0.85 mm, +x side)"),
    ("Q_outlet_2", "m^3/s", "flow rate out of outlet_2 (daughter R = 0.70 mm, -x side)"),
    ("split_outlet", "1", "Q_outlet / Q_inlet"),
    ("split_outlet_1", "1", "Q_outlet_1 / Q_inlet"),
    ("split_outlet_2", "1", "Q_outlet_2 / Q_inlet"),
    ("dp_inlet_outlet", "Pa", "area-mean p on the inlet cap - that on the outlet cap (p at the inlet faces extrapolated from the cells with their gradient)"),
    ("dp_inlet_outlet_1", "Pa", "area-mean p inlet cap - area-mean p outlet_1 cap (extrapolated inlet face values)"),
    ("dp_inlet_outlet_2", "Pa", "area-mean p inlet cap - area-mean p outlet_2 cap (extrapolated inlet face values)"),
    ("dp_patch_inlet_outlet", "Pa", "same with OpenFOAM's zeroGradient inlet face values (= adjacent cell values, O(h))"),
    ("dp_patch_inlet_outlet_1", "Pa", "same with OpenFOAM's zeroGradient inlet face values (= adjacent cell values, O(h))"),
    ("dp_patch_inlet_outlet_2", "Pa", "same with OpenFOAM's zeroGradient inlet face values (= adjacent cell values, O(h))"),
    ("wss_mean", "Pa", "area-weighted mean of |tau_w| over the whole wall patch"),
    ("wss_p95", "Pa", "area-weighted 95th percentile of |tau_w| over the whole wall"),
    ("wss_mean_core", "Pa", "area-weighted mean |tau_w|, wall farther than 2 branch diameters from every cap"),
    ("wss_p95_core", "Pa", "area-weighted 95th percentile |tau_w|, same wall subset"),
    ("wss_max_face", "Pa", "largest |tau_w| of a single wall face (mesh dependent, for information)"),
    ("u_jet", "m/s", "maximum of the centreline axial velocity (the jet speed; fitted to the axis)"),
    ("z_jet", "m", "axial position of u_jet (inlet at z = 0, throat at z = 0.015)"),
    ("u_max_cell", "m/s", "largest |U| of a cell centre (no cell centre lies on the axis)"),
    ("u_throat_cl", "m/s", "centreline axial velocity at the throat plane z = 0.015 m"),
    ("z_separation", "m", "separation point behind the throat (axial wall shear stress changes sign)"),
    ("z_reattachment", "m", "reattachment point (axial wall shear stress back to the forward sign)"),
    ("L_recirc", "m", "recirculation length, z_reattachment - z_throat"),
    ("L_recirc_sep_reatt", "m", "z_reattachment - z_separation"),
    ("pois_u_cl", "m/s", "Poiseuille check window: centreline velocity (analytic 2 U)"),
    ("pois_dpdz", "Pa/m", "Poiseuille check window: -dp/dz (analytic 8 mu U / R^2)"),
    ("pois_wss_mean", "Pa", "Poiseuille check window: area-mean |tau_w| (analytic 4 mu U / R)"),
]
UNITS = {k: u for k, u, _ in QUANT}
# quantities whose extrapolation is meaningful (smooth functionals)
NO_EXTRAP = {"Q_inlet", "Q_outlet", "split_outlet", "wss_max_face", "u_max_cell", "z_jet",
             "pois_u_cl", "pois_dpdz", "pois_wss_mean"}   # sanity checks: compared with the analytic values instead


def flat(m):
    out = {}
    for g, d in m["caps"].items():
        if g == "inlet":
            out["Q_inlet"] = d["Q_m3s"]
        else:
            out["Q_" + g] = d["Q_m3s"]
            out["split_" + g] = d["split"]
            out["dp_inlet_" + g] = d["dp_Pa"]
            out["dp_patch_inlet_" + g] = d["dp_patch_Pa"]
    w = m["wall"]
    for k in ("wss_mean", "wss_p95", "wss_mean_core", "wss_p95_core", "wss_max_face"):
        out[k] = w[k + "_Pa"]
    if "stenosis" in m:
        st = m["stenosis"]
        out.update(u_jet=st["u_jet"], z_jet=st["z_jet_m"], u_max_cell=st["u_max_cell"],
                   u_throat_cl=st["u_throat_cl"])
        for k, kk in (("z_separation", "z_separation_m"), ("z_reattachment", "z_reattachment_m"),
                      ("L_recirc", "L_recirc_from_throat_m"), ("L_recirc_sep_reatt", "L_recirc_sep_to_reatt_m")):
            if st.get(kk) is not None:
                out[k] = st[kk]
    pc = m["poiseuille_check"]
    out.update(pois_u_cl=pc["u_cl"], pois_dpdz=pc["dpdz_Pa_per_m"], pois_wss_mean=pc["wss_mean_Pa"])
    return out


def richardson2(fc, ff, r, p=2.0):
    return ff + (ff - fc) / (r ** p - 1)


def celik3(f1, f2, f3, r21, r32):
    """Celik et al. 2008 (ASME JFE) three-grid procedure, 1 = finest.
    Returns (p, phi_ext21, gci_fine21 (absolute), oscillatory)."""
    e32, e21 = f3 - f2, f2 - f1
    if e21 == 0 or e32 == 0:
        return None
    s = 1.0 if e32 / e21 > 0 else -1.0
    p = 2.0
    for _ in range(200):
        q = math.log((r21 ** p - s) / (r32 ** p - s)) if (r21 ** p - s) / (r32 ** p - s) > 0 else 0.0
        pn = abs(math.log(abs(e32 / e21)) + q) / math.log(r21)
        if abs(pn - p) < 1e-10:
            p = pn
            break
        p = pn
    ext = (r21 ** p * f1 - f2) / (r21 ** p - 1)
    gci = 1.25 * abs(f1 - f2) / (r21 ** p - 1)
    # status: monotone convergence needs same-sign differences that shrink under refinement
    # (|e21| < |e32| for r21 ~ r32); otherwise the abs() above would hide a divergence
    status = "oscillatory" if s < 0 else ("diverging" if abs(e21) >= abs(e32) else "observed")
    return p, ext, gci, status


def _fmt(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v == 0:
            return "0.0"
        t = "%.7g" % v
        # keep it a TOML float (a bare "1060" would read back as an integer)
        return t if any(c in t for c in ".en") else t + ".0"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    raise TypeError(v)


def cmd_report(outdir, work):
    ms = []
    for d in sorted(os.listdir(work)):
        f = os.path.join(work, d, "metrics.json")
        if os.path.exists(f):
            ms.append(json.load(open(f)))
    cases = {}
    for m in ms:
        key = m["kind"] if m.get("scheme", "linearUpwind") == "linearUpwind" else "%s.%s" % (m["kind"], m["scheme"])
        cases.setdefault(key, []).append(m)
    for k in cases:
        cases[k].sort(key=lambda m: -m["h_m"])
    L = []
    md = []
    L.append("# OpenFOAM peer reference: steady laminar stenosis and bifurcation (hemoflow geometry).")
    L.append("# Written by peers/openfoam/foam_post.py report (from run.sh); definitions in peers/openfoam/README.md.")
    L.append("# SI units everywhere; the unit of every number is in the comment after it.")
    L.append("# Sections: [<case>.n<N>] one resolution (N cells per reference diameter, see cells_per_length),")
    L.append("#   [<case>.richardson_<coarse>_<fine>]: the two resolutions of the brief, Richardson with assumed order 2,")
    L.append("#   [<case>.best]: best estimate (three-grid Richardson with the observed order where it is")
    L.append("#   monotone and 0.5 < p < 4, otherwise order 2 from the two finest) with its uncertainty <key>_gci.")
    L.append("#   [<case>.recommended]: the values for tests, <key> +- <key>_band (see its method).")
    L.append("#   [stenosis.central.*]: DIAGNOSTIC runs, same meshes with central differencing for div(phi,U).")
    L.append("# Lengths/positions are in the STL frame: inlet cap centre at the origin, flow along +z.")
    L.append("")
    L.append("[meta]")
    try:
        import subprocess
        ver = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "openfoam"], capture_output=True, text=True).stdout
    except Exception:
        ver = "?"
    L.append("solver = %s" % _fmt("OpenFOAM v1912 (Debian openfoam %s), simpleFoam SIMPLEC, laminar, serial, double precision" % ver))
    m0 = ms[0]
    L.append("rho = %s  # kg/m^3" % _fmt(1060.0))
    L.append("mu = %s  # Pa s" % _fmt(0.0035))
    L.append("nu = %s  # m^2/s (mu/rho)" % _fmt(0.0035 / 1060.0))
    L.append("U_mean_inlet = %s  # m/s, mean inlet velocity (Re = U D / nu = 100, D = 2 mm)" % _fmt(m0["U_mean_inlet"]))
    L.append("Q_inlet = %s  # m^3/s, imposed flow rate U pi R^2, R = 1 mm" % _fmt(m0["Q_target_m3s"]))
    L.append("Re = %s  # 1, on the inlet diameter" % _fmt(round(m0["Re"], 6)))
    L.append("poiseuille_dpdz = %s  # Pa/m, 8 mu U / R^2 in the straight R = 1 mm parent" % _fmt(8 * 0.0035 * m0["U_mean_inlet"] / 1e-6))
    L.append("poiseuille_wss = %s  # Pa, 4 mu U / R" % _fmt(4 * 0.0035 * m0["U_mean_inlet"] / 1e-3))
    L.append("poiseuille_u_cl = %s  # m/s, 2 U" % _fmt(2 * m0["U_mean_inlet"]))
    geo_cmd = dict(
        stenosis="hemoflow mesh generate stenosis -o stenosis.obj --radius 1 --length 30 --area-reduction 75 "
                 "--stenosis-length 4 --axis 0,0,1 --segments 128",
        bifurcation="hemoflow mesh generate bifurcation -o bifurcation.obj --radius 1 --length 10 "
                    "--daughter-radii 0.85,0.7 --daughter-lengths 12,12 --angle 70 --axis 0,0,1")
    bests = {}
    for kind in ("stenosis", "bifurcation", "stenosis.central", "bifurcation.central"):
        if kind not in cases:
            continue
        lv = cases[kind]
        diag = "." in kind
        ref_len = lv[0]["h_m"] * lv[0].get("cells_per", 0)
        L.append("")
        L.append("[%s]" % kind)
        if diag:
            L.append("# DIAGNOSTIC ONLY (not the reference): same meshes and settings but div(phi,U) = %s" % lv[0]["divU"])
            L.append("# (central differencing), to show the sensitivity to the convection scheme.")
        L.append("geometry = %s  # mm, then scaled to m" % _fmt(geo_cmd[kind.split(".")[0]]))
        L.append("div_phi_U = %s" % _fmt(lv[0].get("divU") or "bounded Gauss linearUpwind grad(U)"))
        if kind.startswith("stenosis"):
            L.append("z_throat = 0.015  # m, throat plane (inlet cap at z = 0, outlet cap at z = 0.03)")
            L.append("throat_radius = 0.0005  # m")
            L.append("reference_length = 0.002  # m, resolution N = cells per parent diameter D = 2 mm")
        else:
            L.append("reference_length = 0.0014  # m, resolution N = cells per smaller daughter diameter 1.4 mm")
            L.append("outlet_1_radius = 0.00085  # m (daughter towards +x)")
            L.append("outlet_2_radius = 0.0007  # m (daughter towards -x)")
        L.append("resolutions = %s  # cells per reference_length" % _fmt([int(round(x["cells_per"])) for x in lv]))
        fl = []
        for m in lv:
            f = flat(m)
            fl.append(f)
            N = int(round(m["cells_per"]))
            L.append("")
            L.append("[%s.n%d]" % (kind, N))
            L.append("cells_per_length = %d  # cells per reference_length" % N)
            L.append("h = %s  # m, background cell size" % _fmt(m["h_m"]))
            L.append("cells = %d  # 1, fluid cells after snappyHexMesh" % m["cells"])
            cm = m["checkMesh"]
            L.append("volume_ratio = %s  # 1, mesh volume / STL volume" % _fmt(cm["volume_ratio_to_stl"]))
            L.append("max_non_orthogonality = %s  # degrees" % _fmt(cm.get("max_nonortho_deg", float("nan"))))
            L.append("max_skewness = %s  # 1" % _fmt(cm.get("max_skewness", float("nan"))))
            L.append("check_mesh_ok = %s" % _fmt(bool(cm["mesh_ok"])))
            L.append("iterations = %d  # SIMPLE iterations" % m["iterations"])
            L.append("converged = %s  # every initial residual < residualControl" % _fmt(bool(m["converged_residualControl"])))
            L.append("final_residual_max = %s  # 1, largest initial residual of the last iteration" % _fmt(max(m["final_initial_residuals"].values())))
            L.append("mesh_wall_time = %s  # s, blockMesh + surfaceFeatureExtract + snappyHexMesh" % _fmt(m.get("mesh_wall_s", float("nan"))))
            L.append("solver_wall_time = %s  # s, simpleFoam, serial, nice 19" % _fmt(m.get("solver_wall_s", float("nan"))))
            L.append("mass_imbalance = %s  # 1, (Q_in - sum Q_out) / Q_in" % _fmt(m["mass_imbalance_rel"]))
            for g, d in m["caps"].items():
                if g != "inlet":
                    L.append("backflow_faces_%s = %d  # 1, %s faces with inflow" % (g, d["backflow_faces"], g))
            if "stenosis" in m:
                L.append("recirculation_closed = %s" % _fmt(bool(m["stenosis"]["recirculation_closed"])))
                L.append("min_uz_last_2D = %s  # m/s, smallest axial velocity in the last 2 D before the outlet" % _fmt(m["stenosis"]["min_uz_last_2D"]))
            for k, u, _ in QUANT:
                if k in f:
                    L.append("%s = %s  # %s" % (k, _fmt(f[k]), u))
        keys = [k for k, _, _ in QUANT if all(k in f for f in fl)]
        # ---- Richardson from the brief's two resolutions (first two levels), order 2
        rich = {}
        if len(lv) >= 2:
            a, b = lv[0], lv[1]
            r = a["h_m"] / b["h_m"]
            L.append("")
            L.append("[%s.richardson_n%d_n%d]" % (kind, round(a["cells_per"]), round(b["cells_per"])))
            L.append("method = %s" % _fmt("f_fine + (f_fine - f_coarse)/(r^2 - 1), r = %.4g (assumed order 2)" % r))
            for k in keys:
                if k in NO_EXTRAP:
                    continue
                rich[k] = richardson2(fl[0][k], fl[1][k], r)
                L.append("%s = %s  # %s" % (k, _fmt(rich[k]), UNITS[k]))
        # ---- best estimate
        best = {}
        if len(lv) >= 2:
            L.append("")
            L.append("[%s.best]" % kind)
            if len(lv) >= 3:
                L.append("method = %s" % _fmt("three-grid Richardson (Celik et al. 2008) on n%d/n%d/n%d with the observed order p "
                                              "where monotone and 0.5 < p < 4 (GCI factor 1.25); otherwise order 2 from the two "
                                              "finest levels (GCI factor 3)" % tuple(round(x["cells_per"]) for x in lv[-3:])))
            else:
                L.append("method = %s" % _fmt("Richardson with assumed order 2 from the two levels (GCI factor 3)"))
            for k in keys:
                if k in NO_EXTRAP:
                    continue
                f1, h1 = fl[-1][k], lv[-1]["h_m"]
                f2, h2 = fl[-2][k], lv[-2]["h_m"]
                r21 = h2 / h1
                res = None
                if len(lv) >= 3:
                    f3, h3 = fl[-3][k], lv[-3]["h_m"]
                    res = celik3(f1, f2, f3, r21, h3 / h2)
                if res is not None and res[3] == "observed" and 0.5 < res[0] < 4:
                    p, ext, gci, _ = res
                    best[k] = (ext, gci, p, "observed")
                else:
                    ext = richardson2(f2, f1, r21)
                    gci = 3.0 * abs(f1 - f2) / (r21 ** 2 - 1)
                    pobs = res[0] if (res is not None and res[3] == "observed") else None
                    why = "two levels" if res is None else (res[3] if res[3] != "observed" else "p out of range")
                    best[k] = (ext, gci, pobs, why)
                ext, gci, p, how = best[k]
                L.append("%s = %s  # %s" % (k, _fmt(ext), UNITS[k]))
                L.append("%s_gci = %s  # %s, uncertainty band (+-)" % (k, _fmt(gci), UNITS[k]))
                if p is not None:
                    L.append("%s_order = %s  # 1, observed order (%s)" % (k, _fmt(p), how))
                L.append("%s_method = %s" % (k, _fmt("observed-order three-grid Richardson" if how == "observed" else
                                                     "order-2 Richardson from the two finest levels (%s)" % how)))
        bests[kind] = best
        # ---- markdown
        md.append("### %s\n" % kind)
        hdr = "| quantity | unit | " + " | ".join("n%d (h = %.4g mm, %d cells)" % (round(m["cells_per"]), m["h_m"] * 1e3, m["cells"]) for m in lv)
        sep = "|---|---|" + "---|" * len(lv)
        if rich:
            hdr += " | Richardson n%d/n%d (p = 2)" % (round(lv[0]["cells_per"]), round(lv[1]["cells_per"]))
            sep += "---|"
        if best:
            hdr += " | best estimate ± GCI | observed order"
            sep += "---|---|"
        md += [hdr + " |", sep]
        for k in keys:
            row = "| %s | %s | " % (k, UNITS[k]) + " | ".join("%.5g" % f[k] for f in fl)
            if rich:
                row += " | " + ("%.5g" % rich[k] if k in rich else "-")
            if best:
                if k in best:
                    ext, gci, p, how = best[k]
                    row += " | %.5g ± %.2g | %s" % (ext, gci, ("%.2f" % p if p is not None else "-") + ("" if how == "observed" else " (%s)" % how))
                else:
                    row += " | - | -"
            md.append(row + " |")
        md.append("")
        md.append("| run | cells | iterations | converged | final max residual | mesh [s] | solver [s] | max non-ortho [deg] | max skewness | volume / STL | backflow faces |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for m in lv:
            cm = m["checkMesh"]
            md.append("| %s | %d | %d | %s | %.1e | %.1f | %.1f | %.1f | %.2f | %.5f | %s |" % (
                m["case"], m["cells"], m["iterations"], "yes" if m["converged_residualControl"] else "NO",
                max(m["final_initial_residuals"].values()), m.get("mesh_wall_s", float("nan")),
                m.get("solver_wall_s", float("nan")), cm.get("max_nonortho_deg", float("nan")),
                cm.get("max_skewness", float("nan")), cm["volume_ratio_to_stl"],
                ", ".join("%d" % d["backflow_faces"] for g, d in m["caps"].items() if g != "inlet")))
        md.append("")
    # ---- recommended values for tests
    md.append("### recommended values (for tests)\n")
    md.append("| case | quantity | unit | value | ± band | from |")
    md.append("|---|---|---|---|---|---|")
    for kind in ("stenosis", "bifurcation"):
        b = bests.get(kind)
        if not b:
            continue
        c = bests.get(kind + ".central") or {}
        L.append("")
        L.append("[%s.recommended]" % kind)
        if c:
            L.append("method = %s" % _fmt(
                "value = best estimate of the central-differencing runs (they converge regularly); band = max(its GCI, "
                "|it - best estimate of the linearUpwind runs|), so both schemes' estimates lie within value +- band"))
        else:
            L.append("method = %s" % _fmt("value = [%s.best], band = its GCI" % kind))
        for k, _, u in [(k, d, UNITS[k]) for k, _, d in QUANT]:
            if k not in b:
                continue
            if c and k in c:
                v, band = c[k][0], max(c[k][1], abs(c[k][0] - b[k][0]))
                src = "central best, checked by linearUpwind best"
            else:
                v, band = b[k][0], b[k][1]
                src = "best (linearUpwind)"
            L.append("%s = %s  # %s" % (k, _fmt(v), u))
            L.append("%s_band = %s  # %s, +-" % (k, _fmt(band), u))
            md.append("| %s | %s | %s | %.5g | %.2g | %s |" % (kind, k, u, v, band, src))
    md.append("")
    open(os.path.join(outdir, "reference.toml"), "w").write("\n".join(L) + "\n")
    open(os.path.join(work, "results.md"), "w").write("\n".join(md) + "\n")
    print("\n".join(md))
    print("wrote %s and %s" % (os.path.join(outdir, "reference.toml"), os.path.join(work, "results.md")))


# ----------------------------------------------------------------------------- main

if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "inlet":
        cmd_inlet(sys.argv[2])
    elif cmd == "analyze":
        cmd_analyze(sys.argv[2])
    elif cmd == "report":
        cmd_report(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
