//! `cargo xtask check` on a scratch copy of the workspace: fresh passes, stale fails with a readable
//! message, a spec that breaks a rule fails with the rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies the specs and generated files into a fresh directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = xtask::workspace_root();
    for target in xtask::TARGETS {
        for rel in target.specs.iter().chain([&target.output]) {
            let dst = dir.join(rel);
            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
            std::fs::copy(root.join(rel), &dst).unwrap();
        }
    }
    dir
}

fn run_check(root: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check")
        .env("XTASK_WORKSPACE_ROOT", root)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn committed_generated_files_are_fresh() {
    let stale = xtask::check(&xtask::workspace_root()).unwrap();
    assert!(stale.is_empty(), "run `cargo xtask generate`: {stale:?}");
}

#[test]
fn a_stale_file_fails_the_check() {
    let dir = scratch("stale");
    let spec = dir.join("spec/artnex.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replace(
            "description: The generated (or edited) images.",
            "description: Changed.",
        ),
    )
    .unwrap();
    let (ok, stderr) = run_check(&dir);
    assert!(!ok);
    assert!(
        stderr.contains("crates/artnex-api/src/generated.rs is stale"),
        "{stderr}"
    );
    assert!(stderr.contains("Run `cargo xtask generate`"), "{stderr}");

    // Regenerating makes it fresh again, and only the touched line changed.
    let before = std::fs::read_to_string(dir.join("crates/artnex-api/src/generated.rs")).unwrap();
    let written = xtask::generate(&dir).unwrap();
    assert_eq!(written, vec!["crates/artnex-api/src/generated.rs"]);
    let after = std::fs::read_to_string(dir.join("crates/artnex-api/src/generated.rs")).unwrap();
    let changed: Vec<_> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].1.contains("Changed."));
    assert!(run_check(&dir).0);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_hand_edited_file_fails_the_check() {
    let dir = scratch("edited");
    let out = dir.join("crates/artnex-facts/src/generated.rs");
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::write(
        &out,
        text.replace("Credits::Fixed(250)", "Credits::Fixed(25)"),
    )
    .unwrap();
    let (ok, stderr) = run_check(&dir);
    assert!(!ok);
    assert!(
        stderr.contains("artnex-facts/src/generated.rs is stale"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_rule_breaking_spec_fails_the_check_readably() {
    let dir = scratch("rule");
    let spec = dir.join("spec/artapi.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("openapi: 3.0.3", "openapi: 3.1.0")).unwrap();
    let (ok, stderr) = run_check(&dir);
    assert!(!ok);
    assert!(
        stderr.contains("spec/artapi.yaml breaks 1 rule(s)"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_spec_edit_shows_up_as_a_small_readable_surface_diff() {
    let dir = scratch("surface");
    let target = &xtask::TARGETS[0];
    let summary = |dir: &Path| {
        let specs = xtask::read_specs(dir, target).unwrap();
        let code = std::fs::read_to_string(dir.join(target.output)).unwrap();
        xtask::surface::summarize(target, &specs, &code).unwrap()
    };
    let before = summary(&dir);
    // Add an optional request field, as a maintainer would after a docs change.
    let spec = dir.join(target.specs[0]);
    let text = std::fs::read_to_string(&spec).unwrap();
    let edited = text.replacen(
        "        resolution:\n",
        "        seed:\n          type: integer\n          format: uint32\n          description: Seed for reproducible output.\n        resolution:\n",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&spec, edited).unwrap();
    xtask::generate(&dir).unwrap();
    let after = summary(&dir);
    let added: Vec<&str> = after
        .lines()
        .filter(|l| !before.lines().any(|b| b == *l))
        .collect();
    let removed: Vec<&str> = before
        .lines()
        .filter(|l| !after.lines().any(|a| a == *l))
        .collect();
    assert_eq!(added, vec!["    seed: Option<u32>"]);
    assert!(removed.is_empty(), "{removed:?}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn generation_is_deterministic() {
    let root = xtask::workspace_root();
    for target in xtask::TARGETS {
        let specs = xtask::read_specs(&root, target).unwrap();
        assert_eq!(
            xtask::render(target, &specs).unwrap(),
            xtask::render(target, &specs).unwrap()
        );
    }
}
