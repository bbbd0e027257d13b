//! The arguments of a traced fn as its span sees them: the names they bind, and which of those
//! look like secrets.
//!
//! An argument bound by a pattern (`(a, b): (u32, u32)`, `Point { x, y }: Point`) contributes
//! each name it binds, as tracing-attributes does: every binding is in scope where the span is
//! built, and each is recorded on its own if its type is a `SpanValue`. `self` binds nothing
//! here: the receiver is never recorded.

use proc_macro2::Ident;
use syn::ext::IdentExt as _;
use syn::{FnArg, Pat, Signature};

/// The names bound by the arguments of `sig`, in order, with their original tokens (and so
/// their hygiene: async-trait's `__arg0` stays nameable).
pub(crate) fn bindings(sig: &Signature) -> Vec<&Ident> {
    let mut names = Vec::new();
    for input in &sig.inputs {
        if let FnArg::Typed(arg) = input {
            collect(&arg.pat, &mut names);
        }
    }
    names
}

/// Whether `sig` takes `self` in any form.
pub(crate) fn has_receiver(sig: &Signature) -> bool {
    matches!(sig.inputs.first(), Some(FnArg::Receiver(_)))
}

fn collect<'a>(pat: &'a Pat, names: &mut Vec<&'a Ident>) {
    match pat {
        Pat::Ident(pat) => {
            names.push(&pat.ident);
            if let Some((_, sub)) = &pat.subpat {
                collect(sub, names);
            }
        }
        Pat::Tuple(pat) => pat.elems.iter().for_each(|p| collect(p, names)),
        Pat::TupleStruct(pat) => pat.elems.iter().for_each(|p| collect(p, names)),
        Pat::Slice(pat) => pat.elems.iter().for_each(|p| collect(p, names)),
        Pat::Struct(pat) => pat.fields.iter().for_each(|f| collect(&f.pat, names)),
        Pat::Reference(pat) => collect(&pat.pat, names),
        Pat::Paren(pat) => collect(&pat.pat, names),
        Pat::Type(pat) => collect(&pat.pat, names),
        // Every alternative binds the same names.
        Pat::Or(pat) => {
            if let Some(first) = pat.cases.first() {
                collect(first, names);
            }
        }
        // `_`, `..`, literals, ranges, paths, macros: no binding.
        _ => {}
    }
}

/// Words that mark a name as a secret: such an argument is never recorded unless it is listed
/// in `fields(…)`. Matched anywhere in the lower-cased name (`access_token`, `dbPassword`).
const SECRET_PARTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "credential",
    "private_key",
    "cookie",
    "session",
];

/// Whether an argument name looks like it holds a secret. `auth` counts only as a whole
/// `_`-separated word (`auth`, `auth_header`), so that `author` is still recorded.
pub(crate) fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARTS.iter().any(|part| name.contains(part)) || name.split('_').any(|w| w == "auth")
}

/// The name an argument is recorded under: its identifier without `r#`.
pub(crate) fn key(ident: &Ident) -> String {
    ident.unraw().to_string()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn names(sig: proc_macro2::TokenStream) -> Vec<String> {
        let Ok(sig) = syn::parse2::<Signature>(sig) else {
            panic!("not a signature");
        };
        bindings(&sig).into_iter().map(key).collect()
    }

    #[test]
    fn plain_and_patterned_arguments() {
        assert_eq!(names(quote!(fn f(&self, a: u8, mut b: u8))), ["a", "b"]);
        assert_eq!(
            names(quote!(fn f((a, _): (u8, u8), P { x, y: [c, ..] }: P, &d: &u8, e @ _: u8))),
            ["a", "x", "c", "d", "e"]
        );
        assert_eq!(names(quote!(fn f(_: u8, r#type: &str))), ["type"]);
    }

    #[test]
    fn receivers() {
        let sig = |tokens| syn::parse2::<Signature>(tokens).map(|s| has_receiver(&s));
        assert!(matches!(sig(quote!(fn f(self: Box<Self>))), Ok(true)));
        assert!(matches!(sig(quote!(fn f(&mut self))), Ok(true)));
        assert!(matches!(sig(quote!(fn f(this: &Self))), Ok(false)));
    }

    #[test]
    fn secret_names() {
        for name in [
            "password",
            "db_password",
            "passwd",
            "client_secret",
            "access_token",
            "api_key",
            "apikey",
            "auth",
            "auth_header",
            "authorization",
            "credentials",
            "private_key",
            "cookie",
            "session_id",
            "AccessToken",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["author", "user_id", "order", "key", "count"] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
