//! The `artnex-mock` binary: flags, start-up banner, serving.

use std::process::Command;

use serde_json::json;

use crate::support::binary::Binary;

#[tokio::test]
async fn the_binary_prints_its_url_and_keys_and_serves() {
    let bin = Binary::start(&[
        "--key",
        "sk-bin-test:free:300",
        "--speed",
        "100",
        "--fault",
        "latency,ms=1,times=1",
    ])
    .await;
    let base = bin.base.clone();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );
    let text = bin.banner.join("\n");
    assert!(text.contains("sk-bin-test"), "{text}");
    assert!(text.contains(artnex_mock::DEFAULT_ARTAPI_KEY), "{text}");
    assert!(
        !text.contains(artnex_mock::DEFAULT_KEY),
        "--key replaces the default Artnex key: {text}"
    );

    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/v1/generate"))
        .bearer_auth("sk-bin-test")
        .json(&json!({"prompt": "x", "model": "z-image-turbo", "width": 64, "height": 64}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ledger: serde_json::Value = http
        .get(format!("{base}/__admin/ledger?key=sk-bin-test"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["balance"], 200);
    let free = artnex_facts::Plan::Free.requests_per_day().unwrap();
    assert_eq!(ledger["plan"], format!("free ({free} requests/day)"));
    let r = http
        .post(format!("{base}/v1/tts"))
        .bearer_auth("sk-bin-test")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // One console line per request: method, path, status (and code), credits, key label; never the key.
    let label = ledger["key"].as_str().unwrap().to_string();
    let lines = bin.stop();
    let text = lines.join("\n");
    assert!(!text.contains("sk-bin-test"), "{text}");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains(&format!(
            "POST /v1/generate -> 200, 100 credits, {label}, req_"
        )),
        "{text}"
    );
    assert!(
        lines[1].contains(&format!(
            "POST /v1/tts -> 400 missing_text, 0 credits, {label}"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn quiet_prints_no_request_lines() {
    let bin = Binary::start(&["--quiet"]).await;
    let r = reqwest::Client::new()
        .post(format!("{}/v1/tts", bin.base))
        .bearer_auth(artnex_mock::DEFAULT_KEY)
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(bin.stop(), Vec::<String>::new());
}

#[tokio::test]
async fn bad_flags_exit_with_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_artnex-mock"))
        .args(["--addr", "127.0.0.1:0", "--key", "k:gold"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown plan"));
}
