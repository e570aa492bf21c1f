//! Captures everything the SDK logs while one test runs, even with sibling tests running in parallel.
//!
//! `tracing` caches whether a log site is enabled once per process, the first time any thread reaches it.
//! While exactly one subscriber is registered, that answer comes from the reaching thread's own subscriber,
//! so a sibling test (which has none) can switch a site off for good before this capture sees it. Registering
//! an inert, level-OFF subscriber first means that by the time logging is switched on at all (when the
//! capturing subscriber registers), two are live and every site asks both.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::Dispatch;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::filter::LevelFilter;

/// A capturing subscriber installed on the current thread until dropped.
pub(crate) struct LogCapture {
    buffer: Buffer,
    _guard: DefaultGuard,
    _anchor: Dispatch,
}

impl LogCapture {
    /// Installs a subscriber recording every level, without colours, into memory.
    pub(crate) fn start() -> Self {
        let anchor = Dispatch::new(
            tracing_subscriber::fmt()
                .with_max_level(LevelFilter::OFF)
                .finish(),
        );
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(LevelFilter::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        // Re-ask every site already known, in case another subscriber was registered before this one.
        tracing::callsite::rebuild_interest_cache();
        LogCapture {
            buffer,
            _guard: guard,
            _anchor: anchor,
        }
    }

    /// Everything logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.0.lock().unwrap()).into_owned()
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
