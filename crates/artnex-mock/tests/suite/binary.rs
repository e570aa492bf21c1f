//! The `artnex-mock` binary: flags, start-up banner, serving.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;

/// Kills the child we started when the test ends, even on failure.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_url_and_keys_and_serves() {
    let child = Command::new(env!("CARGO_BIN_EXE_artnex-mock"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--key",
            "sk-bin-test:free:300",
            "--speed",
            "100",
        ])
        .args(["--fault", "latency,ms=1,times=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn artnex-mock");
    let mut guard = Guard(child);
    let stdout = guard.0.stdout.take().unwrap();
    let banner = tokio::task::spawn_blocking(move || {
        let mut banner = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let done = line.starts_with("Press Ctrl-C");
            banner.push(line);
            if done || banner.len() > 20 {
                break;
            }
        }
        banner
    })
    .await
    .unwrap();
    let first = banner.first().cloned().unwrap_or_default();
    let base = first
        .strip_prefix("artnex-mock listening on ")
        .unwrap_or_else(|| panic!("banner: {banner:?}"))
        .trim()
        .to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{base}"
    );
    let text = banner.join("\n");
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
    assert_eq!(ledger["plan"], "free (100 requests/day)");
    drop(guard);
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
