//! Client builders. Both clients ([`Client`](crate::Client) and `openai::ImagesClient`) are built by a
//! [`Builder`]: the connection settings (key, base URL, timeouts, user agent, retry policy, your own
//! `reqwest` builder, the download client, durable downloads) are its methods, written once; each client
//! adds its own settings ([`ArtnexSettings`], `ImagesSettings`).
//!
//! ```
//! use std::time::Duration;
//! let client = artnex::Client::builder()
//!     .api_key("sk-example")
//!     .connect_timeout(Duration::from_secs(5))
//!     .budget(10_000) // Artnex only
//!     .build()?;
//! # let _ = client;
//! # Ok::<(), artnex::Error>(())
//! ```

use std::fmt;
use std::time::Duration;

use artnex_transport::secrecy::{ExposeSecret, SecretString};
use artnex_transport::{ApiKey, HttpConfig};

use crate::error::Error;
use crate::media::Downloads;
use crate::retry::RetryPolicy;

/// A client builder; `S` holds the settings only one client has. Start with
/// [`Client::builder`](crate::Client::builder) (a [`ClientBuilder`](crate::ClientBuilder)) or
/// `openai::ImagesClient::builder`.
pub struct Builder<S> {
    pub(crate) conn: Connection,
    pub(crate) settings: S,
}

impl<S: Default> Default for Builder<S> {
    fn default() -> Self {
        // Before the caller builds a `reqwest` client of their own for `http_client`/`download_client`.
        artnex_transport::install_crypto_provider();
        Builder {
            conn: Connection::default(),
            settings: S::default(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for Builder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("api_key", &self.conn.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.conn.base_url)
            .field("retry", &self.conn.retry)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The settings both clients share.
#[derive(Default)]
pub(crate) struct Connection {
    pub(crate) api_key: Option<SecretString>,
    pub(crate) base_url: Option<String>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) user_agent: Option<String>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) http: Option<reqwest::ClientBuilder>,
    pub(crate) download: Option<reqwest::Client>,
    pub(crate) durable_downloads: bool,
}

/// What every client holds once built: the configured API client, the base URL, the retry policy and the
/// download settings.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Core {
    /// Carries the bearer header, the user agent and the connect and overall timeouts.
    pub(crate) http: reqwest::Client,
    /// The read timeout, which every attempt enforces itself (see [`crate::stall`]).
    pub(crate) stall: crate::stall::Guard,
    /// The checked base URL, without a trailing `/`.
    pub(crate) base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) downloads: Downloads,
    /// The key, kept to redact it from anything the server echoes back.
    pub(crate) key: ApiKey,
}

impl Core {
    /// `{base_url}{path}` as a URL.
    pub(crate) fn url(&self, path: &str) -> Result<reqwest::Url, Error> {
        reqwest::Url::parse(&format!("{}{path}", self.base_url)).map_err(|e| {
            Error::Config(artnex_transport::ConfigError::InvalidBaseUrl {
                url: self.base_url.clone(),
                reason: e.to_string(),
            })
        })
    }
}

impl Connection {
    /// The key from `key_var` (required) and the base URL from `base_var` (optional).
    pub(crate) fn from_env(key_var: &'static str, base_var: &str) -> Result<Connection, Error> {
        let key = std::env::var(key_var).map_err(|_| Error::MissingApiKey { var: key_var })?;
        let base_url = std::env::var(base_var)
            .ok()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        Ok(Connection {
            api_key: Some(SecretString::from(key)),
            base_url,
            ..Connection::default()
        })
    }

    /// Checks the key and the base URL (https, or plain http to loopback) and builds the HTTP clients.
    /// `normalize` turns the checked base URL into the one requests are joined to.
    pub(crate) fn open(
        self,
        key_var: &'static str,
        default_base_url: &str,
        normalize: impl FnOnce(&str) -> String,
    ) -> Result<Core, Error> {
        let raw_key = self.api_key.ok_or(Error::MissingApiKey { var: key_var })?;
        let key = ApiKey::new(raw_key.expose_secret())?;
        drop(raw_key); // zeroized on drop
        let requested = self
            .base_url
            .unwrap_or_else(|| default_base_url.to_string());
        let base_url = normalize(&artnex_transport::check_base_url(requested.trim())?);
        let defaults = HttpConfig::default();
        let http = HttpConfig {
            connect_timeout: self.connect_timeout.unwrap_or(defaults.connect_timeout),
            read_timeout: self.read_timeout.unwrap_or(defaults.read_timeout),
            request_timeout: self.request_timeout.or(defaults.request_timeout),
            user_agent: HttpConfig::user_agent_for(self.user_agent.as_deref()),
        };
        let retry = self.retry.unwrap_or_default();
        // Results on a loopback server (the simulator) are fetched without the environment's proxy.
        let (download, direct) = match self.download {
            Some(c) => (c.clone(), c),
            None => (http.download_client(false)?, http.download_client(true)?),
        };
        Ok(Core {
            http: http.api_client_guarded_by_caller(&key, &base_url, self.http)?,
            stall: crate::stall::Guard::new(http.read_timeout),
            base_url,
            downloads: Downloads::new(download, direct, retry.clone(), self.durable_downloads),
            retry,
            key,
        })
    }
}

impl<S> Builder<S> {
    /// The API key (required). Surrounding whitespace is trimmed. It is kept as a secret: never shown in
    /// `Debug`, errors or logs, and sent only over https (or plain http to a loopback address).
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn api_key(mut self, key: impl AsRef<str>) -> Self {
        self.conn.api_key = Some(SecretString::from(key.as_ref()));
        self
    }

    /// The API base URL. Plain `http://` is refused unless the host is loopback (for the local
    /// simulator), and a plain-http loopback URL never goes through a proxy. Artnex: default
    /// `https://api.artnex.ai`, a trailing `/v1` is accepted and ignored; the images client keeps its
    /// prefix (default `https://app.artapi.ai/v1`).
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .base_url("http://127.0.0.1:8080") // a local simulator: plain http is fine on loopback
    ///     .build()?;
    /// # let _ = client;
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
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .connect_timeout(Duration::from_secs(3))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.conn.connect_timeout = Some(d);
        self
    }

    /// Longest silence while waiting for or reading a response (default 300 s: image models can take
    /// minutes before answering). A read timeout on a billable call is ambiguous and is not retried.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .read_timeout(Duration::from_secs(600))
    ///     .build()?;
    /// # let _ = client;
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
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .request_timeout(Duration::from_secs(900))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.conn.request_timeout = Some(d);
        self
    }

    /// Your application's name and version, sent before the SDK's own in `User-Agent`
    /// (`my-app/1.2 artnex-rs/0.1.0`).
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .user_agent("my-app/1.2")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.conn.user_agent = Some(ua.into());
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]); requests can override it one by one.
    /// Downloads follow it too.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .retry_policy(artnex::RetryPolicy::default().max_retries(4))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.conn.retry = Some(policy);
        self
    }

    /// Your own `reqwest` client builder (proxies, TLS roots, pool settings). The SDK adds the
    /// `Authorization` header (marked sensitive), its `User-Agent` and the timeouts set on this builder.
    /// Downloads use a separate client that never carries the key (see [`Builder::download_client`]).
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .http_client(artnex::reqwest::Client::builder().pool_max_idle_per_host(4))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.conn.http = Some(builder);
        self
    }

    /// The `reqwest` client used to download results. It must not add an `Authorization` header: result
    /// URLs may live on another host. Default: a client with the SDK's timeouts and no credentials.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .download_client(artnex::reqwest::Client::new())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn download_client(mut self, client: reqwest::Client) -> Self {
        self.conn.download = Some(client);
        self
    }

    /// Whether downloads ([`Media::download_to`](crate::media::Media::download_to),
    /// [`Media::save_to_dir`](crate::media::Media::save_to_dir)) flush the file and its directory entry
    /// to storage before returning (default off; see [`Media::durable`](crate::media::Media::durable)).
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .durable_downloads(true)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn durable_downloads(mut self, on: bool) -> Self {
        self.conn.durable_downloads = on;
        self
    }
}
