#![doc = include_str!("README.md")]

mod compare;
pub mod facts;
mod fetch;
pub mod page;
mod prose;
mod spec_side;
mod tables;
mod text;

pub use fetch::{CONNECT_TIMEOUT, DEFAULT_BASES, TIMEOUT};
pub use page::Page;

use crate::{Error, Result};
use serde::Serialize;
use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What a finding is about.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A fact on a page that the spec does not state.
    Missing,
    /// A fact the page and the spec both state, differently.
    Differs,
    /// A spec fact (not marked assumed) that the page it comes from was read and does not state.
    Unstated,
    /// A page in an `llms.txt` index that no spec fact cites.
    Uncited,
    /// A table (or a field's constraint) on a page that could not be read.
    Unreadable,
}

impl Kind {
    /// Lower-case name, as in the JSON form.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Differs => "differs",
            Kind::Unstated => "unstated",
            Kind::Uncited => "uncited",
            Kind::Unreadable => "unreadable",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Missing => "On the pages, not in the spec",
            Kind::Differs => "Different on the pages and in the spec",
            Kind::Unstated => "In the spec, no longer on its page",
            Kind::Uncited => "Pages in the index that no spec fact cites",
            Kind::Unreadable => "Could not be read",
        }
    }

    const ALL: [Kind; 5] = [
        Kind::Missing,
        Kind::Differs,
        Kind::Unstated,
        Kind::Uncited,
        Kind::Unreadable,
    ];
}

/// One difference between the docs and the spec: every finding is drift.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// What kind of difference.
    pub kind: Kind,
    /// The page: the URL the spec cites for it, or its title.
    pub page: String,
    /// The fact: `POST /v1/generate model \`flux-2-pro\``, `plan \`Pro\``, `table \`Models\``.
    pub subject: String,
    /// What each side says.
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}: {}",
            self.kind.name(),
            self.page,
            self.subject,
            self.detail
        )
    }
}

/// Something that was not compared, and why (not drift).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    /// The page.
    pub page: String,
    /// What was not compared.
    pub subject: String,
    /// Why.
    pub detail: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.page, self.subject, self.detail)
    }
}

/// One page that was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PageSummary {
    /// Its label (as in findings).
    pub page: String,
    /// What it was recognised as: `index`, `endpoint`, `overview` or `other`.
    pub role: String,
    /// The spec it was compared with.
    pub spec: Option<String>,
    /// What was read from it: `models 8, errors 6, request fields 5, ...`.
    pub read: String,
}

/// The result of a docs check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Number of findings.
    pub drift: usize,
    /// Every finding, grouped by kind.
    pub findings: Vec<Finding>,
    /// What was not compared.
    pub notes: Vec<Note>,
    /// The pages read.
    pub pages: Vec<PageSummary>,
}

impl Report {
    /// The findings as `kind: page: subject: detail` lines.
    pub fn lines(&self) -> Vec<String> {
        self.findings.iter().map(ToString::to_string).collect()
    }

    /// The Markdown form.
    pub fn markdown(&self) -> String {
        let mut out = String::from("# Docs check\n\n");
        let _ = writeln!(
            out,
            "{} page(s) read; {} finding(s).\n",
            self.pages.len(),
            self.drift
        );
        for kind in Kind::ALL {
            let group: Vec<&Finding> = self.findings.iter().filter(|f| f.kind == kind).collect();
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(out, "## {} ({})\n", kind.title(), group.len());
            for f in group {
                let _ = writeln!(out, "- **{}** ({}): {}", f.subject, f.page, f.detail);
            }
            out.push('\n');
        }
        if self.findings.is_empty() {
            out.push_str(
                "No drift: the pages and the spec agree on every fact docs-check reads.\n\n",
            );
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "## Not compared ({})\n", self.notes.len());
            for n in &self.notes {
                let _ = writeln!(out, "- {} ({}): {}", n.subject, n.page, n.detail);
            }
            out.push('\n');
        }
        out.push_str(
            "## Pages read\n\n| page | recognised as | compared with | read |\n|---|---|---|---|\n",
        );
        for p in &self.pages {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                p.page,
                p.role,
                p.spec.as_deref().unwrap_or("—"),
                p.read
            );
        }
        out
    }
}

/// Where the pages come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pages {
    /// Saved pages: every `.txt`, `.md` or `.html` file under a directory.
    From(PathBuf),
    /// Downloaded from the docs sites.
    Fetch {
        /// Site roots; each one's `llms.txt` is read and every page it lists is fetched from it.
        bases: Vec<String>,
        /// Where the downloaded pages are written.
        cache: PathBuf,
    },
}

/// The specs, read for the comparison.
fn specs(root: &Path) -> Result<Vec<spec_side::SpecSide>> {
    crate::spec_files()
        .into_iter()
        .map(|file| {
            let text = crate::read(&root.join(file))?;
            let spec = crate::spec::Spec::parse(file, &text)?;
            Ok(spec_side::SpecSide::read(file, &spec))
        })
        .collect()
}

/// Reads every page under `dir` (recursively) whose name ends in `.txt`, `.md`, `.markdown`, `.html`
/// or `.htm`, in path order (or the one file `dir` names).
pub fn read_dir(dir: &Path) -> Result<Vec<Page>> {
    let mut files = Vec::new();
    if dir.is_file() {
        files.push(dir.to_path_buf());
    } else {
        walk(dir, &mut files)?;
    }
    files.sort();
    let mut pages = Vec::new();
    for f in files {
        let raw = crate::read(&f)?;
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let html = text::is_html(&raw, matches!(ext.as_str(), "html" | "htm"));
        pages.push(Page {
            origin: f.display().to_string(),
            text: text::page_text(&raw, html),
        });
    }
    if pages.is_empty() {
        return Err(Error::new(format!(
            "no .txt, .md or .html file under {}",
            dir.display()
        )));
    }
    Ok(pages)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| Error::new(format!("cannot read {}: {e}", dir.display())))?
            .path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "txt" | "md" | "markdown" | "html" | "htm"
            )
        }) {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads the pages from their source.
pub fn load(root: &Path, source: &Pages) -> Result<Vec<Page>> {
    match source {
        Pages::From(dir) => read_dir(dir),
        Pages::Fetch { bases, cache } => {
            let cited: Vec<String> = specs(root)?
                .iter()
                .flat_map(|s| s.cited.values().cloned())
                .collect();
            fetch::fetch(bases, cache, &cited)
        }
    }
}

/// Compares pages with the specs under `root`.
pub fn check(root: &Path, pages: &[Page]) -> Result<Report> {
    let specs = specs(root)?;
    let mut facts: Vec<page::PageFacts> = pages.iter().map(|p| page::read(p, &specs)).collect();
    // A page recognised by neither an endpoint nor as an overview takes the URL of the index entry
    // whose title is its title.
    let links: Vec<(String, String)> = facts
        .iter()
        .filter(|f| f.role == page::Role::Index)
        .flat_map(|f| f.links.clone())
        .collect();
    for f in facts.iter_mut().filter(|f| f.role == page::Role::Other) {
        let title = text::clean(&f.title).to_lowercase();
        let matching: Vec<&String> = links
            .iter()
            .filter(|(t, _)| text::clean(t).to_lowercase() == title)
            .map(|(_, u)| u)
            .collect();
        if let [url] = matching.as_slice() {
            f.label = url.trim_end_matches(".md").to_string();
        }
    }
    let (findings, notes) = compare::compare(&specs, &facts);
    let mut pages: Vec<PageSummary> = facts
        .iter()
        .map(|f| PageSummary {
            page: f.label.clone(),
            role: f.role.name().to_string(),
            spec: f.spec.and_then(|s| specs.get(s)).map(|s| s.file.clone()),
            read: f.counts(),
        })
        .collect();
    pages.sort();
    pages.dedup();
    Ok(Report {
        drift: findings.len(),
        findings,
        notes,
        pages,
    })
}

/// The options and exit codes (written once: in the usage text and in `--help`).
macro_rules! options {
    () => {
        "\
  --from DIR      read saved pages: every .txt, .md or .html file under DIR, whatever its name
  --fetch         download each site's llms.txt and the text form of every page it lists
  --base URL      a docs site (or a mirror of one) to fetch; repeat for several
                  (default: https://docs.artnex.app and https://docs.artapi.ai)
  --cache DIR     where fetched pages are written (default: target/docs-cache); `--from DIR`
                  reads them again
  --json          the report as JSON
  --allow-drift   exit 0 even when there are findings (report only)

Exit status: 0 without findings (or with --allow-drift), 1 with findings or on an error reading the
pages or the specs, 2 on a usage error.
"
    };
}

/// The usage text printed with a usage error.
pub const USAGE: &str = concat!(
    "cargo xtask docs-check (--from DIR | --fetch [--base URL]... [--cache DIR]) [--json] [--allow-drift]

Compares the published Artnex and ArtAPI docs pages with spec/ and reports, in Markdown (or JSON
with --json): facts on the pages missing from the spec, facts that differ, spec facts their page no
longer states, index pages no spec fact cites, and tables that could not be read.

",
    options!()
);

/// The options and exit codes, for `cargo xtask docs-check --help` (the usage line and summary come from
/// the command table).
pub const HELP: &str = options!();

/// `cargo xtask docs-check ARGS`.
pub fn cli(root: &Path, args: &[String]) -> Result<ExitCode> {
    let usage_error = |msg: String| {
        eprint!("error: {msg}\n\n{USAGE}");
        Ok(ExitCode::from(2))
    };
    let mut from = None;
    let mut fetch = false;
    let mut bases = Vec::new();
    let mut cache = None;
    let mut json = false;
    let mut allow = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            "--from" | "--base" | "--cache" => {
                let Some(v) = it.next() else {
                    return usage_error(format!("`{a}` needs a value"));
                };
                match a.as_str() {
                    "--from" => from = Some(PathBuf::from(v)),
                    "--base" => bases.push(v.clone()),
                    _ => cache = Some(PathBuf::from(v)),
                }
            }
            "--fetch" => fetch = true,
            "--json" => json = true,
            "--allow-drift" => allow = true,
            other => return usage_error(format!("unknown argument `{other}` for docs-check")),
        }
    }
    let source = match (from, fetch) {
        (Some(_), true) => {
            return usage_error("give either --from DIR or --fetch, not both".into());
        }
        (None, false) => {
            return usage_error(
                "docs-check needs a source: --from DIR (saved pages) or --fetch (download the docs)"
                    .into(),
            );
        }
        (Some(dir), false) => {
            if !bases.is_empty() || cache.is_some() {
                return usage_error("--base and --cache go with --fetch".into());
            }
            Pages::From(dir)
        }
        (None, true) => Pages::Fetch {
            bases: if bases.is_empty() {
                DEFAULT_BASES.iter().map(|b| b.to_string()).collect()
            } else {
                bases
            },
            cache: cache.unwrap_or_else(|| root.join("target/docs-cache")),
        },
    };
    let pages = load(root, &source)?;
    let report = check(root, &pages)?;
    let mut text = if json {
        serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
    } else {
        report.markdown()
    };
    if !json && report.drift > 0 && allow {
        text.push_str("(--allow-drift: reported only)\n");
    }
    // A reader that stops early (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    Ok(if report.drift > 0 && !allow {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
