//! What every operation has in common: its identity ([`OperationId`]), and the [`Operation`] trait that
//! each request value implements once, so that validation, pricing, sending, retries, the budget and
//! `.await` are written one time for all of them (in [`crate::request`]).
//!
//! A request *value* ([`GenerateImage`](crate::generate::GenerateImage),
//! [`EditImage`](crate::edit::EditImage), [`CreateVideo`](crate::video::CreateVideo), …) is plain data: it
//! can be built, (de)serialised in the API's field names, validated and priced without a client:
//!
//! ```
//! use artnex::Operation as _;
//! use artnex::generate::GenerateImage;
//!
//! let mut request = GenerateImage::new("a red fox");
//! request.model = Some(artnex::Model::Flux2Pro);
//! request.num_images = Some(2);
//! assert_eq!(request.estimate(None)?.credits(), Some(500)); // no client, no network
//! let json = serde_json::to_string(&request).unwrap();
//! assert_eq!(json, r#"{"prompt":"a red fox","model":"flux-2-pro","num_images":2}"#);
//! # Ok::<(), artnex::ValidationError>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ValidationError};
use crate::exec::{ErrorBody, Payload};
use crate::pricing::{self, Billable, Estimate, PriceTable};

/// An API operation (`GenerateImage`, `CreateVideo`, …), for logs, errors and the request table:
/// generated from the specs' `operationId`s, with its method, path and whether it is billable
/// ([`OperationId::info`]).
///
/// ```
/// use artnex::OperationId;
/// assert_eq!(OperationId::RemoveBackground.as_str(), "remove_background");
/// assert_eq!(OperationId::GenerateImage.info().path, "/v1/generate");
/// assert!(OperationId::CreateVideo.info().billable);
/// assert!(!OperationId::GetVideoStatus.info().billable);
/// ```
pub use artnex_facts::OperationId;

/// What a call is, for the executor: an API operation, or a result download (free, idempotent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// An API operation.
    Api(OperationId),
    /// A result download.
    Download,
}

impl Call {
    /// Whether the call costs credits: a billable call whose outcome is ambiguous is never replayed by
    /// default.
    pub(crate) fn is_billable(self) -> bool {
        match self {
            Call::Api(op) => op.info().billable,
            Call::Download => false,
        }
    }

    /// The operation, when it is one.
    pub(crate) fn operation(self) -> Option<OperationId> {
        match self {
            Call::Api(op) => Some(op),
            Call::Download => None,
        }
    }
}

pub(crate) mod sealed {
    /// Only this crate's request values and clients implement the request traits.
    pub trait Sealed {}
}

/// A client that can send requests: [`Client`](crate::Client) for Artnex operations and
/// `openai::ImagesClient` for the OpenAI-compatible images API. Sealed.
pub trait Dialect: sealed::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// Client settings that validation reads (the images client's default model, for example).
    type Settings: Default + Send + Sync;
    /// The error body this API answers with.
    #[doc(hidden)]
    type ErrorBody: ErrorBody;
    /// The settings validation reads.
    #[doc(hidden)]
    fn settings(&self) -> &Self::Settings;
    /// The shared HTTP machinery.
    #[doc(hidden)]
    fn core(&self) -> &crate::builder::Core;
    /// The budget, when there is one.
    #[doc(hidden)]
    fn budget_handle(&self) -> Option<&crate::budget::Budget>;
    /// The price table, when there is one.
    #[doc(hidden)]
    fn prices(&self) -> Option<&PriceTable>;
    /// The URL of an operation without path parameters.
    #[doc(hidden)]
    fn endpoint(&self, op: OperationId) -> Result<&reqwest::Url, Error>;
}

/// How the budget settles after a successful call.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Charged now: this many credits (the estimate when `None`).
    Charged(Option<u64>),
    /// A job was accepted and is charged when it ends: the estimate stays reserved under its id.
    Job(String),
    /// A job was accepted and charged at once (a server that bills at submission): this many credits are
    /// spent now, and the job's end changes nothing more.
    JobCharged(String, u64),
}

/// One API operation's request value. Implemented by the request values of this crate (sealed); every
/// request builder (`Request<O>`, such as [`GenerateRequest`](crate::generate::GenerateRequest)) gets
/// validation, pricing, sending, retries, the budget and `.await` from it.
///
/// Import it (`use artnex::Operation as _;`) to call [`Operation::validate`] and [`Operation::estimate`]
/// on a request value without a client.
pub trait Operation:
    sealed::Sealed + Serialize + DeserializeOwned + Clone + fmt::Debug + Send + Sync + 'static
{
    /// Which operation this is.
    const ID: OperationId;
    /// The client that sends it.
    type Client: Dialect;
    /// What validation works out beyond the value itself (the model to price, for example).
    #[doc(hidden)]
    type Resolved: Clone + fmt::Debug + Send + Sync;
    /// The response body on success.
    #[doc(hidden)]
    type Response: Reply;
    /// What `.send()` / `.await` returns.
    type Output: Deliver<Self>;
    /// Options of the request builder beyond the value (how to wait for a video, for example).
    #[doc(hidden)]
    type Options: Default + fmt::Debug + Send;

    /// Checks the value and returns it ready to send: defaults the server needs filled in, plus what the
    /// checks worked out. Nothing else validates. Takes the value, so that sending it copies nothing.
    #[doc(hidden)]
    fn check(
        self,
        settings: &<Self::Client as Dialect>::Settings,
    ) -> Result<(Self, Self::Resolved), ValidationError>;

    /// The billing-relevant part of a checked request; `None` when the operation is free or not priced.
    #[doc(hidden)]
    fn billable<'a>(value: &'a Self, resolved: &'a Self::Resolved) -> Option<Billable<'a>>;

    /// The prompt or text, for operations that have one.
    #[doc(hidden)]
    fn text(&self) -> Option<&str> {
        None
    }

    /// The model and the prompt or text, for the tracing span.
    #[doc(hidden)]
    fn log_fields(&self) -> (Option<&str>, Option<&str>) {
        (
            self.model_ref().map(crate::catalogue::Model::id),
            self.text(),
        )
    }

    /// Where the request goes (the client's own copy, unless the URL depends on the value).
    #[doc(hidden)]
    fn url<'c>(&self, client: &'c Self::Client) -> Result<Cow<'c, reqwest::Url>, Error> {
        client.endpoint(Self::ID).map(Cow::Borrowed)
    }

    /// The request body of a checked value (an input file is read here).
    #[doc(hidden)]
    fn payload(self) -> impl Future<Output = Result<Payload, Error>> + Send {
        crate::request::image_payload(self)
    }

    /// The input image, for operations that take one.
    #[doc(hidden)]
    fn image_mut(&mut self) -> Option<&mut crate::media::ImageInput> {
        None
    }

    /// The input image, for operations that take one.
    #[doc(hidden)]
    fn image_ref(&self) -> Option<&crate::media::ImageInput> {
        None
    }

    /// The model field, for operations that have an Artnex model.
    #[doc(hidden)]
    fn model_mut(&mut self) -> Option<&mut Option<crate::catalogue::Model>> {
        None
    }

    /// The model, for operations that have an Artnex model.
    #[doc(hidden)]
    fn model_ref(&self) -> Option<&crate::catalogue::Model> {
        None
    }

    /// Checks the request without a client and without sending anything, and returns it checked.
    ///
    /// ```
    /// use artnex::Operation as _;
    /// let err = artnex::generate::GenerateImage::new("").validate().unwrap_err();
    /// assert_eq!(err.field, "prompt");
    /// ```
    fn validate(&self) -> Result<Checked<Self>, ValidationError> {
        let settings = <<Self::Client as Dialect>::Settings>::default();
        Checked::new(self.clone(), &settings)
    }

    /// Validates, then prices the request with `table` (the catalogue's prices otherwise). No network.
    ///
    /// ```
    /// use artnex::Operation as _;
    /// let request = artnex::upscale::Upscale::new("https://example.com/a.png");
    /// assert_eq!(request.estimate(None)?.credits(), Some(100));
    /// # Ok::<(), artnex::ValidationError>(())
    /// ```
    fn estimate(&self, table: Option<&PriceTable>) -> Result<Estimate, ValidationError> {
        Ok(self.validate()?.estimate(table))
    }
}

/// A success body: how the budget settles after it.
#[doc(hidden)]
pub trait Reply: DeserializeOwned + Send + 'static {
    /// How the budget settles after this answer.
    fn settlement(&self) -> Settlement;
}

/// What a call returns, made from its answer.
#[doc(hidden)]
pub trait Deliver<O: Operation>: Sized + Send + 'static {
    /// Turns the answer into what the caller gets (for a video awaited directly: the finished video).
    fn deliver(
        client: &O::Client,
        answer: crate::exec::Answer<O::Response>,
        options: O::Options,
    ) -> impl Future<Output = Result<Self, Error>> + Send;
}

/// A request that passed validation, with what the checks worked out (the default mode of a video
/// model, the images client's default model, …). Returned by `validate()`.
#[derive(Debug, Clone)]
pub struct Checked<O: Operation> {
    value: O,
    resolved: O::Resolved,
}

impl<O: Operation> Checked<O> {
    pub(crate) fn new(
        value: O,
        settings: &<O::Client as Dialect>::Settings,
    ) -> Result<Self, ValidationError> {
        let (value, resolved) = value.check(settings)?;
        Ok(Checked { value, resolved })
    }

    /// The request as it will be sent.
    ///
    /// ```
    /// use artnex::Operation as _;
    /// let mut video = artnex::video::CreateVideo::new("waves");
    /// video.model = Some(artnex::Model::Veo31I2v);
    /// video.image = Some("https://example.com/start.png".into());
    /// let checked = video.validate()?;
    /// assert_eq!(checked.value().mode, Some(artnex::catalogue::VideoMode::ImageToVideo)); // from the model
    /// # Ok::<(), artnex::ValidationError>(())
    /// ```
    pub fn value(&self) -> &O {
        &self.value
    }

    /// What the request costs, priced with `table` (the catalogue otherwise). `Credits(0)` for free
    /// operations; `Unknown` for ones the SDK cannot price (the OpenAI-compatible images API).
    ///
    /// ```
    /// use artnex::Operation as _;
    /// let mut tts = artnex::tts::TextToSpeech::new("Hello");
    /// tts.model = Some(artnex::Model::KlingTts);
    /// assert_eq!(tts.validate()?.estimate(None).credits(), Some(100));
    /// # Ok::<(), artnex::ValidationError>(())
    /// ```
    pub fn estimate(&self, table: Option<&PriceTable>) -> Estimate {
        match O::billable(&self.value, &self.resolved) {
            Some(billable) => pricing::estimate(&billable, table),
            None if O::ID.info().billable => Estimate::Unknown,
            None => Estimate::Credits(0),
        }
    }

    pub(crate) fn into_value(self) -> O {
        self.value
    }
}
