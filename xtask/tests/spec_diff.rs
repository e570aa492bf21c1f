//! `cargo xtask spec-diff` rules, each proven on a small spec pair under tests/spec_diff/ (the base spec
//! against one changed head per theme), with the reviewer's report snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use xtask::Source;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec_diff")
}

fn report(head: &str) -> xtask::diff::Report {
    report_against("base.yaml", head)
}

fn report_against(base_file: &str, head: &str) -> xtask::diff::Report {
    let base = Source::File(dir().join(base_file));
    let head = Source::File(dir().join(head));
    let mut reports = xtask::spec_diff(&dir(), &base, &head).unwrap();
    assert_eq!(reports.len(), 1);
    let mut r = reports.remove(0);
    // Stable names in snapshots, whatever the checkout path.
    r.spec = format!(
        "{base_file} vs {}",
        head.label().rsplit('/').next().unwrap()
    );
    r.base = "base".into();
    r.head = "head".into();
    r
}

#[test]
fn reports_for_each_theme() {
    for head in [
        "operations.yaml",
        "request.yaml",
        "response.yaml",
        "models.yaml",
        "docs_only.yaml",
    ] {
        let r = report(head);
        insta::assert_snapshot!(head.trim_end_matches(".yaml"), r.markdown());
    }
}

/// The facts extensions (billable, polling rule, plans, the Rust names of the API and of enum values, assumed
/// limits, the decoded image size) and the request-side nullable, default and `format: byte` rules.
#[test]
fn fact_extensions_are_reviewed() {
    let r = report_against("facts_base.yaml", "facts.yaml");
    insta::assert_snapshot!("facts", r.markdown());
    let breaking: Vec<&str> = r
        .changes
        .iter()
        .filter(|c| c.breaking)
        .map(|c| c.what.as_str())
        .collect();
    assert_eq!(
        breaking,
        [
            "request field `image`: x-max-bytes 10485760 → 5242880 (tightened)",
            "request field `quality`: value `high` renamed in Rust, High → Best",
            "API name `Probe` → `Prober`",
            "plan Team removed",
        ]
    );
    assert_eq!(r.changes.len() - breaking.len(), 9, "{r:#?}");
}

#[test]
fn breaking_changes_come_first_and_are_counted() {
    let r = report("request.yaml");
    let first_safe = r.changes.iter().position(|c| !c.breaking).unwrap();
    assert!(r.changes[..first_safe].iter().all(|c| c.breaking));
    assert!(r.changes[first_safe..].iter().all(|c| !c.breaking));
    assert!(r.breaking() >= 5, "{r:?}");
    assert_eq!(report("docs_only.yaml").changes, vec![]);
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("spec-diff")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn exit_code_follows_breaking_changes() {
    let base = dir().join("base.yaml");
    let base = base.to_str().unwrap();
    let breaking = dir().join("operations.yaml");
    let safe = dir().join("docs_only.yaml");
    let (code, out) = run(&[base, breaking.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("### Breaking changes"), "{out}");
    let (code, out) = run(&[base, breaking.to_str().unwrap(), "--allow-breaking"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(allowed)"));
    let (code, out) = run(&[base, safe.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No changes that affect clients."));
}

#[test]
fn json_form_for_tools() {
    let base = dir().join("base.yaml");
    let head = dir().join("models.yaml");
    let (code, out) = run(&[base.to_str().unwrap(), head.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changes = doc["reports"][0]["changes"].as_array().unwrap();
    assert_eq!(
        doc["breaking"].as_u64().unwrap() as usize,
        changes.iter().filter(|c| c["breaking"] == true).count()
    );
    assert!(
        changes.iter().any(|c| c["scope"] == "model `fine-model`"
            && c["what"].as_str().unwrap().contains("800 → 900"))
    );
}

#[test]
fn git_revisions_are_read_with_git_show() {
    // HEAD against the working tree of this repository: must run and produce one report per spec.
    let root = xtask::workspace_root();
    let reports =
        xtask::spec_diff(&root, &Source::Rev("HEAD".into()), &Source::WorkingTree).unwrap();
    assert_eq!(reports.len(), xtask::spec_files().len());
    let err = xtask::spec_diff(
        &root,
        &Source::Rev("no-such-revision-xyz".into()),
        &Source::WorkingTree,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("neither a file nor a git revision"),
        "{err}"
    );
}

#[test]
fn naming_an_api_is_not_a_rename() {
    let spec = |info: &str| {
        xtask::spec::Spec::parse(
            "probe",
            &format!("openapi: 3.0.3\ninfo: {{title: probe, version: \"1\"{info}}}\npaths: {{}}\n"),
        )
        .unwrap()
    };
    let (none, named, renamed) = (
        spec(""),
        spec(", x-facts-api: Probe"),
        spec(", x-facts-api: Other"),
    );
    let added = xtask::diff::diff("probe", "a", &none, "b", &named).unwrap();
    assert_eq!(added.breaking(), 0, "{added:?}");
    assert_eq!(added.changes.len(), 1);
    let changed = xtask::diff::diff("probe", "a", &named, "b", &renamed).unwrap();
    assert_eq!(changed.breaking(), 1, "{changed:?}");
}
