//! The simulator serves what the generated facts table (`artnex_facts::OPERATIONS`) states: every operation
//! answers at its path and method, and the billable flag decides what counts against the quota. That every
//! listed error code comes with its listed status is checked where each code is provoked: `errors.rs`
//! (Artnex) and `artapi.rs` (ArtAPI), both driven by the same table.

use artnex_facts::{Api, ErrorCode, OPERATIONS, OperationInfo};
use artnex_mock::{KeyConfig, Plan};

use crate::support::{ART_KEY, KEY, Mock, Resp, spec};

/// A server path of an operation, its path parameters filled in.
fn concrete(op: &OperationInfo) -> String {
    spec::of(op.api)
        .server_path(op)
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "req_probe"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Sends an operation's method to its path with an empty JSON object, checked against the spec.
async fn call(mock: &Mock, op: &OperationInfo, key: Option<&str>) -> Resp {
    let path = concrete(op);
    let method = reqwest::Method::from_bytes(op.method.as_str().as_bytes()).unwrap();
    let mut req = mock
        .http
        .request(method, mock.url(&path))
        .header("content-type", "application/json")
        .body("{}");
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    mock.send(req, op.method.as_str(), &path).await
}

fn key_of(api: Api) -> &'static str {
    match api {
        Api::ArtApi => ART_KEY,
        _ => KEY,
    }
}

fn message(r: &Resp) -> &str {
    r.body["message"]
        .as_str()
        .or_else(|| r.body["error"]["message"].as_str())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_operation_is_answered_at_its_path_and_method() {
    let mock = Mock::start().await;
    assert!(OPERATIONS.len() >= 8, "{} operations", OPERATIONS.len());
    for op in OPERATIONS {
        let at = format!("{} {} ({})", op.method, concrete(op), op.operation_id);
        // Without a key: the operation's own 401 (an unknown route is a 404 before any authentication).
        let r = call(&mock, op, None).await;
        assert_eq!(
            (r.status, r.code()),
            (401, ErrorCode::InvalidApiKey.as_str()),
            "{at}: {}",
            r.body
        );
        assert!(op.lists_code(r.status, r.code()), "{at}: {}", r.body);
        // With a key: the operation refuses the empty request with one of its own listed errors, never
        // the 404 of a path without a route.
        let r = call(&mock, op, Some(key_of(op.api))).await;
        assert!(
            op.lists_code(r.status, r.code()),
            "{at}: {} {} is not in the facts table",
            r.status,
            r.code()
        );
        assert!(!message(&r).starts_with("No route"), "{at}: {}", r.body);
    }
    // The request log saw each at its path.
    let paths: Vec<String> = mock
        .server
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    for op in OPERATIONS {
        assert!(paths.contains(&concrete(op)), "{}", op.operation_id);
    }
}

#[tokio::test]
async fn billable_operations_count_against_the_quota_and_the_others_do_not() {
    let mock = Mock::start().await;
    let mut billable = 0;
    for op in OPERATIONS {
        // A fresh key per operation, allowed one request a day.
        let key = format!("sk-test-quota-{}", op.operation_id);
        let config = match op.api {
            Api::ArtApi => KeyConfig::artapi(&key, Plan::Custom(1), 1_000_000),
            _ => KeyConfig::artnex(&key, Plan::Custom(1), 1_000_000),
        };
        mock.server.add_key(config);
        let first = call(&mock, op, Some(&key)).await;
        assert_ne!(first.status, 429, "{}: {}", op.operation_id, first.body);
        let second = call(&mock, op, Some(&key)).await;
        if op.billable {
            billable += 1;
            assert_eq!(
                (second.status, second.code()),
                (429, ErrorCode::RateLimitExceeded.as_str()),
                "{} is billable: its first request used the day's quota",
                op.operation_id
            );
        } else {
            assert_eq!(
                (second.status, second.code()),
                (first.status, first.code()),
                "{} is not billable: it does not count against the quota",
                op.operation_id
            );
        }
    }
    assert!(billable >= 1 && billable < OPERATIONS.len(), "{billable}");
}
