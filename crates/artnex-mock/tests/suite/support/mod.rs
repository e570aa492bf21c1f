//! Test harness: a simulator plus an HTTP client that checks every API response against the spec.

#[cfg(feature = "cli")]
pub mod binary;
pub mod media;
pub mod spec;

use artnex_mock::{KeyConfig, MockBuilder, MockServer, Plan};
use base64::Engine as _;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A started simulator and a client for it.
pub struct Mock {
    pub server: MockServer,
    pub http: reqwest::Client,
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: bytes::Bytes,
}

impl Resp {
    /// The body as text (for HTML pages).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).to_string()
    }

    /// The Artnex error code (`error`), or the ArtAPI one (`error.code`).
    pub fn code(&self) -> &str {
        match &self.body["error"] {
            Value::String(s) => s,
            Value::Object(o) => o.get("code").and_then(Value::as_str).unwrap_or(""),
            _ => "",
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        self.headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a status and returns self for chaining.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    /// Asserts an error status and code.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "body: {}",
            self.body
        );
    }
}

/// Serialises the memory-heavy tests (multi-megabyte bodies, the load test) so the load test's memory
/// measurement is not disturbed by them.
pub async fn heavy() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}

/// A key for tests that should never hit the daily quota.
pub const KEY: &str = "sk-test-unlimited";
/// The same on the ArtAPI surface.
pub const ART_KEY: &str = "sk-test-artapi-unlimited";

/// A builder with a manual clock and unlimited test keys on both surfaces.
pub fn builder() -> MockBuilder {
    MockServer::builder()
        .manual_clock()
        .key(KeyConfig::artnex(KEY, Plan::Unlimited, 10_000_000))
        .key(KeyConfig::artapi(ART_KEY, Plan::Unlimited, 10_000_000))
}

impl Mock {
    pub async fn start() -> Mock {
        Mock::with(builder()).await
    }

    pub async fn with(builder: MockBuilder) -> Mock {
        let server = builder.start().await.expect("simulator starts");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("client");
        Mock { server, http }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.server.base_url())
        }
    }

    /// Sends a request and checks the answer against the spec (when the path is in a spec).
    pub async fn send(&self, req: reqwest::RequestBuilder, method: &str, path: &str) -> Resp {
        let resp = self.send_unchecked(req).await;
        if let Some(spec) = spec::for_path(path) {
            assert!(
                resp.header("content-type")
                    .is_some_and(|v| v.starts_with("application/json")),
                "{method} {path} -> {}: not JSON",
                resp.status
            );
            let retry = resp.header("retry-after");
            if let Err(e) = spec.check_response(path, method, resp.status, retry, &resp.body) {
                panic!("{e}");
            }
            if spec.api == artnex_facts::Api::Artnex && resp.status != 200 {
                assert_eq!(resp.body["success"], Value::Bool(false), "{}", resp.body);
                assert!(
                    resp.body["request_id"]
                        .as_str()
                        .is_some_and(|r| r.starts_with("req_")),
                    "{}",
                    resp.body
                );
            }
        }
        resp
    }

    /// Sends a request without checking the answer against the spec: for answers that are deliberately
    /// outside it (a gateway's HTML page, the alternative readings of the docs' gaps).
    pub async fn send_unchecked(&self, req: reqwest::RequestBuilder) -> Resp {
        let resp = req
            .send()
            .await
            .expect("request succeeds at the transport level");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            bytes,
        }
    }

    /// POST JSON with a bearer key.
    pub async fn post(&self, path: &str, key: Option<&str>, body: &Value) -> Resp {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        self.send(req, "POST", path).await
    }

    /// POST JSON with a bearer key, without checking the answer against the spec.
    pub async fn post_unchecked(&self, path: &str, key: Option<&str>, body: &Value) -> Resp {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        self.send_unchecked(req).await
    }

    /// GET with a bearer key, without checking the answer against the spec.
    pub async fn get_unchecked(&self, path: &str, key: Option<&str>) -> Resp {
        let mut req = self.http.get(self.url(path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        self.send_unchecked(req).await
    }

    /// POST raw bytes with explicit headers.
    pub async fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        let mut req = self.http.post(self.url(path)).body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req, "POST", path).await
    }

    /// POST a JSON object with one huge string field, without serialising the huge string through serde
    /// (slow in debug builds): `body` plus `"field": "big"`.
    pub async fn post_big(
        &self,
        path: &str,
        key: &str,
        body: &Value,
        field: &str,
        big: &str,
    ) -> Resp {
        let mut small = body.clone();
        if let Some(o) = small.as_object_mut() {
            o.remove(field);
        }
        let mut text = serde_json::to_string(&small).expect("json");
        text.pop();
        let sep = if text.len() > 1 { "," } else { "" };
        let raw = format!("{text}{sep}\"{field}\":\"{big}\"}}");
        let auth = format!("Bearer {key}");
        self.post_raw(
            path,
            &[
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
            ],
            raw,
        )
        .await
    }

    /// GET with an optional bearer key.
    pub async fn get(&self, path: &str, key: Option<&str>) -> Resp {
        let mut req = self.http.get(self.url(path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let local = path
            .strip_prefix(&self.server.base_url())
            .unwrap_or(path)
            .to_string();
        self.send(req, "GET", &local).await
    }

    /// GET a media URL's bytes.
    pub async fn download(&self, url: &str) -> Resp {
        self.get(url, None).await
    }
}

/// A base64 data URI of a PNG.
pub fn data_uri(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A prompt of `n` characters of `c`.
pub fn text(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

/// `VmHWM` (peak resident set) and `VmRSS` of a process, in KiB, from `/proc` (Linux).
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}
