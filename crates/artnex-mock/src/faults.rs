//! Fault injection: latency, server errors, dropped connections, forced rate limits, failing video jobs, and
//! a gateway's HTML error pages before or after the API handled the request.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// What an injected fault does.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Waits this long before handling the request (stacks with other latency faults).
    Latency(Duration),
    /// Answers 500 (`internal_error`, or `api_error`/`upstream_error` on ArtAPI) before anything is charged.
    ServerError,
    /// Answers 503 with `Retry-After` before anything is charged.
    Unavailable {
        /// Value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// Handles the request fully (the charge is committed), then closes the connection without sending a
    /// response, so the client sees a transport error for a request that was in fact billed.
    DropAfterCharge,
    /// Answers 429 `rate_limit_exceeded` with `Retry-After`, without counting the request.
    RateLimited {
        /// Value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// The next video job submitted ends in status `error` (`generation_failed`) and is not charged.
    FailVideo,
    /// A gateway in front of the API answers 502 Bad Gateway with an HTML page without forwarding the
    /// request: nothing is charged or counted.
    Gateway502Before,
    /// The API handles the request fully (it is charged and counted), then the gateway in front of it
    /// answers 502 Bad Gateway with an HTML page instead of the API's answer. Applies to requests the API
    /// answered with success.
    Gateway502After,
    /// Like [`FaultKind::Gateway502After`], with 504 Gateway Timeout: the gateway gave up waiting while the
    /// API went on and charged.
    Gateway504After,
}

/// One fault kind as the command line, the admin JSON and the docs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultKindInfo {
    /// The name: the admin JSON `kind` and the `--fault` KIND.
    pub name: &'static str,
    /// A shorter name the command line and the admin JSON also accept (an HTTP status, or `drop`).
    pub alias: Option<&'static str>,
    /// What it does, in a few words.
    pub summary: &'static str,
}

/// Every fault kind, in the order `--help`, the errors and the README list them. In a name, `-` and `_`
/// are interchangeable (`fail-video` is `fail_video`).
pub const FAULT_KINDS: &[FaultKindInfo] = &[
    FaultKindInfo {
        name: "latency",
        alias: None,
        summary: "wait ms=N milliseconds before handling",
    },
    FaultKindInfo {
        name: "server_error",
        alias: Some("500"),
        summary: "500 before anything is charged",
    },
    FaultKindInfo {
        name: "unavailable",
        alias: Some("503"),
        summary: "503 with Retry-After before anything is charged",
    },
    FaultKindInfo {
        name: "rate_limited",
        alias: Some("429"),
        summary: "429 with Retry-After, not counted",
    },
    FaultKindInfo {
        name: "drop_after_charge",
        alias: Some("drop"),
        summary: "charge, then close the connection without answering",
    },
    FaultKindInfo {
        name: "fail_video",
        alias: None,
        summary: "the next video job ends in error, not charged",
    },
    FaultKindInfo {
        name: "gateway_502_before",
        alias: Some("502"),
        summary: "a gateway's HTML 502, nothing charged",
    },
    FaultKindInfo {
        name: "gateway_502_after",
        alias: None,
        summary: "charged, then a gateway's HTML 502 instead of the answer",
    },
    FaultKindInfo {
        name: "gateway_504_after",
        alias: Some("504"),
        summary: "charged, then a gateway's HTML 504 instead of the answer",
    },
];

/// The kinds as one line: `latency, server_error (500), ...` (used by `--help`, errors and the README).
pub fn fault_kind_list() -> String {
    FAULT_KINDS
        .iter()
        .map(|k| match k.alias {
            Some(a) => format!("{} ({a})", k.name),
            None => k.name.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl FaultKind {
    /// The kind's name (the `kind` field of the admin JSON form, the `--fault` KIND; see [`FAULT_KINDS`]).
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency(_) => "latency",
            FaultKind::ServerError => "server_error",
            FaultKind::Unavailable { .. } => "unavailable",
            FaultKind::DropAfterCharge => "drop_after_charge",
            FaultKind::RateLimited { .. } => "rate_limited",
            FaultKind::FailVideo => "fail_video",
            FaultKind::Gateway502Before => "gateway_502_before",
            FaultKind::Gateway502After => "gateway_502_after",
            FaultKind::Gateway504After => "gateway_504_after",
        }
    }

    /// The gateway status a `*_after` kind answers with instead of the API's success.
    pub(crate) fn gateway_after_status(&self) -> Option<u16> {
        match self {
            FaultKind::Gateway502After => Some(502),
            FaultKind::Gateway504After => Some(504),
            _ => None,
        }
    }

    /// The kinds that answer in place of a success, after the API handled (and charged) the request.
    pub(crate) const AFTER_ANSWER: [FaultKind; 2] =
        [FaultKind::Gateway502After, FaultKind::Gateway504After];
}

/// An injected fault, checked on every authenticated API request (after authentication, before the quota
/// and before anything is charged).
///
/// As JSON (for `POST /__admin/faults`):
/// `{"kind": "unavailable", "retry_after_secs": 3, "key": "sk-...", "path": "/v1/generate", "times": 1}` where
/// `kind` is a name or alias from [`FAULT_KINDS`] (`latency` needs `ms`); `key`, `path` and `times` are
/// optional.
#[derive(Clone, PartialEq, Eq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Only requests made with this key; `None` = every key.
    pub key: Option<String>,
    /// Only requests to this path (`"/v1/generate"`; a trailing `*` matches a prefix, e.g. `"/v1/video/*"`);
    /// `None` = every API path. A fault with an explicit `/cdn/...` path also applies to media downloads.
    pub path: Option<String>,
    /// How many requests it applies to before it disappears; `None` = until cleared.
    pub times: Option<u32>,
}

impl Fault {
    /// A fault for every key and path, until cleared.
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            key: None,
            path: None,
            times: None,
        }
    }

    /// Restricts the fault to one key.
    pub fn for_key(mut self, key: impl Into<String>) -> Fault {
        self.key = Some(key.into());
        self
    }

    /// Restricts the fault to one path (see [`Fault::path`]).
    pub fn on_path(mut self, path: impl Into<String>) -> Fault {
        self.path = Some(path.into());
        self
    }

    /// Makes the fault apply to `n` requests only.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    /// Parses the command-line form: `KIND[,ms=N][,retry_after=N][,path=P][,key=K][,times=N]` where KIND is
    /// a name or alias from [`FAULT_KINDS`].
    pub fn parse_spec(spec: &str) -> Result<Fault, String> {
        let mut parts = spec.split(',');
        let kind_name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let mut wire = FaultWire {
            kind: kind_name,
            ..FaultWire::default()
        };
        for part in parts {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("{spec:?}: expected NAME=VALUE, got {part:?}"))?;
            let num = || {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{spec:?}: {k} must be a whole number"))
            };
            match k.trim() {
                "ms" | "latency_ms" => wire.ms = Some(num()?),
                "retry_after" | "retry_after_secs" | "retry-after" => {
                    wire.retry_after_secs = Some(num()?)
                }
                "times" => {
                    wire.times = Some(
                        u32::try_from(num()?)
                            .map_err(|_| format!("{spec:?}: times is too large"))?,
                    )
                }
                "path" => wire.path = Some(v.trim().to_string()),
                "key" => wire.key = Some(v.trim().to_string()),
                other => return Err(format!("{spec:?}: unknown option {other:?}")),
            }
        }
        wire.into_fault().map_err(|e| format!("{spec:?}: {e}"))
    }

    pub(crate) fn matches(&self, key: Option<&str>, path: &str) -> bool {
        if let Some(k) = &self.key
            && key != Some(k.as_str())
        {
            return false;
        }
        match &self.path {
            Some(p) => path_matches(p, path),
            None => !path.starts_with(crate::choices::CDN_PREFIX),
        }
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

impl fmt::Debug for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fault")
            .field("kind", &self.kind)
            .field("key", &self.key.as_deref().map(crate::ids::key_label))
            .field("path", &self.path)
            .field("times", &self.times)
            .finish()
    }
}

#[derive(Deserialize, Default)]
struct FaultWire {
    kind: String,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default, alias = "retry_after")]
    retry_after_secs: Option<u64>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    times: Option<u32>,
}

impl FaultWire {
    fn into_fault(self) -> Result<Fault, String> {
        let retry = self.retry_after_secs.unwrap_or(1);
        let wanted = self.kind.trim().to_ascii_lowercase().replace('-', "_");
        let info = FAULT_KINDS
            .iter()
            .find(|k| k.name == wanted || k.alias == Some(wanted.as_str()))
            .ok_or_else(|| {
                format!(
                    "unknown fault kind {:?}: use one of {}",
                    self.kind,
                    fault_kind_list()
                )
            })?;
        let kind = match info.name {
            "latency" => FaultKind::Latency(Duration::from_millis(
                self.ms.ok_or("latency needs ms=N (milliseconds)")?,
            )),
            "server_error" => FaultKind::ServerError,
            "unavailable" => FaultKind::Unavailable {
                retry_after_secs: retry,
            },
            "rate_limited" => FaultKind::RateLimited {
                retry_after_secs: retry,
            },
            "drop_after_charge" => FaultKind::DropAfterCharge,
            "fail_video" => FaultKind::FailVideo,
            "gateway_502_before" => FaultKind::Gateway502Before,
            "gateway_502_after" => FaultKind::Gateway502After,
            _ => FaultKind::Gateway504After,
        };
        Ok(Fault {
            kind,
            key: self.key,
            path: self.path,
            times: self.times,
        })
    }
}

impl<'de> Deserialize<'de> for Fault {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fault, D::Error> {
        FaultWire::deserialize(d)?
            .into_fault()
            .map_err(serde::de::Error::custom)
    }
}

/// What the fault check decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    pub latency: Duration,
    pub interrupt: Option<Interrupt>,
}

/// A fault that answers instead of the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interrupt {
    ServerError,
    Unavailable(u64),
    RateLimited(u64),
    /// A gateway's HTML page with this status, before the API saw the request.
    Gateway(u16),
}

/// The active faults.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    active: Vec<Fault>,
}

impl FaultSet {
    pub fn add(&mut self, fault: Fault) {
        if fault.times != Some(0) {
            self.active.push(fault);
        }
    }

    pub fn clear(&mut self) {
        self.active.clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.active.clone()
    }

    /// Consumes one use of fault `i`.
    fn consume(&mut self, i: usize) {
        if let Some(f) = self.active.get_mut(i)
            && let Some(t) = f.times.as_mut()
        {
            *t = t.saturating_sub(1);
        }
    }

    fn prune(&mut self) {
        self.active.retain(|f| f.times != Some(0));
    }

    /// The latency and the answering fault (if any) for a request; consumes what applies.
    pub fn check(&mut self, key: Option<&str>, path: &str) -> Verdict {
        let mut verdict = Verdict::default();
        for i in 0..self.active.len() {
            let f = &self.active[i];
            if !f.matches(key, path) {
                continue;
            }
            match f.kind {
                FaultKind::Latency(d) => {
                    verdict.latency = verdict.latency.saturating_add(d);
                    self.consume(i);
                }
                FaultKind::ServerError if verdict.interrupt.is_none() => {
                    verdict.interrupt = Some(Interrupt::ServerError);
                    self.consume(i);
                }
                FaultKind::Unavailable { retry_after_secs } if verdict.interrupt.is_none() => {
                    verdict.interrupt = Some(Interrupt::Unavailable(retry_after_secs));
                    self.consume(i);
                }
                FaultKind::RateLimited { retry_after_secs } if verdict.interrupt.is_none() => {
                    verdict.interrupt = Some(Interrupt::RateLimited(retry_after_secs));
                    self.consume(i);
                }
                FaultKind::Gateway502Before if verdict.interrupt.is_none() => {
                    verdict.interrupt = Some(Interrupt::Gateway(502));
                    self.consume(i);
                }
                _ => {}
            }
        }
        self.prune();
        verdict
    }

    /// Whether a fault of this kind applies to the request (without consuming it).
    pub fn has(&self, key: Option<&str>, path: &str, kind: &FaultKind) -> bool {
        self.active.iter().any(|f| {
            std::mem::discriminant(&f.kind) == std::mem::discriminant(kind) && f.matches(key, path)
        })
    }

    /// Whether a fault of this kind applies to the request; consumes one use if so.
    pub fn take(&mut self, key: Option<&str>, path: &str, kind: &FaultKind) -> bool {
        let found = self.active.iter().position(|f| {
            std::mem::discriminant(&f.kind) == std::mem::discriminant(kind) && f.matches(key, path)
        });
        match found {
            Some(i) => {
                self.consume(i);
                self.prune();
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_and_counting() {
        let mut set = FaultSet::default();
        set.add(Fault::new(FaultKind::ServerError).for_key("a").times(1));
        set.add(Fault::new(FaultKind::Latency(Duration::from_millis(5))).on_path("/v1/video/*"));
        assert_eq!(set.check(Some("b"), "/v1/generate").interrupt, None);
        assert_eq!(
            set.check(Some("a"), "/v1/generate").interrupt,
            Some(Interrupt::ServerError)
        );
        assert_eq!(set.check(Some("a"), "/v1/generate").interrupt, None);
        assert_eq!(
            set.check(Some("a"), "/v1/video/req_1").latency,
            Duration::from_millis(5)
        );
        assert_eq!(set.check(Some("a"), "/v1/video").latency, Duration::ZERO);
        assert_eq!(set.list().len(), 1);
    }

    #[test]
    fn global_faults_skip_media_unless_targeted() {
        let f = Fault::new(FaultKind::ServerError);
        assert!(!f.matches(None, "/cdn/gen/req_1/image_0.png"));
        let f = f.on_path("/cdn/*");
        assert!(f.matches(None, "/cdn/gen/req_1/image_0.png"));
    }

    #[test]
    fn parse_forms() {
        let f = Fault::parse_spec("503,retry_after=7,path=/v1/tts,times=2").unwrap();
        assert_eq!(
            f.kind,
            FaultKind::Unavailable {
                retry_after_secs: 7
            }
        );
        assert_eq!(f.path.as_deref(), Some("/v1/tts"));
        assert_eq!(f.times, Some(2));
        let f = Fault::parse_spec("latency,ms=250").unwrap();
        assert_eq!(f.kind, FaultKind::Latency(Duration::from_millis(250)));
        assert!(Fault::parse_spec("latency").is_err());
        let e = Fault::parse_spec("explode").unwrap_err();
        assert!(e.contains(&fault_kind_list()), "{e}");
        // Every name and alias parses to the kind of that name; `-` stands for `_`.
        for info in FAULT_KINDS {
            let spec = format!("{},ms=1", info.name.replace('_', "-"));
            assert_eq!(Fault::parse_spec(&spec).unwrap().kind.name(), info.name);
            if let Some(alias) = info.alias {
                assert_eq!(
                    Fault::parse_spec(&format!("{alias},ms=1"))
                        .unwrap()
                        .kind
                        .name(),
                    info.name
                );
            }
        }
        let f: Fault = serde_json::from_str(r#"{"kind":"drop_after_charge","key":"k"}"#).unwrap();
        assert_eq!(f.kind, FaultKind::DropAfterCharge);
        assert!(!format!("{f:?}").contains("\"k\""));
    }

    #[test]
    fn the_readme_lists_every_kind_as_the_code_does() {
        let readme = include_str!("../README.md");
        assert!(
            readme.contains(&fault_kind_list()),
            "README lacks: {}",
            fault_kind_list()
        );
        for info in FAULT_KINDS {
            assert!(
                readme.contains(&format!("| `{}`", info.name)),
                "{}",
                info.name
            );
        }
    }
}
