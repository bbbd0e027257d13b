//! Semantic checks on the parsed item. Every mistake is collected (serde's `Ctxt`), so one
//! expansion reports all of them, each at its own token.

use proc_macro2::TokenStream;
use syn::Attribute;

use crate::item::{FnItem, NotFn};

/// Errors collected across passes, emitted together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// One `compile_error!` per message, each spanned at its token; nothing when empty.
    pub(crate) fn into_compile_error(self) -> TokenStream {
        self.0
            .map(syn::Error::into_compile_error)
            .unwrap_or_default()
    }

    #[cfg(test)]
    pub(crate) fn messages(self) -> Vec<String> {
        self.0
            .into_iter()
            .flat_map(|error| error.into_iter().map(|e| e.to_string()))
            .collect()
    }
}

/// The error for an item that is not a function with a body, at its keyword. `target` names
/// what the attribute goes on, such as "`fn main`".
pub(crate) fn not_a_fn(attribute: &str, target: &str, item: &NotFn) -> syn::Error {
    syn::Error::new(
        item.span,
        format!(
            "`#[{attribute}]` can only be applied to {target}, not to {}",
            item.what
        ),
    )
}

/// `attribute` written again on the item it already annotates (the outer one expands first and
/// sees the inner one), in any spelling that ends with its name: `#[traced::traced_service]` too.
pub(crate) fn applied_twice(attribute: &str, attrs: &[Attribute], errors: &mut Errors) {
    for attr in attrs {
        if attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == attribute)
        {
            errors.push(syn::Error::new_spanned(
                attr,
                format!("`#[{attribute}]` is applied twice: remove this one"),
            ));
        }
    }
}

/// `#[traced_service]`: a `fn main` without parameters, annotated once. Returns the function
/// when it can be expanded.
pub(crate) fn service(parsed: Result<FnItem, NotFn>, errors: &mut Errors) -> Option<FnItem> {
    const ATTRIBUTE: &str = "traced_service";
    let func = match parsed {
        Ok(func) => func,
        Err(item) => {
            errors.push(not_a_fn(ATTRIBUTE, "`fn main`", &item));
            return None;
        }
    };
    let sig = &func.sig;
    if sig.ident != "main" {
        errors.push(syn::Error::new(
            sig.ident.span(),
            format!(
                "`#[{ATTRIBUTE}]` can only be applied to `fn main`, not to `fn {}`: \
                 put it on the `main` of your binary",
                sig.ident
            ),
        ));
    }
    // Only on `main`: elsewhere the name is the mistake, and parameters are fine once it moves.
    if sig.ident == "main" && !sig.inputs.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.inputs,
            "`main` cannot take parameters: remove them and read arguments with `std::env::args()`",
        ));
    }
    applied_twice(ATTRIBUTE, &func.attrs, errors);
    Some(func)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::item;

    fn check(item: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        let _ = service(item::parse(item), &mut errors);
        errors.messages()
    }

    #[test]
    fn a_plain_main_passes() {
        assert!(
            check(quote!(
                fn main() {}
            ))
            .is_empty()
        );
        assert!(
            check(quote!(
                #[tokio::main]
                async fn main() -> Result<(), E> {
                    Ok(())
                }
            ))
            .is_empty()
        );
    }

    #[test]
    fn every_problem_of_one_fn_is_reported() {
        let errors = check(quote! {
            #[traced::traced_service]
            fn start(port: u16) {}
        });
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("not to `fn start`"));
        assert!(errors[1].contains("applied twice"));
        let errors = check(quote!(
            #[traced_service]
            fn main(port: u16) {}
        ));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("`main` cannot take parameters"));
    }

    #[test]
    fn other_items_are_named() {
        assert_eq!(
            check(quote!(
                struct Config;
            )),
            ["`#[traced_service]` can only be applied to `fn main`, not to a struct"]
        );
    }
}
