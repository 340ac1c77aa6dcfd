//! Unit tests of the lock, guard and leak facts, each on a small source.

use super::*;
use crate::analysis::leaks::{self, LeakKind, Reclaims};
use crate::catalog::Catalog;
use crate::parse::{parse, FileInfo};
use crate::source::FileId;

fn analyze(src: &str) -> Analysis {
    let info = FileInfo { module_path: vec!["crate".into()], test_file: false };
    parse(FileId(0), src, &info, Catalog::builtin()).expect("test source parses")
}

fn text<'s>(src: &'s str, a: &Analysis, id: ExprId) -> &'s str {
    &src[a.tree.span(id).range()]
}

/// Method calls named `method`, in source order.
fn calls(a: &Analysis, method: &str) -> Vec<ExprId> {
    let mut found: Vec<ExprId> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter(|&e| matches!(a.tree.kind(e), ExprKind::MethodCall { method: m, .. } if m == method))
        .collect();
    found.sort_by_key(|&e| a.tree.span(e).lo);
    found
}

fn first(a: &Analysis, method: &str) -> ExprId {
    calls(a, method)[0]
}

fn locks(a: &Analysis) -> Locks<'_> {
    Locks::new(a, None, Edition::E2021)
}

/// The receivers of every lock-like call, as written.
fn lock_receivers(src: &str) -> Vec<String> {
    let a = analyze(src);
    let l = locks(&a);
    let mut found: Vec<LockCall> = lock_calls(&l);
    found.sort_by_key(|c| a.tree.span(c.call).lo);
    found
        .iter()
        .map(|c| match a.tree.kind(c.call) {
            ExprKind::MethodCall { receiver, method, .. } => format!("{}.{method}", text(src, &a, *receiver)),
            _ => unreachable!(),
        })
        .collect()
}

#[test]
fn lock_and_try_lock_always_count_but_not_on_stdio() {
    let src = "use std::io::{self, stdout};
        fn f(m: M, out: io::Stdout) {
            m.lock(); m.try_lock(); self.inner.lock().await;
            io::stdout().lock(); let o = stdout(); o.lock(); out.lock(); std::io::stdin().lock();
            keyed.lock(&key);
        }";
    assert_eq!(lock_receivers(src), ["m.lock", "m.try_lock", "self.inner.lock"]);
}

#[test]
fn read_write_and_borrow_need_evidence() {
    let src = "use std::sync::{Arc, RwLock}; use std::cell::RefCell; use std::rc::Rc;
        struct S { cache: RwLock<Map>, cell: Rc<RefCell<u8>>, dev: Device, pl: Arc<parking_lot::RwLock<u8>> }
        impl S { fn f(&self, p: &tokio::sync::RwLock<u8>, conn: Conn, mut file: File) {
            self.cache.read(); self.cell.borrow_mut(); self.dev.read(); self.pl.write();
            conn.read(); conn.write().unwrap(); p.read().await;
            let l = Arc::new(RwLock::new(1)); l.read(); let l2 = l.clone(); l2.write();
            let c = RefCell::new(0); c.borrow(); let d = Arc::clone(&l); d.read();
            file.read(&mut buf); std::fs::read(path); dir.read_dir(); self.dev.borrow();
        } }";
    let want = [
        "self.cache.read",
        "self.cell.borrow_mut",
        "self.pl.write",
        "conn.write",
        "p.read",
        "l.read",
        "l2.write",
        "c.borrow",
        "d.read",
    ];
    assert_eq!(lock_receivers(src), want);
}

#[test]
fn lock_types_resolve_through_renamed_imports_and_the_crate_index() {
    let src = "use tokio::sync::RwLock as AsyncRwLock; struct S { subs: AsyncRwLock<u8> }
        fn f(s: S) { s.subs.read().await; s.remote.read().await; }";
    let a = analyze(src);
    assert_eq!(lock_receivers(src), ["s.subs.read"]);
    // `remote` is declared in another file of the crate.
    let other = analyze("struct T { remote: std::sync::RwLock<u8> }");
    let index = CrateIndex::build([&a, &other]);
    let files = [&a, &other];
    let l = Locks::new(&a, Some(CrateView { files: &files, index: &index }), Edition::E2021);
    assert!(l.lock_call(calls(&a, "read")[1]).is_some());
}

#[test]
fn places_owners_kinds_and_async() {
    let src = "impl S { async fn f(&self, m: M) { self.sessions.read().unwrap(); m.lock().await; self.a.b.try_lock(); STATE.lock(); } }";
    let a = analyze(src);
    let l = locks(&a);
    let read = l.lock_call(first(&a, "read")).expect("a lock");
    let place = read.place.clone().expect("a place");
    assert_eq!(place.describe(&a.tree), "self.sessions");
    assert_eq!(place.owner().map(|o| o.describe(&a.tree)).as_deref(), Some("self"));
    assert_eq!((read.kind, read.tries, read.is_async), (GuardKind::Read, false, false));
    let lock = l.lock_call(first(&a, "lock")).expect("a lock");
    assert!(lock.is_async && lock.place.as_ref().is_some_and(|p| p.owner().is_none()));
    let nested = l.lock_call(first(&a, "try_lock")).expect("a lock");
    assert!(nested.tries);
    assert_eq!(nested.place.and_then(|p| p.owner()).map(|o| o.describe(&a.tree)).as_deref(), Some("self.a"));
    let global = l.lock_call(calls(&a, "lock")[1]).expect("a lock");
    assert_eq!(global.place.map(|p| p.describe(&a.tree)).as_deref(), Some("STATE"));
}

#[test]
fn permits_are_their_own_kind() {
    let a =
        analyze("async fn f(sem: Arc<Semaphore>) { let p = sem.acquire().await; sem.clone().acquire_owned().await; }");
    let l = locks(&a);
    assert_eq!(l.permit_call(first(&a, "acquire")).map(|p| p.kind), Some(GuardKind::Permit));
    assert!(l.permit_call(first(&a, "acquire_owned")).is_some());
    assert!(l.lock_call(first(&a, "acquire")).is_none());
}

/// The home of the first `lock()` call of a source, and the source text of what it names.
fn home(src: &str, edition: Edition) -> String {
    let a = analyze(src);
    assert!(!calls(&a, "lock").is_empty(), "no lock call in {src}");
    let l = Locks::new(&a, None, edition);
    let show = |e: ExprId| text(src, &a, e).split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    match l.guard_home(first(&a, "lock")) {
        GuardHome::Statement => "statement".into(),
        GuardHome::Scrutinee(at) => format!("scrutinee of {}", show(at)),
        GuardHome::LoopHead(at) => format!("head of {}", show(at)),
        GuardHome::Bound(b) => format!("bound to {}", a.tree.binding(b).name),
        GuardHome::Stored { into, .. } => format!("stored in {}", text(src, &a, into)),
        GuardHome::Elsewhere => "elsewhere".into(),
    }
}

#[test]
fn guard_homes_follow_temporary_scopes() {
    let e = Edition::E2021;
    assert_eq!(home("fn f() { m.lock().unwrap().push(1); }", e), "statement");
    assert_eq!(home("fn f() { let n = m.lock().unwrap().len(); }", e), "statement");
    assert_eq!(home("fn f() { let g = m.lock().unwrap(); }", e), "bound to g");
    assert_eq!(home("fn f() { let _ = m.lock(); }", e), "statement");
    assert_eq!(home("fn f() { let v = &m.lock().unwrap().items; }", e), "bound to v");
    assert_eq!(
        home("fn f() { match m.lock().unwrap().pop() { _ => {} } }", e),
        "scrutinee of match m.lock().unwrap().pop()"
    );
    assert_eq!(home("fn f() { match m.lock() { Ok(g) => {} _ => {} } }", e), "scrutinee of match m.lock()");
    assert_eq!(home("fn f() { if let Some(x) = m.lock().unwrap().get(k) {} }", e), "scrutinee of if let");
    assert_eq!(home("fn f() { if m.lock().unwrap().is_empty() {} }", e), "statement");
    assert_eq!(home("fn f() { while let Some(j) = q.lock().unwrap().pop() {} }", e), "head of while let");
    assert_eq!(home("fn f() { while !q.lock().unwrap().is_empty() {} }", e), "statement");
    assert_eq!(home("fn f() { for x in m.lock().unwrap().iter() {} }", e), "head of for x");
    assert_eq!(home("fn f() { for x in 0..m.lock().unwrap().len() {} }", e), "head of for x");
    assert_eq!(home("fn f() { match x { _ if m.lock().unwrap().ok() => {} _ => {} } }", e), "statement");
}

#[test]
fn moved_guards_are_followed_or_let_go() {
    let e = Edition::E2021;
    assert_eq!(home("fn f() { while let Some(j) = drop(q.lock()) {} }", e), "elsewhere");
    assert_eq!(home("fn f() { match process(m.lock().unwrap()) { _ => {} } }", e), "elsewhere");
    assert_eq!(home("fn f() { match m.lock().map(|g| g.len()) { _ => {} } }", e), "elsewhere");
    assert_eq!(home("fn f() { guards.push(m.lock().unwrap()); }", e), "stored in guards");
    assert_eq!(home("fn f() { last = Some(m.lock().unwrap()); }", e), "stored in last");
    assert_eq!(home("fn f() { let h = Holder { g: m.lock() }; }", e), "bound to h");
    assert_eq!(home("fn f() -> G { m.lock().unwrap() }", e), "elsewhere");
    assert_eq!(home("fn f() { println!(\"{}\", m.lock().unwrap().len()); }", e), "statement");
    assert_eq!(home("fn f() { let c = || m.lock().unwrap().len(); }", e), "elsewhere");
}

#[test]
fn block_tails_and_let_chains_depend_on_the_edition() {
    let src = "fn f() { match { m.lock().unwrap().len() } { _ => {} } }";
    assert_eq!(home(src, Edition::E2021), "scrutinee of match {");
    assert_eq!(home(src, Edition::E2024), "statement");
    let moved = "fn f() { match { m.lock().unwrap() } { _ => {} } }";
    assert_eq!(home(moved, Edition::E2024), "scrutinee of match {");
    let chain = "fn f() { if let Some(x) = m.lock().unwrap().get(k) && ready {} }";
    assert_eq!(home(chain, Edition::E2024), "scrutinee of if let");
}

#[test]
fn if_let_else_holds_the_guard_only_before_2024() {
    let src = "fn f() { if let Some(x) = m.lock().unwrap().get(k) { a(); } else { b(); } }";
    let a = analyze(src);
    let at = match locks(&a).guard_home(first(&a, "lock")) {
        GuardHome::Scrutinee(at) => at,
        other => panic!("{other:?}"),
    };
    assert_eq!(Locks::new(&a, None, Edition::E2021).held_during(at).len(), 2);
    assert_eq!(Locks::new(&a, None, Edition::E2024).held_during(at).len(), 1);
}

/// The hazards met while the first lock-like call's guard is alive, as
/// `kind-debug@text`.
fn hazards(src: &str) -> Vec<String> {
    let a = analyze(src);
    let l = locks(&a);
    let mut found = lock_calls(&l);
    found.sort_by_key(|c| a.tree.span(c.call).lo);
    let lock = &found[0];
    let at = match l.guard_home(lock.call) {
        GuardHome::Scrutinee(at) | GuardHome::LoopHead(at) => at,
        other => panic!("{other:?}"),
    };
    let roots = l.held_during(at);
    l.hazards(lock, &roots)
        .iter()
        .map(|h| {
            let kind = match &h.kind {
                HazardKind::Relock { method } => format!("relock {method}"),
                HazardKind::OwnerCall { method, .. } => format!("owner {method}"),
                other => format!("{other:?}").to_lowercase(),
            };
            format!("{kind}@{}", text(src, &a, h.at).split_whitespace().next().unwrap_or(""))
        })
        .collect()
}

#[test]
fn relocks_of_the_same_place_and_their_conflicts() {
    let src = "use std::cell::RefCell; struct S { cache: std::sync::RwLock<u8>, c: RefCell<u8>, other: std::sync::RwLock<u8> }
        impl S { fn f(&self) { match self.cache.read().unwrap().get(k) {
            Some(v) => { self.cache.write().unwrap(); self.cache.read().unwrap(); self.cache.try_write(); self.other.write(); }
            None => {}
        } } }";
    assert_eq!(hazards(src), ["relock write@self.cache.write()", "relock read@self.cache.read()"]);
    let cells = "use std::cell::RefCell; struct S { c: RefCell<u8> }
        impl S { fn f(&self) { if let Some(v) = self.c.borrow().get(k) { self.c.borrow(); self.c.borrow_mut(); } } }";
    assert_eq!(hazards(cells), ["relock borrow_mut@self.c.borrow_mut()"]);
    let twice = "fn f(m: M) { if let Some(x) = m.lock().unwrap().pop() { m.lock().unwrap().push(x); } }";
    assert_eq!(hazards(twice), ["relock lock@m.lock()"]);
}

#[test]
fn blocking_calls_awaits_and_owner_calls() {
    let src = "use std::sync::mpsc; fn f(&self, h: H) {
        let (tx, rx) = mpsc::channel();
        if let Some(w) = self.worker.lock().unwrap().take() {
            w.join(); rx.recv(); std::thread::sleep(d); io.read().await; self.notify(); self.sink.send(1); v.join(\",\");
            tokio::spawn(async move { self.stop(); x.await; });
            std::thread::spawn(move || self.stop());
        }
    }";
    assert_eq!(
        hazards(src),
        [
            "join@w.join()",
            "recv@rx.recv()",
            "sleep@std::thread::sleep(d)",
            "await@io.read().await",
            "owner notify@self.notify()"
        ]
    );
    let shared_rx = "use std::sync::{mpsc, Arc, Mutex}; struct W { rx: Arc<Mutex<mpsc::Receiver<u8>>>, jobs: Mutex<Vec<u8>> }
        impl W { fn f(&self) { if let Some(j) = self.jobs.lock().unwrap().pop() { self.rx.lock().unwrap().recv(); } } }";
    assert_eq!(hazards(shared_rx), ["recv@self.rx.lock().unwrap().recv()"]);
    let tokio_rx = "fn f(&self, mut rx: tokio::sync::mpsc::Receiver<u8>) {
        if let Some(w) = self.w.lock().unwrap().take() { rx.recv().await; tokio::select! { _ = rx.recv() => {} } } }";
    assert_eq!(hazards(tokio_rx), ["await@rx.recv().await", "await@tokio::select!"]);
}

#[test]
fn loops_and_owned_heads() {
    let src = "async fn f(&self) {
        for x in m.lock().unwrap().clone() {}
        for x in m.lock().unwrap().iter().cloned() {}
        for x in std::mem::take(&mut *m.lock().unwrap()) {}
        for x in 0..m.lock().unwrap().len() {}
        loop { match m.lock().unwrap().pop() { _ => {} } }
        loop { let f = async { match m.lock().await.pop() { _ => {} } }; }
    }";
    let a = analyze(src);
    let l = locks(&a);
    let heads: Vec<Option<String>> = calls(&a, "lock")[..4]
        .iter()
        .map(|&c| {
            let GuardHome::LoopHead(lp) = l.guard_home(c) else { panic!("not a loop head") };
            let ExprKind::Loop(lp) = a.tree.kind(lp) else { panic!("not a loop") };
            l.owned_head(c, lp.head.expect("a head"))
        })
        .collect();
    let want = [Some("`.clone()`"), None, Some("`mem::take(..)`"), Some("`.len()`")];
    assert_eq!(heads, want.map(|w| w.map(String::from)));
    let in_loop: Vec<bool> = calls(&a, "lock")[4..]
        .iter()
        .map(|&c| match l.guard_home(c) {
            GuardHome::Scrutinee(at) => l.in_loop_body(at),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(in_loop, [true, false]);
}

#[test]
fn guards_and_permits_kept_past_their_iteration() {
    let src = "async fn f(&self, sem: Arc<Semaphore>) {
        let mut guards = Vec::new();
        let mut last = None;
        for m in &self.shards { guards.push(m.lock().unwrap()); }
        for m in &self.shards { let g = m.lock().unwrap(); last = Some(g); }
        for m in &self.shards { let mut local = Vec::new(); local.push(m.lock().unwrap()); }
        for m in &self.shards { let g = m.lock().unwrap(); use_it(&g); }
        for _ in 0..n { let _permit = sem.acquire().await.unwrap(); work().await; }
        for _ in 0..n { permits.push(sem.clone().acquire_owned().await.unwrap()); }
        for _ in 0..n { let p = sem.clone().acquire_owned().await.unwrap(); tokio::spawn(async move { let _p = p; }); }
    }";
    let a = analyze(src);
    let l = locks(&a);
    let kept: Vec<bool> = calls(&a, "lock").iter().map(|&c| l.kept_past_iteration(c).is_some()).collect();
    assert_eq!(kept, [true, true, false, false]);
    let permits: Vec<bool> = calls(&a, "acquire")
        .into_iter()
        .chain(calls(&a, "acquire_owned"))
        .map(|c| l.kept_past_iteration(c).is_some())
        .collect();
    assert_eq!(permits, [false, true, false]);
}

#[test]
fn leak_calls_per_iteration_and_reclaims() {
    let src = "use std::mem::{self, ManuallyDrop};
        fn f(xs: Vec<String>) {
            for x in xs.iter() { mem::forget(x.clone()); Box::leak(Box::new(1)); let raw = Box::into_raw(b); x.clone().leak(); }
            xs.iter().map(|s| String::leak(s.clone())).count();
            let g = || ManuallyDrop::new(v);
            mem::forget(outside);
        }
        fn g(p: *mut u8) { unsafe { drop(Box::from_raw(p)); } }";
    let a = analyze(src);
    let mut found: Vec<(LeakKind, String, bool)> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter_map(|e| leaks::leak_call(&a, e))
        .map(|l| (l.kind, l.name.clone(), leaks::per_iteration(&a.tree, l.call).is_some()))
        .collect();
    found.sort_by_key(|(_, name, _)| name.clone());
    let want = [
        (LeakKind::Leak, ".leak()", true),
        (LeakKind::IntoRaw, "Box::into_raw", true),
        (LeakKind::Leak, "Box::leak", true),
        (LeakKind::ManuallyDrop, "ManuallyDrop::new", false),
        (LeakKind::Leak, "String::leak", true),
        (LeakKind::Forget, "mem::forget", true),
        (LeakKind::Forget, "mem::forget", false),
    ];
    assert_eq!(found, want.map(|(k, n, p)| (k, n.to_string(), p)));
    let reclaims = Reclaims::of(&a);
    assert!(reclaims.undoes(LeakKind::IntoRaw) && !reclaims.undoes(LeakKind::ManuallyDrop));
    assert!(!reclaims.undoes(LeakKind::Forget));
}

#[test]
fn failed_try_locks_hold_no_guard_in_their_arms() {
    let src =
        "fn f(m: M) { match m.try_lock() { Ok(g) => { m.lock(); } Err(TryLockError::WouldBlock) => { m.lock(); } } }";
    assert_eq!(hazards_for_lock(src), ["relock lock@m.lock()"]);
    let if_let = "fn f(m: M) { if let Some(g) = m.try_lock() { a(); } else { m.lock(); } }";
    assert!(hazards_for_lock(if_let).is_empty());
    // A poisoned `lock()` result still holds the guard in its `Err` arm.
    let poisoned = "fn f(m: M) { match m.lock() { Ok(g) => {} Err(p) => { m.lock(); } } }";
    assert_eq!(hazards_for_lock(poisoned).len(), 1);
    // An arm that drops the guard it matched may lock again after the drop.
    let dropped = "fn f(m: M) { match m.lock() { Ok(g) => { m.lock(); drop(g); m.lock(); } Err(_) => {} } }";
    let a = analyze(dropped);
    let l = locks(&a);
    let lock = l.lock_call(first(&a, "lock")).expect("a lock");
    let GuardHome::Scrutinee(at) = l.guard_home(lock.call) else { panic!("not a scrutinee") };
    assert_eq!(l.scrutinee_hazards(&lock, at).len(), 1, "only the re-lock before the drop");
    // A guard borrowed by the scrutinee is alive in every arm.
    let borrowed = "fn f(m: M) { match m.try_lock().unwrap().len() { 0 => { m.lock(); } _ => {} } }";
    assert_eq!(hazards_for_lock(borrowed).len(), 1);
}

/// Hazards for the first lock-like call, through [`Locks::held_during_lock`].
fn hazards_for_lock(src: &str) -> Vec<String> {
    let a = analyze(src);
    let l = locks(&a);
    let mut found = lock_calls(&l);
    found.sort_by_key(|c| a.tree.span(c.call).lo);
    let lock = &found[0];
    let GuardHome::Scrutinee(at) = l.guard_home(lock.call) else { panic!("not a scrutinee") };
    let roots = l.held_during_lock(lock, at);
    l.hazards(lock, &roots)
        .iter()
        .map(|h| match &h.kind {
            HazardKind::Relock { method } => format!("relock {method}@{}", text(src, &a, h.at)),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn reassigned_guards_are_kept_only_while_the_old_one_lives() {
    let src = "fn f(&mut self) {
        let mut locked = self.m.lock();
        let mut last = None;
        loop { drop(locked); work(); locked = self.m.lock(); }
        loop { self.grow(locked); locked = self.m.lock(); }
        for m in &self.shards { last = Some(m.lock()); }
        loop { self.state = Some(self.m.lock()); }
        for s in &self.slots { if let Some(g) = s.try_lock() { last = Some(g); break; } }
        loop { if last.is_none() && ready { last = Some(self.m.lock()); } step(); }
        'main: loop { locked = self.m.lock(); if x { drop(locked); continue 'main; } wait(locked); }
    }";
    let a = analyze(src);
    let l = locks(&a);
    let lock_calls: Vec<ExprId> = calls(&a, "lock").into_iter().chain(calls(&a, "try_lock")).collect();
    let kept: Vec<bool> = lock_calls[1..].iter().map(|&c| l.kept_past_iteration(c).is_some()).collect();
    // Re-locked after `drop`, after a move, into a local, into a field, then break, taken once.
    // ..., dropped later in the iteration.
    assert_eq!(kept, [false, false, true, false, false, false, false]);
}

#[test]
fn forgetting_as_an_ownership_idiom_is_not_a_leak() {
    let src = "use std::{mem, ptr};
        fn f(&self) {
            for x in xs { mem::forget(x.conn()); let c = open(); mem::forget(c); }
            loop { let tmp = ptr::read(src); ptr::copy_nonoverlapping(&tmp, dst, 1); mem::forget(tmp); }
            loop { let g = Guard(self); mem::forget(g); let f = Finish { s: 1 }; mem::forget(f); }
            loop { mem::forget(self.write()); let mutex_guard = poll(); mem::forget(mutex_guard); }
            loop { let fac = make(); swap(fac.as_raw()); mem::forget(fac); let c = Cert::from_inner(p); mem::forget(c); }
            self.cur.take().map(|p| mem::forget(p));
            names.iter().filter_map(|n| n.as_ref().map(|s| Box::leak(s.clone())));
            names.iter().map(|n| mem::forget(n.clone()));
        }";
    let a = analyze(src);
    let verdicts: Vec<(String, bool)> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter_map(|e| leaks::leak_call(&a, e))
        .filter(|l| leaks::per_iteration(&a.tree, l.call).is_some())
        .map(|l| {
            let ExprKind::Call { args, .. } = a.tree.kind(l.call) else { unreachable!() };
            (text(src, &a, args[0]).to_string(), leaks::is_ownership_handoff(&a, &l))
        })
        .collect();
    let mut verdicts = verdicts;
    verdicts.sort_by_key(|(t, _)| t.clone());
    let want = [
        ("c", false),
        ("c", true),
        ("f", true),
        ("fac", true),
        ("g", true),
        ("mutex_guard", true),
        ("n.clone()", false),
        ("s.clone()", false),
        ("self.write()", true),
        ("tmp", true),
        ("x.conn()", false),
    ];
    assert_eq!(verdicts, want.map(|(t, v)| (t.to_string(), v)));
}

#[test]
fn file_locks_that_succeed_with_unit_hold_no_guard() {
    let src =
        "async fn f(file: File) { loop { match file.try_lock() { Ok(()) => return, Err(_) => sleep(d).await } } }";
    assert!(hazards_for_lock(src).is_empty());
    let lock = "async fn f(file: File) { if let Ok(()) = file.lock() { sleep(d).await } }";
    assert!(hazards_for_lock(lock).is_empty());
}

/// Owner-call hazards of the first lock in `a`, with the crate made of `a` alone.
fn owner_calls(src: &str) -> Vec<(String, bool)> {
    let a = analyze(src);
    let index = CrateIndex::build([&a]);
    let files = [&a];
    let l = Locks::new(&a, Some(CrateView { files: &files, index: &index }), Edition::E2021);
    let mut found = lock_calls(&l);
    found.sort_by_key(|c| a.tree.span(c.call).lo);
    let lock = &found[0];
    let GuardHome::Scrutinee(at) = l.guard_home(lock.call) else { panic!("not a scrutinee") };
    l.hazards(lock, &l.held_during(at))
        .into_iter()
        .filter_map(|h| match h.kind {
            HazardKind::OwnerCall { method, relocks } => Some((method, relocks)),
            _ => None,
        })
        .collect()
}

#[test]
fn owner_calls_are_followed_into_same_crate_methods() {
    let src = "struct E { driver: Mutex<D>, queue: Mutex<Vec<T>>, sizes: Vec<u8> }
        impl E {
            fn poll(&self) { match self.driver.lock().unwrap().poll() { _ => { self.drain(); self.sizes(); self.both(); self.other(); } } }
            fn drain(&self) { let q = self.queue.lock().unwrap(); let d = self.driver.lock().unwrap(); }
            fn sizes(&self) -> usize { self.sizes.len() }
            fn both(&self) { self.sizes(); self.helper(); }
            fn helper(&self) { log(&self.driver); }
        }";
    // `drain` locks the driver; `sizes` never mentions it; `both` reaches it through
    // `helper`; `other` cannot be resolved.
    let want = [("drain", true), ("both", false), ("other", false)];
    assert_eq!(owner_calls(src), want.map(|(m, r)| (m.to_string(), r)));
    // Two methods of the name in two impls: a call on `self` runs the caller's type's.
    let two = "struct H { run: Mutex<()>, at: Cell<u8> } struct F { run: Mutex<()> }
        impl H { fn f(&self) { if let Some(g) = self.run.try_lock() { self.go(g); } } fn go(&self, g: G) { self.at.set(1); } }
        impl F { fn go(&self, g: G) { self.run.lock(); } }";
    assert!(owner_calls(two).is_empty());
    // Not knowing which of several methods runs, any that reaches the field may.
    let unknown = "struct H { run: Mutex<()> } struct S { h: H }
        impl S { fn f(&self) { if let Some(g) = self.h.run.try_lock() { self.h.go(); } } }
        impl F { fn go(&self) { self.run.lock(); } } impl G { fn go(&self) {} }";
    assert_eq!(owner_calls(unknown), [("go".to_string(), false)]);
}

#[test]
fn async_lock_types_give_async_guards_even_to_try_lock() {
    let src = "struct S { task: async_lock::Mutex<u8>, sync: parking_lot::Mutex<u8> }
        impl S { fn f(&self) { self.task.try_lock(); self.sync.try_lock(); self.other.lock().await; } }";
    let a = analyze(src);
    let l = locks(&a);
    let asyncs: Vec<bool> = calls(&a, "try_lock")
        .into_iter()
        .chain(calls(&a, "lock"))
        .map(|c| l.lock_call(c).expect("a lock").is_async)
        .collect();
    assert_eq!(asyncs, [true, false, true]);
}

#[test]
fn leak_functions_handed_to_adapters_leak_per_item() {
    let src = "use std::mem; fn f(xs: Vec<Conn>, names: Vec<String>) {
        xs.into_iter().for_each(mem::forget);
        let v: Vec<&'static mut str> = names.into_iter().map(String::into_boxed_str).map(Box::leak).collect();
        let one = Some(Box::new(1)).map(Box::leak);
    }";
    let a = analyze(src);
    let found: Vec<(String, bool)> = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter_map(|e| leaks::leak_call(&a, e))
        .map(|l| (l.name.clone(), leaks::per_iteration(&a.tree, l.call).is_some()))
        .collect();
    assert_eq!(found, [("mem::forget".to_string(), true), ("Box::leak".to_string(), true)]);
}

#[test]
fn stub_owner_methods_may_lock() {
    let src = "struct H { sessions: RwLock<Vec<u64>> }
        impl H { fn f(&self) { if let Some(id) = self.sessions.read().unwrap().first() { self.kick(*id); self.later(); } }
            fn kick(&self, _id: u64) {}
            fn later(&self) { todo!() } }";
    assert_eq!(owner_calls(src), [("kick".to_string(), false), ("later".to_string(), false)]);
}
