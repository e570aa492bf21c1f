//! Low-level client for the [Artnex](https://docs.artnex.app) creative-AI REST API.
//!
//! The client and its types are generated from `spec/artnex.yaml` by `cargo xtask generate`
//! (progenitor, builder interface). This crate adds only a constructor that sets the bearer header from a
//! secret key, refuses plain http to non-loopback hosts, and uses timeouts suited to slow media endpoints.
//!
//! Most applications want the ergonomic `artnex` crate (model catalogue, pricing, validation, polling,
//! safe retries). Use this one when you want the wire types and nothing else.
//!
//! ```no_run
//! use artnex_api::{Client, types::GenerateRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::with_api_key(artnex_api::DEFAULT_BASE_URL, "YOUR_API_KEY")?;
//! let response = client
//!     .generate_image()
//!     .body(
//!         GenerateRequest::builder()
//!             .prompt("A serene mountain landscape at sunset")
//!             .model("z-image-turbo")
//!             .num_images(std::num::NonZeroU8::new(2).ok_or("zero")?),
//!     )
//!     .send()
//!     .await?;
//! for image in &response.images {
//!     println!("{}", image.url);
//! }
//! println!("credits used: {:?}", response.credits_used);
//! # Ok(())
//! # }
//! ```
//!
//! Errors documented by the spec come back as [`Error::ErrorResponse`] holding a typed
//! [`types::ErrorResponse`] (`error` code, `message`); undocumented statuses as
//! [`Error::UnexpectedResponse`].

#[rustfmt::skip]
#[allow(missing_docs, unused_imports, dead_code, clippy::all, clippy::pedantic, clippy::unwrap_used, clippy::expect_used)]
mod generated;

pub use artnex_transport::{ApiKey, ConfigError, HttpConfig};
pub use generated::*;

/// The production base URL. Paths in the spec start with `/v1` (a base URL ending in `/v1` is accepted too).
pub const DEFAULT_BASE_URL: &str = "https://api.artnex.ai";

impl Client {
    /// A client for `base_url` that sends `Authorization: Bearer <api_key>` on every request, with the
    /// default [`HttpConfig`] (10 s connect, 300 s read, no overall cap).
    ///
    /// Fails without touching the network when the key is empty or malformed, or when `base_url` is plain
    /// http to a host that is not loopback.
    pub fn with_api_key(base_url: &str, api_key: &str) -> Result<Self, ConfigError> {
        Self::with_config(base_url, &ApiKey::new(api_key)?, &HttpConfig::default())
    }

    /// Like [`Client::with_api_key`] with your own timeouts and user agent.
    /// The base URL may end in `/v1` (the docs write it so) or not: the operation paths already start
    /// with `/v1`, so a trailing `/v1` is dropped rather than doubled.
    pub fn with_config(
        base_url: &str,
        api_key: &ApiKey,
        http: &HttpConfig,
    ) -> Result<Self, ConfigError> {
        let checked = artnex_transport::check_base_url(base_url)?;
        let base = checked.strip_suffix("/v1").unwrap_or(&checked);
        let client = http.build_client(api_key, base)?;
        Ok(Self::new_with_client(base, client))
    }
}

impl types::ErrorResponse {
    /// The error code, typed: one of the documented codes (generated from the spec), or
    /// [`artnex_facts::ErrorCode::Unknown`] for one this version does not know; `None` when the body had
    /// none.
    ///
    /// ```
    /// let body: artnex_api::types::ErrorResponse =
    ///     serde_json::from_str(r#"{"success": false, "error": "invalid_model", "message": "no"}"#).unwrap();
    /// assert_eq!(body.code(), Some(artnex_facts::ErrorCode::InvalidModel));
    /// ```
    pub fn code(&self) -> Option<artnex_facts::ErrorCode> {
        self.error
            .as_deref()
            .map(artnex_facts::ErrorCode::from_code)
    }
}
