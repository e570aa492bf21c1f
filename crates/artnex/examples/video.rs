//! Video: submit (the job id is known at once), wait with progress, download the MP4.
//!
//! `cargo run -p artnex --example video`

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use artnex::Model;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, _mock) = common::connect().await?;

    let request = client
        .video("A drone flying slowly over a misty mountain range at sunrise")
        .model(Model::Veo31)
        .duration(8);
    println!(
        "estimate: {} (charged when the job completes)",
        request.estimate()?
    );
    let job = request.submit().await?;
    println!(
        "submitted {}: store this id to resume later",
        job.request_id()
    );

    let video = job
        .wait()
        .timeout(Duration::from_secs(120))
        .on_progress(|state| println!("  {} is {}", state.request_id, state.status))
        .await?;
    let saved = video.video.save_to_dir(common::out_dir()?, "drone").await?;
    println!(
        "video: {} ({:?} credits)",
        saved.path.display(),
        video.credits_used
    );
    Ok(())
}
