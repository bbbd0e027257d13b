//! The body of a traced function, one expansion per shape: a sync fn, an `async fn`, a fn that
//! returns `impl Future`, and a fn whose body is `Box::pin(async move { … })` (an async-trait
//! method, expanded before us). Each runs the user's statements where `return` and `?` stay
//! local, so the outcome is always recorded while the span is current.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::{ExprCall, ReturnType, Stmt, Type};

use super::parts::Parts;
use super::shape::{boxed_async_block, returns_impl_future};
use super::{declared_return, fake_return, temp};
use crate::item::FnItem;

/// The statements of `func` wrapped around its span.
pub(super) fn wrap(func: &FnItem, parts: &Parts) -> TokenStream {
    let never =
        matches!(&func.sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)));
    match (func.sig.asyncness.is_some(), never) {
        (false, true) => return sync_never(func, parts),
        (true, true) => return async_never(func, parts),
        (true, false) => return async_fn(func, parts),
        (false, false) => {}
    }
    if let Some((before, call)) = boxed_async_block(&func.body.stmts) {
        return boxed_async(&before, &call, parts);
    }
    if returns_impl_future(&func.sig.output) {
        return impl_future(func, parts);
    }
    sync_fn(func, parts)
}

// Input:
//     fn f(args) -> R { body }
//
// Output:
//     <start: let __traced_on = …; let __traced_span = …>
//     let __traced_body = ::traced::__private::once(move || -> R { body });
//     if __traced_on.is_off() {
//         __traced_span.dismiss();
//         return __traced_body();
//     }
//     let __traced_guard = __traced_span.enter();
//     let __traced_ret = __traced_body();
//     <record the outcome of __traced_ret>
//     __traced_ret
//
// The guard keeps the span current over the body and the outcome, and ends it when it drops
// at the end of the function, on every path, unwinding included. With tracing off there is
// nothing to enter and no outcome to record, and the body runs on a path of its own, chosen by
// the same value that started the span: the optimiser then keeps the traced path's stack frame
// and saved registers off it, and an uninitialised program pays only the switch and the call
// (under 2 ns per span; the README's Performance section measures it).
fn sync_fn(func: &FnItem, parts: &Parts) -> TokenStream {
    let (guard, ret, body) = (
        temp("__traced_guard"),
        temp("__traced_ret"),
        temp("__traced_body"),
    );
    let (start, span, on) = (&parts.start, &parts.span, &parts.on);
    let run = closure(func, parts, "once", declared_return(&func.sig));
    let outcome = parts.record_outcome(&ret);
    quote! {
        #start
        let #body = #run;
        if #on.is_off() {
            #span.dismiss();
            return #body();
        }
        let #guard = #span.enter();
        let #ret = #body();
        #outcome
        #ret
    }
}

// Input:
//     fn f(args) -> ! { body }
//
// Output:
//     <start: let __traced_span = …>
//     let __traced_guard = __traced_span.enter();
//     body
//
// Nothing is returned, so there is no outcome to record and no closure is needed (`!` cannot
// be written as a closure's return type on stable); a panic ends the span as it unwinds.
fn sync_never(func: &FnItem, parts: &Parts) -> TokenStream {
    let guard = temp("__traced_guard");
    let (start, span, stmts) = (&parts.start, &parts.span, &func.body.stmts);
    quote! {
        #start
        let #guard = #span.enter();
        #stmts
    }
}

// Input:
//     async fn f(args) -> ! { body }
//
// Output:
//     <start: let __traced_span = …>
//     let __traced_future = async move {
//         let __traced_never: ::core::convert::Infallible = { body };
//         __traced_never
//     };
//     match __traced_span.in_span(__traced_future).await {}
//
// An async block whose body diverges has an inferred output type that edition 2021 makes `()`
// and 2024 makes `!`; giving it `Infallible` (which the body's `!` coerces to) works in both,
// and the empty `match` turns it back into `!`. The `allow` is for `__traced_never`, which
// follows a diverging block; it covers the body too, a cost only this rare shape pays.
fn async_never(func: &FnItem, parts: &Parts) -> TokenStream {
    let (future, never) = (temp("__traced_future"), temp("__traced_never"));
    let (start, span, stmts) = (&parts.start, &parts.span, &func.body.stmts);
    quote! {
        #start
        #[allow(
            unreachable_code,
            reason = "the body diverges, as the fn's `!` return type says"
        )]
        let #future = async move {
            let #never: ::core::convert::Infallible = { #stmts };
            #never
        };
        match #span.in_span(#future).await {}
    }
}

// Input:
//     move || -> R { body }
//
// Output:
//     ::traced::__private::call_once(move || -> R { body })   (or `once`, which returns it)
//
// A closure keeps `return` and `?` local to the body. The helper makes it an `FnOnce` closure,
// so that it may hand out borrows of what it captured (why: `traced::__private::call_once`).
// `-> R` is the user's own tokens (absent for `impl Trait`), so a mismatch is reported against
// their signature.
fn closure(func: &FnItem, parts: &Parts, helper: &str, ret: Option<TokenStream>) -> TokenStream {
    let stmts = &func.body.stmts;
    let ret = ret.map(|ty| quote!(-> #ty));
    let private = &parts.private;
    let helper = Ident::new(helper, Span::call_site());
    quote! {
        #private::#helper(move || #ret { #stmts })
    }
}

// Input:
//     async fn f(args) -> R { body }
//
// Output:
//     <start: let __traced_span = …>            (at the first poll, like tracing-attributes)
//     __traced_span.in_span(async move {
//         let __traced_ret = async move { <fake return edge: R, see `fake_return`>; body }.await;
//         <record the outcome of __traced_ret>
//         __traced_ret
//     }).await
//
// `in_span` makes the span current on every poll and ends it when the future completes or is
// dropped; no guard is held across an `.await`. The inner block keeps `return` and `?` local.
fn async_fn(func: &FnItem, parts: &Parts) -> TokenStream {
    let ret = temp("__traced_ret");
    let (start, span, stmts) = (&parts.start, &parts.span, &func.body.stmts);
    let fake_return = fake_return(&func.sig);
    let outcome = parts.record_outcome(&ret);
    quote! {
        #start
        #span.in_span(async move {
            let #ret = async move {
                #fake_return
                #stmts
            }
            .await;
            #outcome
            #ret
        })
        .await
    }
}

// Input:
//     fn f(args) -> impl Future<Output = T> { body }
//
// Output:
//     <start: let __traced_span = …>
//     let __traced_future = <call_once(move || { body })>;
//     __traced_span.in_span(async move {
//         let __traced_ret = __traced_future.await;
//         <record the outcome of __traced_ret>
//         __traced_ret
//     })
//
// The body runs at the call, as written, so a future that must not borrow the arguments
// (`fn f(&self) -> impl Future + 'static { let c = self.c.clone(); async move { … } }`) still
// does not; the span covers the future it returns, from its first poll to its end.
fn impl_future(func: &FnItem, parts: &Parts) -> TokenStream {
    let (future, ret) = (temp("__traced_future"), temp("__traced_ret"));
    let (start, span) = (&parts.start, &parts.span);
    let run = closure(func, parts, "call_once", None);
    let outcome = parts.record_outcome(&ret);
    quote! {
        #start
        let #future = #run;
        #span.in_span(async move {
            let #ret = #future.await;
            #outcome
            #ret
        })
    }
}

// Input (async-trait's expansion of `async fn f(&self, args) -> R`):
//     fn f<'life0, 'async_trait>(&'life0 self, args) -> Pin<Box<dyn Future<Output = R> + …>> {
//         Box::pin(async move { … })
//     }
//
// Output:
//     <start: let __traced_span = …>
//     Box::pin(__traced_span.in_span(async move {
//         let __traced_ret = async move { … }.await;
//         <record the outcome of __traced_ret>
//         __traced_ret
//     }))
//
// As tracing-attributes does, the async block is found syntactically and instrumented where it
// is; without this the span would end as soon as the box is returned.
fn boxed_async(before: &[Stmt], call: &ExprCall, parts: &Parts) -> TokenStream {
    let ret = temp("__traced_ret");
    let (start, span) = (&parts.start, &parts.span);
    let (callee, block) = (&call.func, &call.args);
    let outcome = parts.record_outcome(&ret);
    quote! {
        #(#before)*
        #start
        #callee(#span.in_span(async move {
            let #ret = #block.await;
            #outcome
            #ret
        }))
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::item;

    /// The body `item` gets around a span started by `<start>`, with spaces between tokens.
    fn expand(item: TokenStream) -> String {
        let Ok(func) = item::parse(item) else {
            panic!("not a fn");
        };
        let parts = Parts {
            private: quote!(::traced::__private),
            span: temp("__traced_span"),
            on: temp("__traced_on"),
            start: quote!(<start>),
        };
        wrap(&func, &parts).to_string()
    }

    #[test]
    fn sync_fns_run_in_an_fn_once_closure_under_a_guard_or_bare_when_off() {
        let out = expand(quote!(
            fn f(&mut self) -> &mut u8 {
                &mut self.n
            }
        ));
        assert!(out.contains(
            "let __traced_body = :: traced :: __private :: once (move || -> & mut u8 { & mut self . n }) ;"
        ));
        assert!(out.contains(
            "if __traced_on . is_off () { __traced_span . dismiss () ; return __traced_body () ; } \
             let __traced_guard = __traced_span . enter () ; \
             let __traced_ret = __traced_body () ;"
        ));
        assert!(out.starts_with("< start > let __traced_body ="));
        assert!(out.ends_with("record_outcome () ; } __traced_ret"));
    }

    #[test]
    fn async_fns_put_the_span_around_their_future() {
        let out = expand(quote!(
            async fn f() -> u8 {
                1
            }
        ));
        assert!(out.starts_with(
            "< start > __traced_span . in_span (async move { let __traced_ret = async move {"
        ));
        assert!(out.contains("let __traced_fake_return : u8 = loop { } ;"));
        assert!(out.ends_with("__traced_ret }) . await"));
        assert!(!out.contains("enter ()"));
    }

    #[test]
    fn impl_future_fns_run_their_body_at_the_call() {
        let out = expand(quote!(
            fn f() -> impl Future<Output = u8> {
                async { 1 }
            }
        ));
        assert!(out.contains(
            "let __traced_future = :: traced :: __private :: call_once (move || { async { 1 } }) ;"
        ));
        assert!(out.contains(
            "__traced_span . in_span (async move { let __traced_ret = __traced_future . await ;"
        ));
        assert!(out.ends_with("__traced_ret })"));
    }

    #[test]
    fn async_trait_methods_instrument_the_boxed_block() {
        let out = expand(quote!(
            fn f<'life0, 'async_trait>(
                &'life0 self,
            ) -> Pin<Box<dyn Future<Output = u8> + Send + 'async_trait>> {
                Box::pin(async move { 1 })
            }
        ));
        assert!(out.contains(
            "Box :: pin (__traced_span . in_span (async move { let __traced_ret = async move { 1 } . await ;"
        ));
        assert!(out.ends_with("__traced_ret }))"));
    }

    #[test]
    fn diverging_fns_record_no_outcome() {
        let out = expand(quote!(
            fn f() -> ! {
                panic!()
            }
        ));
        assert!(out.ends_with("let __traced_guard = __traced_span . enter () ; panic ! ()"));
        let out = expand(quote!(
            async fn f() -> ! {
                panic!()
            }
        ));
        assert!(
            out.contains(
                "let __traced_never : :: core :: convert :: Infallible = { panic ! () } ;"
            )
        );
        assert!(out.ends_with("match __traced_span . in_span (__traced_future) . await { }"));
    }
}
