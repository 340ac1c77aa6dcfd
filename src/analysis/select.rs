//! `select!` macros parsed with their real grammar.
//!
//! - tokio: `[biased;] pat = future [, if guard] => handler, ... [else => handler]`
//! - futures: `pat = future => handler, ... [default => ..] [complete => ..]`
//! - crossbeam: `recv(rx) [-> pat] => handler`, `send(tx, v) [-> pat] => handler`,
//!   `default [(timeout)] => handler`

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Pat, Token};

use super::tree::{ArmKind, SelectFlavor};

/// One arm, still as `syn` nodes.
pub struct RawArm {
    pub kind: ArmKind,
    pub pat: Option<Pat>,
    pub operands: Vec<Expr>,
    pub guard: Option<Expr>,
    pub handler: Expr,
    /// The token that starts the arm, for its span.
    pub start: proc_macro2::Span,
}

/// The flavor of a macro by canonical path; `select`/`select_biased` written without a
/// resolvable path is guessed from the arms.
pub fn flavor_of(path: &str) -> Option<SelectFlavor> {
    match path {
        "tokio::select" | "tokio::select_biased" => Some(SelectFlavor::Tokio),
        "futures::select" | "futures::select_biased" | "futures::future::select" => Some(SelectFlavor::Futures),
        "crossbeam_channel::select" | "crossbeam_channel::select_biased" => Some(SelectFlavor::Crossbeam),
        _ => None,
    }
}

/// Whether an unresolved macro name looks like a select.
pub fn is_select_name(path: &str) -> bool {
    matches!(path.rsplit("::").next(), Some("select" | "select_biased"))
}

pub fn parse(flavor: Option<SelectFlavor>, tokens: TokenStream) -> Option<(SelectFlavor, Vec<RawArm>)> {
    let try_flavor = |f: SelectFlavor| {
        let parser = |input: ParseStream| parse_arms(f, input);
        parser.parse2(tokens.clone()).ok().map(|arms| (f, arms))
    };
    match flavor {
        Some(f) => try_flavor(f),
        None => try_flavor(SelectFlavor::Crossbeam).or_else(|| try_flavor(SelectFlavor::Tokio)),
    }
}

fn parse_arms(flavor: SelectFlavor, input: ParseStream) -> syn::Result<Vec<RawArm>> {
    if flavor == SelectFlavor::Tokio && input.peek(syn::Ident) && input.peek2(Token![;]) {
        let ident: syn::Ident = input.parse()?;
        if ident != "biased" {
            return Err(syn::Error::new(ident.span(), "expected `biased`"));
        }
        input.parse::<Token![;]>()?;
    }
    let mut arms = Vec::new();
    while !input.is_empty() {
        let arm = match flavor {
            SelectFlavor::Crossbeam => parse_crossbeam_arm(input)?,
            SelectFlavor::Tokio | SelectFlavor::Futures => parse_future_arm(input)?,
        };
        arms.push(arm);
    }
    if arms.is_empty() {
        return Err(input.error("empty select"));
    }
    Ok(arms)
}

/// `pat = future [, if guard] => handler`, or `else`/`default`/`complete => handler`.
fn parse_future_arm(input: ParseStream) -> syn::Result<RawArm> {
    let start = input.span();
    let special = if input.peek(Token![else]) {
        input.parse::<Token![else]>()?;
        Some(ArmKind::Else)
    } else if input.peek(syn::Ident) && input.peek2(Token![=>]) {
        let ident: syn::Ident = input.parse()?;
        match ident.to_string().as_str() {
            "default" => Some(ArmKind::Default),
            "complete" => Some(ArmKind::Else),
            _ => return Err(syn::Error::new(ident.span(), "expected `pat = future`")),
        }
    } else {
        None
    };
    let (kind, pat, operands, guard) = match special {
        Some(kind) => (kind, None, Vec::new(), None),
        None => {
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let future: Expr = input.parse()?;
            let guard = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            (ArmKind::Future, Some(pat), vec![future], guard)
        }
    };
    input.parse::<Token![=>]>()?;
    let handler = parse_handler(input)?;
    Ok(RawArm { kind, pat, operands, guard, handler, start })
}

/// `recv(rx) [-> pat] => handler`, `send(tx, v) [-> pat] => handler`,
/// `default [(timeout)] => handler`.
fn parse_crossbeam_arm(input: ParseStream) -> syn::Result<RawArm> {
    let start = input.span();
    let ident: syn::Ident = input.parse()?;
    let kind = match ident.to_string().as_str() {
        "recv" => ArmKind::Recv,
        "send" => ArmKind::Send,
        "default" => ArmKind::Default,
        _ => return Err(syn::Error::new(ident.span(), "expected `recv`, `send` or `default`")),
    };
    let mut operands = Vec::new();
    if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        operands = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?.into_iter().collect();
    } else if kind != ArmKind::Default {
        return Err(input.error("expected `(`"));
    }
    let pat = if input.peek(Token![->]) {
        input.parse::<Token![->]>()?;
        Some(Pat::parse_single(input)?)
    } else {
        None
    };
    input.parse::<Token![=>]>()?;
    let handler = parse_handler(input)?;
    Ok(RawArm { kind, pat, operands, guard: None, handler, start })
}

/// A handler expression; the comma after it is optional after a block.
fn parse_handler(input: ParseStream) -> syn::Result<Expr> {
    let handler: Expr = input.parse()?;
    let is_block = matches!(handler, Expr::Block(_));
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !is_block && !input.is_empty() {
        return Err(input.error("expected `,` after a select arm"));
    }
    Ok(handler)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arms(flavor: Option<SelectFlavor>, src: &str) -> Option<(SelectFlavor, Vec<RawArm>)> {
        parse(flavor, src.parse().expect("tokens"))
    }

    #[test]
    fn tokio_arms_with_biased_guard_and_else() {
        let src =
            "biased; _ = token.cancelled() => break, Some(v) = rx.recv(), if open => { handle(v) } else => return,";
        let (flavor, arms) = arms(Some(SelectFlavor::Tokio), src).expect("parses");
        assert_eq!(flavor, SelectFlavor::Tokio);
        assert_eq!(arms.len(), 3);
        assert_eq!(arms[0].kind, ArmKind::Future);
        assert!(arms[1].guard.is_some());
        assert_eq!(arms[2].kind, ArmKind::Else);
    }

    #[test]
    fn futures_default_and_complete() {
        let src = "x = a.next() => {}, default => {}, complete => break,";
        let (_, arms) = arms(Some(SelectFlavor::Futures), src).expect("parses");
        let kinds: Vec<_> = arms.iter().map(|a| a.kind.clone()).collect();
        assert_eq!(kinds, [ArmKind::Future, ArmKind::Default, ArmKind::Else]);
    }

    #[test]
    fn crossbeam_arms_and_guessing() {
        let src = "recv(rx) -> msg => println!(\"{:?}\", msg), send(tx, 1) -> res => {}, default(Duration::from_secs(1)) => break,";
        let (flavor, arms) = arms(None, src).expect("parses");
        assert_eq!(flavor, SelectFlavor::Crossbeam);
        assert_eq!(arms[1].operands.len(), 2);
        assert_eq!(arms[2].kind, ArmKind::Default);
        assert_eq!(arms[2].operands.len(), 1);
    }

    #[test]
    fn malformed_select_is_rejected() {
        assert!(arms(Some(SelectFlavor::Tokio), "_ = a() b => {}").is_none());
        assert!(arms(Some(SelectFlavor::Tokio), "").is_none());
    }
}
