//! A process that forks after `init` (pre-fork workers, daemonizing servers): the child has a
//! copy of the pipeline but not its export thread, which only the parent runs (POSIX `fork`
//! copies the calling thread alone). By default the child's guard returns at once and counts
//! the child's spans as dropped; [`reinit_after_fork`] gives the child a pipeline of its own.
//!
//! Nothing here runs per span: the guard compares the process id when it shuts down.

use std::fmt;
use std::sync::{Mutex, TryLockError};

use super::workers::Workers;
use crate::config::Settings;
use crate::engine::pipeline::Pipeline;
use crate::resource::refresh_after_fork;

/// What a forked child needs to start a pipeline like its parent's.
#[derive(Debug)]
struct Recipe {
    /// The process that started the pipeline.
    pid: u32,
    settings: Settings,
    /// An exporter given in code cannot be made again in the child.
    custom: bool,
}

/// A pipeline a forked child started with [`reinit_after_fork`].
#[derive(Debug)]
pub(super) struct ChildPipeline {
    pid: u32,
    pub(super) pipeline: &'static Pipeline,
    pub(super) workers: Workers,
}

// Locked only briefly, at start-up, shutdown and re-initialisation; never while spans are made.
// A child forked while another thread of the parent held one finds it locked for good, so the
// child only ever tries to lock them.
static RECIPE: Mutex<Option<Recipe>> = Mutex::new(None);
static CHILD: Mutex<Option<ChildPipeline>> = Mutex::new(None);

/// Remembers how the pipeline of this process was made.
pub(super) fn remember(settings: &Settings, custom: bool) {
    let mut recipe = RECIPE.lock().unwrap_or_else(|e| e.into_inner());
    *recipe = Some(Recipe {
        pid: std::process::id(),
        settings: settings.clone(),
        custom,
    });
}

/// Forgets it, at shutdown.
pub(super) fn forget() {
    if let Ok(mut recipe) = RECIPE.try_lock() {
        *recipe = None;
    }
}

/// The pipeline this child started with [`reinit_after_fork`], taken for shutdown.
pub(super) fn take_child() -> Option<ChildPipeline> {
    let pid = std::process::id();
    let mut child = CHILD.try_lock().ok()?;
    child.take_if(|child| child.pid == pid)
}

/// The pipeline this child started with [`reinit_after_fork`], for statistics.
pub(super) fn child_pipeline() -> Option<&'static Pipeline> {
    let pid = std::process::id();
    let child = CHILD.try_lock().ok()?;
    child
        .as_ref()
        .filter(|child| child.pid == pid)
        .map(|child| child.pipeline)
}

/// Why [`reinit_after_fork`] left the child without a pipeline of its own.
///
/// ```
/// use traced::{Config, ExporterKind, ReinitError, reinit_after_fork};
///
/// assert_eq!(reinit_after_fork(), Err(ReinitError::NotInitialised));
///
/// let _guard = traced::init(Config::new().exporter(ExporterKind::None));
/// // This process initialised tracing: it is not a child forked from one that did.
/// let error = reinit_after_fork().unwrap_err();
/// assert_eq!(error, ReinitError::NotForked);
/// assert_eq!(error.to_string(), "this process is not a child forked after initialisation");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReinitError {
    /// Tracing was not initialised (or was shut down) before the fork.
    NotInitialised,
    /// This is the process that initialised tracing, not a child forked from it.
    NotForked,
    /// The pipeline exports to an exporter given in code (`Config::with_exporter`), which
    /// cannot be made again in the child.
    CustomExporter,
    /// Another thread of the parent was starting or stopping tracing when the process forked.
    Busy,
}

impl fmt::Display for ReinitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReinitError::NotInitialised => "tracing was not initialised before the fork",
            ReinitError::NotForked => "this process is not a child forked after initialisation",
            ReinitError::CustomExporter => {
                "an exporter given in code cannot be made again in a forked child"
            }
            ReinitError::Busy => "tracing was starting or stopping when the process forked",
        })
    }
}

impl std::error::Error for ReinitError {}

/// Gives a process forked after [`init`](fn@crate::init) a pipeline of its own: a new export
/// thread and queue with the parent's configuration, and a resource with the child's own
/// `process.pid` and `service.instance.id`. Call it in the child, early, once; the
/// guard the child inherited then flushes and shuts down this pipeline. Spans the child made
/// before the call are counted as dropped. Calling it again in the same child does nothing.
///
/// Without it, a forked child records spans (its logs still carry ids) but exports none: its
/// guard and shutdown return at once, counting them as dropped. POSIX allows little between
/// `fork` and `exec` in a multi-threaded process, which is why the child must ask.
///
/// ```no_run
/// # #[cfg(unix)]
/// # fn main() {
/// let _guard = traced::init(traced::Config::new());
/// // ... fork a worker (with `libc::fork`, `nix::unistd::fork`, a daemonizing crate) ...
/// # let in_child = false;
/// if in_child {
///     if let Err(e) = traced::reinit_after_fork() {
///         tracing::warn!("spans of this worker are not exported: {e}");
///     }
/// }
/// # }
/// # #[cfg(not(unix))]
/// # fn main() {}
/// ```
pub fn reinit_after_fork() -> Result<(), ReinitError> {
    let pid = std::process::id();
    let (mut settings, custom, parent) = match RECIPE.try_lock() {
        Ok(recipe) => match &*recipe {
            None => return Err(ReinitError::NotInitialised),
            Some(recipe) if recipe.pid == pid => return Err(ReinitError::NotForked),
            Some(recipe) => (recipe.settings.clone(), recipe.custom, recipe.pid),
        },
        Err(TryLockError::Poisoned(_) | TryLockError::WouldBlock) => {
            return Err(ReinitError::Busy);
        }
    };
    if custom {
        return Err(ReinitError::CustomExporter);
    }
    let Ok(mut child) = CHILD.try_lock() else {
        return Err(ReinitError::Busy);
    };
    if child.as_ref().is_some_and(|child| child.pid == pid) {
        return Ok(());
    }
    refresh_after_fork(&mut settings.resource, parent);
    let (pipeline, workers) =
        super::workers::start_pipeline(&settings, super::exporter_specs(&settings));
    *child = Some(ChildPipeline {
        pid,
        pipeline,
        workers,
    });
    Ok(())
}
