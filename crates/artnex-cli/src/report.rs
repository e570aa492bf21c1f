//! How results and errors are shown: one human line (or a JSON document), and exit codes a script can act on.

use crate::exec::Failure;
use serde_json::{Value, json};
use std::process::ExitCode;

/// Exit code: a local error that is neither usage nor the API (I/O on the output directory).
pub const OTHER: u8 = 1;
/// Exit code: bad usage or a request refused locally (nothing was sent).
pub const USAGE: u8 = 2;
/// Exit code: the API or the network failed the request.
pub const API: u8 = 3;
/// Exit code: a batch finished with failed, unknown or skipped items.
pub const PARTIAL: u8 = 4;
/// Exit code: another `artnex batch` holds the batch journal (nothing was sent).
pub const BUSY: u8 = 5;
/// Exit code: interrupted by SIGINT (Ctrl-C) or SIGTERM (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: u8 = 130;

/// The exit code for a failure.
pub fn exit_code(f: &Failure) -> u8 {
    use artnex::Error as E;
    match f {
        Failure::Usage(_) => USAGE,
        Failure::Sdk(e) => match e {
            E::Validation(_)
            | E::BudgetExceeded { .. }
            | E::MissingApiKey { .. }
            | E::Config(_) => USAGE,
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

    fn key_flag(self) -> &'static str {
        match self {
            Service::Artnex => "--api-key",
            Service::ArtApi => "--artapi-key",
        }
    }

    fn dashboard(self) -> &'static str {
        match self {
            Service::Artnex => "the Artnex dashboard",
            Service::ArtApi => "the provider's dashboard (app.artapi.ai for ArtAPI)",
        }
    }
}

/// What to do about a failure, in one short sentence.
pub fn hint(f: &Failure, service: Service) -> Option<String> {
    use artnex::Error as E;
    let Failure::Sdk(e) = f else {
        return Some("see `artnex <command> --help`".into());
    };
    if e.may_have_been_processed() {
        return Some(
            "the request may have been processed and charged: check your dashboard before sending it again".into(),
        );
    }
    Some(match e {
        E::MissingApiKey { .. } => format!(
            "set {} (or pass {}), or try it on the simulator with --mock",
            service.key_var(),
            service.key_flag()
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
        } => format!("try again in {} s", d.as_secs().max(1)),
        E::RateLimited { .. } => {
            "the daily quota is spent; try again later or upgrade the plan".into()
        }
        E::BudgetExceeded { .. } => {
            "raise --budget or choose a cheaper model (`artnex models`)".into()
        }
        E::JobTimedOut { request_id, .. } => {
            format!("the job goes on; resume with `artnex status {request_id} --wait`")
        }
        E::MediaExpired { .. } => "result URLs are kept for 24 hours; generate again".into(),
        E::Validation(_) => {
            "nothing was sent; fix the request (see `artnex models` for what each model accepts)"
                .into()
        }
        _ => return None,
    })
}

/// Prints a failure (one line on stderr, or a JSON document on stdout) and returns its exit code.
pub fn failure(f: &Failure, json_mode: bool, service: Service) -> ExitCode {
    let code = exit_code(f);
    if json_mode {
        println!("{}", failure_json(f, service));
    } else {
        match hint(f, service) {
            Some(h) => eprintln!("error: {f}\n  hint: {h}"),
            None => eprintln!("error: {f}"),
        }
    }
    ExitCode::from(code)
}

/// The JSON form of a failure.
pub fn failure_json(f: &Failure, service: Service) -> Value {
    let (kind, code, request_id, processed) = match f {
        Failure::Usage(_) => ("usage", None, None, false),
        Failure::Sdk(e) => (
            kind_of(e),
            e.code().map(|c| c.to_string()),
            e.request_id().map(str::to_string),
            e.may_have_been_processed(),
        ),
    };
    json!({
        "ok": false,
        "error": {
            "kind": kind,
            "message": f.to_string(),
            "code": code,
            "request_id": request_id,
            "may_have_been_processed": processed,
            "hint": hint(f, service),
        },
        "exit_code": exit_code(f),
    })
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
        E::JobTimedOut { .. } => "job_timed_out",
        E::MediaExpired { .. } => "media_expired",
        E::Download { .. } => "download",
        E::Io { .. } => "io",
        _ => "other",
    }
}
