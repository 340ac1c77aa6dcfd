//! `leaklint config`: the effective configuration as TOML that `--config` reads back,
//! with comments saying where it came from and where each rule's level was set.

use super::Config;
use crate::diagnostic::Level;
use crate::rules;

/// What the command line adds to the configuration.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--warn/--deny/--allow`, later entries winning.
    pub levels: Vec<(&'static str, Level)>,
    /// `--include-tests`.
    pub include_tests: bool,
}

/// The effective configuration: `config` with `flags` applied.
pub fn render(config: &Config, flags: &Flags) -> String {
    let mut out = String::from("# The configuration leaklint uses here");
    let no_flags = flags.levels.is_empty() && !flags.include_tests;
    out.push_str(if no_flags { ".\n" } else { ", with the command-line flags applied.\n" });
    match &config.origin {
        Some(origin) => out.push_str(&format!("# Read from {}.\n\n", origin.describe())),
        None => out.push_str("# No configuration file was found: these are the defaults.\n\n"),
    }

    let mut top = toml::Table::new();
    top.insert("include-tests".into(), (config.include_tests || flags.include_tests).into());
    let exclude: Vec<toml::Value> = config.exclude.patterns().iter().map(|p| p.as_str().into()).collect();
    top.insert("exclude".into(), exclude.into());
    out.push_str(&toml::to_string(&top).unwrap_or_default());

    out.push_str("\n[rules]\n");
    for rule in rules::all() {
        let id = rule.meta.id;
        let set = |levels: &[(&str, Level)]| levels.iter().rev().find(|(r, _)| *r == id).map(|&(_, l)| l);
        let (level, from) = match (set(&flags.levels), set(&config.levels)) {
            (Some(level), _) => (level, "command line"),
            (None, Some(level)) => (level, "configuration"),
            (None, None) => (rule.meta.default_level, "default"),
        };
        out.push_str(&format!("{id} = \"{}\"  # {from}\n", level.as_config_str()));
    }

    let catalog = toml::Value::try_from(&config.catalog).ok().and_then(pruned);
    match catalog {
        Some(catalog) => {
            out.push_str("\n# Entries added to the built-in catalogs (`rules/*.toml`).\n");
            let mut wrapper = toml::Table::new();
            wrapper.insert("catalog".into(), catalog);
            out.push_str(&toml::to_string(&wrapper).unwrap_or_default());
        }
        None => out.push_str("\n# No entries added to the built-in catalogs.\n"),
    }
    out
}

/// `value` without empty arrays and tables; `None` if nothing is left.
fn pruned(value: toml::Value) -> Option<toml::Value> {
    match value {
        toml::Value::Table(table) => {
            let kept: toml::Table = table.into_iter().filter_map(|(k, v)| pruned(v).map(|v| (k, v))).collect();
            (!kept.is_empty()).then_some(toml::Value::Table(kept))
        }
        toml::Value::Array(items) if items.is_empty() => None,
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::super::file::parse_leaklint_toml;
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> Config {
        parse_leaklint_toml("leaklint.toml", text)
            .and_then(|f| f.resolve(Path::new("/ws"), "leaklint.toml", text))
            .expect("valid")
    }

    #[test]
    fn every_rule_is_listed_with_where_its_level_was_set() {
        let c = config("exclude = [\"gen/**\"]\n[rules]\ndetached_spawn = \"deny\"\ntimer_in_loop = \"allow\"\n");
        let flags = Flags { levels: vec![("timer_in_loop", Level::Warn)], include_tests: false };
        let text = render(&c, &flags);
        assert!(text.contains("detached_spawn = \"deny\"  # configuration\n"), "{text}");
        assert!(text.contains("timer_in_loop = \"warn\"  # command line\n"), "{text}");
        assert!(text.contains("unclosed_channel = \"warn\"  # default\n"), "{text}");
        assert!(text.contains("exclude = [\"gen/**\"]"), "{text}");
        assert!(text.contains("include-tests = false"), "{text}");
        assert_eq!(text.matches("  # ").count(), rules::all().len());
    }

    #[test]
    fn the_output_reads_back_as_the_same_configuration() {
        let source = "include-tests = true\nexclude = [\"a/**\", \"b.rs\"]\n[rules]\nleaked_timer = \"deny\"\n\
                      [[catalog.spawn.function]]\npath = \"my_rt::spawn_detached\"\nhandle = \"join\"\n\
                      [[catalog.spawn.method]]\nroots = [\"my_rt::Runtime::new\"]\nmethods = [\"go\"]\nhandle = \"task\"\n\
                      [[catalog.channels.constructor]]\npath = \"my_rt::pipe\"\nkind = \"bounded\"\ncapacity_arg = 1\n\
                      [catalog.signals]\nmethods = [\"stopped\"]\n";
        let original = config(source);
        let text = render(&original, &Flags::default());
        assert!(!text.contains("terminal_methods"), "empty lists are left out: {text}");
        assert!(text.contains("[[catalog.spawn.function]]"), "{text}");
        let again = config(&text);
        assert!(again.include_tests);
        assert_eq!(again.exclude.patterns(), original.exclude.patterns());
        assert!(again.levels.contains(&("leaked_timer", Level::Deny)));
        assert_eq!(again.levels.len(), rules::all().len(), "every rule's level is written out");
        assert_eq!(format!("{:?}", again.catalog), format!("{:?}", original.catalog));
    }

    #[test]
    fn without_a_file_the_defaults_are_shown() {
        let text = render(&Config::default(), &Flags::default());
        assert!(text.contains("No configuration file was found"), "{text}");
        assert!(text.contains("No entries added"), "{text}");
    }
}
