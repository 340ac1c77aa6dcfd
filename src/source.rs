//! Source files, their line tables and byte spans.
//!
//! Every span leaklint reports is a byte range in one file of a [`SourceDb`]; line and
//! column numbers are derived from it only when a report is written.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// Index of a file in a [`SourceDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub lo: u32,
    pub hi: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span { file, lo: range.start as u32, hi: range.end as u32 }
    }

    /// The span from the start of `self` to the end of `other` (same file).
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, lo: self.lo.min(other.lo), hi: self.hi.max(other.hi) }
    }

    pub fn range(self) -> Range<usize> {
        self.lo as usize..self.hi as usize
    }
}

/// A 1-based line and 1-based column (in characters), as rustc reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A Rust edition. Rules need it where the language changed what code means: from 2024
/// on, an `if let` scrutinee's temporaries are dropped before its `else` block, and a
/// block's tail-expression temporaries before the block ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    E2015,
    E2018,
    E2021,
    E2024,
}

impl Edition {
    /// Files outside any package are read as 2021 code (DESIGN §3.7).
    pub const OUTSIDE_PACKAGE: Edition = Edition::E2021;
    /// What cargo assumes when a manifest names no edition.
    pub const CARGO_DEFAULT: Edition = Edition::E2015;

    /// `"2021"` → 2021; an edition newer than leaklint knows behaves like the newest.
    pub fn parse(text: &str) -> Option<Edition> {
        match text.trim().parse::<u32>().ok()? {
            2015 => Some(Edition::E2015),
            2018 => Some(Edition::E2018),
            2021 => Some(Edition::E2021),
            y if y >= 2024 => Some(Edition::E2024),
            _ => None,
        }
    }
}

/// The Cargo package a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    /// The directory holding `Cargo.toml`.
    pub root: PathBuf,
    /// The name other crates use for its library (`my_lib` for package `my-lib`).
    pub lib_name: String,
    /// Its targets' root files, and whether each is a test target (tests, benches);
    /// known in workspace mode only.
    pub targets: Vec<(PathBuf, bool)>,
    /// `package.edition`, also when inherited from the workspace.
    pub edition: Edition,
    /// The packages it depends on to build (not dev-dependencies), by library-style name
    /// (`my_lib`): crates are linted after the crates they depend on.
    pub dependencies: Vec<String>,
}

impl Package {
    /// A cargo package id in the `path+file://` form cargo prints.
    pub fn id(&self) -> String {
        format!("path+file://{}#{}@{}", self.root.display(), self.name, self.version)
    }
}

/// One file as read from disk: its path as shown to users and its text.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as it is displayed and written into machine output.
    pub name: String,
    /// The path on disk.
    pub path: PathBuf,
    pub text: Arc<str>,
    /// The package that contains it, when there is one.
    pub package: Option<Arc<Package>>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: String, path: PathBuf, text: Arc<str>) -> SourceFile {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { name, path, text, package: None, line_starts }
    }

    pub fn with_package(mut self, package: Option<Arc<Package>>) -> SourceFile {
        self.package = package;
        self
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, byte: usize) -> usize {
        match self.line_starts.binary_search(&byte) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_range(&self, line_index: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line_index)?;
        let end = self.line_starts.get(line_index + 1).copied().unwrap_or(self.text.len());
        Some(start..end)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    pub fn line_col(&self, byte: usize) -> LineCol {
        let byte = self.floor_char_boundary(byte.min(self.text.len()));
        let line = self.line_index(byte);
        let start = self.line_starts[line];
        let column = self.text[start..byte].chars().count() + 1;
        LineCol { line: line + 1, column }
    }

    /// The text a span covers (empty when the span does not fall on char boundaries).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// Drops the text and line table of a file no report will show, keeping its name.
    pub fn forget_text(&mut self) {
        self.text = Arc::from("");
        self.line_starts = vec![0];
    }

    fn floor_char_boundary(&self, mut byte: usize) -> usize {
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        byte
    }
}

/// All files of one run, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Moves every file of `other` into this database; returns how far their ids moved.
    pub fn append(&mut self, other: SourceDb) -> u32 {
        let shift = self.files.len() as u32;
        self.files.extend(other.files);
        shift
    }

    /// Forgets the text of every file `keep` does not want (see [`SourceFile::forget_text`]).
    pub fn forget_texts(&mut self, keep: impl Fn(FileId) -> bool) {
        for (i, file) in self.files.iter_mut().enumerate() {
            if !keep(FileId(i as u32)) {
                file.forget_text();
            }
        }
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceDb {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.get(id).name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.get(id).text)
    }

    fn line_index(&'a self, id: FileId, byte: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.get(id).line_index(byte))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self.get(id);
        file.line_range(line_index)
            .ok_or(codespan_reporting::files::Error::LineTooLarge { given: line_index, max: file.line_count() - 1 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let f = SourceFile::new("a.rs".into(), "a.rs".into(), "ab\nçd\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // `d` follows a two-byte character: byte 5, column 2.
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(7), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn editions_parse_and_later_ones_act_like_the_newest() {
        assert_eq!(Edition::parse("2021"), Some(Edition::E2021));
        assert_eq!(Edition::parse("2024"), Some(Edition::E2024));
        assert_eq!(Edition::parse("2027"), Some(Edition::E2024));
        assert_eq!(Edition::parse("2019"), None);
        assert_eq!(Edition::parse("next"), None);
        assert!(Edition::E2021 < Edition::E2024);
    }
}
