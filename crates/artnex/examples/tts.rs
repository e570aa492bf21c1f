//! Text-to-speech (tts-elevenlabs by default), saved as .mp3.
//!
//! `cargo run -p artnex --example tts`

#[path = "common/mod.rs"]
mod common;

use artnex::Model;

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, _mock) = common::connect().await?;
    let speech = client
        .tts("Welcome to Artnex. Your images are ready.")
        .await?;
    let saved = speech
        .audio
        .save_to_dir(common::out_dir()?, "welcome")
        .await?;
    println!(
        "{} ({:?} s, {:?} credits)",
        saved.path.display(),
        speech.duration_seconds,
        speech.credits_used
    );

    let narrator = client
        .tts("Once upon a time, in a valley of mist...")
        .model(Model::KlingTts);
    println!("kling-tts would cost {}", narrator.estimate()?);
    Ok(())
}
