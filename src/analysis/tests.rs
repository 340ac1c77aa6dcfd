//! Unit tests of the facts rules read: loop exits, uses, bindings, origins, signals and
//! the crate index, each on small sources.

use super::index::CrateIndex;
use super::loops;
use super::tree::*;
use super::uses::UseKind;
use super::Analysis;
use crate::catalog::Catalog;
use crate::parse::{parse, FileInfo};
use crate::source::FileId;

fn analyze(src: &str) -> Analysis {
    let info = FileInfo { module_path: vec!["crate".into()], test_file: false };
    parse(FileId(0), src, &info, Catalog::builtin()).expect("test source parses")
}

/// The loops of the file in source order, with whether each can end.
fn loops_can_end(src: &str) -> Vec<bool> {
    let a = analyze(src);
    loops_of(&a).into_iter().map(|l| loops::can_end(&a, l, &loops::exits(&a.tree, l))).collect()
}

/// The loops of a file in source order.
fn loops_of(a: &Analysis) -> Vec<ExprId> {
    let mut loops: Vec<ExprId> =
        (0..a.tree.exprs.len() as u32).map(ExprId).filter(|&e| matches!(a.tree.kind(e), ExprKind::Loop(_))).collect();
    loops.sort_by_key(|&e| a.tree.span(e).lo);
    loops
}

#[test]
fn breaks_returns_and_conditions_end_loops() {
    assert_eq!(loops_can_end("fn f() { loop { break; } }"), [true]);
    assert_eq!(loops_can_end("fn f() { loop { if x { return; } } }"), [true]);
    assert_eq!(loops_can_end("fn f() { loop {} }"), [false]);
    assert_eq!(loops_can_end("fn f() { while true {} }"), [false]);
    assert_eq!(loops_can_end("fn f() { while running() {} }"), [true]);
    assert_eq!(loops_can_end("fn f() { while let Some(x) = rx.recv().await {} }"), [true]);
    assert_eq!(loops_can_end("fn f() { for x in rx {} }"), [true]);
}

#[test]
fn inner_breaks_closures_and_labels() {
    // The break leaves only the inner loop.
    assert_eq!(loops_can_end("fn f() { loop { for x in y { break; } } }"), [false, true]);
    // A labelled break from the inner loop leaves the outer one.
    assert_eq!(loops_can_end("fn f() { 'outer: loop { loop { break 'outer; } } }"), [true, true]);
    // `return` inside a closure or async block does not leave the loop.
    assert_eq!(loops_can_end("fn f() { loop { let g = || return 1; let h = async { return 2 }; } }"), [false]);
    // A break out of a labelled block stays inside the loop.
    assert_eq!(loops_can_end("fn f() { loop { 'b: { break 'b; } } }"), [false]);
}

#[test]
fn try_only_exits_are_recorded_separately() {
    let a = analyze("async fn f() -> io::Result<()> { loop { let s = l.accept().await?; } }");
    let l = first_loop(&a);
    let exits = loops::exits(&a.tree, l);
    assert!(exits.exits.is_empty());
    assert_eq!(exits.try_exits.len(), 1);
    assert!(!loops::can_end(&a, l, &exits));
}

#[test]
fn select_arms_and_exiting_macros_count_as_exits() {
    let src = "async fn f() { loop { tokio::select! { _ = a.recv() => break, _ = b.recv() => {} } } }";
    assert_eq!(loops_can_end(src), [true]);
    let src = "async fn f() { loop { tokio::select! { _ = a.recv() => {}, _ = b.recv() => {} } } }";
    assert_eq!(loops_can_end(src), [false]);
    assert_eq!(loops_can_end("fn f() { loop { ready!(poll()); } }"), [true]);
    assert_eq!(loops_can_end("fn f() { loop { crossbeam_channel::select! { recv(r) -> m => return, } } }"), [true]);
}

#[test]
fn interval_streams_and_tick_channels_never_finish() {
    let src = "use crossbeam_channel::tick;
        fn f() { for _ in tick(d) {} }
        async fn g() { let mut s = IntervalStream::new(i); while let Some(_) = s.next().await {} }
        use tokio_stream::wrappers::IntervalStream;
        fn h() { let t = tick(d); while let Ok(_) = t.recv() {} }
        fn k() { let t = other(d); while let Ok(_) = t.recv() {} }";
    assert_eq!(loops_can_end(src), [false, false, false, true]);
}

fn binding(a: &Analysis, name: &str, nth: usize) -> BindingId {
    let ids: Vec<_> = a.tree.bindings.iter().enumerate().filter(|(_, b)| b.name == name).map(|(i, _)| i).collect();
    BindingId(ids[nth] as u32)
}

fn use_kinds(a: &Analysis, b: BindingId) -> Vec<UseKind> {
    a.uses_of(b).iter().map(|u| u.kind.clone()).collect()
}

#[test]
fn uses_are_classified_by_what_they_do() {
    let src = "async fn f(s: &mut S) -> H {
        let a = spawn(); a.await;
        let b = spawn(); b.abort();
        let c = spawn(); drop(c);
        let d = spawn(); s.task = d;
        let e = spawn(); keep(e);
        let g = spawn(); tokio::select! { _ = g => {}, _ = other() => {} }
        let h = spawn(); h
    }";
    let a = analyze(src);
    assert_eq!(use_kinds(&a, binding(&a, "a", 0)), [UseKind::Awaited]);
    assert_eq!(use_kinds(&a, binding(&a, "b", 0)), [UseKind::Receiver { method: "abort".into() }]);
    assert_eq!(use_kinds(&a, binding(&a, "c", 0)), [UseKind::Argument { callee: Some("std::mem::drop".into()) }]);
    assert_eq!(use_kinds(&a, binding(&a, "d", 0)), [UseKind::Stored]);
    assert_eq!(use_kinds(&a, binding(&a, "e", 0)), [UseKind::Argument { callee: Some("keep".into()) }]);
    assert_eq!(use_kinds(&a, binding(&a, "g", 0)), [UseKind::SelectedByValue]);
    assert_eq!(use_kinds(&a, binding(&a, "h", 0)), [UseKind::Returned]);
}

#[test]
fn captures_record_the_capturing_closure() {
    let a = analyze("fn f() { let tx = make(); let h = thread::spawn(move || tx.send(1)); let r = || tx.len(); }");
    let uses = a.uses_of(binding(&a, "tx", 0));
    assert_eq!(uses.len(), 2);
    assert!(uses[0].captured_by_move(&a.tree));
    assert!(uses[1].captured_by.is_some() && !uses[1].captured_by_move(&a.tree));
}

#[test]
fn shadowing_and_pattern_scopes() {
    let src = "fn f() { let x = 1; let x = x + 1; use_it(x); match y { Some(x) => x, None => 0 }; use_it(x); }";
    let a = analyze(src);
    let (first, second, arm) = (binding(&a, "x", 0), binding(&a, "x", 1), binding(&a, "x", 2));
    assert_eq!(a.uses_of(first).len(), 1, "read once, in the shadowing initialiser");
    assert_eq!(a.uses_of(second).len(), 2, "used before and after the match");
    assert_eq!(a.uses_of(arm).len(), 1, "the arm's own binding");
    assert_eq!(a.tree.binding(first).shadowed_by, Some(second));
    assert_eq!(a.tree.binding(second).shadowed_by, Some(arm));
    assert_eq!(a.tree.binding(arm).shadowed_by, None);
    // `None` is a path pattern, not a binding.
    assert!(a.tree.bindings.iter().all(|b| b.name != "None"));
}

#[test]
fn origins_follow_chains_and_bindings() {
    let src = "use tokio::runtime::Runtime; fn f() { let rt = Runtime::new().unwrap(); let h = rt.handle().clone(); h.spawn(x); }";
    let a = analyze(src);
    let h = a.uses_of(binding(&a, "h", 0))[0].expr;
    assert_eq!(a.origin(h), Some("tokio::runtime::Runtime::new"));
}

#[test]
fn shutdown_signals_by_method_type_and_channel() {
    let src = "use tokio::sync::{broadcast, oneshot, watch};
        struct W { stop_rx: watch::Receiver<bool>, data_rx: Receiver<u8> }
        async fn f(stop: broadcast::Receiver<()>, plain: Receiver<()>) {
            let (tx, rx) = oneshot::channel::<()>();
            tokio::select! { _ = token.cancelled() => {}, _ = stop.recv() => {}, _ = rx => {}, _ = plain.recv() => {},
                _ = self.stop_rx.wait_for(|s| *s) => {}, _ = self.data_rx.recv() => {} }
        }";
    let a = analyze(src);
    let select = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .find(|&e| matches!(a.tree.kind(e), ExprKind::Select { .. }))
        .unwrap();
    let ExprKind::Select { arms, .. } = a.tree.kind(select) else { unreachable!() };
    let signals: Vec<bool> = arms.iter().map(|arm| a.is_shutdown_signal(arm.operands[0])).collect();
    assert_eq!(signals, [true, true, true, false, true, false]);
}

#[test]
fn crate_index_resolves_calls_by_path_and_unique_name() {
    let a = analyze(
        "async fn run() {} mod net { pub async fn serve() {} }
         struct S; impl S { async fn start(&self) {} fn twice(&self) {} }
         struct T; impl T { fn twice(&self) {} }
         fn f(s: S, c: Client) { run(); net::serve(); s.start(); s.twice(); S::start(&s); other::run();
             Client::new().start(); c.start(); }",
    );
    let index = CrateIndex::build([&a]);
    let calls: Vec<ExprId> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter(|&e| matches!(a.tree.kind(e), ExprKind::Call { .. } | ExprKind::MethodCall { .. }))
        .collect();
    let names: Vec<Option<String>> =
        calls.iter().map(|&c| index.callee(&a, c).map(|f| a.tree.fns[f.def].path.clone())).collect();
    // A receiver made by or declared as another type is not `S`; a receiver declared `S`
    // picks `S::twice` among the two `twice` methods.
    let want = [
        Some("crate::run"),
        Some("crate::net::serve"),
        Some("S::start"),
        Some("S::twice"),
        Some("S::start"),
        None,
        None,
        None,
        None,
    ];
    assert_eq!(names, want.map(|w| w.map(String::from)));
}

#[test]
fn test_and_main_scopes() {
    let a = analyze(
        "fn main() { let c = || go(); } #[cfg(test)] mod tests { fn t() { go(); } }
         #[tokio::test] async fn it() { go(); } #[cfg(all(test, unix))] fn u() { go(); } fn lib() { go(); }
         #[actix_web::main] async fn serve() { go(); } #[main_attr] fn not_entry() {}",
    );
    let scopes: Vec<(String, ItemScope)> = a.tree.fns.iter().map(|f| (f.name.clone(), f.scope)).collect();
    let get = |n: &str| scopes.iter().find(|(m, _)| m == n).unwrap().1;
    assert!(get("main").in_main && !get("main").in_test);
    assert!(get("t").in_test && get("it").in_test && get("u").in_test);
    assert_eq!(get("lib"), ItemScope::default());
    assert!(get("serve").in_main);
    assert_eq!(get("not_entry"), ItemScope::default());
}

#[test]
fn thousands_of_nested_modules_stay_linear() {
    let depth = 5_000;
    let src = format!("{} fn deep() {{}} {}", "mod m {".repeat(depth), "}".repeat(depth));
    // The parser recurses per level: give it the stack the lint pool's threads have.
    let path = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || analyze(&src).tree.fns[0].path.clone())
        .expect("thread starts")
        .join()
        .expect("no panic");
    // Modules past the depth cap share their parent's path.
    assert!(path.ends_with("::deep"));
    assert_eq!(path.matches("::m").count(), 63, "{}", path.len());
}

#[test]
fn item_macros_that_wrap_items_are_expanded_once_for_names_and_bodies() {
    let a = analyze(
        "cfg_rt! { use tokio::spawn as go; pub fn start() { go(async {}); } mod inner { cfg_net! { fn deep() {} } } }
         macro_rules! m { () => { fn hidden() {} } }",
    );
    let names: Vec<&str> = a.tree.fns.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["crate::start", "crate::inner::deep"]);
    let call = (0..a.tree.exprs.len() as u32).map(ExprId).find(|&e| matches!(a.tree.kind(e), ExprKind::Call { .. }));
    assert_eq!(call.and_then(|c| a.tree.callee_path(c)), Some("tokio::spawn"));
}

fn first_loop(a: &Analysis) -> ExprId {
    loops_of(a)[0]
}

#[test]
fn shutdown_arms_are_loop_facts() {
    let guarded =
        analyze("async fn f(t: T) { loop { tokio::select! { _ = t.cancelled() => {}, m = rx.recv() => {} } } }");
    let plain = analyze("async fn f() { loop { tokio::select! { a = x.recv() => {}, m = rx.recv() => {} } } }");
    assert!(guarded.has_shutdown_arm(first_loop(&guarded)));
    assert!(!plain.has_shutdown_arm(first_loop(&plain)));
}

/// Whether the handler of each arm of the file's first `select!` always leaves the loop.
fn arms_leave(src: &str) -> Vec<bool> {
    let a = analyze(src);
    let select =
        (0..a.tree.exprs.len() as u32).map(ExprId).find(|&e| matches!(a.tree.kind(e), ExprKind::Select { .. }));
    let Some(ExprKind::Select { arms, .. }) = select.map(|s| a.tree.kind(s)) else { panic!("no select in {src}") };
    arms.iter().map(|arm| loops::always_leaves(&a.tree, arm.handler)).collect()
}

#[test]
fn handlers_that_always_leave_the_loop() {
    let src = "async fn f() { loop { tokio::select! {
        _ = a.cancelled() => break,
        _ = b.cancelled() => { info!(\"bye\"); return Ok(()); }
        m = c.recv() => match m { Some(m) => handle(m), None => break },
        m = d.recv() => { let Some(m) = m else { break }; handle(m) }
        m = e.recv() => if m.is_none() { break } else { return },
        _ = f.tick() => { work()?; }
        _ = g.tick() => continue,
        _ = h.tick() => panic!(\"no\"),
        _ = i.tick() => { for x in y { break; } }
        _ = j.tick() => std::process::exit(1),
    } } }";
    assert_eq!(arms_leave(src), [true, true, false, false, true, false, false, true, false, true]);
}

#[test]
fn the_innermost_loop_stops_at_closures_and_heads() {
    let a = analyze("fn f() { loop { for x in it() { g(); } let c = || h(); } }");
    let call = |name: &str| {
        (0..a.tree.exprs.len() as u32).map(ExprId).find(|&e| a.tree.callee_path(e) == Some(name)).expect("call")
    };
    let loops = loops_of(&a);
    assert_eq!(loops::innermost_loop(&a.tree, call("g")), Some(loops[1]));
    assert_eq!(loops::innermost_loop(&a.tree, call("it")), Some(loops[0]), "a `for` head runs in the outer loop");
    assert_eq!(loops::innermost_loop(&a.tree, call("h")), None, "a closure is a body of its own");
}

#[test]
fn plain_lets_are_told_from_destructuring() {
    let a = analyze("fn f() { let fut = async {}; let (tx, rx) = channel(); for x in y {} }");
    assert!(a.tree.is_plain_let(binding(&a, "fut", 0)));
    assert!(!a.tree.is_plain_let(binding(&a, "tx", 0)));
    assert!(!a.tree.is_plain_let(binding(&a, "x", 0)));
}

/// What each `.run()` call of `a`, in source order, resolves to in a one-file index.
fn run_callees(a: &Analysis) -> Vec<Option<&str>> {
    let index = CrateIndex::build([a]);
    let mut calls: Vec<ExprId> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter(|&e| matches!(a.tree.kind(e), ExprKind::MethodCall { method, .. } if method == "run"))
        .collect();
    calls.sort_by_key(|&c| a.tree.call_span(c).lo);
    calls.iter().map(|&c| index.callee(a, c).map(|f| a.tree.fns[f.def].path.as_str())).collect()
}

#[test]
fn receivers_are_seen_through_smart_pointers() {
    let a = analyze(
        "use std::sync::Arc; use std::rc::Rc;
         struct Server; impl Server { async fn run(&self) {} }
         struct Holder { server: Arc<Server> }
         struct Shared { server: std::pin::Pin<Box<Server>> }
         async fn f(p: Arc<Server>, r: &Server, m: &mut Server, b: Box<Server>) {
             let s = Arc::new(Server::new()); s.run().await;
             let c = Arc::clone(&s); c.run().await;
             let d = s.clone(); d.run().await;
             Rc::new(Server::bind(addr).await?).run().await;
             Box::new(Server::new()).run().await;
             p.run().await; r.run().await; m.run().await; b.run().await;
             self.server.run().await;
             let u = Arc::new(make()); u.run().await;
             Arc::default().run().await;
         }",
    );
    assert_eq!(run_callees(&a), [Some("Server::run"); 12]);
}

#[test]
fn receivers_known_to_be_other_types_rule_candidates_out() {
    let a = analyze(
        "use std::sync::{Arc, Mutex};
         struct Server; impl Server { async fn run(&self) {} }
         struct Other; struct Holder { other: Other, guarded: Mutex<Server> }
         async fn f(o: Other, shared: Arc<Mutex<Server>>) {
             LoopClient::new(t).spawn().run().await;
             let l: Other = make(); l.run().await;
             o.run().await;
             self.other.run().await;
             Arc::new(Other::new()).run().await;
             let c = Arc::clone(&o); c.run().await;
             shared.run().await;
             // A method result may be anything: the guard derefs to `Server`.
             self.guarded.lock().unwrap().run().await;
         }",
    );
    assert_eq!(run_callees(&a), [None, None, None, None, None, None, None, Some("Server::run")]);
}

#[test]
fn block_tails_are_the_value_of_unlabelled_blocks() {
    let a = analyze("fn f() { spawn({ let c = 1; async {} }); spawn({ go(); }); spawn('l: { async {} }); }");
    let tails: Vec<Option<&ExprKind>> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter(|&e| matches!(a.tree.parent(e).map(|p| a.tree.kind(p)), Some(ExprKind::Call { .. })))
        .filter(|&e| matches!(a.tree.kind(e), ExprKind::Block { .. }))
        .map(|b| a.tree.block_tail(b).map(|t| a.tree.kind(t)))
        .collect();
    assert!(matches!(tails.as_slice(), [Some(ExprKind::Async { .. }), None, None]), "{tails:?}");
}

/// The callee paths of the file's calls, in source order.
fn callee_paths(a: &Analysis) -> Vec<&str> {
    let mut calls: Vec<ExprId> =
        (0..a.tree.exprs.len() as u32).map(ExprId).filter(|&e| a.tree.callee_path(e).is_some()).collect();
    calls.sort_by_key(|&c| a.tree.span(c).lo);
    calls.iter().filter_map(|&c| a.tree.callee_path(c)).collect()
}

#[test]
fn block_level_cfg_alternatives_and_shadowing() {
    let a = analyze(
        "fn f() { #[cfg(wasm)] use wasm_rt::spawn_local as spawn; #[cfg(not(wasm))] use tokio::spawn; spawn(x); }
         fn g() { #[cfg(a)] use one::go; #[cfg(not(a))] use two::go; go(); }
         fn h() { use tokio::spawn; { use my_rt::spawn; spawn(y); } spawn(z); }",
    );
    assert_eq!(callee_paths(&a), ["tokio::spawn", "one::go", "my_rt::spawn", "tokio::spawn"]);
}

#[test]
fn functions_given_to_once_initialisers_of_statics_run_once() {
    let a = analyze(
        "static ENGINE: OnceLock<Engine> = OnceLock::new();
         static CONFIG: OnceLock<Config> = OnceLock::new();
         static CACHE: OnceLock<Cache> = OnceLock::new();
         static WARM: Once = Once::new();
         struct Engine; impl Engine { fn new() -> Engine { start(); Engine } }
         fn start() { helper(); } fn helper() { deeper(); } fn deeper() {}
         fn init() -> Config { Config }
         struct Cache; impl Cache { fn new() -> Cache { Cache } }
         fn engine() -> &'static Engine { ENGINE.get_or_init(Engine::new) }
         fn config() -> &'static Config { CONFIG.get_or_init(|| init()) }
         fn cache() -> &'static Cache { CACHE.get_or_init(Cache::new) }
         fn fresh_cache() -> Cache { Cache::new() }
         fn warm_up() { WARM.call_once(warm); } fn warm() { prefetch(); } fn prefetch() {} fn rewarm() { warm(); }
         fn local() { let cell = OnceLock::new(); cell.get_or_init(build); } fn build() {}
         #[test] fn t() { init(); }",
    );
    let index = CrateIndex::build([&a]);
    let once: Vec<&str> =
        a.tree.fns.iter().filter(|f| index.runs_once(&a, 0, f.body)).map(|f| f.path.as_str()).collect();
    // Two calls deep from the initialiser; not `Cache::new` nor `warm` (and so not
    // `prefetch`), which ordinary code also calls; not `build`, given to a local cell.
    assert_eq!(once, ["Engine::new", "crate::start", "crate::helper", "crate::init"]);
}

#[test]
fn once_initialiser_arguments_run_once_per_process() {
    let a = analyze(
        "static G: OnceLock<()> = OnceLock::new(); fn f(c: OnceLock<()>) { G.get_or_init(go); c.get_or_init(go); }",
    );
    let args: Vec<bool> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter(|&e| matches!(a.tree.kind(e), ExprKind::Path(Res::Item(p)) if p.ends_with("go")))
        .map(|e| a.runs_once_per_process(e))
        .collect();
    assert_eq!(args, [true, false]);
}

#[test]
fn a_known_receiver_type_picks_among_same_named_methods() {
    let a = analyze(
        "use std::sync::Arc;
         struct Server; impl Server { async fn run(&self) {} }
         struct Client; impl Client { async fn run(&self) {} }
         async fn f(c: &Client, unknown: Thing) {
             Arc::new(Server::new()).run().await;
             c.run().await;
             unknown.run().await;
             make().run().await;
         }",
    );
    assert_eq!(run_callees(&a), [Some("Server::run"), Some("Client::run"), None, None]);
}

#[test]
fn cfg_if_cfg_select_and_lazy_static_items_are_lowered() {
    let a = analyze(
        "cfg_if::cfg_if! { if #[cfg(unix)] { fn unix_only() {} } else { fn other() {} } }
         cfg_select! { feature = \"full\" => { pub fn full() {} } _ => { fn lean() {} } }
         lazy_static::lazy_static! { static ref TX: Sender<u8> = make(); }",
    );
    let mut names: Vec<&str> = a.tree.fns.iter().map(|f| f.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["full", "lean", "other", "unix_only"]);
    assert_eq!(a.tree.statics.len(), 1, "lazy_static's `static ref` is a static");
}
