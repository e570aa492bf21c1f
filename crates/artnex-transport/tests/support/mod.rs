//! An HTTPS server on 127.0.0.1 for the TLS tests: a test-only CA (`certs/ca.pem`) signed the server's
//! certificate (`certs/server.pem`, for `localhost` and `127.0.0.1`, valid until 2126); the server answers
//! every request with `200 ok` and reports the `Authorization` header it saw.
//!
//! Made with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256` (the CA, whose key was thrown
//! away) and `openssl x509 -req` (the server certificate, `CA:FALSE`, `serverAuth`, the two names as SANs).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const CA: &[u8] = include_bytes!("certs/ca.pem");
const CERT: &[u8] = include_bytes!("certs/server.pem");
const KEY: &[u8] = include_bytes!("certs/server.key");

/// The test CA, for the client's trust store.
pub fn ca() -> reqwest::Certificate {
    reqwest::Certificate::from_pem(CA).unwrap()
}

/// The crypto provider the server uses: the process default when there is one, else this build's.
fn server_provider() -> Arc<rustls::crypto::CryptoProvider> {
    if let Some(p) = rustls::crypto::CryptoProvider::get_default() {
        return p.clone();
    }
    #[cfg(feature = "aws-lc-rs")]
    return Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    #[cfg(not(feature = "aws-lc-rs"))]
    return Arc::new(rustls::crypto::ring::default_provider());
}

/// Starts the server; returns its `https://127.0.0.1:PORT` base URL and a receiver of the
/// `Authorization` header of each request.
pub async fn https_server() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let certs = vec![CertificateDer::from_pem_slice(CERT).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(server_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let auth = text
                    .lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                            .map(|(_, v)| v.trim().to_string())
                    })
                    .unwrap_or_default();
                let _ = tx.send(auth);
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://127.0.0.1:{}", addr.port()), rx)
}

/// One GET through an API client built by `HttpConfig::api_client` that trusts the test CA.
pub async fn get_through_api_client(base: &str) -> Result<String, String> {
    let key = artnex_transport::ApiKey::new("sk-tls-test").unwrap();
    let client = artnex_transport::HttpConfig::default()
        .api_client(
            &key,
            base,
            Some(reqwest::Client::builder().tls_certs_merge([ca()])),
        )
        .map_err(|e| e.to_string())?;
    let response = client
        .get(format!("{base}/v1/ping"))
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    Ok(format!("{status} {body}"))
}
