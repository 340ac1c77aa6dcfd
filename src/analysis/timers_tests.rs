//! Unit tests of the timer facts, each on small sources.

use super::*;
use crate::analysis::index::CrateIndex;
use crate::analysis::tasks::{self, CrateFiles};
use crate::analysis::wrappers::WorkspaceWrappers;
use crate::catalog::Catalog;
use crate::parse::{parse, FileInfo};
use crate::source::FileId;

fn analyze(src: &str) -> Analysis {
    let info = FileInfo { module_path: vec!["crate".into()], test_file: false };
    parse(FileId(0), src, &info, Catalog::builtin()).expect("test source parses")
}

/// The text of an expression.
fn text<'s>(src: &'s str, a: &Analysis, e: ExprId) -> &'s str {
    let span = a.tree.call_span(e);
    &src[span.lo as usize..span.hi as usize]
}

/// The paths of every catalogued timer the file's calls make, in source order.
fn made(src: &str) -> Vec<String> {
    let a = analyze(src);
    let mut found: Vec<ExprId> = calls(&a).filter(|&c| timer_made_by(&a, c).is_some()).collect();
    found.sort_by_key(|&c| a.tree.span(c).lo);
    found.iter().filter_map(|&c| timer_made_by(&a, c)).map(|t| t.path.clone()).collect()
}

#[test]
fn timers_through_every_import_style_and_reexport() {
    let src = r#"
        use tokio::time::{self, interval as every, sleep};
        use smol::Timer;
        use async_std::{stream, task};
        use crossbeam::channel::{after, tick};
        use actix_rt::time::interval_at;
        fn f() {
            every(d); time::sleep_until(t); sleep(d); tokio::time::timeout(d, x);
            Timer::interval(d); Timer::after(d); smol::Timer::interval(d);
            stream::interval(d); task::sleep(d); async_std::future::timeout(d, x);
            after(d); tick(d); interval_at(s, d); actix_rt::time::interval(d);
            tokio_stream::wrappers::IntervalStream::new(i); futures_timer::Delay::new(d);
            other::sleep(d); my_interval(d);
        }
    "#;
    let want = [
        "tokio::time::interval",
        "tokio::time::sleep_until",
        "tokio::time::sleep",
        "tokio::time::timeout",
        "async_io::Timer::interval",
        "async_io::Timer::after",
        "async_io::Timer::interval",
        "async_std::stream::interval",
        "async_std::task::sleep",
        "async_std::future::timeout",
        "crossbeam_channel::after",
        "crossbeam_channel::tick",
        "tokio::time::interval_at",
        "tokio::time::interval",
        "tokio_stream::wrappers::IntervalStream::new",
        "futures_timer::Delay::new",
    ];
    assert_eq!(made(src), want);
}

#[test]
fn a_value_is_traced_back_to_its_timer_through_pins_adapters_and_lets() {
    let src = r#"
        use tokio::time::sleep;
        async fn f() {
            let a = sleep(d);
            tokio::pin!(a);
            let b = Box::pin(sleep(d));
            let c = sleep(d).fuse();
            let e = std::pin::pin!(sleep(d));
            let g = a;
            let h = compute(d);
            use_all(&mut a, b.as_mut(), c, e, g, h);
        }
    "#;
    let a = analyze(src);
    let call = calls(&a).find(|&c| a.tree.callee_path(c) == Some("use_all")).expect("use_all");
    let ExprKind::Call { args, .. } = a.tree.kind(call) else { unreachable!() };
    let origins: Vec<Option<&str>> = args.iter().map(|&x| timer_origin(&a, x).map(|t| text(src, &a, t))).collect();
    assert_eq!(
        origins,
        [Some("sleep(d)"), Some("sleep(d)"), Some("sleep(d)"), Some("sleep(d)"), Some("sleep(d)"), None]
    );
}

#[test]
fn repeating_timers_kept_forever() {
    let src = r#"
        use once_cell::sync::Lazy;
        use std::sync::OnceLock;
        static TICKS: Lazy<Receiver<Instant>> = Lazy::new(|| crossbeam_channel::tick(d));
        static SLOT: OnceLock<Mutex<Interval>> = OnceLock::new();
        static NAP: Lazy<Sleep> = Lazy::new(|| tokio::time::sleep(d));
        fn f() {
            SLOT.set(Mutex::new(tokio::time::interval(d)));
            let t = async_io::Timer::interval(d);
            std::mem::forget(t);
            let kept = tokio::time::interval(d);
            self.every = kept;
        }
    "#;
    let a = analyze(src);
    let kept: Vec<(&str, Forever)> = kept_timers(&a).iter().map(|k| (text(src, &a, k.call), k.kept.how)).collect();
    assert_eq!(
        kept,
        [
            ("crossbeam_channel::tick(d)", Forever::Static),
            ("tokio::time::interval(d)", Forever::Static),
            ("async_io::Timer::interval(d)", Forever::Leaked),
        ]
    );
}

#[test]
fn schedule_guards_ignored_or_forgotten_but_not_dropped() {
    let src = r#"
        use timer::Timer;
        struct S { timer: timer::Timer }
        fn f(s: S) {
            let t = Timer::new();
            t.schedule_repeating(d, move || a()).ignore();
            let g = t.schedule_repeating(d, move || b());
            g.ignore();
            std::mem::forget(s.timer.schedule_repeating(d, || c()));
            let _ = t.schedule_repeating(d, || dropped());
            let kept = t.schedule_repeating(d, || kept());
            self.guard = Some(kept);
            t.schedule_with_delay(d, || once()).ignore();
            other.schedule_repeating(d, || unknown()).ignore();
        }
    "#;
    let a = analyze(src);
    let lost: Vec<(GuardLoss, &str)> =
        lost_guards(&a).iter().map(|g| (g.loss, text(src, &a, g.at).split('(').next().unwrap_or(""))).collect();
    assert_eq!(
        lost,
        [(GuardLoss::Ignored, "ignore"), (GuardLoss::Ignored, "ignore"), (GuardLoss::Forgotten, "std::mem::forget")]
    );
}

/// `(timer text, fresh, competes, always_leaves)` of each arm of the file's first select.
fn races(src: &str) -> Vec<(Option<String>, bool, bool, bool)> {
    arm_races(src).into_iter().map(|(t, r)| (t, r.fresh, r.competes, r.always_leaves)).collect()
}

/// Every arm of the file's first select, with its timer's text.
fn arm_races(src: &str) -> Vec<(Option<String>, ArmRace)> {
    let a = analyze(src);
    let files = [&a];
    let index = CrateIndex::build(files.iter().copied());
    let cx = CrateFiles { files: &files, index: &index };
    let select = (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .find(|&e| matches!(a.tree.kind(e), ExprKind::Select { .. }))
        .expect("a select");
    let (_, arms) = select_races(cx, 0, select).expect("in a loop");
    arms.iter().map(|r| (r.timer.map(|t| text(src, &a, t).to_string()), *r)).collect()
}

#[test]
fn which_arm_races_which_timer_and_whether_it_is_fresh() {
    let src = r#"
        use tokio::time::{sleep, sleep_until, timeout, Instant};
        async fn f() {
            let outer = sleep(d);
            tokio::pin!(outer);
            let fixed = Instant::now() + d;
            loop {
                let inner = sleep(d);
                tokio::pin!(inner);
                let moving = Instant::now() + d;
                tokio::select! {
                    biased;
                    _ = sleep(d) => {},
                    _ = &mut outer => break,
                    _ = &mut inner => {},
                    _ = sleep_until(fixed) => {},
                    _ = sleep_until(moving) => {},
                    _ = sleep_until(Instant::now() + d) => {},
                    r = timeout(d, rx.recv()) => {},
                    _ = async { sleep(d).await } => {},
                    m = rx.recv(), if open => { handle(m); sleep(d).await; }
                    else => break,
                }
            }
        }
    "#;
    let s = |t: &str| Some(t.to_string());
    assert_eq!(
        races(src),
        [
            (s("sleep(d)"), true, true, false),
            (s("sleep(d)"), false, true, true),
            (s("sleep(d)"), true, true, false),
            (s("sleep_until(fixed)"), false, true, false),
            (s("sleep_until(moving)"), true, true, false),
            (s("sleep_until(Instant::now() + d)"), true, true, false),
            (s("timeout(d, rx.recv())"), true, true, false),
            (s("sleep(d)"), true, true, false),
            (None, false, true, false),
            (None, false, false, true),
        ]
    );
}

#[test]
fn crossbeam_recv_arms_race_after_and_tick() {
    let src = r#"
        use crossbeam_channel::{after, select, tick};
        fn f() {
            let every = tick(d);
            loop {
                let late = after(d);
                select! {
                    recv(after(d)) -> _ => {},
                    recv(every) -> _ => {},
                    recv(late) -> _ => {},
                    recv(tick(d)) -> _ => {},
                    recv(rx) -> m => handle(m),
                    default => {},
                }
            }
        }
    "#;
    let s = |t: &str| Some(t.to_string());
    assert_eq!(
        races(src),
        [
            (s("after(d)"), true, true, false),
            (s("tick(d)"), false, true, false),
            (s("after(d)"), true, true, false),
            (s("tick(d)"), true, true, false),
            (None, false, true, false),
            (None, false, true, false),
        ]
    );
}

/// The texts of the timers `restarting_timers` reports.
fn restarting(src: &str) -> Vec<String> {
    let a = analyze(src);
    let files = [&a];
    let index = CrateIndex::build(files.iter().copied());
    let cx = CrateFiles { files: &files, index: &index };
    restarting_timers(cx, 0).iter().map(|t| text(src, &a, t.call).to_string()).collect()
}

#[test]
fn a_fresh_timer_restarts_only_against_an_arm_that_goes_on_looping() {
    let bug =
        "async fn f() { loop { tokio::select! { m = rx.recv() => handle(m), _ = tokio::time::sleep(d) => flush() } } }";
    assert_eq!(restarting(bug), ["tokio::time::sleep(d)"]);
    let cancel_only = "async fn f() { loop { tokio::select! { _ = stop.cancelled() => break, _ = tokio::time::sleep(d) => tick() } } }";
    assert_eq!(restarting(cancel_only), Vec::<String>::new());
    let err_break = "async fn f() { loop { tokio::select! { m = rx.recv() => match m { Err(_) => break, Ok(m) => go(m) }, _ = tokio::time::sleep(d) => tick() } } }";
    assert_eq!(restarting(err_break), ["tokio::time::sleep(d)"]);
    let no_loop =
        "async fn f() { tokio::select! { m = rx.recv() => handle(m), _ = tokio::time::sleep(d) => flush() } }";
    assert_eq!(restarting(no_loop), Vec::<String>::new());
    let in_handler = "async fn f() { loop { tokio::select! { m = rx.recv() => handle(m), _ = stop.cancelled() => { tokio::time::sleep(d).await; break } } } }";
    assert_eq!(restarting(in_handler), Vec::<String>::new());
    let inner_loop = "async fn f() { loop { let s = tokio::time::sleep(d); tokio::pin!(s); loop { tokio::select! { m = rx.recv() => go(m), _ = &mut s => break } } } }";
    assert_eq!(restarting(inner_loop), Vec::<String>::new());
}

#[test]
fn time_left_until_a_deadline_does_not_start_over() {
    let none = Vec::<String>::new();
    let since = "async fn f(deadline: Instant) { loop { tokio::select! { m = rx.recv() => go(m), _ = tokio::time::sleep(deadline.duration_since(Instant::now())) => break } } }";
    assert_eq!(restarting(since), none);
    let minus = "async fn f() { loop { let now = Instant::now(); tokio::select! { m = rx.recv() => go(m), _ = tokio::time::sleep(next - now) => tick() } } }";
    assert_eq!(restarting(minus), none);
    let elapsed = "async fn f() { loop { tokio::select! { m = rx.recv() => go(m), _ = tokio::time::sleep(period - last.elapsed()) => tick() } } }";
    assert_eq!(restarting(elapsed), none);
    // A same-crate method that reads the clock computes a time left too.
    let method = "struct S; impl S { fn time_left(&self) -> Duration { self.at - Utc::now() } }
        async fn f(s: S) { loop { tokio::select! { m = rx.recv() => go(m), _ = tokio::time::sleep(s.time_left()) => tick() } } }";
    assert_eq!(restarting(method), none);
    let fixed = "async fn f(period: Duration) { loop { tokio::select! { m = rx.recv() => go(m), _ = tokio::time::sleep(period) => tick() } } }";
    assert_eq!(restarting(fixed), ["tokio::time::sleep(period)"]);
}

#[test]
fn a_timeout_on_an_operation_of_this_iteration_bounds_that_operation() {
    let per_request = "async fn f(c: Client, items: Vec<I>) { for item in items { let req = c.send(item);
        tokio::select! { r = req => done(r), _ = tokio::time::sleep(d) => return } } }";
    assert_eq!(restarting(per_request), Vec::<String>::new());
    // Two timers made in the iteration race each other, not a source that comes back.
    let two_fresh = "fn f(ds: Vec<u64>) { for d in ds { for _ in 0..9 { crossbeam_channel::select! {
        recv(crossbeam_channel::after(ms(d))) -> _ => a(), recv(crossbeam_channel::after(ms(d))) -> _ => b() } } } }";
    assert_eq!(restarting(two_fresh), Vec::<String>::new());
    let arms = arm_races(
        "async fn f(mut rx: R) { loop { let fresh = make(); tokio::select! { a = rx.recv() => {}, b = fresh => {}, c = self.next() => {}, _ = tokio::time::sleep(Duration::from_secs(1)) => {} } } }",
    );
    let recurs: Vec<bool> = arms.iter().map(|(_, r)| r.recurs).collect();
    assert_eq!(recurs, [true, false, true, false]);
}

#[test]
fn a_signal_that_fires_once_cannot_keep_restarting_a_timer() {
    let none = Vec::<String>::new();
    let token = "async fn f(cancel: CancellationToken, s: S) { loop { let request = s.list(); let r = tokio::select! {
        res = request => Ok(res), _ = tokio::time::sleep(s.timeout) => Err(Timeout), _ = cancel.cancelled() => Err(Cancelled) }?; } }";
    assert_eq!(restarting(token), none);
    let pinned = "async fn f(token: CancellationToken, mut rx: R) { let mut cancel = std::pin::pin!(token.cancelled());
        loop { tokio::select! { _ = &mut cancel => stop(), _ = tokio::time::sleep(d) => tick() } } }";
    assert_eq!(restarting(pinned), none);
    let oneshot = "async fn f() { let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        loop { tokio::select! { _ = &mut rx => stop(), _ = tokio::time::sleep(d) => tick() } } }";
    assert_eq!(restarting(oneshot), none);
    // A watch channel changes again and again.
    let watch = "async fn f(mut cfg: tokio::sync::watch::Receiver<C>) { loop { tokio::select! {
        _ = cfg.changed() => reload(), _ = tokio::time::sleep(d) => tick() } } }";
    assert_eq!(restarting(watch), ["tokio::time::sleep(d)"]);
}

#[test]
fn a_select_that_only_waits_for_whichever_comes_first_loses_nothing() {
    let none = Vec::<String>::new();
    // The work after the select runs whichever arm wins.
    let wait_any = "async fn f(t: T) { loop { tokio::select! { _ = tokio::time::sleep(p) => {}, _ = t.trigger.notified() => {} } compact().await; } }";
    assert_eq!(restarting(wait_any), none);
    let logging = "async fn f(t: T) { loop { tokio::select! { () = tokio::time::sleep(p) => {}, () = t.stop.cancelled() => { debug!(\"stop\") } } continue; } }";
    assert_eq!(restarting(logging), none);
    // ...unless the rival skips it.
    let skips = "async fn f(mut rx: R) { loop { tokio::select! { _ = tokio::time::sleep(p) => {}, m = rx.recv() => { go(m); continue; } } flush(); } }";
    assert_eq!(restarting(skips), ["tokio::time::sleep(p)"]);
}

/// The texts of the intervals `fresh_intervals` reports.
fn fresh(src: &str) -> Vec<String> {
    let a = analyze(src);
    fresh_intervals(&a).iter().map(|f| text(src, &a, f.call).to_string()).collect()
}

#[test]
fn tokio_intervals_made_and_ticked_in_one_iteration() {
    let src = r#"
        use tokio::time::{interval, interval_at, Instant};
        async fn f() {
            loop { let mut a = interval(d); a.tick().await; work().await; }
            loop { interval(d).tick().await; }
            loop { let mut b = interval(d); tokio::select! { _ = b.tick() => {}, m = rx.recv() => {} } }
            loop { let mut c = interval_at(Instant::now(), d); c.tick().await; }
            loop { let mut e = interval_at(Instant::now() + d, d); e.tick().await; }
            loop { let mut g = interval(d); loop { g.tick().await; } }
            loop { let mut h = interval(d); h.tick().await; loop { h.tick().await; work(); } }
            let mut i = interval(d);
            loop { i.tick().await; }
            loop { let mut j = async_io::Timer::interval(d); j.next().await; }
            loop { let k = crossbeam_channel::tick(d); k.recv(); }
        }
    "#;
    assert_eq!(fresh(src), ["interval(d)", "interval(d)", "interval(d)", "interval_at(Instant::now(), d)"]);
}

/// The timer a detached endless task in `src` owns: `(timer text, where)`, for each
/// spawn call, in source order.
fn task_timers(src: &str) -> Vec<(String, &'static str)> {
    let a = analyze(src);
    let files = [&a];
    let index = CrateIndex::build(files.iter().copied());
    let cx = CrateFiles { files: &files, index: &index };
    let workspace = WorkspaceWrappers::new::<&str>(&[None]);
    let wrappers = workspace.infer(0, &cx, &|_| "x.rs:1".to_string());
    let mut out = Vec::new();
    let mut ids: Vec<ExprId> = calls(&a).collect();
    ids.sort_by_key(|&c| a.tree.span(c).lo);
    for call in ids {
        let Some(task) = tasks::detached_endless(cx, &wrappers, 0, call) else { continue };
        let Some(t) = task_timer(cx, &wrappers, 0, &task) else { continue };
        let made = match t.made {
            MadeWhere::InTask => "in task",
            MadeWhere::MovedIn => "moved in",
            MadeWhere::InFn(_) => "in fn",
        };
        out.push((text(src, &a, t.call).to_string(), made));
    }
    out
}

#[test]
fn the_timer_a_detached_endless_task_owns() {
    let src = r#"
        use tokio::time::interval;
        fn made_inside() { tokio::spawn(async move { let mut i = interval(d); loop { i.tick().await; } }); }
        fn moved_in() { let mut j = interval(d); tokio::spawn(async move { loop { j.tick().await; } }); }
        fn thread_tick() { let t = crossbeam_channel::tick(d); std::thread::spawn(move || loop { t.recv().unwrap(); }); }
        fn in_fn() { tokio::spawn(report()); }
        async fn report() { let mut k = interval(d); loop { k.tick().await; } }
        fn passed() { tokio::spawn(run(interval(d))); }
        async fn run(mut p: Interval) { loop { p.tick().await; } }
        fn thread_passes() { let t = crossbeam_channel::tick(d); std::thread::spawn(move || work(t)); }
        fn work(t: Receiver<Instant>) { loop { t.recv().unwrap(); } }
        fn unused_but_owned() { tokio::spawn(async move { let _keep = interval(d); loop { rx.recv().await; } }); }
        fn nested() { tokio::spawn(async move { tokio::spawn(async move { let _n = interval(d); }); loop { work().await; } }); }
        fn stoppable(stop: CancellationToken) { tokio::spawn(async move { let mut s = interval(d); loop { tokio::select! { _ = stop.cancelled() => break, _ = s.tick() => {} } } }); }
        fn kept() -> JoinHandle<()> { tokio::spawn(async move { let mut h = interval(d); loop { h.tick().await; } }) }
        fn sleeper() { tokio::spawn(async move { loop { tokio::time::sleep(d).await; } }); }
    "#;
    let got = task_timers(src);
    let want = [
        ("interval(d)", "in task"),
        ("interval(d)", "moved in"),
        ("crossbeam_channel::tick(d)", "moved in"),
        ("interval(d)", "in fn"),
        ("interval(d)", "moved in"),
        ("crossbeam_channel::tick(d)", "moved in"),
        ("interval(d)", "in task"),
    ];
    assert_eq!(got, want.map(|(t, w)| (t.to_string(), w)));
}
