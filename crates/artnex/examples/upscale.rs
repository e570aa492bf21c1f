//! Upscaling an in-memory image 2x (100 credits for any scale).
//!
//! `cargo run -p artnex --example upscale`

#[path = "common/mod.rs"]
mod common;

use artnex::media::ImageInput;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, _mock) = common::connect().await?;
    let bytes = common::sample_image(&client).await?;
    let out = client.upscale(ImageInput::bytes(bytes)).scale(2.0).await?;
    let saved = out
        .image
        .save_to_dir(common::out_dir()?, "upscaled")
        .await?;
    println!(
        "{} ({} bytes, {:?} credits)",
        saved.path.display(),
        saved.bytes,
        out.credits_used
    );
    Ok(())
}
