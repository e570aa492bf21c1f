//! `artnex-mock`: a faithful, stateful local simulator of the Artnex API (`spec/artnex.yaml`) and of the
//! OpenAI-compatible ArtAPI images API (`spec/artapi.yaml`), for tests, demos and CI — the role stripe-mock
//! plays for Stripe.
//!
//! It serves every documented operation with the documented validation, error codes and statuses; keeps
//! accounts with plans, credit balances and an atomic ledger; enforces the rolling 24-hour quota; runs
//! asynchronous video jobs on a clock tests can advance; and serves real PNG, MP3 and MP4 files at the URLs
//! it returns. Faults (latency, 500/503, dropped connections after a charge, 429) can be injected per key or
//! globally.
//!
//! # In your tests
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use artnex_mock::{KeyConfig, MockServer, Plan, DEFAULT_KEY};
//!
//! let server = MockServer::builder()
//!     .key(KeyConfig::artnex("sk-test-free", Plan::Free, 1_000))
//!     .speed(1000.0) // video jobs finish in milliseconds
//!     .start()
//!     .await?;
//! // Point your client at the simulator instead of https://api.artnex.ai:
//! let base_url = server.base_url(); // "http://127.0.0.1:PORT"; endpoints are under /v1
//! # let _ = (base_url, DEFAULT_KEY);
//! // ... run the code under test with base_url and "sk-test-free" ...
//! assert_eq!(server.total_charged("sk-test-free"), 0);
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The binary `artnex-mock` runs the same server out of process; see the crate README for its flags and for
//! the admin routes under `/__admin/`.

mod accounts;
mod choices;
mod clock;
mod config;
mod facts;
mod faults;
mod ids;
mod jobs;
mod log;
mod media;
pub mod readings;
mod routes;
mod server;
mod state;
mod validation;
mod voices;

pub use accounts::{LedgerEntry, LedgerKind};
pub use clock::Clock;
pub use config::{
    ArtApiModel, DEFAULT_CREDITS, KeyConfig, Plan, Surface, TierPrices, artapi_default_models,
};
pub use faults::{FAULT_KINDS, Fault, FaultKind, FaultKindInfo, fault_kind_list};
pub use jobs::{
    POLL_INTERVAL_SECONDS, VIDEO_BASE_SECONDS, VIDEO_REFERENCE_CREDITS,
    VIDEO_SECONDS_PER_CLIP_SECOND, poll_interval, video_job_length,
};
pub use log::RequestRecord;
pub use readings::{
    AspectRatioRule, CreditsNumber, DoneWord, DurationDefault, ErrorBody, FailedWord, ImagesField,
    Limits, PollQuota, PollStatus, PollThrottle, Reading, Readings, RefusedQuota, ResponseNulls,
    RetryAfterHeader, RunningWords, ServerErrorBody, StatusPath, SubmitStatus, SubmitSuccessField,
    SuccessStatus, Switch, VideoCharge,
};
pub use routes::POLICY_TRIGGER;
pub use server::{MockBuilder, MockError, MockServer};
pub use voices::{
    ELEVENLABS_VOICE_ID_LEN, ELEVENLABS_VOICES, KLING_VOICES, accepts_voice, default_voice, voices,
};

/// The Artnex test key every simulator has unless told otherwise: Pro plan (1,000 requests a day),
/// 1,000,000 credits.
pub const DEFAULT_KEY: &str = "sk-mock-artnex";

/// The ArtAPI test key every simulator has unless told otherwise: Pro plan, 1,000,000 credits.
pub const DEFAULT_ARTAPI_KEY: &str = "sk-mock-artapi";

/// The largest input image accepted, in bytes before base64 encoding: the spec's
/// `artnex_facts::IMAGE_INPUT_MAX_BYTES` (the documented 10 MB).
pub const MAX_IMAGE_BYTES: usize = facts::MAX_IMAGE_BYTES;
