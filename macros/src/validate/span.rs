//! `#[root_span]` / `#[child_span]`: on a fn or method with a body, not `const`, with one span
//! attribute, skipping only arguments it has.

use super::{applied_twice, not_a_fn};
use crate::args::{SpanArgs, SpanAttribute};
use crate::errors::Errors;
use crate::item::{FnItem, NotFn};
use crate::params;

/// Checks the item against the attribute and its options. Returns the function when it can be
/// expanded (`errors` may still hold mistakes in the options).
pub(crate) fn span(
    attribute: SpanAttribute,
    parsed: Result<FnItem, NotFn>,
    args: &SpanArgs,
    errors: &mut Errors,
) -> Option<FnItem> {
    let name = attribute.name();
    let func = match parsed {
        Ok(func) => func,
        Err(item) => {
            errors.push(not_a_fn_with_hint(attribute, &item));
            return None;
        }
    };
    if let Some(constness) = &func.sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            format!(
                "`#[{name}]` cannot be applied to a `const fn`: a span starts and ends at run \
                 time; remove `const` or the attribute"
            ),
        ));
        return None;
    }
    applied_twice(name, &func.attrs, errors);
    let other = match attribute {
        SpanAttribute::Root => SpanAttribute::Child,
        SpanAttribute::Child => SpanAttribute::Root,
    };
    for attr in &func.attrs {
        if attr
            .path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == other.name())
        {
            errors.push(syn::Error::new_spanned(
                attr,
                format!(
                    "`#[{name}]` and `#[{}]` on one fn: a fn gets one span, remove one of them",
                    other.name()
                ),
            ));
        }
    }
    skipped_arguments_exist(args, &func, errors);
    Some(func)
}

/// The not-a-fn error, with a way out for closures and blocks (the manual API) and for trait
/// methods without a body.
fn not_a_fn_with_hint(attribute: SpanAttribute, item: &NotFn) -> syn::Error {
    let error = not_a_fn(attribute.name(), "a fn or method", item);
    let hint = if item.expression || item.what == "a `let` statement" {
        let builder = match attribute {
            SpanAttribute::Root => "root",
            SpanAttribute::Child => "child",
        };
        format!(
            "; inside a function, start a span by hand: \
             `let _guard = traced::Span::{builder}(\"name\").enter();`, or \
             `traced::Span::{builder}(\"name\").in_span(future)` for a future"
        )
    } else if item.what == "a fn without a body" {
        "; put it on the method where it has a body: in each `impl`, or on a default method"
            .to_owned()
    } else {
        return error;
    };
    syn::Error::new(item.span, format!("{error}{hint}"))
}

/// Each name in `skip(…)` must be an argument (or `self`, for a method): a misspelt name would
/// otherwise silently record what the user meant to hide.
fn skipped_arguments_exist(args: &SpanArgs, func: &FnItem, errors: &mut Errors) {
    let bindings = params::bindings(&func.sig);
    let known: Vec<String> = bindings.iter().map(|ident| params::key(ident)).collect();
    for ident in &args.skip {
        let name = params::key(ident);
        if known.contains(&name) || (name == "self" && params::has_receiver(&func.sig)) {
            continue;
        }
        let takes = if known.is_empty() {
            "it takes none".to_owned()
        } else {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("its arguments are {}", list.join(", "))
        };
        errors.push(syn::Error::new(
            ident.span(),
            format!(
                "cannot skip `{name}`: `fn {}` has no argument `{name}`; {takes}",
                func.sig.ident
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;
    use crate::item;

    fn check(attribute: SpanAttribute, args: TokenStream, item: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        let args = SpanArgs::parse(attribute, args, &mut errors);
        let _ = span(attribute, item::parse(item), &args, &mut errors);
        errors.messages()
    }

    fn root(args: TokenStream, item: TokenStream) -> Vec<String> {
        check(SpanAttribute::Root, args, item)
    }

    #[test]
    fn every_fn_shape_passes() {
        for item in [
            quote!(
                fn f() {}
            ),
            quote!(
                pub async fn f(&self, a: u8) -> Result<(), E> {
                    Ok(())
                }
            ),
            quote!(
                unsafe fn f<T>(self, t: T)
                where
                    T: Copy,
                {
                }
            ),
            quote!(
                fn f(x: impl Display) -> impl Display {
                    x
                }
            ),
        ] {
            assert_eq!(root(quote!(), item), Vec::<String>::new());
        }
    }

    #[test]
    fn const_fns_and_other_items_are_refused() {
        assert_eq!(
            root(
                quote!(),
                quote!(
                    const fn f() {}
                )
            ),
            [
                "`#[root_span]` cannot be applied to a `const fn`: a span starts and ends at \
                 run time; remove `const` or the attribute"
            ]
        );
        assert_eq!(
            check(
                SpanAttribute::Child,
                quote!(),
                quote!(
                    struct S;
                )
            ),
            ["`#[child_span]` can only be applied to a fn or method, not to a struct"]
        );
        let closure = root(quote!(), quote!(|| 1));
        assert!(closure[0].starts_with(
            "`#[root_span]` can only be applied to a fn or method, not to a closure; inside"
        ));
        assert!(closure[0].contains("traced::Span::root(\"name\")"));
    }

    #[test]
    fn skipped_names_must_be_arguments() {
        assert_eq!(
            root(
                quote!(skip(db, self)),
                quote!(
                    fn f(&self, db: Db) {}
                )
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            root(
                quote!(skip(dB)),
                quote!(
                    fn load(id: u64, db: Db) {}
                )
            ),
            ["cannot skip `dB`: `fn load` has no argument `dB`; its arguments are `id`, `db`"]
        );
        assert_eq!(
            root(
                quote!(skip(self)),
                quote!(
                    fn f() {}
                )
            ),
            ["cannot skip `self`: `fn f` has no argument `self`; it takes none"]
        );
    }

    #[test]
    fn one_span_attribute_per_fn() {
        let errors = root(
            quote!(),
            quote!(
                #[traced::root_span]
                #[child_span]
                fn f() {}
            ),
        );
        assert_eq!(
            errors,
            [
                "`#[root_span]` is applied twice: remove this one",
                "`#[root_span]` and `#[child_span]` on one fn: a fn gets one span, remove one \
                 of them"
            ]
        );
    }
}
