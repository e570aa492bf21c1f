//! A crypto provider the application installed before building a client is the one used: the client
//! builds, the TLS handshake succeeds, and the process default is still the application's (never
//! replaced). (Its own test binary: the provider is installed before anything else runs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(any(feature = "ring", feature = "aws-lc-rs"))]

mod support;

#[tokio::test]
async fn an_application_installed_provider_is_kept() {
    // This build's provider cut down to one cipher suite, so that it can be told from a default one.
    #[cfg(feature = "aws-lc-rs")]
    let mut mine = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "aws-lc-rs"))]
    let mut mine = rustls::crypto::ring::default_provider();
    mine.cipher_suites.truncate(1);
    let suite = mine.cipher_suites[0].suite();
    mine.install_default().unwrap();
    let (base, _auth) = support::https_server().await;
    assert_eq!(
        support::get_through_api_client(&base).await.unwrap(),
        "200 OK ok"
    );
    let current = rustls::crypto::CryptoProvider::get_default().unwrap();
    assert_eq!(current.cipher_suites.len(), 1);
    assert_eq!(current.cipher_suites[0].suite(), suite);
}
