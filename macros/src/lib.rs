//! Implementation detail of [`traced`](https://docs.rs/traced): its attribute macros.
//!
//! Depend on `traced` and use the macros through it (`traced::traced_service`,
//! `traced::root_span`, `traced::child_span`). This crate is
//! pinned by `traced` to the same exact version; its generated code calls
//! `::traced::__private`, which is not public API, so nothing here is meant to be used alone.
//!
//! Layout: `entry` runs each attribute's pipeline (parse → validate → expand, and the fallback that
//! re-emits the item with the errors), `args` parses options, `item` models the annotated fn and
//! `params` its arguments, `validate` checks them, `errors` collects the mistakes of every pass,
//! `expand` generates code and `paths` names the runtime.

mod args;
mod entry;
mod errors;
mod expand;
mod item;
mod params;
mod paths;
mod validate;

use proc_macro::TokenStream;

use crate::args::SpanAttribute;

/// Sets up tracing and logging for the whole program, on its `main`.
///
/// ```no_run
/// #[traced::traced_service]
/// fn main() -> anyhow::Result<()> {
///     tracing::info!("started"); // a JSON line on stderr
///     Ok(())
/// }
/// ```
///
/// When `main` starts, everything is initialised once from the environment (OpenTelemetry's
/// `OTEL_*` variables, `RUST_LOG`): the resource, sampler, propagators, exporter and batch
/// export, the JSON log subscriber and a panic hook. When `main` ends, by returning, by
/// returning an `Err`, or by an unwinding panic, spans are flushed and the exporter shuts down
/// within a bounded time. An `Err` returned from `main` is first logged at error level with its
/// `Display` (its `Debug` when the error type has no `Display`). The body of `main` runs
/// unchanged: `return` and `?` behave as they did.
///
/// # Where it goes
///
/// On `fn main` or `async fn main`, returning `()`, a `Result` under any name (`anyhow::Result<()>`,
/// `io::Result<()>`, `Result<(), Box<dyn Error>>`) or anything else `main` may return, such as
/// `ExitCode`. With an async runtime attribute, either order works:
///
/// ```no_run
/// #[traced::traced_service]
/// #[tokio::main]
/// async fn main() -> anyhow::Result<()> {
///     tokio::task::yield_now().await;
///     Ok(())
/// }
/// ```
///
/// ```no_run
/// #[tokio::main(flavor = "current_thread")]
/// #[traced::traced_service]
/// async fn main() {
///     tracing::info!("shutdown is safe on a current-thread runtime too");
/// }
/// ```
///
/// # Options
///
/// All optional, comma-separated, each at most once:
///
/// | option | default | meaning |
/// | --- | --- | --- |
/// | `name = "…"` | `service.name` from `OTEL_RESOURCE_ATTRIBUTES`, else the package name (`CARGO_PKG_NAME` of the crate that has `main`) | `service.name`; `OTEL_SERVICE_NAME` still overrides it |
/// | `version = "…"` | `service.version` from `OTEL_RESOURCE_ATTRIBUTES`, else the package version (`CARGO_PKG_VERSION`) | `service.version` |
/// | `crate = "…"` | `::traced` | the path of the `traced` crate, for a dependency renamed in `Cargo.toml` |
///
/// ```no_run
/// // Cargo.toml: my_traced = { package = "traced", version = "…" }
/// # extern crate traced as my_traced;
/// #[my_traced::traced_service(name = "checkout", version = "2.1.0", crate = "my_traced")]
/// fn main() {}
/// ```
///
/// Each value is a string literal; `crate` holds a path written as in a `use`
/// (`"my_traced"`, `"::my_traced"`, `"crate::reexports::traced"`).
///
/// # What it expands to
///
/// ```text
/// #[traced_service(name = "checkout")]
/// fn main() -> R { body }
///
/// // becomes
/// fn main() -> R {
///     let __traced_guard = ::traced::__private::service_start(
///         Some("checkout"), None, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
///     let __traced_result = (move || -> R { body })();   // `return` and `?` stay inside
///     /* if `__traced_result` is an `Err`, log it at error level */
///     __traced_result
/// }                                                       // the guard flushes and shuts down
/// ```
///
/// An `async fn main` runs its body as `async move { body }.await` instead of the closure. The
/// `__traced_*` names are hygienic: the body can neither see nor shadow them. Whether the result
/// is an `Err` worth logging is decided by trait resolution, not by the spelling of `R`. Other
/// attributes, doc comments, visibility and the signature are kept as written; inner attributes
/// such as `#![allow(…)]` move onto the function, where they still cover the body.
///
/// # Compile errors
///
/// Misuse is reported at the offending token, and the function is still emitted (as written, or
/// for parameters on `main` as an inner copy that rustc does not check a second time), so
/// nothing else breaks: an unknown or repeated option, an option without a string literal, a
/// `crate` that is not a path, parameters on `main`, a function other than `main`, an item that
/// is not a function, and the attribute applied twice.
#[proc_macro_attribute]
pub fn traced_service(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::traced_service(args.into(), item.into()).into()
}

#[doc = include_str!("../docs/root_span.md")]
#[proc_macro_attribute]
pub fn root_span(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::span(SpanAttribute::Root, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/child_span.md")]
#[proc_macro_attribute]
pub fn child_span(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::span(SpanAttribute::Child, args.into(), item.into()).into()
}
