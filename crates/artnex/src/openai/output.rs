//! Generated images: each is a [`Media`] (a URL to download, or bytes decoded from `b64_json`).

use std::path::Path;

use super::ImagesClient;
use super::wire::ImagesBody;
use crate::error::{Error, TransportError};
use crate::exec::Answer;
use crate::media::{Download, Media, MediaKind};
use crate::operation::{Dialect, OperationId};

/// The answer to an image generation request.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ImagesResponse {
    /// When the server processed the request (Unix seconds), if it said.
    pub created: Option<i64>,
    /// The images, in order.
    pub data: Vec<GeneratedImage>,
    /// The `x-request-id` response header, when the server sends one (OpenAI does), for support.
    pub request_id: Option<String>,
}

/// One generated image.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct GeneratedImage {
    /// The image: [`Media::url`] for `response_format: url` (valid 24 hours), [`Media::inline_bytes`] for
    /// `b64_json`; [`Media::save_to_dir`], [`Media::download_to`] and [`Media::bytes`] work either way.
    pub image: Media,
    /// The prompt as the model interpreted or expanded it, when the server says.
    pub revised_prompt: Option<String>,
}

impl ImagesResponse {
    pub(crate) fn from_wire(
        client: &ImagesClient,
        answer: Answer<ImagesBody>,
    ) -> Result<ImagesResponse, Error> {
        let request_id = answer.header_request_id();
        let body = answer.value;
        let downloads = &client.core().downloads;
        let mut data = Vec::with_capacity(body.data.len());
        for (i, item) in body.data.into_iter().enumerate() {
            let image = match (item.b64_json, item.url) {
                (Some(bytes), _) => downloads.inline(bytes, MediaKind::Image),
                (None, Some(url)) if !url.trim().is_empty() => downloads.url(url, MediaKind::Image),
                _ => {
                    return Err(Error::Transport(TransportError {
                        operation: Some(OperationId::CreateImage),
                        may_have_been_processed: true,
                        message: format!(
                            "image {i} of the answer has neither `url` nor `b64_json`: the request was processed (and may have been charged) but the answer is unusable; it was not sent again"
                        ),
                        source: None,
                    }));
                }
            };
            data.push(GeneratedImage {
                image,
                revised_prompt: item.revised_prompt,
            });
        }
        Ok(ImagesResponse {
            created: body.created,
            data,
            request_id,
        })
    }

    /// Saves every image into `dir` as `<stem>-<index>.<ext>` (the extension from each image's content), one
    /// after the other. Returns the files written, in order.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// let out = images.generate("a fox").model("flux-dev").n(3).await?;
    /// for file in out.save_all("out", "fox").await? {
    ///     println!("{}", file.path.display()); // out/fox-0.png, out/fox-1.png, out/fox-2.png
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn save_all(
        &self,
        dir: impl AsRef<Path>,
        stem: &str,
    ) -> Result<Vec<Download>, Error> {
        let mut out = Vec::with_capacity(self.data.len());
        for (i, generated) in self.data.iter().enumerate() {
            out.push(
                generated
                    .image
                    .save_to_dir(dir.as_ref(), &format!("{stem}-{i}"))
                    .await?,
            );
        }
        Ok(out)
    }
}
