//! Starting, controlling and stopping a simulator.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower_service::Service as _;

use crate::accounts::{Accounts, LedgerEntry};
use crate::choices::{
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, DEFAULT_LARGE_BODIES, RECEIVE_BUFFER,
};
use crate::clock::Clock;
use crate::config::{ArtApiModel, KeyConfig, Plan, TierPrices, artapi_default_models};
use crate::faults::{Fault, FaultSet};
use crate::jobs::Jobs;
use crate::log::{Observer, RequestLog, RequestRecord};
use crate::media::MediaStore;
use crate::readings::{Reading, Readings};
use crate::state::{App, Core, Settings, lock};
use crate::{DEFAULT_ARTAPI_KEY, DEFAULT_CREDITS, DEFAULT_KEY};

/// Why the simulator could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A setting is out of range.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
}

/// Cuts the connection a request arrived on (inserted into each request's extensions by the accept loop).
#[derive(Clone, Debug)]
pub(crate) struct ConnKiller(Arc<Notify>);

impl ConnKiller {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// Configures a simulator before starting it. Start with [`MockServer::builder`].
///
/// ```no_run
/// # async fn demo() -> Result<(), artnex_mock::MockError> {
/// use artnex_mock::{KeyConfig, MockServer, Plan};
/// let server = MockServer::builder()
///     .key(KeyConfig::artnex("sk-free", Plan::Free, 500))
///     .speed(1000.0)
///     .start()
///     .await?;
/// println!("{}", server.base_url());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MockBuilder {
    addr: SocketAddr,
    keys: Vec<KeyConfig>,
    default_keys: bool,
    speed: f64,
    manual_clock: bool,
    tier_prices: TierPrices,
    artapi_models: Vec<ArtApiModel>,
    video_padding: u64,
    request_log_capacity: usize,
    ledger_capacity: usize,
    media_capacity: usize,
    body_limit: usize,
    faults: Vec<Fault>,
    on_request: Option<Observer>,
    readings: Readings,
    body_timeout: Duration,
    large_bodies: usize,
}

impl Default for MockBuilder {
    fn default() -> Self {
        MockBuilder {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            keys: Vec::new(),
            default_keys: true,
            speed: 1.0,
            manual_clock: false,
            tier_prices: TierPrices::simulator_default(),
            artapi_models: artapi_default_models(),
            video_padding: 0,
            request_log_capacity: 10_000,
            ledger_capacity: 100_000,
            media_capacity: 1_000_000,
            body_limit: DEFAULT_BODY_LIMIT,
            faults: Vec::new(),
            on_request: None,
            readings: Readings::default(),
            body_timeout: DEFAULT_BODY_TIMEOUT,
            large_bodies: DEFAULT_LARGE_BODIES,
        }
    }
}

impl MockBuilder {
    /// The address to listen on (default `127.0.0.1:0`: loopback, any free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Adds a key (on top of the default keys unless [`MockBuilder::no_default_keys`]).
    pub fn key(mut self, key: KeyConfig) -> Self {
        self.keys.push(key);
        self
    }

    /// Leaves out [`DEFAULT_KEY`] and [`DEFAULT_ARTAPI_KEY`].
    pub fn no_default_keys(mut self) -> Self {
        self.default_keys = false;
        self
    }

    /// Speed-up of video jobs and of the per-job poll interval (default 1; 1000 makes an 8 s clip's job
    /// take 68 ms; see [`crate::video_job_length`]). Quotas and URL expiry keep real 24-hour windows of
    /// simulated time.
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// Uses a clock that only moves with [`MockServer::advance`] (no real time), for fully deterministic tests.
    pub fn manual_clock(mut self) -> Self {
        self.manual_clock = true;
        self
    }

    /// Replaces the simulator's gpt-image-2 tier table.
    pub fn tier_prices(mut self, prices: TierPrices) -> Self {
        self.tier_prices = prices;
        self
    }

    /// Sets the per-image price of an ArtAPI model (adding the model, with every default size, if unknown).
    pub fn artapi_price(mut self, model: &str, standard_credits: u64, hd_credits: u64) -> Self {
        match self.artapi_models.iter_mut().find(|m| m.id == model) {
            Some(m) => {
                m.standard_credits = standard_credits;
                m.hd_credits = hd_credits;
            }
            None => self.artapi_models.push(ArtApiModel {
                id: model.to_string(),
                sizes: vec![
                    (1024, 1024),
                    (512, 512),
                    (256, 256),
                    (1792, 1024),
                    (1024, 1792),
                ],
                standard_credits,
                hd_credits,
            }),
        }
        self
    }

    /// Replaces the ArtAPI model list.
    pub fn artapi_models(mut self, models: Vec<ArtApiModel>) -> Self {
        self.artapi_models = models;
        self
    }

    /// Makes every MP4 carry an extra `free` box with this many bytes (streamed, never allocated).
    pub fn video_padding_bytes(mut self, bytes: u64) -> Self {
        self.video_padding = bytes;
        self
    }

    /// How many recent requests the request log keeps (default 10,000).
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.request_log_capacity = n;
        self
    }

    /// How many ledger entries are kept per key (default 100,000; totals stay exact beyond it).
    pub fn ledger_capacity(mut self, n: usize) -> Self {
        self.ledger_capacity = n;
        self
    }

    /// Largest accepted request body in bytes (default ~15.3 MiB: a 10 MiB image in base64 plus JSON).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Calls `f` with every request the simulator records (API calls, media downloads, unknown routes;
    /// not the admin routes), after it is answered. The binary prints [`RequestRecord::summary`] with it.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), artnex_mock::MockError> {
    /// let server = artnex_mock::MockServer::builder()
    ///     .on_request(|r| eprintln!("{}", r.summary()))
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_request(mut self, f: impl Fn(&RequestRecord) + Send + Sync + 'static) -> Self {
        self.on_request = Some(Observer(Arc::new(f)));
        self
    }

    /// The readings of the docs' gaps to simulate (default: the spec's reading of each). See
    /// [`Readings`] and [`Readings::alternatives`].
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), artnex_mock::MockError> {
    /// use artnex_mock::{MockServer, Readings};
    /// for (name, readings) in Readings::alternatives() {
    ///     let server = MockServer::builder().readings(readings).start().await?;
    ///     // ... run the code under test against server.base_url(), report `name` on failure ...
    ///     # let _ = (name, server);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn readings(mut self, readings: Readings) -> Self {
        self.readings = readings;
        self
    }

    /// Changes one switch of the readings, e.g. `.reading(StatusPath::Query)`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), artnex_mock::MockError> {
    /// use artnex_mock::{DoneWord, MockServer, StatusPath};
    /// let server = MockServer::builder()
    ///     .reading(StatusPath::StatusSegment)
    ///     .reading(DoneWord::Succeeded)
    ///     .start()
    ///     .await?;
    /// # let _ = server;
    /// # Ok(()) }
    /// ```
    pub fn reading(mut self, reading: impl Into<Reading>) -> Self {
        self.readings = self.readings.with(reading);
        self
    }

    /// How long a request body may take to arrive once the headers are in (default 30 s, the same as
    /// for the headers). A body still incomplete then gets no answer: the connection is closed.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How many request bodies over 1 MiB are read and handled at once (default 4); the others wait their
    /// turn, so memory stays bounded whatever the number of large uploads in flight.
    pub fn large_bodies(mut self, n: usize) -> Self {
        self.large_bodies = n;
        self
    }

    /// A fault active from the start.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Binds the address and starts serving on the current Tokio runtime.
    pub async fn start(self) -> Result<MockServer, MockError> {
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Err(MockError::Config(format!(
                "speed must be a positive number, got {}",
                self.speed
            )));
        }
        if self.artapi_models.iter().any(|m| m.sizes.is_empty()) {
            return Err(MockError::Config(
                "every ArtAPI model needs at least one size".into(),
            ));
        }
        let listener = listen(self.addr).map_err(|source| MockError::Bind {
            addr: self.addr,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| MockError::Bind {
            addr: self.addr,
            source,
        })?;
        let mut accounts = Accounts::new(self.ledger_capacity);
        if self.default_keys {
            accounts.upsert(&KeyConfig::artnex(DEFAULT_KEY, Plan::Pro, DEFAULT_CREDITS));
            accounts.upsert(&KeyConfig::artapi(
                DEFAULT_ARTAPI_KEY,
                Plan::Pro,
                DEFAULT_CREDITS,
            ));
        }
        for k in &self.keys {
            accounts.upsert(k);
        }
        let mut faults = FaultSet::default();
        for f in self.faults {
            faults.add(f);
        }
        let clock = if self.manual_clock {
            Clock::manual()
        } else {
            Clock::real()
        };
        let app = Arc::new(App {
            clock,
            settings: Settings {
                speed: self.speed,
                tier_prices: self.tier_prices,
                artapi_models: self.artapi_models,
                video_padding: self.video_padding,
                body_limit: self.body_limit.max(1024),
                on_request: self.on_request,
                body_timeout: self.body_timeout,
                large_bodies: Arc::new(tokio::sync::Semaphore::new(self.large_bodies.max(1))),
            },
            addr,
            core: Mutex::new(Core {
                accounts,
                jobs: Jobs::default(),
            }),
            media: Mutex::new(MediaStore::new(self.media_capacity)),
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::new(self.request_log_capacity)),
            readings: Mutex::new(self.readings),
        });
        let router = crate::routes::router(app.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, router, stop_rx));
        Ok(MockServer {
            app,
            addr,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }
}

/// Binds the listening socket. Accepted connections inherit its receive buffer of [`RECEIVE_BUFFER`]
/// bytes: an upload waiting for a large-body permit then holds that much kernel memory at most, instead
/// of the tens of megabytes a self-tuning buffer grows to (which, with many large uploads at once, can
/// exhaust the machine's TCP memory and get connections aborted).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_recv_buffer_size(RECEIVE_BUFFER)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn accept_loop(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                // Out of file descriptors and the like: back off briefly instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Dropping the set aborts every connection still open.
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let killer = ConnKiller(kill.clone());
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(killer.clone());
        let mut router = router.clone();
        async move { router.call(req).await }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection closes the socket without writing anything more.
        _ = kill.notified() => {}
    }
}

/// A running simulator. Dropping it (or [`MockServer::shutdown`]) stops the server and every task it
/// started.
///
/// ```no_run
/// # async fn demo() -> Result<(), artnex_mock::MockError> {
/// let server = artnex_mock::MockServer::start().await?;
/// let url = format!("{}/v1/generate", server.base_url());
/// // ... point your client at server.base_url() with artnex_mock::DEFAULT_KEY ...
/// # let _ = url;
/// server.shutdown().await;
/// # Ok(()) }
/// ```
pub struct MockServer {
    app: Arc<App>,
    addr: SocketAddr,
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("clock", &self.app.clock)
            .finish()
    }
}

impl MockServer {
    /// Starts a simulator on `127.0.0.1` with a free port, the default keys and speed 1.
    pub async fn start() -> Result<MockServer, MockError> {
        MockBuilder::default().start().await
    }

    /// A builder for anything else.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The Artnex base URL, `http://127.0.0.1:PORT` (endpoints are under `/v1/...`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The ArtAPI base URL for OpenAI-style clients, `http://127.0.0.1:PORT/v1`.
    pub fn artapi_base_url(&self) -> String {
        format!("http://{}{}", self.addr, crate::facts::ARTAPI_BASE_PATH)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every key with its plan and current available balance (as `credits`).
    pub fn keys(&self) -> Vec<KeyConfig> {
        self.app.core().accounts.configs()
    }

    /// The available balance of a key (credits held by running video jobs are not available), after
    /// settling every video job due by now.
    pub fn balance(&self, key: &str) -> Option<u64> {
        self.app.core().accounts.get(key).map(|a| a.available())
    }

    /// Credits held by a key's running video jobs.
    pub fn held(&self, key: &str) -> Option<u64> {
        self.app.core().accounts.get(key).map(|a| a.held)
    }

    /// Sets a key's available balance (no effect for an unknown key).
    pub fn set_balance(&self, key: &str, credits: u64) {
        self.app.core().accounts.set_available(key, credits);
    }

    /// Every charge, hold and release on a key, oldest first (the most recent 100,000 by default).
    pub fn ledger(&self, key: &str) -> Vec<LedgerEntry> {
        self.app
            .core()
            .accounts
            .get(key)
            .map(|a| a.ledger.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Total credits ever charged to a key (holds not included until their job completes).
    pub fn total_charged(&self, key: &str) -> u64 {
        self.app
            .core()
            .accounts
            .get(key)
            .map_or(0, |a| a.total_charged)
    }

    /// The request log, oldest first (the most recent 10,000 by default).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.app.log).snapshot()
    }

    /// The simulator's clock.
    pub fn clock(&self) -> Clock {
        self.app.clock.clone()
    }

    /// Moves simulated time forward (then settles every video job that is due).
    pub fn advance(&self, d: Duration) {
        self.app.clock.advance(d);
        drop(self.app.core());
    }

    /// Adds a key, or reconfigures an existing one (its available balance becomes `credits`).
    pub fn add_key(&self, key: KeyConfig) {
        self.app.core().accounts.upsert(&key);
    }

    /// Injects a fault.
    pub fn inject(&self, fault: Fault) {
        lock(&self.app.faults).add(fault);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        lock(&self.app.faults).clear();
    }

    /// The faults still active.
    pub fn faults(&self) -> Vec<Fault> {
        lock(&self.app.faults).list()
    }

    /// The readings of the docs' gaps in force.
    pub fn readings(&self) -> Readings {
        *lock(&self.app.readings)
    }

    /// Switches the readings for every request that arrives from now on (a running video job keeps the
    /// way it is paid for; its status words follow the new readings).
    pub fn set_readings(&self, readings: Readings) {
        *lock(&self.app.readings) = readings;
    }

    /// Number of media recipes currently stored (a measure of the simulator's memory use).
    pub fn media_entries(&self) -> usize {
        lock(&self.app.media).len()
    }

    /// Number of video jobs not yet finished.
    pub fn running_jobs(&self) -> usize {
        self.app.core().jobs.running()
    }

    /// Stops accepting, closes every connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
