//! The harness's response validator is strict: an undeclared status, or an error code the operation does
//! not list, fails (so every other test that goes through the harness really checks the simulator).

use serde_json::json;

use crate::support::spec;

fn artnex_error(code: &str) -> serde_json::Value {
    json!({"success": false, "error": code, "message": "m", "request_id": "req_1"})
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
    let s = spec::artnex();
    let e = s
        .check_response(
            "/v1/generate",
            "POST",
            405,
            None,
            &artnex_error("invalid_json"),
        )
        .unwrap_err();
    assert!(e.contains("not declared"), "{e}");
    // 404 is declared for the video poll only.
    let e = s
        .check_response(
            "/v1/generate",
            "POST",
            404,
            None,
            &artnex_error("not_found"),
        )
        .unwrap_err();
    assert!(e.contains("not declared"), "{e}");
    // A method without an operation must be 404 not_found, not 405.
    let e = s
        .check_response(
            "/v1/generate",
            "GET",
            405,
            None,
            &artnex_error("method_not_allowed"),
        )
        .unwrap_err();
    assert!(e.contains("not an operation"), "{e}");
}

#[test]
fn unlisted_codes_fail() {
    let s = spec::artnex();
    // A real code, but on the wrong operation (remove-bg has no prompt).
    let e = s
        .check_response(
            "/v1/remove-bg",
            "POST",
            400,
            None,
            &artnex_error("missing_prompt"),
        )
        .unwrap_err();
    assert!(e.contains("is not in"), "{e}");
    // A listed code with the wrong status.
    let e = s
        .check_response(
            "/v1/generate",
            "POST",
            400,
            None,
            &artnex_error("invalid_request"),
        )
        .unwrap_err();
    assert!(e.contains("is not in"), "{e}");
    // A 503 needs Retry-After.
    let e = s
        .check_response(
            "/v1/generate",
            "POST",
            503,
            None,
            &artnex_error("service_unavailable"),
        )
        .unwrap_err();
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
