//! Inline suppressions, the filter stage between the rules and the report:
//! `// leaklint::allow(rule_id): reason` on the line a finding's primary span starts on,
//! or on the line above, silences that rule's finding there (a comment, because rustc
//! rejects unknown tool attributes). A suppression that silences nothing is reported as
//! `leaklint::unused_suppression`, like ruff's RUF100.

use crate::diagnostic::{Diagnostic, Label, Level, PARSE_ERROR};
use crate::rules;
use crate::source::{FileId, SourceDb, SourceFile, Span};

/// Diagnostic id for a suppression that matched no finding.
pub const UNUSED_SUPPRESSION: &str = "unused_suppression";

pub const MARKER: &str = "leaklint::allow(";

/// One `leaklint::allow(..)` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The rule ids it names, without `leaklint::`.
    pub rules: Vec<String>,
    /// 0-based line of the comment.
    pub line: usize,
    /// The comment's `leaklint::allow(..)` text.
    pub span: Span,
}

/// The suppressions written in one file.
pub fn in_file(id: FileId, file: &SourceFile) -> Vec<Suppression> {
    let mut out = Vec::new();
    if !file.text.contains(MARKER) {
        return out;
    }
    for comment in crate::parse::line_comments(&file.text) {
        let line = file.line_index(comment);
        let end = file.line_range(line).map_or(file.text.len(), |r| r.end);
        let text = &file.text[comment..end];
        let body = text.trim_start_matches(['/', '!', ' ', '\t']);
        let Some(args) = body.strip_prefix(MARKER) else { continue };
        let Some(close) = args.find(')') else { continue };
        let rules = args[..close]
            .split(',')
            .map(|r| r.trim().trim_start_matches("leaklint::").to_string())
            .filter(|r| !r.is_empty())
            .collect();
        let start = comment + (text.len() - body.len());
        out.push(Suppression { rules, line, span: Span::new(id, start..start + MARKER.len() + close + 1) });
    }
    out
}

/// Removes the findings a suppression silences, and reports suppressions that silenced
/// nothing or name no rule. Every remaining rule finding's help says how to suppress it.
pub fn apply(db: &SourceDb, diagnostics: &mut Vec<Diagnostic>) {
    let mut unused = Vec::new();
    for (id, file) in db.files() {
        let found = in_file(id, file);
        if found.is_empty() {
            continue;
        }
        let mut used = vec![false; found.len()];
        diagnostics.retain(|d| {
            let hit = (d.primary.span.file == id).then(|| matching(file, d, &found)).flatten();
            if let Some(i) = hit {
                used[i] = true;
            }
            hit.is_none()
        });
        unused.extend(found.iter().zip(used).filter(|(_, used)| !used).map(|(s, _)| unused_diagnostic(s)));
    }
    for d in diagnostics.iter_mut().filter(|d| rules::find(d.rule).is_some()) {
        let how =
            format!("if this is deliberate, say so with `// leaklint::allow({}): <why>` on the line above", d.rule);
        d.help = Some(match d.help.take() {
            Some(help) => format!("{help}\n{how}"),
            None => how,
        });
    }
    diagnostics.extend(unused);
}

/// The suppression that silences `d`: its rule, on its primary line or the line above.
fn matching(file: &SourceFile, d: &Diagnostic, found: &[Suppression]) -> Option<usize> {
    if d.rule == PARSE_ERROR {
        return None;
    }
    let line = file.line_index(d.primary.span.lo as usize);
    found.iter().position(|s| (s.line == line || s.line + 1 == line) && s.rules.iter().any(|r| r == d.rule))
}

fn unused_diagnostic(s: &Suppression) -> Diagnostic {
    let unknown: Vec<&str> = s.rules.iter().map(String::as_str).filter(|r| rules::find(r).is_none()).collect();
    let message = if !unknown.is_empty() {
        format!("suppression names no leaklint rule: `{}`", unknown.join("`, `"))
    } else {
        format!("unused suppression: no `{}` finding here", s.rules.join("`, `"))
    };
    Diagnostic::new(UNUSED_SUPPRESSION, Level::Warn, message, Label::new(s.span, "this suppresses nothing")).with_help(
        "remove it, or move it to the line of the finding or the line above (`leaklint rules` lists the rule ids)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(Vec<String>, usize, String)> {
        let file = SourceFile::new("a.rs".into(), "a.rs".into(), text.into());
        in_file(FileId(0), &file).into_iter().map(|s| (s.rules, s.line, file.slice(s.span).to_string())).collect()
    }

    #[test]
    fn suppression_comments_are_found_with_their_rules() {
        let text = "fn f() {\n    // leaklint::allow(detached_spawn): started once\n    x(); // leaklint::allow(leaklint::leaked_timer, timer_in_loop)\n    let s = \"// leaklint::allow(nope)\";\n}\n";
        assert_eq!(
            parse(text),
            [
                (vec!["detached_spawn".to_string()], 1, "leaklint::allow(detached_spawn)".to_string()),
                (
                    vec!["leaked_timer".to_string(), "timer_in_loop".to_string()],
                    2,
                    "leaklint::allow(leaklint::leaked_timer, timer_in_loop)".to_string()
                ),
            ]
        );
    }
}
