//! HTTP client setup shared by the artnex-rs client crates (`artnex-api`, `artapi-api`, `artnex`).
//!
//! - [`ApiKey`] keeps the key in a [`secrecy::SecretString`]: it never shows in `Debug`, errors or logs, and
//!   the `Authorization` header built from it is marked sensitive.
//! - [`check_base_url`] refuses to send the key over plain `http://` to anything but a loopback host.
//! - [`HttpConfig`] holds timeouts suited to slow media endpoints: a short connect timeout, a generous
//!   read timeout between bytes, and no overall cap unless asked for, so large downloads and slow video
//!   submissions are not cut off.
//! - TLS is rustls with the crypto provider chosen by feature: `ring` (default) or `aws-lc-rs`
//!   ([`TLS_PROVIDER`] says which one this build uses). A provider the application installed itself
//!   (`rustls::crypto::CryptoProvider::install_default`) before building a client is used instead.
//!
//! ```
//! use artnex_transport::{ApiKey, HttpConfig};
//!
//! let key = ApiKey::new("sk-example").unwrap();
//! assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
//! let http = HttpConfig::default().build_client(&key, "https://api.artnex.ai").unwrap();
//! # drop(http);
//! assert!(artnex_transport::check_base_url("http://api.artnex.ai").is_err());
//! assert!(artnex_transport::check_base_url("http://127.0.0.1:8080").is_ok());
//! ```

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

pub use reqwest;
pub use secrecy;

/// Why a client could not be configured. Never contains the API key.
#[non_exhaustive]
#[derive(Debug)]
pub enum ConfigError {
    /// The key is empty after trimming surrounding whitespace.
    EmptyApiKey,
    /// The key contains whitespace or control characters inside it (the value is not shown).
    MalformedApiKey,
    /// The base URL does not parse or is not http(s).
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The base URL is plain `http://` to a host that is not loopback: the key would travel unencrypted.
    InsecureBaseUrl {
        /// The URL as given.
        url: String,
    },
    /// reqwest could not build the HTTP client.
    Http(reqwest::Error),
    /// The base URL is `https://` but this build has no TLS: enable the `ring` (default) or `aws-lc-rs`
    /// feature.
    NoTls {
        /// The URL as given.
        url: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::EmptyApiKey => f.write_str("the API key is empty"),
            ConfigError::MalformedApiKey => f.write_str(
                "the API key contains whitespace or control characters; copy it again without them",
            ),
            ConfigError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL `{url}`: {reason}")
            }
            ConfigError::InsecureBaseUrl { url } => write!(
                f,
                "refusing to send the API key over plain http to `{url}`: use https (plain http is allowed only to loopback addresses)"
            ),
            ConfigError::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
            ConfigError::NoTls { url } => write!(
                f,
                "cannot reach `{url}`: this build has no TLS; enable the `ring` (default) or `aws-lc-rs` feature"
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Http(e) => Some(e),
            _ => None,
        }
    }
}

/// An API key. Its value is only ever exposed to build the `Authorization` header.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key, trimming surrounding whitespace (a trailing newline from a file is a common 401 cause).
    pub fn new(key: impl AsRef<str>) -> Result<Self, ConfigError> {
        let trimmed = key.as_ref().trim();
        if trimmed.is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::MalformedApiKey);
        }
        Ok(ApiKey(SecretString::from(trimmed)))
    }

    /// Reads the key from an environment variable; `None` when it is unset or not UTF-8.
    pub fn from_env(var: &str) -> Option<Result<Self, ConfigError>> {
        std::env::var(var).ok().map(ApiKey::new)
    }

    /// The secret itself. Use only to build a request header.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// `Authorization: Bearer <key>`, marked sensitive so that header dumps redact it.
    pub fn authorization(&self) -> Result<HeaderValue, ConfigError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.expose()))
            .map_err(|_| ConfigError::MalformedApiKey)?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

/// Whether a host name or address is loopback (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Checks that a base URL is http(s) and that plain http goes only to loopback. Returns the URL without a
/// trailing slash, ready for path joining.
pub fn check_base_url(url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::InvalidBaseUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    let host = parsed.host_str().unwrap_or_default();
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback_host(host) => {}
        "http" => {
            return Err(ConfigError::InsecureBaseUrl {
                url: url.to_string(),
            });
        }
        other => {
            return Err(ConfigError::InvalidBaseUrl {
                url: url.to_string(),
                reason: format!("scheme `{other}` is not http or https"),
            });
        }
    }
    if host.is_empty() {
        return Err(ConfigError::InvalidBaseUrl {
            url: url.to_string(),
            reason: "no host".into(),
        });
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The rustls crypto provider this build installs when the application has not installed one:
/// `Some("ring")`, `Some("aws-lc-rs")` (also when both features are on), or `None` without TLS.
///
/// ```
/// assert!(matches!(artnex_transport::TLS_PROVIDER, Some("ring") | Some("aws-lc-rs") | None));
/// ```
pub const TLS_PROVIDER: Option<&str> = if cfg!(feature = "aws-lc-rs") {
    Some("aws-lc-rs")
} else if cfg!(feature = "ring") {
    Some("ring")
} else {
    None
};

/// Makes sure rustls has a process-wide crypto provider, as reqwest needs one to build any client with the
/// `ring` feature: the application's own when it installed one, otherwise the one this build's feature
/// names (the same rule rustls itself applies when a single provider is compiled in). With `aws-lc-rs`,
/// reqwest falls back to it by itself, so nothing is installed. Every client this crate builds calls it;
/// call it yourself before building a `reqwest` client of your own ahead of any artnex client.
///
/// ```
/// artnex_transport::install_crypto_provider();
/// let http = artnex_transport::reqwest::Client::new(); // no "no crypto provider" panic
/// # drop(http);
/// ```
pub fn install_crypto_provider() {
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err only when another thread installed one first: that one is used, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Timeouts and identification for the HTTP client.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Time allowed to open a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Longest silence allowed while waiting for or reading a response (default 300 s: image models can
    /// take minutes before the first byte).
    pub read_timeout: Duration,
    /// Overall cap per request, if any (default none, so large downloads are never cut off).
    pub request_timeout: Option<Duration>,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(300),
            request_timeout: None,
            user_agent: HttpConfig::user_agent_for(None),
        }
    }
}

impl HttpConfig {
    /// The `User-Agent` for an application: its own name and version first, then the SDK's
    /// (`my-app/1.2 artnex-rs/0.1.0`), or the SDK's alone.
    ///
    /// ```
    /// let ua = artnex_transport::HttpConfig::user_agent_for(Some("my-app/1.2"));
    /// assert!(ua.starts_with("my-app/1.2 artnex-rs/"));
    /// ```
    pub fn user_agent_for(app: Option<&str>) -> String {
        let sdk = format!("artnex-rs/{}", env!("CARGO_PKG_VERSION"));
        match app.map(str::trim).filter(|a| !a.is_empty()) {
            Some(app) => format!("{app} {sdk}"),
            None => sdk,
        }
    }

    /// Applies the timeouts and the user agent to `builder` (the caller's, or a fresh one); reqwest's
    /// per-read timer only when `read_timer`.
    fn apply(&self, builder: reqwest::ClientBuilder, read_timer: bool) -> reqwest::ClientBuilder {
        install_crypto_provider();
        let mut builder = builder
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true);
        if read_timer {
            builder = builder.read_timeout(self.read_timeout);
        }
        if let Some(t) = self.request_timeout {
            builder = builder.timeout(t);
        }
        builder
    }

    /// The API client: the bearer header (marked sensitive), the user agent and the timeouts, on the
    /// caller's `reqwest::ClientBuilder` when there is one. `base_url` is checked first (https, or plain
    /// http to loopback only); for a plain-http loopback base URL the client never uses a proxy (an
    /// `HTTP_PROXY` from the environment would otherwise receive the key in clear text), while https goes
    /// through a proxy only as a `CONNECT` tunnel, which never sees the key.
    pub fn api_client(
        &self,
        key: &ApiKey,
        base_url: &str,
        custom: Option<reqwest::ClientBuilder>,
    ) -> Result<reqwest::Client, ConfigError> {
        self.api(key, base_url, custom, true)
    }

    /// [`HttpConfig::api_client`] without reqwest's read timeout, for a caller that guards every request
    /// against a stalled server itself with [`HttpConfig::read_timeout`] (the artnex SDK does: one timer
    /// per attempt, re-armed by progress, costs less than reqwest's timers, which are armed again for the
    /// response body and read on every poll of it). A request on this client alone never times out.
    pub fn api_client_guarded_by_caller(
        &self,
        key: &ApiKey,
        base_url: &str,
        custom: Option<reqwest::ClientBuilder>,
    ) -> Result<reqwest::Client, ConfigError> {
        self.api(key, base_url, custom, false)
    }

    fn api(
        &self,
        key: &ApiKey,
        base_url: &str,
        custom: Option<reqwest::ClientBuilder>,
        read_timer: bool,
    ) -> Result<reqwest::Client, ConfigError> {
        let checked = check_base_url(base_url)?;
        if TLS_PROVIDER.is_none() && checked.starts_with("https://") {
            return Err(ConfigError::NoTls {
                url: base_url.to_string(),
            });
        }
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, key.authorization()?);
        let mut builder = self
            .apply(custom.unwrap_or_else(reqwest::Client::builder), read_timer)
            .default_headers(headers);
        if checked.starts_with("http://") {
            builder = builder.no_proxy();
        }
        builder.build().map_err(ConfigError::Http)
    }

    /// The download client: the same timeouts and user agent, and no credentials (result URLs may be on
    /// another host). `direct` leaves out proxies from the environment: for results on a loopback
    /// server, which a proxy cannot reach.
    pub fn download_client(&self, direct: bool) -> Result<reqwest::Client, ConfigError> {
        let builder = self.apply(reqwest::Client::builder(), true);
        let builder = if direct { builder.no_proxy() } else { builder };
        builder.build().map_err(ConfigError::Http)
    }

    /// [`HttpConfig::api_client`] without a custom builder.
    pub fn build_client(
        &self,
        key: &ApiKey,
        base_url: &str,
    ) -> Result<reqwest::Client, ConfigError> {
        self.api_client(key, base_url, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_trimmed_and_redacted() {
        let key = ApiKey::new("  sk-secret-123\n").expect("valid");
        assert_eq!(key.expose(), "sk-secret-123");
        assert!(!format!("{key:?}").contains("secret"));
        let header = key.authorization().expect("header");
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("secret"));
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        assert!(matches!(ApiKey::new("   "), Err(ConfigError::EmptyApiKey)));
        let err = ApiKey::new("sk-ab cd").expect_err("inner space");
        assert!(matches!(err, ConfigError::MalformedApiKey));
        assert!(!err.to_string().contains("sk-ab"));
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://api.artnex.ai",
            "http://127.0.0.1:8080/",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            check_base_url("https://x.test/v1/").ok().as_deref(),
            Some("https://x.test/v1")
        );
        assert!(matches!(
            check_base_url("http://api.artnex.ai"),
            Err(ConfigError::InsecureBaseUrl { .. })
        ));
        assert!(matches!(
            check_base_url("http://10.0.0.1"),
            Err(ConfigError::InsecureBaseUrl { .. })
        ));
        assert!(matches!(
            check_base_url("ftp://x"),
            Err(ConfigError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            check_base_url("not a url"),
            Err(ConfigError::InvalidBaseUrl { .. })
        ));
    }

    /// Without a TLS feature: plain http to loopback still works, https is refused when the client is
    /// built (`cargo test -p artnex-transport --no-default-features`).
    #[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
    #[test]
    fn without_tls_https_is_refused_at_build() {
        let key = ApiKey::new("sk-x").expect("valid");
        let err = HttpConfig::default()
            .build_client(&key, "https://api.artnex.ai")
            .expect_err("no TLS");
        assert!(matches!(err, ConfigError::NoTls { .. }), "{err}");
        assert!(
            HttpConfig::default()
                .build_client(&key, "http://127.0.0.1:9")
                .is_ok()
        );
        assert_eq!(TLS_PROVIDER, None);
    }

    #[test]
    fn client_debug_does_not_show_the_key() {
        let key = ApiKey::new("sk-very-secret").expect("valid");
        let client = HttpConfig::default()
            .build_client(&key, "http://127.0.0.1:8080")
            .expect("client");
        assert!(!format!("{client:?}").contains("very-secret"));
    }
}
