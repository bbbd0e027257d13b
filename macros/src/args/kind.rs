//! `kind = …`: the OpenTelemetry span kind, written as a bare word.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Expr, Token};

/// The span kind; `internal` unless given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    #[default]
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl Kind {
    /// The `SpanKind` variant generated code names.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Self::Internal => "Internal",
            Self::Server => "Server",
            Self::Client => "Client",
            Self::Producer => "Producer",
            Self::Consumer => "Consumer",
        }
    }
}

const KIND_EXPECTED: &str = "`kind` must be one of `internal`, `server`, `client`, `producer` or \
                             `consumer`, written without quotes, such as `kind = server`";

/// `= internal|server|client|producer|consumer`.
pub(super) fn kind_value(input: ParseStream<'_>, key_span: Span) -> syn::Result<Kind> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(key_span, KIND_EXPECTED));
    }
    input.parse::<Token![=]>()?;
    let value: Expr = input.parse()?;
    let kind = match &value {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            path.path.get_ident().and_then(|ident| {
                Some(match ident.to_string().as_str() {
                    "internal" => Kind::Internal,
                    "server" => Kind::Server,
                    "client" => Kind::Client,
                    "producer" => Kind::Producer,
                    "consumer" => Kind::Consumer,
                    _ => return None,
                })
            })
        }
        _ => None,
    };
    kind.ok_or_else(|| syn::Error::new_spanned(value, KIND_EXPECTED))
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;
    use crate::args::{SpanArgs, SpanAttribute};
    use crate::errors::Errors;

    fn root(args: TokenStream) -> (SpanArgs, Vec<String>) {
        let mut errors = Errors::default();
        let parsed = SpanArgs::parse(SpanAttribute::Root, args, &mut errors);
        (parsed, errors.messages())
    }

    #[test]
    fn kinds_are_bare_words() {
        let (args, errors) = root(quote!(kind = producer));
        assert!(errors.is_empty());
        assert_eq!(args.kind, Kind::Producer);
        for bad in [
            quote!(kind = "server"),
            quote!(kind = Server),
            quote!(kind),
            quote!(kind = a::b),
        ] {
            assert_eq!(root(bad).1, [KIND_EXPECTED]);
        }
    }
}
