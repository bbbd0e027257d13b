//! An application that installed its own global tracing subscriber first, and then
//! initialises traced twice: each case is one warning, and everything keeps working.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Lines {
    type Writer = Lines;

    fn make_writer(&'a self) -> Lines {
        self.clone()
    }
}

#[test]
fn an_existing_subscriber_and_a_second_init_each_get_one_warning() {
    let lines = Lines::default();
    tracing_subscriber::fmt()
        .with_writer(lines.clone())
        .with_ansi(false)
        .init();

    let mut first = traced::init(traced::Config::new().exporter(traced::ExporterKind::None));
    {
        let _span = traced::Span::root("still works").enter();
        assert!(traced::current_trace_id().is_some());
    }
    let mut second = traced::init(traced::Config::new().exporter(traced::ExporterKind::None));
    second.shutdown();
    first.shutdown();

    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
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
