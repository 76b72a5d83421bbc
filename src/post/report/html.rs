//! The markup of `hemoflow report`'s page: inline CSS and scripts, no external resource; every
//! number with its unit and a sentence saying what it means, then the interactive 3D view
//! ([`crate::post::view3d`]) and the pictures.

use std::fmt::Write as _;

use super::plan::Report;
use crate::post::page::{esc, utc, STYLE};
use crate::post::render::request::Field;
use crate::post::summary::{num, OutputSummary, Stats, HIGH_OSI, H_PLUS_LIMIT, LOW_TAWSS, MMHG};

/// The page of `report`, made at `now` (seconds since 1970, UTC).
pub fn page(report: &Report, now: u64) -> String {
    let s = report.summary;
    let name = std::path::Path::new(&s.file).file_name().map_or(s.file.clone(), |n| n.to_string_lossy().into());
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\">\n<title>Flow report: {}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n<h1>Blood flow report: {}</h1>\n",
        esc(&name),
        esc(&name)
    );
    let software = match (&s.software, &s.version) {
        (Some(a), Some(v)) => format!("{a} {v}"),
        (Some(a), None) => a.clone(),
        _ => "unknown software".into(),
    };
    let modified = report.modified.map_or(String::new(), |t| format!(", results file last changed {}", utc(t)));
    let _ = writeln!(
        h,
        "<p class=\"meta\">Report made {} from <code>{}</code> (written by {}{modified}).</p>",
        utc(now),
        esc(&s.file),
        esc(&software)
    );
    h += "<p class=\"note\">These numbers and pictures come from a computer simulation of blood flow in the vessel \
          model. They depend on the model's geometry, the flow and pressure set at its ends, and the grid \
          resolution; they are not a measurement on the patient.</p>\n";
    if let Some(panel) = &report.view {
        h += "<h2>The vessel in 3D</h2>\n";
        h += &crate::post::view3d::section(std::slice::from_ref(panel), false, &Default::default());
    }
    run_section(&mut h, s);
    key_numbers(&mut h, s);
    wall_table(&mut h, s);
    pictures(&mut h, report);
    h += "<h2>Data</h2>\n<p>All numbers above, in SI units (m, m<sup>3</sup>/s, Pa), are in \
          <a href=\"summary.json\">summary.json</a> beside this page (the same as <code>hemoflow info --json</code>). \
          The full results open in ParaView through the .xdmf files beside the .h5 file (the volume; .wall.xdmf, the \
          wall over the snapshots; .cycles.xdmf, over the heartbeats).</p>\n</body>\n</html>\n";
    h
}

fn run_section(h: &mut String, s: &OutputSummary) {
    *h += "<h2>The simulation</h2>\n<table>\n";
    if let Some(g) = &s.grid {
        let _ = writeln!(
            h,
            "<tr><th>Grid</th><td>{} &times; {} &times; {} cells of {} mm ({} cells inside the vessel); smaller cells \
             resolve the flow better</td></tr>",
            g.dims[0],
            g.dims[1],
            g.dims[2],
            num(g.spacing * 1e3, 4),
            g.fluid_cells
        );
    }
    if let Some(t) = s.snapshots.last_time {
        let _ =
            writeln!(h, "<tr><th>Simulated time</th><td>{t:.3} s ({} saved snapshots)</td></tr>", s.snapshots.count);
    }
    let cycles = match (s.cycles.last, s.cycles.start, s.cycles.end) {
        (Some(k), Some(a), Some(b)) => {
            format!("{} complete; the numbers below are for heartbeat {k}, from {a:.3} to {b:.3} s", s.cycles.count)
        }
        _ => "none (no heart rate was set, or no heartbeat has finished): the numbers below are for the last \
              time step"
            .into(),
    };
    let _ = writeln!(h, "<tr><th>Heartbeats</th><td>{cycles}</td></tr>\n</table>");
}

fn key_numbers(h: &mut String, s: &OutputSummary) {
    *h +=
        "<h2>Key numbers</h2>\n<table>\n<tr><th>Quantity</th><th>Where</th><th>Value</th><th>What it means</th></tr>\n";
    let over = if s.caps_over.as_ref().is_some_and(|o| o.cycle.is_some()) {
        "averaged over the heartbeat"
    } else {
        "at the last time step"
    };
    let flow_rows: Vec<(String, String)> = s
        .caps
        .iter()
        .map(|c| {
            let split = c.split_percent.map_or(String::new(), |p| {
                let of = if c.kind == "inlet" { "inflow" } else { "outflow" };
                format!(" ({p:.1} % of the total {of})")
            });
            (format!("{} ({})", c.name, c.kind), format!("{} mL/s{split}", num(c.flow_rate * 1e6, 4)))
        })
        .collect();
    group(
        h,
        "Flow rate",
        &flow_rows,
        &format!(
            "Volume of blood passing through each end of the vessel per second, {over}, in millilitres per second; \
             negative where blood enters (inlets), positive where it leaves (outlets). The percentage is each \
             outlet's share of all the blood leaving (each inlet's share of all the blood entering)."
        ),
    );
    let pressure_rows: Vec<(String, String)> = s
        .caps
        .iter()
        .map(|c| {
            let range = match (c.min_pressure, c.max_pressure) {
                (Some(lo), Some(hi)) => format!("; {} to {} mmHg over the beat", num(lo / MMHG, 4), num(hi / MMHG, 4)),
                _ => String::new(),
            };
            (c.name.clone(), format!("{} mmHg mean{range}", num(c.mean_pressure / MMHG, 4)))
        })
        .collect();
    group(
        h,
        "Pressure",
        &pressure_rows,
        &format!(
            "Average blood pressure over each end's cross-section, {over}, in mmHg (1 mmHg = 133.322 Pa), relative \
             to the simulation's reference pressure; with a heartbeat, also its lowest and highest value during the \
             beat."
        ),
    );
    let drop_rows: Vec<(String, String)> = s
        .pressure_drops
        .iter()
        .map(|d| {
            (
                format!("{} &rarr; {}", esc(&d.from), esc(&d.to)),
                format!("{} mmHg ({} Pa)", num(d.drop / MMHG, 4), num(d.drop, 4)),
            )
        })
        .collect();
    group_raw(
        h,
        "Pressure drop",
        &drop_rows,
        "How much mean pressure the blood loses between an inlet and an outlet. A narrowing (stenosis) on the way \
         shows as a large drop.",
    );
    let ratio = match (&s.pressure_ratio, &s.pressure_ratio_note) {
        (Some(r), _) => vec![(
            format!("{} / {}", r.distal, r.proximal),
            format!("{:.3} (drop {} mmHg)", r.ratio, num(r.drop / MMHG, 4)),
        )],
        (None, Some(note)) => vec![("-".into(), format!("not available: {note}"))],
        (None, None) => Vec::new(),
    };
    group(
        h,
        "Pressure ratio distal / proximal",
        &ratio,
        "Mean pressure after a lesion divided by the mean pressure before it, like the fractional flow reserve \
         (FFR) measured with a pressure wire (in coronary arteries, 0.80 or less is the usual threshold for a \
         significant narrowing). Meaningful only when the simulated pressures include the normal blood pressure \
         level (for example outlets with a Windkessel or a distal pressure).",
    );
    if let Some(wall) = &s.wall {
        let mut rows = Vec::new();
        if let Some(w) = &wall.wss {
            if let Some(st) = &w.stats {
                rows.push((
                    "WSS".to_string(),
                    format!(
                        "mean {} Pa, median {} Pa, 99th percentile {} Pa (t = {:.3} s)",
                        num(st.mean, 3),
                        num(st.p50, 3),
                        num(st.p99, 3),
                        w.time
                    ),
                ));
            }
        }
        if let Some(st) = wall.h_plus.as_ref().and_then(|w| w.stats.as_ref()) {
            let verdict = if st.p95 > H_PLUS_LIMIT {
                format!("coarse: over {H_PLUS_LIMIT}, the wall's numbers may be several percent off; refine the grid")
            } else {
                format!("fine enough: at {H_PLUS_LIMIT} or less, checks on straight vessels were within 1%")
            };
            rows.push((
                "Grid at the wall".to_string(),
                format!("h+ {} on 95% of the wall ({verdict})", num(st.p95, 3)),
            ));
        }
        group(
            h,
            "Wall shear stress",
            &rows,
            "The frictional force per unit area of the flowing blood on the vessel wall, in pascals (Pa), at the \
             last saved time. Means and percentiles are weighted by wall area. h+ is the grid's cell size in \
             units of the near-wall flow (h sqrt(WSS / density) / kinematic viscosity): how finely the \
             simulation resolved the flow next to the wall.",
        );
        if let Some(c) = &wall.cycle {
            let stat = |st: &Option<Stats>, unit: &str, name: &str| {
                st.as_ref().map(|st| {
                    let v = |x: f64| if unit.is_empty() { num(x, 3) } else { format!("{} {unit}", num(x, 3)) };
                    let value = format!(
                        "mean {}, median {}; 90 % of the wall between {} and {}",
                        v(st.mean),
                        v(st.p50),
                        v(st.p5),
                        v(st.p95)
                    );
                    (name.to_string(), value)
                })
            };
            let area = |a: &Option<crate::post::summary::ThresholdArea>, name: &str| {
                a.as_ref().map(|a| {
                    (
                        name.to_string(),
                        format!("{} cm<sup>2</sup> ({:.1} % of the wall)", num(a.area * 1e4, 3), a.percent),
                    )
                })
            };
            let tawss: Vec<_> = stat(&c.tawss, "Pa", "whole wall")
                .into_iter()
                .chain(area(&c.low_tawss, &format!("TAWSS &lt; {LOW_TAWSS} Pa")))
                .collect();
            group_raw(
                h,
                "Time-averaged wall shear stress (TAWSS)",
                &tawss,
                &format!(
                    "The mean frictional force of blood on the wall over a heartbeat, in Pa. Areas below {LOW_TAWSS} Pa \
                     are associated in the literature with the growth of atherosclerotic plaque and with aneurysm wall \
                     degeneration (e.g. Malek, Alper &amp; Izumo, JAMA 1999)."
                ),
            );
            let osi: Vec<_> = stat(&c.osi, "", "whole wall")
                .into_iter()
                .chain(area(&c.high_osi, &format!("OSI &gt; {HIGH_OSI}")))
                .collect();
            group_raw(
                h,
                "Oscillatory shear index (OSI)",
                &osi,
                &format!(
                    "How much the direction of the wall shear swings back and forth during a heartbeat, without unit: 0 \
                     when it always points the same way, 0.5 when it reverses half of the time. Values above {HIGH_OSI} \
                     are commonly taken as disturbed, oscillating flow."
                ),
            );
            let rrt: Vec<_> = stat(&c.rrt, "1/Pa", "whole wall").into_iter().collect();
            group(
                h,
                "Relative residence time (RRT)",
                &rrt,
                "A relative measure, in 1/Pa, of how long blood lingers near the wall: high where the shear is both low \
                 and oscillating (RRT = 1 / ((1 - 2 OSI) TAWSS)).",
            );
        }
    }
    *h += "</table>\n";
}

/// Table rows for one quantity: place and value per row (escaped here), and the meaning once
/// (rowspan).
fn group(h: &mut String, quantity: &str, rows: &[(String, String)], meaning: &str) {
    let escaped: Vec<(String, String)> = rows.iter().map(|(a, b)| (esc(a), esc(b))).collect();
    group_raw(h, quantity, &escaped, meaning);
}

/// [`group`] with the places and values already HTML.
fn group_raw(h: &mut String, quantity: &str, rows: &[(String, String)], meaning: &str) {
    for (i, (place, value)) in rows.iter().enumerate() {
        *h += "<tr>";
        if i == 0 {
            let _ = write!(h, "<th rowspan=\"{}\">{quantity}</th>", rows.len());
        }
        let _ = write!(h, "<td>{place}</td><td class=\"v\">{value}</td>");
        if i == 0 {
            let _ = write!(h, "<td class=\"what\" rowspan=\"{}\">{meaning}</td>", rows.len());
        }
        *h += "</tr>\n";
    }
}

fn wall_table(h: &mut String, s: &OutputSummary) {
    let Some(wall) = &s.wall else {
        *h += "<p>The file has no wall surface, so there are no wall shear stress numbers.</p>\n";
        return;
    };
    let _ = writeln!(
        h,
        "<h3>Wall statistics</h3>\n<p>The wall has {} triangles and an area of {} cm<sup>2</sup>. Each value below is \
         weighted by wall area: the median (p50) is the value with half the wall below it, p5 the value with 5 % of \
         the wall below it, and so on.</p>\n<table>\n<tr><th>Quantity</th><th>Unit</th><th>min</th><th>p5</th>\
         <th>p50</th><th>mean</th><th>p95</th><th>p99</th><th>max</th></tr>",
        wall.triangles,
        num(wall.area * 1e4, 4)
    );
    let mut rows: Vec<(String, &str, Option<&Stats>)> = Vec::new();
    if let Some(w) = &wall.wss {
        rows.push((format!("WSS at t = {:.3} s", w.time), "Pa", w.stats.as_ref()));
    }
    if let Some(w) = &wall.h_plus {
        rows.push((format!("h+ at t = {:.3} s", w.time), "none", w.stats.as_ref()));
    }
    if let Some(c) = &wall.cycle {
        rows.push((format!("TAWSS, heartbeat {}", c.cycle), "Pa", c.tawss.as_ref()));
        rows.push((format!("OSI, heartbeat {}", c.cycle), "none", c.osi.as_ref()));
        rows.push((format!("RRT, heartbeat {}", c.cycle), "1/Pa", c.rrt.as_ref()));
    }
    for (label, unit, stats) in rows {
        let _ = write!(h, "<tr><td>{label}</td><td>{unit}</td>");
        match stats {
            Some(st) => {
                for v in [st.min, st.p5, st.p50, st.mean, st.p95, st.p99, st.max] {
                    let _ = write!(h, "<td class=\"n\">{}</td>", num(v, 4));
                }
            }
            None => *h += "<td colspan=\"7\">no finite values</td>",
        }
        *h += "</tr>\n";
    }
    *h += "</table>\n";
}

fn pictures(h: &mut String, report: &Report) {
    *h += "<h2>Pictures</h2>\n<p>Each quantity is shown from two sides. The colour bar at the right of each picture \
           gives the scale and unit; the scale bar gives the size.</p>\n";
    let mut i = 0;
    while i < report.pictures.len() {
        let field = report.pictures[i].field;
        let _ = writeln!(h, "<h3>{}</h3>\n<div class=\"pair\">", heading(field));
        while i < report.pictures.len() && report.pictures[i].field == field {
            let p = &report.pictures[i];
            let _ = writeln!(
                h,
                "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}, {2} view\" width=\"{3}\" height=\"{4}\"></a>\
                 <figcaption>{5}</figcaption></figure>",
                esc(&p.file_name),
                esc(field.label()),
                p.view.name(),
                report.size[0],
                report.size[1],
                esc(&p.caption)
            );
            i += 1;
        }
        *h += "</div>\n";
    }
    if report.pictures.is_empty() {
        *h += "<p>The file holds nothing that can be drawn.</p>\n";
    }
    if !report.left_out.is_empty() {
        *h += "<p>Not drawn:</p>\n<ul>\n";
        for l in &report.left_out {
            let _ = writeln!(h, "<li>{}</li>", esc(l));
        }
        *h += "</ul>\n";
    }
}

/// The heading of a field's pictures, in words.
fn heading(field: Field) -> &'static str {
    match field {
        Field::Wss => "Wall shear stress at the last saved time (Pa)",
        Field::Tawss => "Time-averaged wall shear stress over the heartbeat (Pa)",
        Field::Osi => "Oscillatory shear index over the heartbeat (no unit)",
        Field::Rrt => "Relative residence time over the heartbeat (1/Pa)",
        Field::Pressure => "Pressure on the wall at the last saved time (Pa)",
        Field::Speed => "Blood speed on a cut through the vessel at the last saved time (m/s)",
    }
}
