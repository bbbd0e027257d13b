//! The pipeline of each attribute: parse options and item, validate, expand; or, on any error,
//! the fallback.

use proc_macro2::TokenStream;
use quote::quote;

use crate::args::{ServiceArgs, SpanArgs, SpanAttribute};
use crate::errors::Errors;
use crate::item::NotFn;
use crate::{expand, item, validate};

/// `#[traced_service]`.
pub(crate) fn traced_service(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = ServiceArgs::parse(args, &mut errors);
    let parsed = item::parse(item.clone());
    let expression = is_expression(&parsed);
    let Some(func) = validate::service(parsed, &mut errors) else {
        return fallback(item, errors, expression);
    };
    if errors.is_empty() {
        return expand::service(&args, &func);
    }
    // rustc checks the signature of `main` itself (E0580): emitted as written, a `main` with
    // parameters would get a second error for the mistake already reported.
    if func.sig.ident == "main" && !func.sig.inputs.is_empty() {
        return fallback(expand::main_without_parameters(&func), errors, false);
    }
    fallback(item, errors, false)
}

/// `#[root_span]` and `#[child_span]`.
pub(crate) fn span(attribute: SpanAttribute, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = SpanArgs::parse(attribute, args, &mut errors);
    let parsed = item::parse(item.clone());
    let expression = is_expression(&parsed);
    match validate::span(attribute, parsed, &args, &mut errors) {
        Some(func) if errors.is_empty() => expand::span(attribute, &args, &func),
        _ => fallback(item, errors, expression),
    }
}

fn is_expression(parsed: &Result<item::FnItem, NotFn>) -> bool {
    parsed.as_ref().err().is_some_and(|item| item.expression)
}

/// The item (as written, or as close to it as rustc accepts), followed by the errors. Emitting
/// the item keeps one mistake from turning into "cannot find function" errors at every use, and
/// keeps IDEs working. An expression (rustc lets attributes on closures and calls through, after
/// its own error) must stay one expression: `{ errors; expression }`.
fn fallback(mut item: TokenStream, errors: Errors, expression: bool) -> TokenStream {
    let errors = errors.into_compile_error();
    if expression {
        return quote!({ #errors #item });
    }
    item.extend(errors);
    item
}
