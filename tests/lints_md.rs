//! LINTS.md is generated from the rule metadata; this fails when it is stale.
//! Regenerate with `UPDATE_LINTS=1 cargo test --test lints_md` or
//! `cargo run -- rules --markdown > LINTS.md`.

#[test]
fn lints_md_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("LINTS.md");
    let generated = leaklint::rules::lints_markdown();
    if std::env::var_os("UPDATE_LINTS").is_some() {
        std::fs::write(&path, &generated).expect("LINTS.md is writable");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "LINTS.md is stale: run `UPDATE_LINTS=1 cargo test --test lints_md` and commit the result"
    );
}

#[test]
fn every_rule_documents_the_fixed_sections() {
    for rule in leaklint::rules::all() {
        for heading in ["### What it finds", "### Why it leaks", "### Example", "### Fix"] {
            assert!(rule.meta.docs.contains(heading), "{} docs lack `{heading}`", rule.meta.id);
        }
    }
}
