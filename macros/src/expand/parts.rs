//! What `span` hands to `body` to wrap a function: how to start its span, and how to record
//! the function's outcome on it.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// What `body` needs to wrap a function: how to start its span and record its outcome.
pub(super) struct Parts {
    pub(super) private: TokenStream,
    /// `__traced_span`, the started span (a `SpanStart`) until it is entered.
    pub(super) span: Ident,
    /// `__traced_on`, the global switch as read once before the span starts (a `Switch`).
    pub(super) on: Ident,
    /// Statements that read the switch into `__traced_on`, declare `__traced_span` and record
    /// its attributes.
    pub(super) start: TokenStream,
}

impl Parts {
    // Input:
    //     __traced_ret (whatever the function returns)
    //
    // Output:
    //     {
    //         use ::traced::__private::{RecordDisplayError as _, …, RecordNoOutcome as _};
    //         (&&&&::traced::__private::Outcome(&__traced_ret)).record_outcome();
    //     }
    //
    // The impl is chosen by autoref specialisation, see `traced::__private::outcome`. It records
    // on the current span, so it runs while the function's span is current.
    pub(super) fn record_outcome(&self, ret: &Ident) -> TokenStream {
        let private = &self.private;
        quote! {
            {
                #[allow(
                    unused_imports,
                    reason = "method resolution uses only the one trait that matches the result"
                )]
                use #private::{
                    RecordDebugError as _, RecordDisplayError as _, RecordNoOutcome as _,
                    RecordOpaqueError as _,
                };
                (&&&&#private::Outcome(&#ret)).record_outcome();
            }
        }
    }
}
