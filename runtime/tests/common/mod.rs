//! Shared by the integration tests that read what traced logs through an application's own
//! subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

/// An in-memory log destination for `tracing_subscriber::fmt().with_writer(…)`.
#[derive(Clone, Default)]
pub(crate) struct Lines(Arc<Mutex<Vec<u8>>>);

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

impl Lines {
    /// Installs a global fmt subscriber writing here, and returns the destination.
    pub(crate) fn install_global() -> Lines {
        let lines = Lines::default();
        tracing_subscriber::fmt()
            .with_writer(lines.clone())
            .with_ansi(false)
            .init();
        lines
    }

    /// Everything written so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
