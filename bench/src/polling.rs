//! Target 6: status requests while waiting for a video job, and how soon completion is noticed.

use std::time::Duration;

use artnex::Model;
use artnex::video::WaitOptions;
use tokio::task::JoinSet;

use crate::Ctx;
use crate::calls::{KEY, Result};
use crate::report::{Report, Row, Verdict};

/// Clip length of the polled jobs (veo3-fast accepts 4, 6 and 8 seconds).
const CLIP_SECONDS: u32 = 4;

/// Target 6.
pub async fn polling(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let server = &ctx.poll;
    let speed = ctx.poll_speed;
    let sdk = artnex::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .build()?;
    // The simulator's job length depends on the model's price per clip.
    let credits = sdk
        .video("price")
        .model(Model::Veo3Fast)
        .duration(CLIP_SECONDS)
        .estimate()?
        .credits()
        .ok_or("veo3-fast has no fixed price")?;
    let length = artnex_mock::video_job_length(credits, CLIP_SECONDS, speed);
    let floor = artnex_mock::poll_interval(speed);
    println!(
        "target 6: polling a {:.2} s video job at intervals of {:?}",
        length.as_secs_f64(),
        [floor, floor * 2, floor * 4]
    );
    let mut set = JoinSet::new();
    for interval in [floor, floor * 2, floor * 4] {
        let sdk = sdk.clone();
        let clock = server.clock();
        set.spawn(async move {
            let job = sdk
                .video("waves on a beach, slow motion")
                .model(Model::Veo3Fast)
                .duration(CLIP_SECONDS)
                .submit()
                .await?;
            let id = job.request_id().to_string();
            job.wait_with(
                WaitOptions::new()
                    .interval(interval)
                    .timeout(length * 4 + Duration::from_secs(10)),
            )
            .await?;
            let noticed = clock.now();
            Ok::<_, crate::calls::BoxError>((interval, id, noticed))
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = set.join_next().await {
        results.push(joined??);
    }
    results.sort_by_key(|r| r.0);
    let log = server.requests();
    let mut all_met = true;
    let mut lines = Vec::new();
    for (interval, id, noticed) in &results {
        let submitted = log
            .iter()
            .find(|r| r.method == "POST" && r.path == "/v1/video" && &r.request_id == id)
            .map(|r| r.at)
            .ok_or("the submission is not in the simulator's request log")?;
        let status_path = format!("/v1/video/{id}");
        let polls: Vec<_> = log
            .iter()
            .filter(|r| r.method == "GET" && r.path == status_path)
            .collect();
        let throttled = polls.iter().filter(|r| r.status == 429).count();
        let bound = (length.as_secs_f64() / interval.as_secs_f64()).ceil() as usize + 1;
        let done = submitted + length;
        let lag = noticed.saturating_sub(done);
        let met = polls.len() <= bound && lag <= *interval;
        all_met &= met;
        lines.push(format!(
            "I = {} ms: {} status requests (bound {bound}, {throttled} throttled), noticed {:.0} ms after completion{}",
            interval.as_millis(),
            polls.len(),
            lag.as_secs_f64() * 1000.0,
            if met { "" } else { " (missed)" }
        ));
    }
    let worst = results
        .iter()
        .map(|(i, id, _)| {
            let n = log
                .iter()
                .filter(|r| r.method == "GET" && r.path == format!("/v1/video/{id}"))
                .count();
            let bound = (length.as_secs_f64() / i.as_secs_f64()).ceil() as usize + 1;
            n as f64 / bound as f64
        })
        .fold(0.0, f64::max);
    report.row(
        Row::new(
            "6",
            &format!(
                "polling a T = {:.2} s job: status requests ≤ ceil(T/I)+1, noticed within I",
                length.as_secs_f64()
            ),
        )
        .figures(lines.join("; "), "bound per interval")
        .ratio(worst)
        .goal("requests/bound ≤ 1, lag ≤ I", Verdict::from_bool(all_met)),
    );
    report.note(format!(
        "6: simulator speed {speed} (job length T = {:.2} s, server poll floor {} ms), veo3-fast {CLIP_SECONDS} s clips, three jobs waited on at once with `VideoJob::wait_with(interval I)`; requests counted from the simulator's request log; completion time = submission time in the log + T; \"noticed\" = simulator clock when `wait` returned. Ratio column: worst requests/bound.",
        length.as_secs_f64(),
        floor.as_millis()
    ));
    Ok(())
}
