//! Text-to-image: price the request, send it, download the images with the right extension.
//!
//! `cargo run -p artnex --example generate`

#[path = "common/mod.rs"]
mod common;

use artnex::Model;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, _mock) = common::connect().await?;

    let request = client
        .generate("a red fox in the snow, golden hour")
        .model(Model::Flux2Pro)
        .num_images(2);
    println!("estimate: {}", request.estimate()?); // no network
    let out = request.await?;
    println!(
        "request {:?}: {:?} credits",
        out.request_id, out.credits_used
    );

    let dir = common::out_dir()?;
    for (i, image) in out.images.iter().enumerate() {
        let saved = image.save_to_dir(&dir, &format!("fox-{i}")).await?; // extension from the content
        println!(
            "{} -> {} ({} bytes)",
            image,
            saved.path.display(),
            saved.bytes
        );
    }
    Ok(())
}
