//! Asynchronous video jobs.
//!
//! A job's timeline is fixed at submission: `pending` for the first 10 % of its length, then `processing`,
//! then `completed` (or `error` when a `FailVideo` fault hit it). Its length in simulated time is
//! `(20 s + 6 s x clip seconds) x model factor / speed`, where the model factor is the model's price per clip
//! divided by 3000, kept between 0.5 and 2 (cheap "fast"/"turbo" models render sooner than premium ones). Nothing runs in the background: jobs are *settled* (hold turned
//! into a charge, or released) whenever anything observes the simulator, in order of their end time.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use crate::accounts::Accounts;
use artnex_facts::OperationId;

use crate::facts::endpoint;
use crate::readings::{DoneWord, FailedWord, Readings, RunningWords, VideoCharge};

/// Fixed part of a job's length (before the speed-up).
pub const VIDEO_BASE_SECONDS: f64 = 20.0;
/// Added per second of clip (before the speed-up).
pub const VIDEO_SECONDS_PER_CLIP_SECOND: f64 = 6.0;
/// Price per clip of a model whose factor is 1.
pub const VIDEO_REFERENCE_CREDITS: f64 = 3000.0;
/// Minimum simulated time between two polls of one job (before the speed-up): the docs' polling interval
/// (`artnex_facts::VIDEO_POLLING`).
pub const POLL_INTERVAL_SECONDS: f64 = crate::facts::POLL_INTERVAL.as_secs_f64();
/// Finished jobs are forgotten this long after they ended (their video URL expired 24 h before).
const FORGET_AFTER: Duration = Duration::from_secs(48 * 60 * 60);

/// The simulated length of a video job: a clip of `clip_seconds` from a model costing `model_credits` per
/// clip, at speed-up `speed`: `(20 + 6 x clip_seconds) s x clamp(model_credits / 3000, 0.5, 2) / speed`.
///
/// ```
/// # use std::time::Duration;
/// // veo3.1 (3000 credits), 8 s clip: 68 s at speed 1, 68 ms at speed 1000.
/// assert_eq!(artnex_mock::video_job_length(3000, 8, 1.0), Duration::from_secs(68));
/// assert_eq!(artnex_mock::video_job_length(3000, 8, 1000.0), Duration::from_millis(68));
/// ```
pub fn video_job_length(model_credits: u64, clip_seconds: u32, speed: f64) -> Duration {
    let factor = (model_credits as f64 / VIDEO_REFERENCE_CREDITS).clamp(0.5, 2.0);
    let secs = (VIDEO_BASE_SECONDS + VIDEO_SECONDS_PER_CLIP_SECOND * f64::from(clip_seconds))
        * factor
        / speed;
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

/// The minimum time between two polls of one job at speed-up `speed`.
pub fn poll_interval(speed: f64) -> Duration {
    Duration::try_from_secs_f64(POLL_INTERVAL_SECONDS / speed).unwrap_or(Duration::ZERO)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Running,
    Completed(Duration),
    Failed(Duration),
}

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub owner: String,
    pub request_id: String,
    #[allow(dead_code)]
    pub model: &'static str,
    pub clip_seconds: u32,
    pub width: u32,
    pub height: u32,
    /// Drives the video's colours and motion (from the prompt).
    pub seed: u64,
    pub price: u64,
    pub processing_at: Duration,
    pub done_at: Duration,
    pub fail: bool,
    /// How the job is paid for (fixed at submission).
    pub charge: VideoCharge,
    pub outcome: Outcome,
    pub last_poll: Option<Duration>,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobState {
    Pending,
    Processing,
    Completed,
    Failed,
}

impl Job {
    pub fn state(&self, now: Duration) -> JobState {
        match self.outcome {
            Outcome::Completed(_) => JobState::Completed,
            Outcome::Failed(_) => JobState::Failed,
            Outcome::Running if now < self.processing_at => JobState::Pending,
            Outcome::Running => JobState::Processing,
        }
    }
}

impl JobState {
    /// The status word the readings give this state.
    pub fn word(self, readings: &Readings) -> &'static str {
        match (self, readings.running_words) {
            (JobState::Completed, _) => match readings.done_word {
                DoneWord::Succeeded => "succeeded",
                _ => "completed",
            },
            (JobState::Failed, _) => match readings.failed_word {
                FailedWord::Failed => "failed",
                FailedWord::Cancelled => "cancelled",
                FailedWord::Canceled => "canceled",
                FailedWord::Expired => "expired",
                _ => "error",
            },
            (JobState::Pending, RunningWords::QueuedRunning) => "queued",
            (JobState::Processing, RunningWords::QueuedRunning) => "running",
            (JobState::Processing, RunningWords::PendingProcessing) => "processing",
            _ => "pending",
        }
    }

    pub fn is_running(self) -> bool {
        matches!(self, JobState::Pending | JobState::Processing)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Jobs {
    map: HashMap<String, Job>,
    due: BTreeSet<(Duration, String)>,
    finished: VecDeque<(Duration, String)>,
}

impl Jobs {
    pub fn insert(&mut self, job: Job) {
        self.due.insert((job.done_at, job.request_id.clone()));
        self.map.insert(job.request_id.clone(), job);
    }

    pub fn get(&self, id: &str) -> Option<&Job> {
        self.map.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Job> {
        self.map.get_mut(id)
    }

    pub fn running(&self) -> usize {
        self.due.len()
    }

    /// Ends every job due by `now`, in end-time order: its hold becomes a charge, or is released (or, for
    /// a job charged at submission, a failure is refunded or not, as its reading says).
    pub fn settle(&mut self, accounts: &mut Accounts, now: Duration) {
        while let Some((at, id)) = self.due.first().cloned() {
            if at > now {
                break;
            }
            self.due.pop_first();
            if let Some(job) = self.map.get_mut(&id) {
                let (owner, price) = (job.owner.as_str(), job.price);
                let path = endpoint(OperationId::CreateVideo);
                let path = path.as_str();
                match (job.fail, job.charge) {
                    (true, VideoCharge::AtSubmission) => {
                        accounts.refund(owner, price, &id, path, at);
                    }
                    (true, VideoCharge::AtSubmissionNoRefund) => {}
                    (true, _) => accounts.release(owner, price, &id, path, at),
                    (false, VideoCharge::OnCompletion) => {
                        accounts.capture(owner, price, &id, path, at);
                    }
                    (false, _) => {}
                }
                job.outcome = if job.fail {
                    Outcome::Failed(at)
                } else {
                    Outcome::Completed(at)
                };
                self.finished.push_back((at, id));
            }
        }
        while let Some((at, _)) = self.finished.front() {
            if at.saturating_add(FORGET_AFTER) > now {
                break;
            }
            if let Some((_, id)) = self.finished.pop_front() {
                self.map.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timings_scale_with_speed() {
        assert_eq!(video_job_length(3000, 8, 1.0), Duration::from_secs(68));
        assert_eq!(video_job_length(3000, 8, 1000.0), Duration::from_millis(68));
        assert_eq!(video_job_length(1500, 5, 1.0), Duration::from_secs(25));
        assert_eq!(video_job_length(6000, 4, 1.0), Duration::from_secs(88));
        assert_eq!(video_job_length(100_000, 4, 1.0), Duration::from_secs(88));
        assert_eq!(poll_interval(1.0), Duration::from_secs(5));
        assert_eq!(poll_interval(10.0), Duration::from_millis(500));
    }
}
