//! # artnex
//!
//! The Rust SDK for the [Artnex](https://docs.artnex.app) creative-AI API: image generation and editing,
//! asynchronous video, text-to-speech, upscaling and background removal.
//!
//! Every Artnex call costs credits and counts against a daily request quota, so this crate is built to
//! never waste one:
//!
//! - **Validation before the network**: prompt and text lengths (in characters), `num_images`, model kind
//!   per endpoint, durations and aspect ratios per model, mode/image consistency, gpt-image-2 tiers,
//!   image inputs (format sniffed from the content, 10 MB limit, https URLs). A refused request costs
//!   nothing. See [`Error::Validation`].
//! - **Pricing without the network**: `estimate()` on every request builder, and an optional client
//!   [budget](ClientBuilder::budget). See [`pricing`].
//! - **Retries that never double-charge**: only failures that cannot have been charged are retried by
//!   default; an ambiguous billable failure comes back as an error saying the request may have been
//!   processed. See [`retry`].
//! - **Video jobs that are never lost**: the request id is known before waiting, waits time out with the id
//!   in the error, and [`Client::video_job`] resumes. See [`video`].
//! - **Streamed downloads** with the right file extension. See [`media`].
//! - **The key is a secret**: never in `Debug`, errors or logs, never sent over plain http except to
//!   loopback.
//!
//! ```no_run
//! use artnex::{Client, Model};
//!
//! # async fn run() -> artnex::Result<()> {
//! let client = Client::from_env()?; // ARTNEX_API_KEY, ARTNEX_BASE_URL
//!
//! let est = client.generate("a red fox").model(Model::Flux2Pro).num_images(2).estimate()?; // no network
//! println!("{est}"); // 500 credits
//! let out = client.generate("a red fox").model(Model::Flux2Pro).num_images(2).await?;
//! out.images[0].download_to("fox.png").await?;
//!
//! let job = client.video("drone over mountains").model(Model::Veo31).duration(8).submit().await?;
//! println!("{}", job.request_id()); // known before waiting
//! let video = job.wait().await?;
//! video.video.save_to_dir(".", "drone").await?; // drone.mp4
//!
//! let speech = client.tts("Hello from Artnex").await?;
//! let upscaled = client.upscale("photo.jpg").scale(2.0).await?;
//! let cutout = client.remove_background("photo.jpg").await?;
//! # let _ = (speech, upscaled, cutout); Ok(()) }
//! ```
//!
//! **OpenAI-compatible images** (default-on feature `openai-images`): `openai::ImagesClient` talks to any
//! `POST {base}/images/generations` endpoint (ArtAPI by default) with the same validation, retry rules,
//! typed errors and outputs:
//!
//! ```no_run
//! # #[cfg(feature = "openai-images")]
//! # async fn run() -> artnex::Result<()> {
//! use artnex::openai::{ImagesClient, Quality, ResponseFormat};
//!
//! let images = ImagesClient::from_env()?; // ARTAPI_KEY, ARTAPI_BASE_URL
//! let out = images.generate("a minimalist logo").model("flux-dev").quality(Quality::Hd)
//!     .response_format(ResponseFormat::B64Json).await?;
//! out.data[0].image.save_to_dir(".", "logo").await?; // logo.png, decoded from b64_json
//! # Ok(()) }
//! ```
//!
//! Tracing: every call runs in an `artnex` span (operation, model, the first 48 characters of the
//! prompt); retries and poll failures are logged at `warn`.

pub mod any;
pub mod budget;
pub mod builder;
pub mod catalogue;
pub mod client;
pub mod edit;
pub mod error;
mod exec;
pub mod generate;
pub mod media;
#[cfg(feature = "openai-images")]
pub mod openai;
pub mod operation;
mod output;
pub mod pricing;
pub mod remove_background;
pub mod request;
pub mod retry;
mod stall;
pub mod tts;
pub mod upscale;
mod validate;
pub mod video;

pub use budget::BudgetStatus;
pub use catalogue::Model;
pub use client::{Client, ClientBuilder};
pub use error::{ApiError, Error, ErrorCode, Result, TransportError, ValidationError};
pub use operation::{Checked, Operation, OperationId};
pub use output::{ImageResult, Images};
pub use pricing::{Estimate, PriceTable};
pub use request::Request;
pub use retry::RetryPolicy;

/// The `reqwest` version this crate uses, for [`builder::Builder::http_client`] and
/// [`builder::Builder::download_client`]. With the `ring` feature (the default), reqwest needs a
/// process-wide rustls crypto provider to build a client: starting an artnex client builder installs it,
/// and so does [`install_crypto_provider`] (for a `reqwest` client built before any artnex client).
pub use reqwest;

/// Every fact the specs state, generated (operations, error codes, limits with whether the docs state
/// them, enums, the polling rule, plan quotas, the model catalogue): the `artnex-facts` crate.
pub use artnex_facts as facts;

pub use artnex_transport::install_crypto_provider;
