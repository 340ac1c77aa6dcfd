//! leaklint: finds leak-prone concurrency patterns in Rust sources.
//!
//! The pipeline runs one way: [`discover`] → [`parse`] (with [`analysis`]) → [`rules`] →
//! [`report`]. The binaries `leaklint` and `cargo-leaklint` are thin shells over [`cli`].

// A per-file failure is reported as a full `Diagnostic`; it happens once per bad file, so
// its size in `Result::Err` does not matter.
#![allow(clippy::result_large_err)]

pub mod analysis;
pub mod attrs;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fingerprint;
pub mod fix;
pub mod lint;
pub mod parse;
pub mod prefilter;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod with_check;

/// Locks `m` even if a thread panicked while holding it: leaklint's shared sets only
/// grow (files reached, names looked up), so a panic cannot leave one half-updated.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
