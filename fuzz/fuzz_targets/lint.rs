//! Arbitrary bytes through the whole pipeline: parse, analysis, every rule, every output
//! format. Seed it with the fixtures (`fuzz/seed.sh`) so libFuzzer mutates real Rust.
//!
//! The input is read as lossy UTF-8 and split at NUL characters into up to four files of
//! one crate (`src/lib.rs`, `src/m1.rs`, ...), so cross-file work (the crate index, spawn
//! wrappers) is fuzzed too. An even length lints test code as well.
//!
//! A panic anywhere aborts: libfuzzer-sys's panic hook runs before `lint::guarded` can
//! catch it. The target also checks that no `internal_error` was reported (in case the hook
//! is ever bypassed) and that every span lies on character boundaries inside its file.

#![no_main]

use leaklint::diagnostic::Diagnostic;
use leaklint::lint::{self, Options, INTERNAL_ERROR};
use leaklint::report::{self, Format, ReportContext};
use leaklint::source::{SourceDb, Span};
use libfuzzer_sys::fuzz_target;

const FORMATS: [Format; 5] = [Format::Human, Format::Json, Format::CargoJson, Format::Github, Format::Sarif];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files: Vec<(String, String)> = text
        .splitn(4, '\0')
        .enumerate()
        .map(|(i, part)| (if i == 0 { "src/lib.rs".to_string() } else { format!("src/m{i}.rs") }, part.to_string()))
        .collect();
    let options = Options { include_tests: data.len() % 2 == 0, prefilter: data.len() % 3 != 0, ..Options::default() };
    let run = lint::run_texts(files, &options);
    for d in run.diagnostics.iter().chain(&run.superseded) {
        assert_ne!(d.rule, INTERNAL_ERROR, "{}", d.message);
        check_spans(&run.db, d);
    }
    let success = run.diagnostics.is_empty();
    for format in FORMATS {
        for color in [false, true] {
            if color && format != Format::Human {
                continue;
            }
            let cx = ReportContext { db: &run.db, color, success };
            let mut out = Vec::new();
            report::write(format, &cx, &run.diagnostics, &mut out).expect("writing to a Vec");
            if format != Format::Human {
                std::str::from_utf8(&out).expect("machine output is UTF-8");
            }
        }
    }
});

fn check_spans(db: &SourceDb, d: &Diagnostic) {
    let check = |span: Span, what: &str| {
        let text = &db.get(span.file).text;
        let (lo, hi) = (span.lo as usize, span.hi as usize);
        assert!(
            lo <= hi && hi <= text.len() && text.is_char_boundary(lo) && text.is_char_boundary(hi),
            "{}: {what} span {lo}..{hi} in a {}-byte file",
            d.rule,
            text.len()
        );
    };
    check(d.primary.span, "primary");
    for l in &d.secondary {
        check(l.span, "secondary");
    }
    if let Some(fix) = &d.fix {
        check(fix.span, "fix");
    }
    if let Some(cause) = &d.cause {
        check(cause.site, "cause");
    }
}
