//! `artnex`: every Artnex operation from the command line, batches with a resumable journal, and a demo
//! on the embedded simulator. Run `artnex --help`.

mod batch;
mod cli;
mod config;
mod demo;
mod exec;
mod files;
mod gallery;
mod images;
mod journal;
mod lock;
mod logging;
mod out;
mod outdir;
mod progress;
mod report;
mod request;
mod settings;
mod signals;
mod table;

use artnex::any::Outcome;
use artnex::pricing::Estimate;
use clap::{CommandFactory, FromArgMatches};
use cli::{Cli, Command, ConfigCommand, DownloadArgs, StatusArgs, VideoArgs};
use exec::{Failure, NotSaved, UsageError};
use out::{errln, outln};
use progress::{Mode, Spinner};
use request::{Request, RequestExt};
use serde_json::{Value, json};
use settings::Settings;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

/// Speed-up of the embedded simulator under `--mock` (simulated seconds per real second).
const MOCK_SPEED: f64 = 100.0;

/// A configured client, and the embedded simulator behind it when `--mock` is on.
pub struct Conn {
    /// The SDK client.
    pub client: artnex::Client,
    /// Keeps the simulator alive for the command's duration.
    pub mock: Option<artnex_mock::MockServer>,
    /// Simulated seconds per real second (1 against the real API).
    pub speed: f64,
}

impl Conn {
    /// Connects to the embedded simulator or to the configured API.
    pub async fn open(s: &Settings, speed: f64) -> Result<Conn, Failure> {
        // The files are on storage before a command (or a batch journal) reports them saved.
        let mut builder = artnex::Client::builder().durable_downloads(true);
        if let Some(table) = s.price_table() {
            builder = builder.price_table(table.clone());
        }
        if s.mock {
            let mock = artnex_mock::MockServer::builder()
                .speed(speed)
                .start()
                .await
                .map_err(|e| UsageError(format!("cannot start the simulator: {e}")))?;
            let client = builder
                .api_key(artnex_mock::DEFAULT_KEY)
                .base_url(mock.base_url())
                .build()?;
            return Ok(Conn {
                client,
                mock: Some(mock),
                speed,
            });
        }
        let key = s
            .api_key
            .clone()
            .ok_or(Failure::Sdk(artnex::Error::MissingApiKey {
                var: "ARTNEX_API_KEY",
            }))?;
        builder = builder.api_key(key);
        if let Some(url) = &s.base_url {
            builder = builder.base_url(url.clone());
        }
        if let Some(template) = &s.video_status_path {
            builder = builder.video_status_path(template.clone());
        }
        Ok(Conn {
            client: builder.build().map_err(|e| s.client_error(e))?,
            mock: None,
            speed: 1.0,
        })
    }

    /// A poll interval in real time for `simulated` seconds between polls.
    pub fn real(&self, simulated: f64) -> Duration {
        exec::seconds(simulated / self.speed)
    }

    /// Logs the request about to be sent (with `-v`).
    pub fn log_send(&self, req: &Request) {
        {
            let path = req.operation().info().path;
            logging::sending(
                "POST",
                &format!("{}{path}", self.client.base_url().trim_end_matches('/')),
            );
        }
    }
}

/// What `artnex status <id> --wait` needs to find the same job and directory again.
#[derive(Debug, Default)]
struct Resume {
    /// `--base-url` and `-o`, when given on the command line.
    flags: Vec<String>,
    /// `--video-status-path`'s template, when given on the command line.
    status_path_flag: Option<String>,
    /// The video status path in use (from wherever it came).
    status_path: Option<String>,
}

static RESUME: OnceLock<Resume> = OnceLock::new();

/// The command that resumes waiting for a video job.
pub fn resume_command(request_id: &str) -> String {
    let flag = RESUME.get().and_then(|r| r.status_path_flag.clone());
    resume_command_at(request_id, flag)
}

/// The command that resumes waiting for a video job, polling `status_path` when given.
pub fn resume_command_at(request_id: &str, status_path: Option<String>) -> String {
    let mut words: Vec<String> = vec!["artnex".into(), "status".into(), request_id.into()];
    words.push("--wait".into());
    if let Some(r) = RESUME.get() {
        words.extend(r.flags.iter().cloned());
    }
    if let Some(template) = status_path {
        words.extend(["--video-status-path".to_string(), template]);
    }
    batch::shell_line(words)
}

/// The video status path template the command polls.
pub fn status_path() -> &'static str {
    RESUME
        .get()
        .and_then(|r| r.status_path.as_deref())
        .unwrap_or(artnex::client::DEFAULT_VIDEO_STATUS_PATH)
}

fn main() -> ExitCode {
    let json_flag = std::env::args_os().any(|a| a == "--json");
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return clap_failure(e, json_flag),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_failure(e, json_flag),
    };
    logging::init(cli.global.verbose);
    let service = match cli.command {
        Command::Images(_) => report::Service::ArtApi,
        _ => report::Service::Artnex,
    };
    let settings = match Settings::resolve(&cli.global, &matches) {
        Ok(s) => s,
        Err(e) => return report::failure(&e.into(), cli.global.json, service),
    };
    let mut resume = Resume {
        status_path_flag: settings
            .video_status_path
            .clone()
            .filter(|_| settings.video_status_path_on_command_line),
        // The embedded simulator polls its own path.
        status_path: settings
            .video_status_path
            .clone()
            .filter(|_| !settings.mock),
        ..Resume::default()
    };
    if settings.base_url_on_command_line
        && let Some(url) = &settings.base_url
    {
        resume.flags.extend(["--base-url".to_string(), url.clone()]);
    }
    if cli.global.out.is_some() {
        resume
            .flags
            .extend(["-o".to_string(), settings.out.display().to_string()]);
    }
    let _ = RESUME.set(resume);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(report::OTHER);
        }
    };
    match runtime.block_on(run(cli, &settings)) {
        Ok(code) => code,
        Err(f) => report::failure(&f, settings.json, service),
    }
}

/// A command line clap refused (or `--help`/`--version`): printed as clap prints it, or as a JSON error
/// document with `--json`.
fn clap_failure(e: clap::Error, json_mode: bool) -> ExitCode {
    use clap::error::ErrorKind as K;
    let informational = matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if informational || !json_mode {
        // Never panics on a closed stream.
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(report::USAGE));
    }
    let text = e.render().to_string();
    // The error and what is valid (clap's lines before its "For more information" and usage lines).
    let message = text
        .lines()
        .take_while(|l| !l.starts_with("For more information") && !l.starts_with("Usage:"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_string();
    // The help of the command that was meant, when one was named.
    let command = Cli::command();
    let named = std::env::args().skip(1).find(|a| {
        command
            .get_subcommands()
            .any(|c| c.get_name() == a.as_str())
    });
    let hint = match named {
        Some(c) => format!("see `artnex {c} --help`"),
        None => "see `artnex --help`".into(),
    };
    outln!(
        "{}",
        json!({"ok": false, "error": {"kind": "usage", "message": message, "details": text.trim_end(), "code": null, "request_id": null, "may_have_been_processed": false, "hint": hint}, "exit_code": report::USAGE})
    );
    ExitCode::from(report::USAGE)
}

async fn run(cli: Cli, s: &Settings) -> Result<ExitCode, Failure> {
    match &cli.command {
        Command::Generate(a) => op(s, a.request(s)?, None).await,
        Command::Edit(a) => op(s, a.request(s)?, None).await,
        Command::Video(a) => op(s, a.request(s)?, Some(a)).await,
        Command::Tts(a) => op(s, a.request(s)?, None).await,
        Command::Upscale(a) => op(s, a.request(s)?, None).await,
        Command::RemoveBg(a) => op(s, a.request(s)?, None).await,
        Command::Status(a) => status(s, a).await,
        Command::Price { op: p } => {
            let req = p.request(s)?;
            let estimate = exec::preflight(s, &req)?;
            price(s, &req, &estimate)
        }
        Command::Models(a) => {
            let models = table::selected(a.kind.map(cli::KindArg::kind));
            if s.json {
                outln!("{}", table::json(&models));
            } else {
                out::raw(table::render(&models, a.kind.is_none()).as_bytes());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Batch(a) => batch::run(s, a).await,
        Command::Download(a) => download(s, a).await,
        Command::Demo(a) => demo::run(s, a).await,
        Command::Images(a) => images::run(s, a).await,
        Command::Config { action } => config_command(s, action),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "artnex", &mut script);
            out::raw(&script);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The estimate fields of a JSON document.
fn estimate_fields(doc: &mut Value, e: &Estimate) {
    doc["estimate"] = report::estimate_json(e);
    if let Some(why) = report::estimate_reason(e) {
        doc["estimate_reason"] = json!(why);
    }
}

/// `artnex price …` and `--dry-run`: validated and priced already; nothing is sent.
fn price(s: &Settings, req: &Request, estimate: &Estimate) -> Result<ExitCode, Failure> {
    if s.json {
        let mut doc = json!({"ok": true, "op": req.op(), "model": req.model_id(), "sent": false});
        estimate_fields(&mut doc, estimate);
        outln!("{doc}");
    } else {
        let model = req
            .model_id()
            .map(|m| format!(" · {m}"))
            .unwrap_or_default();
        outln!(
            "{}{model}: {} (valid; nothing sent)",
            req.op(),
            report::estimate(estimate)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The output directory, checked to take files before anything is sent.
pub fn out_dir(s: &Settings) -> Result<PathBuf, Failure> {
    files::prepare_out_dir(&s.out).map_err(|e| Failure::Usage(UsageError(e)))
}

/// One operation: check, estimate, send, wait (video), save, report.
async fn op(s: &Settings, req: Request, video: Option<&VideoArgs>) -> Result<ExitCode, Failure> {
    let estimate = exec::preflight(s, &req)?;
    if s.dry_run {
        return price(s, &req, &estimate);
    }
    let out = out_dir(s)?;
    let conn = Conn::open(s, MOCK_SPEED).await?;
    let op_name = req.op();
    let model_id = req.model_id();
    conn.log_send(&req);
    let (request_id, credits, media, duration_seconds) = match req.send(&conn.client).await? {
        Outcome::Done {
            request_id,
            credits_used,
            media,
            duration_seconds,
        } => (
            request_id,
            credits_used.unwrap_or(0),
            media,
            duration_seconds,
        ),
        Outcome::Job(job) => {
            let args = video.cloned();
            let no_wait = args.as_ref().is_some_and(|a| a.no_wait);
            announce_job(s, &conn, job.request_id(), &estimate, no_wait);
            if no_wait {
                if s.json {
                    let mut doc = json!({"ok": true, "op": "video", "request_id": job.request_id(), "status": "submitted"});
                    estimate_fields(&mut doc, &estimate);
                    outln!("{doc}");
                } else {
                    outln!("{}", job.request_id());
                }
                return Ok(ExitCode::SUCCESS);
            }
            let (interval, timeout) = args
                .map(|a| (a.interval, a.timeout))
                .unwrap_or((5.0, 300.0));
            match wait_or_interrupt(s, &conn, &job, interval, timeout).await? {
                Waited::Done(rid, credits, media) => (rid, credits, vec![media], None),
                Waited::Interrupted(code) => return Ok(code),
            }
        }
        _ => {
            return Err(
                UsageError("the SDK returned an outcome this CLI does not know".into()).into(),
            );
        }
    };
    let saved = save_or_report(&media, &out, op_name, request_id.as_deref(), Some(credits)).await?;
    if s.json {
        let mut doc = json!({
            "ok": true,
            "op": op_name,
            "model": model_id,
            "request_id": request_id,
            "credits_used": credits,
            "files": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "urls": media.iter().map(|m| m.url()).collect::<Vec<_>>(),
            "duration_seconds": duration_seconds,
        });
        estimate_fields(&mut doc, &estimate);
        outln!("{doc}");
    } else {
        let model = model_id.map(|m| format!(" · {m}")).unwrap_or_default();
        let id = request_id
            .as_deref()
            .map(|r| format!(" · {r}"))
            .unwrap_or_default();
        outln!(
            "{op_name}{model} · {credits} credits (estimate: {}){id}",
            report::estimate(&estimate)
        );
        for p in &saved {
            outln!("  {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Saves charged results; a failure is reported with what was charged and how to fetch them again.
pub async fn save_or_report(
    media: &[artnex::media::Media],
    out: &Path,
    op: &str,
    request_id: Option<&str>,
    credits: Option<u64>,
) -> Result<Vec<PathBuf>, Failure> {
    exec::save_all(media, out, op, request_id)
        .await
        .map_err(|(saved, cause)| {
            Failure::NotSaved(Box::new(NotSaved {
                op: op.to_string(),
                request_id: request_id.map(str::to_string),
                credits,
                urls: media
                    .iter()
                    .filter_map(|m| m.url().map(str::to_string))
                    .collect(),
                saved,
                out: out.to_path_buf(),
                cause,
            }))
        })
}

/// Says, the moment a video job is accepted and before any waiting, which job it is: on stderr always,
/// and with `--json` (when waiting) as stdout's first line.
fn announce_job(s: &Settings, conn: &Conn, id: &str, estimate: &Estimate, no_wait: bool) {
    if conn.mock.is_some() {
        errln!(
            "video job {id} submitted to the embedded simulator, which stops with this command: it cannot be resumed later (use the standalone `artnex-mock` with --base-url for that)"
        );
    } else if no_wait {
        errln!(
            "video job {id} submitted; resume with `{}`",
            resume_command(id)
        );
    } else {
        errln!(
            "video job {id} submitted (it is charged when it completes); if this command stops, resume with `{}`",
            resume_command(id)
        );
    }
    if s.json && !no_wait {
        let mut doc = json!({"event": "submitted", "op": "video", "request_id": id});
        estimate_fields(&mut doc, estimate);
        outln!("{doc}");
    }
}

/// How waiting for a video job ended.
enum Waited {
    /// Completed: request id, credits, the video.
    Done(Option<String>, u64, artnex::media::Media),
    /// Ctrl-C or SIGTERM: reported; the exit code.
    Interrupted(ExitCode),
}

/// Waits for a job with progress; the first SIGINT or SIGTERM prints how to resume and ends the wait.
async fn wait_or_interrupt(
    s: &Settings,
    conn: &Conn,
    job: &artnex::video::VideoJob,
    interval: f64,
    timeout: f64,
) -> Result<Waited, Failure> {
    let mut signals = signals::Signals::new().ok();
    let interrupted = async {
        match signals.as_mut() {
            Some(sig) => sig.next().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        waited = wait_with_progress(conn, job, interval, timeout, Mode::detect(!s.json)) => {
            let (rid, credits, media) = waited?;
            Ok(Waited::Done(rid, credits, media))
        }
        () = interrupted => {
            let id = job.request_id();
            let (message, hint) = if conn.mock.is_some() {
                (format!("interrupted while waiting for video job {id} on the embedded simulator, which stops with this command"), None)
            } else {
                (
                    format!("interrupted while waiting for video job {id}: the job goes on on the server and is charged when it completes"),
                    Some(format!("resume with `{}`", resume_command(id))),
                )
            };
            if s.json {
                outln!("{}", json!({"ok": false, "error": {"kind": "interrupted", "message": message, "code": null, "request_id": id, "may_have_been_processed": true, "hint": hint}, "exit_code": report::INTERRUPTED}));
            } else {
                match &hint {
                    Some(h) => errln!("{message}\n  {h}"),
                    None => errln!("{message}"),
                }
            }
            Ok(Waited::Interrupted(ExitCode::from(report::INTERRUPTED)))
        }
    }
}

/// Waits for a video job with a spinner (status and elapsed time) on a terminal, plain lines elsewhere.
async fn wait_with_progress(
    conn: &Conn,
    job: &artnex::video::VideoJob,
    interval: f64,
    timeout: f64,
    mode: Mode,
) -> Result<(Option<String>, u64, artnex::media::Media), Failure> {
    let spinner = std::sync::Arc::new(Spinner::new(
        format!("video {} · submitted", job.request_id()),
        mode,
    ));
    let on_state = {
        let spinner = spinner.clone();
        move |st: &artnex::video::JobState| {
            spinner.set(format!("video {} · {}", st.request_id, st.status))
        }
    };
    let result = exec::wait(job, conn.real(interval), conn.real(timeout), on_state).await;
    drop(spinner);
    result.map_err(|e| exec::Unfollowed::classify(job.request_id(), conn.mock.is_none(), e))
}

/// Why `status --mock` is refused.
fn status_mock_refused() -> UsageError {
    UsageError(format!(
        "`status` cannot use --mock: the embedded simulator starts empty in every artnex process, so it \
         knows no job ids and every status would be `not found`. Start the standalone simulator \
         (`artnex-mock`, or `cargo run -p artnex-mock`), then pass its address with \
         `--base-url http://127.0.0.1:8080` and ARTNEX_API_KEY={} to both `artnex video --no-wait` and \
         `artnex status`",
        artnex_mock::DEFAULT_KEY
    ))
}

/// `artnex status ID [--wait]`.
async fn status(s: &Settings, a: &StatusArgs) -> Result<ExitCode, Failure> {
    if s.mock {
        return Err(status_mock_refused().into());
    }
    if s.dry_run {
        // Polls and downloads are free, so the dry answer is the price: nothing.
        if s.json {
            outln!(
                "{}",
                json!({"ok": true, "op": "status", "request_id": a.request_id, "estimate": 0, "sent": false})
            );
        } else {
            outln!(
                "status {}: status polls and downloads cost no credits (nothing sent)",
                a.request_id
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let out = if a.wait { Some(out_dir(s)?) } else { None };
    let conn = Conn::open(s, MOCK_SPEED).await?;
    let job = conn.client.video_job(a.request_id.clone());
    let Some(out) = out else {
        let state = job.poll().await?;
        if s.json {
            outln!(
                "{}",
                json!({"ok": true, "request_id": state.request_id, "status": state.status.as_str(), "video_url": state.video_url, "credits_used": state.credits_used, "error": state.error, "message": state.message})
            );
        } else {
            outln!("{} · {}", state.request_id, state.status);
            if let Some(url) = &state.video_url {
                outln!("  {url}");
            }
            if let Some(msg) = &state.message {
                outln!("  {msg}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let (rid, credits, media) =
        match wait_or_interrupt(s, &conn, &job, a.interval, a.timeout).await? {
            Waited::Done(rid, credits, media) => (rid, credits, media),
            Waited::Interrupted(code) => return Ok(code),
        };
    let saved = save_or_report(
        std::slice::from_ref(&media),
        &out,
        "video",
        rid.as_deref(),
        Some(credits),
    )
    .await?;
    if s.json {
        outln!(
            "{}",
            json!({"ok": true, "request_id": rid, "status": "completed", "credits_used": credits, "files": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(), "urls": [media.url()]})
        );
    } else {
        outln!("video · {credits} credits · {}", rid.unwrap_or_default());
        for p in &saved {
            outln!("  {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The file stem `artnex download` gives a URL: its last two path segments (the request's folder and
/// the file, on Artnex's CDN), made safe.
fn download_stem(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    let segments: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    let last = segments.last().copied().unwrap_or("download");
    let last = last.rsplit_once('.').map_or(last, |(stem, _)| stem);
    let stem = match segments.len() {
        0 | 1 => last.to_string(),
        n => format!("{}-{last}", segments[n - 2]),
    };
    files::safe_stem(&stem)
}

/// `artnex download URL… -o DIR`: results fetched again (free), never replacing a file.
async fn download(s: &Settings, a: &DownloadArgs) -> Result<ExitCode, Failure> {
    let out = out_dir(s)?;
    if s.dry_run {
        if s.json {
            outln!(
                "{}",
                json!({"ok": true, "op": "download", "urls": a.urls, "estimate": 0, "sent": false})
            );
        } else {
            outln!(
                "download: {} URL(s); downloads cost no credits (nothing sent)",
                a.urls.len()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Downloads never carry the key (the SDK's download client has none), so none is needed.
    let client = artnex::Client::builder()
        .api_key(s.api_key.as_deref().unwrap_or("download-only"))
        .durable_downloads(true)
        .build()?;
    let mut saved = Vec::new();
    let mut failed = Vec::new();
    for url in &a.urls {
        logging::sending("GET", url);
        match client
            .media(url.clone())
            .save_new_to_dir(&out, &download_stem(url))
            .await
        {
            Ok(d) => saved.push((url, d.path)),
            Err(e) => failed.push((url, report::sdk_message(&e))),
        }
    }
    if s.json {
        outln!(
            "{}",
            json!({
                "ok": failed.is_empty(),
                "op": "download",
                "files": saved.iter().map(|(_, p)| p.display().to_string()).collect::<Vec<_>>(),
                "failed": failed.iter().map(|(u, e)| json!({"url": u, "error": e})).collect::<Vec<_>>(),
                "exit_code": if failed.is_empty() { 0 } else { report::API },
            })
        );
    } else {
        for (_, p) in &saved {
            outln!("  {}", p.display());
        }
        for (u, e) in &failed {
            errln!("error: {u}: {e}");
        }
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(report::API)
    })
}

/// `artnex config path|show`.
fn config_command(s: &Settings, action: &ConfigCommand) -> Result<ExitCode, Failure> {
    let path = config::path();
    match action {
        ConfigCommand::Path => {
            let Some(p) = path else {
                return Err(UsageError(format!(
                    "no config directory could be found (no home directory): set {} to a file path",
                    config::CONFIG_ENV
                ))
                .into());
            };
            if s.json {
                outln!(
                    "{}",
                    json!({"ok": true, "path": p.display().to_string(), "exists": p.is_file()})
                );
            } else {
                outln!("{}", p.display());
            }
        }
        ConfigCommand::Show => {
            let c = &s.config.config;
            let models = &c.models;
            let default_model = |configured: &Option<String>, builtin: &str| match configured {
                Some(m) => json!({"value": m, "from": "config file"}),
                None => json!({"value": builtin, "from": "default"}),
            };
            let doc = json!({
                "ok": true,
                "path": path.as_ref().map(|p| p.display().to_string()),
                "exists": path.as_ref().is_some_and(|p| p.is_file()),
                "out": {"value": s.out.display().to_string(), "from": s.sources.out},
                "base_url": {"value": s.base_url.clone().unwrap_or_else(|| artnex::client::DEFAULT_BASE_URL.into()), "from": s.sources.base_url},
                "api_key": {"set": s.api_key.is_some(), "from": s.sources.api_key},
                "video_status_path": {"value": s.video_status_path.as_deref().unwrap_or(artnex::client::DEFAULT_VIDEO_STATUS_PATH), "from": s.sources.video_status_path},
                "artapi_base_url": c.artapi_base_url,
                "models": {
                    "generate": default_model(&models.generate, request::DEFAULT_GENERATE_MODEL),
                    "edit": default_model(&models.edit, request::DEFAULT_EDIT_MODEL),
                    "video": default_model(&models.video, request::DEFAULT_VIDEO_MODEL),
                    "video_from_image": default_model(&models.video_from_image, request::DEFAULT_I2V_MODEL),
                    "tts": default_model(&models.tts, artnex::tts::DEFAULT_MODEL.id()),
                    "images": default_model(&models.images, images::DEFAULT_MODEL),
                },
                "prices": c.prices,
                "price_flags": s.price_flags(),
                "voices": c.voices,
            });
            if s.json {
                outln!("{doc}");
            } else {
                let shown = |v: &Value| {
                    format!(
                        "{} ({})",
                        v["value"].as_str().unwrap_or_default(),
                        v["from"].as_str().unwrap_or_default()
                    )
                };
                match &path {
                    Some(p) if p.is_file() => outln!("config file: {}", p.display()),
                    Some(p) => outln!("config file: {} (none there; defaults apply)", p.display()),
                    None => outln!(
                        "config file: none (no home directory; set {})",
                        config::CONFIG_ENV
                    ),
                };
                outln!("out: {}", shown(&doc["out"]));
                outln!("base_url: {}", shown(&doc["base_url"]));
                outln!("video_status_path: {}", shown(&doc["video_status_path"]));
                outln!(
                    "api_key: {} (never printed)",
                    if s.api_key.is_some() {
                        format!("set, from {}", s.sources.api_key)
                    } else {
                        "not set".into()
                    }
                );
                for op in [
                    "generate",
                    "edit",
                    "video",
                    "video_from_image",
                    "tts",
                    "images",
                ] {
                    outln!("model for {op}: {}", shown(&doc["models"][op]));
                }
                for (k, v) in &c.prices {
                    outln!("price {k} = {v} (config file)");
                }
                for spec in s.price_flags() {
                    outln!("price {spec} (--price)");
                }
                for (model, voices) in &c.voices {
                    outln!("voices of {model}: {}", voices.join(", "));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_come_from_the_url_path() {
        assert_eq!(
            download_stem("https://cdn.example/img/req_abc/image_0.png?sig=1"),
            "req_abc-image_0"
        );
        assert_eq!(download_stem("https://cdn.example/a.png"), "a");
        assert_eq!(download_stem("https://cdn.example/"), "download");
        let hostile = download_stem("https://cdn.example/../x/..%2f.png");
        assert_eq!(files::safe_stem(&hostile), hostile);
        assert!(
            !hostile.contains('/') && !hostile.starts_with('.'),
            "{hostile}"
        );
    }
}
