//! What the image operations return: [`Images`] (generate, edit) and [`ImageResult`] (upscale, background
//! removal), and how the budget settles after each answer.

use artnex_api::types::{ImageUrlResponse, ImagesResponse, TtsResponse, VideoJob};

use crate::client::Client;
use crate::error::Error;
use crate::exec::Answer;
use crate::media::{Media, MediaKind};
use crate::operation::{Deliver, Dialect, Operation, Reply, Settlement};

/// Images returned by generate or edit.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Images {
    /// The images, in order. Their URLs are CDN links, kept 24 hours.
    pub images: Vec<Media>,
    /// The request id, for support (the body's, else the `x-request-id` header's).
    pub request_id: Option<String>,
    /// Credits charged for the call.
    pub credits_used: Option<u64>,
}

/// The single image produced by upscale or background removal.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ImageResult {
    /// The result image (kept 24 hours; always a PNG with alpha for background removal).
    pub image: Media,
    /// The request id, for support (the body's, else the `x-request-id` header's).
    pub request_id: Option<String>,
    /// Credits charged for the call.
    pub credits_used: Option<u64>,
}

/// The request id of an answer: the body's (taken from it), else the `x-request-id` header's.
pub(crate) fn request_id<T>(body: Option<String>, answer: &Answer<T>) -> Option<String> {
    body.or_else(|| answer.header_request_id())
}

impl<O: Operation<Client = Client, Response = ImagesResponse>> Deliver<O> for Images {
    async fn deliver(
        client: &Client,
        mut answer: Answer<ImagesResponse>,
        _: O::Options,
    ) -> Result<Self, Error> {
        let request_id = request_id(answer.value.request_id.take(), &answer);
        let downloads = &client.core().downloads;
        Ok(Images {
            images: answer
                .value
                .images
                .into_iter()
                .map(|i| downloads.url(i.url, MediaKind::Image))
                .collect(),
            request_id,
            credits_used: answer.value.credits_used,
        })
    }
}

impl<O: Operation<Client = Client, Response = ImageUrlResponse>> Deliver<O> for ImageResult {
    async fn deliver(
        client: &Client,
        mut answer: Answer<ImageUrlResponse>,
        _: O::Options,
    ) -> Result<Self, Error> {
        let request_id = request_id(answer.value.request_id.take(), &answer);
        Ok(ImageResult {
            image: client
                .core()
                .downloads
                .url(answer.value.image_url, MediaKind::Image),
            request_id,
            credits_used: answer.value.credits_used,
        })
    }
}

impl Reply for ImagesResponse {
    fn settlement(&self) -> Settlement {
        Settlement::Charged(self.credits_used)
    }
}

impl Reply for ImageUrlResponse {
    fn settlement(&self) -> Settlement {
        Settlement::Charged(self.credits_used)
    }
}

impl Reply for TtsResponse {
    fn settlement(&self) -> Settlement {
        Settlement::Charged(self.credits_used)
    }
}

impl Reply for VideoJob {
    /// A submission is charged when the job ends (the docs), unless the answer says it was charged
    /// already; a status poll is free.
    fn settlement(&self) -> Settlement {
        match self.credits_used {
            Some(used) if used > 0 => Settlement::JobCharged(self.request_id.clone(), used),
            _ => Settlement::Job(self.request_id.clone()),
        }
    }
}
