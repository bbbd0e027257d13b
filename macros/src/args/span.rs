//! Options of `#[root_span]` and `#[child_span]`. Checks that need only the options (a
//! duplicate, `skip` with `skip_all`, `parent` with `link`, `parent` on a child) are made here,
//! at the second key; checks against the function are `validate`'s.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token, parenthesized};

use super::fields::{self, Field};
use super::kind::{Kind, kind_value};
use super::{NAME_EXPECTED, Slot, crate_value, lit_str_value, parse_options, unknown_option};
use crate::errors::Errors;

mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(kind);
    syn::custom_keyword!(skip);
    syn::custom_keyword!(skip_all);
    syn::custom_keyword!(fields);
    syn::custom_keyword!(parent);
    syn::custom_keyword!(link);
}

/// Which of the two span attributes is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpanAttribute {
    Root,
    Child,
}

impl SpanAttribute {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Root => "root_span",
            Self::Child => "child_span",
        }
    }

    /// What the attribute accepts, for the unknown-option message.
    fn options(self) -> &'static str {
        match self {
            Self::Root => {
                "`name = \"…\"`, `kind = …`, `skip(…)`, `skip_all`, `fields(…)`, `parent = …`, \
                 `link = …` or `crate = \"…\"`"
            }
            Self::Child => {
                "`name = \"…\"`, `kind = …`, `skip(…)`, `skip_all`, `fields(…)` or `crate = \"…\"`"
            }
        }
    }
}

/// Where a root span's trace comes from, besides starting fresh.
pub(crate) enum Context {
    /// `parent = carrier`: continue the carrier's trace.
    Parent(Expr),
    /// `link = carrier`: a new trace, linked to the carrier's span.
    Link(Expr),
}

/// Options of `#[root_span]` / `#[child_span]`, as written (keys and values keep their spans).
#[derive(Default)]
pub(crate) struct SpanArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) kind: Kind,
    /// `skip(a, b)`: the arguments not to record.
    pub(crate) skip: Vec<Ident>,
    pub(crate) skip_all: bool,
    pub(crate) fields: Vec<Field>,
    pub(crate) context: Option<Context>,
    /// `crate = "…"`: the path generated code uses instead of `::traced`.
    pub(crate) krate: Option<Path>,
}

const SKIP_EXPECTED: &str = "`skip` lists the arguments not to record, such as `skip(db, client)`";
const SKIP_ALL_EXPECTED: &str = "`skip_all` takes no value: write `skip_all` to record no argument";
const FIELDS_EXPECTED: &str =
    "`fields` lists extra attributes, such as `fields(order.id = id, peer = %addr)`";
const SKIP_WITH_SKIP_ALL: &str = "`skip` and `skip_all` cannot be combined: `skip_all` already \
                                  skips every argument, remove `skip(…)`";
const PARENT_WITH_LINK: &str = "`parent` and `link` cannot be combined: `parent = …` continues \
                                the carrier's trace, `link = …` starts a new trace linked to it; \
                                keep one";

impl SpanArgs {
    /// Reads the options, recording every mistake in `errors` and keeping what was valid.
    pub(crate) fn parse(attribute: SpanAttribute, args: TokenStream, errors: &mut Errors) -> Self {
        let mut name = Slot::new("name");
        let mut kind = Slot::new("kind");
        let mut skip = Slot::new("skip");
        let mut skip_all = Slot::new("skip_all");
        let mut fields = Slot::new("fields");
        let mut parent = Slot::new("parent");
        let mut link = Slot::new("link");
        let mut krate = Slot::new("crate");
        parse_options(args, errors, |input, errors| {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                let key = input.parse::<kw::name>()?;
                let value = lit_str_value(input, key.span, NAME_EXPECTED)?;
                name.set(key.span, value)
            } else if lookahead.peek(kw::kind) {
                let key = input.parse::<kw::kind>()?;
                let value = kind_value(input, key.span)?;
                kind.set(key.span, value)
            } else if lookahead.peek(kw::skip) {
                let key = input.parse::<kw::skip>()?;
                let value = skip_value(input, key.span)?;
                conflict(skip_all.value.is_some(), key.span, SKIP_WITH_SKIP_ALL)?;
                skip.set(key.span, value)
            } else if lookahead.peek(kw::skip_all) {
                let key = input.parse::<kw::skip_all>()?;
                if input.peek(Token![=]) || input.peek(syn::token::Paren) {
                    return Err(syn::Error::new(key.span, SKIP_ALL_EXPECTED));
                }
                conflict(skip.value.is_some(), key.span, SKIP_WITH_SKIP_ALL)?;
                skip_all.set(key.span, ())
            } else if lookahead.peek(kw::fields) {
                let key = input.parse::<kw::fields>()?;
                let value = fields_value(input, key.span, errors)?;
                fields.set(key.span, value)
            } else if lookahead.peek(kw::parent) {
                let key = input.parse::<kw::parent>()?;
                root_only(attribute, "parent", key.span)?;
                let value = carrier_value(input, "parent", key.span)?;
                conflict(link.value.is_some(), key.span, PARENT_WITH_LINK)?;
                parent.set(key.span, value)
            } else if lookahead.peek(kw::link) {
                let key = input.parse::<kw::link>()?;
                root_only(attribute, "link", key.span)?;
                let value = carrier_value(input, "link", key.span)?;
                conflict(parent.value.is_some(), key.span, PARENT_WITH_LINK)?;
                link.set(key.span, value)
            } else if lookahead.peek(Token![crate]) {
                let key = input.parse::<Token![crate]>()?;
                let value = crate_value(input, key.span)?;
                krate.set(key.span, value)
            } else {
                Err(unknown_option(input, attribute.name(), attribute.options()))
            }
        });
        // Of two conflicting options, only the first one written was kept.
        let context = match (parent.value, link.value) {
            (Some(expr), _) => Some(Context::Parent(expr)),
            (None, Some(expr)) => Some(Context::Link(expr)),
            (None, None) => None,
        };
        Self {
            name: name.value,
            kind: kind.value.unwrap_or_default(),
            skip: skip.value.unwrap_or_default(),
            skip_all: skip_all.value.is_some(),
            fields: fields.value.unwrap_or_default(),
            context,
            krate: krate.value,
        }
    }
}

/// The error for the second of two options that exclude each other, at its key.
fn conflict(other_present: bool, key_span: Span, message: &str) -> syn::Result<()> {
    if other_present {
        return Err(syn::Error::new(key_span, message));
    }
    Ok(())
}

/// `parent` and `link` only make sense where a trace may start.
fn root_only(attribute: SpanAttribute, key: &str, key_span: Span) -> syn::Result<()> {
    if attribute == SpanAttribute::Root {
        return Ok(());
    }
    let what = if key == "parent" {
        "continue the trace carried by a message or request"
    } else {
        "start a new trace linked to the one carried by a message or request"
    };
    Err(syn::Error::new(
        key_span,
        format!(
            "`{key}` is only accepted by `#[root_span]`: a `#[child_span]` always continues the \
             current span; to {what}, use `#[root_span({key} = …)]`"
        ),
    ))
}

/// `(a, b)` after `skip`.
fn skip_value(input: ParseStream<'_>, key_span: Span) -> syn::Result<Vec<Ident>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(key_span, SKIP_EXPECTED));
    }
    let content;
    parenthesized!(content in input);
    let content: TokenStream = content.parse()?;
    let list = |input: ParseStream<'_>| {
        Punctuated::<Ident, Token![,]>::parse_terminated_with(input, Ident::parse_any)
    };
    let names = list
        .parse2(content)
        .map_err(|error| syn::Error::new(error.span(), SKIP_EXPECTED))?;
    Ok(names.into_iter().collect())
}

/// `(…)` after `fields`; mistakes inside are reported one by one in `errors`.
fn fields_value(
    input: ParseStream<'_>,
    key_span: Span,
    errors: &mut Errors,
) -> syn::Result<Vec<Field>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(key_span, FIELDS_EXPECTED));
    }
    let content;
    parenthesized!(content in input);
    Ok(fields::parse(content.parse()?, errors))
}

/// `= expr` after `parent` or `link`.
fn carrier_value(input: ParseStream<'_>, key: &str, key_span: Span) -> syn::Result<Expr> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key_span,
            format!(
                "`{key}` needs the carrier of the incoming trace context, such as \
                 `{key} = msg.headers`"
            ),
        ));
    }
    input.parse::<Token![=]>()?;
    input.parse()
}

#[cfg(test)]
mod tests {
    use quote::{ToTokens as _, quote};

    use super::*;

    fn parse(attribute: SpanAttribute, args: TokenStream) -> (SpanArgs, Vec<String>) {
        let mut errors = Errors::default();
        let parsed = SpanArgs::parse(attribute, args, &mut errors);
        (parsed, errors.messages())
    }

    fn root(args: TokenStream) -> (SpanArgs, Vec<String>) {
        parse(SpanAttribute::Root, args)
    }

    #[test]
    fn empty_list_gives_defaults() {
        let (args, errors) = root(quote!());
        assert!(errors.is_empty());
        assert!(args.name.is_none() && args.krate.is_none() && args.context.is_none());
        assert_eq!(args.kind, Kind::Internal);
        assert!(args.skip.is_empty() && !args.skip_all && args.fields.is_empty());
    }

    #[test]
    fn reads_every_option() {
        let (args, errors) = root(quote!(
            name = "load",
            kind = consumer,
            skip(db, r#type),
            fields(queue = "orders"),
            parent = msg.headers,
            crate = "my_traced",
        ));
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(args.name.map(|l| l.value()).as_deref(), Some("load"));
        assert_eq!(args.kind, Kind::Consumer);
        let skip: Vec<_> = args.skip.iter().map(|i| i.unraw().to_string()).collect();
        assert_eq!(skip, ["db", "type"]);
        assert_eq!(args.fields.len(), 1);
        let Some(Context::Parent(expr)) = args.context else {
            panic!("no parent");
        };
        assert_eq!(expr.to_token_stream().to_string(), "msg . headers");
        assert!(args.krate.is_some());
    }

    #[test]
    fn unknown_options_list_what_each_attribute_accepts() {
        let (_, errors) = root(quote!(level = "debug"));
        assert!(errors[0].starts_with("unknown option `level` for `#[root_span]`"));
        assert!(errors[0].contains("`link = …`"));
        let (_, errors) = parse(SpanAttribute::Child, quote!(err));
        assert!(errors[0].starts_with("unknown option `err` for `#[child_span]`"));
        assert!(!errors[0].contains("`link = …`"));
    }

    #[test]
    fn every_option_is_checked_for_duplicates() {
        for (args, key) in [
            (quote!(name = "a", name = "b"), "name"),
            (quote!(kind = server, kind = client), "kind"),
            (quote!(skip(a), skip(b)), "skip"),
            (quote!(skip_all, skip_all), "skip_all"),
            (quote!(fields(a = 1), fields(b = 2)), "fields"),
            (quote!(parent = a, parent = b), "parent"),
            (quote!(link = a, link = b), "link"),
            (quote!(crate = "a", crate = "b"), "crate"),
        ] {
            let (_, errors) = root(args);
            assert_eq!(
                errors,
                [format!("duplicate option `{key}`: give `{key}` only once")]
            );
        }
    }

    #[test]
    fn exclusive_options_are_reported_on_the_second() {
        let (args, errors) = root(quote!(skip_all, skip(a)));
        assert_eq!(errors, [SKIP_WITH_SKIP_ALL]);
        assert!(args.skip_all && args.skip.is_empty());
        let (args, errors) = root(quote!(link = a, parent = b));
        assert_eq!(errors, [PARENT_WITH_LINK]);
        assert!(matches!(args.context, Some(Context::Link(_))));
    }

    #[test]
    fn parent_and_link_belong_to_root_spans() {
        let (args, errors) = parse(SpanAttribute::Child, quote!(parent = h, link = h));
        assert_eq!(errors.len(), 2);
        assert!(errors[0].starts_with("`parent` is only accepted by `#[root_span]`"));
        assert!(errors[1].starts_with("`link` is only accepted by `#[root_span]`"));
        assert!(args.context.is_none());
    }

    #[test]
    fn malformed_values_say_what_is_expected() {
        assert_eq!(root(quote!(skip = a)).1, [SKIP_EXPECTED]);
        assert_eq!(root(quote!(skip(a.b))).1, [SKIP_EXPECTED]);
        assert_eq!(root(quote!(skip_all = true)).1, [SKIP_ALL_EXPECTED]);
        assert_eq!(root(quote!(fields = a)).1, [FIELDS_EXPECTED]);
        assert_eq!(root(quote!(name = NAME)).1, [NAME_EXPECTED]);
        assert!(root(quote!(parent)).1[0].starts_with("`parent` needs the carrier"));
    }
}
