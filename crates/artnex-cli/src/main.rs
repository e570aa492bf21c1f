//! `artnex`: every Artnex operation from the command line, batches with a resumable journal, and a demo
//! on the embedded simulator. Run `artnex --help`.

mod batch;
mod cli;
mod demo;
mod exec;
mod files;
mod gallery;
mod images;
mod journal;
mod lock;
mod outdir;
mod progress;
mod report;
mod request;
mod signals;
mod table;

use artnex::any::Outcome;
use clap::{CommandFactory, Parser};
use cli::{Cli, Command, Global, StatusArgs, VideoArgs};
use exec::{Failure, UsageError};
use progress::Progress;
use request::{Request, RequestExt};
use serde_json::{Value, json};
use std::process::ExitCode;
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
    pub async fn open(global: &Global, speed: f64) -> Result<Conn, Failure> {
        if global.mock {
            let mock = artnex_mock::MockServer::builder()
                .speed(speed)
                .start()
                .await
                .map_err(|e| {
                    Failure::Usage(UsageError(format!("cannot start the simulator: {e}")))
                })?;
            let client = artnex::Client::builder()
                .api_key(artnex_mock::DEFAULT_KEY)
                .base_url(mock.base_url())
                .durable_downloads(true)
                .build()?;
            return Ok(Conn {
                client,
                mock: Some(mock),
                speed,
            });
        }
        let key = global
            .api_key
            .clone()
            .ok_or(Failure::Sdk(artnex::Error::MissingApiKey {
                var: "ARTNEX_API_KEY",
            }))?;
        // The files are on storage before a command (or a batch journal) reports them saved.
        let mut builder = artnex::Client::builder()
            .api_key(key)
            .durable_downloads(true);
        if let Some(url) = &global.base_url {
            builder = builder.base_url(url.clone());
        }
        Ok(Conn {
            client: builder.build()?,
            mock: None,
            speed: 1.0,
        })
    }

    /// A poll interval in real time for `simulated` seconds between polls.
    pub fn real(&self, simulated: f64) -> Duration {
        exec::seconds(simulated / self.speed)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json_mode = cli.global.json;
    let service = match cli.command {
        Command::Images(_) => report::Service::ArtApi,
        _ => report::Service::Artnex,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(report::OTHER);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(f) => report::failure(&f, json_mode, service),
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let g = &cli.global;
    match &cli.command {
        Command::Generate(a) => op(g, a.request()?, None).await,
        Command::Edit(a) => op(g, a.request()?, None).await,
        Command::Video(a) => op(g, a.request()?, Some(a)).await,
        Command::Tts(a) => op(g, a.request()?, None).await,
        Command::Upscale(a) => op(g, a.request()?, None).await,
        Command::RemoveBg(a) => op(g, a.request()?, None).await,
        Command::Status(a) => status(g, a).await,
        Command::Price { op: p } => price(g, &p.request()?),
        Command::Models(a) => {
            let models = table::selected(a.kind.map(cli::KindArg::kind));
            if g.json {
                println!("{}", table::json(&models));
            } else {
                print!("{}", table::render(&models, a.kind.is_none()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Batch(a) => batch::run(g, a).await,
        Command::Demo(a) => demo::run(g, a).await,
        Command::Images(a) => images::run(g, a).await,
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "artnex",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn estimate_json(e: &artnex::pricing::Estimate) -> Value {
    match e.credits() {
        Some(c) => json!(c),
        None => json!(e.to_string()),
    }
}

/// `artnex price …` and `--dry-run`: validate and price, send nothing.
fn price(g: &Global, req: &Request) -> Result<ExitCode, Failure> {
    let estimate = req.estimate(None)?;
    if g.json {
        println!(
            "{}",
            json!({"ok": true, "op": req.op(), "model": req.model_id(), "estimate": estimate_json(&estimate), "sent": false})
        );
    } else {
        let model = req
            .model_id()
            .map(|m| format!(" · {m}"))
            .unwrap_or_default();
        println!("{}{model}: {estimate} (valid; nothing sent)", req.op());
    }
    Ok(ExitCode::SUCCESS)
}

/// One operation: validate, estimate, send, wait (video), download, report.
async fn op(g: &Global, req: Request, video: Option<&VideoArgs>) -> Result<ExitCode, Failure> {
    if g.dry_run {
        exec::check_local_files(&req)?;
        return price(g, &req);
    }
    let conn = Conn::open(g, MOCK_SPEED).await?;
    let estimate = req.estimate(conn.client.price_table())?;
    let out = files::ensure_dir(&g.out).map_err(|e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(g.out.clone()),
            source: e,
        })
    })?;
    let op_name = req.op();
    let model_id = req.model_id();
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
            if args.as_ref().is_some_and(|a| a.no_wait) {
                if g.json {
                    println!(
                        "{}",
                        json!({"ok": true, "op": "video", "request_id": job.request_id(), "status": "submitted", "estimate": estimate_json(&estimate)})
                    );
                } else {
                    println!("{}", job.request_id());
                    if g.mock {
                        eprintln!(
                            "submitted to the embedded simulator, which stops with this command: \
                             the job cannot be resumed (use the standalone `artnex-mock` with --base-url for that)"
                        );
                    } else {
                        eprintln!(
                            "submitted; resume with `artnex status {} --wait`",
                            job.request_id()
                        );
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let (interval, timeout) = args
                .map(|a| (a.interval, a.timeout))
                .unwrap_or((5.0, 300.0));
            let (rid, credits, media) =
                wait_with_progress(&conn, &job, interval, timeout, !g.json).await?;
            (rid, credits, vec![media], None)
        }
        _ => {
            return Err(
                UsageError("the SDK returned an outcome this CLI does not know".into()).into(),
            );
        }
    };
    let saved = exec::save_all(&media, &out, op_name, request_id.as_deref()).await?;
    if g.json {
        println!(
            "{}",
            json!({
                "ok": true,
                "op": op_name,
                "model": model_id,
                "request_id": request_id,
                "credits_used": credits,
                "estimate": estimate_json(&estimate),
                "files": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "urls": media.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                "duration_seconds": duration_seconds,
            })
        );
    } else {
        let model = model_id.map(|m| format!(" · {m}")).unwrap_or_default();
        let id = request_id
            .as_deref()
            .map(|r| format!(" · {r}"))
            .unwrap_or_default();
        println!("{op_name}{model} · {credits} credits (estimate: {estimate}){id}");
        for p in &saved {
            println!("  {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Waits for a video job with a spinner (status and elapsed time) on a terminal.
async fn wait_with_progress(
    conn: &Conn,
    job: &artnex::video::VideoJob,
    interval: f64,
    timeout: f64,
    show: bool,
) -> Result<(Option<String>, u64, artnex::media::Media), Failure> {
    let spinner = std::sync::Arc::new(Progress::spinner(
        format!("video {} · submitted", job.request_id()),
        show,
    ));
    let on_state = {
        let spinner = spinner.clone();
        move |s: &artnex::video::JobState| {
            spinner.set(format!("video {} · {}", s.request_id, s.status))
        }
    };
    let result = exec::wait(job, conn.real(interval), conn.real(timeout), on_state).await;
    drop(spinner);
    Ok(result?)
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
async fn status(g: &Global, a: &StatusArgs) -> Result<ExitCode, Failure> {
    if g.mock {
        return Err(status_mock_refused().into());
    }
    if g.dry_run {
        // Polls and downloads are free, so the dry answer is the price: nothing.
        if g.json {
            println!(
                "{}",
                json!({"ok": true, "op": "status", "request_id": a.request_id, "estimate": 0, "sent": false})
            );
        } else {
            println!(
                "status {}: status polls and downloads cost no credits (nothing sent)",
                a.request_id
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let conn = Conn::open(g, MOCK_SPEED).await?;
    let job = conn.client.video_job(a.request_id.clone());
    if !a.wait {
        let state = job.poll().await?;
        if g.json {
            println!(
                "{}",
                json!({"ok": true, "request_id": state.request_id, "status": state.status.as_str(), "video_url": state.video_url, "credits_used": state.credits_used, "error": state.error, "message": state.message})
            );
        } else {
            println!("{} · {}", state.request_id, state.status);
            if let Some(url) = &state.video_url {
                println!("  {url}");
            }
            if let Some(msg) = &state.message {
                println!("  {msg}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let out = files::ensure_dir(&g.out).map_err(|e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(g.out.clone()),
            source: e,
        })
    })?;
    let (rid, credits, media) =
        wait_with_progress(&conn, &job, a.interval, a.timeout, !g.json).await?;
    let saved = exec::save_all(std::slice::from_ref(&media), &out, "video", rid.as_deref()).await?;
    if g.json {
        println!(
            "{}",
            json!({"ok": true, "request_id": rid, "status": "completed", "credits_used": credits, "files": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(), "urls": [media.to_string()]})
        );
    } else {
        println!("video · {credits} credits · {}", rid.unwrap_or_default());
        for p in &saved {
            println!("  {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
