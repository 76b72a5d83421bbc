//! The text form of a [`OutputSummary`] (`hemoflow info` without `--json`): short, aligned, in the
//! units people read (mm, cm^2, mL/s, mmHg), each unit stated.

use std::fmt::Write as _;

use super::numbers::{OutputSummary, HIGH_OSI, LOW_TAWSS, MMHG};
use super::resolution::H_PLUS_LIMIT;
use super::stats::Stats;

/// `v` with `digits` significant digits: fixed notation from 1e-3 to 1e6, else scientific.
pub fn num(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i64;
    if (-3..6).contains(&magnitude) {
        let decimals = (digits as i64 - 1 - magnitude).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.prec$e}", prec = digits.saturating_sub(1))
    }
}

/// A pressure in mmHg with its value in Pa, e.g. "20.00 mmHg (2666 Pa)".
pub fn mmhg(pa: f64) -> String {
    format!("{} mmHg ({} Pa)", num(pa / MMHG, 4), num(pa, 4))
}

impl OutputSummary {
    /// The summary as aligned text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let w = &mut out;
        let software = match (&self.software, &self.version) {
            (Some(s), Some(v)) => format!("{s} {v}"),
            (Some(s), None) => s.clone(),
            _ => "software unknown".into(),
        };
        let units = self.units.as_deref().unwrap_or("not stated");
        let _ = writeln!(w, "{}  ({software}, units {units})", self.file);
        if let Some(g) = &self.grid {
            let _ = writeln!(
                w,
                "grid        {} x {} x {} cells of {} mm, {} fluid cells",
                g.dims[0],
                g.dims[1],
                g.dims[2],
                num(g.spacing * 1e3, 4),
                g.fluid_cells
            );
        }
        let s = &self.snapshots;
        match (s.last, s.last_time) {
            (Some(n), Some(t)) => {
                let _ = writeln!(w, "snapshots   {}, the last at t = {t:.4} s (snapshot {n})", s.count);
            }
            _ => {
                let _ = writeln!(w, "snapshots   none");
            }
        }
        let c = &self.cycles;
        match (c.last, c.start, c.end) {
            (Some(k), Some(a), Some(b)) => {
                let _ = writeln!(w, "cycles      {}, the last from {a:.4} to {b:.4} s (cycle {k})", c.count);
            }
            _ => {
                let _ = writeln!(w, "cycles      none (the case sets no cardiac period, or no cycle has finished)");
            }
        }
        self.caps_text(w);
        self.wall_text(w);
        out
    }

    fn caps_text(&self, w: &mut String) {
        let Some(over) = &self.caps_over else {
            if self.caps.is_empty() {
                let _ = writeln!(w, "\ncaps: none (the file has no /summary, or no time step in it)");
            }
            return;
        };
        let basis = match over.cycle {
            Some(k) => format!("means over cycle {k} ({:.4} to {:.4} s)", over.start, over.end),
            None => format!("the last time step (t = {:.4} s)", over.start),
        };
        let _ = writeln!(w, "\ncaps: {basis}; flow rate + out of the fluid, - into it");
        if self.cap_types_inferred {
            let _ = writeln!(w, "  (types guessed from the flow direction: the file has no /summary/cap_types)");
        }
        let name_w = self.caps.iter().map(|c| c.name.len()).max().unwrap_or(0).max(4);
        let ranged = self.caps.iter().any(|c| c.min_pressure.is_some());
        let _ = write!(
            w,
            "  {:<name_w$}  {:<6}  {:>10}  {:>7}  {:>10}",
            "cap", "type", "flow mL/s", "split %", "mean mmHg"
        );
        let _ =
            writeln!(w, "{}", if ranged { format!("  {:>9}  {:>9}", "min mmHg", "max mmHg") } else { String::new() });
        for cap in &self.caps {
            let split = cap.split_percent.map_or("-".into(), |s| format!("{s:.1}"));
            let _ = write!(
                w,
                "  {:<name_w$}  {:<6}  {:>10}  {:>7}  {:>10}",
                cap.name,
                cap.kind,
                num(cap.flow_rate * 1e6, 4),
                split,
                num(cap.mean_pressure / MMHG, 4)
            );
            if let (Some(lo), Some(hi)) = (cap.min_pressure, cap.max_pressure) {
                let _ = write!(w, "  {:>9}  {:>9}", num(lo / MMHG, 4), num(hi / MMHG, 4));
            }
            let _ = writeln!(w);
        }
        let total = |t: Option<f64>| t.map_or("-".into(), |t| format!("{} mL/s", num(t * 1e6, 4)));
        let _ = writeln!(
            w,
            "  total inflow {}, outflow {} (split: share of the total outflow, or inflow for inlets; 1 mmHg = \
             133.322 Pa)",
            total(self.total_inflow),
            total(self.total_outflow)
        );
        if !self.pressure_drops.is_empty() {
            let _ = writeln!(w, "pressure drops (mean pressure, inlet minus outlet):");
            let pair_w = self.pressure_drops.iter().map(|d| d.from.len() + d.to.len() + 4).max().unwrap_or(0);
            for d in &self.pressure_drops {
                let pair = format!("{} -> {}", d.from, d.to);
                let _ = writeln!(w, "  {pair:<pair_w$}  {}", mmhg(d.drop));
            }
        }
        match (&self.pressure_ratio, &self.pressure_ratio_note) {
            (Some(r), _) => {
                let _ = writeln!(
                    w,
                    "pressure ratio distal/proximal ({} / {}): {:.4}; drop {}",
                    r.distal,
                    r.proximal,
                    r.ratio,
                    mmhg(r.drop)
                );
            }
            (None, Some(note)) => {
                let _ = writeln!(w, "pressure ratio distal/proximal: {note}");
            }
            (None, None) => {}
        }
    }

    fn wall_text(&self, w: &mut String) {
        let Some(wall) = &self.wall else {
            let _ = writeln!(w, "\nwall: none in the file (no wall shear stress)");
            return;
        };
        let _ = writeln!(
            w,
            "\nwall: {} triangles, area {} cm^2 (area-weighted statistics)",
            wall.triangles,
            num(wall.area * 1e4, 4)
        );
        let mut rows: Vec<(String, &str, Option<&Stats>)> = Vec::new();
        if let Some(s) = &wall.wss {
            rows.push((format!("|WSS| t = {:.4} s", s.time), "Pa", s.stats.as_ref()));
        } else {
            let _ = writeln!(w, "  no wss in the last snapshot");
        }
        if let Some(s) = &wall.h_plus {
            rows.push((format!("h+ t = {:.4} s", s.time), "-", s.stats.as_ref()));
        }
        if let Some(c) = &wall.cycle {
            rows.push((format!("TAWSS cycle {}", c.cycle), "Pa", c.tawss.as_ref()));
            rows.push((format!("OSI cycle {}", c.cycle), "-", c.osi.as_ref()));
            rows.push((format!("RRT cycle {}", c.cycle), "1/Pa", c.rrt.as_ref()));
        }
        if !rows.is_empty() {
            let label_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
            let head = ["min", "p5", "p50", "mean", "p95", "p99", "max"];
            let _ = write!(w, "  {:<label_w$}  {:<4}", "quantity", "unit");
            for h in head {
                let _ = write!(w, "  {h:>9}");
            }
            let _ = writeln!(w);
            for (label, unit, stats) in rows {
                let _ = write!(w, "  {label:<label_w$}  {unit:<4}");
                match stats {
                    Some(s) => {
                        for v in [s.min, s.p5, s.p50, s.mean, s.p95, s.p99, s.max] {
                            let _ = write!(w, "  {:>9}", num(v, 4));
                        }
                        if s.non_finite > 0 {
                            let _ = write!(w, "  ({} non-finite left out)", s.non_finite);
                        }
                    }
                    None => {
                        let _ = write!(w, "  no finite values");
                    }
                }
                let _ = writeln!(w);
            }
        }
        if wall.h_plus.is_some() {
            let _ = writeln!(
                w,
                "  h+: the grid's spacing in wall units, h sqrt(|WSS| / rho) / nu; over {H_PLUS_LIMIT}, the oblique-pipe \
                 study's errors pass 1%"
            );
        }
        if let Some(c) = &wall.cycle {
            if let Some(a) = &c.low_tawss {
                let _ = writeln!(
                    w,
                    "  low TAWSS (< {LOW_TAWSS} Pa):  {} cm^2 ({:.1} % of the wall)",
                    num(a.area * 1e4, 4),
                    a.percent
                );
            }
            if let Some(a) = &c.high_osi {
                let _ = writeln!(
                    w,
                    "  high OSI (> {HIGH_OSI}):      {} cm^2 ({:.1} % of the wall)",
                    num(a.area * 1e4, 4),
                    a.percent
                );
            }
        } else {
            let _ = writeln!(w, "  no cycle averages (TAWSS, OSI, RRT): the file has no /cycles");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn num_keeps_four_significant_digits() {
        assert_eq!(num(100.0, 4), "100.0");
        assert_eq!(num(-5.0, 4), "-5.000");
        assert_eq!(num(0.875, 4), "0.8750");
        assert_eq!(num(2666.44, 4), "2666");
        assert_eq!(num(1.25e-7, 4), "1.250e-7");
        assert_eq!(num(0.0, 4), "0");
    }
}
