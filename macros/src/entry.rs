//! The pipeline of each attribute: parse options and item, validate, expand; or, on any error,
//! the fallback.

use proc_macro2::TokenStream;

use crate::args::ServiceArgs;
use crate::validate::{self, Errors};
use crate::{expand, item};

/// `#[traced_service]`.
pub(crate) fn traced_service(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = ServiceArgs::parse(args, &mut errors);
    let Some(func) = validate::service(item::parse(item.clone()), &mut errors) else {
        return fallback(item, errors);
    };
    if errors.is_empty() {
        return expand::service(&args, &func);
    }
    // rustc checks the signature of `main` itself (E0580): emitted as written, a `main` with
    // parameters would get a second error for the mistake already reported.
    if func.sig.ident == "main" && !func.sig.inputs.is_empty() {
        return fallback(expand::main_without_parameters(&func), errors);
    }
    fallback(item, errors)
}

/// The item (as written, or as close to it as rustc accepts), followed by the errors. Emitting the item keeps one mistake
/// from turning into "cannot find function" errors at every use, and keeps IDEs working.
fn fallback(mut item: TokenStream, errors: Errors) -> TokenStream {
    item.extend(errors.into_compile_error());
    item
}
