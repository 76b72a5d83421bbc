//! The text form of a [`Comparison`] (`hemoflow compare` without `--json`): aligned, in the units
//! people read (mm, cm^2, mL/s, mmHg, with Pa beside mmHg), each unit stated.

use std::fmt::Write as _;

use super::types::{Change, Comparison, Side, StatsChange, STENT_REACH};
use crate::post::summary::{mmhg, num, Stats, MMHG};

/// `v` through `f`, or "-" when absent.
fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or("-".into(), f)
}

/// A percentage with its sign, e.g. "+12.5 %", or "-".
fn percent(v: Option<f64>) -> String {
    opt(v, |p| format!("{p:+.1} %"))
}

/// A point in mm, "(x, y, z) mm".
fn point_mm(p: [f64; 3]) -> String {
    format!("({}, {}, {}) mm", num(p[0] * 1e3, 4), num(p[1] * 1e3, 4), num(p[2] * 1e3, 4))
}

impl Comparison {
    /// The comparison as aligned text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let w = &mut out;
        for (label, side) in [("pre ", &self.pre), ("post", &self.post)] {
            side_text(w, label, side);
        }
        for note in &self.notes {
            let _ = writeln!(w, "note: {note}");
        }
        self.caps_text(w);
        self.stents_text(w);
        self.wall_text(w);
        self.regions_text(w);
        out
    }

    fn caps_text(&self, w: &mut String) {
        if self.caps.is_empty() {
            let _ = writeln!(w, "\ncaps: none (neither file has a /summary with a time step)");
            return;
        }
        let over = |s: &Side| match &s.caps_over {
            Some(o) if o.kind == "cycle" => format!("the mean over cycle {}", o.cycle.unwrap_or(0)),
            Some(o) => format!("the last time step (t = {:.4} s)", o.start),
            None => "nothing".into(),
        };
        let _ = writeln!(
            w,
            "\ncaps: flow rate in mL/s (+ out of the fluid), mean pressure in mmHg (1 mmHg = 133.322 Pa); pre over \
             {}, post over {}",
            over(&self.pre),
            over(&self.post)
        );
        let name_w = self.caps.iter().map(|c| c.name.len()).max().unwrap_or(0).max(3);
        let _ = writeln!(
            w,
            "  {:<name_w$}  {:<6}  {:>9}  {:>9}  {:>9}  {:>8}  {:>9}  {:>9}  {:>9}  {:>8}",
            "cap", "type", "flow pre", "flow post", "change", "%", "p pre", "p post", "change", "%"
        );
        for c in &self.caps {
            let (q, p) = (c.flow_rate.scaled(1e6), c.mean_pressure.scaled(1.0 / MMHG));
            let v = |x: Option<f64>| opt(x, |v| num(v, 4));
            let _ = writeln!(
                w,
                "  {:<name_w$}  {:<6}  {:>9}  {:>9}  {:>9}  {:>8}  {:>9}  {:>9}  {:>9}  {:>8}",
                c.name,
                c.kind,
                v(q.pre),
                v(q.post),
                v(q.change),
                percent(c.flow_rate.percent),
                v(p.pre),
                v(p.post),
                v(p.change),
                percent(c.mean_pressure.percent)
            );
        }
        if let Some(r) = &self.pressure_ratio {
            let _ = writeln!(
                w,
                "pressure ratio distal/proximal ({} / {}, the case's [report] pair): pre {}, post {} ({}); drop pre {}, \
                 post {}",
                r.distal,
                r.proximal,
                opt(r.ratio.pre, |v| format!("{v:.4}")),
                opt(r.ratio.post, |v| format!("{v:.4}")),
                percent(r.ratio.percent),
                opt(r.drop.pre, mmhg),
                opt(r.drop.post, mmhg)
            );
        }
    }

    fn stents_text(&self, w: &mut String) {
        if self.stents.is_empty() {
            let _ = writeln!(w, "\nstents: none in POST's /stents");
            return;
        }
        let from = |s: &Side| s.pressure_from.clone().unwrap_or_else(|| "nothing (no snapshot)".into());
        for s in &self.stents {
            let _ = writeln!(
                w,
                "\nstent {} ({}, diameter {} mm, porosity {}, wires {} mm): {} mm along its centreline from {} to {}",
                s.index,
                s.kind,
                num(s.diameter * 1e3, 4),
                num(s.porosity, 3),
                num(s.wire_diameter * 1e3, 3),
                num(s.length * 1e3, 4),
                point_mm(s.start),
                point_mm(s.end)
            );
            let _ = writeln!(
                w,
                "  cross-section mean pressure at its ends (fluid cells within h/2 of the plane normal to the \
                 centreline, within {STENT_REACH} stent radii); pre from {}, post from {}",
                from(&self.pre),
                from(&self.post)
            );
            let _ = writeln!(w, "  {:<10}  {:>26}  {:>26}  {:>26}  {:>8}", "", "pre", "post", "change", "%");
            let pressure = |label: &str, c: &Change| {
                format!(
                    "  {label:<10}  {:>26}  {:>26}  {:>26}  {:>8}",
                    opt(c.pre, mmhg),
                    opt(c.post, mmhg),
                    opt(c.change, mmhg),
                    percent(c.percent)
                )
            };
            let _ = writeln!(w, "{}", pressure("proximal", &s.proximal_pressure));
            let _ = writeln!(w, "{}", pressure("distal", &s.distal_pressure));
            let _ = writeln!(w, "{}", pressure("drop", &s.drop));
            let r = &s.ratio;
            let ratio = |v: Option<f64>| opt(v, |v| format!("{v:.4}"));
            let _ = writeln!(
                w,
                "  {:<10}  {:>26}  {:>26}  {:>26}  {:>8}",
                "Pd/Pa",
                ratio(r.pre),
                ratio(r.post),
                opt(r.change, |v| format!("{v:+.4}")),
                percent(r.percent)
            );
            for (label, cells) in [("pre", s.cells_pre), ("post", s.cells_post)] {
                if cells.contains(&None) {
                    let _ = writeln!(
                        w,
                        "  ({label}: a cross-section holds no fluid cell; the stent lies outside its fluid)"
                    );
                }
            }
        }
    }

    fn wall_text(&self, w: &mut String) {
        if self.wall.is_empty() {
            return;
        }
        let _ = writeln!(
            w,
            "\nwall shear stress, area-weighted statistics in Pa; stented = the wall within {STENT_REACH} stent radii of a \
             stent's centreline, between its ends"
        );
        let from = |s: &Side, tawss: bool| {
            let v = if tawss { &s.tawss_from } else { &s.wss_from };
            v.clone().unwrap_or_else(|| "none".into())
        };
        let _ = writeln!(w, "  |WSS|: pre {}, post {}", from(&self.pre, false), from(&self.post, false));
        if self.wall.iter().any(|p| p.tawss.is_some()) {
            let _ = writeln!(w, "  TAWSS: pre {}, post {}", from(&self.pre, true), from(&self.post, true));
        } else {
            let _ = writeln!(w, "  TAWSS: left out (it needs cycles in both files)");
        }
        let head = ["min", "p5", "p50", "mean", "p95", "max"];
        let _ = write!(w, "  {:<8} {:<6} {:<4} {:>9} {:>9}", "part", "field", "file", "triangles", "area cm^2");
        for h in head {
            let _ = write!(w, " {h:>9}");
        }
        let _ = writeln!(w, " {:>9}", "mean %");
        for part in &self.wall {
            let mut rows: Vec<(&str, &StatsChange)> = vec![("|WSS|", &part.wss)];
            if let Some(t) = &part.tawss {
                rows.push(("TAWSS", t));
            }
            for (field, change) in rows {
                for (i, (file, stats)) in [("pre", &change.pre), ("post", &change.post)].into_iter().enumerate() {
                    let area = if i == 0 { part.area.pre } else { part.area.post };
                    let _ = write!(
                        w,
                        "  {:<8} {:<6} {:<4} {:>9} {:>9}",
                        part.part,
                        field,
                        file,
                        part.triangles[i],
                        opt(area, |a| num(a * 1e4, 4))
                    );
                    stats_row(w, stats.as_ref());
                    let _ = writeln!(w, " {:>9}", if i == 1 { percent(change.mean.percent) } else { String::new() });
                }
            }
        }
    }

    fn regions_text(&self, w: &mut String) {
        if self.regions.is_empty() {
            let _ = writeln!(w, "\nregions: none in POST's or PRE's /regions");
            return;
        }
        let from = |s: &Side| s.velocity_from.clone().unwrap_or_else(|| "nothing (no snapshot)".into());
        for r in &self.regions {
            let cut = r.neck.map_or(String::new(), |n| format!(", beyond the neck's plane through {}", point_mm(n)));
            let _ = writeln!(
                w,
                "\nregion {} (from {}'s /regions): the fluid within {} mm of {}{cut}",
                r.name,
                r.from.to_uppercase(),
                num(r.radius * 1e3, 4),
                point_mm(r.center)
            );
            let flow = |v: Option<f64>| opt(v, |v| format!("{} mL/s", num(v * 1e6, 4)));
            let _ = writeln!(
                w,
                "  inflow{}: pre {}, post {}, change {}",
                if r.neck.is_some() { " through the neck" } else { " through the sphere" },
                flow(r.inflow.pre),
                flow(r.inflow.post),
                percent(r.inflow.percent)
            );
            let net = |f: &Option<super::types::RegionFlow>| match f {
                Some(f) => {
                    format!("{} ({} of the inflow)", flow(Some(f.net)), percent(f.net_percent).trim_start_matches('+'))
                }
                None => "-".into(),
            };
            let _ =
                writeln!(w, "  net flux (a check: ~0 for a closed sac): pre {}, post {}", net(&r.pre), net(&r.post));
            let points = r.post.as_ref().or(r.pre.as_ref()).map_or(0, |f| f.points);
            let _ = writeln!(
                w,
                "  from: pre {}, post {}; {points} points on the boundary",
                from(&self.pre),
                from(&self.post)
            );
        }
    }
}

fn side_text(w: &mut String, label: &str, s: &Side) {
    let cycles = if s.cycles > 0 { format!("{} cycle(s)", s.cycles) } else { "no cycles".into() };
    let _ = writeln!(
        w,
        "{label}  {}  (grid {} x {} x {} cells of {} mm, {} fluid cells; {} snapshot(s), {cycles})",
        s.file,
        s.dims[0],
        s.dims[1],
        s.dims[2],
        num(s.spacing * 1e3, 4),
        s.fluid_cells,
        s.snapshots
    );
}

fn stats_row(w: &mut String, stats: Option<&Stats>) {
    match stats {
        Some(s) => {
            for v in [s.min, s.p5, s.p50, s.mean, s.p95, s.max] {
                let _ = write!(w, " {:>9}", num(v, 4));
            }
        }
        None => {
            let _ = write!(w, " {:>59}", "no finite values");
        }
    }
}
