//! A client budget: requests are refused before sending when their estimate does not fit.
//!
//! `cargo run -p artnex --example budget`

#[path = "common/mod.rs"]
mod common;

use artnex::catalogue::{Quality, Resolution};
use artnex::{Client, Error, Model, PriceTable};

#[tokio::main]
async fn main() -> Result<(), common::BoxError> {
    let (client, mock) = common::connect().await?;
    let base_url = client.base_url().to_string();
    let key = match &mock {
        Some(_) => artnex_mock::DEFAULT_KEY.to_string(),
        None => std::env::var("ARTNEX_API_KEY")?,
    };
    let client = Client::builder()
        .api_key(key)
        .base_url(base_url)
        .budget(1_200)
        // gpt-image-2 prices are not published: give your own so that the budget can check them.
        .price_table(PriceTable::new().tier(Model::GptImage2, Resolution::OneK, Quality::Low, 100))
        .build()?;

    let out = client
        .generate("a lighthouse")
        .model(Model::Flux2Pro)
        .num_images(4)
        .await?;
    println!(
        "spent {:?}; budget now {:?}",
        out.credits_used,
        client.budget()
    );
    match client
        .generate("a lighthouse")
        .model(Model::NanoBananaProUltra)
        .await
    {
        Err(Error::BudgetExceeded { reason, .. }) => println!("refused, nothing sent: {reason}"),
        other => println!("unexpected: {other:?}"),
    }
    let cheap = client
        .generate("a lighthouse")
        .model(Model::GptImage2)
        .resolution(Resolution::OneK)
        .quality(Quality::Low);
    println!(
        "gpt-image-2 1k/low estimate with the table: {}",
        cheap.estimate()?
    );
    Ok(())
}
