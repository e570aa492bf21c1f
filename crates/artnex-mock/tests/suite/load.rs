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
    crate::support::memory_kib(std::process::id()).map(|(_, rss)| rss)
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
    // Reset this process's peak-RSS mark (Linux), so the peak printed below is this test's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
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
    if let Some((peak, rss)) = crate::support::memory_kib(std::process::id()) {
        println!(
            "{REQUESTS} mixed requests, 64 at a time: peak RSS {} MiB, resident {} MiB (simulator and client \
             in one process)",
            peak / 1024,
            rss / 1024
        );
    }
    if let (Some(before), Some(after)) = (rss_before, rss_kib()) {
        assert!(
            after.saturating_sub(before) < 256 * 1024,
            "RSS grew by {} KiB",
            after - before
        );
    }
}

/// 64 bodies of ~12.7 MB (a 9.5 MB PNG as a data URI) at once, against the binary so that its memory is
/// measured alone: every one is answered, the ledger is exact, and the peak resident memory stays
/// bounded (the large-body permits keep at most 4 in memory at a time). The peak is printed
/// (`cargo test -p artnex-mock --test suite large_bodies -- --nocapture`).
#[cfg(feature = "cli")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_large_bodies_at_once_in_bounded_memory() {
    use crate::support::binary::Binary;
    use crate::support::memory_kib;

    let _heavy = crate::support::heavy().await;
    let key = "sk-load-large";
    let bin = Binary::start(&["--quiet", "--key", &format!("{key}:unlimited:100000000")]).await;
    let png = crate::support::media::padded_png(64, 64, 9_500_000);
    let body = bytes::Bytes::from(format!(
        "{{\"image\": \"{}\"}}",
        crate::support::data_uri("image/png", &png)
    ));
    assert!(
        (12_600_000..12_800_000).contains(&body.len()),
        "{}",
        body.len()
    );
    let (before, _) = memory_kib(bin.pid()).expect("/proc/PID/status");
    let http = reqwest::Client::new();
    let url = format!("{}/v1/remove-bg", bin.base);
    let sends = (0..64).map(|_| {
        let req = http
            .post(&url)
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.clone());
        async move { req.send().await.map(|r| r.status().as_u16()) }
    });
    let statuses = tokio::time::timeout(
        Duration::from_secs(600),
        futures_util::future::join_all(sends),
    )
    .await
    .expect("the uploads finish");
    let ok = statuses.iter().filter(|s| matches!(s, Ok(200))).count();
    if ok != 64 {
        let log: Value = http
            .get(format!("{}/__admin/requests", bin.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        panic!("{statuses:?}\nserver log: {log}");
    }
    let ledger: Value = http
        .get(format!("{}/__admin/ledger?key={key}", bin.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["total_charged"], 64 * 10);
    let (peak, resident) = memory_kib(bin.pid()).expect("/proc/PID/status");
    println!(
        "simulator memory, 64 concurrent ~12.7 MB bodies: peak RSS {} MiB (before {} MiB, resident after {} MiB)",
        peak / 1024,
        before / 1024,
        resident / 1024
    );
    assert!(
        peak < 512 * 1024,
        "peak RSS {} MiB with 64 large bodies",
        peak / 1024
    );
    bin.stop();
}
