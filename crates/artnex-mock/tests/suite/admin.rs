//! The admin surface (for out-of-process use), under /__admin/.

use serde_json::{Value, json};

use crate::support::{KEY, Mock};

async fn admin(mock: &Mock, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = mock.url(path);
    let req = match method {
        "GET" => mock.http.get(url),
        "DELETE" => mock.http.delete(url),
        _ => mock.http.post(url),
    };
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn keys_ledger_requests_clock_and_faults() {
    let mock = Mock::start().await;
    // Add a key over HTTP and use it.
    let (s, v) = admin(
        &mock,
        "POST",
        "/__admin/keys",
        Some(json!({"key": "sk-admin-made", "plan": "free", "credits": 300})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(
        !v.to_string().contains("sk-admin-made"),
        "the raw key is not echoed"
    );
    let r = mock
        .post(
            "/v1/generate",
            Some("sk-admin-made"),
            &json!({"prompt": "x", "model": "z-image-turbo", "width": 64, "height": 64}),
        )
        .await;
    r.expect(200);

    let (s, v) = admin(&mock, "GET", "/__admin/ledger?key=sk-admin-made", None).await;
    assert_eq!(s, 200);
    assert_eq!(v["balance"], 200);
    assert_eq!(v["total_charged"], 100);
    assert_eq!(v["entries"][0]["kind"], "charge");
    assert_eq!(v["entries"][0]["endpoint"], "/v1/generate");
    assert_eq!(v["entries"][0]["request_id"], r.body["request_id"]);
    let (s, _) = admin(&mock, "GET", "/__admin/ledger?key=sk-nope", None).await;
    assert_eq!(s, 404);
    let (s, _) = admin(&mock, "GET", "/__admin/ledger", None).await;
    assert_eq!(s, 400);

    let (s, v) = admin(
        &mock,
        "POST",
        "/__admin/balance",
        Some(json!({"key": "sk-admin-made", "credits": 5})),
    )
    .await;
    assert_eq!((s, &v["balance"]), (200, &json!(5)));
    assert_eq!(mock.server.balance("sk-admin-made"), Some(5));

    let (s, v) = admin(&mock, "GET", "/__admin/requests", None).await;
    assert_eq!(s, 200);
    let text = v.to_string();
    assert!(
        !text.contains("sk-admin-made") && !text.contains(KEY),
        "raw keys never appear in the log"
    );
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.last().unwrap()["path"], "/v1/generate");
    assert_eq!(reqs.last().unwrap()["status"], 200);
    assert_eq!(reqs.last().unwrap()["credits"], 100);

    let (s, v) = admin(
        &mock,
        "POST",
        "/__admin/clock/advance",
        Some(json!({"seconds": 90.5})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["now_seconds"], 90.5);
    let (s, _) = admin(
        &mock,
        "POST",
        "/__admin/clock/advance",
        Some(json!({"seconds": -1})),
    )
    .await;
    assert_eq!(s, 400);
    let (_, v) = admin(&mock, "GET", "/__admin/clock", None).await;
    assert_eq!(v["manual"], true);

    let (s, _) = admin(
        &mock,
        "POST",
        "/__admin/faults",
        Some(json!({"kind": "unavailable", "retry_after_secs": 9, "path": "/v1/tts"})),
    )
    .await;
    assert_eq!(s, 200);
    let r = mock.post("/v1/tts", Some(KEY), &json!({"text": "x"})).await;
    assert_eq!((r.status, r.retry_after()), (503, Some(9)));
    let (_, v) = admin(&mock, "GET", "/__admin/faults", None).await;
    assert_eq!(v["faults"][0]["kind"], "unavailable");
    let (s, _) = admin(&mock, "DELETE", "/__admin/faults", None).await;
    assert_eq!(s, 200);
    mock.post("/v1/tts", Some(KEY), &json!({"text": "x"}))
        .await
        .expect(200);
    let (s, _) = admin(
        &mock,
        "POST",
        "/__admin/faults",
        Some(json!({"kind": "explode"})),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = admin(&mock, "POST", "/__admin/keys", Some(json!({"plan": "pro"}))).await;
    assert_eq!(s, 400);

    let (_, v) = admin(&mock, "GET", "/__admin/keys", None).await;
    assert!(v["keys"].as_array().unwrap().len() >= 4);
    let (s, _) = admin(&mock, "GET", "/__admin/health", None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn the_admin_surface_is_not_under_v1() {
    let mock = Mock::start().await;
    mock.get("/v1/__admin/ledger?key=x", Some(KEY))
        .await
        .expect(404);
}

#[tokio::test]
async fn debug_output_hides_keys() {
    let mock = Mock::start().await;
    mock.post("/v1/tts", Some(KEY), &json!({"text": "x"}))
        .await
        .expect(200);
    let log = format!("{:?}", mock.server.requests());
    assert!(!log.contains(KEY));
    let keys = format!("{:?}", mock.server.keys());
    assert!(!keys.contains(KEY));
    let fault = format!(
        "{:?}",
        artnex_mock::Fault::new(artnex_mock::FaultKind::ServerError).for_key(KEY)
    );
    assert!(!fault.contains(KEY));
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let server = artnex_mock::MockServer::start().await.unwrap();
    let addr = server.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let server = artnex_mock::MockServer::start().await.unwrap();
    let addr = server.addr();
    // An open keep-alive connection does not keep a dropped server alive.
    let http = reqwest::Client::new();
    let url = format!("{}/__admin/health", server.base_url());
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    drop(server);
    let mut refused = false;
    for _ in 0..200 {
        tokio::task::yield_now().await;
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(refused, "the listener closes after drop");
    assert!(http.get(&url).send().await.is_err());
}

#[tokio::test]
async fn the_admin_root_is_an_index_in_json_or_html() {
    let mock = Mock::start().await;
    for path in ["/__admin/", "/__admin"] {
        let (s, v) = admin(&mock, "GET", path, None).await;
        assert_eq!(s, 200, "{path}");
        let routes = v["routes"].as_array().unwrap();
        assert!(routes.len() >= 9, "{v}");
        assert_eq!(v["artnex_base_url"], mock.server.base_url());
        // Every listed GET route answers (the ledger wants ?key=, so 400, not 404).
        for r in routes {
            let path = r["path"].as_str().unwrap();
            if r["methods"].as_str().unwrap().contains("GET") {
                let (status, _) = admin(&mock, "GET", path, None).await;
                assert!(status == 200 || status == 400, "{path}: {status}");
            }
        }
    }
    let r = mock
        .http
        .get(mock.url("/__admin/"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    for path in [
        "/__admin/ledger",
        "/__admin/faults",
        "/__admin/clock/advance",
    ] {
        assert!(html.contains(path), "{path} in {html}");
    }
    assert!(html.contains("<a href=\"/__admin/requests\">"), "{html}");
}
