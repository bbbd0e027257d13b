//! Semantic checks on the parsed item, each mistake pushed to [`Errors`] so that one expansion
//! reports all of them. `service` checks `#[traced_service]`, `span` the span attributes.

mod service;
mod span;

use syn::Attribute;

use crate::errors::Errors;
use crate::item::NotFn;

pub(crate) use service::service;
pub(crate) use span::span;

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
