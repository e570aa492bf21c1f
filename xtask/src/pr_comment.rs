//! The body of the pull-request comment CI posts for a spec change (`cargo xtask pr-comment`).
//!
//! Its first line is [`MARKER`], a hidden HTML comment by which the workflow finds and updates its own
//! previous comment instead of adding one per push. Then a verdict (breaking or not, allowed by the label
//! or not) and a count per spec, which always fit; then the spec-diff report, cut at a line boundary so
//! that the whole body stays under GitHub's comment limit.

use crate::diff::Report;
use std::fmt::Write;

/// The first line of every comment body: how the workflow recognises the comment it posted before.
pub const MARKER: &str = "<!-- artnex-spec-diff -->";

/// The default longest body, under GitHub's limit of 65,536 characters for a comment.
pub const DEFAULT_MAX_CHARS: usize = 65_000;

/// What the comment says besides the reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The base side, as spec-diff labels it.
    pub base: String,
    /// The head side.
    pub head: String,
    /// The label that allows breaking changes, named in the verdict.
    pub breaking_label: Option<String>,
    /// Whether the pull request carries that label.
    pub allowed: bool,
    /// The longest body, in characters.
    pub max_chars: usize,
}

fn verdict(breaking: usize, other: usize, o: &Options) -> String {
    let label = o
        .breaking_label
        .as_deref()
        .map(|l| format!("the `{l}` label"))
        .unwrap_or_else(|| "the breaking-change label".into());
    match (breaking, o.allowed) {
        (0, _) if other == 0 => "**No changes that affect clients.**".to_string(),
        (0, _) => format!("**No breaking changes** ({other} other change(s) below)."),
        (n, true) => format!(
            "**{n} breaking change(s), allowed by {label}.** Release notes and the version bump must account for them."
        ),
        (n, false) => format!(
            "**{n} breaking change(s).** This check fails until they are reverted or the pull request carries {label}."
        ),
    }
}

/// Cuts `text` to at most `max` characters, at a character boundary.
fn cut_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The comment body for these reports.
pub fn body(reports: &[Report], o: &Options) -> String {
    let breaking: usize = reports.iter().map(Report::breaking).sum();
    let other: usize = reports.iter().map(|r| r.changes.len()).sum::<usize>() - breaking;
    let mut head = format!(
        "{MARKER}\n## API spec review\n\n{}\n\n",
        verdict(breaking, other, o)
    );
    head.push_str("| spec | breaking | other |\n|---|---|---|\n");
    for r in reports {
        let b = r.breaking();
        let _ = writeln!(head, "| `{}` | {b} | {} |", r.spec, r.changes.len() - b);
    }
    let _ = write!(
        head,
        "\n`cargo xtask spec-diff {} {}` (this comment is updated on every push)\n\n",
        o.base, o.head
    );
    let report: String = reports.iter().map(|r| r.markdown() + "\n").collect();
    let chars = |s: &str| s.chars().count();
    if chars(&head) + chars(&report) <= o.max_chars {
        return head + &report;
    }
    let lines: Vec<&str> = report.lines().collect();
    let note = |shown: usize| {
        format!(
            "\n_The report is cut here ({shown} of {} lines shown) to fit a comment; the job log has all of it._\n",
            lines.len()
        )
    };
    let budget = o.max_chars.saturating_sub(chars(&head));
    let mut kept = String::new();
    let mut shown = 0;
    for line in &lines {
        if chars(&kept) + chars(line) + 1 + chars(&note(shown + 1)) > budget {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
        shown += 1;
    }
    let full = head + &kept + &note(shown);
    cut_chars(&full, o.max_chars).to_string()
}
