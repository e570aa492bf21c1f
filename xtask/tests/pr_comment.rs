//! The pull-request comment body: marker first, a verdict and counts that always fit, and a report cut
//! at a line boundary to stay under the limit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use xtask::diff::{Change, Report};
use xtask::pr_comment::{self, MARKER, Options};

fn change(breaking: bool, i: usize) -> Change {
    Change {
        breaking,
        scope: format!("POST /v1/thing{i}"),
        what: format!("request field `f{i}` removed"),
        why: "Clients that send it lose the setter, and the server may reject or ignore it.".into(),
    }
}

fn report(spec: &str, breaking: usize, other: usize) -> Report {
    let mut changes: Vec<Change> = (0..breaking).map(|i| change(true, i)).collect();
    changes.extend((0..other).map(|i| change(false, breaking + i)));
    Report {
        spec: spec.into(),
        base: "base".into(),
        head: "head".into(),
        changes,
    }
}

fn options(max_chars: usize) -> Options {
    Options {
        base: "origin/main".into(),
        head: "HEAD".into(),
        breaking_label: Some("breaking-api-change".into()),
        allowed: false,
        max_chars,
    }
}

#[test]
fn the_marker_is_the_first_line_and_the_verdict_counts() {
    let reports = [
        report("spec/artnex.yaml", 2, 3),
        report("spec/artapi.yaml", 1, 0),
    ];
    let body = pr_comment::body(&reports, &options(pr_comment::DEFAULT_MAX_CHARS));
    assert_eq!(body.lines().next(), Some(MARKER));
    assert_eq!(body.matches(MARKER).count(), 1);
    assert!(body.contains(
        "**3 breaking change(s).** This check fails until they are reverted or the pull request carries the `breaking-api-change` label."
    ), "{body}");
    assert!(body.contains("| `spec/artnex.yaml` | 2 | 3 |"), "{body}");
    assert!(body.contains("| `spec/artapi.yaml` | 1 | 0 |"), "{body}");
    assert!(body.contains("`cargo xtask spec-diff origin/main HEAD`"));
    // The whole report is there.
    for r in &reports {
        assert!(body.contains(&r.markdown()), "{body}");
    }
    assert!(!body.contains("cut here"));
}

#[test]
fn the_verdict_follows_the_label_and_the_changes() {
    let mut o = options(pr_comment::DEFAULT_MAX_CHARS);
    o.allowed = true;
    let body = pr_comment::body(&[report("s.yaml", 1, 0)], &o);
    assert!(
        body.contains("**1 breaking change(s), allowed by the `breaking-api-change` label.**"),
        "{body}"
    );
    let body = pr_comment::body(&[report("s.yaml", 0, 2)], &o);
    assert!(
        body.contains("**No breaking changes** (2 other change(s) below)."),
        "{body}"
    );
    let body = pr_comment::body(&[report("s.yaml", 0, 0)], &o);
    assert!(
        body.contains("**No changes that affect clients.**"),
        "{body}"
    );
    o.breaking_label = None;
    o.allowed = false;
    let body = pr_comment::body(&[report("s.yaml", 1, 0)], &o);
    assert!(
        body.contains("carries the breaking-change label."),
        "{body}"
    );
}

#[test]
fn a_huge_report_is_cut_at_a_line_and_says_so() {
    let reports = [report("spec/artnex.yaml", 3000, 3000)];
    let full: String = reports.iter().map(|r| r.markdown() + "\n").collect();
    let full_lines: Vec<&str> = full.lines().collect();
    for max in [65_000, 10_000, 1_500] {
        let body = pr_comment::body(&reports, &options(max));
        assert!(
            body.chars().count() <= max,
            "{} > {max}",
            body.chars().count()
        );
        assert_eq!(body.lines().next(), Some(MARKER));
        assert!(body.contains("**3000 breaking change(s).**"));
        assert!(body.contains("| `spec/artnex.yaml` | 3000 | 3000 |"));
        let note = body.lines().last().unwrap();
        let expected_total = format!("of {} lines shown", full_lines.len());
        assert!(
            note.contains("The report is cut here") && note.contains(&expected_total),
            "{note}"
        );
        // The report part is the full report's first lines, whole.
        let start = body.find("## `spec/artnex.yaml`").unwrap();
        let kept: Vec<&str> = body[start..]
            .lines()
            .take_while(|l| !l.contains("cut here"))
            .collect();
        let kept: Vec<&str> = kept.into_iter().filter(|l| !l.is_empty()).collect();
        let expected: Vec<&str> = full_lines
            .iter()
            .copied()
            .filter(|l| !l.is_empty())
            .take(kept.len())
            .collect();
        assert_eq!(kept, expected);
        assert!(!kept.is_empty());
    }
    // Even a limit below the header keeps the marker first and stays under it.
    let body = pr_comment::body(&reports, &options(60));
    assert!(body.chars().count() <= 60);
    assert!(body.starts_with(MARKER));
}

#[test]
fn the_command_builds_the_body_from_spec_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec_diff");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("pr-comment")
        .arg(dir.join("base.yaml"))
        .arg(dir.join("operations.yaml"))
        .args(["--breaking-label", "breaking-api-change"])
        .output()
        .unwrap();
    // Building the comment succeeds even with breaking changes; spec-diff is the gate.
    assert!(out.status.success());
    let body = String::from_utf8(out.stdout).unwrap();
    assert_eq!(body.lines().next(), Some(MARKER));
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec_diff");
    let reports = xtask::spec_diff(
        &base,
        &xtask::Source::File(base.join("base.yaml")),
        &xtask::Source::File(base.join("operations.yaml")),
    )
    .unwrap();
    let breaking: usize = reports.iter().map(Report::breaking).sum();
    assert!(breaking > 0);
    assert!(
        body.contains(&format!("**{breaking} breaking change(s).**")),
        "{body}"
    );
}
