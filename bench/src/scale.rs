//! Targets 9 and 10: how the cost grows with the work, as tables of size → cost at 1x, 10x and 100x.
//!
//! - 9: `artnex batch -j 64` (the CLI binary, run as a child process against the bench's simulator) on
//!   batches of cheap generate items, against an SDK loop making the same requests and saving the same
//!   files at the same concurrency; resuming the finished journal; the child's peak RSS; the gallery.
//! - 10: a fleet of video jobs waited on concurrently by one client: status requests per job, client CPU
//!   per poll against raw reqwest pollers, memory per waiting job.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use artnex::Model;
use artnex::video::WaitOptions;
use artnex_mock::MockServer;
use tokio::task::JoinSet;

use crate::Ctx;
use crate::alloc;
use crate::calls::{KEY, Result, raw_client};
use crate::cpu::CpuSnapshot;
use crate::report::{Report, Row, Verdict, mib};

/// A file in the temporary directory touched when target 9 has deleted its files.
const CLEANUP_MARK: &str = "artnex-bench-target9-deleted";

/// How long after a mass deletion file creation is measured to be slower (ext4 skips inodes freed in
/// the last 60-300 s when it allocates one).
const AFTER_DELETION: Duration = Duration::from_secs(300);

/// How long ago an earlier run of target 9 deleted its files, if less than [`AFTER_DELETION`].
fn deleted_recently(mark: &Path) -> Option<Duration> {
    std::fs::metadata(mark)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .filter(|age| *age < AFTER_DELETION)
}

/// Items in flight, for the CLI and the SDK loop alike.
const CONCURRENCY: usize = 64;

/// The prompt of batch line `i` (every line differs, as in a real batch).
fn prompt(i: usize) -> String {
    format!("a lighthouse on a cliff at dusk, study {i}")
}

/// The CLI binary next to this one (`cargo build --release -p artnex-cli` puts it there).
fn cli_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe
        .parent()?
        .join(format!("artnex{}", std::env::consts::EXE_SUFFIX));
    bin.is_file().then_some(bin)
}

/// Peak resident set of a running process (`VmHWM`, in bytes), Linux only.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// One run of the CLI.
struct CliRun {
    secs: f64,
    peak_rss: u64,
    /// The summary line of `--json` output.
    summary: serde_json::Value,
}

/// Runs `artnex batch FILE -j 64 -o OUT --json` against `base`; stdout goes to a file in `dir`.
async fn run_cli(bin: &Path, base: &str, file: &Path, out: &Path, dir: &Path) -> Result<CliRun> {
    let stdout = dir.join("stdout.jsonl");
    let log = std::fs::File::create(&stdout)?;
    let start = Instant::now();
    let mut child = tokio::process::Command::new(bin)
        .arg("batch")
        .arg(file)
        .args(["-j", &CONCURRENCY.to_string(), "--json", "-o"])
        .arg(out)
        .env("ARTNEX_API_KEY", KEY)
        .env("ARTNEX_BASE_URL", base)
        .env_remove("ARTNEX_MOCK")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id().unwrap_or(0);
    // The peak RSS only grows: sample it until the process is gone.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                if let Some(v) = vm_hwm(pid) {
                    peak = peak.max(v);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        })
    };
    let mut stderr = child.stderr.take();
    let err_text = tokio::spawn(async move {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            use tokio::io::AsyncReadExt as _;
            let _ = s.read_to_string(&mut text).await;
        }
        text
    });
    let status = child.wait().await?;
    let secs = start.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let peak_rss = sampler.join().unwrap_or(0);
    let err_text = err_text.await.unwrap_or_default();
    let text = std::fs::read_to_string(&stdout)?;
    let summary = text
        .lines()
        .rev()
        .find_map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v.get("summary").cloned())
        })
        .ok_or_else(|| format!("artnex batch printed no summary ({status}): {err_text}"))?;
    if !status.success() {
        return Err(format!("artnex batch failed ({status}): {summary} {err_text}").into());
    }
    Ok(CliRun {
        secs,
        peak_rss,
        summary,
    })
}

/// The SDK loop: the same generate requests at the same concurrency, each result saved like the CLI
/// names it. Returns items per second.
async fn sdk_loop(base: &str, n: usize, out: &Path) -> Result<f64> {
    let sdk = artnex::Client::builder()
        .api_key(KEY)
        .base_url(base)
        .build()?;
    tokio::fs::create_dir_all(out).await?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (sdk, next, out) = (sdk.clone(), next.clone(), out.to_path_buf());
        set.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), crate::calls::BoxError>(());
                }
                let result = sdk
                    .generate(prompt(i))
                    .model(Model::ZImageTurbo)
                    .size(64, 64)
                    .send()
                    .await?;
                let id = result.request_id.clone().unwrap_or_default();
                for image in &result.images {
                    image.save_to_dir(&out, &format!("generate-{id}")).await?;
                }
            }
        });
    }
    while let Some(joined) = set.join_next().await {
        joined??;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Puts what has been written to the file system that `dir` is on onto storage (`sync -f`), so that the
/// next timed part does not pay for the previous one's writeback; nothing where `sync -f` is missing.
async fn settle_disk(dir: &Path) {
    let _ = tokio::process::Command::new("sync")
        .arg("-f")
        .arg(dir)
        .status()
        .await;
}

/// The largest `.html` file in `dir` and how many there are.
fn html_files(dir: &Path) -> (u64, usize) {
    let mut largest = 0;
    let mut count = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().ends_with(".html") {
            count += 1;
            largest = largest.max(entry.metadata().map(|m| m.len()).unwrap_or(0));
        }
    }
    (largest, count)
}

/// CPU spent per item while one side of 9a ran: by the whole machine and, of that, by the simulator's
/// threads. Both sides make the same requests of the same simulator, so the rest is the client and the
/// kernel work it causes (writeback, interrupts): where the two sides differ.
#[derive(Clone, Copy)]
struct ItemCpu {
    machine_us: f64,
    simulator_us: f64,
}

impl std::fmt::Display for ItemCpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0} µs (simulator {:.0}, the rest {:.0})",
            self.machine_us,
            self.simulator_us,
            self.machine_us - self.simulator_us
        )
    }
}

/// The CPU counters at the start of a timed part.
struct CpuMark {
    machine: Option<u64>,
    simulator: CpuSnapshot,
}

impl CpuMark {
    fn now() -> CpuMark {
        CpuMark {
            machine: crate::cpu::machine_busy_ns(),
            simulator: CpuSnapshot::take(),
        }
    }

    /// Per item of `n`, since the mark; `None` where the machine's counters cannot be read.
    fn per_item(&self, n: usize) -> Option<ItemCpu> {
        let machine = crate::cpu::machine_busy_ns()?.saturating_sub(self.machine?);
        let simulator = CpuSnapshot::take().since(&self.simulator);
        let per = |ns: u64| ns as f64 / 1000.0 / n.max(1) as f64;
        Some(ItemCpu {
            machine_us: per(machine),
            simulator_us: per(simulator),
        })
    }
}

/// Measured at one batch size.
struct BatchPoint {
    n: usize,
    cli: f64,
    sdk: f64,
    cli_cpu: Option<ItemCpu>,
    sdk_cpu: Option<ItemCpu>,
    resume_secs: f64,
    rss: u64,
    resume_rss: u64,
    html_largest: u64,
    html_files: usize,
}

/// Target 9.
pub async fn batch(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let Some(bin) = cli_binary() else {
        report.row(
            Row::new("9", "batch at scale: `artnex batch -j 64` vs an SDK loop")
                .figures("the `artnex` binary is not built", "-")
                .goal("≥ 0.8", Verdict::NotMeasured),
        );
        report.note("9: build the CLI first: `cargo build --release -p artnex-cli` (it must sit next to the artnex-bench binary).");
        return Ok(());
    };
    let sizes = ctx.sizes.batch_sizes;
    println!("target 9: artnex batch -j {CONCURRENCY} at {sizes:?} lines vs an SDK loop");
    let cleanup_mark = std::env::temp_dir().join(CLEANUP_MARK);
    if let Some(age) = deleted_recently(&cleanup_mark) {
        report.note(format!(
            "9: started {} s after an earlier run of target 9 deleted its files: for a few minutes after a mass deletion ext4 slows every file creation, the SDK loop's most, so this run's 9a may not be comparable (BENCHMARKS.md, \"Run it\").",
            age.as_secs()
        ));
    }
    let base = ctx.scale.base_url();
    let mut points = Vec::new();
    let mut dirs = Vec::new();
    for (round, &n) in sizes.iter().enumerate() {
        let dir = ctx.tmp.join(format!("batch-{n}"));
        tokio::fs::create_dir_all(&dir).await?;
        let file = dir.join("items.jsonl");
        let mut text = String::with_capacity(n * 120);
        for i in 0..n {
            text.push_str(
                &serde_json::json!({"op": "generate", "prompt": prompt(i), "model": "z-image-turbo", "width": 64, "height": 64})
                    .to_string(),
            );
            text.push('\n');
        }
        tokio::fs::write(&file, text).await?;
        let out = dir.join("out");
        let sdk_out = dir.join("sdk-out");
        // Alternate which side goes first. Before each timed part the file system is synced (untimed):
        // the SDK loop leaves its files for the kernel to write back later, and the CLI, which makes its
        // own durable, would otherwise also pay for writing out the SDK loop's.
        let (mut sdk, mut sdk_cpu) = (0.0, None);
        if round % 2 == 1 {
            settle_disk(&dir).await;
            let mark = CpuMark::now();
            sdk = sdk_loop(&base, n, &sdk_out).await?;
            sdk_cpu = mark.per_item(n);
        }
        settle_disk(&dir).await;
        let mark = CpuMark::now();
        let first = run_cli(&bin, &base, &file, &out, &dir).await?;
        let cli_cpu = mark.per_item(n);
        if first.summary["done"].as_u64() != Some(n as u64) {
            return Err(format!("artnex batch: {}", first.summary).into());
        }
        if round % 2 == 0 {
            settle_disk(&dir).await;
            let mark = CpuMark::now();
            sdk = sdk_loop(&base, n, &sdk_out).await?;
            sdk_cpu = mark.per_item(n);
        }
        settle_disk(&dir).await;
        let resumed = run_cli(&bin, &base, &file, &out, &dir).await?;
        if resumed.summary["already_done"].as_u64() != Some(n as u64) {
            return Err(format!("artnex batch resume: {}", resumed.summary).into());
        }
        let (html_largest, html_files) = html_files(&out);
        points.push(BatchPoint {
            n,
            cli: n as f64 / first.secs,
            sdk,
            cli_cpu,
            sdk_cpu,
            resume_secs: resumed.secs,
            rss: first.peak_rss,
            resume_rss: resumed.peak_rss,
            html_largest,
            html_files,
        });
        dirs.push(dir);
    }
    // Removed only now: on ext4, creating files right after many were deleted costs more (inode
    // allocation skips recently freed inodes), which would tax whichever side ran next.
    for dir in dirs {
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }
    // When that was, for the next run to see (written, so that its modification time moves).
    let _ = std::fs::write(&cleanup_mark, format!("{:?}", std::time::SystemTime::now()));
    let (Some(small), Some(big)) = (points.first(), points.last()) else {
        return Ok(());
    };
    let ratio = big.cli / big.sdk;
    let table = |f: &dyn Fn(&BatchPoint) -> String| {
        points
            .iter()
            .map(|p| format!("{}: {}", p.n, f(p)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    report.row(
        Row::new(
            "9a",
            &format!(
                "batch of {} generate items: `artnex batch -j {CONCURRENCY}` vs an SDK loop, items/s",
                big.n
            ),
        )
        .figures(
            format!("{:.0} items/s", big.cli),
            format!("SDK loop {:.0} items/s", big.sdk),
        )
        .ratio(ratio)
        .goal("≥ 0.8", Verdict::from_bool(ratio >= 0.8)),
    );
    report.row(
        Row::new(
            "9b",
            &format!("resuming the finished {}-item journal (all skipped)", big.n),
        )
        .figures(format!("{:.2} s", big.resume_secs), "1 s")
        .ratio(big.resume_secs)
        .goal("≤ 1 s", Verdict::from_bool(big.resume_secs <= 1.0)),
    );
    let per_item = (big.rss as f64 - small.rss as f64) / (big.n - small.n).max(1) as f64;
    report.row(
        Row::new(
            "9c",
            "batch peak RSS growth per item (first run, from the smallest to the largest batch)",
        )
        .figures(
            format!("{per_item:.0} bytes/item"),
            format!("{} at {} lines", mib(small.rss as f64), small.n),
        )
        .ratio(big.rss as f64 / small.rss.max(1) as f64)
        .goal(
            "≤ 1 KiB/item (bounded by -j, not by the file)",
            Verdict::from_bool(per_item <= 1024.0),
        ),
    );
    let limit = 4.0 * 1024.0 * 1024.0;
    report.row(
        Row::new(
            "9d",
            &format!("gallery of the {}-item batch: largest HTML file", big.n),
        )
        .figures(
            format!(
                "{} ({} files)",
                mib(big.html_largest as f64),
                big.html_files
            ),
            "4 MiB",
        )
        .ratio(big.html_largest as f64 / limit)
        .goal(
            "≤ 4 MiB per page",
            Verdict::from_bool(big.html_largest as f64 <= limit),
        ),
    );
    report.note(format!(
        "9: lines `{{\"op\":\"generate\",\"prompt\":\"a lighthouse ... study <i>\",\"model\":\"z-image-turbo\",\"width\":64,\"height\":64}}`, every line distinct; the `artnex` binary (release build) runs as a child process with `batch FILE -j {CONCURRENCY} --json -o OUT` against the bench's simulator (speed 1000), journal and results on {}; the SDK loop runs {CONCURRENCY} tasks in the bench's client runtime, each `generate(..).send()` then `save_to_dir` of every image (not durable: the SDK's default), into another directory; the order alternates by size, and the file system is synced (untimed) before each timed part. Peak RSS = the child's VmHWM. Size → cost: CLI items/s {}; SDK loop items/s {}; CLI/SDK {}; CPU per item, the whole machine (`/proc/stat`: every process and the kernel's threads), CLI {}, SDK loop {}; resume {}; peak RSS first run {}; peak RSS resume {}; gallery {}.",
        ctx.tmp.parent().unwrap_or(&ctx.tmp).display(),
        table(&|p| format!("{:.0}", p.cli)),
        table(&|p| format!("{:.0}", p.sdk)),
        table(&|p| format!("{:.3}", p.cli / p.sdk)),
        table(&|p| cpu_text(p.cli_cpu)),
        table(&|p| cpu_text(p.sdk_cpu)),
        table(&|p| format!("{:.2} s", p.resume_secs)),
        table(&|p| mib(p.rss as f64)),
        table(&|p| mib(p.resume_rss as f64)),
        table(&|p| format!("{} html file(s), largest {}", p.html_files, mib(p.html_largest as f64))),
    ));
    Ok(())
}

fn cpu_text(cpu: Option<ItemCpu>) -> String {
    cpu.map_or_else(|| "not measured".to_string(), |c| c.to_string())
}

/// Status requests per job, counted by the simulator's request hook.
pub type PollCounts = Arc<Mutex<HashMap<String, u32>>>;

/// The path of a job's status polls, `/v1/video/<id>`: the job id, when `path` is one.
pub fn polled_job(method: &str, path: &str) -> Option<String> {
    if method != "GET" {
        return None;
    }
    path.strip_prefix("/v1/video/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .map(str::to_string)
}

/// Clip length of the fleet's jobs.
const CLIP_SECONDS: u32 = 4;

/// Submits `n` jobs (64 at a time) and returns them.
async fn submit(sdk: &artnex::Client, n: usize) -> Result<Vec<artnex::video::VideoJob>> {
    let mut jobs = Vec::with_capacity(n);
    let mut set = JoinSet::new();
    for i in 0..n {
        if set.len() >= CONCURRENCY
            && let Some(joined) = set.join_next().await
        {
            jobs.push(joined??);
        }
        let sdk = sdk.clone();
        set.spawn(async move {
            sdk.video(format!("waves on a beach, take {i}"))
                .model(Model::Veo3Fast)
                .duration(CLIP_SECONDS)
                .submit()
                .await
                .map_err(crate::calls::BoxError::from)
        });
    }
    while let Some(joined) = set.join_next().await {
        jobs.push(joined??);
    }
    Ok(jobs)
}

/// One fleet size's figures.
struct FleetPoint {
    n: usize,
    worst_ratio: f64,
    max_polls: u32,
    bound: u32,
    sdk_cpu_per_poll: f64,
    raw_cpu_per_poll: f64,
    bytes_per_job: f64,
    raw_bytes_per_job: f64,
}

/// Target 10.
pub async fn fleet(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let sizes = ctx.sizes.fleet_sizes;
    let server: &MockServer = &ctx.fleet;
    let counts = ctx.fleet_polls.clone();
    let speed = ctx.fleet_speed;
    let sdk = artnex::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .build()?;
    let credits = sdk
        .video("price")
        .model(Model::Veo3Fast)
        .duration(CLIP_SECONDS)
        .estimate()?
        .credits()
        .ok_or("veo3-fast has no fixed price")?;
    let length = artnex_mock::video_job_length(credits, CLIP_SECONDS, speed);
    let interval = artnex_mock::poll_interval(speed) * 2;
    let bound = (length.as_secs_f64() / interval.as_secs_f64()).ceil() as u32 + 1;
    println!(
        "target 10: fleets of {sizes:?} video jobs of {:.2} s polled every {} ms",
        length.as_secs_f64(),
        interval.as_millis()
    );
    let raw = raw_client(KEY)?;
    let base = server.base_url();
    let mut points = Vec::new();
    for &n in sizes {
        // The SDK: n jobs waited on at once.
        let jobs = submit(&sdk, n).await?;
        if let Ok(mut c) = counts.lock() {
            c.clear();
        }
        let window = alloc::Window::open();
        let cpu = CpuSnapshot::clients();
        let mut set = JoinSet::new();
        for job in jobs {
            set.spawn(async move {
                job.wait_with(
                    WaitOptions::new()
                        .interval(interval)
                        .timeout(length * 4 + Duration::from_secs(30)),
                )
                .await
                .map(drop)
            });
        }
        while let Some(joined) = set.join_next().await {
            joined??;
        }
        let sdk_cpu = CpuSnapshot::clients().since(&cpu) as f64;
        let used = window.close();
        let sdk_counts: Vec<u32> = counts
            .lock()
            .map(|c| c.values().copied().collect())
            .unwrap_or_default();
        let sdk_polls: u32 = sdk_counts.iter().sum();
        let max_polls = sdk_counts.iter().copied().max().unwrap_or(0);

        // Raw reqwest pollers: the same number of fresh jobs, the same interval, a GET and a JSON
        // parse per poll.
        let jobs = submit(&sdk, n).await?;
        let urls: Vec<String> = jobs
            .iter()
            .map(|j| format!("{base}/v1/video/{}", j.request_id()))
            .collect();
        drop(jobs);
        if let Ok(mut c) = counts.lock() {
            c.clear();
        }
        let window = alloc::Window::open();
        let cpu = CpuSnapshot::clients();
        let mut set = JoinSet::new();
        for url in urls {
            let raw = raw.clone();
            set.spawn(async move {
                loop {
                    tokio::time::sleep(interval).await;
                    let answer: serde_json::Value = raw
                        .get(&url)
                        .send()
                        .await?
                        .error_for_status()?
                        .json()
                        .await?;
                    match answer["status"].as_str() {
                        Some("completed") | Some("error") => {
                            return Ok::<(), crate::calls::BoxError>(());
                        }
                        _ => {}
                    }
                }
            });
        }
        while let Some(joined) = set.join_next().await {
            joined??;
        }
        let raw_cpu = CpuSnapshot::clients().since(&cpu) as f64;
        let raw_used = window.close();
        let raw_polls: u32 = counts.lock().map(|c| c.values().sum()).unwrap_or(0);
        points.push(FleetPoint {
            n,
            worst_ratio: f64::from(max_polls) / f64::from(bound),
            max_polls,
            bound,
            sdk_cpu_per_poll: sdk_cpu / f64::from(sdk_polls.max(1)),
            raw_cpu_per_poll: raw_cpu / f64::from(raw_polls.max(1)),
            bytes_per_job: used.peak_growth / n as f64,
            raw_bytes_per_job: raw_used.peak_growth / n as f64,
        });
    }
    let Some(big) = points.last() else {
        return Ok(());
    };
    report.row(
        Row::new(
            "10a",
            &format!(
                "{} video jobs waited on at once: status requests per job ≤ ceil(T/I)+1",
                big.n
            ),
        )
        .figures(
            format!("at most {} per job", big.max_polls),
            format!("bound {}", big.bound),
        )
        .ratio(big.worst_ratio)
        .goal("≤ 1", Verdict::from_bool(big.worst_ratio <= 1.0)),
    );
    let cpu_ratio = big.sdk_cpu_per_poll / big.raw_cpu_per_poll;
    report.row(
        Row::new(
            "10b",
            &format!("{} jobs: client CPU per poll vs raw reqwest pollers", big.n),
        )
        .figures(
            format!("{:.1} µs", big.sdk_cpu_per_poll / 1000.0),
            format!("raw {:.1} µs", big.raw_cpu_per_poll / 1000.0),
        )
        .ratio(cpu_ratio)
        .goal("≤ 2.0", Verdict::from_bool(cpu_ratio <= 2.0)),
    );
    report.row(
        Row::new(
            "10c",
            &format!(
                "{} jobs: client memory per waiting job (peak growth / jobs)",
                big.n
            ),
        )
        .figures(
            format!("{:.1} KiB", big.bytes_per_job / 1024.0),
            format!(
                "16 KiB (raw pollers {:.1} KiB)",
                big.raw_bytes_per_job / 1024.0
            ),
        )
        .ratio(big.bytes_per_job / 16384.0)
        .goal("≤ 16 KiB", Verdict::from_bool(big.bytes_per_job <= 16384.0)),
    );
    let table = |f: &dyn Fn(&FleetPoint) -> String| {
        points
            .iter()
            .map(|p| format!("{}: {}", p.n, f(p)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    report.note(format!(
        "10: simulator speed {speed} (T = {:.2} s, veo3-fast {CLIP_SECONDS} s clips), interval I = {} ms (twice the server's poll floor), bound ceil(T/I)+1 = {bound}; jobs submitted {CONCURRENCY} at a time, then all waited on at once with `VideoJob::wait_with`; status requests counted by the simulator's request hook; client CPU from /proc/self/task/<tid>/schedstat of the client runtime's threads during the waits (submission excluded), per status request; raw pollers = one task per job: sleep I, GET the status with reqwest, parse the JSON, until completed; memory = peak growth of live bytes on client threads from before the waits (the job handles exist already), per job. Size → cost: most polls per job {}; SDK CPU per poll {}; raw CPU per poll {}; memory per job {}; raw pollers' memory per job {}.",
        length.as_secs_f64(),
        interval.as_millis(),
        table(&|p| p.max_polls.to_string()),
        table(&|p| format!("{:.1} µs", p.sdk_cpu_per_poll / 1000.0)),
        table(&|p| format!("{:.1} µs", p.raw_cpu_per_poll / 1000.0)),
        table(&|p| format!("{:.1} KiB", p.bytes_per_job / 1024.0)),
        table(&|p| format!("{:.1} KiB", p.raw_bytes_per_job / 1024.0)),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deletion_counts_as_recent_for_five_minutes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mark = dir.path().join(CLEANUP_MARK);
        assert_eq!(deleted_recently(&mark), None, "no earlier run");
        std::fs::write(&mark, b"now").expect("written");
        assert!(deleted_recently(&mark).is_some_and(|age| age < Duration::from_secs(60)));
        let file = std::fs::File::options()
            .write(true)
            .open(&mark)
            .expect("opened");
        let long_ago = std::time::SystemTime::now() - AFTER_DELETION - Duration::from_secs(1);
        file.set_modified(long_ago).expect("set");
        assert_eq!(deleted_recently(&mark), None);
    }
}
