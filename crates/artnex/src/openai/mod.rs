//! A client for any OpenAI-compatible images endpoint (`POST {base}/images/generations`), with the same
//! guarantees as the Artnex client: validation before the network, billing-safe retries, typed errors,
//! downloads and decoded `b64_json` saved with the right extension, and a key that never leaks.
//!
//! [ArtAPI](https://docs.artapi.ai/image-generation.html) is the default provider; any server that speaks
//! the OpenAI images dialect works with [`ImagesClientBuilder::base_url`] (the base URL includes the version
//! prefix, `/v1` for most, exactly as with the OpenAI SDKs).
//!
//! Enabled by the default-on cargo feature `openai-images`.
//!
//! ```no_run
//! use artnex::openai::{ImagesClient, Quality, ResponseFormat, Style};
//!
//! # async fn run() -> artnex::Result<()> {
//! let images = ImagesClient::from_env()?; // ARTAPI_KEY, optional ARTAPI_BASE_URL
//! let out = images
//!     .generate("a minimalist logo for a tech startup, flat design, blue tones")
//!     .model("flux-dev")
//!     .n(2)
//!     .size(1024, 1024)
//!     .quality(Quality::Hd)
//!     .style(Style::Natural)
//!     .response_format(ResponseFormat::B64Json)
//!     .await?;
//! for (i, image) in out.data.iter().enumerate() {
//!     println!("revised prompt: {:?}", image.revised_prompt);
//!     image.image.save_to_dir(".", &format!("logo-{i}")).await?; // logo-0.png: extension from the bytes
//! }
//! # Ok(()) }
//! ```
//!
//! # What is sent
//!
//! Exactly what the OpenAI SDKs send for the same parameters: `POST {base}/images/generations` with
//! `Authorization: Bearer <key>`, `Content-Type: application/json` and a JSON body holding `model`, `prompt`
//! and only the optional fields you set (`n`, `size` as `"1024x1024"`, `quality`, `response_format`,
//! `style`). [`ImageRequest::to_json`] shows the body without sending it; the request value
//! [`CreateImage`] serialises to exactly that body.
//!
//! # Checked before sending (nothing is charged)
//!
//! | field | rule | [`ValidationError::code`](crate::ValidationError::code) |
//! |---|---|---|
//! | `model` | set (on the request or as the client's [default](ImagesClientBuilder::default_model)), not blank | `invalid_request` |
//! | `prompt` | not blank | `invalid_request` |
//! | `prompt` | at most N characters, when [set](ImagesClientBuilder::max_prompt_chars) (ArtAPI's limit is not documented, so by default the server decides) | `prompt_too_long` |
//! | `n` | 1 to 10 (`artnex::facts::CREATE_IMAGE_N_MAX`) | `invalid_request` |
//! | `size` | width and height at least 1 (which sizes a model supports is the server's call) | `invalid_size` |
//!
//! `quality`, `response_format` and `style` are enums: an invalid value cannot be built. Whether a model
//! supports a size is the server's call (`invalid_size`): the supported sizes are per provider and model.
//!
//! # Errors
//!
//! The OpenAI error body `{"error": {"message", "type", "code", "param"}}` becomes an [`Error`] variant:
//!
//! | answer | [`Error`] | retried? |
//! |---|---|---|
//! | 400 (`model_not_found`, `invalid_size`, `prompt_too_long`, `content_policy_violation`, ...) | [`Error::Api`] with [`ApiError::code`](crate::ApiError::code), `error_type`, `param` | no |
//! | 401 `invalid_api_key` | [`Error::Unauthorized`] | no |
//! | 402 `insufficient_quota`, or 429 with code or type `insufficient_quota` (OpenAI's form) | [`Error::InsufficientCredits`] | never |
//! | 429 with `Retry-After` up to the policy's cap | retried after that delay | yes |
//! | 429 without `Retry-After` or a longer one | [`Error::RateLimited`] | no |
//! | 502, 503, 504, connection refused | retried with backoff | yes |
//! | 500 `upstream_error`, reset after sending, read timeout | [`Error::Api`] / [`Error::Transport`] with [`Error::may_have_been_processed`] | **never replayed** (the request may have been charged) |
//!
//! The retry rules are the Artnex client's ([`crate::retry`]); [`RetryPolicy::retry_ambiguous`] opts in to
//! replaying ambiguous failures.
//!
//! # Outputs
//!
//! Each [`GeneratedImage`] holds a [`Media`]: a URL to download (URLs expire after 24 hours) or the image
//! bytes decoded from `b64_json` (decoded once, while the response is read), with the same helpers as
//! every Artnex result. [`Media::save_to_dir`] picks the file extension from the content (PNG, JPEG, WebP
//! or GIF magic bytes), never from a guess.
//!
//! No budget or estimate: the provider's prices are not published in a form the SDK can know.

mod generate;
mod output;
mod wire;

use std::fmt;
use std::sync::Arc;

pub use generate::{CreateImage, ImageRequest, ImageSize, Quality, ResponseFormat, Style};
pub use output::{GeneratedImage, ImagesResponse};

/// The generated low-level client this module is built on (see [`ImagesClient::api`]).
pub use artapi_api;

use crate::budget::Budget;
use crate::builder::{Builder, Connection, Core};
use crate::error::Error;
use crate::media::Media;
use crate::operation::{Dialect, OperationId, sealed};
use crate::pricing::PriceTable;
use crate::request::Request;
use crate::retry::RetryPolicy;

/// The ArtAPI base URL (with `/v1`, as the OpenAI SDKs expect).
pub const DEFAULT_BASE_URL: &str = artapi_api::DEFAULT_BASE_URL;
/// The environment variable [`ImagesClient::from_env`] reads the key from.
pub const API_KEY_ENV: &str = "ARTAPI_KEY";
/// The environment variable [`ImagesClient::from_env`] reads an optional base URL from.
pub const BASE_URL_ENV: &str = "ARTAPI_BASE_URL";

/// A client for an OpenAI-compatible images API. Cheap to clone (clones share the connection pool).
///
/// ```no_run
/// # async fn run() -> artnex::Result<()> {
/// let images = artnex::openai::ImagesClient::from_env()?;
/// let out = images.generate("a lighthouse at dawn").model("flux-dev").await?;
/// println!("{}", out.data[0].image);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ImagesClient {
    inner: Arc<Inner>,
}

struct Inner {
    core: Core,
    api: artapi_api::Client,
    url: reqwest::Url,
    checks: ImagesChecks,
}

/// What validation reads from an images client: its default model and prompt limit.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct ImagesChecks {
    pub(crate) default_model: Option<String>,
    pub(crate) max_prompt_chars: Option<usize>,
}

impl Default for ImagesChecks {
    fn default() -> Self {
        ImagesChecks {
            default_model: None,
            // ArtAPI's 4,000 characters is an assumption (the docs name the error, not the number): not
            // enforced unless the spec documents it.
            max_prompt_chars: artnex_facts::CREATE_IMAGE_PROMPT_MAX_CHARS.enforced(),
        }
    }
}

impl fmt::Debug for ImagesClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImagesClient")
            .field("base_url", &self.base_url())
            .field("api_key", &"[REDACTED]")
            .field("retry", &self.inner.core.retry)
            .field("default_model", &self.inner.checks.default_model)
            .field("max_prompt_chars", &self.inner.checks.max_prompt_chars)
            .finish()
    }
}

impl sealed::Sealed for ImagesClient {}

impl Dialect for ImagesClient {
    type Settings = ImagesChecks;
    type ErrorBody = wire::OpenAiErrorBody;

    fn settings(&self) -> &ImagesChecks {
        &self.inner.checks
    }

    fn core(&self) -> &Core {
        &self.inner.core
    }

    fn budget_handle(&self) -> Option<&Budget> {
        None
    }

    fn prices(&self) -> Option<&PriceTable> {
        None
    }

    fn endpoint(&self, op: OperationId) -> Result<&reqwest::Url, Error> {
        match op {
            OperationId::CreateImage => Ok(&self.inner.url),
            other => Err(Error::Internal {
                operation: Some(other),
                message: "the images client only generates images".into(),
                may_have_been_processed: false,
            }),
        }
    }
}

impl ImagesClient {
    /// A client configured from `ARTAPI_KEY` (required) and `ARTAPI_BASE_URL` (optional, default
    /// `https://app.artapi.ai/v1`). Nothing is sent.
    ///
    /// ```no_run
    /// let images = artnex::openai::ImagesClient::from_env()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn from_env() -> Result<ImagesClient, Error> {
        ImagesClientBuilder::from_env()?.build()
    }

    /// A client for ArtAPI with this key and every default. Nothing is sent.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert!(!format!("{images:?}").contains("sk-example"));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn new(api_key: impl AsRef<str>) -> Result<ImagesClient, Error> {
        ImagesClient::builder().api_key(api_key).build()
    }

    /// A builder for every setting.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder()
    ///     .api_key("sk-example")
    ///     .base_url("http://127.0.0.1:8080/v1") // a local simulator: plain http is fine on loopback
    ///     .default_model("flux-dev")
    ///     .build()?;
    /// assert_eq!(images.base_url(), "http://127.0.0.1:8080/v1");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn builder() -> ImagesClientBuilder {
        ImagesClientBuilder::default()
    }

    /// The base URL (with its version prefix, for example `https://app.artapi.ai/v1`); requests go to
    /// `{base_url}/images/generations`.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert_eq!(images.base_url(), "https://app.artapi.ai/v1");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        &self.inner.core.base_url
    }

    /// The retry policy used by every request that does not set its own.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert_eq!(images.retry_policy().max_retries_value(), 2);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.core.retry
    }

    /// The model used when a request does not set one.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example").default_model("flux-dev").build()?;
    /// assert_eq!(images.default_model(), Some("flux-dev"));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn default_model(&self) -> Option<&str> {
        self.inner.checks.default_model.as_deref()
    }

    /// The longest prompt accepted before sending, in characters, when the client checks one (`None`
    /// by default: ArtAPI's limit is not documented, so the server decides).
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert_eq!(images.max_prompt_chars(), None);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn max_prompt_chars(&self) -> Option<usize> {
        self.inner.checks.max_prompt_chars
    }

    /// The generated low-level client (`artapi-api`), sharing this client's connection pool, key,
    /// timeouts and base URL: an escape hatch for what this module does not cover. Calls made through it
    /// get none of this module's validation or retries.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// use artnex::openai::artapi_api::ClientInfo as _;
    /// assert_eq!(images.api().baseurl(), "https://app.artapi.ai/v1");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn api(&self) -> &artapi_api::Client {
        &self.inner.api
    }

    /// Starts an image generation request (`POST {base}/images/generations`). See [`ImageRequest`].
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// let out = images.generate("a red fox in the snow").model("flux-dev").n(2).await?;
    /// # let _ = out; Ok(()) }
    /// ```
    pub fn generate(&self, prompt: impl Into<String>) -> ImageRequest {
        Request::new(self.clone(), CreateImage::new(prompt))
    }

    /// Wraps an image URL you kept (valid 24 hours after generation) so that you can download it.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// images.media("https://cdn.artapi.ai/images/abc123.webp").save_to_dir(".", "kept").await?;
    /// # Ok(()) }
    /// ```
    pub fn media(&self, url: impl Into<String>) -> Media {
        self.inner
            .core
            .downloads
            .url(url.into(), crate::media::MediaKind::Image)
    }
}

/// The images client's own builder settings (see [`ImagesClientBuilder`]).
#[derive(Debug, Default)]
pub struct ImagesSettings {
    default_model: Option<String>,
    max_prompt_chars: Option<usize>,
}

/// Every [`ImagesClient`] setting. Start with [`ImagesClient::builder`] or
/// [`ImagesClientBuilder::from_env`]; the connection settings are documented on [`Builder`].
pub type ImagesClientBuilder = Builder<ImagesSettings>;

impl Builder<ImagesSettings> {
    /// A builder preset from `ARTAPI_KEY` (required) and `ARTAPI_BASE_URL` (optional).
    ///
    /// ```no_run
    /// let images = artnex::openai::ImagesClientBuilder::from_env()?.default_model("flux-dev").build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn from_env() -> Result<ImagesClientBuilder, Error> {
        Ok(Builder {
            conn: Connection::from_env(API_KEY_ENV, BASE_URL_ENV)?,
            settings: ImagesSettings::default(),
        })
    }

    /// The model used when a request does not set one (blank means none).
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example").default_model("flux-dev").build()?;
    /// assert!(images.generate("a fox").validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn default_model(mut self, model: impl Into<String>) -> Self {
        self.settings.default_model = Some(model.into());
        self
    }

    /// Refuse prompts longer than this many characters before sending (`prompt_too_long`). Off by
    /// default: ArtAPI documents the error but not the number (the specs assume 4,000), and other
    /// providers accept longer prompts.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example").max_prompt_chars(4_000).build()?;
    /// assert!(images.generate("a".repeat(4_001)).model("m").validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn max_prompt_chars(mut self, chars: usize) -> Self {
        self.settings.max_prompt_chars = Some(chars);
        self
    }

    /// Checks the settings and builds the client. Nothing is sent.
    ///
    /// ```
    /// let err = artnex::openai::ImagesClient::builder()
    ///     .api_key("sk-example")
    ///     .base_url("http://app.artapi.ai/v1")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, artnex::Error::Config(_)));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn build(self) -> Result<ImagesClient, Error> {
        let core = self.conn.open(API_KEY_ENV, DEFAULT_BASE_URL, |u| {
            u.trim_end_matches('/').to_string()
        })?;
        let url = core.url("/images/generations")?;
        Ok(ImagesClient {
            inner: Arc::new(Inner {
                api: artapi_api::Client::new_with_client(&core.base_url, core.http.clone()),
                url,
                core,
                checks: ImagesChecks {
                    default_model: self
                        .settings
                        .default_model
                        .map(|m| m.trim().to_string())
                        .filter(|m| !m.is_empty()),
                    max_prompt_chars: self
                        .settings
                        .max_prompt_chars
                        .or(ImagesChecks::default().max_prompt_chars),
                },
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_kept_with_its_prefix() {
        let c = ImagesClient::builder()
            .api_key("sk-x")
            .base_url("http://127.0.0.1:9/v1/")
            .build()
            .expect("loopback");
        assert_eq!(c.base_url(), "http://127.0.0.1:9/v1");
        let c = ImagesClient::new("sk-x").expect("default");
        assert_eq!(c.base_url(), DEFAULT_BASE_URL);
        let err = ImagesClient::builder()
            .api_key("sk-secret-y")
            .base_url("http://app.artapi.ai/v1")
            .build()
            .expect_err("plain http");
        assert!(!err.to_string().contains("sk-secret-y"), "{err}");
        assert!(matches!(
            ImagesClient::builder().build(),
            Err(Error::MissingApiKey { var: "ARTAPI_KEY" })
        ));
        assert!(matches!(
            ImagesClient::builder().api_key("  ").build(),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn debug_hides_the_key() {
        let b = ImagesClient::builder().api_key("sk-top-secret-2");
        assert!(!format!("{b:?}").contains("top-secret"));
        let c = b.build().expect("ok");
        let text = format!("{c:?}");
        assert!(
            !text.contains("top-secret") && text.contains("REDACTED"),
            "{text}"
        );
        let r = c.generate("a fox").model("flux-dev");
        assert!(!format!("{r:?}").contains("top-secret"));
    }
}
