//! Proof that a spec change reaches the SDK and the simulator with no hand edit (CONTRIBUTING.md, "How an
//! API change flows"). On a scratch copy of the workspace: add a generate model, an error code and a
//! longer TTS text limit to `spec/artnex.yaml`, run the generator, then build and run a check program
//! (`pickup_check/`, added to the copy only) that asserts, with the copy's SDK and simulator, that all
//! three arrived. Finally the copy is compared with this workspace: only the spec, the generated files, the
//! check program and `Cargo.lock` (which gains the check program's entry) differ.
//!
//! The copy is built offline (the dependencies are the ones cargo already fetched for this workspace)
//! into `<target>/pickup`, which is kept between runs so that only the workspace's own crates rebuild.
//!
//! # Decisions (issue 12 is silent)
//!
//! - The check program is its own crate in the copy (`crates/pickup-check`, a `crates/*` member) with
//!   only `artnex` and `artnex-mock` (default features off), `artnex-facts`, tokio, reqwest and serde_json:
//!   the smallest build that runs both. A cold build is about two minutes on two busy cores; a warm one
//!   seconds (the copy's path is fixed, so the incremental caches in `<target>/pickup` stay valid).
//! - The error code reaches the simulator as data, and that is what is checked: the simulator answers a
//!   listed code at the status `OperationInfo::error_codes` gives it, and a new code names a new condition
//!   that no existing request provokes (see CONTRIBUTING.md, *What still needs code*).
//! - The spec is edited as data (parsed, changed, written back), so the test does not depend on the
//!   spec's layout; the TTS limit is raised from whatever the spec states (5,000 → 6,000 today).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use xtask::{Output, TARGETS};

/// The model added to `generate_image`, at a price no documented model has.
const MODEL: &str = "pickup-image-1";
const MODEL_CREDITS: u64 = 345;
/// The error code added to `generate_image`, at a status no code had.
const CODE: &str = "duplicate_request";
const CODE_STATUS: u16 = 409;
const CODE_CAUSE: &str = "A request with the same content is still being processed";
/// The TTS text limit is raised by this many characters.
const TTS_RAISE: usize = 1000;
/// The generated limit constant of the TTS text length.
const TTS_LIMIT: &str = "TEXT_TO_SPEECH_TEXT_MAX_CHARS";

const SPEC: &str = "spec/artnex.yaml";
const CHECK_CRATE: &str = "crates/pickup-check";

/// What the copy holds: the workspace's manifests, lock, cargo config and every member's sources.
const WORKSPACE: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    ".cargo",
    "spec",
    "crates",
    "xtask",
    "tests",
    "bench",
];

/// Copies `rel` (a file or a directory, without build output) from `from` to `to`.
fn copy(from: &Path, to: &Path, rel: &Path) {
    let (src, dst) = (from.join(rel), to.join(rel));
    if src.is_dir() {
        std::fs::create_dir_all(&dst).unwrap();
        for entry in std::fs::read_dir(&src).unwrap() {
            let name = entry.unwrap().file_name();
            if name != "target" {
                copy(from, to, &rel.join(name));
            }
        }
    } else {
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&src, &dst).unwrap();
    }
}

fn facts_of(root: &Path) -> xtask::facts::Facts {
    let target = TARGETS.iter().find(|t| t.kind == Output::Facts).unwrap();
    let texts = xtask::read_specs(root, target).unwrap();
    xtask::facts::read(&xtask::parse_specs(target, &texts).unwrap()).unwrap()
}

/// The TTS text limit, asserting that the docs state it (so the SDK enforces it).
fn tts_limit(facts: &xtask::facts::Facts) -> usize {
    let limit = facts.limits.iter().find(|l| l.name == TTS_LIMIT).unwrap();
    assert!(limit.documented, "{TTS_LIMIT} is not a documented limit");
    limit.value as usize
}

/// The spec object at `pointer`, which must exist.
fn at<'a>(spec: &'a mut Value, pointer: &str) -> &'a mut Value {
    spec.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{SPEC} has no {pointer}"))
}

/// The three edits a maintainer makes after a docs change, on the parsed spec.
fn edit_spec(spec: &mut Value, tts_max: usize) {
    let generate = "/paths/~1v1~1generate/post";
    at(spec, &format!("{generate}/x-artnex-models"))
        .as_array_mut()
        .unwrap()
        .push(json!({"id": MODEL, "credits": MODEL_CREDITS, "description": "A model added by the pickup test"}));
    at(spec, &format!("{generate}/x-artnex-error-codes"))
        .as_array_mut()
        .unwrap()
        .push(json!({"status": CODE_STATUS, "code": CODE, "cause": CODE_CAUSE}));
    let responses = at(spec, &format!("{generate}/responses"))
        .as_object_mut()
        .unwrap();
    assert!(responses.get(&CODE_STATUS.to_string()).is_none());
    responses.insert(
        CODE_STATUS.to_string(),
        json!({
            "description": "Conflict: the same request is still being processed.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
        }),
    );
    *at(
        spec,
        "/components/schemas/TtsRequest/properties/text/maxLength",
    ) = json!(tts_max);
}

/// What the check program is told: the values the harness put in the spec.
fn expected_rs(tts_old: usize, tts_new: usize) -> String {
    format!(
        "//! Written by xtask/tests/pickup.rs: the values it added to spec/artnex.yaml.\n\
         pub const MODEL: &str = {MODEL:?};\n\
         pub const MODEL_CREDITS: u64 = {MODEL_CREDITS};\n\
         pub const CODE: &str = {CODE:?};\n\
         pub const CODE_STATUS: u16 = {CODE_STATUS};\n\
         pub const CODE_CAUSE: &str = {CODE_CAUSE:?};\n\
         pub const TTS_OLD_MAX_CHARS: usize = {tts_old};\n\
         pub const TTS_MAX_CHARS: usize = {tts_new};\n"
    )
}

/// Installs the check program in the copy (as a `crates/*` member).
fn install_check(copy: &Path, expected: &str) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pickup_check");
    let dir = copy.join(CHECK_CRATE);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(fixture.join("manifest.toml"), dir.join("Cargo.toml")).unwrap();
    std::fs::copy(fixture.join("check.rs"), dir.join("src/lib.rs")).unwrap();
    std::fs::write(dir.join("src/expected.rs"), expected).unwrap();
}

/// Runs the check program's tests in the copy; returns cargo's success and its output.
fn run_check(copy: &Path, target_dir: &Path) -> (bool, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["test", "--offline", "--manifest-path"])
        .arg(copy.join("Cargo.toml"))
        .args(["-p", "pickup-check", "--lib", "--", "--test-threads=2"])
        .current_dir(copy)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every file of the [`WORKSPACE`] entries that is new, missing or different in `copy` compared with `real`.
fn differences(real: &Path, copy: &Path) -> BTreeSet<String> {
    fn walk(real: &Path, copy: &Path, rel: &Path, out: &mut BTreeSet<String>) {
        let (a, b) = (real.join(rel), copy.join(rel));
        if a.is_dir() || b.is_dir() {
            let names = |dir: &Path| -> BTreeSet<_> {
                std::fs::read_dir(dir)
                    .map(|d| d.map(|e| e.unwrap().file_name()).collect())
                    .unwrap_or_default()
            };
            for name in names(&a).union(&names(&b)) {
                if name != "target" {
                    walk(real, copy, &rel.join(name), out);
                }
            }
        } else if std::fs::read(&a).ok() != std::fs::read(&b).ok() {
            out.insert(rel.to_string_lossy().into_owned());
        }
    }
    let mut out = BTreeSet::new();
    for rel in WORKSPACE {
        walk(real, copy, Path::new(rel), &mut out);
    }
    out
}

/// Where the copy is built: `<target>/pickup` (the target directory is the parent of the one cargo gives
/// tests for scratch files), kept between runs.
fn copy_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("pickup")
}

#[test]
fn a_model_an_error_code_and_a_limit_reach_the_sdk_and_the_simulator_with_no_hand_edit() {
    let real = xtask::workspace_root();
    let before = facts_of(&real);
    // The additions are new: no such model, price or code yet.
    assert!(before.catalogue.models.iter().all(|m| m.id != MODEL));
    assert!(
        before
            .catalogue
            .models
            .iter()
            .all(|m| m.credits != Some(MODEL_CREDITS))
    );
    assert!(before.error_codes.iter().all(|e| e.code != CODE));
    assert!(
        before
            .error_codes
            .iter()
            .all(|e| !e.statuses.contains(&CODE_STATUS))
    );
    let tts_old = tts_limit(&before);
    let tts_new = tts_old + TTS_RAISE;

    let copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pickup-workspace");
    let _ = std::fs::remove_dir_all(&copy);
    for rel in WORKSPACE {
        self::copy(&real, &copy, Path::new(rel));
    }

    // The maintainer's edit: the spec only.
    let path = copy.join(SPEC);
    let mut spec: Value = serde_yaml::from_str(&xtask::read(&path).unwrap()).unwrap();
    edit_spec(&mut spec, tts_new);
    std::fs::write(&path, serde_yaml::to_string(&spec).unwrap()).unwrap();

    // `cargo xtask generate` on the copy.
    let written = xtask::generate(&copy).unwrap();
    assert_eq!(
        written,
        vec![
            "crates/artnex-api/src/generated.rs",
            "crates/artnex-facts/src/generated.rs"
        ]
    );
    let after = facts_of(&copy);
    assert!(after.catalogue.models.iter().any(|m| m.id == MODEL));
    assert!(after.error_codes.iter().any(|e| e.code == CODE));
    assert_eq!(tts_limit(&after), tts_new);

    install_check(&copy, &expected_rs(tts_old, tts_new));
    let (ok, output) = run_check(&copy, &copy_target_dir());
    assert!(
        ok,
        "the check program failed in {} (built offline: if a dependency is missing from cargo's \
         cache, run `cargo fetch` in the workspace once):\n{output}",
        copy.display()
    );
    // Every check ran (a filter or a lost test would not go unnoticed).
    let check = xtask::read(&copy.join(CHECK_CRATE).join("src/lib.rs")).unwrap();
    let checks = check.matches("#[test]").count() + check.matches("#[tokio::test]").count();
    assert!(
        output.contains(&format!("test result: ok. {checks} passed")),
        "expected {checks} checks to pass:\n{output}"
    );

    // No hand edit: besides the spec and the check program, only generated files differ from this
    // workspace, and the lock only gained the check program's entry.
    let mut wanted: BTreeSet<String> = [
        SPEC,
        "Cargo.lock",
        "crates/artnex-api/src/generated.rs",
        "crates/artnex-facts/src/generated.rs",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for file in ["Cargo.toml", "src/lib.rs", "src/expected.rs"] {
        wanted.insert(format!("{CHECK_CRATE}/{file}"));
    }
    assert_eq!(differences(&real, &copy), wanted);
    let lock = xtask::read(&copy.join("Cargo.lock")).unwrap();
    let without_check: Vec<&str> = lock
        .split("\n\n")
        .filter(|block| !block.contains("name = \"pickup-check\""))
        .collect();
    assert_eq!(
        without_check.join("\n\n"),
        xtask::read(&real.join("Cargo.lock")).unwrap()
    );
    std::fs::remove_dir_all(&copy).ok();
}
