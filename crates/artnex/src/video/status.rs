//! One status poll of a video job.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{JobState, settle};
use crate::client::{Checks, Client};
use crate::error::{Error, ValidationError};
use crate::exec::{Answer, Payload};
use crate::operation::{Deliver, Dialect, Operation, OperationId, sealed};
use crate::pricing::Billable;
use crate::request::Request;

/// Longest request id accepted locally (ids the server issues are far shorter).
const MAX_REQUEST_ID_CHARS: usize = 256;

/// A status poll request value: the job's id.
///
/// ```
/// use artnex::Operation as _;
/// assert!(artnex::video::GetVideoStatus::new("req_vid789xyz").validate().is_ok());
/// assert!(artnex::video::GetVideoStatus::new("req with space").validate().is_err());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetVideoStatus {
    /// The id the submission returned.
    pub request_id: String,
}

impl GetVideoStatus {
    /// A poll of this job.
    ///
    /// ```
    /// assert_eq!(artnex::video::GetVideoStatus::new("req_1").request_id, "req_1");
    /// ```
    pub fn new(request_id: impl Into<String>) -> Self {
        GetVideoStatus {
            request_id: request_id.into(),
        }
    }
}

/// One status poll, built by [`Client::video_status`]: `.await` it or call [`Request::send`]. Polls are
/// free (not billed) and retried on transient errors; the server throttles polls of one job faster than
/// every 5 s. A poll that sees the job end settles the client budget.
pub type VideoStatusRequest = Request<GetVideoStatus>;

impl sealed::Sealed for GetVideoStatus {}

impl Operation for GetVideoStatus {
    const ID: OperationId = OperationId::GetVideoStatus;
    type Client = Client;
    type Resolved = ();
    type Response = artnex_api::types::VideoJob;
    type Output = JobState;
    type Options = ();

    /// Not empty, at most 256 characters, no whitespace or control characters.
    fn check(self, _: &Checks) -> Result<(Self, ()), ValidationError> {
        let id = &self.request_id;
        let problem = if id.is_empty() {
            Some("the request id is empty".to_string())
        } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some(format!(
                "the request id {id:?} contains whitespace or control characters"
            ))
        } else if id.chars().nth(MAX_REQUEST_ID_CHARS).is_some() {
            Some(format!(
                "the request id is longer than {MAX_REQUEST_ID_CHARS} characters"
            ))
        } else {
            None
        };
        match problem {
            Some(message) => Err(ValidationError::new("request_id", None, message)),
            None => Ok((self, ())),
        }
    }

    fn billable<'a>(_: &'a Self, _: &'a ()) -> Option<Billable<'a>> {
        None
    }

    /// The client's status path with the id filled in (percent-encoded).
    fn url<'c>(&self, client: &'c Client) -> Result<Cow<'c, reqwest::Url>, Error> {
        let encoded: String =
            url::form_urlencoded::byte_serialize(self.request_id.as_bytes()).collect();
        let path = client.inner.status_path.replace("{request_id}", &encoded);
        client.core().url(&path).map(Cow::Owned)
    }

    async fn payload(self) -> Result<Payload, Error> {
        Ok(Payload::empty())
    }
}

impl Deliver<GetVideoStatus> for JobState {
    async fn deliver(
        client: &Client,
        answer: Answer<artnex_api::types::VideoJob>,
        _: (),
    ) -> Result<JobState, Error> {
        let state = JobState::from_wire(answer.value);
        settle(client, &state);
        Ok(state)
    }
}
