//! A tolerant model of the annotated item. The signature is parsed; the body is kept as tokens,
//! so a half-written body (or syntax newer than syn) still expands and IDEs keep working.
//!
//! Methods (`self` receivers), trait default methods and `unsafe`/`const`/`async` fns all parse
//! here; which of them an attribute accepts is `validate`'s business.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens as _;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Attribute, Signature, Token, Visibility, braced, token};

/// A function with a body: free fn, method or trait default method.
pub(crate) struct FnItem {
    /// Outer attributes, doc comments included, in their written order.
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Body,
}

/// A function body: `{ #![inner] stmts }`.
pub(crate) struct Body {
    pub(crate) brace: token::Brace,
    pub(crate) inner_attrs: Vec<Attribute>,
    /// The statements, unparsed.
    pub(crate) stmts: TokenStream,
}

/// Anything else, described for the error message and located at its keyword.
pub(crate) struct NotFn {
    /// "a struct", "a fn without a body", "a closure", …
    pub(crate) what: &'static str,
    pub(crate) span: Span,
    /// An expression (rustc expands attributes on expressions and statements, after reporting
    /// that they are unstable): the fallback must stay one expression.
    pub(crate) expression: bool,
}

/// Models `item`: a function, or a description of what it is instead.
pub(crate) fn parse(item: TokenStream) -> Result<FnItem, NotFn> {
    match syn::parse2::<FnOrDecl>(item.clone()) {
        Ok(FnOrDecl::Fn(func)) => Ok(func),
        Ok(FnOrDecl::Decl(sig)) => Err(NotFn {
            what: "a fn without a body",
            span: sig.fn_token.span,
            expression: false,
        }),
        Err(_) => Err(describe(item)),
    }
}

/// A function, or a declaration such as `fn f(&self);` in a trait.
enum FnOrDecl {
    Fn(FnItem),
    Decl(Signature),
}

impl Parse for FnOrDecl {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            return Ok(Self::Decl(sig));
        }
        let content;
        let brace = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let stmts = content.parse()?;
        Ok(Self::Fn(FnItem {
            attrs,
            vis,
            sig,
            body: Body {
                brace,
                inner_attrs,
                stmts,
            },
        }))
    }
}

/// What a non-function item is, and the span of its keyword.
fn describe(item: TokenStream) -> NotFn {
    let first = item.clone().into_iter().next();
    let fallback = || NotFn {
        what: "this item",
        span: first
            .as_ref()
            .map_or_else(Span::call_site, |tree| tree.span()),
        expression: false,
    };
    let parsed = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(parsed) => parsed,
        Err(_) => return describe_statement(item).unwrap_or_else(fallback),
    };
    let (what, span) = match &parsed {
        syn::Item::Struct(item) => ("a struct", item.struct_token.span),
        syn::Item::Enum(item) => ("an enum", item.enum_token.span),
        syn::Item::Union(item) => ("a union", item.union_token.span),
        syn::Item::Trait(item) => ("a trait", item.trait_token.span),
        syn::Item::TraitAlias(item) => ("a trait alias", item.trait_token.span),
        syn::Item::Impl(item) => ("an impl block", item.impl_token.span),
        syn::Item::Mod(item) => ("a module", item.mod_token.span),
        syn::Item::Const(item) => ("a const", item.const_token.span),
        syn::Item::Static(item) => ("a static", item.static_token.span),
        syn::Item::Type(item) => ("a type alias", item.type_token.span),
        syn::Item::Use(item) => ("a `use` declaration", item.use_token.span),
        syn::Item::ExternCrate(item) => ("an `extern crate`", item.extern_token.span),
        syn::Item::ForeignMod(item) => ("an `extern` block", item.abi.extern_token.span),
        syn::Item::Macro(item) => ("a macro invocation", item.mac.path.span()),
        _ => return fallback(),
    };
    NotFn {
        what,
        span,
        expression: false,
    }
}

/// A statement or expression (a closure, a call), for attributes rustc let through on them.
fn describe_statement(item: TokenStream) -> Option<NotFn> {
    // `parse_within` accepts an expression without `;`, which is how rustc passes one.
    let mut stmts = syn::Block::parse_within.parse2(item).ok()?;
    if stmts.len() != 1 {
        return None;
    }
    let (what, span, expression) = match stmts.pop()? {
        syn::Stmt::Local(local) => ("a `let` statement", local.let_token.span, false),
        syn::Stmt::Expr(expr, _) => {
            let what = match &expr {
                syn::Expr::Closure(_) => "a closure",
                syn::Expr::Async(_) => "an async block",
                syn::Expr::Block(_) => "a block",
                _ => "an expression",
            };
            (what, expr.span(), true)
        }
        syn::Stmt::Macro(stmt) => ("a macro invocation", stmt.mac.path.span(), true),
        syn::Stmt::Item(_) => return None,
    };
    Some(NotFn {
        what,
        span,
        expression,
    })
}

impl FnItem {
    /// The inner attributes (`#![allow(…)]` at the top of the body) as outer ones: the body is
    /// moved into a closure or an async block, where rustc does not accept them.
    pub(crate) fn hoisted_inner_attrs(&self) -> impl Iterator<Item = TokenStream> + '_ {
        self.body.inner_attrs.iter().map(|attr| {
            let mut attr = attr.clone();
            attr.style = syn::AttrStyle::Outer;
            attr.into_token_stream()
        })
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn not_fn(item: TokenStream) -> &'static str {
        match parse(item) {
            Ok(func) => panic!("parsed as fn `{}`", func.sig.ident),
            Err(item) => item.what,
        }
    }

    #[test]
    fn keeps_attributes_signature_and_body_tokens() {
        let Ok(func) = parse(quote! {
            /// Docs.
            #[tokio::main]
            pub async fn main() -> anyhow::Result<()> {
                #![allow(unused)]
                let x = 1;
                this is not rust yet
            }
        }) else {
            panic!("not parsed as a fn");
        };
        assert_eq!(func.attrs.len(), 2);
        assert!(func.sig.asyncness.is_some());
        assert!(matches!(func.vis, Visibility::Public(_)));
        assert_eq!(func.body.inner_attrs.len(), 1);
        assert_eq!(
            func.body.stmts.to_string(),
            quote!(let x = 1; this is not rust yet).to_string()
        );
        let hoisted: Vec<_> = func.hoisted_inner_attrs().map(|a| a.to_string()).collect();
        assert_eq!(hoisted, [quote!(#[allow(unused)]).to_string()]);
    }

    #[test]
    fn methods_parse_as_fns() {
        let parsed = parse(quote! {
            unsafe fn get<T: Copy>(&mut self, i: usize) -> T where T: Send { todo() }
        });
        assert!(parsed.is_ok());
    }

    #[test]
    fn other_items_are_described() {
        assert_eq!(
            not_fn(quote!(
                pub struct S {
                    a: u8,
                }
            )),
            "a struct"
        );
        assert_eq!(
            not_fn(quote!(
                enum E {}
            )),
            "an enum"
        );
        assert_eq!(not_fn(quote!(impl S {})), "an impl block");
        assert_eq!(
            not_fn(quote!(
                const X: u8 = 1;
            )),
            "a const"
        );
        assert_eq!(
            not_fn(quote!(
                fn f(&self);
            )),
            "a fn without a body"
        );
        assert_eq!(not_fn(quote!(+ +)), "this item");
    }

    #[test]
    fn expressions_are_described() {
        assert_eq!(not_fn(quote!(|x| x + 1)), "a closure");
        assert_eq!(not_fn(quote!(async move { 1 })), "an async block");
        assert_eq!(not_fn(quote!(run(1))), "an expression");
        assert_eq!(not_fn(quote!(let x = 1;)), "a `let` statement");
        assert!(parse(quote!(|| 1)).err().is_some_and(|e| e.expression));
        assert!(
            parse(quote!(
                struct S;
            ))
            .err()
            .is_some_and(|e| !e.expression)
        );
    }
}
