#![allow(dead_code)] // each example uses part of this module

//! Shared by the examples: a client for the embedded simulator (or for `ARTNEX_BASE_URL` when set).

use std::path::PathBuf;
use std::time::Duration;

use artnex::Client;
use artnex_mock::MockServer;

/// The examples' boxed error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A client and, unless `ARTNEX_BASE_URL` is set, the simulator it talks to (keep it alive).
///
/// The embedded simulator runs its clock 100 times faster than real time, so a video job takes about a
/// second. Set `ARTNEX_BASE_URL` (and `ARTNEX_API_KEY`) to run an example against another server, for
/// example `cargo run -p artnex-mock` on loopback. Examples never reach the real API by accident.
pub async fn connect() -> Result<(Client, Option<MockServer>), BoxError> {
    if std::env::var_os("ARTNEX_BASE_URL").is_some() {
        return Ok((Client::from_env()?, None));
    }
    let mock = MockServer::builder().speed(100.0).start().await?;
    let client = Client::builder()
        .api_key(artnex_mock::DEFAULT_KEY)
        .base_url(mock.base_url())
        // 5 simulated seconds at 100x: the simulator's poll throttle.
        .poll_interval(Duration::from_millis(100))
        .build()?;
    println!("simulator at {}", mock.base_url());
    Ok((client, Some(mock)))
}

/// Where the examples write their files.
pub fn out_dir() -> Result<PathBuf, BoxError> {
    let dir = std::env::temp_dir().join("artnex-examples");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A PNG to use as an input image (made by the simulator itself).
#[allow(dead_code)]
pub async fn sample_image(client: &Client) -> Result<Vec<u8>, BoxError> {
    let out = client
        .generate("a product photo on a table")
        .model(artnex::Model::ZImageTurbo)
        .size(512, 512)
        .await?;
    Ok(out.images[0].bytes().await?.to_vec())
}
