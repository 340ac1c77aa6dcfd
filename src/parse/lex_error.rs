//! Why `proc_macro2` could not split a file into tokens, said the way rustc says it.
//!
//! `syn` reports every tokenizer failure as "cannot parse string into token stream", with
//! an empty span where the tokenizer stopped. [`explain`] scans the text again as
//! `proc_macro2` does: it tracks open delimiters and skips comments (nested block comments
//! too), strings with their escapes, raw strings with any number of `#`, byte and C
//! strings, character and byte literals, lifetimes and labels. It names the first thing
//! that stops it: an unclosed, unexpected or mismatched delimiter, an unterminated literal
//! or block comment, a malformed character literal, an unknown escape or character.
//!
//! When its scan does not stop where `proc_macro2` stopped (a rejection it does not model,
//! such as a bare carriage return in a string or a `2` in a binary literal), it says only that the
//! token there is invalid: an explanation is given only where it is known to be the one.

use std::ops::Range;

use unicode_ident::is_xid_continue;

use super::{Failure, Mark};

/// Explains why `text` does not tokenize; `failed_at` is the byte offset where
/// `proc_macro2` stopped.
/// The offsets of the `//` line comments of `text` (up to a tokenizer error, if any):
/// what looks like a comment inside a string literal is not one.
pub(super) fn line_comments(text: &str) -> Vec<usize> {
    let mut scanner = Scanner::new(text);
    let _ = scanner.run();
    scanner.line_comments
}

pub(super) fn explain(text: &str, failed_at: usize) -> Failure {
    match Scanner::new(text).run() {
        Err(found) if found.stop == failed_at => found.failure,
        _ => invalid_token(text, failed_at),
    }
}

/// What stopped the scan. `stop` is where `proc_macro2` stops for the same reason: the
/// start of the bad token, or the innermost delimiter still open at the end.
struct Found {
    stop: usize,
    failure: Failure,
}

type Step = Result<(), Found>;

/// Punctuation `proc_macro2` accepts (`/` when it does not start a comment).
const PUNCT: &str = "~!@#$%^&*-=+|;:,<.>/?";

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    /// Open delimiters and their offsets, innermost last.
    open: Vec<(u8, usize)>,
    /// Offsets of the matched `{` `}` pairs, for rustc's indentation hint.
    braces: Vec<(usize, usize)>,
    /// Offsets of the `//` line comments seen.
    line_comments: Vec<usize>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Scanner<'a> {
        Scanner { text, pos: 0, open: Vec::new(), braces: Vec::new(), line_comments: Vec::new() }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn run(&mut self) -> Step {
        while let Some(c) = self.rest().chars().next() {
            self.token(c)?;
        }
        match self.open.last() {
            Some(&(delimiter, at)) => Err(self.unclosed(delimiter, at)),
            None => Ok(()),
        }
    }

    /// Moves past the token, comment or whitespace that starts with `c`.
    fn token(&mut self, c: char) -> Step {
        let start = self.pos;
        match c {
            '/' if self.rest().starts_with("//") => {
                self.line_comments.push(start);
                self.pos += self.rest().find('\n').unwrap_or(self.rest().len())
            }
            '/' if self.rest().starts_with("/*") => self.block_comment()?,
            '(' | '[' | '{' => {
                self.open.push((c as u8, start));
                self.pos += 1;
            }
            ')' | ']' | '}' => self.close(c as u8)?,
            '"' => self.cooked(1, Cooked::Str)?,
            '\'' => self.quote()?,
            '0'..='9' => self.word(),
            c if is_whitespace(c) => self.pos += c.len_utf8(),
            c if is_ident_start(c) => self.prefixed()?,
            c if PUNCT.contains(c) => self.pos += 1,
            c => return Err(unknown_start(start, c)),
        }
        Ok(())
    }

    /// An identifier or number, and any literal suffix: everything up to the first
    /// character that cannot continue an identifier.
    fn word(&mut self) {
        let first = self.rest().chars().next().map_or(0, char::len_utf8);
        self.pos = word_end(self.text, self.pos + first);
    }

    /// A literal's suffix (`1u8`, `"a"suffix`), if there is one.
    fn suffix(&mut self) {
        if self.rest().starts_with(is_ident_start) {
            self.word();
        }
    }

    /// A block comment, nested ones included, as `proc_macro2` skips it.
    fn block_comment(&mut self) -> Step {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut nested = Vec::new();
        let mut i = start;
        while i + 1 < bytes.len() {
            match &bytes[i..i + 2] {
                b"/*" => nested.push(i),
                b"*/" => {
                    nested.pop();
                    if nested.is_empty() {
                        self.pos = i + 2;
                        return Ok(());
                    }
                }
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        Err(unterminated_comment(self.text, start, &nested))
    }

    fn close(&mut self, close: u8) -> Step {
        let at = self.pos;
        match self.open.last() {
            None => return Err(self.unexpected_close(close, at)),
            Some(&(open, open_at)) if closer(open) != close => return Err(self.mismatched(close, at, open_at)),
            Some(&(b'{', open_at)) => self.braces.push((open_at, at)),
            Some(_) => {}
        }
        self.open.pop();
        self.pos += 1;
        Ok(())
    }

    /// An identifier, a raw identifier, or a literal with a prefix: `b'x'`, `b"..."`,
    /// `c"..."`, `r"..."`, `br#"..."#`, `cr"..."`.
    fn prefixed(&mut self) -> Step {
        let rest = self.rest();
        if rest.starts_with("b'") {
            return self.quoted_byte();
        }
        if rest.starts_with("b\"") {
            return self.cooked(2, Cooked::Byte);
        }
        if rest.starts_with("c\"") {
            return self.cooked(2, Cooked::C);
        }
        let raw =
            ["r", "br", "cr"].into_iter().find(|p| rest.strip_prefix(p).is_some_and(|r| r.starts_with(['"', '#'])));
        if rest.starts_with("r#") && rest[2..].starts_with(is_ident_start) {
            self.pos += 2; // a raw identifier
        } else if let Some(prefix) = raw {
            return self.raw_string(prefix.len());
        }
        self.word();
        Ok(())
    }

    /// A string with escapes whose opening quote (`"`, `b"`, `c"`) is `opener` bytes long.
    fn cooked(&mut self, opener: usize, kind: Cooked) -> Step {
        let start = self.pos;
        let mut i = start + opener;
        loop {
            match self.text.as_bytes().get(i) {
                None => return Err(unterminated(start..start + opener, kind.name(), kind.label())),
                Some(b'"') => break,
                Some(b'\\') => i = escape(self.text, start, i, kind, true)?,
                Some(_) => i += 1,
            }
        }
        self.pos = i + 1;
        self.suffix();
        Ok(())
    }

    /// A raw string whose prefix (`r`, `br`, `cr`) is `prefix` bytes long.
    fn raw_string(&mut self, prefix: usize) -> Step {
        let start = self.pos;
        let hashes = self.text[start + prefix..].bytes().take_while(|&b| b == b'#').count();
        let quote = start + prefix + hashes;
        let terminator = format!("\"{}", "#".repeat(hashes));
        if let Some(bad) = bad_raw_start(self.text, start, quote) {
            return Err(bad);
        }
        let Some(end) = self.text.get(quote + 1..).and_then(|rest| rest.find(&terminator)) else {
            let label = format!("this raw string should be terminated with `{terminator}`");
            return Err(unterminated(start..(quote + 1).min(self.text.len()), "raw string", label));
        };
        self.pos = quote + 1 + end + terminator.len();
        self.suffix();
        Ok(())
    }

    /// A character literal, or a lifetime or label (`'a`, `'static`, `'outer:`).
    fn quote(&mut self) -> Step {
        let start = self.pos;
        if let Some(end) = quoted_literal(self.text, start, 1)? {
            self.pos = end;
            self.suffix();
        } else if let Some(end) = lifetime(self.text, start + 1) {
            self.pos = end;
        } else {
            return Err(bad_quote(self.text, start, 1));
        }
        Ok(())
    }

    /// A byte literal: `b'x'`, `b'\n'`.
    fn quoted_byte(&mut self) -> Step {
        let start = self.pos;
        let Some(end) = quoted_literal(self.text, start, 2)? else { return Err(bad_quote(self.text, start, 2)) };
        self.pos = end;
        self.suffix();
        Ok(())
    }

    fn unclosed(&self, delimiter: u8, at: usize) -> Found {
        let message = format!("unclosed delimiter `{}`", delimiter as char);
        let mut found = found(at, message, at..at + 1, "unclosed delimiter");
        found.failure.secondary.extend(self.indentation_hint());
        let end = self.text.trim_end().len();
        found.failure.secondary.push(Mark::new(end..end, "the file ends here"));
        found
    }

    fn unexpected_close(&self, close: u8, at: usize) -> Found {
        let message = format!("unexpected closing delimiter: `{}`", close as char);
        let mut found = found(at, message, at..at + 1, "unexpected closing delimiter");
        found.failure.secondary.extend(self.indentation_hint());
        found
    }

    /// `close` does not close the innermost open delimiter, at `open_at`. Like rustc, it
    /// also points at an open delimiter of its kind on a line indented as its own.
    fn mismatched(&self, close: u8, at: usize, open_at: usize) -> Found {
        let message = format!("mismatched closing delimiter: `{}`", close as char);
        let mut found = found(at, message, at..at + 1, "mismatched closing delimiter");
        found.failure.secondary.push(Mark::new(open_at..open_at + 1, "unclosed delimiter"));
        let indents = Indents::new(self.text);
        let meant = self.open.iter().rev().find(|&&(d, o)| closer(d) == close && indents.of(o) == indents.of(at));
        if let Some(&(_, o)) = meant {
            found.failure.secondary.push(Mark::new(o..o + 1, "closing delimiter possibly meant for this"));
        }
        found
    }

    /// rustc's hint for a missing or extra `}`: the last `{` `}` pair whose lines are
    /// indented differently, unless it sits in a pair whose lines are indented alike.
    fn indentation_hint(&self) -> Vec<Mark> {
        let indents = Indents::new(self.text);
        let mut pairs = self.braces.clone();
        pairs.sort_unstable();
        // The pairs around the current one: where each ends, and whether it or a pair
        // around it is indented alike.
        let mut around: Vec<(usize, bool)> = Vec::new();
        let mut suspect = None;
        for (open, close) in pairs {
            while around.last().is_some_and(|&(end, _)| end < open) {
                around.pop();
            }
            let covered = around.last().is_some_and(|&(_, alike)| alike);
            let alike = indents.of(open) == indents.of(close);
            if !alike && !covered {
                suspect = Some((open, close));
            }
            around.push((close, covered || alike));
        }
        let Some((open, close)) = suspect else { return Vec::new() };
        vec![
            Mark::new(open..open + 1, "this delimiter might not be properly closed..."),
            Mark::new(close..close + 1, "...as it matches this but it has different indentation"),
        ]
    }
}

/// Why the `#`s of the raw string at `start` are not followed by its `"` at `quote` (the
/// end of the file is left to "unterminated"), or are too many.
fn bad_raw_start(text: &str, start: usize, quote: usize) -> Option<Found> {
    let hashes = text[start..quote].matches('#').count();
    if hashes > 255 {
        let message =
            format!("too many `#` symbols: raw strings may be delimited by up to 255 `#` symbols, but found {hashes}");
        return Some(found(start, message, start..quote, "too many `#` symbols"));
    }
    let bad = text[quote..].chars().next().filter(|&c| c != '"')?;
    let message = format!("found invalid character; only `#` is allowed in raw string delimitation: {bad}");
    Some(found(start, message, start..quote + bad.len_utf8(), "invalid raw string delimiter"))
}

/// The kinds of `"`-delimited strings with escapes; `Str` and `Byte` also stand for the
/// escapes of character and byte literals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cooked {
    Str,
    Byte,
    C,
}

impl Cooked {
    /// rustc's name, as in "unterminated double quote string".
    fn name(self) -> &'static str {
        match self {
            Cooked::Str => "double quote string",
            Cooked::Byte => "double quote byte string",
            Cooked::C => "C string",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Cooked::Str => "unterminated string",
            Cooked::Byte => "unterminated byte string",
            Cooked::C => "unterminated C string",
        }
    }
}

fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

/// Whitespace as `proc_macro2` (and rustc) skip it.
fn is_whitespace(c: char) -> bool {
    c.is_whitespace() || c == '\u{200e}' || c == '\u{200f}'
}

fn is_ident_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

/// The end of the identifier at `at`, if one starts there.
fn ident_end(text: &str, at: usize) -> Option<usize> {
    let first = text[at..].chars().next().filter(|&c| is_ident_start(c))?;
    Some(word_end(text, at + first.len_utf8()))
}

/// The end of the run of characters that can continue an identifier at `at`.
fn word_end(text: &str, at: usize) -> usize {
    at + text[at..].find(|c| !is_xid_continue(c)).unwrap_or(text.len() - at)
}

/// The end of the escape whose `\` is at `at`, in a literal that starts at `literal` and
/// takes the escapes of `kind` (`Str` for character literals, `Byte` for byte literals);
/// `in_string` allows a line continuation. An escape `proc_macro2` rejects is an error.
fn escape(text: &str, literal: usize, at: usize, kind: Cooked, in_string: bool) -> Result<usize, Found> {
    let Some(c) = text[at + 1..].chars().next() else { return Ok(at + 1) };
    let after = at + 1 + c.len_utf8();
    let checked = match c {
        'n' | 'r' | 't' | '\\' | '\'' | '"' => Ok(after),
        '0' if kind != Cooked::C => Ok(after),
        '0' => Err(null_in_c_string(after)),
        '\n' | '\r' if in_string => Ok(after),
        'x' => hex_escape(text, after, kind),
        'u' => unicode_escape(text, after, kind),
        c => return Err(unknown_escape(literal, at..after, c, kind == Cooked::Byte)),
    };
    checked.map_err(|bad| found(literal, bad.message, at..bad.end, bad.label))
}

/// A numeric escape `proc_macro2` rejects: rustc's message and label, and where the
/// escape ends.
struct BadEscape {
    message: &'static str,
    label: &'static str,
    end: usize,
}

fn null_in_c_string(end: usize) -> BadEscape {
    let message = "null characters in C string literals are not supported";
    BadEscape { message, label: message, end }
}

/// The end of the two hex digits of `\x..` that start at `at`: up to `7f` in a string or
/// character, `ff` in a byte string or byte, not `00` in a C string.
fn hex_escape(text: &str, at: usize, kind: Cooked) -> Result<usize, BadEscape> {
    let digits: String = text[at..].chars().take(2).take_while(char::is_ascii_hexdigit).collect();
    let end = at + digits.len();
    let value = u8::from_str_radix(&digits, 16).ok().filter(|_| digits.len() == 2);
    match value {
        None => {
            Err(BadEscape { message: "invalid hex escape", label: "`\\x` must be followed by two hex digits", end })
        }
        Some(0x80..) if kind == Cooked::Str => Err(BadEscape {
            message: "out of range hex escape",
            label: "must be a character in the range [\\x00-\\x7f]",
            end,
        }),
        Some(0) if kind == Cooked::C => Err(null_in_c_string(end)),
        Some(_) => Ok(end),
    }
}

/// The end of the `{..}` of `\u{..}` that starts at `at`: one to six hex digits (with `_`
/// after the first) naming a `char`, not in a byte string, not `0` in a C string.
fn unicode_escape(text: &str, at: usize, kind: Cooked) -> Result<usize, BadEscape> {
    // What is shown: up to a nearby `}`.
    let shown = text[at..].char_indices().take(16).find(|&(_, c)| c == '}').map_or(at, |(i, _)| at + i + 1);
    if kind == Cooked::Byte {
        let message = "unicode escape in byte string";
        return Err(BadEscape { message, label: message, end: shown });
    }
    match unicode_value(text, at) {
        Some((0, end)) if kind == Cooked::C => Err(null_in_c_string(end)),
        Some((_, end)) => Ok(end),
        None => Err(BadEscape {
            message: "invalid unicode character escape",
            label: "must be `\\u{..}` with 1 to 6 hex digits naming a character",
            end: shown,
        }),
    }
}

/// The character `{..}` at `at` names, and where it ends.
fn unicode_value(text: &str, at: usize) -> Option<(u32, usize)> {
    let digits = text[at..].strip_prefix('{')?;
    let (mut value, mut len) = (0u32, 0);
    for (i, c) in digits.char_indices() {
        match c {
            '_' if len > 0 => {}
            '}' if len > 0 => return char::from_u32(value).map(|_| (value, at + 1 + i + 1)),
            c if len < 6 && c.is_ascii_hexdigit() => {
                value = value * 16 + c.to_digit(16)?;
                len += 1;
            }
            _ => return None,
        }
    }
    None
}

/// The end of the character (`opener` 1) or byte (`opener` 2) literal at `start`, when
/// `proc_macro2` accepts one there.
fn quoted_literal(text: &str, start: usize, opener: usize) -> Result<Option<usize>, Found> {
    let body = start + opener;
    let kind = if opener == 2 { Cooked::Byte } else { Cooked::Str };
    let end = match text[body..].chars().next() {
        None => return Ok(None),
        Some('\\') => escape(text, start, body, kind, false)?,
        Some(c) if opener == 2 && !c.is_ascii() => return Ok(None),
        Some(c) => body + c.len_utf8(),
    };
    Ok(text[end..].starts_with('\'').then_some(end + 1))
}

/// The end of the lifetime or label whose name starts at `at` (after the `'`), as
/// `proc_macro2` accepts it: not followed by `'` (that would be a literal) nor `#`.
fn lifetime(text: &str, at: usize) -> Option<usize> {
    let raw = text[at..].starts_with("r#");
    let name = if raw { at + 2 } else { at };
    let end = ident_end(text, name)?;
    if raw && matches!(&text[name..end], "_" | "super" | "self" | "Self" | "crate") {
        return None;
    }
    let next = text[end..].chars().next();
    (next != Some('\'') && (raw || next != Some('#'))).then_some(end)
}

/// Why the `'` (`opener` 1) or `b'` (`opener` 2) at `start` begins neither a literal nor a
/// lifetime, in rustc's words.
fn bad_quote(text: &str, start: usize, opener: usize) -> Found {
    if opener == 1 {
        if let Some(found) = bad_lifetime(text, start) {
            return found;
        }
    }
    let body = start + opener;
    let Some(end) = closing_quote(text, body) else {
        let what = if opener == 2 { "byte constant" } else { "character literal" };
        return unterminated(start..body, what, format!("unterminated {what}"));
    };
    let message = literal_shape(text, start, opener, end);
    found(start, message.clone(), start..end, message)
}

/// What is wrong with the closed quoted literal `start..end` that `proc_macro2` rejects
/// (its escape, if it starts with one, is valid).
fn literal_shape(text: &str, start: usize, opener: usize, end: usize) -> String {
    let content = &text[start + opener..end - 1];
    if content.is_empty() {
        format!("empty {} literal", if opener == 2 { "byte" } else { "character" })
    } else if opener == 2 && content.chars().count() == 1 {
        "non-ASCII character in byte literal".to_string()
    } else if opener == 2 {
        "byte literal may only contain one byte".to_string()
    } else {
        "character literal may only contain one codepoint".to_string()
    }
}

/// rustc reads a `'` followed by an identifier (or a digit) that is not closed right after
/// its first character as a lifetime, up to the end of the identifier: closed there, it is
/// a character literal with too many characters.
fn bad_lifetime(text: &str, start: usize) -> Option<Found> {
    let body = start + 1;
    let mut chars = text[body..].chars();
    let first = chars.next()?;
    if chars.next() == Some('\'') || !(is_ident_start(first) || first.is_ascii_digit()) {
        return None;
    }
    let end = word_end(text, body + first.len_utf8());
    let (message, range) = if text[end..].starts_with('\'') {
        ("character literal may only contain one codepoint", start..end + 1)
    } else if first.is_ascii_digit() {
        ("lifetimes cannot start with a number", start..end)
    } else {
        return Some(Found { stop: start, failure: invalid_token(text, start) });
    };
    Some(found(start, message, range, message))
}

/// The end of a quoted literal whose body starts at `body`, as rustc's lexer finds it
/// (after the closing `'`), or `None` when it is unterminated: a one-character body closed
/// right away, else the next `'` before a `/` or the end of the line.
fn closing_quote(text: &str, body: usize) -> Option<usize> {
    let mut chars = text[body..].char_indices().peekable();
    let mut two = text[body..].chars();
    if let (Some(c), Some('\'')) = (two.next(), two.next()) {
        if c != '\\' {
            return Some(body + c.len_utf8() + 1);
        }
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => return Some(body + i + 1),
            '/' => return None,
            '\n' if chars.peek().map(|&(_, next)| next) != Some('\'') => return None,
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    None
}

/// The indentation (leading whitespace, in bytes) of the line of an offset, as rustc
/// compares it.
struct Indents<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Indents<'a> {
    fn new(text: &'a str) -> Indents<'a> {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Indents { text, line_starts }
    }

    fn of(&self, at: usize) -> usize {
        let line = self.line_starts[self.line_starts.partition_point(|&s| s <= at) - 1];
        let before = &self.text[line..at];
        before.len() - before.trim_start().len()
    }
}

fn found(stop: usize, message: impl Into<String>, range: Range<usize>, label: impl Into<String>) -> Found {
    Found { stop, failure: Failure::new(message, Mark::new(range, label)) }
}

fn unterminated(opener: Range<usize>, what: &str, label: impl Into<String>) -> Found {
    found(opener.start, format!("unterminated {what}"), opener, label)
}

/// A block comment at `start` that never ends; `nested` are the comments still open in it,
/// outermost first.
fn unterminated_comment(text: &str, start: usize, nested: &[usize]) -> Found {
    let rest = &text[start..];
    let doc = rest.starts_with("/*!") || (rest.starts_with("/**") && !rest.starts_with("/***"));
    let what = if doc { "block doc-comment" } else { "block comment" };
    let mut found = unterminated(start..start + 2, what, format!("unterminated {what}"));
    if let Some(&inner) = nested.last().filter(|&&inner| inner != start) {
        found.failure.secondary.push(Mark::new(inner..inner + 2, "this nested comment is not closed either"));
    }
    found
}

fn unknown_start(at: usize, c: char) -> Found {
    let shown = if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() };
    found(at, format!("unknown start of token: {shown}"), at..at + c.len_utf8(), "unknown start of token")
}

fn unknown_escape(literal: usize, escape: Range<usize>, c: char, byte: bool) -> Found {
    let what = if byte { "byte" } else { "character" };
    let message = format!("unknown {what} escape: `{}`", c.escape_default());
    found(literal, message, escape, format!("unknown {what} escape"))
}

/// What is said where the scan cannot explain `proc_macro2`'s stop: the character there.
fn invalid_token(text: &str, at: usize) -> Failure {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let first = text[at..].chars().next();
    let len = first.map_or(0, char::len_utf8);
    if first.is_some_and(|c| c.is_ascii_digit()) {
        return Failure::new(
            "invalid numeric literal",
            Mark::new(at..at + len, "the number starting here is not valid Rust"),
        );
    }
    Failure::new("invalid token", Mark::new(at..at + len, "the token starting here is not valid Rust"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`explain`] says about `src`, which `proc_macro2` must reject: the message,
    /// then each mark (primary first) as its byte range and label.
    fn lex(src: &str) -> (String, Vec<(Range<usize>, String)>) {
        let err = src.parse::<proc_macro2::TokenStream>().expect_err("a tokenizer error");
        let failure = explain(src, err.span().byte_range().start);
        proc_macro2::extra::invalidate_current_thread_spans();
        let marks = std::iter::once(failure.primary).chain(failure.secondary).map(|m| (m.range, m.label)).collect();
        (failure.message, marks)
    }

    fn check(src: &str, message: &str, marks: &[(Range<usize>, &str)]) {
        let (got_message, got_marks) = lex(src);
        assert_eq!(got_message, message, "{src:?}");
        let marks: Vec<_> = marks.iter().map(|(r, l)| (r.clone(), l.to_string())).collect();
        assert_eq!(got_marks, marks, "{src:?}");
    }

    /// `src` tokenizes, and the scan goes through it too.
    fn clean(src: &str) {
        assert!(src.parse::<proc_macro2::TokenStream>().is_ok(), "proc_macro2 rejects {src:?}");
        proc_macro2::extra::invalidate_current_thread_spans();
        assert!(Scanner::new(src).run().is_ok(), "the scan stops in {src:?}");
    }

    #[test]
    fn unclosed_delimiter_is_marked_with_the_end_of_the_file() {
        let src = "fn f() {\n    let x = 1;\n";
        check(src, "unclosed delimiter `{`", &[(7..8, "unclosed delimiter"), (23..23, "the file ends here")]);
        check("fn f(", "unclosed delimiter `(`", &[(4..5, "unclosed delimiter"), (5..5, "the file ends here")]);
        // The innermost one is named (it is where the tokenizer stops).
        check(
            "mod m {\n    fn f(\n",
            "unclosed delimiter `(`",
            &[(16..17, "unclosed delimiter"), (17..17, "the file ends here")],
        );
    }

    #[test]
    fn unclosed_delimiter_names_the_block_closed_at_another_indentation() {
        // The `}` meant for `fn f() {` closes `if x {` instead.
        let src = "fn f() {\n    if x {\n        g();\n}\n";
        check(
            src,
            "unclosed delimiter `{`",
            &[
                (7..8, "unclosed delimiter"),
                (18..19, "this delimiter might not be properly closed..."),
                (33..34, "...as it matches this but it has different indentation"),
                (34..34, "the file ends here"),
            ],
        );
        // The innermost such block is the one named.
        let src = "mod m {\n    fn a() {\n        if x {\n    }\n    fn b() {}\n}\n";
        let (message, marks) = lex(src);
        assert_eq!(message, "unclosed delimiter `{`");
        assert_eq!(marks[0], (6..7, "unclosed delimiter".to_string()));
        assert_eq!(marks[1].0, src.find("if x {").unwrap() + 5..src.find("if x {").unwrap() + 6);
        assert_eq!(marks[2].0, src.find("    }").unwrap() + 4..src.find("    }").unwrap() + 5);
    }

    #[test]
    fn unexpected_closing_delimiter() {
        check("fn f() {}\n}\n", "unexpected closing delimiter: `}`", &[(10..11, "unexpected closing delimiter")]);
        check("x) y", "unexpected closing delimiter: `)`", &[(1..2, "unexpected closing delimiter")]);
        // A badly indented pair inside a well indented one is not suspected.
        let src = "fn a() {\n    if x {\n  }\n}\n}\n";
        check(src, "unexpected closing delimiter: `}`", &[(26..27, "unexpected closing delimiter")]);
        // Without such a pair, the suspect is named.
        let src = "fn a() {\n    if x {\n    g();\n    }\n    }\n}\n";
        check(
            src,
            "unexpected closing delimiter: `}`",
            &[
                (41..42, "unexpected closing delimiter"),
                (7..8, "this delimiter might not be properly closed..."),
                (39..40, "...as it matches this but it has different indentation"),
            ],
        );
    }

    #[test]
    fn mismatched_closing_delimiter() {
        let src = "fn f() {\n    let x = (1;\n}\n";
        check(
            src,
            "mismatched closing delimiter: `}`",
            &[
                (25..26, "mismatched closing delimiter"),
                (21..22, "unclosed delimiter"),
                (7..8, "closing delimiter possibly meant for this"),
            ],
        );
        check(
            "fn f(x: [u8; 3)) {}",
            "mismatched closing delimiter: `)`",
            &[
                (14..15, "mismatched closing delimiter"),
                (8..9, "unclosed delimiter"),
                (4..5, "closing delimiter possibly meant for this"),
            ],
        );
        // No open delimiter of its kind on a line indented alike: no guess.
        check(
            "fn f() {\n    let v = [1, 2};\n",
            "mismatched closing delimiter: `}`",
            &[(26..27, "mismatched closing delimiter"), (21..22, "unclosed delimiter")],
        );
    }

    #[test]
    fn unterminated_strings_point_at_their_opening_quote() {
        let src = "fn f() {\n    let s = \"abc;\n}\n";
        check(src, "unterminated double quote string", &[(21..22, "unterminated string")]);
        check("let s = \"a\\\"}\n", "unterminated double quote string", &[(8..9, "unterminated string")]);
        check("x(b\"abc);", "unterminated double quote byte string", &[(2..4, "unterminated byte string")]);
        check("x(c\"abc);", "unterminated C string", &[(2..4, "unterminated C string")]);
    }

    #[test]
    fn unterminated_raw_strings_name_their_terminator() {
        let src = "const R: &str = r#\"a \"b\" }\";\n";
        check(src, "unterminated raw string", &[(16..19, "this raw string should be terminated with `\"#`")]);
        check(
            "x(r##\"a\"#);",
            "unterminated raw string",
            &[(2..6, "this raw string should be terminated with `\"##`")],
        );
        check("x(r\"a);", "unterminated raw string", &[(2..4, "this raw string should be terminated with `\"`")]);
        check("x(br#\"a\");", "unterminated raw string", &[(2..6, "this raw string should be terminated with `\"#`")]);
        check("x(cr\"a);", "unterminated raw string", &[(2..5, "this raw string should be terminated with `\"`")]);
        check("x(r#", "unterminated raw string", &[(2..4, "this raw string should be terminated with `\"#`")]);
    }

    #[test]
    fn raw_strings_with_bad_delimiters() {
        let bad = "found invalid character; only `#` is allowed in raw string delimitation: ";
        check("x(r##a\"\"##);", &format!("{bad}a"), &[(2..6, "invalid raw string delimiter")]);
        check("x(r# \"\"#);", &format!("{bad} "), &[(2..5, "invalid raw string delimiter")]);
        check("x(br#\\\"\"#);", &format!("{bad}\\"), &[(2..6, "invalid raw string delimiter")]);
        let many = format!("x(r{}\"\"{});", "#".repeat(256), "#".repeat(256));
        let message = "too many `#` symbols: raw strings may be delimited by up to 255 `#` symbols, but found 256";
        check(&many, message, &[(2..259, "too many `#` symbols")]);
        clean(&format!("x(r{}\"\"{});", "#".repeat(255), "#".repeat(255)));
    }

    #[test]
    fn unterminated_block_comments() {
        check("fn f() {}\n/* note\n", "unterminated block comment", &[(10..12, "unterminated block comment")]);
        // The nested comment is closed, the outer one is not.
        check("fn f() {} /* a /* b */ c\n", "unterminated block comment", &[(10..12, "unterminated block comment")]);
        check(
            "/* a /* b\n",
            "unterminated block comment",
            &[(0..2, "unterminated block comment"), (5..7, "this nested comment is not closed either")],
        );
        check("x /** doc", "unterminated block doc-comment", &[(2..4, "unterminated block doc-comment")]);
        check("x /*! doc", "unterminated block doc-comment", &[(2..4, "unterminated block doc-comment")]);
        check("x /*** not doc", "unterminated block comment", &[(2..4, "unterminated block comment")]);
    }

    #[test]
    fn unterminated_character_and_byte_literals() {
        check("let c = ' ;\n", "unterminated character literal", &[(8..9, "unterminated character literal")]);
        check("let c = '\\n;\n", "unterminated character literal", &[(8..9, "unterminated character literal")]);
        check("let c = '", "unterminated character literal", &[(8..9, "unterminated character literal")]);
        check("let b = b'a;\n", "unterminated byte constant", &[(8..10, "unterminated byte constant")]);
    }

    #[test]
    fn malformed_character_literals() {
        let many = "character literal may only contain one codepoint";
        check("let c = 'ab';", many, &[(8..12, many)]);
        check("let c = '\\n\\n';", many, &[(8..14, many)]);
        check("let c = '';", "empty character literal", &[(8..10, "empty character literal")]);
        check(
            "fn f<'1a>() {}",
            "lifetimes cannot start with a number",
            &[(5..8, "lifetimes cannot start with a number")],
        );
        let byte = "byte literal may only contain one byte";
        check("let b = b'ab';", byte, &[(8..13, byte)]);
        check(
            "let b = b'é';",
            "non-ASCII character in byte literal",
            &[(8..13, "non-ASCII character in byte literal")],
        );
    }

    #[test]
    fn invalid_numeric_escapes_point_at_the_escape() {
        let range = "must be a character in the range [\\x00-\\x7f]";
        check("let s = \"\\x80\";", "out of range hex escape", &[(9..13, range)]);
        check("let c = '\\xff';", "out of range hex escape", &[(9..13, range)]);
        let digits = "`\\x` must be followed by two hex digits";
        check("let s = \"\\x8\";", "invalid hex escape", &[(9..12, digits)]);
        check("let b = b'\\xZ0';", "invalid hex escape", &[(10..12, digits)]);
        let unicode = "must be `\\u{..}` with 1 to 6 hex digits naming a character";
        check("let c = '\\u{110000}';", "invalid unicode character escape", &[(9..19, unicode)]);
        check("let s = \"\\u{D800}\";", "invalid unicode character escape", &[(9..17, unicode)]);
        check("let s = \"\\u{1234567}\";", "invalid unicode character escape", &[(9..20, unicode)]);
        check("let s = \"\\u0041\";", "invalid unicode character escape", &[(9..11, unicode)]);
        let byte = "unicode escape in byte string";
        check("let b = b\"\\u{41}\";", byte, &[(10..16, byte)]);
        let null = "null characters in C string literals are not supported";
        check("let c = c\"\\0\";", null, &[(10..12, null)]);
        check("let c = c\"a\\x00\";", null, &[(11..15, null)]);
        check("let c = c\"\\u{0}\";", null, &[(10..15, null)]);
    }

    #[test]
    fn unknown_escapes_point_at_the_escape() {
        check("let s = \"\\d+\";", "unknown character escape: `d`", &[(9..11, "unknown character escape")]);
        check("let c = '\\q';", "unknown character escape: `q`", &[(9..11, "unknown character escape")]);
        check("let b = b\"\\q\";", "unknown byte escape: `q`", &[(10..12, "unknown byte escape")]);
        check("let b = b'\\q';", "unknown byte escape: `q`", &[(10..12, "unknown byte escape")]);
    }

    #[test]
    fn unknown_characters() {
        check("fn f() { a ` b }", "unknown start of token: `", &[(11..12, "unknown start of token")]);
        check("fn f() { a \\ b }", "unknown start of token: \\", &[(11..12, "unknown start of token")]);
        check("fn f() {}\u{0}", "unknown start of token: \\u{0}", &[(9..10, "unknown start of token")]);
        check("x → y", "unknown start of token: →", &[(2..5, "unknown start of token")]);
    }

    #[test]
    fn what_the_scan_does_not_model_is_an_invalid_token_where_the_tokenizer_stopped() {
        let invalid = "the token starting here is not valid Rust";
        check("let s = \"a\rb\";", "invalid token", &[(8..9, invalid)]);
        let number = "the number starting here is not valid Rust";
        check("let b = 0b102;", "invalid numeric literal", &[(8..9, number)]);
        check("let r#self = 1;", "invalid token", &[(4..5, invalid)]);
        check("let x = 0x;", "invalid numeric literal", &[(8..9, number)]);
        check("'a#b", "invalid token", &[(0..1, invalid)]);
    }

    #[test]
    fn offsets_are_bytes_after_multibyte_text() {
        let src = "// héllo wörld\nfn f() { \"ünïcode\" }\nfn g() {\n";
        let open = src.rfind('{').unwrap();
        check(
            src,
            "unclosed delimiter `{`",
            &[(open..open + 1, "unclosed delimiter"), (src.len() - 1..src.len() - 1, "the file ends here")],
        );
    }

    /// Tokens that hold delimiters, quotes or comment markers without opening or closing
    /// anything.
    const LOOK_ALIKES: &[&str] = &[
        "fn f<'a, 'b: 'a>(x: &'a str, _: &'static str) -> &'a str { x }",
        "impl<'de> Visitor<'de> for V {}",
        "'outer: loop { 'inner: while x { break 'outer; } continue 'outer; }",
        "let _ = ['{', '}', '(', ')', '[', ']', '\"', '/'];",
        "let _ = ['\\'', '\\\\', '\\n', '\\0', '\\x7f', '\\u{1F600}', '\\u{10_FFFF}', 'é', '''];",
        "let _ = [b'{', b'}', b'\\'', b'\\x80', b'\"'];",
        "let _ = \"\\\"}{)]\";",
        "let _ = \"a \\\n   b } \\u{7D}\";",
        "let _ = r#\"a \"quoted\" }\"#;",
        "let _ = r\"}\\\";",
        "let _ = r###\"}\"## \"#\"###;",
        "let _ = br##\"}\"#\"##;",
        "let _ = b\"\\\"}\";",
        "let _ = c\"}\";",
        "let _ = cr#\"}\"#;",
        "/* { /* } */ ( */",
        "/** doc } */ fn a() {}",
        "/*! inner { */",
        "/**/ /***/ x",
        "// line } comment\n",
        "/// doc ( comment\nfn b() {}",
        "//! inner [ comment\n",
        "let r#type = r#match;",
        "let _ = 1u8 + 0x7f_u32 + 1.0e5 + 1e-3f64 + 'a' as u8;",
        "let _ = \"a\"suffix;",
        "let s = 'a;",
        "m!('r#a);",
    ];

    #[test]
    fn look_alikes_do_not_confuse_the_scan() {
        for src in LOOK_ALIKES {
            clean(src);
        }
    }

    #[test]
    fn look_alikes_do_not_move_the_error() {
        let all = LOOK_ALIKES.join("\n");
        let extra = format!("fn g() {{\n{all}\n}}\n}}\n");
        let at = extra.len() - 2;
        check(&extra, "unexpected closing delimiter: `}`", &[(at..at + 1, "unexpected closing delimiter")]);

        let unclosed = format!("fn g() {{\n{all}\n");
        check(
            &unclosed,
            "unclosed delimiter `{`",
            &[(7..8, "unclosed delimiter"), (unclosed.len() - 1..unclosed.len() - 1, "the file ends here")],
        );

        let string = format!("{all}\nlet s = \"");
        let at = string.len() - 1;
        check(&string, "unterminated double quote string", &[(at..at + 1, "unterminated string")]);
    }

    /// Random edits of the look-alikes (quotes, delimiters, comment markers, escapes
    /// inserted or deleted): every explanation marks places inside the text.
    #[test]
    fn broken_look_alikes_are_explained_inside_the_text() {
        let base: Vec<char> = LOOK_ALIKES.join("\n").chars().collect();
        let alphabet: Vec<char> = "{}()[]\"'\\/*#rbcux0 \né`".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..2000 {
            let mut chars = base.clone();
            for _ in 0..1 + next(4) {
                let at = next(chars.len());
                if next(2) == 0 {
                    chars.remove(at);
                } else {
                    chars.insert(at, alphabet[next(alphabet.len())]);
                }
            }
            let src: String = chars.into_iter().collect();
            let Err(err) = src.parse::<proc_macro2::TokenStream>() else { continue };
            let failure = explain(&src, err.span().byte_range().start);
            proc_macro2::extra::invalidate_current_thread_spans();
            for mark in std::iter::once(&failure.primary).chain(&failure.secondary) {
                assert!(src.get(mark.range.clone()).is_some(), "{mark:?} of {:?} in {src:?}", failure.message);
            }
        }
    }
}
