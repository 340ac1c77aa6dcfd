//! Configuration errors: the file, the line and column, and what is wrong, with the
//! closest valid name when a name is misspelt.

use std::fmt;
use std::ops::Range;

/// A configuration that cannot be used. Shown as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as shown to the user.
    pub file: String,
    /// 1-based line and column (in characters), when the problem has a place.
    pub line_col: Option<(usize, usize)>,
    pub message: String,
}

impl ConfigError {
    /// An error about the whole file (it cannot be read).
    pub fn file(file: &str, message: String) -> ConfigError {
        ConfigError { file: file.to_string(), line_col: None, message }
    }

    /// An error at byte range `span` of `text`, the file's contents.
    pub fn at(file: &str, text: &str, span: Option<Range<usize>>, message: String) -> ConfigError {
        ConfigError { file: file.to_string(), line_col: span.map(|s| line_col(text, s.start)), message }
    }

    /// A TOML syntax or schema error from the `toml` crate, reworded where serde's words
    /// are not the user's ("unknown field" is an unknown key).
    pub fn from_toml(file: &str, text: &str, e: &toml::de::Error) -> ConfigError {
        ConfigError::at(file, text, e.span(), reword(e.message()))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The 1-based line and column (in characters) of byte offset `at` of `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = (0..=at.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// The candidate closest to `word`, if it is close enough to be a likely misspelling.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|&(d, c)| d <= 3 && d < word.len().max(c.len()))
        .min()
        .map(|(_, c)| c)
}

/// serde's messages for unknown fields and enum variants, in the words of a
/// configuration file and with a suggestion; other messages as they are.
fn reword(message: &str) -> String {
    let message = message.trim_end();
    let (what, rest) = if let Some(rest) = message.strip_prefix("unknown field ") {
        ("key", rest)
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        ("value", rest)
    } else {
        return message.to_string();
    };
    // "`exclud`, expected one of `rules`, `exclude`" (or "expected `a` or `b`", or
    // "there are no fields"): the first quoted word is the unknown one, the rest are valid.
    let quoted: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let Some((&name, valid)) = quoted.split_first() else { return message.to_string() };
    match closest(name, valid.iter().copied()) {
        Some(best) => format!("unknown {what} `{name}`: did you mean `{best}`?"),
        None if valid.is_empty() => format!("unknown {what} `{name}`"),
        None => {
            let list: Vec<String> = valid.iter().map(|v| format!("`{v}`")).collect();
            format!("unknown {what} `{name}`: expected one of {}", list.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_variants_suggest_the_closest_name() {
        assert_eq!(
            reword("unknown field `exclud`, expected one of `rules`, `include-tests`, `exclude`"),
            "unknown key `exclud`: did you mean `exclude`?"
        );
        assert_eq!(
            reword("unknown field `pth`, expected `path` or `handle`"),
            "unknown key `pth`: did you mean `path`?"
        );
        assert_eq!(
            reword("unknown variant `dney`, expected one of `allow`, `warn`, `deny`"),
            "unknown value `dney`: did you mean `deny`?"
        );
        assert_eq!(
            reword("unknown field `colour`, expected `path` or `handle`"),
            "unknown key `colour`: expected one of `path`, `handle`"
        );
        assert_eq!(reword("unknown field `x`, there are no fields"), "unknown key `x`");
        assert_eq!(
            reword("invalid type: integer `3`, expected a string"),
            "invalid type: integer `3`, expected a string"
        );
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nü = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('=').unwrap()), (1, 3));
        assert_eq!(line_col(text, text.rfind('=').unwrap()), (2, 3));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn only_close_names_are_suggested() {
        assert_eq!(closest("include_tests", ["rules", "include-tests"]), Some("include-tests"));
        assert_eq!(closest("x", ["rules", "exclude"]), None);
        assert_eq!(closest("ab", ["xy"]), None, "a complete rewrite is not a misspelling");
    }
}
