//! `fields(…)`: extra attributes, each `key = value` or an argument named alone.
//!
//! ```text
//! field  := [% | ?] ident                        the argument (or variable) of that name
//!         | key = [% | ?] expr
//! key    := "string literal" | ident (. ident)*  keywords allowed: `error.type`
//! ```
//!
//! `%` records through `Display`, `?` through `Debug`, neither through `traced::SpanValue`.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitStr, Token};

use super::parse_options;
use crate::errors::Errors;

/// How a field's value is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// As a typed value: the expression's type must implement `SpanValue`.
    Value,
    /// `%expr`: through `Display`.
    Display,
    /// `?expr`: through `Debug`.
    Debug,
}

/// One `fields` entry.
pub(crate) struct Field {
    /// The attribute key, dotted parts joined.
    pub(crate) key: String,
    pub(crate) key_span: Span,
    pub(crate) format: Format,
    pub(crate) value: Expr,
}

impl Field {
    /// The key as a string literal at the key's place in the attribute.
    pub(crate) fn key_lit(&self) -> LitStr {
        LitStr::new(&self.key, self.key_span)
    }
}

const FIELD_EXPECTED: &str = "expected a field such as `order.id = id`, `\"peer.address\" = %addr` \
                              or an argument name";

/// Reads the inside of `fields(…)`. Every malformed entry is reported and skipped; a key given
/// twice is reported at its second occurrence.
pub(crate) fn parse(content: TokenStream, errors: &mut Errors) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    parse_options(content, errors, |input, _| {
        let field = field(input)?;
        if field.key.is_empty() {
            return Err(syn::Error::new(
                field.key_span,
                "a field key cannot be empty: name the attribute, such as `\"order.id\" = id`",
            ));
        }
        if fields.iter().any(|seen| seen.key == field.key) {
            return Err(syn::Error::new(
                field.key_span,
                format!(
                    "duplicate field `{}`: give each key once in `fields(…)`",
                    field.key
                ),
            ));
        }
        fields.push(field);
        Ok(())
    });
    fields
}

fn field(input: ParseStream<'_>) -> syn::Result<Field> {
    // `%arg` / `?arg`: an argument named alone, with a format.
    if input.peek(Token![%]) || input.peek(Token![?]) {
        let format = format(input)?;
        let ident = input.call(Ident::parse_any)?;
        return Ok(shorthand(ident, format));
    }
    let (key, key_span) = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        (lit.value(), lit.span())
    } else if input.peek(Ident::peek_any) {
        let first = input.call(Ident::parse_any)?;
        if !input.peek(Token![.]) && !input.peek(Token![=]) {
            return Ok(shorthand(first, Format::Value));
        }
        let mut key = first.unraw().to_string();
        while input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            key.push('.');
            key.push_str(&input.call(Ident::parse_any)?.unraw().to_string());
        }
        (key, first.span())
    } else {
        return Err(input.error(FIELD_EXPECTED));
    };
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            key_span,
            format!("expected `=` and a value after the field key `{key}`, such as `{key} = id`"),
        ));
    }
    input.parse::<Token![=]>()?;
    let format = format(input)?;
    let value = input.parse()?;
    Ok(Field {
        key,
        key_span,
        format,
        value,
    })
}

/// An optional `%` or `?` before a value.
fn format(input: ParseStream<'_>) -> syn::Result<Format> {
    if input.peek(Token![%]) {
        input.parse::<Token![%]>()?;
        Ok(Format::Display)
    } else if input.peek(Token![?]) {
        input.parse::<Token![?]>()?;
        Ok(Format::Debug)
    } else {
        Ok(Format::Value)
    }
}

/// `arg`: the attribute `arg` with the value of the variable `arg` (the ident keeps its span).
fn shorthand(ident: Ident, format: Format) -> Field {
    Field {
        key: ident.unraw().to_string(),
        key_span: ident.span(),
        format,
        value: Expr::Path(syn::ExprPath {
            attrs: Vec::new(),
            qself: None,
            path: ident.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use quote::{ToTokens as _, quote};

    use super::*;

    fn parse_ok(content: TokenStream) -> Vec<(String, Format, String)> {
        let mut errors = Errors::default();
        let fields = parse(content, &mut errors);
        assert_eq!(errors.messages(), Vec::<String>::new());
        fields
            .into_iter()
            .map(|f| (f.key, f.format, f.value.to_token_stream().to_string()))
            .collect()
    }

    fn errors(content: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        let _ = parse(content, &mut errors);
        errors.messages()
    }

    #[test]
    fn every_form() {
        let fields = parse_ok(quote!(
            queue = "orders",
            "messaging.system" = "kafka",
            http.request.method = %method,
            error.r#type = ?kind,
            user_id,
            %peer,
            ?r#ref,
        ));
        let expected = [
            ("queue", Format::Value, "\"orders\""),
            ("messaging.system", Format::Value, "\"kafka\""),
            ("http.request.method", Format::Display, "method"),
            ("error.type", Format::Debug, "kind"),
            ("user_id", Format::Value, "user_id"),
            ("peer", Format::Display, "peer"),
            ("ref", Format::Debug, "r#ref"),
        ];
        assert_eq!(fields.len(), expected.len());
        for (got, want) in fields.iter().zip(expected) {
            assert_eq!((got.0.as_str(), got.1, got.2.as_str()), want);
        }
    }

    #[test]
    fn values_are_any_expression() {
        let fields = parse_ok(quote!(n = items.len() + 1, s = if a { 1 } else { 2 }));
        assert_eq!(fields[0].2, "items . len () + 1");
    }

    #[test]
    fn mistakes_are_reported_one_by_one() {
        let errors = errors(quote!(a = 1, a = 2, "" = 3, a.b, 4, c = 5));
        assert_eq!(
            errors,
            [
                "duplicate field `a`: give each key once in `fields(…)`",
                "a field key cannot be empty: name the attribute, such as `\"order.id\" = id`",
                "expected `=` and a value after the field key `a.b`, such as `a.b = id`",
                FIELD_EXPECTED,
            ]
        );
    }
}
