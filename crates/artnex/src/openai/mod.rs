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
//!     image.save_to_dir(".", &format!("logo-{i}")).await?; // logo-0.png: extension from the bytes
//! }
//! # Ok(()) }
//! ```
//!
//! # What is sent
//!
//! Exactly what the OpenAI SDKs send for the same parameters: `POST {base}/images/generations` with
//! `Authorization: Bearer <key>`, `Content-Type: application/json` and a JSON body holding `model`, `prompt`
//! and only the optional fields you set (`n`, `size` as `"1024x1024"`, `quality`, `response_format`,
//! `style`). [`ImageRequest::to_json`] shows the body without sending it.
//!
//! # Checked before sending (nothing is charged)
//!
//! | field | rule | [`ValidationError::code`](crate::ValidationError::code) |
//! |---|---|---|
//! | `model` | set (on the request or as the client's [default](ImagesClientBuilder::default_model)), not blank | `invalid_request` |
//! | `prompt` | not blank | `invalid_request` |
//! | `prompt` | at most [`MAX_PROMPT_CHARS`] characters (Unicode scalar values; [configurable](ImagesClientBuilder::max_prompt_chars)) | `prompt_too_long` |
//! | `n` | 1 to [`MAX_IMAGES`] | `invalid_request` |
//! | `size` | width and height 1 to [`MAX_SIDE`] | `invalid_size` |
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
//! Each [`GeneratedImage`] holds either a URL ([`ImageOutput::Url`], a [`Media`] to download; URLs expire
//! after 24 hours) or the image bytes decoded from `b64_json` ([`ImageOutput::Data`], decoded once, while
//! the response is read). [`GeneratedImage::save_to_dir`] picks the file extension from the content (PNG,
//! JPEG, WebP or GIF magic bytes), never from a guess.
//!
//! No budget or estimate: the provider's prices are not published in a form the SDK can know.

mod generate;
mod output;
mod wire;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use artnex_transport::secrecy::SecretString;

pub use generate::{ImageRequest, Quality, ResponseFormat, Style};
pub use output::{GeneratedImage, ImageOutput, ImagesResponse};

/// The generated low-level client this module is built on (see [`ImagesClient::api`]).
pub use artapi_api;

use crate::client::Connection;
use crate::error::Error;
use crate::media::{Media, MediaKind};
use crate::retry::RetryPolicy;

/// The ArtAPI base URL (with `/v1`, as the OpenAI SDKs expect).
pub const DEFAULT_BASE_URL: &str = artapi_api::DEFAULT_BASE_URL;
/// The environment variable [`ImagesClient::from_env`] reads the key from.
pub const API_KEY_ENV: &str = "ARTAPI_KEY";
/// The environment variable [`ImagesClient::from_env`] reads an optional base URL from.
pub const BASE_URL_ENV: &str = "ARTAPI_BASE_URL";
/// Default longest prompt, in characters (Unicode scalar values). See
/// [`ImagesClientBuilder::max_prompt_chars`].
pub const MAX_PROMPT_CHARS: usize = 4000;
/// Most images per request (`n`).
pub const MAX_IMAGES: u8 = 10;
/// Largest width or height accepted in `size` (five digits, as in `spec/artapi.yaml`).
pub const MAX_SIDE: u32 = 99_999;

/// A client for an OpenAI-compatible images API. Cheap to clone (clones share the connection pool).
///
/// ```no_run
/// # async fn run() -> artnex::Result<()> {
/// let images = artnex::openai::ImagesClient::from_env()?;
/// let out = images.generate("a lighthouse at dawn").model("flux-dev").await?;
/// println!("{:?}", out.data[0].url());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ImagesClient {
    inner: Arc<Inner>,
}

struct Inner {
    api: artapi_api::Client,
    download: reqwest::Client,
    durable_downloads: bool,
    retry: RetryPolicy,
    default_model: Option<String>,
    max_prompt_chars: usize,
}

impl fmt::Debug for ImagesClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImagesClient")
            .field("base_url", &self.base_url())
            .field("api_key", &"[REDACTED]")
            .field("retry", &self.inner.retry)
            .field("default_model", &self.inner.default_model)
            .field("max_prompt_chars", &self.inner.max_prompt_chars)
            .finish()
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
        use artapi_api::ClientInfo as _;
        self.inner.api.baseurl()
    }

    /// The retry policy used by every request that does not set its own.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert_eq!(images.retry_policy().max_retries_value(), 2);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The model used when a request does not set one.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example").default_model("flux-dev").build()?;
    /// assert_eq!(images.default_model(), Some("flux-dev"));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn default_model(&self) -> Option<&str> {
        self.inner.default_model.as_deref()
    }

    /// The longest prompt accepted before sending, in characters.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert_eq!(images.max_prompt_chars(), artnex::openai::MAX_PROMPT_CHARS);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn max_prompt_chars(&self) -> usize {
        self.inner.max_prompt_chars
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
        ImageRequest::new(self.clone(), prompt.into())
    }

    /// Wraps an image URL you kept (valid 24 hours after generation) so that you can download it.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// images.media("https://cdn.artapi.ai/images/abc123.webp").save_to_dir(".", "kept").await?;
    /// # Ok(()) }
    /// ```
    pub fn media(&self, url: impl Into<String>) -> Media {
        Media::new(
            url.into(),
            MediaKind::Image,
            self.inner.download.clone(),
            self.inner.retry.clone(),
            self.inner.durable_downloads,
        )
    }

    pub(crate) fn download_client(&self) -> &reqwest::Client {
        &self.inner.download
    }

    pub(crate) fn durable_downloads(&self) -> bool {
        self.inner.durable_downloads
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        use artapi_api::ClientInfo as _;
        self.inner.api.client()
    }
}

/// Every [`ImagesClient`] setting. Start with [`ImagesClient::builder`] or [`ImagesClientBuilder::from_env`].
#[derive(Default)]
pub struct ImagesClientBuilder {
    conn: Connection,
    default_model: Option<String>,
    max_prompt_chars: Option<usize>,
}

impl fmt::Debug for ImagesClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ImagesClientBuilder");
        self.conn.debug_fields(&mut d);
        d.field("default_model", &self.default_model)
            .finish_non_exhaustive()
    }
}

impl ImagesClientBuilder {
    /// A builder preset from `ARTAPI_KEY` (required) and `ARTAPI_BASE_URL` (optional); every other setting
    /// can still be changed.
    ///
    /// ```no_run
    /// let images = artnex::openai::ImagesClientBuilder::from_env()?.default_model("flux-dev").build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn from_env() -> Result<ImagesClientBuilder, Error> {
        Ok(ImagesClientBuilder {
            conn: Connection::from_env(API_KEY_ENV, BASE_URL_ENV)?,
            ..ImagesClientBuilder::default()
        })
    }

    /// The API key (required). Surrounding whitespace is trimmed. It is kept as a secret: never shown in
    /// `Debug`, errors or logs, and sent only over https (or plain http to a loopback address).
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example").build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn api_key(mut self, key: impl AsRef<str>) -> Self {
        self.conn.api_key = Some(SecretString::from(key.as_ref()));
        self
    }

    /// The base URL including its version prefix (default `https://app.artapi.ai/v1`), as for the OpenAI
    /// SDKs: requests go to `{base_url}/images/generations`, so `https://api.openai.com/v1` or any other
    /// compatible provider's base works as it is. A trailing `/` is ignored; nothing else is added or
    /// removed. Plain `http://` is refused unless the host is loopback (for the local simulator).
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder()
    ///     .api_key("sk-example")
    ///     .base_url("https://api.openai.com/v1/")
    ///     .build()?;
    /// assert_eq!(images.base_url(), "https://api.openai.com/v1");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.conn.base_url = Some(url.into());
        self
    }

    /// Time allowed to open a connection (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .connect_timeout(Duration::from_secs(3))
    ///     .build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.conn.connect_timeout = Some(d);
        self
    }

    /// Longest silence while waiting for or reading a response (default 300 s). A read timeout on a
    /// generation is ambiguous (it may have been charged) and is not retried.
    ///
    /// ```
    /// use std::time::Duration;
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .read_timeout(Duration::from_secs(120))
    ///     .build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.conn.read_timeout = Some(d);
        self
    }

    /// Overall cap per HTTP request, downloads included (default none).
    ///
    /// ```
    /// use std::time::Duration;
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .request_timeout(Duration::from_secs(600))
    ///     .build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.conn.request_timeout = Some(d);
        self
    }

    /// Your application's name and version, sent before the SDK's own in `User-Agent`.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .user_agent("my-app/1.2")
    ///     .build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.conn.user_agent = Some(ua.into());
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]: the same billing-safe rules as the Artnex
    /// client). Requests can override it one by one.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .retry_policy(artnex::RetryPolicy::default().max_retries(4))
    ///     .build()?;
    /// assert_eq!(images.retry_policy().max_retries_value(), 4);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.conn.retry = Some(policy);
        self
    }

    /// The model used when a request does not call [`ImageRequest::model`] (the API requires one).
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .default_model("flux-dev")
    ///     .build()?;
    /// assert!(images.generate("a fox").validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn default_model(mut self, model: impl Into<String>) -> Self {
        self.default_model = Some(model.into());
        self
    }

    /// The longest prompt accepted before sending, in characters (default [`MAX_PROMPT_CHARS`], 4,000).
    /// Raise it for a provider that accepts longer prompts; the server still has the last word
    /// (`prompt_too_long`).
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .max_prompt_chars(32_000)
    ///     .build()?;
    /// assert!(images.generate("x".repeat(10_000)).model("gpt-image-1").validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn max_prompt_chars(mut self, chars: usize) -> Self {
        self.max_prompt_chars = Some(chars);
        self
    }

    /// Your own `reqwest` client builder (proxies, TLS roots, extra default headers). The SDK adds the
    /// `Authorization` header (marked sensitive), its `User-Agent` and the timeouts set on this builder.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .http_client(artnex::reqwest::Client::builder().pool_max_idle_per_host(4))
    ///     .build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.conn.http = Some(builder);
        self
    }

    /// The `reqwest` client used to download result URLs. It must not add an `Authorization` header:
    /// result URLs live on a CDN. Default: a client with the SDK's timeouts and no credentials.
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .download_client(artnex::reqwest::Client::new())
    ///     .build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn download_client(mut self, client: reqwest::Client) -> Self {
        self.conn.download = Some(client);
        self
    }

    /// Whether saved images (downloaded or decoded from `b64_json`) are flushed with their directory
    /// entry to storage before the save returns (default off; see
    /// [`Media::durable`](crate::media::Media::durable)).
    ///
    /// ```
    /// let images = artnex::openai::ImagesClient::builder().api_key("sk-example")
    ///     .durable_downloads(true)
    ///     .build()?;
    /// # let _ = images;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn durable_downloads(mut self, on: bool) -> Self {
        self.conn.durable_downloads = on;
        self
    }

    /// Checks the settings and builds the client. Nothing is sent.
    ///
    /// ```
    /// let err = artnex::openai::ImagesClient::builder()
    ///     .api_key("sk-example")
    ///     .base_url("http://images.example.com/v1") // the key would travel in clear text
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, artnex::Error::Config(_)));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn build(self) -> Result<ImagesClient, Error> {
        let opened = self.conn.open(API_KEY_ENV, DEFAULT_BASE_URL)?;
        Ok(ImagesClient {
            inner: Arc::new(Inner {
                api: artapi_api::Client::new_with_client(&opened.base_url, opened.api_http),
                download: opened.download,
                durable_downloads: opened.durable_downloads,
                retry: opened.retry,
                default_model: self
                    .default_model
                    .map(|m| m.trim().to_string())
                    .filter(|m| !m.is_empty()),
                max_prompt_chars: self.max_prompt_chars.unwrap_or(MAX_PROMPT_CHARS),
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
