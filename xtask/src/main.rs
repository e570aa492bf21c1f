//! `cargo xtask`: code generation and spec tooling. Run `cargo xtask help`; the commands are the table
//! in `xtask/src/cli.rs`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Tests point the tool at a scratch copy of the workspace.
    let root = std::env::var_os("XTASK_WORKSPACE_ROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(xtask::workspace_root);
    xtask::cli::main(&root, &args)
}
