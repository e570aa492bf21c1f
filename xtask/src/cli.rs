//! The `cargo xtask` command line: one table of commands ([`COMMANDS`]), from which the overview, each
//! command's `--help` and the dispatch are derived. Adding a command is adding one [`Command`] entry.

use crate::{Error, Result, Source};
use std::path::Path;
use std::process::ExitCode;

/// One `cargo xtask` command.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// The word after `cargo xtask`.
    pub name: &'static str,
    /// The arguments it takes, for the usage line (empty when none).
    pub args: &'static str,
    /// One line for the overview.
    pub summary: &'static str,
    /// The rest of its `--help`: what it does, each option, exit codes.
    pub help: &'static str,
    /// Runs it with the arguments after the command name (`--help` is handled before).
    pub run: fn(&Path, &[String]) -> Result<ExitCode>,
}

impl Command {
    /// The usage line: `cargo xtask NAME ARGS`.
    pub fn usage(&self) -> String {
        if self.args.is_empty() {
            format!("cargo xtask {}", self.name)
        } else {
            format!("cargo xtask {} {}", self.name, self.args)
        }
    }

    /// The full `--help` text.
    pub fn help_text(&self) -> String {
        format!(
            "{}\n\n{}\n\n{}\n",
            self.usage(),
            self.summary,
            self.help.trim_end()
        )
    }
}

/// Every command, in the order the overview lists them.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "generate",
        args: "",
        summary: "Regenerate every generated file from spec/ (the two clients and artnex-facts).",
        help: "\
Writes crates/artnex-api/src/generated.rs and crates/artapi-api/src/generated.rs (progenitor) and
crates/artnex-facts/src/generated.rs (operations, error codes, limits, enums, polling rule, plans, models)
from spec/artnex.yaml and spec/artapi.yaml. Only files whose content changes are written.
Refuses a spec that breaks a generator rule, with a message naming the operation.

Environment: XTASK_WORKSPACE_ROOT runs it on another copy of the workspace (tests use a scratch copy).",
        run: run_generate,
    },
    Command {
        name: "check",
        args: "",
        summary: "Fail if a generated file is stale or a spec breaks a generator rule (what CI runs).",
        help: "\
Renders every generated file in memory and compares it with the committed one; prints the first
differing line of each stale file. Never writes.

Exit codes: 0 fresh, 1 stale or a rule broken.",
        run: run_check,
    },
    Command {
        name: "spec-diff",
        args: "[BASE] [HEAD] [--json] [--allow-breaking]",
        summary: "What changed in spec/ for clients, breaking changes first (Markdown, or JSON).",
        help: "\
BASE and HEAD are git revisions or spec files. Defaults: BASE is the merge base with main, HEAD the
working tree. Two files compare those two files; revisions compare every spec.

Options:
  --json            machine-readable report: {\"breaking\": N, \"reports\": [...]}
  --allow-breaking  report breaking changes but exit 0

Exit codes: 0 no breaking change (or --allow-breaking), 1 breaking changes or an error.",
        run: run_spec_diff,
    },
    Command {
        name: "pr-comment",
        args: "[BASE] [HEAD] [--breaking-label NAME] [--allow-breaking] [--max-chars N]",
        summary: "The pull-request comment body for a spec change (spec-diff, with a marker and a summary).",
        help: "\
Prints Markdown for the PR comment CI posts and updates: its first line is a hidden marker by which
the workflow finds its previous comment, then a one-line verdict, then the spec-diff report (BASE and
HEAD as for spec-diff), cut to fit a GitHub comment.

Options:
  --breaking-label NAME  the label that lets a PR merge breaking changes (named in the verdict)
  --allow-breaking       the PR carries that label: the verdict says the changes are allowed
  --max-chars N          longest body (default 65000; GitHub refuses comments over 65536 characters)

Exit codes: 0 (the comment is built whatever it reports), 1 on an error.",
        run: run_pr_comment,
    },
    Command {
        name: "docs-check",
        args: "(--from DIR | --fetch [--base URL]... [--cache DIR]) [--json] [--allow-drift]",
        summary: "Compare the published docs pages with spec/: missing, differing and dropped facts.",
        help: crate::docs_check::HELP,
        run: crate::docs_check::cli,
    },
];

/// The overview: usage and one line per command.
pub fn overview() -> String {
    let mut out = String::from("cargo xtask <command> [options]\n\nCommands:\n");
    let width = COMMANDS.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in COMMANDS {
        out.push_str(&format!("  {:width$}  {}\n", c.name, c.summary));
    }
    out.push_str(&format!(
        "  {:width$}  Show this text, or a command's help (also `cargo xtask <command> --help`).\n",
        "help"
    ));
    out
}

/// The command called `name`.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

fn is_help(arg: &str) -> bool {
    matches!(arg, "--help" | "-h")
}

/// Runs the command line (the arguments after `cargo xtask`) on the workspace at `root`.
///
/// Exit codes: the command's own, 1 for its errors, 2 for an unknown command.
pub fn main(root: &Path, args: &[String]) -> ExitCode {
    let help = |text: String| {
        print!("{text}");
        ExitCode::SUCCESS
    };
    let command = match args.first().map(String::as_str) {
        None | Some("--help" | "-h") => return help(overview()),
        Some("help") => match args.get(1) {
            None => return help(overview()),
            Some(name) => find(name).map(|c| (c, true)).ok_or(name.as_str()),
        },
        Some(name) => find(name)
            .map(|c| (c, args[1..].iter().any(|a| is_help(a))))
            .ok_or(name),
    };
    match command {
        Ok((c, true)) => help(c.help_text()),
        Ok((c, false)) => (c.run)(root, &args[1..]).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }),
        Err(name) => {
            eprint!("error: unknown command `{name}`\n\n{}", overview());
            ExitCode::from(2)
        }
    }
}

/// Splits arguments into positionals and the values of the known flags; refuses anything else.
struct Args<'a> {
    positional: Vec<&'a str>,
    flags: Vec<&'a str>,
    values: Vec<(&'a str, &'a str)>,
}

impl<'a> Args<'a> {
    fn parse(
        command: &str,
        args: &'a [String],
        flags: &[&str],
        with_value: &[&str],
        max_positional: usize,
    ) -> Result<Args<'a>> {
        let mut out = Args {
            positional: Vec::new(),
            flags: Vec::new(),
            values: Vec::new(),
        };
        let mut iter = args.iter();
        while let Some(a) = iter.next() {
            let a = a.as_str();
            if flags.contains(&a) {
                out.flags.push(a);
            } else if with_value.contains(&a) {
                let v = iter.next().ok_or_else(|| {
                    Error::new(format!(
                        "`{a}` needs a value (see `cargo xtask {command} --help`)"
                    ))
                })?;
                out.values.push((a, v.as_str()));
            } else if a.starts_with("--") {
                return Err(Error::new(format!(
                    "unknown option `{a}` for {command} (see `cargo xtask {command} --help`)"
                )));
            } else {
                out.positional.push(a);
            }
        }
        if out.positional.len() > max_positional {
            return Err(Error::new(format!(
                "{command} takes at most {max_positional} argument(s), got {} (see `cargo xtask {command} --help`)",
                out.positional.len()
            )));
        }
        Ok(out)
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.contains(&name)
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }
}

fn run_generate(root: &Path, args: &[String]) -> Result<ExitCode> {
    Args::parse("generate", args, &[], &[], 0)?;
    let written = crate::generate(root)?;
    if written.is_empty() {
        println!("generated files are up to date");
    }
    for w in written {
        println!("wrote {w}");
    }
    Ok(ExitCode::SUCCESS)
}

fn run_check(root: &Path, args: &[String]) -> Result<ExitCode> {
    Args::parse("check", args, &[], &[], 0)?;
    let stale = crate::check(root)?;
    if stale.is_empty() {
        println!("specs follow the generator rules; generated files are fresh");
        return Ok(ExitCode::SUCCESS);
    }
    for s in &stale {
        eprintln!(
            "error: {} is stale: it differs from what spec/ generates.",
            s.output
        );
        if let Some((line, have, want)) = &s.first_difference {
            eprintln!(
                "  first difference at line {line}:\n    committed: {have}\n    generated: {want}"
            );
        }
    }
    eprintln!(
        "Run `cargo xtask generate` and commit the result (never edit generated files by hand)."
    );
    Ok(ExitCode::FAILURE)
}

/// BASE and HEAD of a spec-diff style command.
fn sources(root: &Path, positional: &[&str]) -> (Source, Source) {
    let base = match positional.first() {
        Some(a) => Source::parse(root, a),
        None => crate::default_base(root),
    };
    let head = match positional.get(1) {
        Some(a) => Source::parse(root, a),
        None => Source::WorkingTree,
    };
    (base, head)
}

fn run_spec_diff(root: &Path, args: &[String]) -> Result<ExitCode> {
    let args = Args::parse("spec-diff", args, &["--json", "--allow-breaking"], &[], 2)?;
    let (base, head) = sources(root, &args.positional);
    let reports = crate::spec_diff(root, &base, &head)?;
    let breaking: usize = reports.iter().map(|r| r.breaking()).sum();
    let allow = args.flag("--allow-breaking");
    if args.flag("--json") {
        let doc = serde_json::json!({ "breaking": breaking, "reports": reports });
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::new(format!("cannot write the JSON report: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", crate::diff::markdown(&reports, allow));
    }
    Ok(if breaking > 0 && !allow {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn run_pr_comment(root: &Path, args: &[String]) -> Result<ExitCode> {
    let args = Args::parse(
        "pr-comment",
        args,
        &["--allow-breaking"],
        &["--breaking-label", "--max-chars"],
        2,
    )?;
    let max_chars = match args.value("--max-chars") {
        Some(v) => v
            .parse()
            .map_err(|_| Error::new(format!("--max-chars: `{v}` is not a number")))?,
        None => crate::pr_comment::DEFAULT_MAX_CHARS,
    };
    let (base, head) = sources(root, &args.positional);
    let reports = crate::spec_diff(root, &base, &head)?;
    let options = crate::pr_comment::Options {
        base: base.label(),
        head: head.label(),
        breaking_label: args.value("--breaking-label").map(str::to_string),
        allowed: args.flag("--allow-breaking"),
        max_chars,
    };
    print!("{}", crate::pr_comment::body(&reports, &options));
    Ok(ExitCode::SUCCESS)
}
