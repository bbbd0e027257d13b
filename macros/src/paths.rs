//! How generated code names the runtime. Everything goes through `<runtime>::__private`, where
//! `<runtime>` is `::traced`, or the path given with `crate = "…"` for a renamed dependency.
//! The standard library is always named `::core::…`, so a user's `mod core` cannot capture it.

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote};
use syn::Path;

/// The runtime crate as generated code names it.
pub(crate) struct Runtime {
    root: TokenStream,
}

impl Runtime {
    /// `crate_path` is the `crate = "…"` option, written as in a `use` and kept as written
    /// (spanned at the literal, so `crate::…` resolves in the user's crate).
    pub(crate) fn new(crate_path: Option<&Path>) -> Self {
        let root = match crate_path {
            Some(path) => path.to_token_stream(),
            None => quote!(::traced),
        };
        Self { root }
    }

    /// `<runtime>::__private`: the only module generated code may call.
    pub(crate) fn private(&self) -> TokenStream {
        let root = &self.root;
        quote!(#root::__private)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_by_default_and_as_written_otherwise() {
        assert_eq!(
            Runtime::new(None).private().to_string(),
            ":: traced :: __private"
        );
        let path: Path = syn::parse_quote!(crate::deps::tr);
        assert_eq!(
            Runtime::new(Some(&path)).private().to_string(),
            "crate :: deps :: tr :: __private"
        );
    }
}
