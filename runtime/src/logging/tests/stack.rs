//! The rest of the stack: threads, the filter, the `log` bridge, the pretty format, the panic
//! hook.

use super::*;

#[test]
fn lines_from_many_threads_do_not_interleave() {
    let captured = Capture::default();
    let layer =
        EventLayer::new(LogFormat::Json, "svc", captured.clone(), false).with_ids(pinned_ids);
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let dispatch = dispatch.clone();
            std::thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for i in 0..200 {
                        tracing::info!(thread, i, "{}", "y".repeat(i * 10));
                    }
                });
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(captured.lines().len(), 800);
}

#[test]
fn the_filter_applies_and_an_invalid_one_falls_back_to_info() {
    let (_, error) = filter("debug");
    assert!(error.is_none());
    let (filter, error) = filter("info,=garbage=");
    assert!(error.is_some());
    assert_eq!(
        filter.max_level_hint(),
        Some(tracing::level_filters::LevelFilter::INFO)
    );
    assert!(super::filter("").1.is_none());

    let captured = Capture::default();
    let (filter, error) = super::filter("warn");
    assert!(error.is_none());
    assert_eq!(
        filter.max_level_hint(),
        Some(tracing::level_filters::LevelFilter::WARN)
    );
    let layer = EventLayer::new(LogFormat::Json, "svc", captured.clone(), false);
    let subscriber = tracing_subscriber::registry().with(filter).with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("filtered out");
        tracing::warn!("kept");
    });
    let lines = captured.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["message"], "kept");
}

#[test]
fn log_records_are_bridged_with_their_own_target() {
    let line = json(|| {
        // Dispatches like `LogTracer` does, without installing a global `log` logger.
        let dispatched = tracing_log::format_trace(
            &log::Record::builder()
                .args(format_args!("from log {}", 1))
                .level(log::Level::Warn)
                .target("legacy::db")
                .file(Some("db.rs"))
                .line(Some(3))
                .build(),
        );
        assert!(dispatched.is_ok());
    });
    assert_eq!(line["target"], "legacy::db");
    assert_eq!(line["level"], "WARN");
    assert_eq!(line["message"], "from log 1");
    assert!(!line.keys().any(|key| key.starts_with("log.")), "{line:?}");
    assert_eq!(line["span_id"], "00f067aa0ba902b7");
}

#[test]
fn pretty_is_one_escaped_line_with_the_ids() {
    let text = capture(LogFormat::Pretty, pinned_ids, || {
        tracing::info!(user = "a\nb", n = 3, "hello\n\x1b[2Jworld");
    })
    .text();
    assert_eq!(text.matches('\n').count(), 1, "{text:?}");
    assert!(!text.contains('\x1b'), "{text:?}");
    let rest = text.split_at(27).1;
    assert!(
        rest.starts_with(&format!(
            "  INFO {}: hello\\n\\u{{1b}}[2Jworld user=\"a\\nb\" n=3 ",
            module_path!()
        )),
        "{text:?}"
    );
    assert!(
        text.ends_with(" trace_id=0af7651916cd43dd8448eb211c80319c span_id=00f067aa0ba902b7\n")
    );
}

#[test]
fn the_panic_hook_logs_one_line_even_when_installed_twice() {
    install_panic_hook();
    install_panic_hook();
    let captured = capture(LogFormat::Json, pinned_ids, || {
        let result = std::panic::catch_unwind(|| panic!("card {} declined", 7));
        assert!(result.is_err());
    });
    let line = captured.only_line();
    assert_eq!(line["level"], "ERROR");
    assert_eq!(line["target"], PANIC_TARGET);
    assert_eq!(line["message"], "panicked: card 7 declined");
    assert_eq!(line["code.file.path"], file!());
    assert!(line["code.line.number"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(
        line["exception"],
        serde_json::json!({"type": "panic", "message": "card 7 declined"})
    );
    assert_eq!(line["trace_id"], "0af7651916cd43dd8448eb211c80319c");
}

#[test]
fn the_panic_target_survives_a_narrow_filter() {
    let (filter, _) = filter("my_app=debug");
    let enabled = filter.to_string();
    assert!(
        enabled.contains(&format!("{PANIC_TARGET}=error")),
        "{enabled}"
    );
    let (filter, _) = super::filter("traced::panic=off");
    assert!(!filter.to_string().contains("error"), "{filter}");
}
