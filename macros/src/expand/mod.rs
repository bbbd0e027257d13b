//! Code generation. Generated code names the runtime only through `paths`, the standard library
//! only as `::core::…`, and its own temporaries as `__traced_*` idents with mixed-site hygiene,
//! so the user's body can neither see nor shadow them. Lints are allowed only on the generated
//! statements that need it, each with its reason.
//!
//! `service` expands `#[traced_service]`; `span` builds the span of `#[root_span]` /
//! `#[child_span]`, `shape` tells what kind of function it is on and `body` wraps each
//! shape around the span, with the `parts` (span start, outcome recording) `span` hands it.

mod body;
mod parts;
mod service;
mod shape;
mod span;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens as _, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::visit::Visit;
use syn::{ReturnType, Signature, Type};

pub(crate) use service::{main_without_parameters, service};
pub(crate) use span::span;

/// A generated local, invisible to the user's code.
fn temp(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The declared return type, for annotating the moved body so that type errors point at the
/// user's signature. No return type gives `()` located at the fn name. `None` when the type
/// holds an `impl Trait` (`impl Display`, `Option<impl Display>`), which neither a closure nor
/// a `let` may name.
fn declared_return(sig: &Signature) -> Option<TokenStream> {
    match &sig.output {
        ReturnType::Type(_, ty) if contains_impl_trait(ty) => None,
        ReturnType::Type(_, ty) => Some(ty.to_token_stream()),
        ReturnType::Default => {
            Some(quote_spanned!(Span::mixed_site().located_at(sig.ident.span())=> ()))
        }
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

// Input:
//     fn f() -> R
//
// Output (first statement of an async block that runs the body):
//     if false { let __traced_fake_return: R = loop {}; return __traced_fake_return; }
//
// The never-taken return edge fixes the block's output to `R` before the body is checked, so
// `?` knows its target type and mismatches point at the user's signature (tracing-attributes
// and tokio do the same). The `return` is located at `R`, so that rustc's "return type
// inferred to be `R` here" points at the signature. Nothing when `R` holds an `impl Trait`.
fn fake_return(sig: &Signature) -> Option<TokenStream> {
    let at = match &sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => sig.ident.span(),
    };
    declared_return(sig).map(|ty| {
        let fake = Ident::new("__traced_fake_return", Span::mixed_site().located_at(at));
        let ret = quote_spanned!(at=> return #fake;);
        quote! {
            #[allow(
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::needless_return,
                reason = "a return edge that is never taken, to give the block the fn's return type"
            )]
            if false {
                let #fake: #ty = loop {};
                #ret
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(tokens: TokenStream) -> Signature {
        let Ok(sig) = syn::parse2(tokens) else {
            panic!("not a signature");
        };
        sig
    }

    #[test]
    fn impl_trait_anywhere_in_the_return_type_is_not_named() {
        assert!(declared_return(&sig(quote!(fn f() -> impl Display))).is_none());
        assert!(declared_return(&sig(quote!(fn f() -> Option<impl Display>))).is_none());
        let named = declared_return(&sig(quote!(fn f() -> Result<&str, E>)));
        assert_eq!(
            named.map(|t| t.to_string()).as_deref(),
            Some("Result < & str , E >")
        );
        let unit = declared_return(&sig(quote!(fn f())));
        assert_eq!(unit.map(|t| t.to_string()).as_deref(), Some("()"));
    }
}
