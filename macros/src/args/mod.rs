//! Attribute options: `key = value` lists, read key by key with `syn::custom_keyword!` and
//! lookahead so that each mistake points at its own token.
//!
//! The list driver ([`parse_options`]), the duplicate check ([`Slot`]) and the value readers are
//! shared by every attribute; each attribute only says which keys it knows: `service` for
//! `#[traced_service]`, `span` (with `fields`) for `#[root_span]` and `#[child_span]`.

mod fields;
mod kind;
mod service;
mod span;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path, Token};

use crate::errors::Errors;

pub(crate) use fields::Format;
pub(crate) use service::ServiceArgs;
pub(crate) use span::{Context, SpanArgs, SpanAttribute};

pub(crate) const NAME_EXPECTED: &str =
    "`name` must be a string literal, such as `name = \"checkout\"`";
const CRATE_EXPECTED: &str = "`crate` must be the path of the `traced` crate in a string literal, \
                              such as `crate = \"my_traced\"` for a renamed dependency";

/// Reads a comma-separated option list, handing each option to `one` (with `errors`, for
/// options that hold a list of their own).
///
/// An option that fails is recorded and skipped up to the next comma, so every mistake in the
/// list is reported at once; only a missing comma stops the list.
pub(crate) fn parse_options(
    args: TokenStream,
    errors: &mut Errors,
    mut one: impl FnMut(ParseStream<'_>, &mut Errors) -> syn::Result<()>,
) {
    let list = |input: ParseStream<'_>| -> syn::Result<()> {
        while !input.is_empty() {
            if let Err(error) = one(input, errors) {
                errors.push(error);
                skip_to_comma(input)?;
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    if let Err(error) = list.parse2(args) {
        errors.push(error);
    }
}

/// Consumes tokens up to (not including) the next top-level comma.
pub(crate) fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if let TokenTree::Punct(punct) = &tree
                && punct.as_char() == ','
            {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

/// The error for a key no branch knew, at that key. Consumes the key only; the caller skips the
/// rest of the option.
pub(crate) fn unknown_option(input: ParseStream<'_>, attribute: &str, valid: &str) -> syn::Error {
    let (span, key) = match input.call(Ident::parse_any) {
        Ok(ident) => (ident.span(), ident.to_string()),
        Err(_) => match input.parse::<TokenTree>() {
            Ok(tree) => (tree.span(), tree.to_string()),
            Err(error) => return error,
        },
    };
    syn::Error::new(
        span,
        format!("unknown option `{key}` for `#[{attribute}]`: expected {valid}"),
    )
}

/// One option's value; a second occurrence is reported on its own key.
pub(crate) struct Slot<T> {
    key: &'static str,
    pub(crate) value: Option<T>,
}

impl<T> Slot<T> {
    pub(crate) fn new(key: &'static str) -> Self {
        Self { key, value: None }
    }

    pub(crate) fn set(&mut self, key_span: Span, value: T) -> syn::Result<()> {
        if self.value.is_some() {
            let key = self.key;
            return Err(syn::Error::new(
                key_span,
                format!("duplicate option `{key}`: give `{key}` only once"),
            ));
        }
        self.value = Some(value);
        Ok(())
    }
}

/// `= "literal"` after a key. A missing `=`, another literal or any expression (a const, a
/// macro call) all get `expected`, which shows the accepted form.
pub(crate) fn lit_str_value(
    input: ParseStream<'_>,
    key_span: Span,
    expected: &str,
) -> syn::Result<LitStr> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(key_span, expected));
    }
    input.parse::<Token![=]>()?;
    match input.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(other, expected)),
    }
}

/// `crate = "path"`: the literal's contents parsed as a path, spanned at the literal.
pub(crate) fn crate_value(input: ParseStream<'_>, key_span: Span) -> syn::Result<Path> {
    let lit = lit_str_value(input, key_span, CRATE_EXPECTED)?;
    lit.parse_with(Path::parse_mod_style)
        .map_err(|_| syn::Error::new(lit.span(), CRATE_EXPECTED))
}
