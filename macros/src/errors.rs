//! The mistakes of one expansion, collected across parsing and validation (serde's `Ctxt`), so
//! that all of them are reported at once, each at its own token.

use proc_macro2::TokenStream;

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
