//! Switchable readings of the docs' gaps.
//!
//! Where the Artnex docs are silent, `spec/README.md` records the reading the project assumes. The real
//! API may do the plausible other thing, so the simulator can be switched to each alternative, one switch
//! per gap: a [`Readings`] value holds one choice per switch, each an enum whose first variant is the
//! default (the spec's reading). Set them with [`crate::MockBuilder::readings`] /
//! [`crate::MockBuilder::reading`], the binary's `--reading KEY=VALUE`, or `POST /__admin/readings` at run
//! time; iterate over every alternative with [`Readings::alternatives`].
//!
//! ```
//! use artnex_mock::{Readings, StatusPath, SubmitStatus};
//!
//! let r = Readings::default()
//!     .with(StatusPath::Query)
//!     .with(SubmitStatus::Accepted202);
//! assert_eq!(r.to_string(), "status_path=query,submit_status=202");
//! assert_eq!(Readings::parse("status_path=query,submit_status=202"), Ok(r));
//! // Every single-switch alternative to the default, named `switch=value`:
//! let all = Readings::alternatives();
//! assert!(all.iter().any(|(name, r)| name == "status_path=query" && r.status_path == StatusPath::Query));
//! ```

use std::fmt;

/// Defines one switch: a `#[non_exhaustive]` enum whose first variant is the default, with its wire
/// names and descriptions.
macro_rules! switch {
    (
        $(#[doc = $doc:expr])*
        $name:ident = $key:literal {
            $v0:ident = $w0:literal => $d0:literal,
            $($v:ident = $w:literal => $d:literal,)+
        }
    ) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!("The switch `", $key, "`; its values, the default first:")]
        $(#[doc = concat!("`", $w, "`")])+
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            #[doc = concat!("`", $w0, "` (default): ", $d0)]
            #[default]
            $v0,
            $(
                #[doc = concat!("`", $w, "`: ", $d)]
                $v,
            )+
        }

        impl $name {
            /// The switch's name (`--reading NAME=VALUE`, the admin JSON key).
            pub const KEY: &'static str = $key;
            /// Every value, the default first.
            pub const ALL: &'static [$name] = &[$name::$v0, $($name::$v,)+];

            /// The value's name (`--reading KEY=NAME`, the admin JSON value).
            pub fn name(self) -> &'static str {
                match self {
                    $name::$v0 => $w0,
                    $($name::$v => $w,)+
                }
            }

            /// What the value means.
            pub fn describe(self) -> &'static str {
                match self {
                    $name::$v0 => $d0,
                    $($name::$v => $d,)+
                }
            }

            /// Parses [`Self::name`] output.
            pub fn from_name(name: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.name() == name)
            }
        }

        impl From<$name> for Reading {
            fn from(v: $name) -> Reading {
                Reading::$name(v)
            }
        }
    };
}

switch! {
    /// Where a video job's status is read (spec/README.md, Artnex assumption 2).
    StatusPath = "status_path" {
        Id = "id" => "GET /v1/video/{request_id}",
        StatusSegment = "status-segment" => "GET /v1/video/status/{request_id}",
        Query = "query" => "GET /v1/video?request_id=...",
    }
}

switch! {
    /// The success status of `POST /v1/video` (assumption: 200 is the only success status).
    SubmitStatus = "submit_status" {
        Ok200 = "200" => "200 OK",
        Accepted202 = "202" => "202 Accepted",
        Created201 = "201" => "201 Created",
    }
}

switch! {
    /// The success status of generate, edit, tts, upscale and remove-bg (ArtAPI keeps 200, as OpenAI).
    SuccessStatus = "success_status" {
        Ok200 = "200" => "200 OK",
        Created201 = "201" => "201 Created",
        Accepted202 = "202" => "202 Accepted",
    }
}

switch! {
    /// The success status of a status poll.
    PollStatus = "poll_status" {
        Ok200 = "200" => "200 OK whatever the job's state",
        Accepted202WhileRunning = "202-while-running" => "202 Accepted while the job runs, 200 once it has ended",
    }
}

switch! {
    /// Whether status polls count against the daily quota (Artnex assumption 10).
    PollQuota = "poll_quota" {
        Free = "free" => "polls are not counted",
        Counted = "counted" => "every poll counts like any request (and gets 429 when the quota is spent)",
    }
}

switch! {
    /// Whether polling one job faster than the docs' polling interval is refused (Artnex assumption 10).
    PollThrottle = "poll_throttle" {
        Throttled = "5s" => "a poll sooner than the docs' polling interval (divided by the speed-up) after the last is 429 with Retry-After",
        Unthrottled = "none" => "polls are never throttled",
    }
}

switch! {
    /// The status word of a finished job (Artnex assumption 2).
    DoneWord = "done_word" {
        Completed = "completed" => "`completed`",
        Succeeded = "succeeded" => "`succeeded`",
    }
}

switch! {
    /// The status word of a failed job (Artnex assumption 2).
    FailedWord = "failed_word" {
        Error = "error" => "`error`",
        Failed = "failed" => "`failed`",
        Cancelled = "cancelled" => "`cancelled`",
        Canceled = "canceled" => "`canceled`",
        Expired = "expired" => "`expired`",
    }
}

switch! {
    /// The status words of a running job (Artnex assumption 2).
    RunningWords = "running_words" {
        PendingProcessing = "pending-processing" => "`pending` for the first 10 %, then `processing`",
        PendingOnly = "pending-only" => "`pending` until the job ends (no `processing`)",
        QueuedRunning = "queued-running" => "`queued`, then `running` (words the spec does not name)",
    }
}

switch! {
    /// Whether the submission answer carries `success` (Artnex assumption 3).
    SubmitSuccessField = "submit_success_field" {
        Present = "present" => "`success: true` in the submission answer",
        Absent = "absent" => "no `success` field (as the docs' own example)",
    }
}

switch! {
    /// When a video job is paid for (Artnex assumption 4).
    VideoCharge = "video_charge" {
        OnCompletion = "on-completion" => "held at submission, charged when the job completes, released when it fails",
        AtSubmission = "at-submission" => "charged at submission (the answer carries credits_used), refunded when the job fails",
        AtSubmissionNoRefund = "at-submission-no-refund" => "charged at submission, kept when the job fails",
    }
}

switch! {
    /// The clip length of a video request without `duration` (Artnex assumption 5).
    DurationDefault = "duration_default" {
        Shortest = "shortest" => "the model's shortest duration",
        Longest = "longest" => "the model's longest duration",
        Fixed5 = "5s" => "5 seconds; a model without a 5 s clip answers 400 invalid_duration",
    }
}

switch! {
    /// What happens to an `aspect_ratio` the model does not support (Artnex assumption 17).
    AspectRatioRule = "aspect_ratio" {
        FallBack = "fallback" => "a ratio in the enum the model does not list falls back to its default; outside the enum: 422 invalid_request",
        Refuse = "refuse" => "a ratio the model does not list is 422 invalid_request too",
        FallBackAll = "fallback-all" => "any value, even outside the enum, falls back to the model's default",
    }
}

switch! {
    /// The shape of an Artnex error body (Artnex assumption 8).
    ErrorBody = "error_body" {
        Flat = "flat" => r#"{"success": false, "error": "<code>", "message", "request_id"}"#,
        Nested = "nested" => r#"{"error": {"code": "<code>", "message"}, "request_id"}"#,
        NumericCode = "numeric-code" => r#"{"success": false, "code": <HTTP status>, "message", "request_id"}"#,
    }
}

switch! {
    /// The body of the API's 5xx answers (an injected 500 or 503).
    ServerErrorBody = "server_error_body" {
        Json = "json" => "in the surface's JSON error format",
        Html = "html" => "an HTML page, as a proxy that replaces error bodies sends",
    }
}

switch! {
    /// Whether 429 and 503 answers carry `Retry-After` (Artnex assumption 10, ArtAPI assumption 4).
    RetryAfterHeader = "retry_after" {
        Sent = "sent" => "Retry-After in whole seconds",
        Omitted = "omitted" => "no Retry-After header",
    }
}

switch! {
    /// Which requests count against the daily quota (Artnex assumption 16).
    RefusedQuota = "refused_quota" {
        Counted = "counted" => "every request past the quota check counts, refused ones (400, 402, 413, 422) included",
        NotCounted = "not-counted" => "only requests the API accepts count",
    }
}

switch! {
    /// How a response leaves out an optional field without a value.
    ResponseNulls = "response_nulls" {
        Omitted = "omitted" => "the field is absent",
        Null = "null" => "the field is sent as null (a running job's video_url, credits_used, error, message)",
    }
}

switch! {
    /// The `images` field of generate and edit answers.
    ImagesField = "images_field" {
        Array = "array" => "an array of {url}",
        Null = "null" => "null, as a server that lost the result sends it (the charge stands)",
    }
}

switch! {
    /// How `credits_used` is written.
    CreditsNumber = "credits_number" {
        Integer = "integer" => "a whole number, e.g. 100",
        Float = "float" => "a JSON float, e.g. 100.0",
        Fractional = "fractional" => "a fraction, e.g. 100.25 (the ledger charges the whole credits)",
    }
}

switch! {
    /// The limits the docs do not state (Artnex assumption 7, ArtAPI assumption 2).
    Limits = "limits" {
        Assumed = "assumed" => "the spec's assumed limits (width/height, scale, ArtAPI prompt length), as artnex-facts states them",
        Relaxed = "relaxed" => "width/height 16-16384, scale 0.5-16, ArtAPI prompt 32,000 characters",
    }
}

/// Declares [`Readings`] and [`Reading`] from the list of switches.
macro_rules! readings {
    ($($(#[doc = $doc:expr])* $field:ident: $ty:ident,)+) => {
        /// One reading of every gap: a value of each switch (see the [module docs](crate::readings)).
        ///
        /// `Readings::default()` is the spec's reading. The fields are public: change one with
        /// [`Readings::with`] or by assignment.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct Readings {
            $($(#[doc = $doc])* pub $field: $ty,)+
        }

        /// One value of one switch, for [`Readings::with`] and [`crate::MockBuilder::reading`]: every switch
        /// enum converts into it.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reading {
            $(
                #[doc = concat!("A value of [`", stringify!($ty), "`].")]
                $ty($ty),
            )+
        }

        impl Readings {
            /// These readings with one switch changed.
            pub fn with(mut self, reading: impl Into<Reading>) -> Readings {
                match reading.into() {
                    $(Reading::$ty(v) => self.$field = v,)+
                }
                self
            }

            /// Every switch: its name, what it decides, and its values (the default first).
            pub fn switches() -> Vec<Switch> {
                vec![$(Switch {
                    key: $ty::KEY,
                    summary: first_line(&[$($doc),+]),
                    values: $ty::ALL.iter().map(|v| (v.name(), v.describe())).collect(),
                },)+]
            }

            /// The value of the switch named `key`.
            pub fn get(&self, key: &str) -> Option<&'static str> {
                match key {
                    $($ty::KEY => Some(self.$field.name()),)+
                    _ => None,
                }
            }

            /// Sets the switch named `key` to the value named `value`.
            pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
                let key = key.trim();
                let value = value.trim();
                match key {
                    $($ty::KEY => {
                        self.$field = $ty::from_name(value).ok_or_else(|| unknown_value(key, value))?;
                    })+
                    _ => return Err(unknown_switch(key)),
                }
                Ok(())
            }

            /// Every single-switch alternative to the default: `("switch=value", readings)` for each value of
            /// each switch other than its default, in switch order. Run a test over each to see which
            /// readings the code under test survives.
            pub fn alternatives() -> Vec<(String, Readings)> {
                let mut out = Vec::new();
                $(
                    for v in $ty::ALL.iter().skip(1) {
                        out.push((
                            format!("{}={}", $ty::KEY, v.name()),
                            Readings::default().with(*v),
                        ));
                    }
                )+
                out
            }

            /// `(switch, value)` for every switch.
            pub fn pairs(&self) -> Vec<(&'static str, &'static str)> {
                vec![$(($ty::KEY, self.$field.name()),)+]
            }
        }
    };
}

readings! {
    /// Where a job's status is read.
    status_path: StatusPath,
    /// The success status of `POST /v1/video`.
    submit_status: SubmitStatus,
    /// The success status of the other billable operations.
    success_status: SuccessStatus,
    /// The success status of a status poll.
    poll_status: PollStatus,
    /// Whether polls count against the quota.
    poll_quota: PollQuota,
    /// Whether fast polls are refused.
    poll_throttle: PollThrottle,
    /// The status word of a finished job.
    done_word: DoneWord,
    /// The status word of a failed job.
    failed_word: FailedWord,
    /// The status words of a running job.
    running_words: RunningWords,
    /// Whether the submission answer carries `success`.
    submit_success_field: SubmitSuccessField,
    /// When a video job is paid for.
    video_charge: VideoCharge,
    /// The clip length when `duration` is omitted.
    duration_default: DurationDefault,
    /// What an unsupported `aspect_ratio` does.
    aspect_ratio: AspectRatioRule,
    /// The shape of an Artnex error body.
    error_body: ErrorBody,
    /// The body of 5xx answers.
    server_error_body: ServerErrorBody,
    /// Whether 429 and 503 carry `Retry-After`.
    retry_after: RetryAfterHeader,
    /// Which requests count against the quota.
    refused_quota: RefusedQuota,
    /// Optional response fields without a value.
    response_nulls: ResponseNulls,
    /// The `images` field of generate and edit answers.
    images_field: ImagesField,
    /// How `credits_used` is written.
    credits_number: CreditsNumber,
    /// The limits the docs do not state.
    limits: Limits,
}

/// One switch, as [`Readings::switches`] describes it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    /// Its name, e.g. `status_path`.
    pub key: &'static str,
    /// What it decides.
    pub summary: &'static str,
    /// `(value, meaning)` for every value, the default first.
    pub values: Vec<(&'static str, &'static str)>,
}

fn first_line(docs: &[&'static str]) -> &'static str {
    docs.first().map_or("", |d| d.trim())
}

fn unknown_switch(key: &str) -> String {
    let keys: Vec<&str> = Readings::switches().iter().map(|s| s.key).collect();
    format!("unknown reading {key:?}: use one of {}", keys.join(", "))
}

fn unknown_value(key: &str, value: &str) -> String {
    let values = Readings::switches()
        .into_iter()
        .find(|s| s.key == key)
        .map(|s| {
            s.values
                .iter()
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    format!("unknown value {value:?} for {key}: use one of {values}")
}

impl Readings {
    /// Parses `switch=value[,switch=value...]` (as [`Readings`]' `Display` writes it) on top of the
    /// defaults; `default` (or an empty string) is the defaults.
    pub fn parse(text: &str) -> Result<Readings, String> {
        let mut r = Readings::default();
        r.apply(text)?;
        Ok(r)
    }

    /// Applies `switch=value[,switch=value...]` to these readings.
    pub fn apply(&mut self, text: &str) -> Result<(), String> {
        for part in text.split(',').map(str::trim) {
            if part.is_empty() || part == "default" {
                continue;
            }
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected SWITCH=VALUE"))?;
            self.set(key, value)?;
        }
        Ok(())
    }

    /// Whether every switch has its default value (the spec's reading).
    pub fn is_default(&self) -> bool {
        *self == Readings::default()
    }

    /// Every switch and value as one text (for `--help` and the README), one switch per line:
    /// `status_path: id (default) | status-segment | query`.
    pub fn help() -> String {
        Readings::switches()
            .iter()
            .map(|s| {
                let values: Vec<String> = s
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, (v, _))| {
                        if i == 0 {
                            format!("{v} (default)")
                        } else {
                            v.to_string()
                        }
                    })
                    .collect();
                format!("{}: {}", s.key, values.join(" | "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The switches that differ from the default, as `switch=value,...`; `default` when none does.
impl fmt::Display for Readings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let defaults = Readings::default().pairs();
        let changed: Vec<String> = self
            .pairs()
            .into_iter()
            .zip(defaults)
            .filter(|(mine, default)| mine != default)
            .map(|((k, v), _)| format!("{k}={v}"))
            .collect();
        if changed.is_empty() {
            f.write_str("default")
        } else {
            f.write_str(&changed.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_alternatives_cover_every_value() {
        let switches = Readings::switches();
        let values: usize = switches.iter().map(|s| s.values.len() - 1).sum();
        let alternatives = Readings::alternatives();
        assert_eq!(alternatives.len(), values);
        for (name, r) in &alternatives {
            assert!(!r.is_default(), "{name}");
            assert_eq!(&r.to_string(), name);
            assert_eq!(Readings::parse(name).as_ref(), Ok(r));
        }
        assert_eq!(Readings::default().to_string(), "default");
        assert_eq!(Readings::parse("default"), Ok(Readings::default()));
        // Keys and values are unique.
        let mut keys: Vec<&str> = switches.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), switches.len());
        for s in &switches {
            assert!(!s.summary.is_empty(), "{}", s.key);
        }
    }

    #[test]
    fn errors_name_what_is_accepted() {
        let e = Readings::parse("status_path=sideways").unwrap_err();
        assert!(e.contains("id, status-segment, query"), "{e}");
        let e = Readings::parse("colour=blue").unwrap_err();
        assert!(e.contains("status_path") && e.contains("limits"), "{e}");
        assert!(Readings::parse("status_path").is_err());
    }

    #[test]
    fn the_readme_lists_every_switch_and_value() {
        let readme = include_str!("../README.md");
        for s in Readings::switches() {
            for (i, (v, _)) in s.values.iter().enumerate() {
                let row = if i == 0 {
                    format!("`{}` | `{v}` |", s.key)
                } else {
                    format!("`{v}`")
                };
                assert!(readme.contains(&row), "README lacks {} {v}", s.key);
            }
        }
    }
}
