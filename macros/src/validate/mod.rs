//! Semantic checks on the parsed item. Every mistake is collected (serde's `Ctxt`), so one
//! expansion reports all of them, each at its own token. `service` checks `#[traced_service]`,
//! `span` the span attributes.

mod service;
mod span;

use proc_macro2::TokenStream;
use syn::Attribute;

use crate::item::NotFn;

pub(crate) use service::service;
pub(crate) use span::span;

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
