//! What the recorded work reads and writes, in order, and the check that arrays sharing memory
//! are never live at the same time.
//!
//! With tracing on ([`Gpu::start_trace`]), each dispatch recorded appends the spans its stage
//! reads and writes (from the shader's own use of each binding: naga's analysis of the entry
//! point, atomics counting as both), and so do the spans cleared or copied through
//! [`super::Span::clear`] and [`super::Span::copy_to`]. (Reads back to the host are not traced:
//! they read what the passes before them left, parts of whole-written buffers included.) Nothing
//! else changes: a traced run computes what an untraced one does.
//!
//! [`overlapping_lifetimes`] checks the rule that lets one buffer hold several arrays (the
//! solver's velocity-sized buffers hold the pressure solve's vectors, [`crate::gpu::Span`]):
//! every read sees what a write *of the same span* left. Where the last write before a read that
//! touched any of its bytes wrote another span (another part of the buffer, or the whole buffer
//! while a part is read, or a part while the whole is read), the read sees another array's
//! value: two arrays' lifetimes overlap in that memory.

use super::{Gpu, Span};

/// One recorded pass (a dispatch, a clear or a copy): what it read and wrote.
#[derive(Clone, Debug)]
pub struct TracedPass {
    /// The stage, or `clear` or `copy`.
    pub what: String,
    /// Binding name and span of each read.
    pub reads: Vec<(String, Span)>,
    /// Binding name and span of each write.
    pub writes: Vec<(String, Span)>,
}

fn overlaps(a: &Span, b: &Span) -> bool {
    a.buffer() == b.buffer() && a.offset() < b.offset() + b.size() && b.offset() < a.offset() + a.size()
}

fn same(a: &Span, b: &Span) -> bool {
    a.buffer() == b.buffer() && a.offset() == b.offset() && a.size() == b.size()
}

fn bytes(s: &Span) -> String {
    format!("bytes {}..{}", s.offset(), s.offset() + s.size())
}

/// Every read in `trace` whose bytes were last written as another span (see the module docs),
/// one line each, naming both passes, bindings and byte ranges. Reads before any write that
/// touches them (data from the host or from before the trace) are not checked: trace two steps
/// of a time loop to check the second one whole.
pub fn overlapping_lifetimes(trace: &[TracedPass]) -> Vec<String> {
    let mut found = Vec::new();
    for (t, pass) in trace.iter().enumerate() {
        for (binding, read) in &pass.reads {
            let last = trace[..t].iter().enumerate().rev().find_map(|(w, earlier)| {
                earlier.writes.iter().find(|(_, s)| overlaps(s, read)).map(|(name, s)| (w, name, s))
            });
            if let Some((w, name, written)) = last.filter(|(_, _, s)| !same(s, read)) {
                found.push(format!(
                    "pass {t} ({}) reads `{binding}` ({}), whose memory pass {w} ({}) last wrote as `{name}` ({})",
                    pass.what,
                    bytes(read),
                    trace[w].what,
                    bytes(written)
                ));
            }
        }
    }
    found
}

impl Gpu {
    /// Starts recording what every pass reads and writes (see the module docs), dropping what
    /// an earlier trace held.
    pub fn start_trace(&self) {
        self.counters.set_trace(Some(Vec::new()));
    }

    /// Stops tracing and returns the passes traced since [`Gpu::start_trace`].
    pub fn take_trace(&self) -> Vec<TracedPass> {
        self.counters.set_trace(None).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(what: &str, reads: &[&Span], writes: &[&Span]) -> TracedPass {
        let named = |spans: &[&Span]| spans.iter().map(|s| ("x".to_string(), (*s).clone())).collect();
        TracedPass { what: what.into(), reads: named(reads), writes: named(writes) }
    }

    #[test]
    fn a_read_must_see_a_write_of_its_own_span() {
        let gpu = Gpu::new(None).expect("a GPU adapter (install mesa-vulkan-drivers for lavapipe)");
        let buffer = gpu.storage_empty("b", 1024).unwrap();
        let (whole, a, b) = (Span::whole(&buffer), Span::part(&buffer, 0, 512), Span::part(&buffer, 1, 512));
        // Parts used one after the other, then the whole: fine.
        let fine = [
            pass("w a", &[], &[&a]),
            pass("r a", &[&a], &[]),
            pass("w b", &[], &[&b]),
            pass("r b, w whole", &[&b], &[&whole]),
            pass("r whole", &[&whole], &[]),
        ];
        assert!(overlapping_lifetimes(&fine).is_empty());
        // The whole written while part a is live; a part read after the whole was written.
        let bad = [pass("w a", &[], &[&a]), pass("w whole", &[], &[&whole]), pass("r a", &[&a], &[])];
        let found = overlapping_lifetimes(&bad);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("pass 2 (r a)") && found[0].contains("pass 1 (w whole)"), "{}", found[0]);
        let bad = [pass("w whole", &[], &[&whole]), pass("w b", &[], &[&b]), pass("r whole", &[&whole], &[])];
        assert_eq!(overlapping_lifetimes(&bad).len(), 1);
    }
}
