//! The generated request type enforces only what the docs state: ArtAPI's 4,000-character prompt limit is
//! an assumption (`x-assumed-limits` in spec/artapi.yaml), so a longer prompt is built and left to the
//! server's `prompt_too_long`; an empty prompt or model (required strings) is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use artapi_api::types::{CreateImageRequest, builder};

fn build(model: &str, prompt: &str) -> Result<CreateImageRequest, String> {
    CreateImageRequest::try_from(
        builder::CreateImageRequest::default()
            .model(model)
            .prompt(prompt),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn the_assumed_prompt_limit_is_not_enforced() {
    let long = "é".repeat(4001);
    let request = build("flux-dev", &long).unwrap();
    assert_eq!(request.prompt.chars().count(), 4001);
    let json = serde_json::to_value(&request).unwrap();
    assert_eq!(
        json["prompt"].as_str().map(|p| p.chars().count()),
        Some(4001)
    );
}

#[test]
fn empty_required_strings_are_refused() {
    assert!(build("flux-dev", "").is_err());
    assert!(build("", "a logo").is_err());
    assert!(build("flux-dev", "a logo").is_ok());
}
