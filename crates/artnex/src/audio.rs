//! Text-to-speech: `POST /v1/tts`.
//!
//! ```no_run
//! use artnex::{Client, Model};
//!
//! # async fn run() -> artnex::Result<()> {
//! let client = Client::from_env()?;
//! let speech = client.tts("Welcome to Artnex. Your images are ready.").await?; // tts-elevenlabs, 10 credits
//! speech.audio.save_to_dir(".", "welcome").await?; // welcome.mp3
//! let long = client.tts("Once upon a time...").model(Model::KlingTts).voice("narrator").await?;
//! # let _ = long; Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use artnex_api::types;

use crate::catalogue::{Kind, Model};
use crate::client::Client;
use crate::client::json_room;
use crate::error::{Error, ErrorCode, ValidationError};
use crate::images::{finish, wire_error};
use crate::media::{Media, MediaKind};
use crate::pricing::{self, Billable, Estimate};
use crate::retry::RetryPolicy;
use crate::validate;

/// The synthesised speech.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Speech {
    /// The MP3 file (kept 24 hours).
    pub audio: Media,
    /// Its length in seconds, when the server said.
    pub duration_seconds: Option<f64>,
    /// The request id, for support.
    pub request_id: Option<String>,
    /// Credits charged for the call.
    pub credits_used: Option<u64>,
}

/// A text-to-speech request. Send it by `.await`ing it or with [`SpeechRequest::send`].
#[must_use = "a request does nothing until it is awaited or sent"]
#[derive(Debug, Clone)]
pub struct SpeechRequest {
    client: Client,
    text: String,
    model: Model,
    voice: Option<String>,
    retry: Option<RetryPolicy>,
}

impl SpeechRequest {
    pub(crate) fn new(client: Client, text: String) -> Self {
        SpeechRequest {
            client,
            text,
            model: Model::TtsElevenlabs,
            voice: None,
            retry: None,
        }
    }

    /// The TTS model (default [`Model::TtsElevenlabs`], 10 credits; [`Model::KlingTts`] costs 100).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.tts("hello").model(artnex::Model::KlingTts).estimate()?.credits(), Some(100));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn model(mut self, model: impl Into<Model>) -> Self {
        self.model = model.into();
        self
    }

    /// A voice id of the model (the model's default voice when unset; ask Artnex support for the list).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.tts("hello").voice("rachel").validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn voice(mut self, voice_id: impl Into<String>) -> Self {
        self.voice = Some(voice_id.into());
        self
    }

    /// A retry policy for this request only.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.tts("hello").retry_policy(artnex::RetryPolicy::none());
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Checks the text (1 to 5,000 characters), the model kind and the voice id, without sending.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.tts("").validate().is_err());
    /// assert!(client.tts("ça va ?").validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::text(
            "text",
            &self.text,
            validate::MAX_TEXT_CHARS,
            ErrorCode::MissingText,
            ErrorCode::TextTooLong,
        )?;
        validate::model(Some(&self.model), Kind::Speech)?;
        validate::voice(self.voice.as_deref())
    }

    /// Validates, then prices the request (per request, whatever the text length). No network.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.tts("hi").estimate()?.credits(), Some(10));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn estimate(&self) -> Result<Estimate, ValidationError> {
        self.validate()?;
        Ok(pricing::estimate(
            &Billable::Speech { model: &self.model },
            self.client.price_table(),
        ))
    }

    /// Validates, checks the budget, and sends the request.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let speech = client.tts("Your order has shipped.").send().await?;
    /// println!("{:?} s at {}", speech.duration_seconds, speech.audio.url());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Speech, Error> {
        let span = Client::span("tts", Some(self.model.id()), Some(&self.text));
        Client::traced(span, self.run()).await
    }

    async fn run(self) -> Result<Speech, Error> {
        let estimate = self.estimate()?;
        let body = types::TtsRequest {
            text: types::TtsRequestText::try_from(self.text.as_str())
                .map_err(|e| wire_error("text", e))?,
            model: self.model.id().to_string(),
            voice_id: self.voice.clone(),
        };
        let reservation = self.client.reserve(estimate)?;
        let result = self
            .client
            .post_json(
                "tts",
                &self.client.inner.endpoints.tts,
                body,
                256 + json_room(&self.text) + self.voice.as_ref().map_or(0, |v| json_room(v)),
                self.retry.as_ref(),
            )
            .await;
        finish(
            &self.client,
            reservation,
            result,
            |client, r: types::TtsResponse| Speech {
                audio: client.media_of(r.audio_url, MediaKind::Audio),
                duration_seconds: r.duration_seconds,
                request_id: r.request_id,
                credits_used: r.credits_used,
            },
            |r| r.credits_used,
        )
    }
}

impl IntoFuture for SpeechRequest {
    type Output = Result<Speech, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
