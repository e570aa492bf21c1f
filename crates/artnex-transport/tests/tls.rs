//! HTTPS works with this build's crypto provider when the application installed none: building a client
//! installs it (ring) or lets reqwest use its own (aws-lc-rs), and a real TLS handshake to a server on
//! 127.0.0.1 succeeds. (Its own test binary: the process-wide provider starts out unset.)
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(any(feature = "ring", feature = "aws-lc-rs"))]

mod support;

#[tokio::test]
async fn https_works_with_the_provider_of_this_build() {
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    let (base, mut auth) = support::https_server().await;
    let answer = support::get_through_api_client(&base).await.unwrap();
    assert_eq!(answer, "200 OK ok");
    assert_eq!(auth.recv().await.unwrap(), "Bearer sk-tls-test");
    let installed = rustls::crypto::CryptoProvider::get_default().is_some();
    match artnex_transport::TLS_PROVIDER {
        // ring is installed process-wide (reqwest has no fallback for it).
        Some("ring") => assert!(installed),
        // aws-lc-rs is reqwest's own fallback: nothing is installed.
        Some("aws-lc-rs") => assert!(!installed),
        other => panic!("unexpected provider {other:?}"),
    }

    // (In the same test: tests of one binary share the process-wide provider.)
    let client = artnex_transport::HttpConfig::default()
        .download_client(true)
        .unwrap();
    // Not trusted: the test CA is not in the system store, so the handshake is refused (a certificate
    // error, not a missing-provider panic or a "no TLS" error).
    let err = client.get(format!("{base}/x")).send().await.unwrap_err();
    let chain = format!("{err:?}");
    assert!(
        chain.contains("certificate")
            || chain.contains("Certificate")
            || chain.contains("UnknownIssuer"),
        "{chain}"
    );
}
