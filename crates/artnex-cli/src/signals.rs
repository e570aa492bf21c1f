//! Ctrl-C (SIGINT) and SIGTERM during a batch: the first asks the run to stop starting items and to let
//! the ones in flight finish; the second ends the process at once. A batch whose stdout is closed asks
//! for the same stop as a first signal ([`Stop::request`]). While `artnex video` waits, [`Signals`] tells
//! it to print how to resume and exit.

use crate::report::INTERRUPTED;
use std::sync::Arc;
use tokio::sync::watch;

/// Whether a stop was asked for, and a way to wait for it.
#[derive(Clone)]
pub struct Stop {
    tx: Arc<watch::Sender<bool>>,
    rx: watch::Receiver<bool>,
}

impl Stop {
    /// A stop that only [`Stop::request`] brings (when the signals cannot be listened for).
    pub fn never() -> Stop {
        let (tx, rx) = watch::channel(false);
        Stop {
            tx: Arc::new(tx),
            rx,
        }
    }

    /// Asks for the stop, as a first signal does (without its message).
    pub fn request(&self) {
        let _ = self.tx.send(true);
    }

    /// Whether the first signal has arrived.
    pub fn requested(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits until the first signal arrives (forever if none does).
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        if rx.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Starts listening for SIGINT and SIGTERM (Ctrl-C elsewhere). On the first, `on_first` runs (to say what
/// happens now) and [`Stop::requested`] turns true; on the second, `on_second` runs and the process exits
/// with [`INTERRUPTED`] without waiting for anything.
pub fn install(
    on_first: impl FnOnce() + Send + 'static,
    on_second: impl FnOnce() + Send + 'static,
) -> std::io::Result<Stop> {
    let stop = Stop::never();
    let mut signals = Signals::new()?;
    let tx = stop.tx.clone();
    tokio::spawn(async move {
        signals.next().await;
        on_first();
        let _ = tx.send(true);
        signals.next().await;
        on_second();
        std::process::exit(i32::from(INTERRUPTED));
    });
    Ok(stop)
}

/// The signals that interrupt a command, registered when created (so none is missed after that).
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Starts listening.
    pub fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for the next SIGINT or SIGTERM.
    pub async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
