//! Generated images: a URL to download or bytes decoded from `b64_json`, with the same helpers either way.

use std::fmt;
use std::path::Path;

use bytes::Bytes;

use super::ImagesClient;
use super::generate::OPERATION;
use super::wire::ImagesBody;
use crate::error::{Error, TransportError};
use crate::media::{self, Download, Media, MediaFormat, MediaKind};

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

impl ImagesResponse {
    pub(crate) fn from_wire(
        client: &ImagesClient,
        response: artnex_api::ResponseValue<ImagesBody>,
    ) -> Result<ImagesResponse, Error> {
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.into_inner();
        let mut data = Vec::with_capacity(body.data.len());
        for (i, item) in body.data.into_iter().enumerate() {
            let output = match (item.b64_json, item.url) {
                (Some(bytes), _) => ImageOutput::Data {
                    format: MediaFormat::sniff(&bytes),
                    bytes,
                },
                (None, Some(url)) if !url.trim().is_empty() => ImageOutput::Url(Media::new(
                    url,
                    MediaKind::Image,
                    client.download_client().clone(),
                    client.retry_policy().clone(),
                    client.durable_downloads(),
                )),
                _ => {
                    return Err(Error::Transport(TransportError {
                        operation: OPERATION,
                        may_have_been_processed: true,
                        message: format!(
                            "image {i} of the answer has neither `url` nor `b64_json`: the request was processed (and may have been charged) but the answer is unusable; it was not sent again"
                        ),
                        source: None,
                    }));
                }
            };
            data.push(GeneratedImage {
                output,
                revised_prompt: item.revised_prompt,
                durable: client.durable_downloads(),
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
        for (i, image) in self.data.iter().enumerate() {
            out.push(
                image
                    .save_to_dir(dir.as_ref(), &format!("{stem}-{i}"))
                    .await?,
            );
        }
        Ok(out)
    }
}

/// One generated image.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct GeneratedImage {
    /// Where the image is: a URL or decoded bytes.
    pub output: ImageOutput,
    /// The prompt as the model interpreted or expanded it, when the server says.
    pub revised_prompt: Option<String>,
    /// Whether saving decoded bytes flushes them to storage (the client's `durable_downloads`).
    durable: bool,
}

/// Where a generated image is.
#[non_exhaustive]
#[derive(Clone)]
pub enum ImageOutput {
    /// `response_format: url`: a link valid for 24 hours, downloaded on demand (streamed, without your key).
    Url(Media),
    /// `response_format: b64_json`: the image itself, decoded from base64 once when the response was read.
    Data {
        /// The image file's bytes.
        bytes: Bytes,
        /// The format recognised from the bytes (PNG, JPEG, WebP, GIF), if any.
        format: Option<MediaFormat>,
    },
}

impl fmt::Debug for ImageOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageOutput::Url(media) => f.debug_tuple("Url").field(&media.url()).finish(),
            ImageOutput::Data { bytes, format } => f
                .debug_struct("Data")
                .field("bytes", &format_args!("{} bytes", bytes.len()))
                .field("format", format)
                .finish(),
        }
    }
}

impl GeneratedImage {
    /// The image URL, for `response_format: url`.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// let out = images.generate("a fox").model("flux-dev").await?;
    /// println!("{}", out.data[0].url().unwrap_or("(inline data)"));
    /// # Ok(()) }
    /// ```
    pub fn url(&self) -> Option<&str> {
        match &self.output {
            ImageOutput::Url(m) => Some(m.url()),
            ImageOutput::Data { .. } => None,
        }
    }

    /// The downloadable [`Media`], for `response_format: url`.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// let out = images.generate("a fox").model("flux-dev").await?;
    /// if let Some(media) = out.data[0].media() {
    ///     media.download_to("fox.png").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn media(&self) -> Option<&Media> {
        match &self.output {
            ImageOutput::Url(m) => Some(m),
            ImageOutput::Data { .. } => None,
        }
    }

    /// The decoded bytes, for `response_format: b64_json` (no I/O).
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// use artnex::openai::ResponseFormat;
    /// let out = images.generate("a fox").model("flux-dev").response_format(ResponseFormat::B64Json).await?;
    /// println!("{} bytes", out.data[0].data().map_or(0, |b| b.len()));
    /// # Ok(()) }
    /// ```
    pub fn data(&self) -> Option<&Bytes> {
        match &self.output {
            ImageOutput::Data { bytes, .. } => Some(bytes),
            ImageOutput::Url(_) => None,
        }
    }

    /// The format recognised from the decoded bytes (`None` for a URL: it is known once downloaded, see
    /// [`Download::format`]).
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// use artnex::openai::ResponseFormat;
    /// let out = images.generate("a fox").model("flux-dev").response_format(ResponseFormat::B64Json).await?;
    /// println!("{:?}", out.data[0].format()); // Some(Png)
    /// # Ok(()) }
    /// ```
    pub fn format(&self) -> Option<MediaFormat> {
        match &self.output {
            ImageOutput::Data { format, .. } => *format,
            ImageOutput::Url(_) => None,
        }
    }

    /// The whole image in memory: downloaded (URL) or the decoded bytes (a cheap clone).
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// let out = images.generate("a fox").model("flux-dev").await?;
    /// let bytes = out.data[0].bytes().await?;
    /// # let _ = bytes; Ok(()) }
    /// ```
    pub async fn bytes(&self) -> Result<Bytes, Error> {
        match &self.output {
            ImageOutput::Url(m) => m.bytes().await,
            ImageOutput::Data { bytes, .. } => Ok(bytes.clone()),
        }
    }

    /// Writes the image to exactly `path` (whatever its extension says; a mismatch with the content is
    /// logged at `warn`), through a temporary file renamed into place when complete. A URL is streamed to
    /// disk, never held whole in memory.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// let out = images.generate("a fox").model("flux-dev").await?;
    /// let file = out.data[0].write_to("fox.png").await?;
    /// println!("{} bytes, {:?}", file.bytes, file.format);
    /// # Ok(()) }
    /// ```
    pub async fn write_to(&self, path: impl AsRef<Path>) -> Result<Download, Error> {
        match &self.output {
            ImageOutput::Url(m) => m.download_to(path).await,
            ImageOutput::Data { bytes, format } => {
                let path = path.as_ref().to_path_buf();
                media::write_atomically(&path, bytes, self.durable).await?;
                media::warn_on_extension_mismatch(&path, *format);
                Ok(Download {
                    path,
                    bytes: bytes.len() as u64,
                    format: *format,
                })
            }
        }
    }

    /// Writes the image into `dir` as `<stem>.<ext>`, the extension chosen from the content's magic bytes
    /// (`png`, `jpg`, `webp`, `gif`; for a URL, then the `Content-Type`, then the URL; `bin` when nothing
    /// says). Returns the path written.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// use artnex::openai::ResponseFormat;
    /// let out = images.generate("a fox").model("flux-dev").response_format(ResponseFormat::B64Json).await?;
    /// let file = out.data[0].save_to_dir(".", "fox").await?; // ./fox.png
    /// # let _ = file; Ok(()) }
    /// ```
    pub async fn save_to_dir(&self, dir: impl AsRef<Path>, stem: &str) -> Result<Download, Error> {
        match &self.output {
            ImageOutput::Url(m) => m.save_to_dir(dir, stem).await,
            ImageOutput::Data { format, .. } => {
                let ext = format.map_or("bin", MediaFormat::extension);
                self.write_to(dir.as_ref().join(format!("{stem}.{ext}")))
                    .await
            }
        }
    }
}
