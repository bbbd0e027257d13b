//! Options of `#[traced_service]`.

use proc_macro2::TokenStream;
use syn::{LitStr, Path, Token};

use super::{NAME_EXPECTED, Slot, crate_value, lit_str_value, parse_options, unknown_option};
use crate::errors::Errors;

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
        parse_options(args, errors, |input, _| {
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

const VERSION_EXPECTED: &str = "`version` must be a string literal, such as `version = \"1.4.2\"`";

#[cfg(test)]
mod tests {
    use quote::{ToTokens as _, quote};

    use super::*;
    use crate::args::CRATE_EXPECTED;

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
