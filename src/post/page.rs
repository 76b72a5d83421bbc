//! What the HTML pages of `hemoflow report` and `hemoflow compare -o` share: their style sheet,
//! HTML escaping, the date line, and writing their folder's files.

use std::path::Path;

use super::PostError;

/// The pages' style sheet (inline in each page).
pub const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;max-width:1100px;\
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.6em;margin-bottom:.2em}\
h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}.meta{color:#555}\
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.6em 1em}\
table{border-collapse:collapse;margin:1em 0;width:100%}th,td{border:1px solid #ccc;padding:.35em .6em;\
vertical-align:top}th{background:#f3f3f3;text-align:left}td.n{text-align:right;white-space:nowrap;\
font-variant-numeric:tabular-nums}td.v{font-variant-numeric:tabular-nums}td.what{color:#444;font-size:.93em}\
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:1.2em;margin:1em 0 2em}\
figure{margin:0}figure img{width:100%;height:auto;border:1px solid #ddd}figcaption{font-size:.9em;color:#333}\
code{background:#f3f3f3;padding:0 .2em}";

/// Makes the folder `dir` (with its parents, where missing).
pub fn create_dir(dir: &Path) -> Result<(), PostError> {
    std::fs::create_dir_all(dir).map_err(|source| PostError::Write { path: dir.to_path_buf(), source })
}

/// Writes `contents` to `path`, replacing a file of that name.
pub fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), PostError> {
    std::fs::write(path, contents).map_err(|source| PostError::Write { path: path.to_path_buf(), source })
}

/// Seconds since 1970 (UTC), now: when a page is made.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `text` with HTML's special characters escaped.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `secs` since 1970 as "YYYY-MM-DD HH:MM UTC".
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::{esc, utc};

    #[test]
    fn utc_dates_and_escapes() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400 + 3_660), "2000-02-29 01:01 UTC");
        assert_eq!(utc(1_735_689_599), "2024-12-31 23:59 UTC");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
