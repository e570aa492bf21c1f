//! Fault injection: for every fault kind, the default policy never charges twice and the caller gets the
//! documented error.

use std::time::Duration;

use artnex::{Error, Model};
use artnex_mock::{Fault, FaultKind, LedgerKind};

use crate::{KEY, charges, client, client_with, hits, mock};

const GEN: &str = "/v1/generate";

async fn generate(c: &artnex::Client) -> artnex::Result<artnex::Images> {
    c.generate("a red fox").model(Model::Flux2Pro).await
}

#[tokio::test]
async fn server_error_is_surfaced_as_possibly_processed_and_not_replayed() {
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::ServerError).on_path(GEN).times(1));
    let e = generate(&client(&mock)).await.unwrap_err();
    assert!(matches!(&e, Error::Api(api) if api.status == 500), "{e:?}");
    assert!(e.may_have_been_processed());
    assert!(e.to_string().contains("may have been processed"), "{e}");
    assert_eq!(
        hits(&mock, GEN),
        1,
        "an ambiguous billable request is never replayed"
    );
    assert!(charges(&mock).is_empty());
}

#[tokio::test]
async fn unavailable_is_retried_and_charged_once() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 0,
        })
        .on_path(GEN)
        .times(2),
    );
    let out = generate(&client(&mock)).await.unwrap();
    assert_eq!(out.credits_used, Some(250));
    assert_eq!(hits(&mock, GEN), 3);
    assert_eq!(charges(&mock).len(), 1, "retried twice, charged once");
    assert_eq!(mock.total_charged(KEY), 250);
}

#[tokio::test]
async fn unavailable_beyond_max_retries_or_with_a_long_retry_after_is_returned() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 0,
        })
        .on_path(GEN)
        .times(5),
    );
    let e = generate(&client(&mock)).await.unwrap_err();
    assert!(matches!(&e, Error::Api(api) if api.status == 503), "{e:?}");
    assert!(!e.may_have_been_processed());
    assert_eq!(hits(&mock, GEN), 3, "1 + max_retries (2)");
    mock.clear_faults();
    mock.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 3600,
        })
        .on_path(GEN)
        .times(1),
    );
    let e = generate(&client(&mock)).await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(
        hits(&mock, GEN),
        4,
        "a Retry-After over the cap is not waited for"
    );
    assert!(charges(&mock).is_empty());
}

#[tokio::test]
async fn drop_after_charge_is_not_replayed_under_the_default_policy() {
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::DropAfterCharge).on_path(GEN).times(1));
    let e = generate(&client(&mock)).await.unwrap_err();
    match &e {
        Error::Transport(t) => assert!(t.may_have_been_processed, "{t}"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("may have been processed"), "{e}");
    assert_eq!(hits(&mock, GEN), 1);
    assert_eq!(charges(&mock).len(), 1, "charged once, by the only request");
}

#[tokio::test]
async fn drop_after_charge_with_the_opt_in_replays_and_double_charges() {
    // The opt-in exists for callers who prefer a double charge to a failed call; this test documents it.
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::DropAfterCharge).on_path(GEN).times(1));
    let c = client_with(&mock, |b| {
        b.retry_policy(crate::fast_retries().retry_ambiguous(true))
    });
    generate(&c).await.unwrap();
    assert_eq!(hits(&mock, GEN), 2);
    assert_eq!(charges(&mock).len(), 2);
}

#[tokio::test]
async fn short_rate_limit_is_retried_long_one_is_returned() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 0,
        })
        .on_path(GEN)
        .times(1),
    );
    let out = generate(&client(&mock)).await.unwrap();
    assert_eq!(out.credits_used, Some(250));
    assert_eq!(charges(&mock).len(), 1);

    mock.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 7200,
        })
        .on_path(GEN)
        .times(1),
    );
    let e = generate(&client(&mock)).await.unwrap_err();
    match &e {
        Error::RateLimited { retry_after, error } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(7200)));
            assert_eq!(error.code, artnex::ErrorCode::RateLimitExceeded);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(hits(&mock, GEN), 3, "the long wait was not attempted");
    assert_eq!(charges(&mock).len(), 1);
}

#[tokio::test]
async fn a_read_timeout_is_ambiguous_and_not_replayed() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::Latency(Duration::from_millis(600)))
            .on_path(GEN)
            .times(1),
    );
    let c = client_with(&mock, |b| b.read_timeout(Duration::from_millis(150)));
    let e = generate(&c).await.unwrap_err();
    match &e {
        Error::Transport(t) => assert!(t.may_have_been_processed, "{t}"),
        other => panic!("{other:?}"),
    }
    // Had the SDK replayed it, the replay (without the one-shot latency) would have succeeded.
    // Let the server finish whatever it was doing, then check it charged at most once.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(hits(&mock, GEN) <= 1, "{:?}", mock.requests());
    assert!(charges(&mock).len() <= 1);
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

    async fn run(self, c: &artnex::Client, png: &[u8]) -> artnex::Result<()> {
        match self {
            Op::Generate => c.generate("x").model(Model::ZImageTurbo).await.map(drop),
            Op::Edit => c
                .edit("x", png.to_vec())
                .model(Model::SeedreamEdit)
                .await
                .map(drop),
            Op::Video => c.video("x").model(Model::Veo3Fast).submit().await.map(drop),
            Op::Tts => c.tts("x").await.map(drop),
            Op::Upscale => c.upscale(png.to_vec()).await.map(drop),
            Op::RemoveBackground => c.remove_background(png.to_vec()).await.map(drop),
        }
    }
}

#[tokio::test]
async fn every_billable_operation_follows_the_same_rules() {
    let mock = mock().await;
    let png = crate::sample_png(&mock).await;
    let c = client(&mock);
    for op in Op::ALL {
        let path = op.path();
        mock.inject(Fault::new(FaultKind::ServerError).on_path(path).times(1));
        let e = op.run(&c, &png).await.unwrap_err();
        assert!(e.may_have_been_processed(), "{op:?}: {e:?}");
        mock.inject(
            Fault::new(FaultKind::DropAfterCharge)
                .on_path(path)
                .times(1),
        );
        let e = op.run(&c, &png).await.unwrap_err();
        assert!(e.may_have_been_processed(), "{op:?}: {e:?}");
        mock.inject(
            Fault::new(FaultKind::Unavailable {
                retry_after_secs: 0,
            })
            .on_path(path)
            .times(1),
        );
        op.run(&c, &png).await.unwrap();
        assert_eq!(
            hits(&mock, path),
            4,
            "{op:?}: 500 once, dropped once, 503 then success"
        );
        // Charged (held, for a video submission) exactly twice: by the dropped request and the success.
        let kind = if matches!(op, Op::Video) {
            LedgerKind::Hold
        } else {
            LedgerKind::Charge
        };
        let moves = mock
            .ledger(KEY)
            .iter()
            .filter(|e| e.endpoint == path && e.kind == kind)
            .count();
        assert_eq!(moves, 2, "{op:?}: {:?}", mock.ledger(KEY));
    }
}

#[tokio::test]
async fn connection_refused_is_retried_and_reported_as_not_sent() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = artnex::Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(crate::fast_retries())
        .build()
        .unwrap();
    let e = c.tts("hello").await.unwrap_err();
    match &e {
        Error::Transport(t) => assert!(!t.may_have_been_processed, "{t}"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("not sent"), "{e}");
}

/// A gateway in front of the API that answers 502/504 (an HTML page) after the API handled and charged
/// the request, or 502 before forwarding it: the SDK cannot tell the two apart, so a billable request is
/// never replayed; the caller learns it may have been charged. Charged at most once, every operation.
#[tokio::test]
async fn gateway_errors_are_never_replayed_and_never_charge_twice() {
    let mock = mock().await;
    let png = crate::sample_png(&mock).await;
    let c = client(&mock);
    for op in Op::ALL {
        let path = op.path();
        for (kind, charged) in [
            (FaultKind::Gateway502Before, false),
            (FaultKind::Gateway502After, true),
            (FaultKind::Gateway504After, true),
        ] {
            let before_hits = hits(&mock, path);
            let before_moves = mock
                .ledger(KEY)
                .iter()
                .filter(|e| e.endpoint == path)
                .count();
            mock.inject(Fault::new(kind.clone()).on_path(path).times(1));
            let e = op.run(&c, &png).await.unwrap_err();
            assert!(e.may_have_been_processed(), "{op:?} {kind:?}: {e:?}");
            assert!(
                matches!(e.status(), Some(502 | 504)),
                "{op:?} {kind:?}: {e:?}"
            );
            assert_eq!(
                hits(&mock, path),
                before_hits + 1,
                "{op:?} {kind:?}: replayed"
            );
            let moves = mock
                .ledger(KEY)
                .iter()
                .filter(|e| e.endpoint == path)
                .count()
                - before_moves;
            assert_eq!(
                moves,
                usize::from(charged),
                "{op:?} {kind:?}: {:?}",
                mock.ledger(KEY)
            );
        }
    }
}

/// Status polls are free: a gateway error while waiting for a video is ridden out.
#[tokio::test]
async fn gateway_errors_while_polling_are_ridden_out() {
    let mock = mock().await;
    let c = client(&mock);
    let job = c
        .video("waves")
        .model(Model::Veo3Fast)
        .submit()
        .await
        .unwrap();
    mock.inject(
        Fault::new(FaultKind::Gateway504After)
            .on_path("/v1/video/*")
            .times(2),
    );
    let video = job.wait().await.unwrap();
    assert!(video.credits_used.is_some());
}
