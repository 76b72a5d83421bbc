//! Waveforms: a quantity (an inlet's flow rate, an outlet's pressure) as a function of time,
//! from a constant or a table.
//!
//! Tables are text files of `time value` rows: SimVascular's `.flow` (whitespace-separated) or
//! CSV (`time,value`, an optional header line); `#` starts a comment. Times in s; values in the
//! unit the caller converts from (see [`FlowUnits`]).
//!
//! A table with a period is periodic: its rows span less than one period (a last row at exactly
//! one period after the first is the first row again and is dropped), and the stretch from the
//! last row to the first row of the next period is a straight line. It is then evaluated either
//! from its truncated Fourier series ([`Interpolation::Fourier`], the default, as svSolver does:
//! smooth, and what a Womersley profile is built from) or by linear interpolation. The Fourier
//! coefficients are the exact integrals of the piecewise-linear periodic function, so the
//! series converges to the table's line as modes are added. A table without a period is
//! interpolated linearly and holds its first and last values outside its rows.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use nalgebra::Complex;

/// Why a table cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WaveformError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A row or the table as a whole is wrong.
    #[error("{}:{line}: {message}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// 1-based line (the last line for a problem of the whole table).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Volume-flow unit of a table's values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub enum FlowUnits {
    /// m^3/s.
    #[default]
    #[serde(rename = "m3/s")]
    M3PerS,
    /// cm^3/s, the same as mL/s (SimVascular's usual unit).
    #[serde(rename = "cm3/s", alias = "mL/s", alias = "ml/s")]
    Cm3PerS,
    /// mm^3/s.
    #[serde(rename = "mm3/s")]
    Mm3PerS,
}

impl FlowUnits {
    /// m^3/s per unit.
    pub fn to_si(self) -> f64 {
        match self {
            FlowUnits::M3PerS => 1.0,
            FlowUnits::Cm3PerS => 1e-6,
            FlowUnits::Mm3PerS => 1e-9,
        }
    }
}

/// How a periodic table is evaluated between its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    /// The Fourier series truncated after this many harmonics (plus the mean).
    Fourier(usize),
    /// Straight lines between rows.
    Linear,
}

/// Harmonics of the Fourier series by default (SimVascular's default for inflow files).
pub const DEFAULT_MODES: usize = 10;

/// Rows of a table, in SI.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Times, s, strictly increasing.
    pub times: Vec<f64>,
    /// Values, scaled to SI by the reader.
    pub values: Vec<f64>,
}

impl Table {
    /// Reads `path` (`.csv`: comma-separated, else whitespace), multiplying values by `scale`.
    /// At least two rows, times strictly increasing and finite values; errors name the line.
    pub fn read(path: &Path, scale: f64) -> Result<Table, WaveformError> {
        let text = std::fs::read_to_string(path).map_err(|source| WaveformError::Io { path: path.into(), source })?;
        Self::parse(path, &text, scale)
    }

    /// Parses `text` as the file `path` (which decides the separator and names errors).
    pub fn parse(path: &Path, text: &str, scale: f64) -> Result<Table, WaveformError> {
        let csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let err = |line: usize, message: String| WaveformError::Table { path: path.into(), line, message };
        let (mut times, mut values) = (Vec::new(), Vec::new());
        let mut last_line = 0;
        for (k, raw) in text.lines().enumerate() {
            let line = k + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            last_line = line;
            let fields: Vec<&str> =
                if csv { content.split(',').map(str::trim).collect() } else { content.split_whitespace().collect() };
            let numbers: Result<Vec<f64>, _> = fields.iter().map(|f| f.parse::<f64>()).collect();
            let numbers = match numbers {
                Ok(n) => n,
                // A header: only before the first row.
                Err(_) if times.is_empty() && csv => continue,
                Err(_) => return Err(err(line, format!("`{content}` is not two numbers (time in s, value)"))),
            };
            let [t, v] = numbers[..] else {
                return Err(err(line, format!("{} numbers; a row is two: time (s) and value", numbers.len())));
            };
            if !t.is_finite() || !v.is_finite() {
                return Err(err(line, format!("`{content}` is not finite")));
            }
            if times.last().is_some_and(|&prev| t <= prev) {
                return Err(err(
                    line,
                    format!("time {t} s does not increase (previous row: {} s)", times[times.len() - 1]),
                ));
            }
            times.push(t);
            values.push(v * scale);
        }
        if times.len() < 2 {
            return Err(err(last_line.max(1), format!("{} row(s); a table needs at least two", times.len())));
        }
        Ok(Table { times, values })
    }
}

/// A quantity over time.
#[derive(Clone, Debug)]
pub enum Waveform {
    /// The same value at all times.
    Constant(f64),
    /// Linear between rows, the end values held outside them.
    Table(Table),
    /// Periodic, linear between rows (the last row joined to the next period's first).
    PeriodicLinear {
        /// The rows (spanning less than a period).
        table: Table,
        /// Period, s.
        period: f64,
    },
    /// Periodic, from the Fourier series: value(t) = Re sum_n c_n exp(i n omega t),
    /// omega = 2 pi / period, n = 0..=modes.
    Fourier {
        /// Period, s.
        period: f64,
        /// c_0 (the mean), c_1, ...
        coefficients: Vec<Complex<f64>>,
    },
}

impl Waveform {
    /// The table as a waveform: periodic with `period` (s) when given, evaluated as
    /// `interpolation` says; without a period, linear (`Fourier` is then an error). Errors are
    /// messages for the caller to place.
    pub fn from_table(table: Table, period: Option<f64>, interpolation: Interpolation) -> Result<Waveform, String> {
        let Some(period) = period else {
            return match interpolation {
                Interpolation::Linear => Ok(Waveform::Table(table)),
                Interpolation::Fourier(_) => {
                    Err("a Fourier series needs a period ([time] period); set interpolation = \"linear\"".into())
                }
            };
        };
        let mut table = table;
        let n = table.times.len();
        let span = table.times[n - 1] - table.times[0];
        if (span - period).abs() <= 1e-9 * period {
            // The last row is the first one of the next period.
            table.times.pop();
            table.values.pop();
        } else if span > period {
            return Err(format!("the rows span {span} s, more than the period {period} s"));
        }
        match interpolation {
            Interpolation::Linear => Ok(Waveform::PeriodicLinear { table, period }),
            Interpolation::Fourier(modes) => {
                let coefficients = fourier_coefficients(&table, period, modes);
                Ok(Waveform::Fourier { period, coefficients })
            }
        }
    }

    /// The value at time `t` (s).
    pub fn value(&self, t: f64) -> f64 {
        match self {
            Waveform::Constant(v) => *v,
            Waveform::Table(table) => linear(table, t),
            Waveform::PeriodicLinear { table, period } => {
                let t0 = table.times[0];
                let tau = t0 + (t - t0).rem_euclid(*period);
                if tau > table.times[table.times.len() - 1] {
                    // The closing stretch, to the first row one period on.
                    let (ta, va) = (table.times[table.times.len() - 1], table.values[table.values.len() - 1]);
                    let (tb, vb) = (t0 + period, table.values[0]);
                    va + (vb - va) * (tau - ta) / (tb - ta)
                } else {
                    linear(table, tau)
                }
            }
            Waveform::Fourier { period, coefficients } => {
                let omega = 2.0 * PI / period;
                coefficients
                    .iter()
                    .enumerate()
                    .map(|(n, c)| (c * Complex::from_polar(1.0, n as f64 * omega * t)).re)
                    .sum()
            }
        }
    }

    /// The period, s, of a periodic waveform.
    pub fn period(&self) -> Option<f64> {
        match self {
            Waveform::PeriodicLinear { period, .. } | Waveform::Fourier { period, .. } => Some(*period),
            _ => None,
        }
    }

    /// Times (s) at which to sample the waveform to see its whole range: a period (or the
    /// table's rows and a little beyond) at 1000 points, or one point for a constant.
    pub fn sample_times(&self) -> Vec<f64> {
        let (start, span) = match self {
            Waveform::Constant(_) => return vec![0.0],
            Waveform::Table(t) => (t.times[0], t.times[t.times.len() - 1] - t.times[0]),
            Waveform::PeriodicLinear { table, period } => (table.times[0], *period),
            Waveform::Fourier { period, .. } => (0.0, *period),
        };
        (0..=1000).map(|k| start + span * k as f64 / 1000.0).collect()
    }

    /// The largest |value| (sampled finely over a period or the table).
    pub fn peak_magnitude(&self) -> f64 {
        self.sample_times().iter().map(|&t| self.value(t).abs()).fold(0.0, f64::max)
    }

    /// The time average over a period (the table's span without one; the value of a constant).
    pub fn mean(&self) -> f64 {
        match self {
            Waveform::Constant(v) => *v,
            Waveform::Fourier { coefficients, .. } => coefficients[0].re,
            Waveform::PeriodicLinear { table, period } => fourier_coefficients(table, *period, 0)[0].re,
            Waveform::Table(table) => {
                let area: f64 = table
                    .times
                    .windows(2)
                    .zip(table.values.windows(2))
                    .map(|(t, v)| 0.5 * (v[0] + v[1]) * (t[1] - t[0]))
                    .sum();
                area / (table.times[table.times.len() - 1] - table.times[0])
            }
        }
    }
}

/// Linear interpolation in `table`, holding the end values outside it.
fn linear(table: &Table, t: f64) -> f64 {
    let (times, values) = (&table.times, &table.values);
    let k = times.partition_point(|&x| x <= t);
    if k == 0 {
        return values[0];
    }
    if k == times.len() {
        return values[k - 1];
    }
    let (ta, tb) = (times[k - 1], times[k]);
    values[k - 1] + (values[k] - values[k - 1]) * (t - ta) / (tb - ta)
}

/// c_0..=c_modes of the periodic piecewise-linear function through `table` (closed back to its
/// first row one period on), such that f(t) = Re sum_n c_n exp(i n omega t): c_0 is the mean,
/// c_n = (2 / T) integral over a period of f(t) exp(-i n omega t) dt, integrated exactly on each
/// straight piece.
pub fn fourier_coefficients(table: &Table, period: f64, modes: usize) -> Vec<Complex<f64>> {
    let omega = 2.0 * PI / period;
    let mut points: Vec<(f64, f64)> = table.times.iter().copied().zip(table.values.iter().copied()).collect();
    points.push((table.times[0] + period, table.values[0]));
    (0..=modes)
        .map(|n| {
            let k = n as f64 * omega;
            let integral: Complex<f64> = points
                .windows(2)
                .map(|w| {
                    let ((ta, va), (tb, vb)) = (w[0], w[1]);
                    if n == 0 {
                        return Complex::new(0.5 * (va + vb) * (tb - ta), 0.0);
                    }
                    let s = (vb - va) / (tb - ta);
                    // An antiderivative of (va + s (t - ta)) exp(-i k t):
                    // exp(-i k t) (i f(t) / k + s / k^2).
                    let anti = |t: f64, f: f64| Complex::from_polar(1.0, -k * t) * Complex::new(s / (k * k), f / k);
                    anti(tb, vb) - anti(ta, va)
                })
                .sum();
            integral * if n == 0 { 1.0 / period } else { 2.0 / period }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(f64, f64)]) -> Table {
        Table { times: rows.iter().map(|r| r.0).collect(), values: rows.iter().map(|r| r.1).collect() }
    }

    #[test]
    fn fourier_series_of_a_sampled_sine_is_that_sine() {
        // A pure harmonic sampled finely: its line's series is the harmonic to O(dt^2).
        let period = 0.8;
        let rows: Vec<(f64, f64)> = (0..400)
            .map(|k| (k as f64 * period / 400.0, 2.0 + 3.0 * (2.0 * PI * 2.0 * k as f64 / 400.0 + 0.4).cos()))
            .collect();
        let w = Waveform::from_table(table(&rows), Some(period), Interpolation::Fourier(6)).unwrap();
        let Waveform::Fourier { coefficients, .. } = &w else { panic!() };
        assert!((coefficients[0].re - 2.0).abs() < 1e-12, "mean {}", coefficients[0]);
        assert!((coefficients[2].norm() - 3.0).abs() < 1e-3, "amplitude {}", coefficients[2].norm());
        assert!((coefficients[2].arg() - 0.4).abs() < 1e-9, "phase {}", coefficients[2].arg());
        for n in [1, 3, 4, 5, 6] {
            assert!(coefficients[n].norm() < 1e-9, "mode {n}: {}", coefficients[n]);
        }
        assert!((w.value(1.3) - (2.0 + 3.0 * (2.0 * PI * 2.0 * 1.3 / period + 0.4).cos())).abs() < 1e-3);
    }

    #[test]
    fn fourier_series_converges_to_the_table_line() {
        // A triangle wave: coefficients fall as 1/n^2, so more modes come closer to the rows.
        let rows = [(0.0, 0.0), (0.25, 1.0), (0.5, 0.0)];
        let lin = Waveform::from_table(table(&rows), Some(1.0), Interpolation::Linear).unwrap();
        let err = |modes: usize| {
            let f = Waveform::from_table(table(&rows), Some(1.0), Interpolation::Fourier(modes)).unwrap();
            (0..200).map(|k| (f.value(k as f64 / 200.0) - lin.value(k as f64 / 200.0)).abs()).fold(0.0, f64::max)
        };
        let (e10, e40) = (err(10), err(40));
        assert!(e40 < e10 / 2.0 && e40 < 0.02, "max deviation 10 modes {e10:.3e}, 40 modes {e40:.3e}");
        assert!((lin.mean() - 0.25).abs() < 1e-12);
        // The closing stretch from the last row (t = 0.5) to the next first row (t = 1).
        assert!((lin.value(0.75) - 0.0).abs() < 1e-12 && (lin.value(1.125) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn tables_parse_flow_and_csv_and_name_bad_lines() {
        let t = Table::parse(Path::new("a.flow"), "# comment\n0.0 1.5\n0.1   2.5 # peak\n\n0.2 1.0\n", 2.0).unwrap();
        assert_eq!(t.times, vec![0.0, 0.1, 0.2]);
        assert_eq!(t.values, vec![3.0, 5.0, 2.0]);
        let c = Table::parse(Path::new("a.csv"), "time,flow\n0,1\n0.5,2\n", 1.0).unwrap();
        assert_eq!(c.values, vec![1.0, 2.0]);
        let e = Table::parse(Path::new("a.flow"), "0 1\n0.1 x\n", 1.0).unwrap_err().to_string();
        assert!(e.starts_with("a.flow:2:"), "{e}");
        let e = Table::parse(Path::new("a.flow"), "0 1\n0.2 1\n0.1 1\n", 1.0).unwrap_err().to_string();
        assert!(e.starts_with("a.flow:3:") && e.contains("does not increase"), "{e}");
        let e = Table::parse(Path::new("a.flow"), "0 1 2\n", 1.0).unwrap_err().to_string();
        assert!(e.starts_with("a.flow:1:"), "{e}");
        let e = Waveform::from_table(table(&[(0.0, 1.0), (2.0, 1.0)]), Some(1.0), Interpolation::Linear).unwrap_err();
        assert!(e.contains("more than the period"), "{e}");
    }
}
