//! The ArtAPI key never appears in Debug output, error messages or tracing output; the prompt is truncated
//! in logs.

use crate::support::log_capture::LogCapture;
use artnex::Error;
use artnex::openai::{ImagesClient, ResponseFormat};
use artnex_mock::{Fault, FaultKind, KeyConfig, MockServer, Plan};

const SECRET: &str = "sk-artapi-very-secret-4712";

#[tokio::test]
async fn the_key_never_leaks() {
    let capture = LogCapture::start();

    let mock = MockServer::builder().start().await.unwrap();
    mock.add_key(KeyConfig::artapi(SECRET, Plan::Pro, 100));
    let builder = || {
        ImagesClient::builder()
            .api_key(SECRET)
            .base_url(mock.artapi_base_url())
            .retry_policy(crate::fast_retries())
    };
    let c = builder().build().unwrap();
    let mut texts = vec![format!("{c:?}"), format!("{:?}", builder())];

    // A long prompt: only its first 48 characters may appear in logs.
    let prompt = format!("{}TAIL-MARKER", "a quiet harbour at night, ".repeat(4));
    let ok = c
        .generate(prompt.clone())
        .model("flux-schnell")
        .size(256, 256)
        .await
        .unwrap();
    texts.push(format!("{ok:?}"));
    let ok = c
        .generate("a fox")
        .model("flux-schnell")
        .size(256, 256)
        .response_format(ResponseFormat::B64Json)
        .await
        .unwrap();
    texts.push(format!("{ok:?}"));
    texts.push(format!("{:?}", c.generate("a fox").model("flux-dev")));

    let mut errors: Vec<Error> = Vec::new();
    errors.push(
        c.generate("a fox")
            .model("flux-pro")
            .n(10)
            .await
            .unwrap_err(),
    ); // 402
    errors.push(c.generate("a fox").model("nope").await.unwrap_err()); // 400
    mock.inject(Fault::new(FaultKind::ServerError).times(1));
    errors.push(c.generate("a fox").model("flux-schnell").await.unwrap_err()); // 500
    mock.inject(Fault::new(FaultKind::DropAfterCharge).times(1));
    errors.push(c.generate("a fox").model("flux-schnell").await.unwrap_err()); // cut
    mock.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 9999,
        })
        .times(1),
    );
    errors.push(c.generate("a fox").model("flux-schnell").await.unwrap_err()); // 429
    errors.push(c.generate("").model("flux-schnell").await.unwrap_err()); // local
    let revoked = ImagesClient::builder()
        .api_key(format!("{SECRET}-revoked"))
        .base_url(mock.artapi_base_url())
        .build()
        .unwrap();
    errors.push(
        revoked
            .generate("a fox")
            .model("flux-dev")
            .await
            .unwrap_err(),
    ); // 401
    errors.push(
        ImagesClient::builder()
            .api_key(SECRET)
            .base_url("http://example.com/v1")
            .build()
            .unwrap_err(),
    );
    errors.push(
        ImagesClient::builder()
            .api_key(format!("{SECRET} x"))
            .build()
            .unwrap_err(),
    );
    assert!(matches!(errors[0], Error::InsufficientCredits(_)));
    assert!(matches!(errors[6], Error::Unauthorized(_)));
    for e in &errors {
        texts.push(format!("{e}"));
        texts.push(format!("{e:?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            texts.push(s.to_string());
            source = s.source();
        }
    }

    let logs = capture.text();
    assert!(logs.contains("create_image"), "the span is there: {logs}");
    assert!(logs.contains("a quiet harbour at night"), "{logs}");
    assert!(
        !logs.contains("TAIL-MARKER"),
        "the prompt is truncated in logs"
    );
    assert!(
        logs.contains("retrying") || logs.contains("request failed"),
        "{logs}"
    );
    texts.push(logs);
    for t in &texts {
        assert!(!t.contains(SECRET), "the key leaked into: {t}");
        assert!(
            !t.contains("very-secret"),
            "part of the key leaked into: {t}"
        );
    }
}
