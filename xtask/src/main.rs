//! `cargo xtask`: code generation and spec tooling. Run `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask <command>

Commands:
  generate     regenerate every generated file from spec/ (clients and model catalogue)
  check        fail if a generated file is stale or a spec breaks a generator rule
  spec-diff [BASE] [HEAD] [--json] [--allow-breaking]
               what changed in spec/ for clients, breaking changes first (Markdown).
               BASE and HEAD are git revisions or spec files; defaults: the merge base
               with main, and the working tree. Exits 1 on breaking changes unless
               --allow-breaking.
  docs-check (--from DIR | --fetch [--base URL]... [--cache DIR]) [--json] [--allow-drift]
               compare the published docs pages with spec/ (`docs-check --help`)
  help         show this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Tests point the tool at a scratch copy of the workspace.
    let root = std::env::var_os("XTASK_WORKSPACE_ROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(xtask::workspace_root);
    let result = match args.first().map(String::as_str) {
        Some("generate") => xtask::generate(&root).map(|written| {
            if written.is_empty() {
                println!("generated files are up to date");
            }
            for w in written {
                println!("wrote {w}");
            }
            ExitCode::SUCCESS
        }),
        Some("check") => xtask::check(&root).map(|stale| {
            if stale.is_empty() {
                println!("specs follow the generator rules; generated files are fresh");
                return ExitCode::SUCCESS;
            }
            for s in &stale {
                eprintln!("error: {} is stale: it differs from what spec/ generates.", s.output);
                if let Some((line, have, want)) = &s.first_difference {
                    eprintln!("  first difference at line {line}:\n    committed: {have}\n    generated: {want}");
                }
            }
            eprintln!("Run `cargo xtask generate` and commit the result (never edit generated files by hand).");
            ExitCode::FAILURE
        }),
        Some("spec-diff") => spec_diff(&root, &args[1..]),
        Some("docs-check") => xtask::docs_check::cli(&root, &args[1..]),
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprint!("error: unknown command `{other}`\n\n{USAGE}");
            Ok(ExitCode::from(2))
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::FAILURE
    })
}

fn spec_diff(root: &std::path::Path, args: &[String]) -> xtask::Result<ExitCode> {
    const FLAGS: &[&str] = &["--json", "--allow-breaking"];
    if let Some(bad) = args
        .iter()
        .find(|a| a.starts_with("--") && !FLAGS.contains(&a.as_str()))
    {
        return Err(xtask::Error::new(format!(
            "unknown option `{bad}` for spec-diff"
        )));
    }
    let json = args.iter().any(|a| a == "--json");
    let allow = args.iter().any(|a| a == "--allow-breaking");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let base = match positional.first() {
        Some(a) => xtask::Source::parse(root, a),
        None => xtask::default_base(root),
    };
    let head = match positional.get(1) {
        Some(a) => xtask::Source::parse(root, a),
        None => xtask::Source::WorkingTree,
    };
    let reports = xtask::spec_diff(root, &base, &head)?;
    let breaking: usize = reports.iter().map(|r| r.breaking()).sum();
    if json {
        let doc = serde_json::json!({ "breaking": breaking, "reports": reports });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("# API spec changes\n");
        for r in &reports {
            println!("{}", r.markdown());
        }
        if breaking > 0 {
            println!(
                "**{breaking} breaking change(s).**{}",
                if allow { " (allowed)" } else { "" }
            );
        }
    }
    Ok(if breaking > 0 && !allow {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
