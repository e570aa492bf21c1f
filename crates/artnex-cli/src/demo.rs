//! `artnex demo`: a tour of every operation on the embedded simulator (no key, no network, no credits),
//! with estimates next to the credits charged, written out with an `index.html` gallery.

use crate::cli::DemoArgs;
use crate::exec::{Failure, UsageError};
use crate::gallery::{self, Card};
use crate::out::outln;
use crate::request::{Request, RequestExt};
use crate::settings::Settings;
use crate::{Conn, files};
use artnex::any::Outcome;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// One step of the tour.
struct Step {
    title: &'static str,
    request: Request,
}

fn steps(dir: &Path) -> Result<Vec<Step>, Failure> {
    // Results are saved as `<step>-<op>-<n>.<ext>` (see `run`), so later steps can use earlier ones.
    let first_image = dir.join("01-generate-1.png").display().to_string();
    let edited = dir.join("03-edit-1.png").display().to_string();
    // The steps are written as batch-file lines: the same request values the SDK sends.
    let tour = [
        (
            "Generate two images (z-image-turbo, 100 credits each)",
            json!({"op": "generate", "prompt": "A red fox in fresh snow at dawn, soft golden light", "model": "z-image-turbo", "width": 512, "height": 384, "num_images": 2}),
        ),
        (
            "Generate with a premium model (flux-2-pro)",
            json!({"op": "generate", "prompt": "A lighthouse on a cliff during a storm, dramatic, photorealistic", "model": "flux-2-pro", "width": 640, "height": 448}),
        ),
        (
            "Edit the first image (seedream-edit)",
            json!({"op": "edit", "prompt": "Turn the scene into a winter night with northern lights, keep the fox", "image": first_image, "model": "seedream-edit"}),
        ),
        (
            "Upscale the edit 2x (flat 100 credits)",
            json!({"op": "upscale", "image": edited, "scale": 2.0}),
        ),
        (
            "Remove the background (flat 10 credits)",
            json!({"op": "remove-bg", "image": first_image}),
        ),
        (
            "Speak a sentence (tts-elevenlabs, 10 credits)",
            json!({"op": "tts", "text": "Welcome to Artnex. Every image, edit and video in this gallery came from the local simulator."}),
        ),
        (
            "Render a video (kling-v2.5-turbo-pro, 5 s clip, charged on completion)",
            json!({"op": "video", "prompt": "A drone flying slowly over a misty mountain range at sunrise, cinematic", "model": "kling-v2.5-turbo-pro", "aspect_ratio": "16:9", "duration": 5}),
        ),
    ];
    tour.into_iter()
        .map(|(title, line)| {
            let request = serde_json::from_value::<Request>(line).map_err(|e| {
                UsageError(format!("demo step `{title}` is not a valid request: {e}"))
            })?;
            Ok(Step { title, request })
        })
        .collect()
}

/// A new folder for this run's results: `artnex-demo-<time>`, or `-2`, `-3`, … when taken (created
/// atomically, so two demos started in the same second get two folders).
fn demo_dir(out: &Path) -> Result<PathBuf, Failure> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let io = |dir: &Path, e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(dir.to_path_buf()),
            source: e,
        })
    };
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    for n in 1..10_000 {
        let dir = match n {
            1 => out.join(format!("artnex-demo-{secs}")),
            n => out.join(format!("artnex-demo-{secs}-{n}")),
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&dir, e)),
        }
    }
    Err(UsageError(format!("too many demo folders in {}", out.display())).into())
}

/// Runs the tour.
pub async fn run(g: &Settings, args: &DemoArgs) -> Result<ExitCode, Failure> {
    if let Some(flag) = g.artnex_server_flag() {
        return Err(UsageError(format!(
            "`demo` only runs on the embedded simulator, so {flag} does not apply: run `artnex demo` without it (use `{flag}` with the other commands)"
        ))
        .into());
    }
    if g.dry_run {
        return Err(UsageError(
            "`demo` does not take --dry-run: it only ever runs on the embedded simulator, so it sends \
             nothing to the Artnex API and costs no credits. Run `artnex demo` without it"
                .into(),
        )
        .into());
    }
    let dir = demo_dir(&g.out)?;
    let conn = Conn::open(&Settings::demo(g.json), args.speed.max(1.0)).await?;
    let say = |s: String| {
        if !g.json {
            outln!("{s}");
        }
    };
    say(format!(
        "Artnex demo on the embedded simulator at {} (no key, no network, no real credits).\n",
        conn.mock.as_ref().map(|m| m.base_url()).unwrap_or_default()
    ));
    let mut cards = Vec::new();
    let mut report = Vec::new();
    for (i, step) in steps(&dir)?.into_iter().enumerate() {
        if crate::out::stdout_gone() {
            // `artnex demo | head -3`: nobody reads the rest.
            return Ok(ExitCode::from(crate::report::OUTPUT_CLOSED));
        }
        say(format!("{}. {}", i + 1, step.title));
        let estimate = step.request.estimate(conn.client.price_table())?;
        let (request_id, credits, media) = match step.request.clone().send(&conn.client).await? {
            Outcome::Done {
                request_id,
                credits_used,
                media,
                ..
            } => (request_id, credits_used.unwrap_or(0), media),
            Outcome::Job(job) => {
                say(format!(
                    "   submitted job {}; waiting (the simulator runs {}x faster than real time)",
                    job.request_id(),
                    conn.speed
                ));
                let (rid, credits, media) = crate::wait_with_progress(
                    &conn,
                    &job,
                    5.0,
                    600.0,
                    crate::progress::Mode::detect(!g.json),
                )
                .await?;
                (rid, credits, vec![media])
            }
            _ => {
                return Err(UsageError(
                    "the SDK returned an outcome this CLI does not know".into(),
                )
                .into());
            }
        };
        // Stable names so that later steps can use earlier results.
        let mut saved = Vec::new();
        for (n, m) in media.iter().enumerate() {
            let stem = files::safe_stem(&format!("{:02}-{}-{}", i + 1, step.request.op(), n + 1));
            saved.push(m.save_new_to_dir(&dir, &stem).await?.path);
        }
        let names: Vec<String> = saved
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        say(format!(
            "   estimate {} · charged {credits} credits · {}",
            crate::report::estimate(&estimate),
            names.join(", ")
        ));
        report.push(json!({"step": step.title, "op": step.request.op(), "model": step.request.model_id(), "request_id": request_id, "estimate": estimate.credits(), "credits_used": credits, "files": names}));
        cards.push(Card {
            title: format!(
                "{} · {}",
                step.request.op(),
                step.request
                    .model_id()
                    .unwrap_or_else(|| "flat price".into())
            )
            .into(),
            prompt: step.request.text().map(|t| t.to_string().into()),
            files: names.into(),
            credits,
            estimate: Some(crate::report::estimate(&estimate).into()),
        });
    }
    let total: u64 = cards.iter().map(|c| c.credits).sum();
    let index = gallery::write(&dir, "Artnex demo", cards).map_err(|e| {
        let (path, source) = match e {
            gallery::NotWritten::Foreign(path) => (
                path,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a file that artnex did not write is in the way of the gallery; it was left alone",
                ),
            ),
            gallery::NotWritten::Io(e) => (dir.join(gallery::page_name(1)), e),
        };
        Failure::Sdk(artnex::Error::Io {
            path: Some(path),
            source,
        })
    })?;
    if g.json {
        outln!(
            "{}",
            json!({"ok": true, "dir": dir.display().to_string(), "gallery": index.display().to_string(), "credits_used": total, "steps": report})
        );
    } else {
        outln!(
            "\n{total} simulated credits in all. Everything is in {}",
            dir.display()
        );
        outln!("Open {} in a browser to see the gallery.", index.display());
    }
    Ok(ExitCode::SUCCESS)
}
