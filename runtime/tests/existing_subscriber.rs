//! An application that installed its own global tracing subscriber first, and then
//! initialises traced twice: each case is one warning, and everything keeps working.

mod common;

use common::Lines;

#[test]
fn an_existing_subscriber_and_a_second_init_each_get_one_warning() {
    let lines = Lines::install_global();

    let mut first = traced::init(traced::Config::new().exporter(traced::ExporterKind::None));
    {
        let _span = traced::Span::root("still works").enter();
        assert!(traced::current_trace_id().is_some());
    }
    let mut second = traced::init(traced::Config::new().exporter(traced::ExporterKind::None));
    second.shutdown();
    first.shutdown();

    let text = lines.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(
        warnings
            .iter()
            .filter(|l| l.contains("global tracing subscriber is already installed"))
            .count(),
        1,
        "{text}"
    );
    assert_eq!(
        warnings
            .iter()
            .filter(|l| l.contains("already initialised"))
            .count(),
        1,
        "{text}"
    );
}
