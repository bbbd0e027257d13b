//! `#[root_span]` / `#[child_span]`: the span a function runs in. This file builds the span
//! (static metadata, start, attributes); `body` places it, and the outcome `parts` records,
//! around each shape of function.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::LitStr;
use syn::spanned::Spanned as _;

use super::parts::Parts;
use super::{body, temp};
use crate::args::{Context, Format, SpanArgs, SpanAttribute};
use crate::item::FnItem;
use crate::params;
use crate::paths::Runtime;

// Input:
//     #[root_span(…)] #[attrs] vis sig { #![inner] body }
//
// Output:
//     #[attrs] #[inner] vis sig { <body, with the span of `start`, see `body`> }
//
// The signature is kept token for token, so generics, `where` clauses, `unsafe`, `async`,
// `extern` and the receiver are untouched.
pub(crate) fn span(attribute: SpanAttribute, args: &SpanArgs, func: &FnItem) -> TokenStream {
    let private = Runtime::new(args.krate.as_ref()).private();
    let (span, on) = (temp("__traced_span"), temp("__traced_on"));
    let start = start(attribute, args, func, &private, &span, &on);
    let body = body::wrap(
        func,
        &Parts {
            private,
            span,
            on,
            start,
        },
    );
    let FnItem {
        attrs, vis, sig, ..
    } = func;
    let hoisted = func.hoisted_inner_attrs();
    let mut tokens = quote!(#(#attrs)* #(#hoisted)* #vis #sig);
    func.body
        .brace
        .surround(&mut tokens, |tokens| tokens.extend(body));
    tokens
}

// Input:
//     #[root_span(name = "load", kind = server, parent = headers, fields(k = %v))]
//     fn load(id: u64, headers: &HeaderMap)
//
// Output:
//     let __traced_on = ::traced::__private::Switch::get();
//     let mut __traced_span = {
//         static __TRACED_META: ::traced::__private::SpanMeta = SpanMeta {
//             name: "load",
//             kind: SpanKind::Server,
//             code: CodeLocation {
//                 function: concat!(module_path!(), "::", "load"),
//                 file: file!(),
//                 line: line!(),                   // spanned at `load`: the fn name's line
//             },
//         };
//         SpanStart::root_with_parent(&__TRACED_META, __traced_on, &(headers))   // or root, …
//     };
//     if __traced_span.is_recording() {
//         use ::traced::__private::{RecordNothing as _, RecordSpanValue as _};
//         (&::traced::__private::Arg(&id)).record_arg(&mut __traced_span, "id");
//         (&::traced::__private::Arg(&headers)).record_arg(&mut __traced_span, "headers");
//         __traced_span.attr_display("k", &(v));
//     }
//
// The switch is read into a local so that the sync shape can branch on that same value again
// (see `body`). The metadata is a `static`: nothing about it is computed at run time. Attributes
// are only evaluated for a span that records. An argument is recorded when its type implements
// `SpanValue`, chosen by autoref specialisation, see `traced::__private::outcome`. Without
// anything to record, `mut` and the `if` are left out (they would warn).
fn start(
    attribute: SpanAttribute,
    args: &SpanArgs,
    func: &FnItem,
    private: &TokenStream,
    span: &Ident,
    on: &Ident,
) -> TokenStream {
    let sig = &func.sig;
    let fn_name = LitStr::new(&params::key(&sig.ident), sig.ident.span());
    let name = args.name.clone().unwrap_or_else(|| fn_name.clone());
    let kind = Ident::new(args.kind.variant(), Span::call_site());
    // The user's span, not a mixed-site one: `line!()` reports the line of the outermost
    // expansion its span comes from, which for a mixed-site span is the attribute's line.
    let line = quote_spanned!(sig.ident.span()=> ::core::line!());
    let meta = Ident::new("__TRACED_META", Span::mixed_site());
    let begin = match (attribute, &args.context) {
        (SpanAttribute::Child, _) => quote!(#private::SpanStart::child(&#meta, #on)),
        (SpanAttribute::Root, None) => quote!(#private::SpanStart::root(&#meta, #on)),
        (SpanAttribute::Root, Some(Context::Parent(carrier))) => {
            let carrier = quote_spanned!(carrier.span()=> &(#carrier));
            quote!(#private::SpanStart::root_with_parent(&#meta, #on, #carrier))
        }
        (SpanAttribute::Root, Some(Context::Link(carrier))) => {
            let carrier = quote_spanned!(carrier.span()=> &(#carrier));
            quote!(#private::SpanStart::root_with_link(&#meta, #on, #carrier))
        }
    };
    let started = quote! {
        {
            static #meta: #private::SpanMeta = #private::SpanMeta {
                name: #name,
                kind: #private::SpanKind::#kind,
                code: #private::CodeLocation {
                    function: ::core::concat!(::core::module_path!(), "::", #fn_name),
                    file: ::core::file!(),
                    line: #line,
                },
            };
            #begin
        }
    };
    let switch = quote!(let #on = #private::Switch::get(););
    let records = records(args, func, private, span);
    if records.is_empty() {
        return quote!(#switch let #span = #started;);
    }
    quote! {
        #switch
        let mut #span = #started;
        if #span.is_recording() {
            #records
        }
    }
}

/// The attribute statements: arguments first, then `fields` in their written order.
fn records(args: &SpanArgs, func: &FnItem, private: &TokenStream, span: &Ident) -> TokenStream {
    let mut arguments = Vec::new();
    for ident in recorded_arguments(args, func) {
        let key = LitStr::new(&params::key(ident), ident.span());
        arguments.push(quote!((&#private::Arg(&#ident)).record_arg(&mut #span, #key);));
    }
    let fields = args.fields.iter().map(|field| {
        let key = field.key_lit();
        let value = &field.value;
        let method = match field.format {
            Format::Value => "attr",
            Format::Display => "attr_display",
            Format::Debug => "attr_debug",
        };
        // At the value, so that a type that is not a `SpanValue` is reported there.
        let value_span = value.span();
        let method = Ident::new(method, value_span);
        quote_spanned!(value_span=> #span.#method(#key, &(#value));)
    });
    let fields: TokenStream = fields.collect();
    if arguments.is_empty() {
        return fields;
    }
    quote! {
        #[allow(
            unused_imports,
            reason = "method resolution picks one of the two for each argument"
        )]
        use #private::{RecordNothing as _, RecordSpanValue as _};
        #(#arguments)*
        #fields
    }
}

/// The argument bindings recorded as attributes: not skipped, not secret-looking, not named
/// by a field (the field is recorded instead), and not generated (`__arg0` from async-trait).
fn recorded_arguments<'a>(args: &SpanArgs, func: &'a FnItem) -> Vec<&'a Ident> {
    if args.skip_all {
        return Vec::new();
    }
    params::bindings(&func.sig)
        .into_iter()
        .filter(|ident| {
            let key = params::key(ident);
            !key.starts_with("__")
                && !params::looks_secret(&key)
                && !args.skip.iter().any(|skip| params::key(skip) == key)
                && !args.fields.iter().any(|field| field.key == key)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::errors::Errors;
    use crate::item;

    fn expand(attribute: SpanAttribute, args: TokenStream, item: TokenStream) -> String {
        let mut errors = Errors::default();
        let args = SpanArgs::parse(attribute, args, &mut errors);
        assert!(errors.is_empty());
        let Ok(func) = item::parse(item) else {
            panic!("not a fn");
        };
        span(attribute, &args, &func).to_string()
    }

    #[test]
    fn metadata_is_static() {
        let out = expand(
            SpanAttribute::Root,
            quote!(name = "load order", kind = server),
            quote!(
                fn load() {}
            ),
        );
        assert!(out.contains(
            "static __TRACED_META : :: traced :: __private :: SpanMeta = :: traced :: __private \
             :: SpanMeta { name : \"load order\" , kind : :: traced :: __private :: SpanKind :: \
             Server , code : :: traced :: __private :: CodeLocation { function : :: core :: \
             concat ! (:: core :: module_path ! () , \"::\" , \"load\") , file : :: core :: file \
             ! () , line : :: core :: line ! () , } , } ;"
        ));
        assert!(out.contains(
            "let __traced_on = :: traced :: __private :: Switch :: get () ; let __traced_span = {"
        ));
        assert!(out.contains(
            ":: traced :: __private :: SpanStart :: root (& __TRACED_META , __traced_on) }"
        ));
        // Nothing to record: no `mut`, no `if`.
        assert!(out.contains("let __traced_span = {"));
        assert!(!out.contains("is_recording"));
    }

    #[test]
    fn carriers_choose_the_constructor() {
        let parent = expand(
            SpanAttribute::Root,
            quote!(parent = msg.headers),
            quote!(
                fn f() {}
            ),
        );
        assert!(parent.contains(
            "SpanStart :: root_with_parent (& __TRACED_META , __traced_on , & (msg . headers))"
        ));
        let link = expand(
            SpanAttribute::Root,
            quote!(link = batch),
            quote!(
                fn f() {}
            ),
        );
        assert!(
            link.contains(
                "SpanStart :: root_with_link (& __TRACED_META , __traced_on , & (batch))"
            )
        );
        let child = expand(
            SpanAttribute::Child,
            quote!(crate = "my_traced"),
            quote!(
                fn f() {}
            ),
        );
        assert!(child.contains(
            "my_traced :: __private :: SpanStart :: child (& __TRACED_META , __traced_on)"
        ));
        assert!(child.contains("let __traced_on = my_traced :: __private :: Switch :: get () ;"));
        assert!(!child.contains(":: traced"));
    }

    #[test]
    fn arguments_and_fields_are_recorded_when_sampled() {
        let out = expand(
            SpanAttribute::Child,
            quote!(skip(db), fields(user = %user_id, password, "a.b" = ?x, n = 1)),
            quote!(
                fn f(
                    &self,
                    id: u64,
                    db: Db,
                    user_id: u8,
                    password: &str,
                    api_token: &str,
                    __arg1: u8,
                ) {
                }
            ),
        );
        assert!(out.contains("let mut __traced_span = {"));
        assert!(out.contains("if __traced_span . is_recording () {"));
        let recorded: Vec<&str> = out
            .matches("record_arg (& mut __traced_span , \"")
            .collect();
        assert_eq!(recorded.len(), 2, "{out}");
        assert!(out.contains(
            "(& :: traced :: __private :: Arg (& id)) . record_arg (& mut __traced_span , \"id\") ;"
        ));
        assert!(
            out.contains("Arg (& user_id)) . record_arg (& mut __traced_span , \"user_id\") ;")
        );
        assert!(out.contains("__traced_span . attr_display (\"user\" , & (user_id)) ;"));
        assert!(out.contains("__traced_span . attr (\"password\" , & (password)) ;"));
        assert!(out.contains("__traced_span . attr_debug (\"a.b\" , & (x)) ;"));
        assert!(out.contains("__traced_span . attr (\"n\" , & (1)) ;"));
    }

    #[test]
    fn skip_all_keeps_fields_only() {
        let out = expand(
            SpanAttribute::Child,
            quote!(skip_all, fields(id)),
            quote!(
                fn f(id: u64, name: &str) {}
            ),
        );
        assert!(!out.contains("record_arg"));
        assert!(!out.contains("RecordSpanValue"));
        assert!(out.contains("__traced_span . attr (\"id\" , & (id)) ;"));
    }
}
