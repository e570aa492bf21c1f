//! The request log: a bounded ring of the most recent requests.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
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

    /// One line for a console, with the key's label (never the key):
    /// `12.345s POST /v1/generate -> 200, 100 credits, key_1a2b3c4d, req_...`; an error adds its code
    /// (`-> 400 missing_prompt`), a cut connection `(dropped)`. See `MockBuilder::on_request`.
    pub fn summary(&self) -> String {
        let error = self
            .error
            .as_deref()
            .map(|e| format!(" {e}"))
            .unwrap_or_default();
        let dropped = if self.dropped { " (dropped)" } else { "" };
        let key = self.key_label.as_deref().unwrap_or("no key");
        format!(
            "{:.3}s {} {} -> {}{error}{dropped}, {} credits, {key}, {}",
            self.at.as_secs_f64(),
            self.method,
            self.path,
            self.status,
            self.credits,
            self.request_id
        )
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

/// A function called with every request the simulator records (see `MockBuilder::on_request`).
#[derive(Clone)]
pub(crate) struct Observer(pub Arc<dyn Fn(&RequestRecord) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer(..)")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_the_label_never_the_key() {
        let r = RequestRecord {
            request_id: "req_1".into(),
            method: "POST".into(),
            path: "/v1/generate".into(),
            key_label: Some(crate::ids::key_label("sk-secret")),
            status: 400,
            error: Some("missing_prompt".into()),
            credits: 0,
            dropped: false,
            at: Duration::from_millis(12_345),
        };
        let line = r.summary();
        assert_eq!(
            line,
            format!(
                "12.345s POST /v1/generate -> 400 missing_prompt, 0 credits, {}, req_1",
                crate::ids::key_label("sk-secret")
            )
        );
        assert!(!line.contains("sk-secret"));
    }
}
