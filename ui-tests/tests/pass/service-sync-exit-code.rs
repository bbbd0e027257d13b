//! Any `Termination` type, here `ExitCode`.

use std::process::ExitCode;

#[traced::traced_service]
fn main() -> ExitCode {
    if std::env::args().count() > 100 {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
