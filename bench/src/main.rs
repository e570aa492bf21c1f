//! `artnex-bench`: what the artnex SDK costs against raw reqwest and against async-openai, measured side by
//! side in one process and one run, against the local simulator on 127.0.0.1.
//!
//! ```text
//! cargo run --release -p artnex-bench --features peer -- --write BENCHMARKS.md   # full run, a few minutes
//! cargo run --release -p artnex-bench -- --quick                                 # smoke run, no peers
//! ```
//!
//! The simulator runs on its own tokio runtime (its threads' CPU time is read from /proc for target 8);
//! the clients run on a second runtime whose threads are the only ones the counting allocator counts.
//! Every comparison alternates the SDK and its baseline in batches after a warm-up, and reports medians.
//! See BENCHMARKS.md at the repository root for the results and what they mean.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alloc;
mod calls;
mod cpu;
mod media;
mod polling;
mod report;
mod requests;
mod scale;
mod stats;
mod uploads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use artnex_mock::{KeyConfig, MockServer, Plan};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use bytes::Bytes;

use crate::calls::{ARTAPI_KEY, KEY, Result};
use crate::report::Report;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// How much work each target does.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Warm-up calls per side.
    pub warmup: usize,
    /// Alternating batches per side for target 1.
    pub seq_rounds: usize,
    /// Calls per batch for target 1.
    pub seq_per_round: usize,
    /// Sequential calls over which allocations are counted.
    pub alloc_calls: usize,
    /// Rounds per side at 64 concurrent (targets 2 and 3).
    pub conc_rounds: usize,
    /// Calls per round at 64 concurrent.
    pub conc_per_round: usize,
    /// Independent runs of target 2 (its row is their median).
    pub conc_runs: usize,
    /// Rounds per server for target 8.
    pub cpu_rounds: usize,
    /// Calls per round for target 8.
    pub cpu_per_round: usize,
    /// Size of the downloaded video's padding (target 4).
    pub download_bytes: u64,
    /// Counted download rounds.
    pub download_rounds: usize,
    /// Encode pairs (target 5).
    pub encode_reps: usize,
    /// Counted upload pairs per operation and source (target 5).
    pub upload_reps: usize,
    /// Batch sizes in lines (target 9): 1x, 10x, 100x.
    pub batch_sizes: &'static [usize],
    /// Video fleet sizes in jobs (target 10): 1x, 10x, 100x.
    pub fleet_sizes: &'static [usize],
}

impl Sizes {
    const FULL: Sizes = Sizes {
        warmup: 300,
        seq_rounds: 20,
        seq_per_round: 250,
        alloc_calls: 500,
        conc_rounds: 12,
        conc_per_round: 2500,
        conc_runs: 3,
        cpu_rounds: 10,
        cpu_per_round: 3000,
        download_bytes: 256 * 1024 * 1024,
        download_rounds: 3,
        encode_reps: 30,
        upload_reps: 8,
        batch_sizes: &[1_000, 10_000, 100_000],
        fleet_sizes: &[10, 100, 1_000],
    };
    const QUICK: Sizes = Sizes {
        warmup: 50,
        seq_rounds: 4,
        seq_per_round: 100,
        alloc_calls: 100,
        conc_rounds: 2,
        conc_per_round: 500,
        conc_runs: 1,
        cpu_rounds: 2,
        cpu_per_round: 500,
        download_bytes: 32 * 1024 * 1024,
        download_rounds: 1,
        encode_reps: 6,
        upload_reps: 2,
        batch_sizes: &[1_000, 10_000],
        fleet_sizes: &[10, 100],
    };
}

/// Everything the targets share: the simulators and the settings.
pub struct Ctx {
    /// Work per target.
    pub sizes: Sizes,
    /// Simulator for request-level targets (1, 2, 3, 5, 8).
    pub main: MockServer,
    /// Simulator whose videos carry `download_bytes` of padding (4).
    pub video: MockServer,
    /// Simulator at `poll_speed` for the polling target (6).
    pub poll: MockServer,
    /// Speed-up of `poll`.
    pub poll_speed: f64,
    /// Base URL of the empty axum handler (8).
    pub empty_base: String,
    /// Simulator of the batch target (9), at speed 1000.
    pub scale: MockServer,
    /// Simulator of the video fleet (10), at `fleet_speed`, counting status requests per job.
    pub fleet: MockServer,
    /// Speed-up of `fleet`.
    pub fleet_speed: f64,
    /// Status requests per job id on `fleet`.
    pub fleet_polls: scale::PollCounts,
    /// Scratch directory for downloads.
    pub tmp: PathBuf,
}

struct Args {
    quick: bool,
    write: Option<PathBuf>,
    only: Option<Vec<u8>>,
    /// `--loop SIDE N`: N sequential generate calls of one side only (for a profiler), then exit.
    profile: Option<(calls::Side, usize)>,
    /// `--concurrency C` with `--loop`: the N calls made by C tasks at once (target 2's shape).
    concurrency: usize,
}

const USAGE: &str = "usage: artnex-bench [--quick] [--write BENCHMARKS.md] [--only 1,2,...]

  --quick        smoke run: small counts (seconds, not minutes); numbers are noisy
  --write PATH   write the results between the markers in PATH (created if missing)
  --only LIST    run only these targets (1-6, 8-10; target 7 is bench/build-cost.sh)
  --loop SIDE N  N sequential generate calls by one side only (sdk, raw, raw-timeouts, generated), for a
                 profiler (e.g. `perf record`); prints the mean time per call
  --concurrency C  with --loop: the N calls are made by C tasks at once (target 2 uses 64)

Build with `--features peer` to include async-openai (target 3).";

fn parse_args() -> std::result::Result<Args, String> {
    let mut args = Args {
        quick: false,
        write: None,
        only: None,
        profile: None,
        concurrency: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.quick = true,
            "--write" => args.write = Some(it.next().ok_or("--write needs a path")?.into()),
            "--only" => {
                let list = it.next().ok_or("--only needs a list")?;
                let parsed: std::result::Result<Vec<u8>, _> =
                    list.split(',').map(|s| s.trim().parse::<u8>()).collect();
                args.only = Some(parsed.map_err(|_| format!("bad --only list {list:?}"))?);
            }
            "--loop" => {
                let side = match it.next().as_deref() {
                    Some("sdk") => calls::Side::Sdk,
                    Some("raw") => calls::Side::Raw,
                    Some("raw-timeouts") => calls::Side::RawTimeouts,
                    Some("generated") => calls::Side::Generated,
                    _ => return Err("--loop needs sdk, raw, raw-timeouts or generated".into()),
                };
                let n = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--loop needs a call count")?;
                args.profile = Some((side, n));
            }
            "--concurrency" => {
                args.concurrency = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .ok_or("--concurrency needs a positive number")?;
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    Ok(args)
}

const EMPTY_BODY: &str = r#"{"success":true,"images":[{"url":"http://127.0.0.1:1/cdn/gen/req_0123456789abcdef/image_0.png"}],"request_id":"req_0123456789abcdef","credits_used":100}"#;

/// The empty handler: reads the body, answers a fixed generate-shaped JSON.
async fn empty_handler(_body: Bytes) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], EMPTY_BODY)
}

async fn empty_server() -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route("/v1/generate", axum::routing::post(empty_handler));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}

fn simulator(speed: f64, padding: u64) -> artnex_mock::MockBuilder {
    MockServer::builder()
        .key(KeyConfig::artnex(KEY, Plan::Custom(u32::MAX), u64::MAX / 4))
        .key(KeyConfig::artapi(
            ARTAPI_KEY,
            Plan::Custom(u32::MAX),
            u64::MAX / 4,
        ))
        .speed(speed)
        .video_padding_bytes(padding)
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = read_trim("/proc/cpuinfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = read_trim("/proc/meminfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.0} GiB RAM", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown RAM".into());
    let kernel = read_trim("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into());
    let rustc = command_output("rustc", &["--version"]).unwrap_or_else(|| "rustc ?".into());
    format!("{cores} cores ({model}), {mem}, Linux {kernel}, {rustc}")
}

fn load() -> String {
    read_trim("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

async fn run(ctx: Ctx, only: Option<Vec<u8>>) -> Result<Report> {
    let mut report = Report::default();
    let wanted = |t: u8| only.as_ref().is_none_or(|l| l.contains(&t));
    if wanted(1) || wanted(2) {
        requests::overhead(&ctx, &mut report).await?;
    }
    if wanted(3) {
        requests::peer(&ctx, &mut report).await?;
    }
    if wanted(4) {
        media::downloads(&ctx, &mut report).await?;
    }
    if wanted(5) {
        uploads::uploads(&ctx, &mut report).await?;
    }
    if wanted(6) {
        polling::polling(&ctx, &mut report).await?;
    }
    if only.is_none() {
        report.row(
            report::Row::new("7", "build cost: artnex vs async-openai (image)")
                .figures("see \"Build cost\" (bench/build-cost.sh)", "-")
                .goal("reported", report::Verdict::Info),
        );
    }
    if wanted(8) {
        requests::server_cpu(&ctx, &mut report).await?;
    }
    if wanted(9) {
        scale::batch(&ctx, &mut report).await?;
    }
    if wanted(10) {
        scale::fleet(&ctx, &mut report).await?;
    }
    let _ = tokio::fs::remove_dir_all(&ctx.tmp).await;
    Ok(report)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match real_main(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("artnex-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn real_main(args: Args) -> Result<()> {
    let started = Instant::now();
    let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let load_start = load();
    let sizes = if args.quick {
        Sizes::QUICK
    } else {
        Sizes::FULL
    };
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for meaningful numbers");
    }
    let threads = 2;
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("bench-server")
        .on_thread_start(cpu::register_this_thread)
        .enable_all()
        .build()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("bench-client")
        .on_thread_start(|| {
            alloc::track_this_thread();
            cpu::register_client_thread();
        })
        .enable_all()
        .build()?;
    let poll_speed = 20.0;
    let fleet_speed = 20.0;
    let fleet_polls = scale::PollCounts::default();
    let counts = fleet_polls.clone();
    let (main_sim, video_sim, poll_sim, empty_base, scale_sim, fleet_sim) =
        server_rt.block_on(async {
            Ok::<_, calls::BoxError>((
                simulator(1.0, 0).start().await?,
                simulator(1000.0, sizes.download_bytes).start().await?,
                simulator(poll_speed, 0).start().await?,
                empty_server().await?,
                simulator(1000.0, 0).start().await?,
                simulator(fleet_speed, 0)
                    .on_request(move |r| {
                        if let Some(id) = scale::polled_job(&r.method, &r.path)
                            && let Ok(mut c) = counts.lock()
                        {
                            *c.entry(id).or_insert(0) += 1;
                        }
                    })
                    .start()
                    .await?,
            ))
        })?;
    let tmp = std::env::temp_dir().join(format!("artnex-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let ctx = Ctx {
        sizes,
        main: main_sim,
        video: video_sim,
        poll: poll_sim,
        poll_speed,
        empty_base,
        scale: scale_sim,
        fleet: fleet_sim,
        fleet_speed,
        fleet_polls,
        tmp,
    };
    println!(
        "artnex-bench: {} mode, async-openai {}; simulator at {}",
        if args.quick { "quick" } else { "full" },
        if cfg!(feature = "peer") {
            "included"
        } else {
            "not built (add --features peer)"
        },
        ctx.main.base_url()
    );
    if let Some((side, n)) = args.profile {
        let base = ctx.main.base_url();
        let concurrency = args.concurrency;
        let rate = client_rt.block_on(async move {
            tokio::spawn(async move {
                let g = std::sync::Arc::new(calls::Generate::new(&base)?);
                let call = move || {
                    let g = g.clone();
                    async move { g.call(side).await }
                };
                // Warm-up: connections open, the simulator's maps grown.
                requests::burst(call.clone(), 200.max(concurrency * 4), concurrency).await?;
                requests::burst(call, n, concurrency).await
            })
            .await
        })??;
        println!(
            "{side:?}: {n} generate calls, {concurrency} at a time, {:.1} µs per call",
            1e6 / rate
        );
        let _ = std::fs::remove_dir_all(&ctx.tmp);
        return Ok(());
    }
    let only = args.only.clone();
    // Everything runs on the client runtime's worker threads (the main thread is not counted).
    let report = client_rt.block_on(async move { tokio::spawn(run(ctx, only)).await })??;
    let elapsed = started.elapsed().as_secs_f64();
    let mut flags = Vec::new();
    if args.quick {
        flags.push("--quick".to_string());
    }
    if let Some(only) = &args.only {
        flags.push(format!(
            "--only {}",
            only.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
        ));
    }
    if let Some(w) = &args.write {
        flags.push(format!("--write {}", w.display()));
    }
    let header = vec![
        format!(
            "Command: `cargo run --release -p artnex-bench{} -- {}`",
            if cfg!(feature = "peer") {
                " --features peer"
            } else {
                ""
            },
            flags.join(" ")
        ),
        String::new(),
        format!("Machine: {}.", machine()),
        String::new(),
        format!(
            "Run: {date}, {} mode, {}{elapsed:.0} s for the harness (excluding compilation); load average {load_start} at the start, {} at the end (1, 5, 15 min). The simulator and the clients share the machine: each has its own {threads}-worker tokio runtime in this one process.",
            if args.quick { "quick" } else { "full" },
            if cfg!(debug_assertions) {
                "DEBUG BUILD, "
            } else {
                ""
            },
            load()
        ),
    ];
    println!("\n{}", report.markdown(&header));
    if let Some(path) = &args.write {
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        std::fs::write(path, report::splice(&doc, &report.markdown(&header)))?;
        println!("wrote {}", path.display());
    }
    drop(client_rt);
    drop(server_rt);
    Ok(())
}
