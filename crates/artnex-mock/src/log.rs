//! The request log: a bounded ring of the most recent requests.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Value, json};

/// One request the simulator answered (or cut off). Keys appear only as labels (`key_…`), never raw.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    /// The request id the simulator assigned (also in the response body).
    pub request_id: String,
    /// HTTP method.
    pub method: String,
    /// Request path (no query string).
    pub path: String,
    /// Label of the key that authenticated the request; `None` when it did not authenticate (or needs no key).
    pub key_label: Option<String>,
    /// HTTP status sent (for a dropped connection: the status that would have been sent).
    pub status: u16,
    /// The error code of an error response.
    pub error: Option<String>,
    /// Credits charged (or held, for a video submission) by this request.
    pub credits: u64,
    /// Whether the connection was cut instead of answering (`DropAfterCharge`).
    pub dropped: bool,
    /// Simulated time when it was answered.
    pub at: Duration,
}

impl RequestRecord {
    /// Whether this request was made with `key`.
    pub fn is_for(&self, key: &str) -> bool {
        self.key_label.as_deref() == Some(crate::ids::key_label(key).as_str())
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "key": self.key_label,
            "status": self.status,
            "error": self.error,
            "credits": self.credits,
            "dropped": self.dropped,
            "at_seconds": self.at.as_secs_f64(),
        })
    }
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    records: VecDeque<RequestRecord>,
    capacity: usize,
    total: u64,
}

impl RequestLog {
    pub fn new(capacity: usize) -> RequestLog {
        RequestLog {
            records: VecDeque::new(),
            capacity: capacity.max(1),
            total: 0,
        }
    }

    pub fn push(&mut self, record: RequestRecord) {
        if self.records.len() >= self.capacity {
            self.records.pop_front();
        }
        self.records.push_back(record);
        self.total += 1;
    }

    pub fn snapshot(&self) -> Vec<RequestRecord> {
        self.records.iter().cloned().collect()
    }

    pub fn total(&self) -> u64 {
        self.total
    }
}
