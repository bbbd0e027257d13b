//! What a traced function returned, recorded on its span by trait resolution.
//!
//! The macros cannot tell a `Result` from the spelling of the return type (aliases such as
//! `io::Result<()>` and `anyhow::Result<()>`), so the expansion calls
//!
//! ```text
//! (&&&&Outcome(&ret)).record_outcome();
//! ```
//!
//! and autoref specialisation picks the first impl whose bounds hold:
//!
//! | impl for | applies to | records |
//! | --- | --- | --- |
//! | `&&&Outcome<Result<T, E>>` | `E: Display` | status Error with `e`'s Display, an `exception` event |
//! | `&&Outcome<Result<T, E>>` | `E: Debug` | the same with `e`'s Debug |
//! | `&Outcome<Result<T, E>>` | any `E` | the same with the type name |
//! | `Outcome<T>` | anything else | nothing |

use core::any::type_name;
use core::fmt;

/// A traced function's return value, borrowed for recording.
pub struct Outcome<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Outcome<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outcome").finish_non_exhaustive()
    }
}

fn record_error<E: ?Sized>(message: fmt::Arguments<'_>) {
    crate::engine::record_exception(type_name::<E>(), &message.to_string());
}

pub trait RecordDisplayError {
    fn record_outcome(&self);
}

impl<T, E: fmt::Display> RecordDisplayError for &&&Outcome<'_, Result<T, E>> {
    fn record_outcome(&self) {
        if let Err(e) = self.0 {
            record_error::<E>(format_args!("{e}"));
        }
    }
}

pub trait RecordDebugError {
    fn record_outcome(&self);
}

impl<T, E: fmt::Debug> RecordDebugError for &&Outcome<'_, Result<T, E>> {
    fn record_outcome(&self) {
        if let Err(e) = self.0 {
            record_error::<E>(format_args!("{e:?}"));
        }
    }
}

pub trait RecordOpaqueError {
    fn record_outcome(&self);
}

impl<T, E> RecordOpaqueError for &Outcome<'_, Result<T, E>> {
    fn record_outcome(&self) {
        if self.0.is_err() {
            record_error::<E>(format_args!("{}", type_name::<E>()));
        }
    }
}

pub trait RecordNoOutcome {
    fn record_outcome(&self);
}

impl<T: ?Sized> RecordNoOutcome for Outcome<'_, T> {
    #[inline]
    fn record_outcome(&self) {}
}

/// An argument of a traced function, borrowed to be recorded when its type is a `SpanValue`.
pub struct Arg<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Arg<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arg").finish_non_exhaustive()
    }
}

/// First choice for an argument: its type implements `SpanValue`, so it is recorded.
pub trait RecordSpanValue {
    fn record_arg(&self, span: &mut super::SpanStart, key: &'static str);
}

impl<T: crate::SpanValue + ?Sized> RecordSpanValue for Arg<'_, T> {
    #[inline]
    fn record_arg(&self, span: &mut super::SpanStart, key: &'static str) {
        span.attr(key, self.0);
    }
}

/// Otherwise the argument is not recorded: attributes are values, not dumps.
pub trait RecordNothing {
    fn record_arg(&self, span: &mut super::SpanStart, key: &'static str);
}

impl<T: ?Sized> RecordNothing for &Arg<'_, T> {
    #[inline]
    fn record_arg(&self, _span: &mut super::SpanStart, _key: &'static str) {}
}
