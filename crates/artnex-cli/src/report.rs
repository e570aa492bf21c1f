//! How results and errors are shown: one human line (or a JSON document), and exit codes a script can act
//! on. This is the one place where the SDK's errors and estimates are put in the CLI's terms (flags,
//! commands, environment variables): the SDK speaks to Rust callers (`.image(..)`, `PriceTable`,
//! `client.video_job(..)`), the CLI to people at a shell.

use crate::exec::Failure;
use crate::out::{errln, outln};
use artnex::pricing::Estimate;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;

/// Exit code: a local error that is neither usage nor the API.
pub const OTHER: u8 = 1;
/// Exit code: bad usage or a request refused locally (nothing was sent).
pub const USAGE: u8 = 2;
/// Exit code: the API or the network failed the request.
pub const API: u8 = 3;
/// Exit code: a batch finished with failed, unknown or skipped items.
pub const PARTIAL: u8 = 4;
/// Exit code: another `artnex batch` holds the batch journal (nothing was sent).
pub const BUSY: u8 = 5;
/// Exit code: the request succeeded and was charged, but its results could not be saved.
pub const NOT_SAVED: u8 = 6;
/// Exit code: a video job was still running when the wait timed out (it goes on and will be charged).
pub const STILL_RUNNING: u8 = 7;
/// Exit code: interrupted by SIGINT (Ctrl-C) or SIGTERM (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: u8 = 130;
/// Exit code: a batch stopped because its standard output was closed (128 + SIGPIPE, as shells report a
/// program ended by a closed pipe).
pub const OUTPUT_CLOSED: u8 = 141;

/// The exit code for a failure.
pub fn exit_code(f: &Failure) -> u8 {
    use artnex::Error as E;
    match f {
        Failure::Usage(_) => USAGE,
        Failure::NotSaved(_) => NOT_SAVED,
        Failure::Unfollowed(_) => API,
        Failure::Sdk(e) => match e {
            E::Validation(_)
            | E::BudgetExceeded { .. }
            | E::MissingApiKey { .. }
            | E::Config(_) => USAGE,
            E::JobTimedOut { .. } => STILL_RUNNING,
            E::Io { .. } => OTHER,
            _ => API,
        },
    }
}

/// Which service a command talks to: hints name its key variable and dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// The Artnex API.
    Artnex,
    /// An OpenAI-compatible images API (ArtAPI by default).
    ArtApi,
}

impl Service {
    fn key_var(self) -> &'static str {
        match self {
            Service::Artnex => "ARTNEX_API_KEY",
            Service::ArtApi => "ARTAPI_KEY",
        }
    }

    fn key_flags(self) -> &'static str {
        match self {
            Service::Artnex => "--api-key-file PATH or --api-key-stdin",
            Service::ArtApi => "--artapi-key-file PATH",
        }
    }

    fn dashboard(self) -> &'static str {
        match self {
            Service::Artnex => "the Artnex dashboard",
            Service::ArtApi => "the provider's dashboard (app.artapi.ai for ArtAPI)",
        }
    }
}

/// A duration as a person says it: `45 s`, `5 min 3 s`, `23 h 59 min`, `2 d 3 h` (rounded up to the
/// second).
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let parts: Vec<String> = if days > 0 {
        vec![format!("{days} d"), format!("{hours} h")]
    } else if s >= 3600 {
        vec![format!("{} h", s / 3600), format!("{minutes} min")]
    } else if s >= 60 {
        vec![format!("{minutes} min"), format!("{seconds} s")]
    } else {
        vec![format!("{seconds} s")]
    };
    let mut parts: Vec<String> = parts.into_iter().filter(|p| !p.starts_with("0 ")).collect();
    if parts.is_empty() {
        parts.push("0 s".into());
    }
    parts.join(" ")
}

/// How an estimate reads in the CLI.
pub fn estimate(e: &Estimate) -> String {
    match e {
        Estimate::Credits(c) => format!("{c} credits"),
        Estimate::Varies => "price varies by resolution and quality (Artnex publishes no table: give one with --price MODEL:RESOLUTION:QUALITY=CREDITS or in the config file's [prices])".into(),
        Estimate::Unknown => "price unknown (the model is not in the catalogue: give it with --price MODEL=CREDITS or in the config file's [prices])".into(),
        _ => "price unknown".into(),
    }
}

/// An estimate in JSON: the credits, or `null` with the reason beside it (see [`estimate_reason`]).
pub fn estimate_json(e: &Estimate) -> Value {
    match e.credits() {
        Some(c) => json!(c),
        None => Value::Null,
    }
}

/// Why an estimate has no credits (`varies`, `unknown`), for JSON output; `None` when it has.
pub fn estimate_reason(e: &Estimate) -> Option<&'static str> {
    match e {
        Estimate::Credits(_) => None,
        Estimate::Varies => Some("varies"),
        _ => Some("unknown"),
    }
}

/// SDK phrases meant for Rust callers, and what the CLI says instead.
const REWORDED: &[(&str, &str)] = &[
    (
        "image-to-video needs a start image: call .image(..)",
        "image-to-video needs a start image: pass --image FILE|URL (`image` in a batch line)",
    ),
    (
        "use an image-to-video model or .mode(VideoMode::ImageToVideo)",
        "use an image-to-video model (`artnex models --kind video`) or --mode image-to-video (`mode` in a batch line)",
    ),
];

/// An SDK message in CLI terms.
pub fn reword(message: &str) -> String {
    REWORDED
        .iter()
        .fold(message.to_string(), |m, (sdk, cli)| m.replace(sdk, cli))
}

/// The message of an SDK error, in CLI terms.
pub fn sdk_message(e: &artnex::Error) -> String {
    use artnex::Error as E;
    match e {
        E::MissingApiKey { var } => format!("no API key: {var} is not set"),
        E::Validation(v) => format!(
            "invalid request (nothing was sent): {}: {}",
            v.field,
            reword(&v.message)
        ),
        E::BudgetExceeded { estimate: est, .. } => format!(
            "over the budget (nothing was sent): the request is estimated at {}",
            estimate(est)
        ),
        E::RateLimited { error, .. } => format!("rate limited: {}", error.message),
        E::JobTimedOut {
            request_id,
            waited,
            last_status,
        } => format!(
            "video job {request_id} is still running after {} (last status: {}): it has not failed, it goes on on the server and is charged when it completes",
            human_duration(*waited),
            last_status
                .as_ref()
                .map(|s| s.as_str())
                .unwrap_or("unknown")
        ),
        other => reword(&other.to_string()),
    }
}

/// What to do about a failure, in one short sentence; `None` when the message already says it.
pub fn hint(f: &Failure, service: Service) -> Option<String> {
    use artnex::Error as E;
    let e = match f {
        Failure::Usage(_) => return None,
        Failure::NotSaved(n) => return Some(n.fetch_again()),
        Failure::Unfollowed(u) => return u.hint(),
        Failure::Sdk(e) => e,
    };
    if crate::exec::unknown_job(e) {
        return Some(crate::exec::status_path_advice(
            "then run the command again with it",
        ));
    }
    if e.may_have_been_processed() {
        // The message says so already; say what to do.
        return Some(
            "check your results and balance in the dashboard before sending it again".into(),
        );
    }
    Some(match e {
        E::MissingApiKey { .. } => format!(
            "set {}, or pass {}; or try it on the simulator with --mock",
            service.key_var(),
            service.key_flags()
        ),
        E::Unauthorized(_) => format!(
            "check {}: it must be a current key with no spaces around it",
            service.key_var()
        ),
        E::InsufficientCredits(_) => {
            format!(
                "buy credits in {} (nothing was charged)",
                service.dashboard()
            )
        }
        E::RateLimited {
            retry_after: Some(d),
            ..
        } => format!("try again in {}", human_duration(*d)),
        E::RateLimited { .. } => {
            "the daily quota is spent; try again later or upgrade the plan".into()
        }
        E::JobTimedOut { request_id, .. } => {
            format!("wait for it with `{}`", crate::resume_command(request_id))
        }
        E::MediaExpired { .. } => {
            "result URLs are kept for 24 hours; send the request again".into()
        }
        E::Validation(v) => match v.field {
            "model" | "duration" | "aspect_ratio" | "mode" | "resolution" | "quality" => {
                "`artnex models` lists what each model accepts".into()
            }
            _ => return None,
        },
        _ => return None,
    })
}

/// The message of a failure.
pub fn message(f: &Failure) -> String {
    match f {
        Failure::Usage(u) => u.0.clone(),
        Failure::Sdk(e) => sdk_message(e),
        Failure::NotSaved(n) => n.message(),
        Failure::Unfollowed(u) => u.message(),
    }
}

/// Prints a failure (one line on stderr, or a JSON document on stdout) and returns its exit code.
pub fn failure(f: &Failure, json_mode: bool, service: Service) -> ExitCode {
    let code = exit_code(f);
    if json_mode {
        outln!("{}", failure_json(f, service));
    } else {
        match hint(f, service) {
            Some(h) => errln!("error: {}\n  hint: {h}", message(f)),
            None => errln!("error: {}", message(f)),
        }
    }
    ExitCode::from(code)
}

/// The JSON form of a failure.
pub fn failure_json(f: &Failure, service: Service) -> Value {
    let (kind, code, request_id, processed) = match f {
        Failure::Usage(_) => ("usage", None, None, false),
        Failure::NotSaved(n) => ("not_saved", None, n.request_id.clone(), true),
        // The job's id (not the failed poll's), and it may be charged.
        Failure::Unfollowed(u) => (
            kind_of(&u.cause),
            u.cause.code().map(|c| c.to_string()),
            Some(u.request_id.clone()),
            true,
        ),
        Failure::Sdk(e) => (
            kind_of(e),
            e.code().map(|c| c.to_string()),
            e.request_id().map(str::to_string),
            // A video job that is still running will be charged when it completes.
            e.may_have_been_processed() || matches!(e, artnex::Error::JobTimedOut { .. }),
        ),
    };
    let mut doc = json!({
        "ok": false,
        "error": {
            "kind": kind,
            "message": message(f),
            "code": code,
            "request_id": request_id,
            "may_have_been_processed": processed,
            "hint": hint(f, service),
        },
        "exit_code": exit_code(f),
    });
    if let Failure::NotSaved(n) = f {
        doc["op"] = json!(n.op);
        doc["request_id"] = json!(n.request_id);
        doc["credits_used"] = json!(n.credits);
        doc["urls"] = json!(n.urls);
        doc["files"] = json!(
            n.saved
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        );
        doc["fetch_again"] = json!(n.fetch_command());
    }
    doc
}

fn kind_of(e: &artnex::Error) -> &'static str {
    use artnex::Error as E;
    match e {
        E::Config(_) | E::MissingApiKey { .. } => "config",
        E::Validation(_) => "validation",
        E::BudgetExceeded { .. } => "budget_exceeded",
        E::Unauthorized(_) => "unauthorized",
        E::InsufficientCredits(_) => "insufficient_credits",
        E::RateLimited { .. } => "rate_limited",
        E::Api(_) => "api",
        E::Transport(_) => "transport",
        E::JobFailed { .. } => "job_failed",
        E::JobTimedOut { .. } => "job_still_running",
        E::MediaExpired { .. } => "media_expired",
        E::Download { .. } => "download",
        E::Io { .. } => "io",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_says_them() {
        let d = Duration::from_secs;
        assert_eq!(human_duration(d(0)), "0 s");
        assert_eq!(human_duration(Duration::from_millis(200)), "1 s");
        assert_eq!(human_duration(d(45)), "45 s");
        assert_eq!(human_duration(d(60)), "1 min");
        assert_eq!(human_duration(d(303)), "5 min 3 s");
        assert_eq!(human_duration(d(86_340)), "23 h 59 min");
        assert_eq!(human_duration(d(7200)), "2 h");
        assert_eq!(human_duration(d(3 * 86_400 + 3600)), "3 d 1 h");
    }

    #[test]
    fn sdk_phrases_for_rust_callers_are_reworded() {
        for (sdk, cli) in REWORDED {
            let text = reword(&format!("x: {sdk}"));
            assert!(
                !text.contains(".image(") && !text.contains("VideoMode::"),
                "{text}"
            );
            assert!(text.contains(cli));
        }
        for e in [Estimate::Varies, Estimate::Unknown] {
            assert!(!estimate(&e).contains("PriceTable"));
            assert!(estimate(&e).contains("--price"));
        }
    }
}
