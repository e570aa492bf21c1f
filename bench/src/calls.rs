//! The calls being compared: the SDK, a raw reqwest client sending the identical JSON, and peers.

use std::time::Duration;

use artnex::Model;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};

/// Errors in the harness: anything goes, with a message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Result alias.
pub type Result<T, E = BoxError> = std::result::Result<T, E>;

/// The Artnex key every simulator in the run has (huge plan and balance: thousands of calls).
pub const KEY: &str = "sk-bench-artnex";
/// The ArtAPI key.
pub const ARTAPI_KEY: &str = "sk-bench-artapi";
/// The prompt of every generate call.
pub const PROMPT: &str = "a lighthouse on a cliff at dusk, oil painting";
/// Image size asked for.
pub const SIDE: u32 = 512;
/// Generate model (the cheapest).
pub const MODEL: Model = Model::ZImageTurbo;
/// ArtAPI model.
pub const ARTAPI_MODEL: &str = "flux-schnell";

/// The generate body exactly as the SDK serialises it (the generated type's fields, alphabetical).
#[derive(Debug, Serialize)]
pub struct RawGenerate<'a> {
    /// Height.
    pub height: u32,
    /// Model id.
    pub model: &'a str,
    /// Number of images.
    pub num_images: u8,
    /// Prompt.
    pub prompt: &'a str,
    /// Width.
    pub width: u32,
}

impl RawGenerate<'static> {
    /// The body of every generate call in the run.
    pub fn standard() -> Self {
        RawGenerate {
            height: SIDE,
            model: "z-image-turbo",
            num_images: 1,
            prompt: PROMPT,
            width: SIDE,
        }
    }
}

/// What a raw caller reads back from `/v1/generate` and `/v1/edit`.
#[derive(Debug, Deserialize)]
pub struct RawImages {
    /// `true` on success.
    pub success: bool,
    /// Result URLs.
    pub images: Vec<RawUrl>,
    /// Request id.
    pub request_id: Option<String>,
    /// Credits charged.
    pub credits_used: Option<u64>,
}

impl RawImages {
    /// What a caller checks before using the result.
    pub fn is_one_image(&self) -> bool {
        self.success
            && self.images.len() == 1
            && self.images[0].url.starts_with("http")
            && self.request_id.is_some()
            && self.credits_used.is_some()
    }
}

/// `{"url": ...}`.
#[derive(Debug, Deserialize)]
pub struct RawUrl {
    /// The URL.
    pub url: String,
}

/// The ArtAPI body as a raw caller writes it.
#[derive(Debug, Serialize)]
pub struct RawArtApi<'a> {
    /// Model id.
    pub model: &'a str,
    /// Prompt.
    pub prompt: &'a str,
    /// Number of images.
    pub n: u8,
    /// `WxH`.
    pub size: &'a str,
}

/// What a raw caller reads back from `/v1/images/generations`.
#[derive(Debug, Deserialize)]
pub struct RawArtApiResponse {
    /// Unix seconds.
    pub created: u64,
    /// The images.
    pub data: Vec<RawArtApiImage>,
}

/// One ArtAPI image.
#[derive(Debug, Deserialize)]
pub struct RawArtApiImage {
    /// Its URL.
    pub url: Option<String>,
    /// The prompt as revised.
    pub revised_prompt: Option<String>,
}

fn check(ok: bool, what: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected response: {what}").into())
    }
}

/// A reqwest client that sends `Authorization: Bearer <key>` on every request, as a hand-written client
/// would (the SDK does the same through default headers).
pub fn raw_client(key: &str) -> Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {key}"))?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

/// `raw_client` plus the transport settings the SDK uses by default (connect timeout 10 s, read timeout
/// 300 s, a User-Agent), to tell the SDK's own code from the cost of those settings.
pub fn raw_client_like_sdk(key: &str) -> Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {key}"))?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .user_agent("artnex-bench/0")
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(300))
        .build()?)
}

/// The SDK and the raw client, both pointed at one simulator.
#[derive(Debug, Clone)]
pub struct Generate {
    /// The SDK.
    pub sdk: artnex::Client,
    /// reqwest with the key as a default header.
    pub raw: reqwest::Client,
    /// reqwest with the SDK's timeouts.
    pub raw_timeouts: reqwest::Client,
    /// The generated client the SDK is built on, with the SDK's transport settings.
    pub generated: artnex_api::Client,
    /// `{base}/v1/generate`.
    pub url: String,
}

/// Which implementation makes a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The artnex SDK.
    Sdk,
    /// A raw reqwest call.
    Raw,
    /// A raw reqwest call on a client with the SDK's timeouts.
    RawTimeouts,
    /// The generated low-level client (`artnex-api`) the SDK calls, without the SDK around it.
    Generated,
}

impl Generate {
    /// Clients for the simulator at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Result<Generate> {
        Ok(Generate {
            sdk: artnex::Client::builder()
                .api_key(KEY)
                .base_url(base)
                .build()?,
            raw: raw_client(KEY)?,
            raw_timeouts: raw_client_like_sdk(KEY)?,
            generated: artnex_api::Client::with_api_key(base, KEY)?,
            url: format!("{base}/v1/generate"),
        })
    }

    /// One generate call.
    pub async fn call(&self, side: Side) -> Result<()> {
        match side {
            Side::Sdk => {
                let out = self
                    .sdk
                    .generate(PROMPT)
                    .model(MODEL)
                    .num_images(1)
                    .size(SIDE, SIDE)
                    .send()
                    .await?;
                check(out.images.len() == 1, "SDK: one image")
            }
            Side::Raw => Self::raw_call(&self.raw, &self.url).await,
            Side::RawTimeouts => Self::raw_call(&self.raw_timeouts, &self.url).await,
            Side::Generated => {
                use artnex_api::types::{
                    GenerateRequest, GenerateRequestModel, GenerateRequestPrompt,
                };
                let body = GenerateRequest {
                    height: Some(SIDE),
                    model: GenerateRequestModel::try_from(MODEL.id())?,
                    num_images: Some(std::num::NonZeroU8::MIN),
                    prompt: GenerateRequestPrompt::try_from(PROMPT)?,
                    quality: None,
                    resolution: None,
                    width: Some(SIDE),
                };
                let out = self.generated.generate_image().body(body).send().await?;
                check(out.images.len() == 1, "generated client: one image")
            }
        }
    }

    /// A raw generate call to any URL (the simulator or the empty handler).
    pub async fn raw_to(&self, url: &str) -> Result<()> {
        Self::raw_call(&self.raw, url).await
    }

    async fn raw_call(client: &reqwest::Client, url: &str) -> Result<()> {
        let response = client
            .post(url)
            .json(&RawGenerate::standard())
            .send()
            .await?
            .error_for_status()?;
        let body: RawImages = response.json().await?;
        check(body.is_one_image(), "raw: one image")
    }
}

/// Clients of the OpenAI-compatible images route.
#[derive(Debug, Clone)]
pub struct Images {
    /// The SDK's OpenAI-compatible images client.
    pub sdk: artnex::openai::ImagesClient,
    /// reqwest with the ArtAPI key.
    pub raw: reqwest::Client,
    /// `{base}/v1/images/generations`.
    pub url: String,
    /// async-openai.
    #[cfg(feature = "peer")]
    pub peer: async_openai::Client<async_openai::config::OpenAIConfig>,
}

/// Which implementation makes an images call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImagesSide {
    /// `artnex::openai::ImagesClient`.
    Sdk,
    /// A raw reqwest call.
    Raw,
    /// async-openai's images client.
    #[cfg(feature = "peer")]
    AsyncOpenAi,
}

impl ImagesSide {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            ImagesSide::Sdk => "artnex::openai",
            ImagesSide::Raw => "raw reqwest",
            #[cfg(feature = "peer")]
            ImagesSide::AsyncOpenAi => "async-openai",
        }
    }
}

impl Images {
    /// Clients for the simulator's ArtAPI base URL (ending in `/v1`).
    pub fn new(artapi_base: &str) -> Result<Images> {
        Ok(Images {
            sdk: artnex::openai::ImagesClient::builder()
                .api_key(ARTAPI_KEY)
                .base_url(artapi_base)
                .build()?,
            raw: raw_client(ARTAPI_KEY)?,
            url: format!("{artapi_base}/images/generations"),
            #[cfg(feature = "peer")]
            peer: async_openai::Client::with_config(
                async_openai::config::OpenAIConfig::new()
                    .with_api_base(artapi_base)
                    .with_api_key(ARTAPI_KEY),
            ),
        })
    }

    /// The implementations available in this build.
    pub fn sides() -> Vec<ImagesSide> {
        #[cfg(feature = "peer")]
        return vec![ImagesSide::Sdk, ImagesSide::AsyncOpenAi, ImagesSide::Raw];
        #[cfg(not(feature = "peer"))]
        return vec![ImagesSide::Sdk, ImagesSide::Raw];
    }

    /// One image generation.
    pub async fn call(&self, side: ImagesSide) -> Result<()> {
        match side {
            ImagesSide::Sdk => {
                let out = self
                    .sdk
                    .generate(PROMPT)
                    .model(ARTAPI_MODEL)
                    .n(1)
                    .size(SIDE, SIDE)
                    .send()
                    .await?;
                check(
                    out.data.len() == 1 && out.data[0].image.url().is_some(),
                    "SDK images: one url",
                )
            }
            ImagesSide::Raw => {
                let response = self
                    .raw
                    .post(&self.url)
                    .json(&RawArtApi {
                        model: ARTAPI_MODEL,
                        prompt: PROMPT,
                        n: 1,
                        size: "512x512",
                    })
                    .send()
                    .await?
                    .error_for_status()?;
                let body: RawArtApiResponse = response.json().await?;
                check(
                    body.created > 0
                        && body.data.len() == 1
                        && body.data[0].url.is_some()
                        && body.data[0].revised_prompt.is_some(),
                    "raw images: one url",
                )
            }
            #[cfg(feature = "peer")]
            ImagesSide::AsyncOpenAi => {
                use async_openai::types::images::{
                    CreateImageRequest, Image, ImageModel, ImageSize,
                };
                let request = CreateImageRequest {
                    prompt: PROMPT.into(),
                    model: ImageModel::Other(ARTAPI_MODEL.into()),
                    n: Some(1),
                    size: Some(ImageSize::S512x512),
                    ..Default::default()
                };
                let out = self.peer.images().generate(request).await?;
                check(
                    out.data.len() == 1 && matches!(*out.data[0], Image::Url { .. }),
                    "async-openai: one url",
                )
            }
        }
    }
}

/// A short pause that lets connection tasks settle between phases.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The raw body is the request the SDK sends (same fields and values; the SDK writes them in its own
    /// order).
    #[test]
    fn raw_generate_body_is_the_sdk_body() {
        let mut sdk = artnex::generate::GenerateImage::new(PROMPT);
        sdk.model = Some(MODEL);
        sdk.num_images = Some(1);
        sdk.width = Some(SIDE);
        sdk.height = Some(SIDE);
        assert_eq!(
            serde_json::to_value(RawGenerate::standard()).unwrap(),
            serde_json::to_value(&sdk).unwrap()
        );
        let raw = serde_json::to_string(&RawGenerate::standard()).unwrap();
        assert_eq!(raw.len(), serde_json::to_string(&sdk).unwrap().len());
    }
}
