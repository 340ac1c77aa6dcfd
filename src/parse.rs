//! Reading and parsing one file into its [`Analysis`], on the calling thread.
//!
//! `syn` spans are only valid on the thread that parsed them, so a file is parsed,
//! lowered and its span table dropped in one go; what leaves is owned data.

mod lex_error;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::analysis::lower::{lower_file, FileContext, Offsets};
use crate::analysis::Analysis;
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Label, Level, PARSE_ERROR};
use crate::discover::modules::{self, ChildModule, ModuleOrigin};
use crate::source::{FileId, Span};

/// The text of a file, or why there is none.
pub enum FileText {
    Text(Arc<str>),
    /// The file's bytes as (lossy) text, and the offset of the first invalid UTF-8 byte.
    InvalidUtf8(Arc<str>, usize),
    Unreadable(String),
}

pub fn read(path: &Path) -> FileText {
    match std::fs::read(path) {
        Err(e) => FileText::Unreadable(e.to_string()),
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => FileText::Text(text.into()),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                FileText::InvalidUtf8(String::from_utf8_lossy(e.as_bytes()).into(), at)
            }
        },
    }
}

/// Where a file sits, for lowering.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub module_path: Vec<String>,
    pub test_file: bool,
}

/// Parses and lowers `text`. A syntax error becomes a `parse_error` diagnostic at the
/// parser's location; a file that cannot even be split into tokens is explained the way
/// rustc's lexer would (see [`lex_error`]).
pub fn parse(file: FileId, text: &str, info: &FileInfo, catalog: &'static Catalog) -> Result<Analysis, Diagnostic> {
    parse_module(file, text, info, None, catalog).map(|(analysis, _)| analysis)
}

/// A file on disk and its place in its crate's module tree, whose `mod` declarations
/// are to be followed.
pub type ModuleFile<'a> = (&'a Path, &'a ModuleOrigin);

/// [`parse`], also returning the out-of-line modules the file declares when `module`
/// is given.
pub fn parse_module(
    file: FileId,
    text: &str,
    info: &FileInfo,
    module: Option<ModuleFile>,
    catalog: &'static Catalog,
) -> Result<(Analysis, Vec<ChildModule>), Diagnostic> {
    let base = skipped_prefix(text);
    let outcome = match parse_file(&text[base..]) {
        Ok(mut ast) => {
            crate::analysis::lower::expand_item_macros(&mut ast.items, 0);
            let children = module.map(|(path, origin)| modules::children(&ast, path, origin)).unwrap_or_default();
            let cx = FileContext {
                file,
                base,
                module_path: info.module_path.clone(),
                test_file: info.test_file,
                catalog,
                offsets: Offsets::new(&text[base..]),
            };
            Ok((lower_file(&ast, &cx), children))
        }
        Err(failure) => Err(failure.into_diagnostic(file, base)),
    };
    // Frees this thread's span table, which otherwise keeps every parsed file's text.
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome.map(|(tree, children)| (Analysis::new(tree, catalog), children))
}

/// Why a text is not a Rust file: a message and marked places, with byte offsets in the
/// text given to [`parse_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    message: String,
    primary: Mark,
    secondary: Vec<Mark>,
}

/// A byte range of the parsed text and the label shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    range: Range<usize>,
    label: String,
}

impl Mark {
    fn new(range: Range<usize>, label: impl Into<String>) -> Mark {
        Mark { range, label: label.into() }
    }
}

impl Failure {
    fn new(message: impl Into<String>, primary: Mark) -> Failure {
        Failure { message: message.into(), primary, secondary: Vec::new() }
    }

    /// The `parse_error` diagnostic, for a text that starts at byte `base` of `file`.
    fn into_diagnostic(self, file: FileId, base: usize) -> Diagnostic {
        let span = |r: Range<usize>| Span::new(file, base + r.start..base + r.end);
        let mut d = parse_error(span(self.primary.range), format!("could not parse this file: {}", self.message));
        d.primary.message = self.primary.label;
        self.secondary.into_iter().fold(d, |d, m| d.with_label(Label::new(span(m.range), m.label)))
    }
}

/// `src` as a `syn::File`: tokenized by `proc_macro2`, then parsed (what `syn::parse_str`
/// does), so that a tokenizer failure can be told from a syntax error.
fn parse_file(src: &str) -> Result<syn::File, Failure> {
    let tokens =
        src.parse::<proc_macro2::TokenStream>().map_err(|e| lex_error::explain(src, e.span().byte_range().start))?;
    syn::parse2::<syn::File>(tokens).map_err(|e| syntax_failure(src, &e))
}

/// `syn`'s message and span. An error at the end of the input comes with an empty span at
/// offset 0; it is moved to the end of the last token, where rustc puts it.
fn syntax_failure(src: &str, e: &syn::Error) -> Failure {
    let message = e.to_string();
    let mut range = e.span().byte_range();
    if range == (0..0) && message.starts_with("unexpected end of input") {
        let end = last_token_end(src);
        range = end..end;
    }
    Failure::new(message, Mark::new(range, ""))
}

/// The byte offset just past the last token of `src` (0 when it has none).
fn last_token_end(src: &str) -> usize {
    let last = src.parse::<proc_macro2::TokenStream>().ok().and_then(|tokens| tokens.into_iter().last());
    last.map_or(0, |token| token.span().byte_range().end)
}

/// Whether `text` parses with `syn`, and nothing more (the baseline leaklint's own work
/// is measured against), with the modules it declares when `module` is given.
pub fn parses(text: &str, module: Option<ModuleFile>) -> Option<Vec<ChildModule>> {
    let parsed = syn::parse_str::<syn::File>(&text[skipped_prefix(text)..]).ok();
    let children =
        parsed.map(|ast| module.map(|(path, origin)| modules::children(&ast, path, origin)).unwrap_or_default());
    proc_macro2::extra::invalidate_current_thread_spans();
    children
}

/// The byte offsets where the `//` line comments of `text` start (strings skipped).
pub fn line_comments(text: &str) -> Vec<usize> {
    lex_error::line_comments(text)
}

/// The `leaklint::parse_error` diagnostic.
pub fn parse_error(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(PARSE_ERROR, Level::Deny, message, Label::new(span, ""))
        .with_help("leaklint lints only files that parse as Rust; fix the file or exclude it".to_string())
}

/// Length of what `syn` does not accept before the items: a byte-order mark, a `#!`
/// shebang line and cargo-script frontmatter (`---cargo` .. `---`). Offsets past it stay
/// those of the file.
fn skipped_prefix(text: &str) -> usize {
    let mut at = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    if text[at..].starts_with("#!") && !text[at..].starts_with("#![") {
        at += text[at..].find('\n').unwrap_or(text.len() - at);
    }
    let rest = &text[at..];
    let body = rest.trim_start_matches(['\n', '\r', ' ', '\t']);
    if body.starts_with("---") {
        let open = rest.len() - body.len();
        // The frontmatter ends at the next line that starts with `---`.
        let close = body.match_indices("\n---").map(|(i, _)| i + 1).next();
        if let Some(close) = close {
            let end = body[close..].find('\n').map_or(body.len(), |n| close + n);
            return at + open + end;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_shebang_are_skipped_but_offsets_kept() {
        assert_eq!(skipped_prefix("\u{feff}fn a() {}"), 3);
        assert_eq!(skipped_prefix("#!/usr/bin/env run\nfn a() {}"), 18);
        assert_eq!(skipped_prefix("#![allow(x)]\nfn a() {}"), 0);
        let script = "#!/usr/bin/env -S cargo +nightly -Zscript\n---cargo\n[dependencies]\n---\nfn main() {}";
        assert_eq!(&script[skipped_prefix(script)..], "\nfn main() {}");
        assert_eq!(skipped_prefix("---\nfn a() {}"), 0, "unterminated frontmatter is left to the parser");
    }

    fn parse_err(text: &str) -> Diagnostic {
        let info = FileInfo { module_path: vec!["crate".into()], test_file: false };
        parse(FileId(0), text, &info, Catalog::builtin()).expect_err("a parse error")
    }

    #[test]
    fn syntax_error_points_at_the_parser_location() {
        let text = "fn main() {\n    let x = ;\n}\n";
        let err = parse_err(text);
        assert_eq!(err.rule, PARSE_ERROR);
        assert_eq!(err.message, "could not parse this file: expected an expression");
        assert_eq!(err.primary.span.range(), 24..25);
        assert_eq!(&text[err.primary.span.range()], ";");
    }

    #[test]
    fn unexpected_end_of_input_points_past_the_last_token() {
        let text = "fn main() {}\nstruct A\n\n";
        let err = parse_err(text);
        let expected = "could not parse this file: unexpected end of input, expected one of: `where`, parentheses, curly braces, `;`";
        assert_eq!(err.message, expected);
        assert_eq!(err.primary.span.range(), 21..21, "right after `A`");
    }

    #[test]
    fn tokenizer_error_is_explained_at_file_offsets_after_a_shebang() {
        let text = "#!/usr/bin/env run-cargo-script\nfn main() {\n    let v = vec![1, 2);\n}\n";
        let err = parse_err(text);
        assert_eq!(err.message, "could not parse this file: mismatched closing delimiter: `)`");
        let close = text.find(");").unwrap();
        let open = text.find("[1").unwrap();
        assert_eq!(
            (err.primary.span.range(), err.primary.message.as_str()),
            (close..close + 1, "mismatched closing delimiter")
        );
        let labels: Vec<_> = err.secondary.iter().map(|l| (l.span.range(), l.message.as_str())).collect();
        assert_eq!(labels, [(open..open + 1, "unclosed delimiter")]);
    }

    #[test]
    fn unclosed_delimiter_after_frontmatter_and_bom() {
        let text = "\u{feff}---\n[dependencies]\n---\nfn main() {\n";
        let err = parse_err(text);
        assert_eq!(err.message, "could not parse this file: unclosed delimiter `{`");
        assert_eq!(err.primary.span.range(), 36..37);
        assert_eq!(&text[err.primary.span.range()], "{");
        let labels: Vec<_> = err.secondary.iter().map(|l| (l.span.range(), l.message.as_str())).collect();
        assert_eq!(labels, [(37..37, "the file ends here")]);
    }
}
