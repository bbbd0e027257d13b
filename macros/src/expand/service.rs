//! `#[traced_service]`: initialise on entry to `main`, report an `Err`, shut down on exit.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::LitStr;

use super::{declared_return, fake_return, temp};
use crate::args::ServiceArgs;
use crate::item::FnItem;
use crate::paths::Runtime;

fn option_str(value: Option<&LitStr>) -> TokenStream {
    match value {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    }
}

// Input:
//     #[traced_service(name = "checkout")]
//     #[attrs] vis [async] fn main() -> R { #![inner] body }
//
// Output:
//     #[attrs] #[inner] vis [async] fn main() -> R {
//         let __traced_guard = ::traced::__private::service_start(
//             Some("checkout"), None, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
//         let __traced_result = <body, see `run_sync` and `run_async`>;
//         <report an `Err`, see `report_outcome`>
//         __traced_result
//     }
//
// The guard is a local of `main`, so it drops (flush, shutdown) after the report, on every
// return path and on an unwinding panic.
pub(crate) fn service(args: &ServiceArgs, func: &FnItem) -> TokenStream {
    let private = Runtime::new(args.krate.as_ref()).private();
    let guard = temp("__traced_guard");
    let result = temp("__traced_result");
    let name = option_str(args.name.as_ref());
    let version = option_str(args.version.as_ref());

    let run = if func.sig.asyncness.is_some() {
        run_async(func, &result)
    } else {
        run_sync(func, &result)
    };
    let report = report_outcome(&private, &result);

    let FnItem {
        attrs, vis, sig, ..
    } = func;
    let hoisted = func.hoisted_inner_attrs();
    let mut tokens = quote!(#(#attrs)* #(#hoisted)* #vis #sig);
    func.body.brace.surround(&mut tokens, |tokens| {
        tokens.extend(quote! {
            let #guard = #private::service_start(
                #name,
                #version,
                ::core::env!("CARGO_PKG_NAME"),
                ::core::env!("CARGO_PKG_VERSION"),
            );
            #run
            #report
            #result
        });
    });
    tokens
}

// Input:
//     fn main() -> R { body }
//
// Output:
//     let __traced_result = (move || -> R { body })();
//
// The closure keeps `return` and `?` local to the body, so the report after it always runs;
// `R` is the user's own tokens, so a mismatch is reported against their signature.
fn run_sync(func: &FnItem, result: &Ident) -> TokenStream {
    let stmts = &func.body.stmts;
    let ret = declared_return(&func.sig).map(|ty| quote!(-> #ty));
    quote! {
        #[allow(
            clippy::redundant_closure_call,
            reason = "the closure keeps `return` and `?` in the body of `main` local to it"
        )]
        let #result = (move || #ret { #stmts })();
    }
}

// Input:
//     async fn main() -> R { body }
//
// Output:
//     let __traced_result = async move {
//         if false { let __traced_fake_return: R = loop {}; return __traced_fake_return; }
//         body
//     }.await;
//
// The return edge that is never taken is explained at `fake_return`.
fn run_async(func: &FnItem, result: &Ident) -> TokenStream {
    let stmts = &func.body.stmts;
    let fake_return = fake_return(&func.sig);
    quote! {
        let #result = async move {
            #fake_return
            #stmts
        }
        .await;
    }
}

// Input:
//     __traced_result (any type `main` may return)
//
// Output:
//     {
//         use ::traced::__private::main_outcome::{ReportDisplayError as _, …};
//         (&&&::traced::__private::MainOutcome(&__traced_result)).report_main_outcome();
//     }
//
// The impl is chosen by autoref specialisation, see `traced::__private::main_outcome`.
fn report_outcome(private: &TokenStream, result: &Ident) -> TokenStream {
    quote! {
        {
            #[allow(
                unused_imports,
                reason = "method resolution uses only the one trait that matches the result"
            )]
            use #private::main_outcome::{
                ReportDebugError as _, ReportDisplayError as _, ReportNoError as _,
            };
            (&&&#private::MainOutcome(&#result)).report_main_outcome();
        }
    }
}

// Input (already reported as an error):
//     #[attrs] vis [async] fn main(params) -> R { body }
//
// Output:
//     #[attrs] vis [async] fn main() {
//         #[allow(dead_code)]
//         [async] fn main(params) -> R { body }
//     }
//
// The user's function is still compiled as written, so its body is checked and IDEs keep
// working, but as a nested item it is not the program's entry point, whose signature rustc
// would otherwise reject a second time.
pub(crate) fn main_without_parameters(func: &FnItem) -> TokenStream {
    let FnItem {
        attrs,
        vis,
        sig,
        body,
    } = func;
    let (fn_token, ident, asyncness) = (&sig.fn_token, &sig.ident, &sig.asyncness);
    let inner_attrs = &body.inner_attrs;
    let stmts = &body.stmts;
    quote! {
        #(#attrs)*
        #vis #asyncness #fn_token #ident() {
            #[allow(dead_code, reason = "the parameters of `main` were reported as an error")]
            #sig {
                #(#inner_attrs)*
                #stmts
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::item;

    fn expand(args: ServiceArgs, item: TokenStream) -> String {
        let Ok(func) = item::parse(item) else {
            panic!("not a fn");
        };
        service(&args, &func).to_string()
    }

    #[test]
    fn sync_main_runs_its_body_in_a_typed_closure() {
        let out = expand(
            ServiceArgs::default(),
            quote!(
                fn main() -> Result<(), E> {
                    #![allow(unused)]
                    Ok(())
                }
            ),
        );
        assert!(out.starts_with("# [allow (unused)] fn main () -> Result < () , E > {"));
        assert!(out.contains(
            "let __traced_guard = :: traced :: __private :: service_start (\
             :: core :: option :: Option :: None , :: core :: option :: Option :: None , \
             :: core :: env ! (\"CARGO_PKG_NAME\") , :: core :: env ! (\"CARGO_PKG_VERSION\") ,) ;"
        ));
        assert!(
            out.contains("let __traced_result = (move || -> Result < () , E > { Ok (()) }) () ;")
        );
        assert!(out.ends_with("report_main_outcome () ; } __traced_result }"));
    }

    #[test]
    fn async_main_awaits_its_body_with_a_return_edge() {
        let out = expand(
            ServiceArgs::default(),
            quote!(
                async fn main() {
                    run().await
                }
            ),
        );
        assert!(out.starts_with("async fn main () {"));
        assert!(out.contains("let __traced_fake_return : () = loop { } ;"));
        assert!(out.contains("run () . await } . await ;"));
    }

    #[test]
    fn options_reach_the_runtime_through_the_chosen_path() {
        let args = ServiceArgs {
            name: Some(syn::parse_quote!("checkout")),
            version: Some(syn::parse_quote!("1.0.0")),
            krate: Some(syn::parse_quote!(my_traced)),
        };
        let out = expand(
            args,
            quote!(
                fn main() {}
            ),
        );
        assert!(out.contains(
            "my_traced :: __private :: service_start (:: core :: option :: Option :: Some (\"checkout\") , \
             :: core :: option :: Option :: Some (\"1.0.0\")"
        ));
        assert!(!out.contains(":: traced"));
    }

    #[test]
    fn impl_trait_returns_are_not_annotated() {
        let out = expand(
            ServiceArgs::default(),
            quote!(
                fn main() -> impl std::process::Termination {}
            ),
        );
        assert!(out.contains("(move || { }) ()"));
    }
}
