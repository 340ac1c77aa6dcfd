//! How the lock rules word what happens while a guard is alive (shared by
//! `deferred_drop_in_loop` and `lock_in_scrutinee`).

use crate::analysis::locks::{Hazard, HazardKind, LockCall, Place};
use crate::analysis::tree::{ExprKind, Tree};

/// The lock's place as written (`self.cache`), or a stand-in when it is not a plain place.
pub fn place_name(tree: &Tree, lock: &LockCall) -> String {
    match &lock.place {
        Some(p) => format!("`{}`", p.describe(tree)),
        None => "this lock".to_string(),
    }
}

/// The `let`-first rewrite of a lock call, for help texts: `let value =
/// self.map.read().unwrap()…;`, with `name` for the binding.
pub fn let_first(tree: &Tree, lock: &LockCall, name: &str) -> String {
    let Some(place) = &lock.place else { return format!("`let {name} = …;`") };
    let after = match tree.parent(lock.call).map(|p| tree.kind(p)) {
        Some(ExprKind::Await(_)) => ".await",
        Some(ExprKind::MethodCall { method, .. }) if method == "unwrap" => ".unwrap()",
        Some(ExprKind::MethodCall { method, .. }) if method == "expect" => ".expect(..)",
        _ => "",
    };
    format!("`let {name} = {}.{}(){after}…;`", place.describe(tree), lock.method)
}

/// What the guard is, before its place: "lock on `m`", "borrow of `cell`".
pub fn subject(tree: &Tree, lock: &LockCall) -> String {
    let what = if lock.kind.is_refcell() { "borrow of" } else { "lock on" };
    format!("{what} {}", place_name(tree, lock))
}

/// The most serious hazard, first in source order among equals: a re-lock (a certain
/// deadlock), then a blocking call, an await, a call on the owner.
pub fn worst(hazards: impl IntoIterator<Item = Hazard>) -> Option<Hazard> {
    let rank = |h: &Hazard| match &h.kind {
        HazardKind::Relock { .. } | HazardKind::OwnerCall { relocks: true, .. } => 0,
        k if k.blocks_thread() => 1,
        HazardKind::Await => 2,
        _ => 3,
    };
    hazards.into_iter().enumerate().min_by_key(|(i, h)| (rank(h), *i)).map(|(_, h)| h)
}

/// What the hazard does, after a subject: "locks `self.cache` again: this deadlocks".
pub fn phrase(tree: &Tree, lock: &LockCall, h: &Hazard) -> String {
    let place = place_name(tree, lock);
    match &h.kind {
        HazardKind::Relock { .. } if lock.kind.is_refcell() => format!("borrows {place} again: this panics"),
        HazardKind::Relock { .. } => format!("locks {place} again: this deadlocks"),
        HazardKind::Join => "joins a thread while the guard is held".into(),
        HazardKind::Recv => "waits on a channel while the guard is held".into(),
        HazardKind::Sleep => "sleeps while the guard is held".into(),
        HazardKind::BlockingSelect => "blocks in `select!` while the guard is held".into(),
        HazardKind::Await if lock.is_async => "awaits while the guard is held, on every iteration".into(),
        HazardKind::Await => "awaits while the synchronous guard is held".into(),
        HazardKind::OwnerCall { method, relocks: true } => {
            format!("calls `{}.{method}(..)`, which locks {place} again: this deadlocks", owner_name(tree, lock))
        }
        HazardKind::OwnerCall { method, relocks: false } => {
            format!("calls `{}.{method}(..)` on the lock's owner, which may lock {place} again", owner_name(tree, lock))
        }
    }
}

/// The label on the hazard itself.
pub fn label(tree: &Tree, lock: &LockCall, h: &Hazard) -> String {
    match &h.kind {
        HazardKind::Relock { .. } if lock.kind.is_refcell() => "borrowed again while the first borrow is alive".into(),
        HazardKind::Relock { .. } => "locked again while the guard is alive".into(),
        HazardKind::Await => "awaits while the guard is alive".into(),
        HazardKind::OwnerCall { relocks: true, .. } => format!("locks {} again", place_name(tree, lock)),
        HazardKind::OwnerCall { .. } => format!("may lock {} again", place_name(tree, lock)),
        _ => "blocks while the guard is alive".into(),
    }
}

fn owner_name(tree: &Tree, lock: &LockCall) -> String {
    lock.place.as_ref().and_then(Place::owner).map_or_else(|| "owner".to_string(), |o| o.describe(tree))
}
