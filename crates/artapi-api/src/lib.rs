//! Low-level client for OpenAI-compatible image generation APIs, as documented by
//! [ArtAPI](https://docs.artapi.ai/image-generation.html) (`POST {base}/images/generations`).
//!
//! Generated from `spec/artapi.yaml` by `cargo xtask generate`. The base URL includes `/v1`, as with the
//! OpenAI SDKs. The ergonomic `artnex` crate wraps this with validation, retries and downloads.
//!
//! ```no_run
//! use artapi_api::{Client, types::CreateImageRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::with_api_key(artapi_api::DEFAULT_BASE_URL, "sk-...")?;
//! let response = client
//!     .create_image()
//!     .body(CreateImageRequest::builder().model("flux-dev").prompt("A minimalist logo"))
//!     .send()
//!     .await?;
//! println!("{:?}", response.data[0].url);
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
#[allow(missing_docs, unused_imports, dead_code, clippy::all, clippy::pedantic, clippy::unwrap_used, clippy::expect_used)]
mod generated;

pub use artnex_transport::{ApiKey, ConfigError, HttpConfig};
pub use generated::*;

/// The ArtAPI base URL (includes `/v1`).
pub const DEFAULT_BASE_URL: &str = "https://app.artapi.ai/v1";

impl Client {
    /// A client for `base_url` (including `/v1`) that sends `Authorization: Bearer <api_key>`, with the
    /// default [`HttpConfig`]. Refuses plain http to hosts that are not loopback.
    pub fn with_api_key(base_url: &str, api_key: &str) -> Result<Self, ConfigError> {
        Self::with_config(base_url, &ApiKey::new(api_key)?, &HttpConfig::default())
    }

    /// Like [`Client::with_api_key`] with your own timeouts and user agent.
    pub fn with_config(
        base_url: &str,
        api_key: &ApiKey,
        http: &HttpConfig,
    ) -> Result<Self, ConfigError> {
        let base = artnex_transport::check_base_url(base_url)?;
        let client = http.build_client(api_key, &base)?;
        Ok(Self::new_with_client(&base, client))
    }
}
