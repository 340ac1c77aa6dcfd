//! Attributes that decide what is test code, shared by module discovery and lowering.

use syn::punctuated::Punctuated;

/// `#[cfg(test)]` (also inside `all(..)`), outer or inner (`#![cfg(test)]`), or a
/// `#[test]`-like attribute (`#[test]`, `#[tokio::test]`, `#[async_std::test]`,
/// `#[bench]`).
pub fn is_test_item(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.is_ident("cfg") {
            return attr.parse_args::<syn::Meta>().is_ok_and(|m| cfg_requires_test(&m));
        }
        path.segments.last().is_some_and(|s| s.ident == "test" || s.ident == "bench")
    })
}

/// Whether a `cfg` predicate holds only when `test` is set: `test`, `all(test, ..)`.
fn cfg_requires_test(meta: &syn::Meta) -> bool {
    match meta {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
            .is_ok_and(|metas| metas.iter().any(cfg_requires_test)),
        _ => false,
    }
}
