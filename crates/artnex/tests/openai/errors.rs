//! Every documented error, end to end against the simulator: the typed error, whether it was retried, and
//! the ledger (nothing charged twice, nothing charged for a refusal).

use std::time::Duration;

use artnex::{Error, ErrorCode};
use artnex_mock::{Fault, FaultKind, KeyConfig, POLICY_TRIGGER, Plan};

use crate::{KEY, PATH, assert_no_double_charge, charges, client, client_with, hits, mock};

/// The `ApiError` inside an error from the server.
fn api(e: &Error) -> &artnex::ApiError {
    match e {
        Error::Api(a) | Error::Unauthorized(a) | Error::InsufficientCredits(a) => a,
        Error::RateLimited { error, .. } => error,
        other => panic!("not an API error: {other:?}"),
    }
}

#[tokio::test]
async fn invalid_size_is_a_typed_400_not_retried_not_charged() {
    let mock = mock().await;
    let c = client(&mock);
    // flux-schnell does not do 1792x1024.
    let e = c
        .generate("a banner")
        .model("flux-schnell")
        .size(1792, 1024)
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Api(_)), "{e:?}");
    let a = api(&e);
    assert_eq!(a.status, 400);
    assert_eq!(a.code, ErrorCode::InvalidSize);
    assert_eq!(e.code(), Some(&ErrorCode::InvalidSize));
    assert_eq!(a.error_type.as_deref(), Some("invalid_request_error"));
    assert_eq!(a.param.as_deref(), Some("size"));
    assert!(a.message.contains("1792x1024"), "{}", a.message);
    assert!(!e.may_have_been_processed());
    assert_eq!(a.operation, artnex::OperationId::CreateImage);
    let text = e.to_string();
    assert!(
        text.contains("HTTP 400") && text.contains("invalid_size") && text.contains("param size"),
        "{text}"
    );
    assert_eq!(hits(&mock, KEY), 1, "a 400 is not retried");
    assert!(charges(&mock, KEY).is_empty());
}

#[tokio::test]
async fn unknown_model_is_model_not_found() {
    let mock = mock().await;
    let e = client(&mock)
        .generate("a fox")
        .model("dall-e-9")
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!(
        (a.status, &a.code, a.param.as_deref()),
        (400, &ErrorCode::ModelNotFound, Some("model"))
    );
    assert_eq!(a.error_type.as_deref(), Some("invalid_request_error"));
    assert!(a.message.contains("dall-e-9"), "{}", a.message);
    assert_eq!(hits(&mock, KEY), 1);
    assert!(charges(&mock, KEY).is_empty());
}

#[tokio::test]
async fn prompt_too_long_is_caught_locally_and_by_the_server() {
    let mock = mock().await;
    let long = "ä".repeat(4001); // 4001 characters, 8002 bytes
    // Locally, with the limit the client was given: nothing is sent.
    let limited = client_with(&mock, KEY, |b| b.max_prompt_chars(4000));
    let e = limited
        .generate(long.clone())
        .model("flux-dev")
        .await
        .unwrap_err();
    match &e {
        Error::Validation(v) => {
            assert_eq!(
                (v.field, &v.code),
                ("prompt", &Some(ErrorCode::PromptTooLong))
            );
            assert!(
                v.message.contains("4001") && v.message.contains("4000"),
                "{}",
                v.message
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(hits(&mock, KEY), 0, "refused before the network");
    // 4000 characters pass both checks.
    limited
        .generate("ä".repeat(4000))
        .model("flux-schnell")
        .size(256, 256)
        .await
        .unwrap();
    // By default the limit is the server's (ArtAPI does not document one): its own check answers.
    let e = client(&mock)
        .generate(long)
        .model("flux-dev")
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!(
        (a.status, &a.code, a.param.as_deref()),
        (400, &ErrorCode::PromptTooLong, Some("prompt"))
    );
    assert_eq!(hits(&mock, KEY), 2);
    assert_eq!(charges(&mock, KEY).len(), 1, "only the valid request");
}

#[tokio::test]
async fn other_local_checks_send_nothing() {
    let mock = mock().await;
    let c = client(&mock);
    let cases = [
        (c.generate("a fox"), "model"),
        (c.generate(" ").model("flux-dev"), "prompt"),
        (c.generate("a fox").model("flux-dev").n(0), "n"),
        (c.generate("a fox").model("flux-dev").n(11), "n"),
        (c.generate("a fox").model("flux-dev").size(0, 512), "size"),
    ];
    for (request, field) in cases {
        match request.await.unwrap_err() {
            Error::Validation(v) => assert_eq!(v.field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(hits(&mock, KEY), 0);
}

#[tokio::test]
async fn content_policy_violation_is_typed_and_not_charged() {
    let mock = mock().await;
    let e = client(&mock)
        .generate(format!("a scene {POLICY_TRIGGER}"))
        .model("flux-dev")
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!(
        (a.status, &a.code),
        (400, &ErrorCode::ContentPolicyViolation)
    );
    assert_eq!(a.error_type.as_deref(), Some("invalid_request_error"));
    assert_eq!(hits(&mock, KEY), 1);
    assert!(charges(&mock, KEY).is_empty());
}

#[tokio::test]
async fn bad_key_is_unauthorized() {
    let mock = mock().await;
    // A revoked key, and an Artnex key (the simulator's keys are per API).
    for key in ["sk-revoked-artapi-key", artnex_mock::DEFAULT_KEY] {
        let e = client_with(&mock, key, |b| b)
            .generate("a fox")
            .model("flux-dev")
            .await
            .unwrap_err();
        assert!(matches!(&e, Error::Unauthorized(_)), "{e:?}");
        let a = api(&e);
        assert_eq!((a.status, &a.code), (401, &ErrorCode::InvalidApiKey));
        assert_eq!(a.error_type.as_deref(), Some("authentication_error"));
        assert_eq!(a.message, "Invalid API key");
        assert!(!e.to_string().contains(key), "the key is not echoed");
    }
    assert_eq!(
        mock.requests().iter().filter(|r| r.path == PATH).count(),
        2,
        "not retried"
    );
}

#[tokio::test]
async fn insufficient_quota_is_insufficient_credits_never_retried() {
    let mock = mock().await;
    const POOR: &str = "sk-poor-artapi";
    mock.add_key(KeyConfig::artapi(POOR, Plan::Pro, 30));
    let c = client_with(&mock, POOR, |b| b);
    // 2 x 25 = 50 > 30.
    let e = c
        .generate("a fox")
        .model("flux-dev")
        .n(2)
        .size(256, 256)
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::InsufficientCredits(_)), "{e:?}");
    let a = api(&e);
    assert_eq!((a.status, &a.code), (402, &ErrorCode::InsufficientQuota));
    assert_eq!(a.error_type.as_deref(), Some("billing_error"));
    assert!(!e.may_have_been_processed());
    assert_eq!(hits(&mock, POOR), 1, "never retried");
    assert_eq!(mock.balance(POOR), Some(30), "nothing charged");
    // One image fits.
    c.generate("a fox")
        .model("flux-dev")
        .size(256, 256)
        .await
        .unwrap();
    assert_eq!(mock.balance(POOR), Some(5));
    assert_no_double_charge(&mock, POOR);
}

#[tokio::test]
async fn short_rate_limit_is_retried_after_retry_after_and_charged_once() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 1,
        })
        .on_path(PATH)
        .times(1),
    );
    let started = std::time::Instant::now();
    let out = client(&mock)
        .generate("a fox")
        .model("flux-schnell")
        .size(256, 256)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited for Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(out.data.len(), 1);
    assert_eq!(hits(&mock, KEY), 2);
    assert_eq!(charges(&mock, KEY).len(), 1);
    assert_no_double_charge(&mock, KEY);
}

#[tokio::test]
async fn long_rate_limit_is_returned_with_retry_after() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 3600,
        })
        .on_path(PATH)
        .times(1),
    );
    let e = client(&mock)
        .generate("a fox")
        .model("flux-dev")
        .await
        .unwrap_err();
    match &e {
        Error::RateLimited { retry_after, error } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(3600)));
            assert_eq!(error.code, ErrorCode::RateLimitExceeded);
            assert_eq!(error.error_type.as_deref(), Some("rate_limit_error"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(
        hits(&mock, KEY),
        1,
        "a Retry-After over the cap is not waited for"
    );
    assert!(charges(&mock, KEY).is_empty());
}

#[tokio::test]
async fn a_spent_daily_quota_is_rate_limited_at_once() {
    let mock = mock().await;
    const LIMITED: &str = "sk-two-a-day";
    mock.add_key(KeyConfig::artapi(LIMITED, Plan::Custom(2), 1_000));
    let c = client_with(&mock, LIMITED, |b| b);
    for _ in 0..2 {
        c.generate("a fox")
            .model("flux-schnell")
            .size(256, 256)
            .await
            .unwrap();
    }
    let e = c
        .generate("a fox")
        .model("flux-schnell")
        .size(256, 256)
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::RateLimited { .. }), "{e:?}");
    assert!(e.retry_after().unwrap() > Duration::from_secs(3600));
    assert_eq!(hits(&mock, LIMITED), 3);
    assert_eq!(charges(&mock, LIMITED).len(), 2);
}

#[tokio::test]
async fn upstream_error_500_is_may_have_been_processed_and_never_replayed() {
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::ServerError).on_path(PATH).times(1));
    let e = client(&mock)
        .generate("a fox")
        .model("flux-dev")
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Api(_)), "{e:?}");
    let a = api(&e);
    assert_eq!((a.status, &a.code), (500, &ErrorCode::UpstreamError));
    assert_eq!(a.error_type.as_deref(), Some("api_error"));
    assert!(e.may_have_been_processed());
    assert!(e.to_string().contains("may have been processed"), "{e}");
    assert_eq!(hits(&mock, KEY), 1, "a billable 500 is never replayed");
    assert!(charges(&mock, KEY).is_empty());
}

#[tokio::test]
async fn a_connection_cut_after_the_charge_is_not_replayed() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::DropAfterCharge)
            .on_path(PATH)
            .times(1),
    );
    let e = client(&mock)
        .generate("a fox")
        .model("flux-dev")
        .await
        .unwrap_err();
    match &e {
        Error::Transport(t) => assert!(t.may_have_been_processed, "{t}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(hits(&mock, KEY), 1);
    assert_eq!(
        charges(&mock, KEY).len(),
        1,
        "charged once, by the only request"
    );
    assert_no_double_charge(&mock, KEY);
}

#[tokio::test]
async fn the_opt_in_replays_ambiguous_failures() {
    // Documents `retry_ambiguous(true)`: the caller accepts a possible double charge.
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::DropAfterCharge)
            .on_path(PATH)
            .times(1),
    );
    let c = client_with(&mock, KEY, |b| {
        b.retry_policy(crate::fast_retries().retry_ambiguous(true))
    });
    c.generate("a fox")
        .model("flux-schnell")
        .size(256, 256)
        .await
        .unwrap();
    assert_eq!(hits(&mock, KEY), 2);
    assert_eq!(
        charges(&mock, KEY).len(),
        2,
        "two requests, each charged once"
    );
    assert_no_double_charge(&mock, KEY);
}

#[tokio::test]
async fn unavailable_is_retried_and_charged_once() {
    let mock = mock().await;
    mock.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 0,
        })
        .on_path(PATH)
        .times(2),
    );
    client(&mock)
        .generate("a fox")
        .model("flux-schnell")
        .size(256, 256)
        .await
        .unwrap();
    assert_eq!(hits(&mock, KEY), 3);
    assert_eq!(charges(&mock, KEY).len(), 1);
    // Beyond max_retries the 503 comes back, not processed.
    mock.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 0,
        })
        .on_path(PATH)
        .times(3),
    );
    let e = client(&mock)
        .generate("a fox")
        .model("flux-schnell")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert!(!e.may_have_been_processed());
    assert_eq!(hits(&mock, KEY), 6);
    assert_eq!(charges(&mock, KEY).len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_not_sent() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = artnex::openai::ImagesClient::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry_policy(crate::fast_retries())
        .build()
        .unwrap();
    let e = c.generate("a fox").model("flux-dev").await.unwrap_err();
    match &e {
        Error::Transport(t) => assert!(!t.may_have_been_processed, "{t}"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("not sent"), "{e}");
}
