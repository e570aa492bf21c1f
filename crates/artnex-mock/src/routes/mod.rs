//! HTTP routes: the Artnex API, the ArtAPI images API, the media CDN and the admin surface.

mod admin;
mod artapi;
mod artnex;
mod cdn;

pub use artapi::POLICY_TRIGGER;

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, get, on};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use serde_json::{Map, Value, json};

use artnex_facts::{Api, ErrorCode, Method, OPERATIONS, OperationId};

use crate::choices::{LARGE_BODY, own_code};
use crate::config::Surface;
use crate::facts;
use crate::faults::{FaultKind, Interrupt};
use crate::ids;
use crate::log::RequestRecord;
use crate::readings::{
    CreditsNumber, ErrorBody, Readings, RefusedQuota, RetryAfterHeader, ServerErrorBody,
};
use crate::server::ConnKiller;
use crate::state::{App, lock};

/// The handler of an operation, on its method; `None` for an operation the simulator does not implement
/// (an `artnex-facts` newer than the simulator: the crate's conformance test then fails).
fn operation_route(id: OperationId, method: Method) -> Option<MethodRouter<Arc<App>>> {
    let filter = match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        _ => return None,
    };
    let route = match id {
        OperationId::GenerateImage => on(filter, artnex::generate),
        OperationId::EditImage => on(filter, artnex::edit),
        OperationId::CreateVideo => on(filter, artnex::video),
        OperationId::GetVideoStatus => on(filter, artnex::video_status),
        OperationId::TextToSpeech => on(filter, artnex::tts),
        OperationId::UpscaleImage => on(filter, artnex::upscale),
        OperationId::RemoveBackground => on(filter, artnex::remove_bg),
        OperationId::CreateImage => on(filter, artapi::create_image),
        _ => return None,
    };
    Some(route)
}

/// Builds the router: every operation of `artnex_facts::OPERATIONS` at its served path and method, the
/// alternative status-poll paths of the `status_path` reading, the CDN and the admin routes.
pub(crate) fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for op in OPERATIONS {
        if let (Some(path), Some(route)) =
            (facts::served_path(op), operation_route(op.id, op.method))
        {
            router = router.route(&path, route);
        }
    }
    let poll = artnex::StatusPaths::of_spec();
    router
        .route(&poll.segment, get(artnex::video_status_segment))
        .route(&poll.query, get(artnex::video_status_query))
        .route("/cdn/{dir}/{id}/{file}", get(cdn::media))
        .merge(admin::router())
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(app)
}

/// An error answer, rendered in the format of the surface it happened on.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub retry_after: Option<u64>,
    pub param: Option<&'static str>,
    /// Sent as an HTML page (a gateway's), not in the surface's JSON error format.
    pub html: bool,
    /// Not answered at all: the connection is closed (a body that did not arrive in time).
    pub close: bool,
}

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
            param: None,
            html: false,
            close: false,
        }
    }

    /// An error with a code the specs list, at the status they list it with (the Artnex dialect's; an
    /// ArtAPI answer takes ArtAPI's when it is rendered).
    pub fn listed(code: ErrorCode, message: impl Into<String>) -> ApiError {
        let status = facts::status_of(&code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(status, code, message)
    }

    /// An error with one of the simulator's own codes (not in the specs).
    pub fn own(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(status, ErrorCode::from_code(code), message)
    }

    /// The request body did not arrive within the body timeout: the connection is closed unanswered
    /// (status 408 in the request log only).
    pub fn body_timeout() -> ApiError {
        ApiError {
            close: true,
            ..ApiError::own(
                StatusCode::REQUEST_TIMEOUT,
                own_code::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            )
        }
    }

    /// A gateway's HTML error page (502 or 504), sent in place of the API's answer.
    pub fn gateway(status: u16) -> ApiError {
        let (status, code) = match status {
            504 => (StatusCode::GATEWAY_TIMEOUT, own_code::GATEWAY_TIMEOUT),
            _ => (StatusCode::BAD_GATEWAY, own_code::BAD_GATEWAY),
        };
        ApiError {
            html: true,
            ..ApiError::own(status, code, "injected gateway fault")
        }
    }

    /// The answer of a fault that replaces the handler's (`what` names the service, e.g. "The CDN").
    pub fn from_interrupt(interrupt: Interrupt, what: &str) -> ApiError {
        match interrupt {
            Interrupt::ServerError => {
                ApiError::internal("Something went wrong on our end (injected fault).")
            }
            Interrupt::Unavailable(secs) => ApiError::listed(
                ErrorCode::ServiceUnavailable,
                format!("{what} is temporarily unavailable (injected fault); retry later."),
            )
            .with_retry(secs),
            Interrupt::RateLimited(secs) => ApiError::listed(
                ErrorCode::RateLimitExceeded,
                "Too many requests (injected fault).",
            )
            .with_retry(secs),
            Interrupt::Gateway(status) => ApiError::gateway(status),
        }
    }

    /// The response in the format of `surface` under `readings` (or the HTML page of a gateway fault).
    pub fn response(&self, surface: Surface, request_id: &str, readings: &Readings) -> Response {
        let html_5xx =
            readings.server_error_body == ServerErrorBody::Html && self.status.is_server_error();
        let mut r = if self.html || html_5xx {
            html_page(self.status)
        } else {
            match surface {
                Surface::ArtApi => self.artapi_response(),
                _ => self.artnex_response(request_id, readings.error_body),
            }
        };
        match self.retry_after {
            Some(secs) if readings.retry_after == RetryAfterHeader::Sent => {
                r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
            }
            _ => {}
        }
        r
    }

    /// `invalid_request`: well-formed JSON with a field of the wrong type.
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::listed(ErrorCode::InvalidRequest, message)
    }

    /// `internal_error`.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::listed(ErrorCode::InternalError, message)
    }

    /// `not_found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::listed(ErrorCode::NotFound, message)
    }

    pub fn with_retry(mut self, secs: u64) -> ApiError {
        self.retry_after = Some(secs);
        self
    }

    pub fn with_param(mut self, param: &'static str) -> ApiError {
        self.param = Some(param);
        self
    }

    /// The Artnex body in the reading's shape; by default `{"success": false, "error", "message",
    /// "request_id"}`.
    fn artnex_response(&self, request_id: &str, shape: ErrorBody) -> Response {
        let body = match shape {
            ErrorBody::Nested => json!({
                "error": {"code": self.code.as_str(), "message": self.message},
                "request_id": request_id,
            }),
            ErrorBody::NumericCode => json!({
                "success": false,
                "code": self.status.as_u16(),
                "message": self.message,
                "request_id": request_id,
            }),
            _ => json!({
                "success": false,
                "error": self.code.as_str(),
                "message": self.message,
                "request_id": request_id,
            }),
        };
        json_response(self.status, &body)
    }

    /// The OpenAI-style body: `{"error": {"message", "type", "code", "param"}}`, at the status ArtAPI
    /// lists the code with. Artnex codes ArtAPI does not name become its own: a body that is not JSON is
    /// `invalid_request`, an internal error `upstream_error`.
    fn artapi_response(&self) -> Response {
        let code = match &self.code {
            ErrorCode::InvalidJson | ErrorCode::InvalidContentType => ErrorCode::InvalidRequest,
            ErrorCode::InternalError => ErrorCode::UpstreamError,
            other => other.clone(),
        };
        let status = facts::listed_status(&code, Api::ArtApi).unwrap_or(self.status);
        json_response(
            status,
            &json!({
                "error": {
                    "message": self.message,
                    "type": facts::artapi_error_type(status),
                    "code": code.as_str(),
                    "param": self.param,
                }
            }),
        )
    }
}

/// An HTML error page such as a gateway in front of the API sends (`text/html`).
pub(crate) fn html_page(status: StatusCode) -> Response {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Error");
    let text = match code {
        502 => "The gateway received an invalid response from the server behind it.",
        504 => "The gateway did not receive a response in time from the server behind it.",
        _ => "The server could not complete your request.",
    };
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n\
         <body><h1>{code} {reason}</h1>\n<p>{text}</p>\n<hr><p>artnex-mock gateway</p></body></html>\n"
    );
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A successful result: the status, the JSON body and the credits it charged (or held).
#[derive(Debug)]
pub(crate) struct Success {
    pub status: StatusCode,
    pub body: Value,
    pub credits: u64,
}

impl Success {
    /// A 200 answer.
    pub fn ok(body: Value, credits: u64) -> Success {
        Success {
            status: StatusCode::OK,
            body,
            credits,
        }
    }
}

/// `credits_used` as the reading writes it.
pub(crate) fn credits_value(credits: u64, readings: &Readings) -> Value {
    match readings.credits_number {
        CreditsNumber::Float => json!(credits as f64),
        CreditsNumber::Fractional => json!(credits as f64 + 0.25),
        _ => json!(credits),
    }
}

/// One request in flight: its id, who made it, and how to answer (or cut) it.
pub(crate) struct Call {
    pub app: Arc<App>,
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub key: Option<String>,
    pub base_url: String,
    /// The readings in force when the request arrived.
    pub readings: Readings,
    /// When the request was counted against the quota (to take it back if the reading says so).
    counted_at: Option<std::time::Duration>,
    /// Held while a large body is read and handled (see [`Call::read_body`]).
    body_permit: Option<tokio::sync::OwnedSemaphorePermit>,
    killer: Option<ConnKiller>,
}

fn base_url(parts: &Parts, app: &App) -> String {
    if let Some(host) = parts.headers.get(HOST).and_then(|v| v.to_str().ok()) {
        let ok = !host.is_empty()
            && host.len() < 256
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b));
        if ok {
            return format!("http://{host}");
        }
    }
    format!("http://{}", app.addr)
}

impl Call {
    pub fn new(app: Arc<App>, parts: &Parts) -> Call {
        let base_url = base_url(parts, &app);
        let readings = *lock(&app.readings);
        Call {
            request_id: ids::request_id(),
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            key: None,
            base_url,
            readings,
            counted_at: None,
            body_permit: None,
            killer: parts.extensions.get::<ConnKiller>().cloned(),
            app,
        }
    }

    /// The authenticated key (empty before authentication).
    pub fn key(&self) -> &str {
        self.key.as_deref().unwrap_or_default()
    }

    /// Checks `Authorization: Bearer KEY` for a key of `surface`.
    pub fn authenticate(&mut self, headers: &HeaderMap, surface: Surface) -> Result<(), ApiError> {
        let unauthorized = |m: &str| ApiError::listed(ErrorCode::InvalidApiKey, m);
        let Some(raw) = headers.get(AUTHORIZATION) else {
            return Err(unauthorized(
                "Missing API key: send `Authorization: Bearer YOUR_API_KEY`.",
            ));
        };
        let Ok(value) = raw.to_str() else {
            return Err(unauthorized("The API key provided is not valid."));
        };
        // The scheme is case-insensitive (RFC 7235); the key follows after exactly one space, as sent. Extra
        // whitespace around the key (two spaces, a tab, a trailing space) is an invalid key, as the docs
        // list it among the causes of a 401; nothing is trimmed.
        let after_scheme = value
            .split_at_checked(6)
            .filter(|(scheme, rest)| {
                scheme.eq_ignore_ascii_case("bearer") && rest.starts_with(char::is_whitespace)
            })
            .map(|(_, rest)| rest);
        let Some(after_scheme) = after_scheme else {
            return Err(unauthorized(
                "The Authorization header must be `Bearer YOUR_API_KEY` (the `Bearer ` prefix is required).",
            ));
        };
        let token = after_scheme.strip_prefix(' ').unwrap_or(after_scheme);
        if token.is_empty() {
            return Err(unauthorized(
                "Missing API key: send `Authorization: Bearer YOUR_API_KEY`.",
            ));
        }
        if token.contains(char::is_whitespace) {
            return Err(unauthorized(
                "The API key provided is not valid: it has whitespace around it (send `Bearer YOUR_API_KEY` with one space and no other whitespace).",
            ));
        }
        let known = lock(&self.app.core).accounts.authenticate(token, surface);
        if !known {
            return Err(unauthorized(match surface {
                Surface::ArtApi => "Invalid API key",
                _ => "The API key provided is not valid.",
            }));
        }
        self.key = Some(token.to_string());
        Ok(())
    }

    /// Applies injected faults: latency first, then a fault that answers instead of the handler.
    pub async fn apply_faults(&self) -> Result<(), ApiError> {
        let verdict = lock(&self.app.faults).check(self.key.as_deref(), &self.path);
        if !verdict.latency.is_zero() {
            tokio::time::sleep(verdict.latency).await;
        }
        match verdict.interrupt {
            None => Ok(()),
            Some(i) => Err(ApiError::from_interrupt(i, "The service")),
        }
    }

    /// Counts the request against the key's rolling 24-hour quota.
    pub fn count_quota(&mut self) -> Result<(), ApiError> {
        let now = self.app.clock.now();
        lock(&self.app.core)
            .accounts
            .count_request(self.key(), now)
            .map_err(|secs| {
                ApiError::listed(
                    ErrorCode::RateLimitExceeded,
                    "You have exceeded your plan's daily request quota.",
                )
                .with_retry(secs)
            })?;
        self.counted_at = Some(now);
        Ok(())
    }

    /// Deducts credits atomically; `code` is the surface's 402 code.
    pub fn charge(&self, credits: u64, endpoint: &str, code: ErrorCode) -> Result<(), ApiError> {
        let now = self.app.clock.now();
        let result =
            self.app
                .core()
                .accounts
                .charge(self.key(), credits, &self.request_id, endpoint, now);
        result
            .map(|_| ())
            .map_err(|refused| insufficient(refused, credits, code))
    }

    /// Reads the body as a JSON object (Content-Type, size limit, syntax).
    pub async fn read_json(
        &mut self,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Map<String, Value>, ApiError> {
        let ct = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let json_type = mime == "application/json"
            || (mime.starts_with("application/") && mime.ends_with("+json"));
        if !json_type {
            return Err(ApiError::listed(
                ErrorCode::InvalidContentType,
                if ct.is_empty() {
                    "Missing Content-Type: send `Content-Type: application/json`.".to_string()
                } else {
                    format!("Unsupported Content-Type {ct:?}: send application/json.")
                },
            ));
        }
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = self.read_body(body, declared).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::listed(
                ErrorCode::InvalidJson,
                "The request body is empty: send a JSON object.",
            ));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::listed(
                ErrorCode::InvalidJson,
                format!("The request body is not valid JSON: {e}."),
            )
        })?;
        match value {
            Value::Object(map) => Ok(map),
            _ => Err(ApiError::unprocessable(
                "The request body must be a JSON object.",
            )),
        }
    }

    /// Reads the body: at most the body limit is kept (a larger body is drained, up to a cap, so the client
    /// gets to read the 413), the whole body must arrive within the body timeout (else the connection is
    /// closed), and a large body waits for one of the few large-body permits first, held until the
    /// request is answered, so memory stays bounded however many large bodies arrive at once.
    async fn read_body(&mut self, body: Body, declared: Option<u64>) -> Result<Bytes, ApiError> {
        let settings = &self.app.settings;
        let limit = settings.body_limit as u64;
        let too_large = || {
            ApiError::listed(
                ErrorCode::PayloadTooLarge,
                format!(
                    "The request body is larger than the {limit}-byte limit (images: {} bytes before base64 encoding).",
                    facts::MAX_IMAGE_BYTES
                ),
            )
        };
        let drain_cap = limit.saturating_mul(4);
        if declared.is_some_and(|d| d > drain_cap) {
            return Err(too_large());
        }
        let large = settings.large_bodies.clone();
        if declared.is_some_and(|d| d > LARGE_BODY) {
            self.body_permit = large.clone().acquire_owned().await.ok();
        }
        let allowance = declared.map_or(std::time::Duration::ZERO, |d| {
            std::time::Duration::from_secs(d.min(drain_cap) / crate::choices::MIN_BODY_RATE)
        });
        let mut deadline = tokio::time::Instant::now() + settings.body_timeout + allowance;
        let mut stream = body.into_data_stream();
        let mut buf = BytesMut::with_capacity(declared.map_or(8 * 1024, |d| d.min(limit) as usize));
        let mut seen: u64 = 0;
        loop {
            let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
                Err(_) => return Err(ApiError::body_timeout()),
                Ok(None) => break,
                Ok(Some(Err(_))) => {
                    return Err(ApiError::listed(
                        ErrorCode::InvalidJson,
                        "The request body could not be read.",
                    ));
                }
                Ok(Some(Ok(chunk))) => chunk,
            };
            seen += chunk.len() as u64;
            if seen > drain_cap {
                return Err(too_large());
            }
            if self.body_permit.is_none() && seen > LARGE_BODY {
                // A body without a Content-Length turned out large: wait for a permit (not counted
                // against the client's time).
                let waited = tokio::time::Instant::now();
                self.body_permit = large.clone().acquire_owned().await.ok();
                deadline += waited.elapsed();
            }
            if seen <= limit {
                buf.extend_from_slice(&chunk);
            }
        }
        if seen > limit {
            return Err(too_large());
        }
        Ok(buf.freeze())
    }

    /// Logs the request and answers it; a fault that acts after the API handled a successful request
    /// cuts the connection (`DropAfterCharge`) or answers a gateway's page instead (`Gateway50xAfter`).
    pub async fn finish(self, surface: Surface, result: Result<Success, ApiError>) -> Response {
        let result = match result {
            Err(e) if e.close => {
                // A body that did not arrive in time: nothing is answered (as for slow headers).
                self.record(e.status.as_u16(), Some(e.code.to_string()), 0, true);
                return self.cut().await;
            }
            other => other,
        };
        let (status, error, credits, response) = match result {
            Ok(s) => (s.status, None, s.credits, json_response(s.status, &s.body)),
            Err(e) => {
                let r = e.response(surface, &self.request_id, &self.readings);
                (r.status(), Some(e.code.to_string()), 0, r)
            }
        };
        if !status.is_success()
            && self.readings.refused_quota == RefusedQuota::NotCounted
            && let Some(at) = self.counted_at
        {
            lock(&self.app.core).accounts.uncount(self.key(), at);
        }
        let (mut dropped, mut replaced) = (false, None);
        if status.is_success() && self.key.is_some() {
            let mut faults = lock(&self.app.faults);
            let key = self.key.as_deref();
            dropped = faults.take(key, &self.path, &FaultKind::DropAfterCharge);
            if !dropped {
                replaced = FaultKind::AFTER_ANSWER.iter().find_map(|kind| {
                    faults
                        .take(key, &self.path, kind)
                        .then(|| kind.gateway_after_status())
                        .flatten()
                });
            }
        }
        if let Some(gateway) = replaced {
            let e = ApiError::gateway(gateway);
            self.record(e.status.as_u16(), Some(e.code.to_string()), credits, false);
            return e.response(surface, &self.request_id, &self.readings);
        }
        self.record(status.as_u16(), error, credits, dropped);
        if dropped {
            return self.cut().await;
        }
        response
    }

    /// Adds the request to the log.
    pub fn record(&self, status: u16, error: Option<String>, credits: u64, dropped: bool) {
        let record = RequestRecord {
            request_id: self.request_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            key_label: self.key.as_deref().map(ids::key_label),
            status,
            error,
            credits,
            dropped,
            at: self.app.clock.now(),
        };
        if let Some(observer) = &self.app.settings.on_request {
            (observer.0)(&record);
        }
        lock(&self.app.log).push(record);
    }

    /// Closes the connection without answering. Never returns while the connection is ours to cut.
    pub async fn cut(self) -> Response {
        if let Some(killer) = &self.killer {
            killer.kill();
            std::future::pending::<()>().await;
        }
        // Served outside our accept loop: fail the body instead, which clients also see as a transport error.
        let stream = futures_util::stream::once(async {
            Err::<Bytes, io::Error>(io::Error::other("connection dropped by an injected fault"))
        });
        Response::new(Body::from_stream(stream))
    }
}

/// The 402 for a refused charge or hold.
pub(crate) fn insufficient(
    refused: crate::accounts::Refused,
    credits: u64,
    code: ErrorCode,
) -> ApiError {
    match refused {
        crate::accounts::Refused::Insufficient { available } => ApiError::listed(
            code,
            format!(
                "Your account does not have enough credits to complete the request (needs {credits}, has {available})."
            ),
        ),
        crate::accounts::Refused::UnknownKey => ApiError::listed(
            ErrorCode::InvalidApiKey,
            "The API key provided is not valid.",
        ),
    }
}

/// Unknown routes, and known paths with a method the spec has no operation for, answer 404 `not_found`
/// in the format of the surface the path belongs to (ArtAPI for `/v1/images/...`, Artnex elsewhere): the
/// spec can only describe (path, method) pairs that exist, so there is no 405 (see spec/README.md).
async fn not_found(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    no_route(Call::new(app, &parts))
}

/// The 404 of a path the simulator has no route for (under the current readings).
pub(crate) fn no_route(call: Call) -> Response {
    let err = ApiError::not_found(format!("No route for {} {}.", call.method, call.path));
    call.record(404, Some(err.code.to_string()), 0, false);
    let surface = Surface::of_api(facts::api_of_path(&call.path));
    err.response(surface, &call.request_id, &call.readings)
}
