//! The stall guard against servers on 127.0.0.1 that stop sending: after the headers of a success, in
//! the middle of an error body, and before answering at all. Every call must end with an error (the
//! outer 60 s limit only turns a hang into a test failure; nothing here measures time).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use artnex::{Client, Error, Model, RetryPolicy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A server that reads each request's head and writes `answer`, then keeps the connection open without
/// sending anything more.
async fn stalling_server(answer: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tcp.write_all(answer).await;
                // Hold the connection (and read whatever else comes) until the client gives up.
                while let Ok(n) = tcp.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key("sk-stall-test")
        .base_url(base)
        .read_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn generate(c: &Client) -> Result<(), Error> {
    let call = c.generate("a fox").model(Model::ZImageTurbo).send();
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call must not hang")
        .map(drop)
}

#[tokio::test]
async fn a_success_whose_body_stops_is_a_timeout_that_may_have_been_charged() {
    let base = stalling_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"success\":tr",
    )
    .await;
    let err = generate(&client(&base)).await.unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert!(t.may_have_been_processed, "{t}");
            assert!(t.to_string().contains("timed out"), "{t}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_error_whose_body_stops_is_still_the_status() {
    let base = stalling_server(
        b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"success\":false,",
    )
    .await;
    let err = generate(&client(&base)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Unauthorized(api) if api.status == 401),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    let base = stalling_server(b"").await;
    let err = generate(&client(&base)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.may_have_been_processed && t.to_string().contains("timed out")),
        "{err:?}"
    );
    // A status poll (free) times out the same way.
    let poll = tokio::time::timeout(
        Duration::from_secs(60),
        client(&base).video_status("req_123").send(),
    )
    .await
    .expect("the poll must not hang")
    .unwrap_err();
    assert!(
        matches!(&poll, Error::Transport(t) if !t.may_have_been_processed),
        "{poll:?}"
    );
}
