//! What `main` returned, reported by `#[traced_service]` before shutdown.
//!
//! `main` may return `()`, `ExitCode`, or a `Result` under any name (`anyhow::Result<()>`,
//! `io::Result<()>`), and the macro cannot tell these apart from the spelling of the return type.
//! So the choice is made by trait resolution, with autoref specialisation (dtolnay's pattern):
//! the expansion brings the three traits into scope and calls
//!
//! ```text
//! (&&&MainOutcome(&result)).report_main_outcome();
//! ```
//!
//! Method lookup tries the receiver with the most references first, so the first impl whose
//! bounds hold wins:
//!
//! | impl for | applies to | reports |
//! | --- | --- | --- |
//! | `&&MainOutcome<Result<T, E>>` | `E: Display` | `Err(e)` with its `Display` |
//! | `&MainOutcome<Result<T, E>>` | `E: Debug` (what `main`'s `Termination` requires) | `Err(e)` with its `Debug` |
//! | `MainOutcome<T>` | anything | nothing |
//!
//! This only works on concrete types, which is what the expansion has: inside a generic function
//! every `T` would take the last row.

use core::fmt;

use super::report_main_error;

/// The value `main` is about to return, borrowed for reporting.
pub struct MainOutcome<'a, T>(pub &'a T);

impl<T> fmt::Debug for MainOutcome<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MainOutcome").finish_non_exhaustive()
    }
}

/// The error found in `main`'s result, shown with `Display` when its type has one, else with
/// `Debug`.
pub enum MainError<'a> {
    Display(&'a dyn fmt::Display),
    Debug(&'a dyn fmt::Debug),
}

impl fmt::Display for MainError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Display(error) => fmt::Display::fmt(error, f),
            Self::Debug(error) => fmt::Debug::fmt(error, f),
        }
    }
}

impl fmt::Debug for MainError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variant = match self {
            Self::Display(_) => "Display",
            Self::Debug(_) => "Debug",
        };
        f.debug_tuple(variant)
            .field(&format_args!("{self}"))
            .finish()
    }
}

/// First choice: an `Err` whose error implements `Display`.
pub trait ReportDisplayError {
    fn main_error(&self) -> Option<MainError<'_>>;

    fn report_main_outcome(&self) {
        if let Some(error) = ReportDisplayError::main_error(self) {
            report_main_error(&error);
        }
    }
}

impl<T, E: fmt::Display> ReportDisplayError for &&MainOutcome<'_, Result<T, E>> {
    fn main_error(&self) -> Option<MainError<'_>> {
        match self.0 {
            Ok(_) => None,
            Err(error) => Some(MainError::Display(error)),
        }
    }
}

/// Second choice: an `Err` whose error implements only `Debug`.
pub trait ReportDebugError {
    fn main_error(&self) -> Option<MainError<'_>>;

    fn report_main_outcome(&self) {
        if let Some(error) = ReportDebugError::main_error(self) {
            report_main_error(&error);
        }
    }
}

impl<T, E: fmt::Debug> ReportDebugError for &MainOutcome<'_, Result<T, E>> {
    fn main_error(&self) -> Option<MainError<'_>> {
        match self.0 {
            Ok(_) => None,
            Err(error) => Some(MainError::Debug(error)),
        }
    }
}

/// Last choice: not a `Result` (`()`, `ExitCode`, …), nothing to report.
pub trait ReportNoError {
    fn main_error(&self) -> Option<MainError<'_>> {
        None
    }

    fn report_main_outcome(&self) {}
}

impl<T> ReportNoError for MainOutcome<'_, T> {}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::process::ExitCode;

    use super::*;

    /// What the expansion would report for `$value`, through the same method lookup.
    macro_rules! reported {
        ($value:expr) => {{
            let value = $value;
            (&&&MainOutcome(&value))
                .main_error()
                .map(|error| error.to_string())
        }};
    }

    /// The call the expansion makes.
    macro_rules! report {
        ($value:expr) => {
            (&&&MainOutcome(&$value)).report_main_outcome()
        };
    }

    struct DebugOnly {
        code: u8,
    }

    impl fmt::Debug for DebugOnly {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "DebugOnly {{ code: {} }}", self.code)
        }
    }

    #[test]
    fn display_errors_use_display() {
        let result: Result<(), String> = Err("disk full".into());
        assert_eq!(reported!(result).as_deref(), Some("disk full"));
    }

    #[test]
    fn aliases_are_found_by_trait_resolution() {
        let result: std::io::Result<()> = Err(std::io::Error::other("no route"));
        assert_eq!(reported!(result).as_deref(), Some("no route"));
        type Alias<T> = Result<T, Box<dyn std::error::Error>>;
        let result: Alias<u8> = Err("boxed".into());
        assert_eq!(reported!(result).as_deref(), Some("boxed"));
    }

    #[test]
    fn debug_only_errors_use_debug() {
        let result: Result<(), DebugOnly> = Err(DebugOnly { code: 7 });
        assert_eq!(reported!(result).as_deref(), Some("DebugOnly { code: 7 }"));
    }

    #[test]
    fn ok_and_non_results_report_nothing() {
        assert_eq!(reported!(Ok::<(), String>(())), None);
        assert_eq!(reported!(Ok::<(), DebugOnly>(())), None);
        assert_eq!(reported!(()), None);
        assert_eq!(reported!(ExitCode::FAILURE), None);
        assert_eq!(reported!(Some(fmt::Error)), None);
    }

    #[test]
    fn reporting_without_a_subscriber_is_harmless() {
        report!(Err::<(), _>("boom"));
        report!(Err::<(), _>(DebugOnly { code: 1 }));
        report!(());
    }

    #[test]
    fn debug_formats_are_readable() {
        let outcome = MainOutcome(&());
        assert_eq!(format!("{outcome:?}"), "MainOutcome { .. }");
        let error = DebugOnly { code: 2 };
        assert_eq!(
            format!("{:?}", MainError::Debug(&error)),
            "Debug(DebugOnly { code: 2 })"
        );
    }
}
