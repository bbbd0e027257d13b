//! Which shape a function has, read from its syntax: the macro sees tokens, not types, so a
//! future is recognised by how it is written (as tracing-attributes does).

use proc_macro2::TokenStream;
use syn::parse::Parser as _;
use syn::{Block, Expr, ExprCall, ReturnType, Stmt, Type, TypeParamBound};

/// The body ends with `Box::pin(async [move] { … })`: the statements before it and the call.
pub(super) fn boxed_async_block(stmts: &TokenStream) -> Option<(Vec<Stmt>, ExprCall)> {
    let mut stmts = Block::parse_within.parse2(stmts.clone()).ok()?;
    let Some(Stmt::Expr(Expr::Call(call), None)) = stmts.last() else {
        return None;
    };
    let Expr::Path(callee) = &*call.func else {
        return None;
    };
    let segments: Vec<_> = callee.path.segments.iter().map(|s| &s.ident).collect();
    let is_box_pin = segments.len() >= 2
        && segments[segments.len() - 2] == "Box"
        && segments[segments.len() - 1] == "pin";
    if !is_box_pin || call.args.len() != 1 || !matches!(call.args[0], Expr::Async(_)) {
        return None;
    }
    let Some(Stmt::Expr(Expr::Call(call), None)) = stmts.pop() else {
        return None;
    };
    Some((stmts, call))
}

/// `-> impl Future<Output = …> [+ …]`, or any `impl` bound whose last segment is `Future`.
pub(super) fn returns_impl_future(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    let Type::ImplTrait(ty) = &**ty else {
        return false;
    };
    ty.bounds.iter().any(|bound| {
        matches!(bound, TypeParamBound::Trait(bound)
            if bound.path.segments.last().is_some_and(|s| s.ident == "Future"))
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn output(tokens: TokenStream) -> ReturnType {
        let Ok(sig) = syn::parse2::<syn::Signature>(tokens) else {
            panic!("not a signature");
        };
        sig.output
    }

    #[test]
    fn impl_future_returns_are_recognised() {
        assert!(returns_impl_future(&output(
            quote!(fn f() -> impl Future<Output = u8>)
        )));
        assert!(returns_impl_future(&output(
            quote!(fn f() -> impl Send + std::future::Future<Output = ()> + 'static)
        )));
        assert!(!returns_impl_future(&output(
            quote!(fn f() -> impl Display)
        )));
        assert!(!returns_impl_future(&output(
            quote!(fn f() -> Pin<Box<dyn Future<Output = ()>>>)
        )));
    }

    #[test]
    fn async_trait_bodies_are_recognised() {
        let found = boxed_async_block(&quote!(
            let x = 1;
            Box::pin(async move { x })
        ));
        let Some((before, call)) = found else {
            panic!("not found");
        };
        assert_eq!(before.len(), 1);
        assert!(matches!(call.args[0], Expr::Async(_)));
        assert!(boxed_async_block(&quote!(::std::boxed::Box::pin(async { 1 }))).is_some());
        assert!(boxed_async_block(&quote!(Box::pin(fut))).is_none());
        assert!(boxed_async_block(&quote!(Box::pin(async {});)).is_none());
        assert!(boxed_async_block(&quote!(this is not rust)).is_none());
    }
}
