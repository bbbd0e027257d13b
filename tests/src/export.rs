//! Reading what `export_app` prints: `export: <what> name=value …` lines on stdout.

use crate::{Line, Output};

/// The stdout line `export: <what> …`.
///
/// # Panics
/// When there is none, with everything the process printed.
pub fn line<'a>(output: &'a Output, what: &str) -> &'a Line {
    let prefix = format!("export: {what} ");
    output
        .stdout
        .iter()
        .find(|l| l.text.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line\n{}", output.dump()))
}

/// The `name=value` field of an `export: …` line, as a number.
///
/// # Panics
/// When the field is missing or not a number.
pub fn field(line: &str, name: &str) -> u64 {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {line:?}"))
}

/// The guard's stats: (exported, failed, dropped).
pub fn stats(output: &Output) -> (u64, u64, u64) {
    let line = &line(output, "stats").text;
    (
        field(line, "exported"),
        field(line, "failed"),
        field(line, "dropped"),
    )
}

/// One exporter's stats (`otlp`, `console`): (exported, failed).
///
/// # Panics
/// When that exporter's line is missing, with everything the process printed.
pub fn exporter(output: &Output, name: &str) -> (u64, u64) {
    let line = &line(output, &format!("exporter name={name}")).text;
    (field(line, "exported"), field(line, "failed"))
}

/// What `traced::flush` returned, as its `Debug` (`Delivered { spans: 3 }`), from a flush line.
///
/// # Panics
/// When the line has no result.
pub fn flush_result(line: &str) -> &str {
    line.split_once("result=")
        .map(|(_, result)| result)
        .unwrap_or_else(|| panic!("no result in {line:?}"))
}
