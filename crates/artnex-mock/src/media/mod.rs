//! Media served at the returned URLs.
//!
//! The simulator stores a small *recipe* per result (size, seed, a 32x32 thumbnail of the input at most)
//! and renders the file on each GET, streaming it, so memory stays bounded whatever the traffic. URLs
//! expire 24 hours (simulated) after they were issued.

pub(crate) mod input;
pub(crate) mod mp3;
pub(crate) mod mp4;
pub(crate) mod png;

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use tokio::sync::mpsc;

use artnex_facts::ErrorCode;

use crate::choices::CDN_PREFIX;

pub(crate) use self::png::{ImageRecipe, Style};

pub(crate) use crate::facts::URL_RETENTION as RETENTION;
/// Images at most this large are rendered in one piece with a Content-Length; larger ones stream.
const IN_MEMORY_PIXELS: u64 = 1024 * 1024;

/// Which endpoint produced a media entry (the first path segment after `/cdn/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaKind {
    Generate,
    Edit,
    Upscale,
    RemoveBg,
    Tts,
    ArtApi,
}

impl MediaKind {
    pub fn dir(self) -> &'static str {
        match self {
            MediaKind::Generate => "gen",
            MediaKind::Edit => "edit",
            MediaKind::Upscale => "upscale",
            MediaKind::RemoveBg => "removebg",
            MediaKind::Tts => "tts",
            MediaKind::ArtApi => "artapi",
        }
    }
}

/// What an entry holds.
#[derive(Debug, Clone)]
pub(crate) enum Recipe {
    /// Files `image_0.png`, `image_1.png`, ...
    Images(Vec<ImageRecipe>),
    /// One file, `image.png`.
    Image(ImageRecipe),
    /// `audio.mp3` with this many frames.
    Audio { frames: u32 },
}

#[derive(Debug)]
struct Entry {
    kind: MediaKind,
    created: Duration,
    recipe: Recipe,
}

/// A file to render.
#[derive(Debug, Clone)]
pub(crate) enum Asset {
    Png(ImageRecipe),
    Mp3 { frames: u32 },
    Mp4(mp4::VideoRecipe),
}

/// Why a media lookup failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    NotFound,
    Expired,
}

/// Every live recipe, by request id.
#[derive(Debug)]
pub(crate) struct MediaStore {
    map: HashMap<String, Entry>,
    order: VecDeque<(Duration, String)>,
    capacity: usize,
}

impl MediaStore {
    pub fn new(capacity: usize) -> MediaStore {
        MediaStore {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub fn insert(&mut self, id: &str, kind: MediaKind, recipe: Recipe, now: Duration) {
        self.purge(now);
        while self.map.len() >= self.capacity {
            match self.order.pop_front() {
                Some((_, old)) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        self.map.insert(
            id.to_string(),
            Entry {
                kind,
                created: now,
                recipe,
            },
        );
        self.order.push_back((now, id.to_string()));
    }

    fn purge(&mut self, now: Duration) {
        while let Some((created, _)) = self.order.front() {
            if created.saturating_add(RETENTION) <= now {
                if let Some((_, id)) = self.order.pop_front() {
                    self.map.remove(&id);
                }
            } else {
                break;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The file at `/cdn/{dir}/{id}/{file}`.
    pub fn lookup(&self, dir: &str, id: &str, file: &str, now: Duration) -> Result<Asset, Missing> {
        let entry = self.map.get(id).ok_or(Missing::NotFound)?;
        if entry.kind.dir() != dir {
            return Err(Missing::NotFound);
        }
        if entry.created.saturating_add(RETENTION) <= now {
            return Err(Missing::Expired);
        }
        match &entry.recipe {
            Recipe::Images(list) => {
                let index = file
                    .strip_prefix("image_")
                    .and_then(|r| r.strip_suffix(".png"))
                    .filter(|n| {
                        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n.len() < 4
                    })
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or(Missing::NotFound)?;
                list.get(index)
                    .cloned()
                    .map(Asset::Png)
                    .ok_or(Missing::NotFound)
            }
            Recipe::Image(r) if file == "image.png" => Ok(Asset::Png(r.clone())),
            Recipe::Audio { frames } if file == "audio.mp3" => Ok(Asset::Mp3 { frames: *frames }),
            _ => Err(Missing::NotFound),
        }
    }
}

/// The URL of a media file.
pub(crate) fn url(base: &str, kind: MediaKind, id: &str, file: &str) -> String {
    format!("{base}{}{}/{id}/{file}", CDN_PREFIX, kind.dir())
}

/// The URL of a video job's file.
pub(crate) fn video_url(base: &str, id: &str) -> String {
    format!("{base}{CDN_PREFIX}video/{id}/video.mp4")
}

/// A `Write` that forwards bytes to an HTTP body in 64 KiB chunks (used from a blocking thread).
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(64 * 1024),
        ));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

fn with_type(mut response: Response, content_type: &'static str, len: Option<u64>) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(len) = len {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    *response.status_mut() = StatusCode::OK;
    response
}

/// Renders a PNG in memory on a blocking thread.
pub(crate) async fn render_png(recipe: ImageRecipe) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || recipe.to_vec().map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())?
}

/// A 500 for media the simulator failed to render (a bug: never caused by a request).
fn rendering_failed(e: &str) -> Response {
    let body = serde_json::json!({
        "success": false,
        "error": ErrorCode::InternalError.as_str(),
        "message": format!("rendering failed: {e}"),
    });
    crate::routes::json_response(StatusCode::INTERNAL_SERVER_ERROR, &body)
}

/// The HTTP response for an asset.
pub(crate) async fn respond(asset: Asset, video_padding: u64) -> Response {
    match asset {
        Asset::Png(recipe) => {
            let pixels = u64::from(recipe.width) * u64::from(recipe.height);
            if pixels <= IN_MEMORY_PIXELS {
                match render_png(recipe).await {
                    Ok(bytes) => {
                        let len = bytes.len() as u64;
                        with_type(Response::new(Body::from(bytes)), "image/png", Some(len))
                    }
                    Err(e) => rendering_failed(&e),
                }
            } else {
                let (tx, mut rx) = mpsc::channel::<Result<Bytes, io::Error>>(4);
                tokio::task::spawn_blocking(move || {
                    let mut w = ChannelWriter {
                        tx,
                        buf: Vec::with_capacity(64 * 1024),
                    };
                    let result = recipe
                        .encode(&mut w)
                        .and_then(|()| w.flush().map_err(Into::into));
                    if let Err(e) = result {
                        let _ = w.tx.blocking_send(Err(io::Error::other(e.to_string())));
                    }
                });
                let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
                with_type(Response::new(Body::from_stream(stream)), "image/png", None)
            }
        }
        Asset::Mp3 { frames } => with_type(
            Response::new(Body::from_stream(mp3::stream(frames))),
            "audio/mpeg",
            Some(mp3::total_len(frames)),
        ),
        Asset::Mp4(recipe) => {
            let planned =
                tokio::task::spawn_blocking(move || mp4::plan(recipe, video_padding)).await;
            let plan = match planned {
                Ok(Ok(plan)) => plan,
                Ok(Err(e)) => return rendering_failed(&e.to_string()),
                Err(e) => return rendering_failed(&e.to_string()),
            };
            let len = plan.total_len;
            let head = futures_util::stream::once(std::future::ready(Ok::<Bytes, io::Error>(
                Bytes::from(plan.head.clone()),
            )));
            let padding = mp4::padding_stream(&plan);
            let (tx, mut rx) = mpsc::channel::<Result<Bytes, io::Error>>(4);
            tokio::task::spawn_blocking(move || {
                let mut w = ChannelWriter {
                    tx,
                    buf: Vec::with_capacity(64 * 1024),
                };
                let result = mp4::write_samples(&plan, &mut w).and_then(|()| w.flush());
                if let Err(e) = result {
                    let _ = w.tx.blocking_send(Err(e));
                }
            });
            let samples = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
            let body = futures_util::StreamExt::chain(
                futures_util::StreamExt::chain(head, samples),
                padding,
            );
            with_type(
                Response::new(Body::from_stream(body)),
                "video/mp4",
                Some(len),
            )
        }
    }
}
