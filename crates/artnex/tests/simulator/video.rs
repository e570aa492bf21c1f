//! The video lifecycle: submit, progress, completion, failure, timeout and resume.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use artnex::media::MediaFormat;
use artnex::video::{JobStatus, WaitOptions};
use artnex::{Error, Model};
use artnex_mock::{Fault, FaultKind, LedgerKind, MockServer};

use crate::{KEY, charges, client, client_with, mock, sample_png};

/// A wan-2.5 5 s job (3500 credits at completion): on a simulator with a manual clock it stays running
/// until the test advances the clock.
async fn slow_job(c: &artnex::Client) -> artnex::video::VideoJob {
    c.video("slow waves")
        .model(Model::Wan25)
        .duration(5)
        .submit()
        .await
        .unwrap()
}

#[tokio::test]
async fn submit_wait_progress_and_download() {
    let mock = mock().await;
    let c = client(&mock);
    let job = c
        .video("A drone over a misty mountain range")
        .model(Model::Veo31)
        .duration(8)
        .submit()
        .await
        .unwrap();
    assert!(job.request_id().starts_with("req"), "{}", job.request_id());
    assert!(
        charges(&mock).is_empty(),
        "video is charged at completion, not at submission"
    );

    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let video = job
        .wait()
        .interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(30))
        .on_progress(move |s| log.lock().unwrap().push(s.status.clone()))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first(), Some(&JobStatus::Pending), "{seen:?}");
    assert_eq!(seen.last(), Some(&JobStatus::Completed), "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] != w[1]),
        "only changes are reported: {seen:?}"
    );
    assert_eq!(video.request_id, job.request_id());
    assert_eq!(video.credits_used, Some(3000));
    let charged = charges(&mock);
    assert_eq!(charged.len(), 1);
    assert_eq!(charged[0].credits, 3000);
    assert_eq!(charged[0].request_id, job.request_id());

    let dir = tempfile::tempdir().unwrap();
    let saved = video.video.save_to_dir(dir.path(), "drone").await.unwrap();
    assert_eq!(saved.format, Some(MediaFormat::Mp4));
    assert_eq!(saved.path, dir.path().join("drone.mp4"));
}

#[tokio::test]
async fn awaiting_the_builder_submits_and_waits_and_image_to_video_works() {
    let mock = mock().await;
    let png = sample_png(&mock).await;
    let c = client_with(&mock, |b| b.budget(10_000));
    let video = c
        .video("The camera pushes in")
        .model(Model::KlingV25TurboProI2v)
        .image(png)
        .duration(5)
        .wait_options(WaitOptions::new().interval(Duration::from_millis(10)))
        .await
        .unwrap();
    assert_eq!(video.credits_used, Some(1500));
    let b = c.budget().unwrap();
    assert_eq!(
        (b.spent, b.reserved),
        (1500, 0),
        "reserved at submit, settled at completion"
    );
}

#[tokio::test]
async fn a_timeout_keeps_the_job_id_and_the_job_can_be_resumed() {
    // Real-time clock: the job takes over a minute, the wait gives up after 50 ms.
    let mock = MockServer::builder().manual_clock().start().await.unwrap();
    let c = client_with(&mock, |b| b.budget(100_000));
    let job = slow_job(&c).await;
    let id = job.request_id().to_string();
    let e = job
        .wait()
        .interval(Duration::from_millis(5))
        .timeout(Duration::from_millis(50))
        .await
        .unwrap_err();
    match &e {
        Error::JobTimedOut {
            request_id,
            last_status,
            ..
        } => {
            assert_eq!(request_id, &id);
            assert!(!last_status.as_ref().unwrap().is_terminal());
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains(&id));
    assert_eq!(
        c.budget().unwrap().reserved,
        3500,
        "the reservation stays while the job runs"
    );

    mock.advance(Duration::from_secs(3600));
    let resumed = c.video_job(&id).wait().await.unwrap();
    assert_eq!(resumed.request_id, id);
    assert_eq!(resumed.credits_used, Some(3500));
    assert_eq!(mock.total_charged(KEY), 3500);
    // The original handle settles its reservation when it sees the completion (after the simulator's
    // 5 s poll throttle has passed in simulated time).
    mock.advance(Duration::from_secs(10));
    let again = job.wait().await.unwrap();
    assert_eq!(again.credits_used, Some(3500));
    let b = c.budget().unwrap();
    assert_eq!(
        (b.spent, b.reserved),
        (3500, 0),
        "counted once although two handles saw it complete"
    );
}

#[tokio::test]
async fn a_failed_job_is_an_error_and_is_not_charged() {
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::FailVideo).times(1));
    let c = client_with(&mock, |b| b.budget(10_000));
    let e = c.video("doomed").model(Model::Sora2).await.unwrap_err();
    match &e {
        Error::JobFailed {
            request_id, code, ..
        } => {
            assert!(!request_id.is_empty());
            assert_eq!(code, "generation_failed");
        }
        other => panic!("{other:?}"),
    }
    assert!(charges(&mock).is_empty());
    assert!(
        mock.ledger(KEY)
            .iter()
            .any(|e| e.kind == LedgerKind::Release)
    );
    let b = c.budget().unwrap();
    assert_eq!((b.spent, b.reserved), (0, 0), "the reservation is released");
}

#[tokio::test]
async fn polling_rides_out_transient_errors() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::ServerError)
            .on_path("/v1/video/*")
            .times(3),
    );
    mock.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 0,
        })
        .on_path("/v1/video/*")
        .times(2),
    );
    let c = client_with(&mock, |b| b.retry_policy(artnex::RetryPolicy::none()));
    let video = c
        .video("resilient")
        .model(Model::Veo3Fast)
        .duration(4)
        .await
        .unwrap();
    assert_eq!(video.credits_used, Some(2000));
    assert_eq!(charges(&mock).len(), 1);
}

#[tokio::test]
async fn a_status_request_polls_once_and_checks_the_id_locally() {
    let mock = MockServer::builder().manual_clock().start().await.unwrap();
    let c = client(&mock);
    let job = slow_job(&c).await;
    let id = job.request_id().to_string();
    let polls = || crate::hits(&mock, &format!("/v1/video/{id}"));

    // Awaited directly: one request, the job still running.
    let state = c.video_status(&id).await.unwrap();
    assert_eq!(state.request_id, id);
    assert!(!state.status.is_terminal(), "{state:?}");
    assert_eq!(polls(), 1);

    // With `.send()`, after the job has finished in simulated time.
    mock.advance(Duration::from_secs(3600));
    let state = c.video_status(&id).send().await.unwrap();
    assert_eq!(state.status, JobStatus::Completed);
    assert!(state.video_url.is_some());
    assert_eq!(state.credits_used, Some(3500));
    assert_eq!(polls(), 2);

    // An unknown id is the server's not_found; a malformed one never leaves the client.
    let e = c.video_status("req_does_not_exist").await.unwrap_err();
    assert_eq!(e.code(), Some(&artnex::ErrorCode::NotFound), "{e:?}");
    let sent = mock.requests().len();
    for bad in ["", "req 1", "req\n1", &"r".repeat(257)] {
        let e = c.video_status(bad).await.unwrap_err();
        assert!(
            matches!(&e, Error::Validation(v) if v.field == "request_id"),
            "{bad:?}: {e:?}"
        );
        assert!(c.video_status(bad).validate().is_err());
    }
    assert_eq!(mock.requests().len(), sent, "nothing was sent");
}

/// Reads a stream to its end through the `Stream` trait (as `StreamExt::next` would).
async fn collect_stream(
    mut s: impl futures_core::Stream<Item = artnex::Result<artnex::video::JobState>> + Unpin,
) -> Vec<artnex::Result<artnex::video::JobState>> {
    let mut out = Vec::new();
    while let Some(item) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut s).poll_next(cx)).await
    {
        out.push(item);
    }
    out
}

#[tokio::test]
async fn updates_stream_each_status_change_and_settle_the_budget() {
    let mock = mock().await;
    let c = client_with(&mock, |b| b.budget(10_000));
    let job = c
        .video("A drone over a misty mountain range")
        .model(Model::Veo31)
        .duration(8)
        .submit()
        .await
        .unwrap();
    assert_eq!(c.budget().unwrap().reserved, 3000);
    let seen = Arc::new(Mutex::new(0usize));
    let counter = seen.clone();
    let updates = job.updates_with(
        WaitOptions::new()
            .interval(Duration::from_millis(10))
            .timeout(Duration::from_secs(30))
            .on_progress(move |_| *counter.lock().unwrap() += 1),
    );
    let states: Vec<_> = collect_stream(updates)
        .await
        .into_iter()
        .map(|s| s.unwrap())
        .collect();
    let statuses: Vec<_> = states.iter().map(|s| s.status.clone()).collect();
    assert_eq!(statuses.first(), Some(&JobStatus::Pending), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&JobStatus::Completed), "{statuses:?}");
    assert!(
        statuses.windows(2).all(|w| w[0] != w[1]),
        "changes only: {statuses:?}"
    );
    assert_eq!(*seen.lock().unwrap(), states.len(), "the callback saw each");
    let done = states.last().unwrap();
    assert_eq!(done.request_id, job.request_id());
    assert!(done.video_url.is_some());
    let b = c.budget().unwrap();
    assert_eq!(
        (b.spent, b.reserved),
        (3000, 0),
        "settled by the stream itself"
    );
    assert_eq!(charges(&mock).len(), 1);
}

#[tokio::test]
async fn updates_end_with_the_failed_state_or_the_timeout() {
    // A failed job: its state is the last item, and the reservation is released.
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::FailVideo).times(1));
    let c = client_with(&mock, |b| b.budget(10_000));
    let job = c
        .video("doomed")
        .model(Model::Sora2)
        .submit()
        .await
        .unwrap();
    let mut updates = job.updates_with(WaitOptions::new().interval(Duration::from_millis(10)));
    let mut last = None;
    while let Some(item) = updates.next().await {
        last = Some(item.unwrap());
    }
    assert!(updates.next().await.is_none(), "stays ended");
    let last = last.unwrap();
    assert_eq!(last.status, JobStatus::Failed);
    assert_eq!(last.error.as_deref(), Some("generation_failed"));
    let b = c.budget().unwrap();
    assert_eq!((b.spent, b.reserved), (0, 0));

    // A job slower than the timeout: the stream ends with JobTimedOut carrying the id; the job goes on.
    let mock = MockServer::builder().manual_clock().start().await.unwrap();
    let c = client(&mock);
    let job = slow_job(&c).await;
    let items = collect_stream(
        job.updates_with(
            WaitOptions::new()
                .interval(Duration::from_millis(5))
                .timeout(Duration::from_millis(40)),
        ),
    )
    .await;
    match items.last() {
        Some(Err(Error::JobTimedOut { request_id, .. })) => {
            assert_eq!(request_id, job.request_id())
        }
        other => panic!("{other:?}"),
    }
    assert!(items[..items.len() - 1].iter().all(|i| i.is_ok()));
    assert!(charges(&mock).is_empty());
}

/// A status server that counts the polls in flight (each held briefly so that polls sent together
/// overlap) and answers every poll with a completed job.
async fn counting_status_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (in_flight.clone(), most.clone());
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let (now, peak) = (now.clone(), peak.clone());
        async move {
            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(n, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            now.fetch_sub(1, Ordering::SeqCst);
            let id = uri.path().rsplit('/').next().unwrap_or_default().to_string();
            (
                [("content-type", "application/json")],
                format!(
                    r#"{{"success":true,"request_id":"{id}","status":"completed","video_url":"http://127.0.0.1:1/{id}.mp4","credits_used":100}}"#
                ),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), most)
}

#[tokio::test]
async fn waits_of_one_client_take_turns_to_poll() {
    let (base, most) = counting_status_server().await;
    let c = artnex::Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .poll_concurrency(3)
        .build()
        .unwrap();
    // Resumed jobs poll at once: twelve polls are due at the same moment.
    let mut waits = tokio::task::JoinSet::new();
    for i in 0..12 {
        let wait = c.video_job(format!("req_{i}")).wait();
        waits.spawn(async move { wait.await });
    }
    let mut done = 0;
    while let Some(video) = waits.join_next().await {
        let video = video.unwrap().unwrap();
        assert!(video.request_id.starts_with("req_"));
        done += 1;
    }
    assert_eq!(done, 12);
    let most = most.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=3).contains(&most), "{most} polls in flight at once");
}
