//! `Client::from_env()`. The environment is process-wide (and changing it is `unsafe` in Rust 2024), so
//! each case runs this test binary again as a child process with its own environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn run_child(test: &str, envs: &[(&str, &str)]) -> bool {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--ignored", "--nocapture"])
        .env_remove("ARTNEX_API_KEY")
        .env_remove("ARTNEX_BASE_URL")
        .env_remove("ARTAPI_KEY")
        .env_remove("ARTAPI_BASE_URL");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 passed") || stdout.contains("1 failed"),
        "the child ran the test: {stdout}"
    );
    out.status.success()
}

#[test]
fn from_env_reads_the_key_and_base_url() {
    assert!(run_child(
        "child_configured",
        &[
            ("ARTNEX_API_KEY", "sk-env-key"),
            ("ARTNEX_BASE_URL", "http://127.0.0.1:9/v1")
        ]
    ));
    assert!(run_child(
        "child_default_base_url",
        &[("ARTNEX_API_KEY", "sk-env-key")]
    ));
    assert!(run_child("child_missing_key", &[]));
    assert!(run_child(
        "child_insecure_base_url",
        &[
            ("ARTNEX_API_KEY", "sk-env-key"),
            ("ARTNEX_BASE_URL", "http://api.artnex.ai")
        ]
    ));
    // The harness itself can fail: a child whose expectation is wrong reports failure.
    assert!(!run_child(
        "child_missing_key",
        &[("ARTNEX_API_KEY", "sk-env-key")]
    ));
}

#[test]
#[ignore = "run by from_env_reads_the_key_and_base_url in a child process"]
fn child_configured() {
    let c = artnex::Client::from_env().unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:9");
    assert!(!format!("{c:?}").contains("sk-env-key"));
}

#[test]
#[ignore = "run by from_env_reads_the_key_and_base_url in a child process"]
fn child_default_base_url() {
    assert_eq!(
        artnex::Client::from_env().unwrap().base_url(),
        "https://api.artnex.ai"
    );
}

#[test]
#[ignore = "run by from_env_reads_the_key_and_base_url in a child process"]
fn child_missing_key() {
    let e = artnex::Client::from_env().unwrap_err();
    assert!(
        matches!(
            e,
            artnex::Error::MissingApiKey {
                var: "ARTNEX_API_KEY"
            }
        ),
        "{e:?}"
    );
}

#[test]
#[ignore = "run by from_env_reads_the_key_and_base_url in a child process"]
fn child_insecure_base_url() {
    let e = artnex::Client::from_env().unwrap_err();
    assert!(matches!(e, artnex::Error::Config(_)), "{e:?}");
    assert!(!e.to_string().contains("sk-env-key"));
}

#[cfg(feature = "openai-images")]
#[test]
fn images_client_from_env_reads_artapi_key_and_base_url() {
    assert!(run_child(
        "child_images_configured",
        &[
            ("ARTAPI_KEY", "sk-env-artapi"),
            ("ARTAPI_BASE_URL", " http://127.0.0.1:9/v1/ "),
            // The Artnex variables are not read by the images client.
            ("ARTNEX_API_KEY", "sk-env-artnex"),
        ]
    ));
    assert!(run_child(
        "child_images_default_base_url",
        &[("ARTAPI_KEY", "sk-env-artapi"), ("ARTAPI_BASE_URL", "")]
    ));
    assert!(run_child(
        "child_images_missing_key",
        &[("ARTNEX_API_KEY", "sk-env-artnex")]
    ));
    assert!(run_child(
        "child_images_insecure_base_url",
        &[
            ("ARTAPI_KEY", "sk-env-artapi"),
            ("ARTAPI_BASE_URL", "http://app.artapi.ai/v1")
        ]
    ));
}

#[cfg(feature = "openai-images")]
#[test]
#[ignore = "run by images_client_from_env_reads_artapi_key_and_base_url in a child process"]
fn child_images_configured() {
    let c = artnex::openai::ImagesClient::from_env().unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:9/v1");
    assert!(!format!("{c:?}").contains("sk-env-artapi"));
}

#[cfg(feature = "openai-images")]
#[test]
#[ignore = "run by images_client_from_env_reads_artapi_key_and_base_url in a child process"]
fn child_images_default_base_url() {
    assert_eq!(
        artnex::openai::ImagesClient::from_env().unwrap().base_url(),
        "https://app.artapi.ai/v1"
    );
}

#[cfg(feature = "openai-images")]
#[test]
#[ignore = "run by images_client_from_env_reads_artapi_key_and_base_url in a child process"]
fn child_images_missing_key() {
    let e = artnex::openai::ImagesClient::from_env().unwrap_err();
    assert!(
        matches!(e, artnex::Error::MissingApiKey { var: "ARTAPI_KEY" }),
        "{e:?}"
    );
    assert!(e.to_string().contains("ARTAPI_KEY"), "{e}");
}

#[cfg(feature = "openai-images")]
#[test]
#[ignore = "run by images_client_from_env_reads_artapi_key_and_base_url in a child process"]
fn child_images_insecure_base_url() {
    let e = artnex::openai::ImagesClient::from_env().unwrap_err();
    assert!(matches!(e, artnex::Error::Config(_)), "{e:?}");
    assert!(!e.to_string().contains("sk-env-artapi"));
}
