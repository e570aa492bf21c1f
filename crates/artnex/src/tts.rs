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

use serde::{Deserialize, Serialize};

use crate::catalogue::{Kind, Model};
use crate::client::{Checks, Client};
use crate::error::{Error, ErrorCode, ValidationError};
use crate::exec::Answer;
use crate::media::{Media, MediaKind};
use crate::operation::{Deliver, Dialect, Operation, OperationId, sealed};
use crate::pricing::Billable;
use crate::request::{Request, setters};
use crate::validate;

/// The model used when a request names none (the docs' default).
pub const DEFAULT_MODEL: Model = Model::TtsElevenlabs;

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

/// A text-to-speech request value, in the API's field names.
///
/// ```
/// let value: artnex::tts::TextToSpeech = serde_json::from_str(r#"{"text": "Hello", "voice_id": "rachel"}"#).unwrap();
/// assert_eq!(value.voice_id.as_deref(), Some("rachel"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextToSpeech {
    /// The text to speak (at most 5,000 characters).
    pub text: String,
    /// The model ([`DEFAULT_MODEL`] when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// The voice (the model's default when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_id: Option<String>,
}

impl TextToSpeech {
    /// A request with this text and nothing else set.
    ///
    /// ```
    /// assert_eq!(artnex::tts::TextToSpeech::new("Hi").text, "Hi");
    /// ```
    pub fn new(text: impl Into<String>) -> Self {
        TextToSpeech {
            text: text.into(),
            model: None,
            voice_id: None,
        }
    }
}

/// A text-to-speech request builder. Send it by `.await`ing it or with [`Request::send`].
pub type SpeechRequest = Request<TextToSpeech>;

impl sealed::Sealed for TextToSpeech {}

impl Operation for TextToSpeech {
    const ID: OperationId = OperationId::TextToSpeech;
    type Client = Client;
    type Resolved = Model;
    type Response = artnex_api::types::TtsResponse;
    type Output = Speech;
    type Options = ();

    fn check(mut self, _: &Checks) -> Result<(Self, Model), ValidationError> {
        validate::text(
            "text",
            &self.text,
            artnex_facts::TEXT_TO_SPEECH_TEXT_MAX_CHARS.enforced(),
            ErrorCode::MissingText,
            ErrorCode::TextTooLong,
        )?;
        let model = self.model.clone().unwrap_or(DEFAULT_MODEL);
        validate::model(Some(&model), Kind::Speech)?;
        validate::voice(self.voice_id.as_deref())?;
        self.model = Some(model.clone());
        Ok((self, model))
    }

    fn billable<'a>(_: &'a Self, model: &'a Model) -> Option<Billable<'a>> {
        Some(Billable::Speech { model })
    }

    fn text(&self) -> Option<&str> {
        Some(&self.text)
    }

    fn model_mut(&mut self) -> Option<&mut Option<Model>> {
        Some(&mut self.model)
    }

    fn model_ref(&self) -> Option<&Model> {
        self.model.as_ref()
    }
}

setters! { TextToSpeech {
    /// The TTS model (default `tts-elevenlabs`).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.tts("hi").model(artnex::Model::KlingTts).estimate()?.credits(), Some(100));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    model(model: impl Into<Model>) => model = Some(model.into());

    /// The voice id (`voice_id` on the wire): a voice name or an opaque id of the provider's.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.tts("hi").voice("21m00Tcm4TlvDq8ikWAM").validate().is_ok());
    /// assert!(client.tts("hi").voice(" ").validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    voice(voice_id: impl Into<String>) => voice_id = Some(voice_id.into());
}}

impl Deliver<TextToSpeech> for Speech {
    async fn deliver(
        client: &Client,
        mut answer: Answer<artnex_api::types::TtsResponse>,
        _: (),
    ) -> Result<Speech, Error> {
        let request_id = crate::output::request_id(answer.value.request_id.take(), &answer);
        let r = answer.value;
        Ok(Speech {
            audio: client.core().downloads.url(r.audio_url, MediaKind::Audio),
            duration_seconds: r.duration_seconds,
            request_id,
            credits_used: r.credits_used,
        })
    }
}
