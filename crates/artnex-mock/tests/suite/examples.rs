//! Replays every example request of the docs (the request examples in spec/artnex.yaml and
//! spec/artapi.yaml) and checks that each answer validates and has the documented example's shape.

use std::time::Duration;

use serde_json::Value;

use crate::support::{Mock, spec};

#[tokio::test]
async fn every_artnex_docs_example_replays() {
    let mock = Mock::start().await;
    let key = artnex_mock::DEFAULT_KEY;
    let spec = spec::artnex();
    let examples = spec.request_examples();
    assert!(examples.len() >= 8, "{} examples", examples.len());
    let mut video_jobs = Vec::new();
    for (template, method, name, body) in examples {
        let r = mock.post(&template, Some(key), &body).await;
        assert_eq!(
            r.status, 200,
            "{method} {template} example {name}: {}",
            r.body
        );
        let documented = spec.response_examples(&template, &method, 200);
        assert!(
            !documented.is_empty(),
            "{template} has no documented 200 example"
        );
        for (ex_name, ex) in documented {
            let problems = spec::same_shape(&ex, &r.body, "$");
            assert!(
                problems.is_empty(),
                "{template} {name} vs {ex_name}: {problems:?}\n{}",
                r.body
            );
        }
        if template == "/v1/video" {
            video_jobs.push(r.body["request_id"].as_str().unwrap().to_string());
        }
        // Every URL in the answer serves a file.
        for url in urls(&r.body) {
            mock.download(&url).await.expect(200);
        }
    }
    // The status examples: processing, then completed.
    assert!(!video_jobs.is_empty());
    mock.server.advance(Duration::from_secs(10));
    let processing = spec
        .response_examples("/v1/video/{request_id}", "GET", 200)
        .into_iter()
        .find(|(n, _)| n == "processing")
        .unwrap()
        .1;
    let completed = spec
        .response_examples("/v1/video/{request_id}", "GET", 200)
        .into_iter()
        .find(|(n, _)| n == "completed")
        .unwrap()
        .1;
    for id in &video_jobs {
        let r = mock.get(&format!("/v1/video/{id}"), Some(key)).await;
        assert_eq!(r.body["status"], "processing");
        assert!(spec::same_shape(&processing, &r.body, "$").is_empty());
    }
    mock.server.advance(Duration::from_secs(600));
    for id in &video_jobs {
        let r = mock.get(&format!("/v1/video/{id}"), Some(key)).await;
        let problems = spec::same_shape(&completed, &r.body, "$");
        assert!(problems.is_empty(), "{problems:?} {}", r.body);
        for url in urls(&r.body) {
            mock.download(&url).await.expect(200);
        }
    }
}

#[tokio::test]
async fn every_artapi_docs_example_replays() {
    let mock = Mock::start().await;
    let spec = spec::artapi();
    let examples = spec.request_examples();
    assert!(!examples.is_empty());
    for (template, method, name, body) in examples {
        let path = format!("{}{template}", spec.prefix);
        let r = mock
            .post(&path, Some(artnex_mock::DEFAULT_ARTAPI_KEY), &body)
            .await;
        assert_eq!(
            r.status, 200,
            "{method} {template} example {name}: {}",
            r.body
        );
        for (ex_name, ex) in spec.response_examples(&template, &method, 200) {
            let problems = spec::same_shape(&ex, &r.body, "$");
            assert!(problems.is_empty(), "{name} vs {ex_name}: {problems:?}");
        }
        for url in urls(&r.body) {
            let f = mock.download(&url).await;
            f.expect(200);
            assert_eq!(f.header("content-type"), Some("image/png"));
        }
    }
}

#[tokio::test]
async fn documented_error_examples_match_our_error_bodies() {
    // Every error example in the spec has the same shape as what the simulator sends.
    let mock = Mock::start().await;
    let spec = spec::artnex();
    let ours = mock
        .post("/v1/generate", Some("sk-wrong"), &serde_json::json!({}))
        .await;
    for name in [
        "BadRequest",
        "Unauthorized",
        "PaymentRequired",
        "NotFound",
        "UnprocessableEntity",
        "TooManyRequests",
        "InternalServerError",
    ] {
        let ex =
            &spec.doc["components"]["responses"][name]["content"]["application/json"]["example"];
        assert!(ex.is_object(), "{name}");
        let problems = spec::same_shape(ex, &ours.body, "$");
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

fn urls(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect(body, &mut out);
    out
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.starts_with("http://") => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}
