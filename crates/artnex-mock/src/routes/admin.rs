//! The admin surface for tests and tools, under `/__admin/` (never under `/v1`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::json_response;
use crate::config::KeyConfig;
use crate::faults::{Fault, FaultKind};
use crate::ids::key_label;
use crate::readings::Readings;
use crate::state::{App, lock};

/// Every admin route: path, methods, what it does. The index at `/__admin/` lists this table and the
/// router is built from it, so the two cannot disagree.
pub(crate) const ROUTES: &[(&str, &str, &str)] = &[
    (
        "/__admin/",
        "GET",
        "this index (JSON; a small HTML page for a browser)",
    ),
    (
        "/__admin/health",
        "GET",
        "{\"ok\": true} and the simulated time",
    ),
    (
        "/__admin/ledger",
        "GET",
        "?key=K: balance, held, total charged, requests in the window, ledger entries",
    ),
    (
        "/__admin/requests",
        "GET",
        "the request log (key labels, never raw keys)",
    ),
    (
        "/__admin/clock",
        "GET",
        "simulated time, Unix time, manual or not, speed",
    ),
    (
        "/__admin/clock/advance",
        "POST",
        "{\"seconds\": N} moves simulated time forward",
    ),
    (
        "/__admin/faults",
        "GET, POST, DELETE",
        "list, inject ({\"kind\": ...}) or clear faults",
    ),
    (
        "/__admin/keys",
        "GET, POST",
        "list keys (labels), or add or reconfigure one",
    ),
    (
        "/__admin/balance",
        "POST",
        "{\"key\": K, \"credits\": N} sets a key's available balance",
    ),
    (
        "/__admin/readings",
        "GET, POST, DELETE",
        "the readings of the docs' gaps: read, change ({\"status_path\": \"query\", ...}) or reset",
    ),
];

fn method_router(path: &str) -> Option<MethodRouter<Arc<App>>> {
    Some(match path {
        "/__admin/" => get(index),
        "/__admin/health" => get(health),
        "/__admin/ledger" => get(ledger),
        "/__admin/requests" => get(requests),
        "/__admin/clock" => get(clock),
        "/__admin/clock/advance" => post(advance),
        "/__admin/faults" => post(add_fault).get(list_faults).delete(clear_faults),
        "/__admin/keys" => post(add_key).get(list_keys),
        "/__admin/balance" => post(set_balance),
        "/__admin/readings" => get(get_readings).post(set_readings).delete(reset_readings),
        _ => return None,
    })
}

/// The admin routes (plus `/__admin` without the slash, for the index).
pub(crate) fn router() -> Router<Arc<App>> {
    ROUTES
        .iter()
        .filter_map(|(path, _, _)| method_router(path).map(|m| (*path, m)))
        .fold(
            Router::new().route("/__admin", get(index)),
            |r, (path, m)| r.route(path, m),
        )
}

/// `GET /__admin/`: the routes as JSON, or as a small HTML page when the client accepts `text/html`.
pub(crate) async fn index(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let base = format!("http://{}", app.addr);
    let wants_html = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        let routes: Vec<Value> = ROUTES
            .iter()
            .map(|(path, methods, does)| json!({"path": path, "methods": methods, "does": does}))
            .collect();
        return ok(json!({
            "simulator": "artnex-mock",
            "artnex_base_url": base,
            "artapi_base_url": format!("{base}/v1"),
            "routes": routes,
        }));
    }
    let mut rows = String::new();
    for (path, methods, does) in ROUTES {
        let name = if methods.contains("GET") {
            format!("<a href=\"{path}\">{path}</a>")
        } else {
            path.to_string()
        };
        rows.push_str(&format!(
            "<tr><td><code>{methods}</code></td><td><code>{name}</code></td><td>{}</td></tr>\n",
            escape(does)
        ));
    }
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>artnex-mock admin</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem}}td{{padding:.2rem .8rem}}</style></head>\n\
         <body><h1>artnex-mock admin</h1>\n<p>Artnex base URL <code>{base}</code>, ArtAPI base URL \
         <code>{base}/v1</code>.</p>\n<table>\n{rows}</table></body></html>\n"
    );
    let mut r = Response::new(Body::from(html));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    json_response(
        status,
        &json!({"success": false, "error": code, "message": message.into()}),
    )
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Invalid JSON: {e}"),
        ))
    })
}

pub(crate) async fn health(State(app): State<Arc<App>>) -> Response {
    ok(json!({"ok": true, "now_seconds": app.clock.now().as_secs_f64()}))
}

/// `GET /__admin/ledger?key=K`
pub(crate) async fn ledger(
    State(app): State<Arc<App>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Some(key) = query.ok().and_then(|q| q.0.get("key").cloned()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Pass ?key=YOUR_KEY.",
        );
    };
    let core = app.core();
    let Some(acc) = core.accounts.get(&key) else {
        return error(StatusCode::NOT_FOUND, "not_found", "No such key.");
    };
    let entries: Vec<Value> = acc
        .ledger
        .iter()
        .map(|e| {
            json!({
                "kind": e.kind.as_str(),
                "request_id": e.request_id,
                "endpoint": e.endpoint,
                "credits": e.credits,
                "balance_after": e.balance_after,
                "at_seconds": e.at.as_secs_f64(),
            })
        })
        .collect();
    ok(json!({
        "key": acc.label,
        "surface": acc.surface.as_str(),
        "plan": acc.plan.to_string(),
        "balance": acc.available(),
        "held": acc.held,
        "total_charged": acc.total_charged,
        "requests_in_window": acc.window.len(),
        "entries": entries,
    }))
}

/// `GET /__admin/requests`
pub(crate) async fn requests(State(app): State<Arc<App>>) -> Response {
    let log = lock(&app.log);
    let records: Vec<Value> = log.snapshot().iter().map(|r| r.to_json()).collect();
    ok(json!({"total": log.total(), "requests": records}))
}

/// `GET /__admin/clock`
pub(crate) async fn clock(State(app): State<Arc<App>>) -> Response {
    ok(json!({
        "now_seconds": app.clock.now().as_secs_f64(),
        "unix_seconds": app.clock.unix_seconds(),
        "manual": app.clock.is_manual(),
        "speed": app.settings.speed,
    }))
}

#[derive(Deserialize)]
struct Advance {
    seconds: f64,
}

/// `POST /__admin/clock/advance {"seconds": N}`
pub(crate) async fn advance(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let a: Advance = match parse(&body) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let Ok(d) = Duration::try_from_secs_f64(a.seconds) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "seconds must be a finite, non-negative number.",
        );
    };
    app.clock.advance(d);
    drop(app.core());
    ok(json!({"now_seconds": app.clock.now().as_secs_f64()}))
}

fn fault_json(f: &Fault) -> Value {
    let mut v = json!({
        "kind": f.kind.name(),
        "key": f.key.as_deref().map(key_label),
        "path": f.path,
        "times": f.times,
    });
    match f.kind {
        FaultKind::Latency(d) => v["ms"] = json!(d.as_millis() as u64),
        FaultKind::Unavailable { retry_after_secs }
        | FaultKind::RateLimited { retry_after_secs } => {
            v["retry_after_secs"] = json!(retry_after_secs)
        }
        _ => {}
    }
    v
}

/// `POST /__admin/faults` (a [`Fault`] as JSON)
pub(crate) async fn add_fault(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let fault: Fault = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let v = fault_json(&fault);
    let mut faults = lock(&app.faults);
    faults.add(fault);
    ok(json!({"ok": true, "fault": v, "active": faults.list().len()}))
}

/// `GET /__admin/faults`
pub(crate) async fn list_faults(State(app): State<Arc<App>>) -> Response {
    let list: Vec<Value> = lock(&app.faults).list().iter().map(fault_json).collect();
    ok(json!({"faults": list}))
}

/// `DELETE /__admin/faults`
pub(crate) async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    lock(&app.faults).clear();
    ok(json!({"ok": true}))
}

/// `POST /__admin/keys` (a [`KeyConfig`] as JSON)
pub(crate) async fn add_key(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let cfg: KeyConfig = match parse(&body) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if cfg.key.trim().is_empty() || cfg.key.chars().any(char::is_whitespace) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "key must be non-empty and contain no whitespace.",
        );
    }
    app.core().accounts.upsert(&cfg);
    ok(json!({
        "ok": true,
        "key": key_label(&cfg.key),
        "surface": cfg.surface.as_str(),
        "plan": cfg.plan.to_string(),
        "credits": cfg.credits,
    }))
}

/// `GET /__admin/keys` (labels only)
pub(crate) async fn list_keys(State(app): State<Arc<App>>) -> Response {
    let keys: Vec<Value> = app
        .core()
        .accounts
        .configs()
        .iter()
        .map(|k| {
            json!({
                "key": key_label(&k.key),
                "surface": k.surface.as_str(),
                "plan": k.plan.to_string(),
                "balance": k.credits,
            })
        })
        .collect();
    ok(json!({"keys": keys}))
}

#[derive(Deserialize)]
struct SetBalance {
    key: String,
    credits: u64,
}

/// `POST /__admin/balance {"key": K, "credits": N}`
pub(crate) async fn set_balance(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let b: SetBalance = match parse(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if app.core().accounts.set_available(&b.key, b.credits) {
        ok(json!({"ok": true, "balance": b.credits}))
    } else {
        error(StatusCode::NOT_FOUND, "not_found", "No such key.")
    }
}

fn readings_json(r: &Readings) -> Value {
    let current: serde_json::Map<String, Value> = r
        .pairs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let switches: Vec<Value> = Readings::switches()
        .into_iter()
        .map(|s| {
            let values: Vec<Value> = s
                .values
                .iter()
                .map(|(v, means)| json!({"value": v, "means": means}))
                .collect();
            json!({
                "switch": s.key,
                "decides": s.summary,
                "default": s.values.first().map(|(v, _)| *v),
                "values": values,
            })
        })
        .collect();
    json!({"readings": current, "changed": r.to_string(), "switches": switches})
}

/// `GET /__admin/readings`
pub(crate) async fn get_readings(State(app): State<Arc<App>>) -> Response {
    ok(readings_json(&lock(&app.readings)))
}

/// `POST /__admin/readings {"switch": "value", ...}`: changes those switches (all or none).
pub(crate) async fn set_readings(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let changes: HashMap<String, String> = match parse(&body) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let mut readings = lock(&app.readings);
    let mut next = *readings;
    for (key, value) in &changes {
        if let Err(e) = next.set(key, value) {
            return error(StatusCode::BAD_REQUEST, "invalid_request", e);
        }
    }
    *readings = next;
    ok(readings_json(&next))
}

/// `DELETE /__admin/readings`: back to the defaults.
pub(crate) async fn reset_readings(State(app): State<Arc<App>>) -> Response {
    let mut readings = lock(&app.readings);
    *readings = Readings::default();
    ok(readings_json(&readings))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_route_is_served() {
        for (path, _, _) in super::ROUTES {
            assert!(super::method_router(path).is_some(), "{path}");
        }
    }
}
