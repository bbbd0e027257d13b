//! Attribute options: `key = value` lists, read key by key with `syn::custom_keyword!` and
//! lookahead so that each mistake points at its own token.
//!
//! The list driver ([`parse_options`]), the duplicate check ([`Slot`]) and the value readers are
//! shared by every attribute; each attribute only says which keys it knows.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path, Token};

use crate::validate::Errors;

mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(version);
}

/// What `#[traced_service]` accepts, for the unknown-option message.
const SERVICE_OPTIONS: &str = "`name = \"…\"`, `version = \"…\"` or `crate = \"…\"`";

/// Options of `#[traced_service]`, as written (literals keep their spans).
#[derive(Default)]
pub(crate) struct ServiceArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) version: Option<LitStr>,
    /// `crate = "…"`: the path generated code uses instead of `::traced`.
    pub(crate) krate: Option<Path>,
}

impl ServiceArgs {
    /// Reads the options, recording every mistake in `errors` and keeping what was valid.
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Self {
        let mut name = Slot::new("name");
        let mut version = Slot::new("version");
        let mut krate = Slot::new("crate");
        parse_options(args, errors, |input| {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                let key = input.parse::<kw::name>()?;
                let value = lit_str_value(input, key.span, NAME_EXPECTED)?;
                name.set(key.span, value)
            } else if lookahead.peek(kw::version) {
                let key = input.parse::<kw::version>()?;
                let value = lit_str_value(input, key.span, VERSION_EXPECTED)?;
                version.set(key.span, value)
            } else if lookahead.peek(Token![crate]) {
                let key = input.parse::<Token![crate]>()?;
                let value = crate_value(input, key.span)?;
                krate.set(key.span, value)
            } else {
                Err(unknown_option(input, "traced_service", SERVICE_OPTIONS))
            }
        });
        Self {
            name: name.value,
            version: version.value,
            krate: krate.value,
        }
    }
}

const NAME_EXPECTED: &str = "`name` must be a string literal, such as `name = \"checkout\"`";
const VERSION_EXPECTED: &str = "`version` must be a string literal, such as `version = \"1.4.2\"`";
const CRATE_EXPECTED: &str = "`crate` must be the path of the `traced` crate in a string literal, \
                              such as `crate = \"my_traced\"` for a renamed dependency";

/// Reads a comma-separated option list, handing each option to `one`.
///
/// An option that fails is recorded and skipped up to the next comma, so every mistake in the
/// list is reported at once; only a missing comma stops the list.
pub(crate) fn parse_options(
    args: TokenStream,
    errors: &mut Errors,
    mut one: impl FnMut(ParseStream<'_>) -> syn::Result<()>,
) {
    let list = |input: ParseStream<'_>| -> syn::Result<()> {
        while !input.is_empty() {
            if let Err(error) = one(input) {
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
fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
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
fn crate_value(input: ParseStream<'_>, key_span: Span) -> syn::Result<Path> {
    let lit = lit_str_value(input, key_span, CRATE_EXPECTED)?;
    lit.parse_with(Path::parse_mod_style)
        .map_err(|_| syn::Error::new(lit.span(), CRATE_EXPECTED))
}

#[cfg(test)]
mod tests {
    use quote::{ToTokens as _, quote};

    use super::*;

    fn parse(args: TokenStream) -> (ServiceArgs, Vec<String>) {
        let mut errors = Errors::default();
        let parsed = ServiceArgs::parse(args, &mut errors);
        (parsed, errors.messages())
    }

    #[test]
    fn empty_list_gives_defaults() {
        let (args, errors) = parse(quote!());
        assert!(errors.is_empty());
        assert!(args.name.is_none() && args.version.is_none() && args.krate.is_none());
    }

    #[test]
    fn reads_every_option_with_a_trailing_comma() {
        let (args, errors) = parse(quote!(
            name = "checkout",
            version = "1.2.3",
            crate = "::my_traced",
        ));
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(args.name.map(|l| l.value()).as_deref(), Some("checkout"));
        assert_eq!(args.version.map(|l| l.value()).as_deref(), Some("1.2.3"));
        let krate = args.krate.map(|p| p.to_token_stream().to_string());
        assert_eq!(krate.as_deref(), Some(":: my_traced"));
    }

    #[test]
    fn unknown_option_lists_the_valid_ones_and_parsing_goes_on() {
        let (args, errors) = parse(quote!(nmae = "x", version = "2"));
        assert_eq!(
            errors,
            [
                "unknown option `nmae` for `#[traced_service]`: expected `name = \"…\"`, \
                 `version = \"…\"` or `crate = \"…\"`"
            ]
        );
        assert_eq!(args.version.map(|l| l.value()).as_deref(), Some("2"));
    }

    #[test]
    fn duplicates_are_reported_once_and_the_first_value_is_kept() {
        let (args, errors) = parse(quote!(name = "a", name = "b"));
        assert_eq!(errors, ["duplicate option `name`: give `name` only once"]);
        assert_eq!(args.name.map(|l| l.value()).as_deref(), Some("a"));
    }

    #[test]
    fn values_must_be_string_literals() {
        let (_, errors) = parse(quote!(name = NAME, version = 3, crate = traced, name));
        assert_eq!(
            errors,
            [
                NAME_EXPECTED,
                VERSION_EXPECTED,
                CRATE_EXPECTED,
                NAME_EXPECTED
            ]
        );
    }

    #[test]
    fn crate_must_hold_a_path() {
        let (args, errors) = parse(quote!(crate = "not a path"));
        assert_eq!(errors, [CRATE_EXPECTED]);
        assert!(args.krate.is_none());
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let (_, errors) = parse(quote!(a = 1, name = x, b(c, d), version = "1"));
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn a_missing_comma_stops_the_list() {
        let (_, errors) = parse(quote!(name = "a" version = "b"));
        assert_eq!(errors, ["expected `,`"]);
    }
}
