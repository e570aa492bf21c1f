//! The API key never appears in Debug output, error messages or tracing output.

use crate::support::log_capture::LogCapture;
use artnex::{Client, Error, Model};
use artnex_mock::{Fault, FaultKind, KeyConfig, MockServer, Plan};

const SECRET: &str = "sk-very-secret-key-4711";

#[tokio::test]
async fn the_key_never_leaks() {
    let capture = LogCapture::start();

    let mock = MockServer::builder().speed(1000.0).start().await.unwrap();
    mock.add_key(KeyConfig::artnex(SECRET, Plan::Pro, 1_000));
    let c = Client::builder()
        .api_key(SECRET)
        .base_url(mock.base_url())
        .retry_policy(crate::fast_retries())
        .build()
        .unwrap();
    let mut texts = vec![
        format!("{c:?}"),
        format!("{:?}", Client::builder().api_key(SECRET)),
    ];

    // Success, then every kind of failure, with their Debug and Display forms.
    let ok = c.generate("a fox").model(Model::ZImageTurbo).await.unwrap();
    texts.push(format!("{ok:?}"));
    // A download (the URL's query string, which may hold a signature, stays out of the logs).
    let signed = format!("{}?sig=SIGNATURE-MARKER", ok.images[0].url().unwrap());
    let bytes = c.media(signed).bytes().await.unwrap();
    assert!(!bytes.is_empty());
    let mut errors: Vec<Error> = Vec::new();
    errors.push(
        c.generate("a fox")
            .model(Model::NanoBananaProUltra)
            .num_images(4)
            .await
            .unwrap_err(),
    ); // 402
    mock.inject(Fault::new(FaultKind::ServerError).times(1));
    errors.push(c.tts("x").await.unwrap_err());
    mock.inject(Fault::new(FaultKind::DropAfterCharge).times(1));
    errors.push(c.tts("x").await.unwrap_err());
    mock.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 9999,
        })
        .times(1),
    );
    errors.push(c.tts("x").await.unwrap_err());
    errors.push(c.video_job("req_nope").poll().await.unwrap_err());
    errors.push(c.generate("").await.unwrap_err());
    let wrong = Client::builder()
        .api_key(format!("{SECRET}-revoked"))
        .base_url(mock.base_url())
        .build()
        .unwrap();
    errors.push(wrong.tts("x").await.unwrap_err()); // 401
    errors.push(
        Client::builder()
            .api_key(SECRET)
            .base_url("http://example.com")
            .build()
            .unwrap_err(),
    );
    errors.push(
        Client::builder()
            .api_key(format!("{SECRET} x"))
            .build()
            .unwrap_err(),
    );
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
    assert!(logs.contains("artnex"), "the capture works: {logs}");
    // Every kind of call runs in its span.
    for operation in [
        "generate_image",
        "text_to_speech",
        "get_video_status",
        "download",
    ] {
        assert!(
            logs.contains(&format!("operation=\"{operation}\"")),
            "no {operation} span: {logs}"
        );
    }
    assert!(!logs.contains("SIGNATURE-MARKER"), "{logs}");
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

/// A plain-http base URL (the local simulator) never goes through a proxy: the proxy would see the key in
/// clear text. Here the client is given a proxy explicitly (as `HTTP_PROXY` would); a loopback listener
/// plays the proxy and must see no connection at all.
#[tokio::test]
async fn a_plain_http_base_url_never_goes_through_a_proxy() {
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    let accepting = tokio::spawn(async move {
        while let Ok((_socket, _)) = proxy.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let mock = crate::mock().await;
    let c = artnex::Client::builder()
        .api_key(crate::KEY)
        .base_url(mock.base_url())
        .retry_policy(artnex::RetryPolicy::none())
        .read_timeout(std::time::Duration::from_secs(5))
        .http_client(
            artnex::reqwest::Client::builder()
                .proxy(artnex::reqwest::Proxy::all(&proxy_url).unwrap()),
        )
        .build()
        .unwrap();
    c.tts("hello")
        .await
        .expect("sent straight to the simulator");
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the proxy was contacted"
    );
    accepting.abort();
}
