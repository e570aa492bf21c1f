//! The one request pipeline. Every operation's builder is a [`Request<O>`]: the client, the request value
//! and per-request options. Validation, pricing, the budget, the tracing span, the retry loop and
//! `.await` are written here once for all of them:
//!
//! validate (once) → estimate → read input images → reserve the estimate → send with retries → settle
//! the reservation → deliver the result.
//!
//! ```no_run
//! # async fn run(client: artnex::Client) -> artnex::Result<()> {
//! let request = client.generate("a red fox").model(artnex::Model::Flux2Pro);
//! let checked = request.validate()?;            // the checked request, no network
//! println!("{}", request.estimate()?);           // priced with the client's price table
//! let out = request.extra_body("seed", 42).await?; // a field the SDK does not know yet, sent as is
//! # let _ = (checked, out); Ok(()) }
//! ```

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use tracing::Instrument as _;

use crate::error::{Error, ValidationError};
use crate::exec;
use crate::operation::{Checked, Dialect, Operation, Settlement};
use crate::pricing::Estimate;
use crate::retry::RetryPolicy;

/// A request ready to send: `.await` it or call [`Request::send`]. Built by the client's operation methods
/// ([`Client::generate`](crate::Client::generate), …); the setters of each operation are on
/// `Request<ThatOperation>` (for example [`GenerateRequest`](crate::generate::GenerateRequest)).
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct Request<O: Operation> {
    pub(crate) client: O::Client,
    pub(crate) value: O,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) extra: serde_json::Map<String, serde_json::Value>,
    pub(crate) options: O::Options,
}

impl<O: Operation> fmt::Debug for Request<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("operation", &O::ID)
            .field("value", &self.value)
            .field("retry", &self.retry)
            .field("extra_body", &self.extra)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<O: Operation> Clone for Request<O>
where
    O::Options: Clone,
{
    fn clone(&self) -> Self {
        Request {
            client: self.client.clone(),
            value: self.value.clone(),
            retry: self.retry.clone(),
            extra: self.extra.clone(),
            options: self.options.clone(),
        }
    }
}

impl<O: Operation> Request<O> {
    pub(crate) fn new(client: O::Client, value: O) -> Self {
        Request {
            client,
            value,
            retry: None,
            extra: serde_json::Map::new(),
            options: O::Options::default(),
        }
    }

    /// The request value (what will be sent, before validation fills in defaults).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let request = client.generate("a fox").num_images(2);
    /// assert_eq!(request.value().num_images, Some(2));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn value(&self) -> &O {
        &self.value
    }

    /// A retry policy for this request only.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a fox").retry_policy(artnex::RetryPolicy::none());
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Adds a top-level JSON field the SDK does not know (yet) to the request body, for example a
    /// parameter the server added after this release. **Not validated and not priced**: the estimate and
    /// the budget ignore it, and a field that changes the price (or that the server refuses) is your call.
    /// A field with the name of one the SDK sets replaces it.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a fox").extra_body("seed", 42).extra_body("style_preset", "film");
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn extra_body(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Checks the request without sending it and returns it checked (what will be sent, with the
    /// defaults validation fills in).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let err = client.generate("a fox").model(artnex::Model::Veo31).validate().unwrap_err();
    /// assert_eq!(err.field, "model");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<Checked<O>, ValidationError> {
        Checked::new(self.value.clone(), self.client.settings())
    }

    /// Validates, then prices the request with the client's price table (the catalogue otherwise). No
    /// network.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let est = client.generate("a red fox").model(artnex::Model::Flux2Pro).num_images(2).estimate()?;
    /// assert_eq!(est, artnex::pricing::Estimate::Credits(500));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn estimate(&self) -> Result<Estimate, ValidationError> {
        Ok(self.validate()?.estimate(self.client.prices()))
    }

    /// Validates, checks the budget, and sends the request; the same as `.await`. Nothing is checked or
    /// sent until the returned future is first polled.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.generate("a red fox").model("z-image-turbo").send().await?;
    /// println!("{} credits", out.credits_used.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    // Not an `async fn`: that would wrap the instrumented future in one more of the same size (~2.4 KB
    // for a generate), copied whole on every call; one level fewer measured ~3% more calls/s at 64 at
    // once (BENCHMARKS.md, row 2).
    pub fn send(mut self) -> impl Future<Output = Result<O::Output, Error>> + Send + 'static {
        let span = self.span();
        let options = std::mem::take(&mut self.options);
        async move {
            let Sent { client, answer } = self.call().await?;
            <O::Output as crate::operation::Deliver<O>>::deliver(&client, answer, options).await
        }
        .instrument(span)
    }

    pub(crate) fn span(&self) -> tracing::Span {
        let (model, text) = self.value.log_fields();
        tracing::info_span!(
            "artnex",
            operation = O::ID.as_str(),
            model = model.unwrap_or(""),
            prompt = %text.map(truncate_for_log).unwrap_or_default(),
        )
    }

    /// The pipeline up to a successful answer, with the budget settled.
    pub(crate) async fn call(self) -> Result<Sent<O>, Error> {
        let Request {
            client,
            value,
            retry,
            extra,
            options: _,
        } = self;
        let checked = Checked::new(value, client.settings())?;
        let estimate = checked.estimate(client.prices());
        let core = client.core();
        let url = checked.value().url(&client)?;
        let payload = checked
            .into_value()
            .payload()
            .await?
            .with_extra(O::ID, &extra)?;
        let reservation = match (client.budget_handle(), O::ID.info().billable) {
            (Some(budget), true) => Some(budget.reserve(estimate)?),
            _ => None,
        };
        let policy = retry.as_ref().unwrap_or(&core.retry);
        let result = exec::execute::<O::Response, <O::Client as Dialect>::ErrorBody, _, _>(
            O::ID,
            policy,
            &core.key,
            || exec::attempt(core, &url, &payload, O::ID.info().response_fields),
        )
        .await;
        drop(url);
        match result {
            Ok(answer) => {
                let settlement = crate::operation::Reply::settlement(&answer.value);
                if let Some(r) = reservation {
                    match &settlement {
                        Settlement::Charged(used) => r.settle(*used),
                        Settlement::Job(request_id) => r.hand_to_job(request_id),
                        Settlement::JobCharged(request_id, used) => {
                            r.hand_to_charged_job(request_id, *used)
                        }
                    }
                }
                match &settlement {
                    _ if !O::ID.info().billable => {}
                    Settlement::Charged(used) => tracing::info!(credits_used = used, "done"),
                    Settlement::Job(id) => tracing::info!(request_id = %id, "job accepted"),
                    Settlement::JobCharged(id, used) => {
                        tracing::info!(request_id = %id, credits_used = used, "job accepted and charged")
                    }
                }
                Ok(Sent { client, answer })
            }
            Err(e) => {
                if let Some(r) = reservation {
                    r.fail(&e);
                }
                Err(e)
            }
        }
    }
}

/// A successful call: the client it went through and the answer.
pub(crate) struct Sent<O: Operation> {
    pub(crate) client: O::Client,
    pub(crate) answer: exec::Answer<O::Response>,
}

impl<O: Operation> IntoFuture for Request<O> {
    type Output = Result<O::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The first 48 characters of a prompt, for logs.
pub(crate) fn truncate_for_log(text: &str) -> String {
    const MAX: usize = 48;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Declares setters of a request builder: each is one line naming the method, its argument and the field
/// of the request value it sets, so that an optional field added to an operation touches one place.
macro_rules! setters {
    ($op:ty { $( $(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) => $field:ident = $value:expr; )* }) => {
        impl $crate::request::Request<$op> {
            $(
                $(#[$doc])*
                pub fn $name(mut self, $arg: $ty) -> Self {
                    self.value.$field = $value;
                    self
                }
            )*
        }
    };
}
pub(crate) use setters;

/// The body of a request. An input image is checked first (a file is opened and checked, not read
/// whole); the value is serialised with a marker in the image's place, and the image's text is streamed
/// there when the body is sent.
pub(crate) async fn image_payload<O: Operation>(mut value: O) -> Result<exec::Payload, Error> {
    let Some(slot) = value.image_mut() else {
        return exec::Payload::json(O::ID, &value);
    };
    let marker: std::sync::Arc<str> = format!(
        "artnex-image-{:016x}{:016x}",
        crate::retry::random_u64(),
        crate::retry::random_u64()
    )
    .into();
    let input = std::mem::replace(slot, crate::media::ImageInput::url(marker.to_string()));
    match input.into_body_image("image").await? {
        crate::media::BodyImage::Field(input) => {
            if let Some(slot) = value.image_mut() {
                *slot = input;
            }
            exec::Payload::json(O::ID, &value)
        }
        crate::media::BodyImage::Text(text) => {
            exec::Payload::json_with_image(O::ID, &value, marker, text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_truncation_is_char_safe() {
        let long = "é".repeat(100);
        let t = truncate_for_log(&long);
        assert_eq!(t.chars().count(), 49);
        assert_eq!(truncate_for_log("short"), "short");
    }
}
