//! What the image operations return: [`Images`] (generate, edit) and [`ImageResult`] (upscale, background
//! removal).

use crate::client::Client;
use crate::media::{Media, MediaKind};
use crate::operation::{Dialect, Settlement};

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

impl Images {
    pub(crate) fn from_wire(
        client: &Client,
        answer: crate::exec::Answer<artnex_api::types::ImagesResponse>,
    ) -> Images {
        let request_id = answer
            .value
            .request_id
            .clone()
            .or_else(|| answer.header_request_id());
        let r = answer.value;
        let downloads = &client.core().downloads;
        Images {
            images: r
                .images
                .into_iter()
                .map(|i| downloads.url(i.url, MediaKind::Image))
                .collect(),
            request_id,
            credits_used: r.credits_used,
        }
    }

    pub(crate) fn settlement(r: &artnex_api::types::ImagesResponse) -> Settlement {
        Settlement::Charged(r.credits_used)
    }
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

impl ImageResult {
    pub(crate) fn from_wire(
        client: &Client,
        answer: crate::exec::Answer<artnex_api::types::ImageUrlResponse>,
    ) -> ImageResult {
        let request_id = answer
            .value
            .request_id
            .clone()
            .or_else(|| answer.header_request_id());
        let r = answer.value;
        ImageResult {
            image: client.core().downloads.url(r.image_url, MediaKind::Image),
            request_id,
            credits_used: r.credits_used,
        }
    }

    pub(crate) fn settlement(r: &artnex_api::types::ImageUrlResponse) -> Settlement {
        Settlement::Charged(r.credits_used)
    }
}
