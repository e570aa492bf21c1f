//! The demo from a clean environment, and snapshots of `--help` and the `models` table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use support::{is_mp3, is_mp4, png_info};

fn bare(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_artnex"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir);
    cmd
}

#[test]
fn demo_runs_with_no_environment_and_its_gallery_references_only_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare(dir.path()).arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let demo_dir = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("artnex-demo-")
        })
        .expect("the demo folder");
    assert!(
        stdout.contains(&demo_dir.file_name().unwrap().to_string_lossy().to_string()),
        "the folder is named at the end"
    );
    let html = std::fs::read_to_string(demo_dir.join("index.html")).unwrap();
    let refs = support::gallery_refs(&html);
    assert_eq!(refs.len(), 8, "six images, a sound, a video: {refs:?}");
    let (mut images, mut audio, mut video) = (0, 0, 0);
    for r in &refs {
        assert!(
            !r.contains('/') && !r.starts_with('.'),
            "gallery links stay in the folder: {r}"
        );
        let path = demo_dir.join(r);
        assert!(path.is_file(), "{r} is referenced but missing");
        match path.extension().unwrap().to_str().unwrap() {
            "png" => {
                assert!(png_info(&path).0 > 0);
                images += 1;
            }
            "mp3" => {
                assert!(is_mp3(&path));
                audio += 1;
            }
            "mp4" => {
                assert!(is_mp4(&path));
                video += 1;
            }
            other => panic!("unexpected file type {other}"),
        }
    }
    assert_eq!((images, audio, video), (6, 1, 1), "{refs:?}");
    // The upscale is twice the size of its input edit, and the cut-out has an alpha channel.
    let edit = png_info(&demo_dir.join("03-edit-1.png"));
    let up = png_info(&demo_dir.join("04-upscale-1.png"));
    assert_eq!((up.0, up.1), (edit.0 * 2, edit.1 * 2));
    assert!(png_info(&demo_dir.join("05-remove-bg-1.png")).2);
    assert!(
        stdout.contains("estimate 1500 credits · charged 1500 credits"),
        "{stdout}"
    );
}

#[test]
fn help_output() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        vec!["--help"],
        vec!["generate", "--help"],
        vec!["edit", "--help"],
        vec!["video", "--help"],
        vec!["status", "--help"],
        vec!["tts", "--help"],
        vec!["upscale", "--help"],
        vec!["remove-bg", "--help"],
        vec!["models", "--help"],
        vec!["price", "--help"],
        vec!["batch", "--help"],
        vec!["demo", "--help"],
        vec!["images", "--help"],
        vec!["download", "--help"],
        vec!["config", "--help"],
        vec!["completions", "--help"],
    ] {
        let out = bare(dir.path()).args(&cmd).output().unwrap();
        assert!(out.status.success());
        let name = if cmd.len() == 1 {
            "artnex".to_string()
        } else {
            cmd[0].to_string()
        };
        insta::assert_snapshot!(format!("help_{name}"), String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn models_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare(dir.path()).arg("models").output().unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!("models_table", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn demo_refuses_dry_run_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare(dir.path())
        .args(["demo", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--dry-run") && stderr.contains("embedded simulator"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn completions_print_a_script_for_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh"] {
        let out = bare(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("artnex"), "{shell}");
        for sub in [
            "generate",
            "edit",
            "video",
            "status",
            "tts",
            "upscale",
            "remove-bg",
            "models",
            "price",
            "batch",
            "demo",
            "images",
            "download",
            "config",
            "completions",
        ] {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
        assert!(script.contains("--dry-run"), "{shell}");
    }
    let out = bare(dir.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("complete -F"));
    let out = bare(dir.path())
        .args(["completions", "zsh"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("#compdef artnex"));
}
