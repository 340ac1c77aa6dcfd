//! A pass over a file's bytes that tells whether any rule could report in it, so the
//! files that cannot are not parsed at all (most of a generated FFI crate, tables, plain
//! data structures).
//!
//! A rule reports on a call it knows (a spawn, a channel, a timer, a lock, a leak) or on a
//! call of a spawn wrapper; each is spelt with a word from the catalogs
//! ([`crate::catalog::Catalog::trigger_words`]) or a wrapper's name. A file that spells
//! none of them, outside `fn NAME` definitions, is *deferred*: it is read and registered
//! but not parsed. In the other files, the body of every function that spells none is
//! *blanked* (its bytes, but for line breaks, become spaces, so spans do not move). What
//! other code learns from held-back code (a function a rule follows a spawn into, a
//! struct field's type, a mention of a run-once function or a wrapper) is asked for by
//! name; [`crate::lint`] parses every deferred file, and parses whole every blanked file,
//! that holds a name that was asked for, and checks the crate again, until none does.
//! The output is the same as with every file parsed, except that syntax errors in code
//! never parsed are not reported.

use std::collections::{HashMap, HashSet};

use crate::catalog::Spelling;

use crate::suppress::MARKER;

/// A set of words, searched for as whole identifiers in a file's code (not in its
/// comments or literals), each where its [`Spelling`] says.
pub struct Words {
    words: HashMap<Box<[u8]>, Spelling>,
    /// Lengths (below 64) and first bytes of the words: most identifiers are ruled out
    /// by these before they are hashed.
    lengths: u64,
    firsts: [bool; 256],
}

impl Words {
    pub fn new<I, S>(words: I) -> Words
    where
        I: IntoIterator<Item = (S, Spelling)>,
        S: AsRef<str>,
    {
        let mut set = Words { words: HashMap::new(), lengths: 0, firsts: [false; 256] };
        for (w, how) in words {
            let w = w.as_ref().as_bytes();
            let Some(&first) = w.first() else { continue };
            set.lengths |= 1u64.checked_shl(w.len() as u32).unwrap_or(0);
            set.firsts[first as usize] = true;
            let entry = set.words.entry(w.into()).or_insert(how);
            *entry = entry.or(how);
        }
        set
    }

    /// Words that count wherever they stand.
    pub fn anywhere<I, S>(words: I) -> Words
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Words::new(words.into_iter().map(|w| (w, Spelling::ANYWHERE)))
    }

    fn get(&self, ident: &[u8]) -> Option<Spelling> {
        let short = ident.len() < 64;
        if (short && self.lengths & (1 << ident.len()) == 0) || !self.firsts[ident[0] as usize] {
            return None;
        }
        self.words.get(ident).copied()
    }

    /// Whether `text`'s code spells one of the words where it counts; with
    /// `definitions` false, the name in `fn NAME` does not count.
    pub fn found_in(&self, text: &str, definitions: bool) -> bool {
        !self.words.is_empty() && scan(text, Scan { triggers: self, definitions, reexports: false, modules: false })
    }
}

impl Words {
    /// Whether `text` defines one of the words: as a function's name (`fn WORD`), or
    /// anywhere when it defines a type (`struct`, `enum`, `union`), whose fields and
    /// variants are named bare.
    pub fn defined_in(&self, text: &str) -> bool {
        if self.words.is_empty() {
            return false;
        }
        let mut before = Token::Punct(b';');
        let mut defines_type = false;
        let mut named = false;
        for t in Tokens::new(text) {
            if let Token::Ident(w) = t {
                if self.get(w).is_some() {
                    if before == Token::Ident(b"fn") {
                        return true;
                    }
                    named = true;
                }
                defines_type |= matches!(w, b"struct" | b"enum" | b"union");
            }
            before = t;
        }
        defines_type && named
    }
}

/// Whether a word spelt `how` stands where it counts, between `before` and `after`.
fn stands(how: Spelling, before: Token, after: Option<Token>) -> bool {
    how.anywhere
        || (how.after_path_or_dot && matches!(before, Token::Punct(b'.' | b':')))
        || (how.before_call && matches!(after, Some(Token::Punct(b'(' | b':' | b'!')) | Some(Token::Ident(b"as"))))
}

/// What a crate's files are searched for before they are parsed.
pub struct Prefilter {
    triggers: Words,
}

impl Prefilter {
    /// A prefilter for `words`: the catalog's trigger words and the names of the spawn
    /// wrappers the crate can call.
    pub fn new<I, S>(words: I) -> Prefilter
    where
        I: IntoIterator<Item = (S, Spelling)>,
        S: AsRef<str>,
    {
        Prefilter { triggers: Words::new(words) }
    }

    /// Whether a file must be parsed now: a rule may report in it, it holds a
    /// suppression comment (to be matched or reported as unused), it may re-export
    /// something (a `pub use` can rename a spawn wrapper or the module holding one), or
    /// it may declare out-of-line modules whose files are to be found (`follows_modules`).
    pub fn must_parse(&self, text: &str, follows_modules: bool) -> bool {
        let look = Scan { triggers: &self.triggers, definitions: false, reexports: true, modules: follows_modules };
        text.contains(MARKER) || scan(text, look)
    }
}

/// A file's text with the bodies of the functions no rule can report in blanked out.
pub struct Blanked {
    /// The text to parse: each blanked body's bytes, but for line breaks, are spaces, so
    /// every span and line number is the file's.
    pub text: String,
    /// The blanked byte ranges (inside the braces), and the names of their functions.
    pub regions: Vec<(std::ops::Range<usize>, String)>,
}

impl Blanked {
    /// Whether a rule asked about something the blanked bodies hold: one of their
    /// functions by name (`asked_names`), an item they define that a lookup could have
    /// found (`asked`: a nested `fn`, or any name where they define a type), or a
    /// mention of a name in `mentioned` (a run-once function, a spawn wrapper).
    pub fn hides(&self, original: &str, asked_names: &HashSet<String>, asked: &Words, mentioned: &Words) -> bool {
        self.regions.iter().any(|(r, name)| {
            let body = &original[r.clone()];
            asked_names.contains(name) || asked.defined_in(body) || mentioned.found_in(body, true)
        })
    }

    pub fn blanked_bytes(&self) -> usize {
        self.regions.iter().map(|(r, _)| r.len()).sum()
    }
}

impl Prefilter {
    /// `text` with the body of every function that spells no trigger blanked, or `None`
    /// when there is none such (or the text holds a suppression comment).
    pub fn blank_bodies(&self, text: &str) -> Option<Blanked> {
        if text.contains(MARKER) {
            return None;
        }
        let aliases = self.aliases_in(text);
        let mut regions = Vec::new();
        let mut tokens = Tokens::new(text);
        while let Some(t) = tokens.next() {
            if t != Token::Ident(b"fn") {
                continue;
            }
            let mut ahead = tokens.clone();
            let Some(Token::Ident(name)) = ahead.next() else { continue };
            let Some(open) = body_start(&mut ahead) else { continue };
            let Some(close) = body_end(&mut ahead) else { break };
            let body = &text[open + 1..close];
            if self.triggers.found_in(body, false) || aliases.found_in(body, false) {
                continue;
            }
            regions.push((open + 1..close, String::from_utf8_lossy(name).into_owned()));
            tokens = ahead;
        }
        if regions.is_empty() {
            return None;
        }
        let mut bytes = text.as_bytes().to_vec();
        for (r, _) in &regions {
            bytes[r.clone()].iter_mut().filter(|b| **b != b'\n').for_each(|b| *b = b' ');
        }
        Some(Blanked { text: String::from_utf8(bytes).ok()?, regions })
    }
}

impl Prefilter {
    /// The names `text` imports a trigger under (`use tokio::spawn as go;`): a body
    /// calling `go(..)` spells no trigger, but its file's imports make it one.
    fn aliases_in(&self, text: &str) -> Words {
        let mut aliases = Vec::new();
        let mut tokens = Tokens::new(text);
        let mut before = Token::Punct(b';');
        while let Some(t) = tokens.next() {
            if let (Token::Ident(b"as"), Token::Ident(w)) = (t, before) {
                if let (Some(_), Some(Token::Ident(alias))) = (self.triggers.get(w), tokens.clone().next()) {
                    aliases.push(String::from_utf8_lossy(alias).into_owned());
                }
            }
            before = t;
        }
        Words::anywhere(aliases)
    }
}

/// After a function's name: the offset of its body's `{`, or `None` for a declaration
/// without one (`fn f();`).
fn body_start(tokens: &mut Tokens) -> Option<usize> {
    let mut depth = 0usize;
    while let Some(t) = tokens.next() {
        match t {
            Token::Punct(b'(' | b'[') => depth += 1,
            Token::Punct(b')' | b']') => depth = depth.checked_sub(1)?,
            Token::Punct(b'{') if depth == 0 => return Some(tokens.start),
            Token::Punct(b';' | b'}') if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// After a body's `{`: the offset of the `}` that closes it.
fn body_end(tokens: &mut Tokens) -> Option<usize> {
    let mut depth = 1usize;
    while let Some(t) = tokens.next() {
        match t {
            Token::Punct(b'{') => depth += 1,
            Token::Punct(b'}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(tokens.start);
                }
            }
            _ => {}
        }
    }
    None
}

/// What one pass over a text's code looks for.
#[derive(Clone, Copy)]
struct Scan<'w> {
    /// Words, where their spelling counts.
    triggers: &'w Words,
    /// Whether the name in `fn WORD` counts.
    definitions: bool,
    /// A `pub use` (or `pub(crate) use`, ..) item.
    reexports: bool,
    /// A `mod` keyword not followed by a name and `{` (an inline module): an
    /// out-of-line module, also a macro-made one (`mod $name;`).
    modules: bool,
}

/// Whether `text`'s code holds anything `look` looks for.
fn scan(text: &str, look: Scan) -> bool {
    let Scan { triggers, definitions, reexports, modules } = look;
    let mut tokens = Tokens::new(text);
    let mut before = Token::Punct(b';');
    while let Some(t) = tokens.next() {
        if let Token::Ident(w) = t {
            let trigger = triggers.get(w).is_some_and(|how| {
                (definitions || before != Token::Ident(b"fn")) && stands(how, before, tokens.clone().next())
            });
            let reexport = reexports && w == b"use" && matches!(before, Token::Ident(b"pub") | Token::Punct(b')'));
            let module = modules && w == b"mod" && {
                let mut ahead = tokens.clone();
                !(matches!(ahead.next(), Some(Token::Ident(_))) && ahead.next() == Some(Token::Punct(b'{')))
            };
            if trigger || reexport || module {
                return true;
            }
        }
        before = t;
    }
    false
}

/// A token of Rust code, as far as the prefilter cares: identifiers and keywords, and
/// single punctuation bytes. Comments, string and character literals and numbers are
/// skipped; lifetimes read as `'` and a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Ident(&'a [u8]),
    Punct(u8),
}

#[derive(Clone)]
struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Where the token last returned starts.
    start: usize,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Tokens<'a> {
        Tokens { bytes: text.as_bytes(), at: 0, start: 0 }
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.at + ahead).copied().unwrap_or(0)
    }

    /// Skips a string literal whose opening quote is at `self.at`: raw (`hashes` is
    /// `Some`, the number of `#`) or with escapes.
    fn skip_string(&mut self, hashes: Option<usize>) {
        self.at += 1;
        let rest = &self.bytes[self.at.min(self.bytes.len())..];
        let end = match hashes {
            Some(n) => {
                let mut closing = vec![b'"'];
                closing.resize(n + 1, b'#');
                memchr::memmem::find(rest, &closing).map(|i| i + closing.len())
            }
            None => {
                let mut i = 0;
                loop {
                    // An escape may be the text's last byte: `i` can pass its end.
                    match memchr::memchr2(b'"', b'\\', rest.get(i..).unwrap_or(&[])) {
                        Some(j) if rest[i + j] == b'\\' => i += j + 2,
                        Some(j) => break Some(i + j + 1),
                        None => break None,
                    }
                }
            }
        };
        self.at += end.unwrap_or(rest.len());
    }

    /// After an identifier run `word` ending at `self.at`: a string prefix (`b"`, `r#"`,
    /// `br"`, `c"`) starts a literal, which is skipped; true if so.
    fn skipped_prefixed_string(&mut self, word: &[u8]) -> bool {
        if !matches!(word, b"b" | b"r" | b"br" | b"c" | b"cr") {
            return false;
        }
        let raw = word.ends_with(b"r");
        let hashes = self.bytes[self.at..].iter().take_while(|&&b| b == b'#').count();
        if self.peek(hashes) != b'"' || (!raw && hashes > 0) {
            return false;
        }
        self.at += hashes;
        self.skip_string(raw.then_some(hashes));
        true
    }

    /// At a `'`: skips a character literal (`'a'`, `'\n'`, `'\u{1F600}'`) and returns
    /// true, or returns false for a lifetime or label.
    fn skipped_char(&mut self) -> bool {
        let len = match self.peek(1) {
            // The escaped character itself may be a quote (`'\''`).
            b'\\' => match self.bytes.get(self.at + 3..).unwrap_or(&[]).iter().take(12).position(|&b| b == b'\'') {
                Some(i) => i + 4,
                None => return false,
            },
            0 => return false,
            b => {
                let width = utf8_width(b);
                if self.peek(1 + width) != b'\'' {
                    return false;
                }
                width + 2
            }
        };
        self.at += len;
        true
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let b = *self.bytes.get(self.at)?;
            match b {
                b if b.is_ascii_whitespace() => self.at += 1,
                b'/' if self.peek(1) == b'/' => {
                    self.at = memchr::memchr(b'\n', &self.bytes[self.at..]).map_or(self.bytes.len(), |i| self.at + i);
                }
                b'/' if self.peek(1) == b'*' => self.skip_block_comment(),
                b'"' => self.skip_string(None),
                b'\'' if self.skipped_char() => {}
                b if b.is_ascii_digit() => self.at += ident_len(&self.bytes[self.at..]),
                b if is_ident_byte(b) => {
                    let start = self.at;
                    self.at += ident_len(&self.bytes[start..]);
                    let word = &self.bytes[start..self.at];
                    if !self.skipped_prefixed_string(word) {
                        self.start = start;
                        return Some(Token::Ident(word));
                    }
                }
                b => {
                    self.start = self.at;
                    self.at += 1;
                    return Some(Token::Punct(b));
                }
            }
        }
    }
}

impl Tokens<'_> {
    /// Skips a (nested) block comment starting at `self.at`.
    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        while self.at < self.bytes.len() {
            match (self.bytes[self.at], self.peek(1)) {
                (b'/', b'*') => {
                    depth += 1;
                    self.at += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    self.at += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.at += 1,
            }
        }
    }
}

fn ident_len(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|&&b| is_ident_byte(b)).count()
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn may_declare_modules(text: &str) -> bool {
        let none = Words::anywhere(Vec::<String>::new());
        scan(text, Scan { triggers: &none, definitions: false, reexports: false, modules: true })
    }

    fn may_reexport(text: &str) -> bool {
        let none = Words::anywhere(Vec::<String>::new());
        scan(text, Scan { triggers: &none, definitions: false, reexports: true, modules: false })
    }

    #[test]
    fn words_match_whole_identifiers_only() {
        let w = Words::anywhere(["lock", "try_lock", "spawn"]);
        assert!(w.found_in("m.lock().unwrap()", false));
        assert!(w.found_in("m.try_lock()", false));
        assert!(w.found_in("tokio::spawn(f)", false));
        assert!(!w.found_in("let block = unlock(x); deadlock; SRWLOCK; spawner", false));
        assert!(!w.found_in("", false));
        assert!(w.found_in("x.block(); y.lock()", false), "a part-word match does not hide a whole one");
    }

    #[test]
    fn a_word_counts_where_its_spelling_says() {
        let w = Words::new([
            ("lock", Spelling::METHOD),
            ("spawn", Spelling::FUNCTION),
            ("lazy_static", Spelling::FUNCTION),
        ]);
        assert!(w.found_in("m.lock()", false));
        assert!(w.found_in("Mutex::lock(&m)", false));
        assert!(!w.found_in("let lock = 1; struct S { lock: u8 } fn f(lock: u8) {}", false));
        assert!(w.found_in("spawn(f)", false));
        assert!(w.found_in("tokio::spawn", false), "a function passed by path");
        assert!(w.found_in("spawn::<F>(f)", false));
        assert!(w.found_in("use tokio::{spawn as go};", false), "a renaming import");
        assert!(w.found_in("lazy_static! { }", false));
        assert!(!w.found_in("let spawn = true; x.spawned; if spawn { }", false));
        assert!(!w.found_in("write!(f, \"lock\"); // x.lock()", false));
    }

    #[test]
    fn comments_and_literals_are_not_code() {
        let w = Words::anywhere(["spawn", "lock"]);
        assert!(!w.found_in("// spawn\n/* lock /* nested */ spawn */ fn f() {}", false));
        assert!(!w.found_in(r###"let s = "spawn \" lock"; let r = r##"a "# spawn"##; let b = b"lock";"###, false));
        assert!(!w.found_in("let c = '\"'; let q = '\''; /// docs: spawn it", false));
        assert!(w.found_in("let c = '\"'; let q = '\''; x.lock()", false));
        assert!(w.found_in("fn f<'a>(x: &'a M) { x.lock() }", false), "a lifetime is not a char literal");
        assert!(!w.found_in("let s = \"unterminated; spawn", true));
        for cut in ["\"abc\\", "'\\", "r#\"x", "b'", "/* x", "'", "\"\\\\\\"] {
            assert!(!w.found_in(cut, true), "{cut:?}");
        }
        assert!(w.found_in("r#spawn(1)", false), "a raw identifier is its name");
        assert!(!w.found_in("let x = 1_000u64; 0xspawn", false), "numbers are skipped whole");
    }

    #[test]
    fn a_definition_is_not_a_mention_unless_asked() {
        let w = Words::anywhere(["read"]);
        assert!(!w.found_in("pub fn read(&mut self) {}", false));
        assert!(!w.found_in("fn\n  read<T>()", false));
        assert!(w.found_in("pub fn read(&mut self) {}", true));
        assert!(w.found_in("pub fn read(&mut self) { self.inner.read() }", false));
        assert!(w.found_in("let safn = 1; safn read", false), "`fn` must be a keyword");
    }

    #[test]
    fn an_empty_set_matches_nothing() {
        assert!(!Words::anywhere(Vec::<String>::new()).found_in("anything at all", true));
        assert!(!Words::anywhere([""]).found_in("anything at all", true));
    }

    #[test]
    fn only_inline_modules_need_no_parse_for_discovery() {
        assert!(!may_declare_modules("mod tests { use super::*; }\nfn modify() {} // model"));
        assert!(!may_declare_modules("pub(crate) mod inner\n{\n}"));
        assert!(may_declare_modules("pub mod net;"));
        assert!(may_declare_modules("#[path = \"x.rs\"] mod x ;"));
        assert!(may_declare_modules("macro_rules! m { ($n:ident) => { mod $n; } }"));
        assert!(may_declare_modules("mod /* odd */ x;"));
        assert!(may_declare_modules("x.mod"));
        assert!(!may_declare_modules("// mod a;\nlet s = \"mod b;\";"));
    }

    #[test]
    fn bodies_without_triggers_are_blanked_keeping_offsets() {
        let p = Prefilter::new([("spawn", Spelling::FUNCTION)]);
        let text = "fn quiet(x: u8) -> u8 {\n    let s = \"}\"; x + 1 // é\n}\nfn loud() {\n    tokio::spawn(f());\n    fn inner() { step() }\n}\ntrait T { fn decl(&self); fn dflt(&self) { x() } }\n";
        let b = p.blank_bodies(text).expect("something blanked");
        let names: Vec<&str> = b.regions.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["quiet", "inner", "dflt"]);
        assert_eq!(b.text.len(), text.len());
        assert_eq!(b.text.lines().count(), text.lines().count());
        assert!(b.text.starts_with("fn quiet(x: u8) -> u8 {\n"), "{}", b.text);
        assert!(b.text.contains("tokio::spawn(f());"));
        assert!(b.text.contains("fn inner() {        }"));
        assert!(syn::parse_file(&b.text).is_ok(), "{}", b.text);
        let asked = |names: &[&str]| {
            let set = names.iter().map(|n| n.to_string()).collect();
            b.hides(text, &set, &Words::anywhere(names), &Words::anywhere(Vec::<String>::new()))
        };
        let mentioned = |names: &[&str]| {
            b.hides(text, &HashSet::new(), &Words::anywhere(Vec::<String>::new()), &Words::anywhere(names))
        };
        assert!(asked(&["quiet"]), "a blanked function by name");
        assert!(!asked(&["step"]), "a lookup of a name a blanked body only calls");
        assert!(mentioned(&["step"]), "a mention of a run-once function or wrapper");
        assert!(!asked(&["loud", "f", "decl"]));
        assert!(p.blank_bodies("// leaklint::allow(detached_spawn)\nfn a() { b() }").is_none());
        assert!(p.blank_bodies("fn a() { tokio::spawn(b()) }").is_none());
        assert!(p.blank_bodies("use tokio::spawn as go;\nfn a() { go(b()) }").is_none(), "an alias of a trigger");
    }

    /// Every prefix of a text full of tricky tokens is scanned without a panic.
    #[test]
    fn any_prefix_scans() {
        let text =
            "// c\n/* a /* b */ */ fn f<'a>(x: &'a str) -> char { let s = \"q\\\"\\\\\"; let r = r##\"x\"#\"##;\n\
                    let b = b'\\''; let c = '\\u{1F600}'; let é = 'é'; x.lock(); spawn(g()) }\n\
                    mod m; pub(crate) use a as b; fn h() { loop {} } r#fn(); 0x1f_u8; 1.0e-3";
        let p = Prefilter::new([("lock", Spelling::METHOD), ("spawn", Spelling::FUNCTION)]);
        let asked = Words::anywhere(["h", "f"]);
        let names = ["h".to_string()].into_iter().collect();
        for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let prefix = &text[..cut];
            p.must_parse(prefix, true);
            if let Some(b) = p.blank_bodies(prefix) {
                assert_eq!(b.text.len(), prefix.len());
                b.hides(prefix, &names, &asked, &asked);
            }
            asked.defined_in(prefix);
        }
    }

    #[test]
    fn definitions_are_functions_or_anything_in_a_type() {
        let w = Words::anywhere(["run", "tx"]);
        assert!(w.defined_in("let x = 1; fn run() {}"));
        assert!(!w.defined_in("self.run(); let tx = 1;"));
        assert!(w.defined_in("struct S { tx: Sender<u8> }"));
        assert!(!w.defined_in("struct S { rx: Receiver<u8> }"));
    }

    #[test]
    fn reexports_are_parsed() {
        assert!(may_reexport("pub use rt::spawn_named as go;"));
        assert!(may_reexport("pub(crate) use self::inner::*;"));
        assert!(may_reexport("pub(in crate::a)\n  use x;"));
        assert!(!may_reexport("use std::sync::Arc; fn reuse() {} // pub user"));
        assert!(!may_reexport("let republic = 1; spub use"));
    }

    #[test]
    fn suppression_comments_are_parsed() {
        let p = Prefilter::new([("spawn", Spelling::FUNCTION)]);
        assert!(p.must_parse("// leaklint::allow(detached_spawn): on purpose\nfn f() {}", false));
        assert!(!p.must_parse("fn f() {}", true));
        assert!(p.must_parse("mod a;", true));
        assert!(!p.must_parse("mod a;", false));
    }
}
