//! The API catalogs: what each known library function *is* (a spawn, a channel
//! constructor, a timer, a shutdown signal, a lock, a leak), read from the TOML files in
//! `rules/`. The built-in data is compiled in and parsed once; user configuration can
//! extend a copy of it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// What a spawn call returns, which decides what dropping the result does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleKind {
    /// A `JoinHandle`: dropping it detaches the task.
    Join,
    /// `io::Result<JoinHandle>`, from thread and task builders.
    JoinResult,
    /// A smol/async-task `Task`: dropping it cancels; only `.detach()` detaches.
    Task,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpawnFunction {
    pub path: String,
    pub handle: HandleKind,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpawnMethod {
    pub roots: Vec<String>,
    #[serde(default)]
    pub types: Vec<String>,
    pub methods: Vec<String>,
    pub handle: HandleKind,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpawnCatalog {
    #[serde(default, rename = "function")]
    pub functions: Vec<SpawnFunction>,
    #[serde(default, rename = "method")]
    pub methods: Vec<SpawnMethod>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignalCatalog {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub types: Vec<String>,
    /// Signals that fire once and stay fired (a cancellation token, a oneshot).
    #[serde(default)]
    pub terminal_methods: Vec<String>,
    #[serde(default)]
    pub terminal_functions: Vec<String>,
    #[serde(default)]
    pub terminal_channels: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Unbounded,
    Bounded,
    Oneshot,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConstructor {
    pub path: String,
    pub kind: ChannelKind,
    #[serde(default)]
    pub capacity_arg: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelMethods {
    #[serde(default)]
    pub send: Vec<String>,
    #[serde(default)]
    pub receive: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelCatalog {
    #[serde(default, rename = "constructor")]
    pub constructors: Vec<ChannelConstructor>,
    #[serde(default)]
    pub methods: ChannelMethods,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Timer {
    pub path: String,
    #[serde(default)]
    pub repeats: bool,
    #[serde(default)]
    pub never_finishes: bool,
    #[serde(default)]
    pub first_tick_immediate: bool,
    /// Its first argument is the instant it fires at, not a duration.
    #[serde(default)]
    pub deadline: bool,
    /// A crossbeam channel that delivers the tick (`after`, `tick`), raced in `recv` arms.
    #[serde(default)]
    pub channel: bool,
    /// A method of the type before the last `::` returning a guard that cancels the
    /// schedule when dropped (`timer::Timer::schedule_repeating`).
    #[serde(default)]
    pub guard: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimerCatalog {
    #[serde(default, rename = "timer")]
    pub timers: Vec<Timer>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LockCatalog {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub evidence_methods: Vec<String>,
    #[serde(default)]
    pub permit_methods: Vec<String>,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub async_types: Vec<String>,
    #[serde(default)]
    pub never: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LeakCatalog {
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub reclaims: Vec<String>,
    #[serde(default)]
    pub once_methods: Vec<String>,
    #[serde(default)]
    pub static_initializers: Vec<String>,
}

/// Smart pointers, seen through when working out what a method receiver is.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PointerCatalog {
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub constructors: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reexport {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReexportCatalog {
    #[serde(default, rename = "reexport")]
    pub reexports: Vec<Reexport>,
    #[serde(default)]
    pub prelude: BTreeMap<String, String>,
}

/// The catalogs' lists, one field per file in `rules/`. A configuration's `[catalog]`
/// table has this schema: `[catalog.spawn]` is read as `spawn.toml` is, and so on.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogLists {
    #[serde(default)]
    pub spawn: SpawnCatalog,
    #[serde(default)]
    pub signals: SignalCatalog,
    #[serde(default)]
    pub channels: ChannelCatalog,
    #[serde(default)]
    pub timers: TimerCatalog,
    #[serde(default)]
    pub locks: LockCatalog,
    #[serde(default)]
    pub leaks: LeakCatalog,
    #[serde(default)]
    pub reexports: ReexportCatalog,
    #[serde(default)]
    pub pointers: PointerCatalog,
}

/// Every catalog, with lookup tables built once.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub spawn: SpawnCatalog,
    pub signals: SignalCatalog,
    pub channels: ChannelCatalog,
    pub timers: TimerCatalog,
    pub locks: LockCatalog,
    pub leaks: LeakCatalog,
    pub reexports: ReexportCatalog,
    pub pointers: PointerCatalog,
    spawn_by_path: HashMap<String, HandleKind>,
    signal_methods: HashSet<String>,
    /// Every catalogued path and each of its prefixes (`tokio`, `tokio::sync`, ...).
    known: HashSet<String>,
}

/// The catalog files compiled into the binary, by name.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("spawn.toml", include_str!("../rules/spawn.toml")),
    ("signals.toml", include_str!("../rules/signals.toml")),
    ("channels.toml", include_str!("../rules/channels.toml")),
    ("timers.toml", include_str!("../rules/timers.toml")),
    ("locks.toml", include_str!("../rules/locks.toml")),
    ("leaks.toml", include_str!("../rules/leaks.toml")),
    ("reexports.toml", include_str!("../rules/reexports.toml")),
    ("pointers.toml", include_str!("../rules/pointers.toml")),
];

fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("rules/{name}: {e}"))
}

impl Catalog {
    /// The built-in catalog, parsed on first use.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        // The built-in files are tested (see the tests below), so a failure here is a bug
        // in the shipped data, not an input error.
        BUILTIN.get_or_init(|| Catalog::from_files(BUILTIN_FILES).expect("built-in catalog is valid"))
    }

    pub fn from_files(files: &[(&str, &str)]) -> Result<Catalog, String> {
        let text = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).unwrap_or("");
        let mut catalog = Catalog {
            spawn: parse("spawn.toml", text("spawn.toml"))?,
            signals: parse("signals.toml", text("signals.toml"))?,
            channels: parse("channels.toml", text("channels.toml"))?,
            timers: parse("timers.toml", text("timers.toml"))?,
            locks: parse("locks.toml", text("locks.toml"))?,
            leaks: parse("leaks.toml", text("leaks.toml"))?,
            reexports: parse("reexports.toml", text("reexports.toml"))?,
            pointers: parse("pointers.toml", text("pointers.toml"))?,
            ..Catalog::default()
        };
        catalog.reindex();
        Ok(catalog)
    }

    /// This catalog with `extra`'s entries (a user's configuration) added to every list.
    /// They go first, so for a path both list, `extra`'s entry is the one used.
    pub fn extended(&self, extra: &CatalogLists) -> Catalog {
        let mut c = self.clone();
        let CatalogLists { spawn, signals, channels, timers, locks, leaks, reexports, pointers } = extra.clone();
        prepend(&mut c.spawn.functions, spawn.functions);
        prepend(&mut c.spawn.methods, spawn.methods);
        let SignalCatalog {
            methods,
            functions,
            channels: signal_channels,
            types,
            terminal_methods,
            terminal_functions,
            terminal_channels,
        } = signals;
        let s = &mut c.signals;
        prepend(&mut s.methods, methods);
        prepend(&mut s.functions, functions);
        prepend(&mut s.channels, signal_channels);
        prepend(&mut s.types, types);
        prepend(&mut s.terminal_methods, terminal_methods);
        prepend(&mut s.terminal_functions, terminal_functions);
        prepend(&mut s.terminal_channels, terminal_channels);
        prepend(&mut c.channels.constructors, channels.constructors);
        prepend(&mut c.channels.methods.send, channels.methods.send);
        prepend(&mut c.channels.methods.receive, channels.methods.receive);
        prepend(&mut c.timers.timers, timers.timers);
        let LockCatalog { methods, evidence_methods, permit_methods, types, async_types, never } = locks;
        let l = &mut c.locks;
        prepend(&mut l.methods, methods);
        prepend(&mut l.evidence_methods, evidence_methods);
        prepend(&mut l.permit_methods, permit_methods);
        prepend(&mut l.types, types);
        prepend(&mut l.async_types, async_types);
        prepend(&mut l.never, never);
        let LeakCatalog { functions, methods, reclaims, once_methods, static_initializers } = leaks;
        let l = &mut c.leaks;
        prepend(&mut l.functions, functions);
        prepend(&mut l.methods, methods);
        prepend(&mut l.reclaims, reclaims);
        prepend(&mut l.once_methods, once_methods);
        prepend(&mut l.static_initializers, static_initializers);
        prepend(&mut c.reexports.reexports, reexports.reexports);
        c.reexports.prelude.extend(reexports.prelude);
        prepend(&mut c.pointers.types, pointers.types);
        prepend(&mut c.pointers.constructors, pointers.constructors);
        c.reindex();
        c
    }

    /// Rebuilds the lookup tables after the public lists changed.
    pub fn reindex(&mut self) {
        // The first entry for a path wins, as in every other lookup.
        self.spawn_by_path = self.spawn.functions.iter().rev().map(|f| (f.path.clone(), f.handle)).collect();
        self.signal_methods = self.signals.methods.iter().cloned().collect();
        // Longest prefix first, so the most specific re-export wins.
        self.reexports.reexports.sort_by_key(|r| std::cmp::Reverse(r.from.len()));
        self.known = self.all_paths().flat_map(path_and_prefixes).collect();
    }

    fn all_paths(&self) -> impl Iterator<Item = &str> {
        let spawn = self.spawn.functions.iter().map(|f| f.path.as_str());
        let roots = self.spawn.methods.iter().flat_map(|m| m.roots.iter().map(String::as_str));
        let signals = [&self.signals.functions, &self.signals.channels, &self.signals.types];
        let signals = signals.into_iter().flatten().map(String::as_str);
        let channels = self.channels.constructors.iter().map(|c| c.path.as_str());
        let timers = self.timers.timers.iter().map(|t| t.path.as_str());
        let rest = [
            &self.locks.types,
            &self.locks.never,
            &self.leaks.functions,
            &self.leaks.reclaims,
            &self.leaks.static_initializers,
            &self.pointers.types,
        ];
        let rest = rest.into_iter().flatten().map(String::as_str);
        spawn.chain(roots).chain(signals).chain(channels).chain(timers).chain(rest)
    }

    /// The words a file must spell for any rule to report in it, and where they must
    /// stand ([`Spelling`]): for every catalogued item a rule starts from (a spawn, a
    /// channel constructor, a timer, a lock or permit method) or that changes what a rule
    /// finds across files (a leak and what gives it back, a run-once initialiser), the one
    /// name every call of it spells out. That is the last path segment (`spawn` for
    /// `tokio::spawn`, however it is imported), except for a constructor (`new`,
    /// `default`), which is spelt with its type (`Mutex::new`); an item re-exported under
    /// another name is spelt both ways. Signals, smart pointers, lock types and a
    /// channel's send and receive methods only refine what the others find, so they add
    /// none.
    pub fn trigger_words(&self) -> BTreeMap<String, Spelling> {
        let paths = [
            self.spawn.functions.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
            self.channels.constructors.iter().map(|c| c.path.as_str()).collect(),
            self.timers.timers.iter().map(|t| t.path.as_str()).collect(),
            [&self.leaks.functions, &self.leaks.reclaims, &self.leaks.static_initializers]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect(),
        ];
        let paths: BTreeSet<&str> = paths.into_iter().flatten().collect();
        let renamed =
            self.reexports.reexports.iter().filter(|r| paths.contains(r.to.as_str())).map(|r| r.from.as_str());
        let methods = [
            &self.locks.methods,
            &self.locks.evidence_methods,
            &self.locks.permit_methods,
            &self.leaks.methods,
            &self.leaks.once_methods,
        ];
        let methods = methods.into_iter().flatten().chain(self.spawn.methods.iter().flat_map(|m| &m.methods));
        let mut words: BTreeMap<String, Spelling> = BTreeMap::new();
        let spelt =
            paths.iter().copied().chain(renamed).map(spelling).chain(methods.map(|m| (m.clone(), Spelling::METHOD)));
        for (word, how) in spelt {
            let entry = words.entry(word).or_insert(how);
            *entry = entry.or(how);
        }
        words
    }

    /// Whether `path` is a catalogued item or a module/type on the way to one; glob
    /// imports provide exactly these names.
    pub fn knows(&self, path: &str) -> bool {
        self.known.contains(path)
    }

    /// Maps a path through the re-export table to the name catalogs use.
    pub fn canonicalize(&self, path: &str) -> String {
        for r in &self.reexports.reexports {
            if let Some(rest) = path.strip_prefix(r.from.as_str()) {
                if rest.is_empty() || rest.starts_with("::") {
                    return format!("{}{}", r.to, rest);
                }
            }
        }
        path.to_string()
    }

    pub fn prelude(&self, name: &str) -> Option<&str> {
        self.reexports.prelude.get(name).map(String::as_str)
    }

    pub fn spawn_function(&self, path: &str) -> Option<HandleKind> {
        self.spawn_by_path.get(path).copied()
    }

    /// The spawn method entry for `.method(..)` on a receiver made by `root`.
    pub fn spawn_method(&self, root: &str, method: &str) -> Option<HandleKind> {
        self.find_spawn_method(method, |m| m.roots.iter().any(|r| r == root))
    }

    /// The spawn method entry for `.method(..)` on a receiver declared with type `ty`.
    pub fn spawn_method_by_type(&self, ty: &str, method: &str) -> Option<HandleKind> {
        self.find_spawn_method(method, |m| m.types.iter().any(|t| t == ty))
    }

    fn find_spawn_method(&self, method: &str, receiver: impl Fn(&SpawnMethod) -> bool) -> Option<HandleKind> {
        self.spawn.methods.iter().find(|m| m.methods.iter().any(|n| n == method) && receiver(m)).map(|m| m.handle)
    }

    pub fn is_signal_method(&self, method: &str) -> bool {
        self.signal_methods.contains(method)
    }

    pub fn is_signal_function(&self, path: &str) -> bool {
        self.signals.functions.iter().any(|f| f == path)
    }

    pub fn is_signal_channel(&self, path: &str) -> bool {
        self.signals.channels.iter().any(|f| f == path)
    }

    /// Whether a type path (canonical, generics stripped) names a shutdown signal.
    pub fn is_signal_type(&self, path: &str) -> bool {
        self.signals.types.iter().any(|t| t == path)
    }

    /// Whether a type path names a smart pointer (`std::sync::Arc`), also when written
    /// bare and left unresolved (`Arc` with no import in sight).
    pub fn is_smart_pointer(&self, path: &str) -> bool {
        self.pointers.types.iter().any(|t| t == path || (!path.contains("::") && t.rsplit("::").next() == Some(path)))
    }

    /// Whether a call path makes a smart pointer to its first argument (`Arc::new(x)`,
    /// `Rc::clone(&x)`).
    pub fn is_pointer_constructor(&self, path: &str) -> bool {
        path.rsplit_once("::")
            .is_some_and(|(ty, f)| self.is_smart_pointer(ty) && self.pointers.constructors.iter().any(|c| c == f))
    }

    pub fn timer(&self, path: &str) -> Option<&Timer> {
        self.timers.timers.iter().find(|t| t.path == path && !t.guard)
    }

    /// The guard-returning timer method `method` of type `ty` (`timer::Timer`,
    /// `schedule_repeating`).
    pub fn timer_guard(&self, ty: &str, method: &str) -> Option<&Timer> {
        self.timers
            .timers
            .iter()
            .find(|t| t.guard && t.path.strip_suffix(method).and_then(|p| p.strip_suffix("::")) == Some(ty))
    }

    /// Whether `method` takes a lock whatever its receiver (`lock`, `try_lock`).
    pub fn is_lock_method(&self, method: &str) -> bool {
        self.locks.methods.iter().any(|m| m == method)
    }

    /// Whether `method` takes a lock when its receiver is known to be one (`read`,
    /// `borrow_mut`).
    pub fn is_evidence_lock_method(&self, method: &str) -> bool {
        self.locks.evidence_methods.iter().any(|m| m == method)
    }

    pub fn is_permit_method(&self, method: &str) -> bool {
        self.locks.permit_methods.iter().any(|m| m == method)
    }

    /// Whether a type path (canonical, generics stripped) is a catalogued lock type.
    pub fn is_lock_type(&self, path: &str) -> bool {
        self.locks.types.iter().any(|t| t == path)
    }

    /// Whether a lock type's guard is async (may be held across `.await`).
    pub fn is_async_lock_type(&self, path: &str) -> bool {
        self.locks.async_types.iter().any(|t| t == path)
    }

    /// Whether a function or type path makes or names something that is never a lock
    /// (the stdio handles).
    pub fn is_never_lock(&self, path: &str) -> bool {
        self.locks.never.iter().any(|t| t == path)
    }

    pub fn channel_constructor(&self, path: &str) -> Option<&ChannelConstructor> {
        self.channels.constructors.iter().find(|c| c.path == path)
    }
}

/// Puts `extra` before the entries of `list`.
fn prepend<T>(list: &mut Vec<T>, mut extra: Vec<T>) {
    extra.append(list);
    *list = extra;
}

/// Where a word must stand to be a call of the item it names: see [`spelling`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spelling {
    /// After `.` or `::` (`x.lock()`, `Mutex::lock(&x)`, `tokio::spawn`).
    pub after_path_or_dot: bool,
    /// Before `(`, `::`, `!` or `as` (`spawn(f)`, `spawn::<T>`, `lazy_static!`, an import
    /// renaming it).
    pub before_call: bool,
    /// Wherever it stands (a type: `Mutex::new`, `let m: Mutex<_> = Mutex::default()`).
    pub anywhere: bool,
}

impl Spelling {
    pub const METHOD: Spelling = Spelling { after_path_or_dot: true, before_call: false, anywhere: false };
    pub const FUNCTION: Spelling = Spelling { after_path_or_dot: true, before_call: true, anywhere: false };
    pub const ANYWHERE: Spelling = Spelling { after_path_or_dot: true, before_call: true, anywhere: true };

    pub fn or(self, other: Spelling) -> Spelling {
        Spelling {
            after_path_or_dot: self.after_path_or_dot || other.after_path_or_dot,
            before_call: self.before_call || other.before_call,
            anywhere: self.anywhere || other.anywhere,
        }
    }
}

/// The name every call of catalogued item `path` spells out, and where (see
/// [`Catalog::trigger_words`]): `Type::new` and `Type::default` by the type, anywhere;
/// another `Type::f` by `f`, after `.` or `::` (a method, or an associated function,
/// which cannot be imported bare); a function by its name, as a call or path.
fn spelling(path: &str) -> (String, Spelling) {
    let mut segments = path.rsplit("::");
    let last = segments.next().unwrap_or(path);
    match segments.next() {
        Some(ty) if matches!(last, "new" | "default") => (ty.to_string(), Spelling::ANYWHERE),
        Some(ty) if ty.starts_with(|c: char| c.is_ascii_uppercase()) => (last.to_string(), Spelling::METHOD),
        _ => (last.to_string(), Spelling::FUNCTION),
    }
}

fn path_and_prefixes(path: &str) -> impl Iterator<Item = String> + '_ {
    path.match_indices("::").map(|(i, _)| path[..i].to_string()).chain(std::iter::once(path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_words_are_spelt_as_calls_spell_them() {
        let words = Catalog::builtin().trigger_words();
        assert_eq!(words.get("spawn"), Some(&Spelling::FUNCTION.or(Spelling::METHOD)));
        assert_eq!(words.get("channel"), Some(&Spelling::FUNCTION));
        assert_eq!(words.get("IntervalStream"), Some(&Spelling::ANYWHERE), "`IntervalStream::new`");
        assert_eq!(words.get("from_raw"), Some(&Spelling::METHOD), "`Box::from_raw` cannot be imported bare");
        assert_eq!(words.get("lock"), Some(&Spelling::METHOD));
        // Refinements only: a file must also spell something above to hold a finding.
        for refinement in ["new", "Mutex", "Arc", "cancelled", "recv", "send", "iter", "ctrl_c"] {
            assert!(!words.contains_key(refinement), "{refinement} is not a trigger");
        }
        let extra: CatalogLists = toml::from_str(
            "[[spawn.function]]\npath = \"my_rt::go_task\"\nhandle = \"join\"\n[[reexports.reexport]]\nfrom = \"my_rt::go\"\nto = \"my_rt::go_task\"\n",
        )
        .expect("valid lists");
        let words = Catalog::builtin().extended(&extra).trigger_words();
        assert_eq!((words.get("go_task"), words.get("go")), (Some(&Spelling::FUNCTION), Some(&Spelling::FUNCTION)));
    }

    #[test]
    fn builtin_catalog_parses_and_indexes() {
        let c = Catalog::builtin();
        assert_eq!(c.spawn_function("tokio::spawn"), Some(HandleKind::Join));
        assert_eq!(c.spawn_function("smol::spawn"), Some(HandleKind::Task));
        assert_eq!(c.spawn_method("std::thread::Builder::new", "spawn"), Some(HandleKind::JoinResult));
        assert_eq!(c.spawn_method("std::thread::Builder::new", "name"), None);
        assert!(c.is_signal_method("cancelled"));
        assert!(c.timer("crossbeam_channel::tick").is_some_and(|t| t.never_finishes && t.channel));
        assert!(c.timer("tokio::time::sleep_until").is_some_and(|t| t.deadline && !t.repeats));
        assert!(c.timer("timer::Timer::schedule_repeating").is_none(), "a guard method is not a constructor");
        assert!(c.timer_guard("timer::Timer", "schedule_repeating").is_some_and(|t| t.repeats));
        assert!(c.timer_guard("timer::Timer", "schedule_with_delay").is_none());
        assert!(c.channel_constructor("flume::bounded").is_some());
        assert!(c.knows("tokio::sync::mpsc") && c.knows("tokio::sync::mpsc::channel"));
        assert!(!c.knows("tokio::sync::mpsc::Sender::foo"));
        assert!(c.is_smart_pointer("std::sync::Arc") && c.is_smart_pointer("Rc") && !c.is_smart_pointer("my::Arc"));
        assert!(
            c.is_pointer_constructor("std::boxed::Box::pin") && !c.is_pointer_constructor("std::sync::Arc::downgrade")
        );
    }

    #[test]
    fn canonicalize_uses_longest_reexport_prefix() {
        let c = Catalog::builtin();
        assert_eq!(c.canonicalize("tokio::task::spawn"), "tokio::spawn");
        assert_eq!(c.canonicalize("tokio::task::spawn_blocking"), "tokio::task::spawn_blocking");
        assert_eq!(c.canonicalize("smol::Timer::interval"), "async_io::Timer::interval");
        assert_eq!(c.canonicalize("actix_rt::time::interval"), "tokio::time::interval");
        assert_eq!(c.canonicalize("core::mem::forget"), "std::mem::forget");
        assert_eq!(c.canonicalize("corefoo::x"), "corefoo::x");
    }

    #[test]
    fn extended_catalog_adds_entries_that_win_over_builtin_ones() {
        let extra: CatalogLists = toml::from_str(
            "[[spawn.function]]\npath = 'my_rt::spawn_detached'\nhandle = 'join'\n\
             [[spawn.function]]\npath = 'tokio::spawn'\nhandle = 'task'\n\
             [[channels.constructor]]\npath = 'my_rt::pipe'\nkind = 'bounded'\ncapacity_arg = 1\n\
             [signals]\nmethods = ['stopped']\ntypes = ['my_rt::Shutdown']\n\
             [locks]\ntypes = ['my_rt::Lock']\n",
        )
        .expect("valid lists");
        let base = Catalog::builtin();
        let c = base.extended(&extra);
        assert_eq!(c.spawn_function("my_rt::spawn_detached"), Some(HandleKind::Join));
        assert_eq!(c.spawn_function("tokio::spawn"), Some(HandleKind::Task), "the user's entry wins");
        assert_eq!(c.spawn_function("smol::spawn"), Some(HandleKind::Task), "built-in entries stay");
        assert!(c.channel_constructor("my_rt::pipe").is_some_and(|k| k.capacity_arg == Some(1)));
        assert!(c.is_signal_method("stopped") && c.is_signal_method("cancelled"));
        assert!(c.is_signal_type("my_rt::Shutdown") && c.is_lock_type("my_rt::Lock"));
        assert!(c.knows("my_rt") && c.knows("my_rt::spawn_detached"), "reindexed");
        assert_eq!(base.spawn_function("my_rt::spawn_detached"), None, "the built-in catalog is untouched");
    }

    #[test]
    fn builtin_files_have_the_schema_of_catalog_lists() {
        // A user's `[catalog.x]` is read with the built-in file's types: each file parses as
        // that section.
        for (name, text) in BUILTIN_FILES {
            let section = name.trim_end_matches(".toml");
            let table: toml::Table = toml::from_str(text).expect("valid toml");
            let mut whole = toml::Table::new();
            whole.insert(section.to_string(), toml::Value::Table(table));
            let lists: Result<CatalogLists, _> = toml::Value::Table(whole).try_into();
            assert!(lists.is_ok(), "{name}: {lists:?}");
        }
    }

    #[test]
    fn unknown_catalog_keys_are_rejected() {
        let err = Catalog::from_files(&[("spawn.toml", "[[function]]\npath='x'\nhandle='join'\nbogus=1")]);
        assert!(err.is_err());
    }
}
