//! `#[traced_service]`: on `fn main`, once.

use super::{applied_twice, not_a_fn};
use crate::errors::Errors;
use crate::item::{FnItem, NotFn};

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

    use proc_macro2::TokenStream;

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
