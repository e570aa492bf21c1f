//! The client budget is never wrong: cancelled requests, dropped and resumed video jobs, several handles on
//! one job and concurrent requests all leave `spent + reserved` equal to what the simulator charged, plus
//! the estimate of outcomes that are really unknown (a cancelled request may or may not have been charged:
//! the budget counts it, the safe side).

use std::time::Duration;

use artnex::{Client, Error, Model};
use artnex_mock::{Fault, FaultKind, LedgerKind, MockServer};

use crate::{KEY, fast_retries, mock};

fn budget_client(mock: &MockServer, credits: u64) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .retry_policy(fast_retries())
        .poll_interval(Duration::from_millis(10))
        .budget(credits)
        .build()
        .unwrap()
}

/// Credits actually charged on the default key (charges; holds are not money yet).
fn charged(mock: &MockServer) -> u64 {
    mock.ledger(KEY)
        .iter()
        .filter(|e| e.kind == LedgerKind::Charge)
        .map(|e| e.credits)
        .sum()
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Generate,
    Edit,
    Video,
    Tts,
    Upscale,
    RemoveBackground,
}

impl Op {
    const ALL: [Op; 6] = [
        Op::Generate,
        Op::Edit,
        Op::Video,
        Op::Tts,
        Op::Upscale,
        Op::RemoveBackground,
    ];

    fn path(self) -> &'static str {
        match self {
            Op::Generate => "/v1/generate",
            Op::Edit => "/v1/edit",
            Op::Video => "/v1/video",
            Op::Tts => "/v1/tts",
            Op::Upscale => "/v1/upscale",
            Op::RemoveBackground => "/v1/remove-bg",
        }
    }

    /// The estimate and a future that sends the request (a video is submitted, not waited for).
    fn request(
        self,
        c: &Client,
        png: &[u8],
    ) -> (
        u64,
        std::pin::Pin<Box<dyn std::future::Future<Output = artnex::Result<()>> + Send>>,
    ) {
        match self {
            Op::Generate => {
                let r = c.generate("x").model(Model::ZImageTurbo);
                let est = r.estimate().unwrap().credits().unwrap();
                (est, Box::pin(async move { r.await.map(drop) }))
            }
            Op::Edit => {
                let r = c.edit("x", png.to_vec()).model(Model::SeedreamEdit);
                let est = r.estimate().unwrap().credits().unwrap();
                (est, Box::pin(async move { r.await.map(drop) }))
            }
            Op::Video => {
                let r = c.video("x").model(Model::Veo3Fast);
                let est = r.estimate().unwrap().credits().unwrap();
                (est, Box::pin(async move { r.submit().await.map(drop) }))
            }
            Op::Tts => {
                let r = c.tts("x");
                let est = r.estimate().unwrap().credits().unwrap();
                (est, Box::pin(async move { r.await.map(drop) }))
            }
            Op::Upscale => {
                let r = c.upscale(png.to_vec());
                let est = r.estimate().unwrap().credits().unwrap();
                (est, Box::pin(async move { r.await.map(drop) }))
            }
            Op::RemoveBackground => {
                let r = c.remove_background(png.to_vec());
                let est = r.estimate().unwrap().credits().unwrap();
                (est, Box::pin(async move { r.await.map(drop) }))
            }
        }
    }
}

#[tokio::test]
async fn a_cancelled_request_keeps_its_estimate_as_spent_and_reserves_nothing() {
    let mock = mock().await;
    let png = crate::sample_png(&mock).await;
    for op in Op::ALL {
        let c = budget_client(&mock, 100_000);
        mock.inject(
            Fault::new(FaultKind::Latency(Duration::from_millis(400)))
                .on_path(op.path())
                .times(1),
        );
        let (estimate, fut) = op.request(&c, &png);
        let cancelled = tokio::time::timeout(Duration::from_millis(100), fut).await;
        assert!(cancelled.is_err(), "{op:?} should still be in flight");
        let b = c.budget().unwrap();
        assert_eq!(
            b.reserved, 0,
            "{op:?}: a dropped request leaks no reservation"
        );
        assert_eq!(
            b.spent, estimate,
            "{op:?}: the outcome is unknown, so its estimate counts as spent"
        );
        assert_eq!(b.remaining(), 100_000 - estimate, "{op:?}");
    }
}

#[tokio::test]
async fn a_dropped_video_handle_resumed_by_id_is_counted_once() {
    let mock = mock().await;
    let c = budget_client(&mock, 10_000);
    let request = c.video("waves").model(Model::Veo3Fast).duration(4);
    let estimate = request.estimate().unwrap().credits().unwrap();
    let job = request.submit().await.unwrap();
    let id = job.request_id().to_string();
    drop(job);
    let b = c.budget().unwrap();
    assert_eq!(
        (b.spent, b.reserved),
        (0, estimate),
        "the job goes on: its estimate stays reserved"
    );

    let video = c.video_job(&id).wait().await.unwrap();
    let used = video.credits_used.unwrap();
    let b = c.budget().unwrap();
    assert_eq!(
        (b.spent, b.reserved),
        (used, 0),
        "the resumed handle settles the original reservation"
    );
    assert_eq!(b.spent, charged(&mock));
}

#[tokio::test]
async fn two_handles_on_one_job_settle_it_once() {
    let mock = mock().await;
    let c = budget_client(&mock, 10_000);
    let job = c
        .video("waves")
        .model(Model::Veo3Fast)
        .duration(4)
        .submit()
        .await
        .unwrap();
    let resumed = c.video_job(job.request_id());
    let clone = job.clone();
    let (a, b, r) = tokio::join!(job.wait(), clone.wait(), resumed.wait());
    let used = a.unwrap().credits_used.unwrap();
    assert_eq!(b.unwrap().credits_used, Some(used));
    assert_eq!(r.unwrap().credits_used, Some(used));
    let status = c.budget().unwrap();
    assert_eq!((status.spent, status.reserved), (used, 0));
    assert_eq!(status.spent, charged(&mock));
}

#[tokio::test]
async fn a_failed_video_job_releases_its_reservation_whichever_handle_sees_it() {
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::FailVideo).times(1));
    let c = budget_client(&mock, 10_000);
    let job = c
        .video("waves")
        .model(Model::Veo3Fast)
        .submit()
        .await
        .unwrap();
    let id = job.request_id().to_string();
    drop(job);
    let e = c.video_job(&id).wait().await.unwrap_err();
    assert!(matches!(e, Error::JobFailed { .. }), "{e:?}");
    let b = c.budget().unwrap();
    assert_eq!((b.spent, b.reserved), (0, 0));
    assert_eq!(charged(&mock), 0);
}

#[tokio::test]
async fn concurrent_requests_never_overspend_a_tight_budget() {
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::Latency(Duration::from_millis(50))).on_path("/v1/generate"));
    let price = 100; // z-image-turbo
    let c = budget_client(&mock, 3 * price + 50);
    let calls = (0..8).map(|_| {
        let c = c.clone();
        async move { c.generate("x").model(Model::ZImageTurbo).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(Error::BudgetExceeded { .. })))
        .count();
    assert_eq!((ok, refused), (3, 5), "{results:?}");
    let b = c.budget().unwrap();
    assert_eq!((b.spent, b.reserved), (3 * price, 0));
    assert_eq!(b.spent, charged(&mock));
}
