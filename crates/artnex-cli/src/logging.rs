//! `-v/--verbose` and `RUST_LOG`: what the CLI and the SDK do, on stderr.
//!
//! `-v` prints the SDK's `tracing` events in the CLI's words, one line each: requests, responses,
//! retries ("retrying after 503, attempt 2 of 3"), video polls, download retries. `-vv`, or `RUST_LOG`
//! (`target=level` directives such as `RUST_LOG=artnex=debug`), prints the raw events instead, with
//! their fields. Without either nothing is logged. No log line ever contains the API key: the SDK never
//! puts it in an event or a span, and these lines print only events' and spans' fields.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Installs the subscriber for `-v` (`verbose` = 1), `-vv` (2 or more) or `RUST_LOG`.
pub fn init(verbose: u8) {
    let rust_log = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    if verbose >= 2 || rust_log.is_some() {
        let filter = log_filter(rust_log.as_deref());
        let ansi = crate::progress::Mode::detect(true) != crate::progress::Mode::Lines
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let _ = tracing_subscriber::fmt()
            .with_max_level(Level::TRACE)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .finish()
            .with(filter)
            .try_init();
        VERBOSE.store(true, Ordering::SeqCst);
    } else if verbose == 1 {
        let _ = tracing_subscriber::registry().with(CliLayer).try_init();
        VERBOSE.store(true, Ordering::SeqCst);
    }
}

/// What `RUST_LOG` asks for: `target=level` directives separated by commas, or a bare level
/// (`RUST_LOG=artnex=debug,hyper=info`, `RUST_LOG=trace`); `debug` for everything when it is unset (`-vv`).
/// A filter that does not parse, or that filters on spans or fields, is reported and `debug` used
/// instead. (Matching on span names or field values, which `tracing`'s regex-based filter adds, is left
/// out: it costs the CLI's build the regex crates.)
fn log_filter(rust_log: Option<&str>) -> Targets {
    let everything = Targets::new().with_default(Level::DEBUG);
    let Some(spec) = rust_log else {
        return everything;
    };
    // `Targets` would read `artnex[x]` as a target of that name and match nothing.
    if spec.contains(['[', '{']) {
        crate::out::err(&format!(
            "note: RUST_LOG={spec:?}: span and field filters are not supported, only `target=level` directives; logging everything at debug"
        ));
        return everything;
    }
    spec.parse().unwrap_or_else(|e| {
        crate::out::err(&format!(
            "note: RUST_LOG={spec:?} is not a filter of `target=level` directives ({e}); logging everything at debug"
        ));
        everything
    })
}

/// Logs a request the CLI is about to send (`POST https://…/v1/generate`), when verbose.
pub fn sending(method: &str, url: &str) {
    if VERBOSE.load(Ordering::SeqCst) {
        crate::out::err(&format!("→ {method} {url}"));
    }
}

/// Field values of an event or span, as text.
#[derive(Default, Clone)]
struct Fields(BTreeMap<&'static str, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn number(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(|v| v.parse().ok())
    }
}

/// Renders the SDK's events as the CLI's lines.
struct CliLayer;

fn from_the_sdk(target: &str) -> bool {
    target == "artnex" || target.starts_with("artnex::")
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for CliLayer {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !from_the_sdk(meta.target()) || *meta.level() > Level::DEBUG {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut span = Fields::default();
        if let Some(scope) = ctx.event_scope(event) {
            for s in scope.from_root() {
                if let Some(f) = s.extensions().get::<Fields>() {
                    span.0.extend(f.0.clone());
                }
            }
        }
        if let Some(line) = render(&fields, &span) {
            crate::out::err(&line);
        }
    }
}

/// The HTTP status an error message names (`… failed with HTTP 503 …`).
fn status_in(error: &str) -> Option<&str> {
    let at = error.find("HTTP ")? + 5;
    let code = error.get(at..at + 3)?;
    code.bytes().all(|b| b.is_ascii_digit()).then_some(code)
}

fn render(f: &Fields, span: &Fields) -> Option<String> {
    let message = f.get("message").unwrap_or_default();
    let op = span.get("operation").unwrap_or("request");
    let error = f.get("error").unwrap_or_default();
    Some(match message {
        "sending" => return None,
        "response" => format!("← {op}: HTTP {}", f.get("status").unwrap_or("?")),
        m if m.starts_with("retrying") => {
            let status = f.get("status").filter(|s| *s != "0");
            let cause = match status.or_else(|| status_in(error)) {
                Some(code) => code.to_string(),
                None => "a connection failure".into(),
            };
            let attempt = f.number("attempt").unwrap_or(1) + 1;
            let mut line = format!("retrying after {cause}, attempt {attempt}");
            if let Some(of) = f.number("of") {
                let _ = write!(line, " of {}", of + 1);
            }
            if let Some(ms) = f.number("delay_ms") {
                let _ = write!(line, " (in {:.1} s)", ms as f64 / 1000.0);
            }
            format!("{line}: {op}")
        }
        "request failed" => format!("← {op} failed, not retried: {error}"),
        "done" => match f.get("credits_used") {
            Some(c) => format!("← {op}: done, {c} credits"),
            None => format!("← {op}: done"),
        },
        "job accepted" | "video job submitted" => format!(
            "video job {} accepted",
            f.get("request_id")
                .or(span.get("request_id"))
                .unwrap_or("?")
        ),
        "video job status" => format!(
            "poll: video job {} is {}",
            f.get("request_id").unwrap_or("?"),
            f.get("status").unwrap_or("?")
        ),
        "status poll failed; still waiting" => {
            format!("poll failed, still waiting: {error}")
        }
        "download failed; retrying" => {
            let cause = status_in(error).unwrap_or("a connection failure");
            format!(
                "download failed ({cause}), retrying: attempt {}",
                f.number("attempt").unwrap_or(1) + 1
            )
        }
        other => {
            let extra: Vec<String> =
                f.0.iter()
                    .filter(|(k, _)| **k != "message")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
            if extra.is_empty() {
                format!("{op}: {other}")
            } else {
                format!("{op}: {other} ({})", extra.join(", "))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&'static str, &str)]) -> Fields {
        Fields(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
    }

    #[test]
    fn retries_read_as_the_cli_says_them() {
        let span = fields(&[("operation", "generate_image")]);
        let event = fields(&[
            ("message", "retrying: the request cannot have been charged"),
            ("attempt", "1"),
            ("of", "2"),
            ("delay_ms", "0"),
            (
                "error",
                "generate_image failed with HTTP 503 (service_unavailable): busy",
            ),
        ]);
        assert_eq!(
            render(&event, &span).unwrap(),
            "retrying after 503, attempt 2 of 3 (in 0.0 s): generate_image"
        );
        let event = fields(&[
            ("message", "video job status"),
            ("request_id", "req_1"),
            ("status", "processing"),
        ]);
        assert_eq!(
            render(&event, &span).unwrap(),
            "poll: video job req_1 is processing"
        );
    }

    #[test]
    fn rust_log_filters_by_target_and_level() {
        let f = log_filter(Some("artnex=debug,hyper=warn"));
        assert!(f.would_enable("artnex::exec", &Level::DEBUG));
        assert!(!f.would_enable("artnex::exec", &Level::TRACE));
        assert!(f.would_enable("hyper::proto", &Level::WARN));
        assert!(!f.would_enable("hyper::proto", &Level::INFO));
        assert!(
            !f.would_enable("reqwest", &Level::ERROR),
            "unnamed targets are off"
        );
        let f = log_filter(Some("trace"));
        assert!(f.would_enable("hyper_util::client", &Level::TRACE));
        // `-vv` without RUST_LOG, a filter that does not parse and a span filter: everything at debug.
        for f in [
            log_filter(None),
            log_filter(Some("a=b=c")),
            log_filter(Some("artnex[upload]=trace")),
        ] {
            assert!(f.would_enable("reqwest", &Level::DEBUG));
            assert!(!f.would_enable("reqwest", &Level::TRACE));
        }
    }
}
