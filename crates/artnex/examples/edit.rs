//! Image editing with a local file as input (sniffed, checked and sent inline as a data URI).
//!
//! `cargo run -p artnex --example edit`

#[path = "common/mod.rs"]
mod common;

use artnex::Model;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, _mock) = common::connect().await?;
    let dir = common::out_dir()?;
    let input = dir.join("edit-input.png");
    std::fs::write(&input, common::sample_image(&client).await?)?;

    let request = client
        .edit(
            "Change the background to a snowy mountain scene",
            input.as_path(),
        )
        .model(Model::NanoBananaEdit);
    println!("estimate: {}", request.estimate()?);
    let out = request.await?;
    let saved = out.images[0].save_to_dir(&dir, "edited").await?;
    println!(
        "edited image: {} ({:?} credits)",
        saved.path.display(),
        out.credits_used
    );
    Ok(())
}
