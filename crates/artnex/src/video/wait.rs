//! Waiting for a video job: the one polling loop, read as a stream ([`Updates`]) or awaited ([`Wait`]).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument as _;

use super::{JobState, JobStatus, Video, VideoJob};
use crate::error::Error;
use crate::retry::RetryPolicy;

type ProgressFn = Box<dyn FnMut(&JobState) + Send>;

/// How [`VideoJob::wait`] polls: interval, timeout and a progress callback. Unset values use the client's
/// defaults (5 s and 5 minutes unless changed with
/// [`ClientBuilder::poll_interval`](crate::ClientBuilder::poll_interval) and
/// [`ClientBuilder::wait_timeout`](crate::ClientBuilder::wait_timeout)).
///
/// ```
/// use std::time::Duration;
/// use artnex::video::WaitOptions;
///
/// let opts = WaitOptions::new()
///     .interval(Duration::from_secs(10))
///     .timeout(Duration::from_secs(900))
///     .on_progress(|s| eprintln!("{}", s.status));
/// # let _ = opts;
/// ```
#[derive(Default)]
pub struct WaitOptions {
    interval: Option<Duration>,
    timeout: Option<Duration>,
    on_progress: Option<ProgressFn>,
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("on_progress", &self.on_progress.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl WaitOptions {
    /// The client's defaults.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let opts = artnex::video::WaitOptions::new();
    /// # let _ = (client, opts);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn new() -> Self {
        WaitOptions::default()
    }

    /// Pause between polls. The API throttles polls faster than every 5 s (the SDK then waits the
    /// `Retry-After` and carries on).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().interval(std::time::Duration::from_secs(10));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = Some(d);
        self
    }

    /// How long to wait in total before returning [`Error::JobTimedOut`] (the job goes on).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().timeout(std::time::Duration::from_secs(900));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Called with the job's state each time its status changes (including the first status seen).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().on_progress(|s| println!("{}", s.status));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn on_progress(mut self, f: impl FnMut(&JobState) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }
}

/// The polling loop behind [`Updates`]: one step polls until the status changes, the deadline passes or a
/// poll fails for good.
struct Poller {
    job: VideoJob,
    interval: Duration,
    timeout: Duration,
    /// When the first step ran, and the deadline from then (the wait starts when it is first read).
    clock: Option<(Instant, Instant)>,
    /// The submission's state of a fresh job, reported before the first poll.
    initial: Option<JobState>,
    delay: Duration,
    polls: u32,
    last: Option<JobStatus>,
    on_progress: Option<ProgressFn>,
    done: bool,
}

impl Poller {
    fn new(mut job: VideoJob, options: WaitOptions) -> Poller {
        let interval = options.interval.unwrap_or(job.client.inner.poll_interval);
        let timeout = options.timeout.unwrap_or(job.client.inner.wait_timeout);
        // The poller's own copy of the job: the submission's state is reported from here, once.
        let initial = job.last.take();
        Poller {
            // A fresh job reports its submission status and waits one interval; a resumed one polls at once.
            delay: if initial.is_some() {
                interval
            } else {
                Duration::ZERO
            },
            job,
            interval,
            timeout,
            clock: None,
            initial,
            polls: 0,
            last: None,
            on_progress: options.on_progress,
            done: false,
        }
    }

    /// The next status change (or the final error), and the poller to continue with; `None` once ended.
    async fn step(mut self) -> Option<(Result<JobState, Error>, Poller)> {
        if self.done {
            return None;
        }
        let deadline = self.deadline();
        if let Some(state) = self.initial.take()
            && let Some(changed) = self.observe(state)
        {
            return Some((Ok(changed), self));
        }
        loop {
            let now = Instant::now();
            if now >= deadline && self.polls > 0 {
                return Some((Err(self.give_up()), self));
            }
            tokio::time::sleep(self.delay.min(deadline.saturating_duration_since(now))).await;
            self.polls += 1;
            self.delay = self.interval;
            // The loop itself retries at the next interval (within the deadline), so a failed poll is not
            // retried inside: a throttling Retry-After must never make the wait overshoot its timeout.
            let client = &self.job.client;
            // The client's polls take turns (`poll_concurrency`): jobs due together share a few
            // connections instead of opening one each.
            let turn = client.inner.polls.acquire().await;
            // Boxed, so that only a job whose poll is in flight holds the request's state: a sleeping
            // job holds the loop's few fields.
            let sent = Box::pin(
                client
                    .video_status(self.job.request_id.clone())
                    .retry_policy(RetryPolicy::none())
                    .send(),
            )
            .await;
            drop(turn);
            match sent {
                Ok(state) => {
                    if let Some(changed) = self.observe(state) {
                        return Some((Ok(changed), self));
                    }
                }
                Err(e) if transient_while_polling(&e) => {
                    tracing::warn!(request_id = %self.job.request_id, error = %e, "status poll failed; still waiting");
                    if let Some(hint) = e.retry_after() {
                        self.delay = self.delay.max(hint);
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some((Err(e), self));
                }
            }
            if Instant::now() >= deadline {
                return Some((Err(self.give_up()), self));
            }
        }
    }

    /// The state when its status is new (reported, and the budget settled when final); `None` otherwise.
    fn observe(&mut self, state: JobState) -> Option<JobState> {
        if self.last.as_ref() == Some(&state.status) {
            return None;
        }
        tracing::info!(request_id = %state.request_id, status = %state.status, "video job status");
        if let Some(cb) = self.on_progress.as_mut() {
            cb(&state);
        }
        self.last = Some(state.status.clone());
        if state.status.is_terminal() {
            // The budget is settled by whatever saw the state (the poll, or the submission).
            self.done = true;
        }
        Some(state)
    }

    /// The deadline, starting the clock on the first call.
    fn deadline(&mut self) -> Instant {
        let timeout = self.timeout;
        self.clock
            .get_or_insert_with(|| {
                let now = Instant::now();
                (now, now + timeout)
            })
            .1
    }

    fn give_up(&mut self) -> Error {
        self.done = true;
        let start = self.clock.map_or_else(Instant::now, |(start, _)| start);
        tracing::warn!(request_id = %self.job.request_id, "gave up waiting for the video job; it goes on");
        Error::JobTimedOut {
            request_id: self.job.request_id.clone(),
            waited: start.elapsed(),
            last_status: self.last.clone(),
        }
    }
}

type Step = Pin<Box<dyn Future<Output = Option<(Result<JobState, Error>, Poller)>> + Send>>;

/// A video job's status changes, from [`VideoJob::updates`]: read them with [`Updates::next`] or as a
/// [`Stream`](futures_core::Stream). Polls are sent only while it is being read.
#[must_use = "updates do nothing unless read"]
pub struct Updates {
    step: Option<Step>,
}

impl fmt::Debug for Updates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Updates")
            .field("ended", &self.step.is_none())
            .finish()
    }
}

impl Updates {
    pub(crate) fn new(job: VideoJob, options: WaitOptions) -> Updates {
        Updates {
            step: Some(Box::pin(Poller::new(job, options).step())),
        }
    }

    /// The next status change; `None` once the job has ended (or the stream has returned an error).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let mut updates = client.video_job("req_vid789xyz").updates();
    /// if let Some(first) = updates.next().await {
    ///     println!("now {}", first?.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next(&mut self) -> Option<Result<JobState, Error>> {
        std::future::poll_fn(|cx| self.poll_step(cx)).await
    }

    fn poll_step(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<JobState, Error>>> {
        use std::task::Poll;
        let Some(step) = self.step.as_mut() else {
            return Poll::Ready(None);
        };
        match step.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.step = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some((item, poller))) => {
                self.step = Some(Box::pin(poller.step()));
                Poll::Ready(Some(item))
            }
        }
    }
}

impl futures_core::Stream for Updates {
    type Item = Result<JobState, Error>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.get_mut().poll_step(cx)
    }
}

/// A pending wait on a video job: set options, then `.await` it.
#[must_use = "a wait does nothing until it is awaited"]
#[derive(Debug)]
pub struct Wait {
    job: VideoJob,
    options: WaitOptions,
}

impl Wait {
    /// Pause between polls (default 5 s).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().interval(std::time::Duration::from_secs(10));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn interval(mut self, d: Duration) -> Self {
        self.options.interval = Some(d);
        self
    }

    /// Total time before [`Error::JobTimedOut`] (default 5 minutes).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().timeout(std::time::Duration::from_secs(900));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.options.timeout = Some(d);
        self
    }

    /// Called on every status change.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().on_progress(|s| println!("{}", s.status));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn on_progress(mut self, f: impl FnMut(&JobState) + Send + 'static) -> Self {
        self.options.on_progress = Some(Box::new(f));
        self
    }
}

impl Wait {
    pub(crate) fn new(job: VideoJob, options: WaitOptions) -> Wait {
        Wait { job, options }
    }

    /// Reads the status changes until the final one.
    async fn run(self) -> Result<Video, Error> {
        let Wait { job, options } = self;
        let (client, request_id) = (job.client.clone(), job.request_id.clone());
        let mut updates = Updates::new(job, options);
        while let Some(state) = updates.next().await {
            if let Some(video) = VideoJob::outcome(&client, &state?)? {
                return Ok(video);
            }
        }
        // The stream ends only after a final state or an error, both handled above.
        Err(Error::JobTimedOut {
            request_id,
            waited: Duration::ZERO,
            last_status: None,
        })
    }
}

impl IntoFuture for Wait {
    type Output = Result<Video, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let span = tracing::info_span!("artnex", operation = "video_wait", request_id = %self.job.request_id);
        Box::pin(self.run().instrument(span))
    }
}

/// Errors worth polling through: the connection, 5xx, and throttling.
fn transient_while_polling(e: &Error) -> bool {
    match e {
        Error::Transport(_) => true,
        Error::RateLimited { .. } => true,
        Error::Api(api) => api.status >= 500 || api.status == 408,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A waiting job holds the loop's state only: the status request (a few KiB of reqwest and pipeline
    /// state) is boxed while it is in flight, so that a thousand sleeping jobs do not each carry one.
    #[test]
    fn a_sleeping_wait_is_small() {
        let client = crate::Client::builder()
            .api_key("sk-example")
            .build()
            .expect("client");
        let step = Poller::new(client.video_job("req_1"), WaitOptions::new()).step();
        let size = std::mem::size_of_val(&step);
        assert!(size <= 2048, "the polling loop's state is {size} bytes");
    }
}
