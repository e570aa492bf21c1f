//! `cargo xtask` help and usage: every command of the table answers `--help` without running, and bad
//! command lines fail with a message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};
use xtask::cli::COMMANDS;

/// A directory that is not a workspace: a command that really ran there would fail.
fn nowhere() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-cli-nowhere-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(nowhere())
        .env("XTASK_WORKSPACE_ROOT", nowhere())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_command_has_help_and_help_does_not_run_it() {
    for c in COMMANDS {
        for args in [
            vec![c.name, "--help"],
            vec![c.name, "-h"],
            vec!["help", c.name],
            // --help wins wherever it is, even after other options.
            vec![c.name, "--json", "--help"],
        ] {
            let out = xtask(&args);
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            let text = stdout(&out);
            assert_eq!(text, c.help_text(), "{args:?}");
            assert!(
                text.starts_with(&format!("cargo xtask {}", c.name)),
                "{text}"
            );
            assert!(text.contains(c.summary));
        }
        // Without --help the same command really runs, and fails outside a workspace: so the successes
        // above did not run it.
        let out = xtask(&[c.name]);
        assert!(!out.status.success(), "{} ran outside a workspace", c.name);
    }
}

#[test]
fn the_overview_lists_every_command() {
    for args in [&[][..], &["help"], &["--help"], &["-h"]] {
        let out = xtask(args);
        assert!(out.status.success());
        let text = stdout(&out);
        for c in COMMANDS {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(c.name) && l.contains(c.summary)),
                "{} missing from {text}",
                c.name
            );
        }
    }
}

#[test]
fn bad_command_lines_fail_readably() {
    let out = xtask(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown command `frobnicate`"));
    assert!(stderr(&out).contains("Commands:"));

    let out = xtask(&["help", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));

    let out = xtask(&["check", "--bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("unknown option `--bogus` for check (see `cargo xtask check --help`)"),
        "{}",
        stderr(&out)
    );

    let out = xtask(&["spec-diff", "a", "b", "c"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("spec-diff takes at most 2 argument(s), got 3"));

    let out = xtask(&["pr-comment", "--max-chars"]);
    assert!(
        stderr(&out).contains("`--max-chars` needs a value"),
        "{}",
        stderr(&out)
    );
}
