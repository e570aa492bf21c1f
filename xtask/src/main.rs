//! `cargo xtask`: code generation and spec tooling. Run `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask <command>

Commands:
  generate     regenerate every generated file from spec/ (clients and model catalogue)
  check        fail if a generated file is stale or a spec breaks a generator rule
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
