//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::warning file=..,line=..,endLine=..,col=..,endColumn=..,title=..::message`), shown
//! on the pull request's diff.

use std::io::{self, Write};

use super::json::locate;
use super::ReportContext;
use crate::diagnostic::{Diagnostic, Level};

pub fn write(cx: &ReportContext, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for d in diagnostics {
        writeln!(out, "{}", annotation(cx, d))?;
    }
    out.flush()
}

/// One workflow command.
pub fn annotation(cx: &ReportContext, d: &Diagnostic) -> String {
    let file = cx.db.get(d.primary.span.file);
    let at = locate(file, d.primary.span);
    let command = match d.level {
        Level::Deny => "error",
        Level::Warn | Level::Allow => "warning",
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        escape_property(&file.name.replace('\\', "/")),
        at.line_start,
        at.line_end,
        at.column_start,
        at.column_end,
        escape_property(&d.code()),
        escape_data(&message),
    )
}

/// A command's message, escaped as GitHub's toolkit does: `%`, `\r`, `\n`.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A command property (`file=`, `title=`): the message escapes, plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_actions_toolkit() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("leaklint::a,b\n%"), "leaklint%3A%3Aa%2Cb%0A%25");
    }
}
