//! Line-independent fingerprints of findings, for SARIF `partialFingerprints` and
//! baselines: a finding keeps its fingerprint when unrelated lines are added or removed
//! elsewhere in its file.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::source::{SourceDb, SourceFile, Span};

/// `leaklint/v1` fingerprints of `diagnostics` (sorted as reported), one each: a hash of
/// the rule, the file and the normalised text of the primary line, then `:` and the
/// occurrence number of that triple in the file (from 1).
pub fn fingerprints(db: &SourceDb, diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut occurrences: HashMap<(&str, &str, String), usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let file = db.get(d.primary.span.file);
            let text = normalised_line(file, d.primary.span);
            let seen = occurrences.entry((d.rule, file.name.as_str(), text.clone())).or_insert(0);
            *seen += 1;
            fingerprint(d.rule, &file.name, &text, *seen - 1)
        })
        .collect()
}

/// The text of the line the span starts on, with its whitespace runs collapsed.
fn normalised_line(file: &SourceFile, span: Span) -> String {
    let start = (span.lo as usize).min(file.text.len());
    let range = file.line_range(file.line_index(start)).unwrap_or(0..0);
    file.text.get(range).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a (64 bits) of the parts: fixed across Rust versions and platforms, unlike
/// `DefaultHasher`.
pub fn fingerprint(rule: &str, file: &str, text: &str, occurrence: usize) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [rule, file, text] {
        for &b in part.as_bytes().iter().chain(&[0xff]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}:{}", occurrence + 1)
}
