//! Resuming a video job by id after a wait timed out (the job itself goes on).
//!
//! `cargo run -p artnex --example video_resume`

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use artnex::{Error, Model};

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, _mock) = common::connect().await?;
    let job = client
        .video("Waves rolling onto a beach")
        .model(Model::KlingV25TurboPro)
        .duration(10)
        .submit()
        .await?;

    // Give up far too early on purpose.
    let id = match job.wait().timeout(Duration::from_millis(200)).await {
        Err(Error::JobTimedOut {
            request_id,
            last_status,
            ..
        }) => {
            println!("timed out while {last_status:?}; the job goes on: {request_id}");
            request_id
        }
        other => {
            println!("finished early: {other:?}");
            return Ok(());
        }
    };

    // Later (another process, after a restart...): one look at the job, then resume waiting by id.
    let state = client.video_status(&id).await?;
    println!("{id} is {}", state.status);
    let video = client.video_job(&id).wait().await?;
    println!("resumed {} -> {}", video.request_id, video.video);
    Ok(())
}
