//! Baselines: `--write-baseline FILE` records the current findings by fingerprint (rule,
//! file, normalised text of the primary line, occurrence: no line numbers, so unrelated
//! edits keep them); `--baseline FILE` then reports only findings not recorded there.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::fingerprint::fingerprints;
use crate::source::SourceDb;

#[derive(Debug, Serialize, Deserialize)]
struct Baseline {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, Hash, Clone)]
struct Entry {
    rule: String,
    file: String,
    fingerprint: String,
}

fn entries(db: &SourceDb, diagnostics: &[Diagnostic]) -> Vec<Entry> {
    diagnostics
        .iter()
        .zip(fingerprints(db, diagnostics))
        .map(|(d, fingerprint)| Entry {
            rule: d.rule.to_string(),
            file: db.get(d.primary.span.file).name.clone(),
            fingerprint,
        })
        .collect()
}

/// Writes the baseline of `diagnostics` to `path`.
pub fn write(path: &Path, db: &SourceDb, diagnostics: &[Diagnostic]) -> Result<usize, String> {
    let baseline = Baseline { version: 1, findings: entries(db, diagnostics) };
    let text = serde_json::to_string_pretty(&baseline).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(baseline.findings.len())
}

/// Removes from `diagnostics` every finding `path` records (each entry covers one).
/// Returns how many were removed.
pub fn filter(path: &Path, db: &SourceDb, diagnostics: &mut Vec<Diagnostic>) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline `{}`: {e}", path.display()))?;
    let baseline: Baseline =
        serde_json::from_str(&text).map_err(|e| format!("`{}` is not a leaklint baseline: {e}", path.display()))?;
    let mut known: HashMap<Entry, usize> = HashMap::new();
    for e in baseline.findings {
        *known.entry(e).or_insert(0) += 1;
    }
    let keys = entries(db, diagnostics);
    let before = diagnostics.len();
    let mut keep = keys.into_iter().map(|k| match known.get_mut(&k) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    diagnostics.retain(|_| keep.next().unwrap_or(true));
    Ok(before - diagnostics.len())
}
