//! Background removal: the result is always a PNG with alpha.
//!
//! `cargo run -p artnex --example remove_background`

#[path = "common/mod.rs"]
mod common;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, _mock) = common::connect().await?;
    let bytes = common::sample_image(&client).await?;
    let out = client.remove_background(bytes).await?;
    let path = common::out_dir()?.join("cutout.png");
    let saved = out.image.download_to(&path).await?; // exactly this path, streamed to disk
    println!(
        "{} ({:?}, {:?} credits)",
        saved.path.display(),
        saved.format,
        out.credits_used
    );
    Ok(())
}
