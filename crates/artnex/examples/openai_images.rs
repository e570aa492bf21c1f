//! The OpenAI-compatible images API (ArtAPI): every option, both response formats, files saved with the
//! extension their content calls for, and a typed error.
//!
//! `cargo run -p artnex --example openai_images`
//!
//! Runs against the embedded simulator unless `ARTAPI_BASE_URL` is set (then `ARTAPI_KEY` too), for
//! example to a simulator started with `cargo run -p artnex-mock` on loopback.

use artnex::openai::{ImagesClient, Quality, ResponseFormat, Style};
use artnex_mock::MockServer;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (images, _mock) = connect().await?;
    let dir = std::env::temp_dir().join("artnex-examples");
    std::fs::create_dir_all(&dir)?;

    // Exactly what goes over the wire, before anything is sent.
    let request = images
        .generate("a minimalist logo for a tech startup, flat design, blue tones")
        .model("flux-dev")
        .n(2)
        .size(1024, 1024)
        .quality(Quality::Hd)
        .style(Style::Natural);
    println!("body: {}", request.to_json()?);

    // URLs (valid 24 hours): streamed to disk.
    let out = request.clone().await?;
    println!("created {:?}", out.created);
    for (i, image) in out.data.iter().enumerate() {
        let file = image
            .image
            .save_to_dir(&dir, &format!("logo-url-{i}"))
            .await?;
        println!(
            "{} -> {} ({} bytes)\n  revised prompt: {}",
            image.image.url().unwrap_or_default(),
            file.path.display(),
            file.bytes,
            image.revised_prompt.as_deref().unwrap_or("-")
        );
    }

    // Base64: decoded once, the extension from the bytes.
    let out = request.response_format(ResponseFormat::B64Json).await?;
    for file in out.save_all(&dir, "logo-b64").await? {
        println!(
            "decoded -> {} ({} bytes, {:?})",
            file.path.display(),
            file.bytes,
            file.format
        );
    }

    // Errors come back typed, from the OpenAI error body.
    match images.generate("a logo").model("no-such-model").await {
        Err(artnex::Error::Api(api)) => println!(
            "refused: HTTP {} code={} type={:?} param={:?}: {}",
            api.status, api.code, api.error_type, api.param, api.message
        ),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}

/// A client for the embedded simulator, or for `ARTAPI_BASE_URL` when set.
async fn connect() -> Result<(ImagesClient, Option<MockServer>), BoxError> {
    if std::env::var_os("ARTAPI_BASE_URL").is_some() {
        return Ok((ImagesClient::from_env()?, None));
    }
    let mock = MockServer::builder().start().await?;
    let images = ImagesClient::builder()
        .api_key(artnex_mock::DEFAULT_ARTAPI_KEY)
        .base_url(mock.artapi_base_url())
        .build()?;
    println!("simulator at {}", mock.artapi_base_url());
    Ok((images, Some(mock)))
}
