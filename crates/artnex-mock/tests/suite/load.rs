//! A bounded load test on loopback: thousands of mixed valid and invalid requests, concurrently.
//! Checks: no 5xx, an exact ledger, bounded memory. (No timing assertions; a timeout only stops a hang.)

use std::sync::Arc;
use std::time::Duration;

use artnex_mock::{KeyConfig, Plan};
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use crate::support::{Mock, builder};

const KEY: &str = "sk-load";
const ART: &str = "sk-load-art";
const REQUESTS: usize = 3000;
const CREDITS: u64 = 50_000_000;

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[derive(Debug, Default)]
struct Outcome {
    status: u16,
    credits: u64,
    art_credits: u64,
}

async fn one(mock: &Mock, i: usize) -> Outcome {
    let post = |path: &'static str, key: &'static str, body: Value| {
        let req = mock.http.post(mock.url(path)).bearer_auth(key).json(&body);
        async move { req.send().await }
    };
    let result = match i % 12 {
        0 | 1 => post(
            "/v1/generate",
            KEY,
            json!({"prompt": format!("p{i}"), "model": "z-image-turbo", "width": 64, "height": 64}),
        )
        .await,
        2 => post("/v1/generate", KEY, json!({"model": "z-image-turbo"})).await,
        3 => {
            post(
                "/v1/generate",
                "sk-nobody",
                json!({"prompt": "x", "model": "z-image-turbo"}),
            )
            .await
        }
        4 => {
            mock.http
                .post(mock.url("/v1/tts"))
                .bearer_auth(KEY)
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
        }
        5 => {
            post(
                "/v1/tts",
                KEY,
                json!({"text": "hello load test", "voice_id": "bella"}),
            )
            .await
        }
        6 => {
            post(
                "/v1/upscale",
                KEY,
                json!({"image": "https://example.com/a.png", "scale": 1}),
            )
            .await
        }
        7 => {
            post(
                "/v1/remove-bg",
                KEY,
                json!({"image": "data:image/png;base64,AAAA"}),
            )
            .await
        }
        8 => {
            post(
                "/v1/video",
                KEY,
                json!({"prompt": "x", "model": "veo3-fast"}),
            )
            .await
        }
        9 => {
            mock.http
                .get(mock.url("/v1/video/req_unknown"))
                .bearer_auth(KEY)
                .send()
                .await
        }
        10 => {
            post(
                "/v1/images/generations",
                ART,
                json!({"model": "flux-schnell", "prompt": "x", "size": "256x256"}),
            )
            .await
        }
        _ => {
            post(
                "/v1/edit",
                KEY,
                json!({"prompt": "x", "model": "nano-banana-edit", "image": 42}),
            )
            .await
        }
    };
    let resp = result.expect("no transport errors without faults");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let mut out = Outcome {
        status,
        ..Outcome::default()
    };
    if status == 200 {
        if i % 12 == 10 {
            out.art_credits = 10;
        } else if i % 12 == 8 {
            out.credits = 2000; // held, charged at completion
        } else {
            out.credits = body["credits_used"].as_u64().unwrap_or(0);
        }
        // Fetch some media to exercise the CDN.
        if i.is_multiple_of(48)
            && let Some(url) = body["images"][0]["url"].as_str()
        {
            let f = mock.http.get(url).send().await.unwrap();
            assert_eq!(f.status(), 200);
            let _ = f.bytes().await.unwrap();
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_mixed_requests() {
    let _heavy = crate::support::heavy().await;
    let mock = Arc::new(
        Mock::with(
            builder()
                .request_log_capacity(1000)
                .key(KeyConfig::artnex(KEY, Plan::Unlimited, CREDITS))
                .key(KeyConfig::artapi(ART, Plan::Unlimited, CREDITS)),
        )
        .await,
    );
    let rss_before = rss_kib();
    let run = futures_util::stream::iter(0..REQUESTS)
        .map(|i| {
            let mock = mock.clone();
            async move { one(&mock, i).await }
        })
        .buffer_unordered(64)
        .collect::<Vec<Outcome>>();
    let outcomes = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the load test finishes");

    let server_errors: Vec<&Outcome> = outcomes.iter().filter(|o| o.status >= 500).collect();
    assert!(server_errors.is_empty(), "{server_errors:?}");
    let ok = outcomes.iter().filter(|o| o.status == 200).count();
    assert_eq!(ok, REQUESTS / 12 * 6, "valid requests all succeed");

    // The ledger is exact: what the answers say was spent is what the accounts lost.
    let spent: u64 = outcomes.iter().map(|o| o.credits).sum();
    let art_spent: u64 = outcomes.iter().map(|o| o.art_credits).sum();
    let held = mock.server.held(KEY).unwrap();
    assert_eq!(mock.server.total_charged(KEY) + held, spent);
    assert_eq!(mock.server.balance(KEY), Some(CREDITS - spent));
    assert_eq!(mock.server.total_charged(ART), art_spent);
    // Completing every video turns holds into charges without losing a credit.
    mock.server.advance(Duration::from_secs(3600));
    assert_eq!(mock.server.held(KEY), Some(0));
    assert_eq!(mock.server.total_charged(KEY), spent);
    assert_eq!(mock.server.balance(KEY), Some(CREDITS - spent));

    // Memory stays bounded: the log is a ring, media are recipes, not files.
    assert_eq!(mock.server.requests().len(), 1000);
    assert!(mock.server.media_entries() <= REQUESTS);
    if let (Some(before), Some(after)) = (rss_before, rss_kib()) {
        assert!(
            after.saturating_sub(before) < 256 * 1024,
            "RSS grew by {} KiB",
            after - before
        );
    }
}
