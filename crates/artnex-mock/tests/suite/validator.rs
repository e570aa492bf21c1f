//! The harness's response validator is strict: an undeclared status, or an error code the operation does
//! not list, fails (so every other test that goes through the harness really checks the simulator).

use serde_json::json;

use crate::support::spec;

fn artnex_error(code: &str) -> serde_json::Value {
    json!({"success": false, "error": code, "message": "m", "request_id": "req_1"})
}

/// The validator's complaint about an Artnex error answer it must refuse.
fn refused(path: &str, method: &str, status: u16, retry_after: Option<&str>, code: &str) -> String {
    spec::artnex()
        .check_response(path, method, status, retry_after, &artnex_error(code))
        .expect_err("the validator refuses it")
}

#[test]
fn declared_statuses_and_listed_codes_pass() {
    let s = spec::artnex();
    let ok = |path: &str, method: &str, status: u16, retry: Option<&str>, code: &str| {
        s.check_response(path, method, status, retry, &artnex_error(code))
    };
    assert_eq!(
        ok("/v1/generate", "POST", 400, None, "missing_prompt"),
        Ok(())
    );
    assert_eq!(
        ok("/v1/generate", "POST", 400, None, "invalid_json"),
        Ok(())
    );
    assert_eq!(
        ok("/v1/edit", "POST", 413, None, "payload_too_large"),
        Ok(())
    );
    assert_eq!(ok("/v1/tts", "POST", 500, None, "internal_error"), Ok(()));
    assert_eq!(
        ok(
            "/v1/video/req_1",
            "GET",
            503,
            Some("2"),
            "service_unavailable"
        ),
        Ok(())
    );
    assert_eq!(ok("/v1/generate", "GET", 404, None, "not_found"), Ok(()));
}

#[test]
fn undeclared_statuses_fail() {
    let e = refused("/v1/generate", "POST", 405, None, "invalid_json");
    assert!(e.contains("not declared"), "{e}");
    // 404 is declared for the video poll only.
    let e = refused("/v1/generate", "POST", 404, None, "not_found");
    assert!(e.contains("not declared"), "{e}");
    // A method without an operation must be 404 not_found, not 405.
    let e = refused("/v1/generate", "GET", 405, None, "method_not_allowed");
    assert!(e.contains("not an operation"), "{e}");
}

#[test]
fn unlisted_codes_fail() {
    // A real code, but on the wrong operation (remove-bg has no prompt).
    let e = refused("/v1/remove-bg", "POST", 400, None, "missing_prompt");
    assert!(e.contains("is not in"), "{e}");
    // A listed code with the wrong status.
    let e = refused("/v1/generate", "POST", 400, None, "invalid_request");
    assert!(e.contains("is not in"), "{e}");
    // A 503 needs Retry-After.
    let e = refused("/v1/generate", "POST", 503, None, "service_unavailable");
    assert!(e.contains("Retry-After"), "{e}");
    // ArtAPI: the code must come with its documented type.
    let a = spec::artapi();
    let body =
        |t: &str| json!({"error": {"message": "m", "type": t, "code": "insufficient_quota"}});
    assert_eq!(
        a.check_response(
            "/v1/images/generations",
            "POST",
            402,
            None,
            &body("billing_error")
        ),
        Ok(())
    );
    let e = a
        .check_response(
            "/v1/images/generations",
            "POST",
            402,
            None,
            &body("api_error"),
        )
        .unwrap_err();
    assert!(e.contains("is not in"), "{e}");
}

#[test]
fn bounds_and_lengths_are_checked() {
    // Ready for `minimum: 0` on credits_used: a negative count fails, zero passes.
    let s = spec::artnex();
    let count = json!({"type": "integer", "minimum": 0});
    assert!(s.validate(&count, &json!(0)).is_empty());
    assert_eq!(s.validate(&count, &json!(-1)).len(), 1);
    let bounded = json!({"type": "number", "maximum": 8});
    assert_eq!(s.validate(&bounded, &json!(8.5)).len(), 1);
    let text = json!({"type": "string", "minLength": 1, "maxLength": 3});
    assert_eq!(s.validate(&text, &json!("")).len(), 1);
    assert_eq!(
        s.validate(&text, &json!("🦊🦊🦊")).len(),
        0,
        "characters, not bytes"
    );
    assert_eq!(s.validate(&text, &json!("abcd")).len(), 1);
}
