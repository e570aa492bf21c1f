//! One docs page: what it is (an index, an endpoint page, an overview) recognised by its content, and
//! the facts read from it.

use super::facts::{Dir, ErrorRow, Field, Model};
use super::prose::{self, Rule};
use super::spec_side::{SpecOp, SpecSide};
use super::tables::{self, Col, Kind, Known, Table, heading_of};
use super::text::{self, clean, count, host};
use regex::Regex;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use super::text::pattern as re;

/// A page as read from a file or downloaded: its text form.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where it came from (a file or a URL), for messages about reading it.
    pub origin: String,
    /// Its text (HTML already turned into text).
    pub text: String,
}

/// What a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An `llms.txt` index of pages.
    Index,
    /// The reference page of one operation.
    Endpoint,
    /// A page that lists several operations and documents none (the API overview).
    Overview,
    /// Anything else.
    Other,
}

impl Role {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Index => "index",
            Role::Endpoint => "endpoint",
            Role::Overview => "overview",
            Role::Other => "other",
        }
    }
}

/// `METHOD path` as a page states it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Endpoint {
    /// Upper-case method.
    pub method: String,
    /// Path as written (`/v1/generate`).
    pub path: String,
    /// Host, when the page gives an absolute URL.
    pub host: Option<String>,
}

/// A model table as read.
#[derive(Debug, Clone)]
pub struct ModelTable {
    /// Its name.
    pub name: String,
    /// Columns it has.
    pub has_description: bool,
    /// Whether it has a durations column.
    pub has_durations: bool,
    /// Whether it has an aspect-ratio column.
    pub has_ratios: bool,
    /// Whether a mode is known for its rows.
    pub has_mode: bool,
    /// Rows read.
    pub rows: Vec<Model>,
    /// Rows that could not be read, as on the page.
    pub unreadable: Vec<String>,
}

/// An error table as read.
#[derive(Debug, Clone)]
pub struct ErrorTable {
    /// Its name.
    pub name: String,
    /// Whether it has a status column.
    pub has_status: bool,
    /// Whether it has a cause column.
    pub has_cause: bool,
    /// Rows read.
    pub rows: Vec<ErrorRow>,
    /// Rows that could not be read, as on the page.
    pub unreadable: Vec<String>,
}

/// A plan quota row.
#[derive(Debug, Clone)]
pub struct Quota {
    /// Plan name.
    pub plan: String,
    /// The limit's column header (`Requests per day`).
    pub header: String,
    /// The limit as on the page (`1,000`, `Custom`).
    pub limit: String,
}

/// Everything read from one page.
#[derive(Debug, Clone)]
pub struct PageFacts {
    /// How the report names the page: the URL the spec cites for it when it is recognised, else its
    /// title.
    pub label: String,
    /// Its title (first meaningful line).
    pub title: String,
    /// What it is.
    pub role: Role,
    /// Which spec it belongs to (index into the spec list).
    pub spec: Option<usize>,
    /// The operation it documents (index into that spec's operations).
    pub op: Option<usize>,
    /// The endpoint it documents.
    pub documented: Option<Endpoint>,
    /// Every endpoint it mentions.
    pub endpoints: Vec<Endpoint>,
    /// Field lists that could be read, by side.
    pub fields: BTreeMap<Dir, Vec<Field>>,
    /// Request fields named in prose with their values (`resolution (1k, 2k, 4k)`).
    pub prose_fields: Vec<Field>,
    /// Model tables.
    pub models: Vec<ModelTable>,
    /// Error tables.
    pub errors: Vec<ErrorTable>,
    /// Status tables' rows (status, meaning).
    pub statuses: Option<Vec<(u16, String)>>,
    /// Plan quotas.
    pub quotas: Vec<Quota>,
    /// Example bodies, by side.
    pub examples: BTreeMap<Dir, Vec<Value>>,
    /// Rules stated in sentences.
    pub rules: Vec<Rule>,
    /// What could not be read: (table or field, why).
    pub unreadable: Vec<(String, String)>,
    /// What was not compared and why: (subject, detail).
    pub notes: Vec<(String, String)>,
    /// For an index: its links (title, URL).
    pub links: Vec<(String, String)>,
}

impl PageFacts {
    /// A page with a title and nothing read yet.
    pub fn new(title: String) -> Self {
        PageFacts {
            label: title.clone(),
            title,
            role: Role::Other,
            spec: None,
            op: None,
            documented: None,
            endpoints: Vec::new(),
            fields: BTreeMap::new(),
            prose_fields: Vec::new(),
            models: Vec::new(),
            errors: Vec::new(),
            statuses: None,
            quotas: Vec::new(),
            examples: BTreeMap::new(),
            rules: Vec::new(),
            unreadable: Vec::new(),
            notes: Vec::new(),
            links: Vec::new(),
        }
    }

    /// What was read, in a few words: `operations 1, models 8, errors 6, ...`.
    pub fn counts(&self) -> String {
        let n = |d: Dir, m: &BTreeMap<Dir, Vec<Field>>| m.get(&d).map_or(0, Vec::len);
        let e = |d: Dir| self.examples.get(&d).map_or(0, Vec::len);
        let parts = [
            ("index links", self.links.len()),
            (
                "operations",
                self.endpoints
                    .iter()
                    .map(|e| (&e.method, super::spec_side::path_key(&e.path)))
                    .collect::<BTreeSet<_>>()
                    .len(),
            ),
            (
                "request fields",
                n(Dir::Request, &self.fields) + self.prose_fields.len(),
            ),
            ("response fields", n(Dir::Response, &self.fields)),
            ("models", self.models.iter().map(|t| t.rows.len()).sum()),
            ("errors", self.errors.iter().map(|t| t.rows.len()).sum()),
            ("statuses", self.statuses.as_ref().map_or(0, Vec::len)),
            ("plans", self.quotas.len()),
            ("example requests", e(Dir::Request)),
            ("example responses", e(Dir::Response)),
            ("rules", self.rules.len()),
        ];
        let parts: Vec<String> = parts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{what} {n}"))
            .collect();
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join(", ")
        }
    }
}

static LINK: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*[-*+]\s*\[([^\]]+)\]\(([^)\s]+)\)(?::\s*(.*))?\s*$"));
static ENDPOINT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|[^A-Za-z0-9_])(GET|POST|PUT|PATCH|DELETE) +(?:https?://([A-Za-z0-9.\-]+(?::\d+)?))?(/[A-Za-z0-9_\-./{}:]+)",
    )
});
static TITLE_ENDPOINT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^#*\s*(GET|POST|PUT|PATCH|DELETE) +(/[A-Za-z0-9_\-./{}:]+)(?:\s+[—–-]\s+.*)?$")
});
static LINE_ENDPOINT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(GET|POST|PUT|PATCH|DELETE) +(?:https?://([A-Za-z0-9.\-]+(?::\d+)?))?(/[A-Za-z0-9_\-./{}:]+)\s*$",
    )
});
static MAX_LENGTH: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:maximum|max\.?|at most|up to) ([\d,]+) char"));
static ACCEPTED_RANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)accepted range:?\s*(\d[\d,]*)(?:\s*(?:[–—-]|to)\s*(\d[\d,]*))?"));
static PAREN_RANGE: LazyLock<Regex> = LazyLock::new(|| re(r"\((\d+)\s*(?:[–—-]|to)\s*(\d+)\)"));
static ACCEPTED_VALUES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:accepted|allowed|supported) values:?\s*((?:"[^"]+"(?:,\s*or\s+|,\s*|\s+or\s+)?)+)"#,
    )
});
static ONLY_VALUES: LazyLock<Regex> =
    LazyLock::new(|| re(r#"^"[^"]+"(?:(?:,| or|, or) "[^"]+")*\.?$"#));
static QUOTED: LazyLock<Regex> = LazyLock::new(|| re(r#""([^"]+)""#));
static OPTIONS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)available options:\s*(.+)"));
static PROSE_ENUM: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b([a-z][a-z0-9_]*) \(((?:[A-Za-z0-9:.]+, )+[A-Za-z0-9:.]+)\)"));
static MDX_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?s)<(ParamField|ResponseField)\s+([^>]*)>(.*?)</(?:ParamField|ResponseField)>")
});
static MDX_NAME: LazyLock<Regex> = LazyLock::new(|| re(r#"\b(body|name)="([^"]+)""#));
static MDX_TYPE: LazyLock<Regex> = LazyLock::new(|| re(r#"\btype="([^"]+)""#));
static MDX_DEFAULT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"\bdefault=(?:"([^"]*)"|\{([^}]*)\})"#));
static MDX_REQUIRED: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|\s)required(?:\s|$|=\{true\})"));
static DEFAULT_LINE: LazyLock<Regex> = LazyLock::new(|| re(r#"^default:\s*"?([^"]*)"?$"#));
static NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z_][a-z0-9_]*(?:\[\])?(?:\.[a-z_][a-z0-9_]*(?:\[\])?)*$"));
static TYPE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:string|integer|number|boolean|array|object|file)(?:\[\])?$|^enum<(string|integer|number)>$",
    )
});
static DATA_FLAG: LazyLock<Regex> = LazyLock::new(|| re(r"(?:--data(?:-raw)?|-d)\s+'\s*$"));
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| re(r"^<[^<>]+>$"));

/// Reads one page.
pub fn read(page: &Page, specs: &[SpecSide]) -> PageFacts {
    let lines: Vec<&str> = page.text.lines().collect();
    let mut facts = PageFacts::new(title(&lines));
    if let Some(links) = index_links(&lines) {
        facts.role = Role::Index;
        facts.label = index_label(&links);
        facts.links = links;
        return facts;
    }
    facts.endpoints = endpoints(&lines);
    facts.documented = documented(&lines, &facts.title);
    facts.spec = assign_spec(&page.text, &facts, specs);
    let spec = facts.spec.and_then(|s| specs.get(s));
    let op = match (spec, &facts.documented) {
        (Some(s), Some(e)) => s.op(&e.method, &e.path),
        _ => None,
    };
    facts.op = op;
    let op_ref: Option<&SpecOp> = spec.zip(op).and_then(|(s, o)| s.ops.get(o));
    facts.role = if facts.documented.is_some() {
        Role::Endpoint
    } else if spec.is_some_and(|s| {
        facts
            .endpoints
            .iter()
            .filter(|e| s.op(&e.method, &e.path).is_some())
            .map(|e| (e.method.clone(), e.path.clone()))
            .collect::<BTreeSet<_>>()
            .len()
            >= 2
    }) {
        Role::Overview
    } else {
        Role::Other
    };
    match (facts.role, spec, op_ref) {
        (Role::Endpoint, Some(_), Some(o)) => {
            facts.label = o.source.clone().unwrap_or_else(|| o.label.clone());
        }
        (Role::Overview, Some(s), _) => {
            if let Some(src) = &s.info_source {
                facts.label = src.clone();
            }
        }
        _ => {}
    }
    if spec.is_none() {
        facts.notes.push((
            "page".into(),
            "not matched to a spec: it names no operation and no host of either spec, so nothing on it was compared".into(),
        ));
        return facts;
    }

    // Hints: what the spec knows about this page's operation (or the whole spec when the page
    // documents none), used only to settle readings that are otherwise ambiguous.
    let mut known = Known::new();
    let mut ranges = BTreeMap::new();
    let mut request_fields = BTreeSet::new();
    let ops: Vec<&SpecOp> = match (op_ref, spec) {
        (Some(o), _) => vec![o],
        (None, Some(s)) => s.ops.iter().collect(),
        _ => Vec::new(),
    };
    for o in &ops {
        known.extend(o.models.iter().map(|m| m.id.clone()));
        known.extend(o.errors.iter().map(|e| e.code.clone()));
        for f in &o.request {
            request_fields.insert(f.field.name.clone());
            if let Some(r) = f.field.range {
                ranges.insert(f.field.name.clone(), r);
            }
        }
    }

    let tables = tables::tables(&lines, &known);
    let sections = sections(&lines);
    for t in &tables {
        let dir = section_at(&sections, t.line).and_then(|k| match k {
            Section::Request => Some(Dir::Request),
            Section::Response => Some(Dir::Response),
            Section::Examples | Section::Other => None,
        });
        read_table(t, dir, &ranges, &mut facts);
    }
    param_fields(&lines, &sections, &ranges, &mut facts);
    mdx_fields(&page.text, &ranges, &mut facts);
    for line in &lines {
        for c in PROSE_ENUM.captures_iter(line) {
            if request_fields.contains(&c[1]) {
                let mut f = Field::named(&c[1]);
                f.values = Some(c[2].split(", ").map(str::to_string).collect());
                facts.prose_fields.push(f);
            }
        }
    }
    let examples = examples(&page.text);
    for (dir, value) in examples {
        facts.examples.entry(dir).or_default().push(value);
    }
    facts.rules = prose::rules(&page.text);

    // Sections that are there but could not be read.
    for (kind, heading) in sections.iter().map(|s| (s.kind, s.heading.clone())) {
        let dir = match kind {
            Section::Request => Dir::Request,
            Section::Response => Dir::Response,
            Section::Examples => {
                if facts.examples.is_empty() && !facts.notes.iter().any(|(s, _)| s == "examples") {
                    facts.notes.push((
                        "examples".into(),
                        format!("`{heading}` holds no example body in this rendering; examples were not compared"),
                    ));
                }
                continue;
            }
            Section::Other => continue,
        };
        if !facts.fields.contains_key(&dir) {
            let subject = format!("{dir} fields");
            if !facts.notes.iter().any(|(s, _)| s == &subject) {
                facts.notes.push((
                    subject,
                    format!("`{heading}`: the field names are not in this rendering; the fields were not compared"),
                ));
            }
        }
    }
    facts
}

/// The page's title: the `title:` of Markdown front matter, else the first Markdown heading or line of
/// two words or more (the lone `POST`, `/`, `v1` lines of a flattened endpoint badge are skipped).
fn title(lines: &[&str]) -> String {
    if lines.first().is_some_and(|l| l.trim() == "---") {
        let front = lines.iter().skip(1).take_while(|l| l.trim() != "---");
        for l in front {
            if let Some(t) = l.trim().strip_prefix("title:") {
                return text::shorten(&clean(t.trim().trim_matches(['"', '\''])), 80);
            }
        }
    }
    for line in lines {
        let heading = line.trim_start().starts_with('#');
        let l = line.trim().trim_start_matches('#').trim();
        if l.is_empty()
            || l == "---"
            || l.eq_ignore_ascii_case("skip to main content")
            || l.eq_ignore_ascii_case("skip to content")
        {
            continue;
        }
        if !heading && l.split_whitespace().count() < 2 {
            continue;
        }
        return text::shorten(&clean(l), 80);
    }
    "(untitled page)".into()
}

/// The links of an `llms.txt` index (title, URL), when the page is one: list items of the form
/// `- [title](url): notes` make up at least a third of its lines that are not headings or quotes.
pub fn index_links(lines: &[&str]) -> Option<Vec<(String, String)>> {
    let mut links = Vec::new();
    let mut other = 0;
    for line in lines {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with('>') {
            continue;
        }
        match LINK.captures(t) {
            Some(c) => links.push((clean(&c[1]), c[2].to_string())),
            None => other += 1,
        }
    }
    (!links.is_empty() && links.len() * 2 >= other).then_some(links)
}

/// The host most of an index's links point to: the docs site it indexes.
pub fn site_host(links: &[(String, String)]) -> Option<String> {
    let mut hosts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, u) in links {
        if let Some(h) = host(u) {
            *hosts.entry(h).or_default() += 1;
        }
    }
    // Most links; on a tie, the first host in name order.
    let best = hosts.values().copied().max()?;
    hosts.into_iter().find(|(_, n)| *n == best).map(|(h, _)| h)
}

fn index_label(links: &[(String, String)]) -> String {
    match site_host(links) {
        Some(h) => format!("index of {h}"),
        None => "index".into(),
    }
}

fn endpoint_from(method: &str, host: Option<&str>, path: &str) -> Endpoint {
    Endpoint {
        method: method.to_string(),
        path: path.trim_end_matches(['.', ':', ',']).to_string(),
        host: host.map(|h| h.to_ascii_lowercase()),
    }
}

fn endpoints(lines: &[&str]) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for line in lines {
        for c in ENDPOINT.captures_iter(line) {
            let e = endpoint_from(&c[1], c.get(2).map(|m| m.as_str()), &c[3]);
            if e.path.len() > 1 && !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}

/// The endpoint a page documents: its title (or one of its first lines) is `METHOD /path …`, or an
/// `Endpoint` heading is followed by `METHOD URL-or-path`.
fn documented(lines: &[&str], title: &str) -> Option<Endpoint> {
    let meaningful = lines.iter().filter(|l| !l.trim().is_empty()).take(12);
    for l in std::iter::once(&title).chain(meaningful) {
        if let Some(c) = TITLE_ENDPOINT.captures(l.trim()) {
            return Some(endpoint_from(&c[1], None, &c[2]));
        }
    }
    for (i, l) in lines.iter().enumerate() {
        if l.trim()
            .trim_start_matches('#')
            .trim()
            .eq_ignore_ascii_case("endpoint")
        {
            let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty())?;
            if let Some(c) = LINE_ENDPOINT.captures(next.trim()) {
                return Some(endpoint_from(&c[1], c.get(2).map(|m| m.as_str()), &c[3]));
            }
        }
    }
    None
}

fn assign_spec(text: &str, facts: &PageFacts, specs: &[SpecSide]) -> Option<usize> {
    let unique = |hits: Vec<usize>| -> Option<usize> {
        let set: BTreeSet<usize> = hits.into_iter().collect();
        (set.len() == 1).then(|| set.into_iter().next()).flatten()
    };
    if let Some(e) = &facts.documented {
        let hits: Vec<usize> = (0..specs.len())
            .filter(|&i| specs[i].op(&e.method, &e.path).is_some())
            .collect();
        if let Some(s) = unique(hits) {
            return Some(s);
        }
    }
    let hits: Vec<usize> = facts
        .endpoints
        .iter()
        .flat_map(|e| (0..specs.len()).filter(|&i| specs[i].op(&e.method, &e.path).is_some()))
        .collect();
    if let Some(s) = unique(hits) {
        return Some(s);
    }
    let hits: Vec<usize> = (0..specs.len())
        .filter(|&i| {
            specs[i]
                .api_hosts
                .iter()
                .chain(&specs[i].docs_hosts)
                .any(|h| text.contains(h.as_str()))
        })
        .collect();
    unique(hits)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Request,
    Response,
    Examples,
    Other,
}

#[derive(Debug, Clone)]
struct SectionAt {
    kind: Section,
    heading: String,
    start: usize,
    end: usize,
}

fn sections(lines: &[&str]) -> Vec<SectionAt> {
    let mut heads: Vec<(usize, String)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(h) = heading_of(l) {
            heads.push((i, h));
        }
    }
    let mut out = Vec::new();
    for (n, (i, h)) in heads.iter().enumerate() {
        let end = heads.get(n + 1).map(|(j, _)| *j).unwrap_or(lines.len());
        let kind = match h.as_str() {
            "request parameters" | "request body" | "body parameters" | "parameters" => {
                Section::Request
            }
            "response fields" | "response" | "response body" => Section::Response,
            _ if h.starts_with("example") => Section::Examples,
            _ => Section::Other,
        };
        let heading = lines[*i].trim().trim_start_matches('#').trim();
        let start_of_heading = heading.to_lowercase().rfind(h.as_str()).unwrap_or(0);
        out.push(SectionAt {
            kind,
            heading: heading[start_of_heading..]
                .trim_end_matches(':')
                .to_string(),
            start: *i,
            end,
        });
    }
    out
}

fn section_at(sections: &[SectionAt], line: usize) -> Option<Section> {
    sections
        .iter()
        .find(|s| s.start <= line && line < s.end)
        .map(|s| s.kind)
}

/// Constraints stated in a field's description: maximum length, range, allowed values.
fn describe(
    f: &mut Field,
    desc: &str,
    ranges: &BTreeMap<String, (f64, f64)>,
    problems: &mut Vec<(String, String)>,
) {
    if let Some(c) = MAX_LENGTH.captures(desc) {
        f.max_length = count(&c[1]);
    }
    if let Some(c) = ACCEPTED_RANGE.captures(desc) {
        match c.get(2) {
            Some(b) => {
                f.range = count(&c[1])
                    .zip(count(b.as_str()))
                    .map(|(a, b)| (a as f64, b as f64));
            }
            None => match split_range(&c[1], ranges.get(&f.name)) {
                Ok(r) => f.range = Some(r),
                Err(why) => problems.push((format!("field `{}`", f.name), why)),
            },
        }
    } else if let Some(c) = PAREN_RANGE.captures(desc) {
        f.range = count(&c[1])
            .zip(count(&c[2]))
            .map(|(a, b)| (a as f64, b as f64));
    }
    let values = if let Some(c) = ACCEPTED_VALUES.captures(desc) {
        Some(
            QUOTED
                .captures_iter(&c[1])
                .map(|q| q[1].to_string())
                .collect(),
        )
    } else if ONLY_VALUES.is_match(desc.trim()) {
        Some(
            QUOTED
                .captures_iter(desc)
                .map(|q| q[1].to_string())
                .collect(),
        )
    } else {
        OPTIONS.captures(desc).map(|c| {
            c[1].split(',')
                .map(clean)
                .filter(|v| !v.is_empty())
                .collect()
        })
    };
    if let Some(v) = values {
        f.values = Some(v);
    }
}

/// `14` where a rendering dropped the dash of `1–4`: every split into two increasing whole numbers,
/// settled by the spec's range when several fit.
fn split_range(digits: &str, spec: Option<&(f64, f64)>) -> Result<(f64, f64), String> {
    let d = digits.replace(',', "");
    let mut fits = Vec::new();
    for i in 1..d.len() {
        let (a, b) = d.split_at(i);
        if (a.len() > 1 && a.starts_with('0')) || (b.len() > 1 && b.starts_with('0')) {
            continue;
        }
        if let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>())
            && a < b
        {
            fits.push((a as f64, b as f64));
        }
    }
    if let Some(s) = spec
        && fits.contains(s)
    {
        return Ok(*s);
    }
    match fits.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("range `{digits}` is not two increasing numbers")),
        many => Err(format!(
            "range `{digits}` lost its dash and reads {} ways: {}",
            many.len(),
            many.iter()
                .map(|r| super::facts::range_text(*r))
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
}

fn read_table(
    t: &Table,
    section: Option<Dir>,
    ranges: &BTreeMap<String, (f64, f64)>,
    facts: &mut PageFacts,
) {
    let name = format!("table `{}`", t.name);
    let bad = |facts: &mut PageFacts, raw: &str, why: String| {
        facts.unreadable.push((
            name.clone(),
            format!("row `{}`: {why}", text::shorten(raw, 100)),
        ));
    };
    if t.rows.is_empty() && t.kind != Kind::Unknown {
        facts
            .unreadable
            .push((name.clone(), "a header and no row that can be read".into()));
        return;
    }
    let cell = |cells: &[String], c: Col| t.col(c).and_then(|i| cells.get(i)).cloned();
    match t.kind {
        Kind::Models => {
            let lower = t.name.to_lowercase();
            let table_mode = ["text-to-video", "image-to-video"]
                .into_iter()
                .find(|m| lower.contains(m))
                .map(str::to_string);
            let mut mt = ModelTable {
                name: t.name.clone(),
                has_description: t.col(Col::Description).is_some(),
                has_durations: t.col(Col::Durations).is_some(),
                has_ratios: t.col(Col::Ratios).is_some(),
                has_mode: table_mode.is_some() || t.col(Col::Mode).is_some(),
                rows: Vec::new(),
                unreadable: Vec::new(),
            };
            for r in &t.rows {
                let parsed = r.cells.clone().and_then(|cells| {
                    let id = cell(&cells, Col::Id).unwrap_or_default();
                    if !NAME_ID.is_match(&id) {
                        return Err(format!("`{id}` is not a model id"));
                    }
                    let raw_credits = cell(&cells, Col::Credits).unwrap_or_default();
                    let credits = text::credits(&raw_credits).ok_or_else(|| {
                        format!("credits `{raw_credits}` is not a number or `Varies`")
                    })?;
                    let durations = match cell(&cells, Col::Durations) {
                        Some(d) => Some(text::durations(&d).ok_or_else(|| {
                            format!("durations `{d}` are neither a list nor a range of seconds")
                        })?),
                        None => None,
                    };
                    let ratios =
                        match cell(&cells, Col::Ratios) {
                            Some(a) => Some(text::ratios(&a).ok_or_else(|| {
                                format!("aspect ratios `{a}` are not a list of W:H")
                            })?),
                            None => None,
                        };
                    Ok(Model {
                        id,
                        credits,
                        description: cell(&cells, Col::Description).map(|d| clean(&d)),
                        durations,
                        ratios,
                        mode: cell(&cells, Col::Mode).or_else(|| table_mode.clone()),
                    })
                });
                match parsed {
                    Ok(m) => mt.rows.push(m),
                    Err(why) => {
                        bad(facts, &r.raw, why);
                        mt.unreadable.push(r.raw.clone());
                    }
                }
            }
            facts.models.push(mt);
        }
        Kind::Errors => {
            let mut et = ErrorTable {
                name: t.name.clone(),
                has_status: t.col(Col::Status).is_some(),
                has_cause: [Col::Cause, Col::Description, Col::Meaning]
                    .iter()
                    .any(|c| t.col(*c).is_some()),
                rows: Vec::new(),
                unreadable: Vec::new(),
            };
            for r in &t.rows {
                let parsed = r.cells.clone().and_then(|cells| {
                    let code = cell(&cells, Col::Code).unwrap_or_default();
                    if !CODE.is_match(&code) {
                        return Err(format!("`{code}` is not an error code"));
                    }
                    let status = match cell(&cells, Col::Status) {
                        Some(s) => {
                            Some(status(&s).ok_or_else(|| format!("`{s}` is not an HTTP status"))?)
                        }
                        None => None,
                    };
                    let cause = cell(&cells, Col::Cause)
                        .or_else(|| cell(&cells, Col::Description))
                        .or_else(|| cell(&cells, Col::Meaning))
                        .map(|c| clean(&c));
                    Ok(ErrorRow {
                        status,
                        code,
                        cause,
                    })
                });
                match parsed {
                    Ok(e) => et.rows.push(e),
                    Err(why) => {
                        bad(facts, &r.raw, why);
                        et.unreadable.push(r.raw.clone());
                    }
                }
            }
            facts.errors.push(et);
        }
        Kind::Statuses => {
            let mut rows = facts.statuses.take().unwrap_or_default();
            for r in &t.rows {
                let parsed = r.cells.clone().and_then(|cells| {
                    let s = cell(&cells, Col::Status).unwrap_or_default();
                    let st = status(&s).ok_or_else(|| format!("`{s}` is not an HTTP status"))?;
                    let meaning = cell(&cells, Col::Meaning)
                        .or_else(|| cell(&cells, Col::Description))
                        .unwrap_or_default();
                    Ok((st, clean(&meaning)))
                });
                match parsed {
                    Ok(row) => rows.push(row),
                    Err(why) => bad(facts, &r.raw, why),
                }
            }
            facts.statuses = Some(rows);
        }
        Kind::Quotas => {
            let header = t
                .col(Col::Requests)
                .and_then(|i| t.headers.get(i))
                .cloned()
                .unwrap_or_default();
            for r in &t.rows {
                let parsed = r.cells.clone().and_then(|cells| {
                    let plan = cell(&cells, Col::Plan).unwrap_or_default();
                    let limit = cell(&cells, Col::Requests).unwrap_or_default();
                    let words = ["custom", "unlimited", "contact us", "contact sales"];
                    if plan.is_empty() {
                        return Err("no plan name".into());
                    }
                    if count(&limit).is_none() && !words.contains(&limit.to_lowercase().as_str()) {
                        return Err(format!("limit `{limit}` is not a number"));
                    }
                    Ok(Quota {
                        plan,
                        header: header.clone(),
                        limit,
                    })
                });
                match parsed {
                    Ok(q) => facts.quotas.push(q),
                    Err(why) => bad(facts, &r.raw, why),
                }
            }
        }
        Kind::Params | Kind::Fields => {
            let dir = match (t.kind, section) {
                (_, Some(d)) => d,
                (Kind::Params, None) => Dir::Request,
                _ => Dir::Response,
            };
            let name_col = if t.kind == Kind::Params {
                Col::Param
            } else {
                Col::Field
            };
            let mut list = Vec::new();
            for r in &t.rows {
                let parsed = r.cells.clone().and_then(|cells| {
                    let name = cell(&cells, name_col).unwrap_or_default();
                    if !NAME.is_match(&name) {
                        return Err(format!("`{name}` is not a field name"));
                    }
                    let mut f = Field::named(&name);
                    f.ty = cell(&cells, Col::Type).map(|t| type_name(&t));
                    f.required = match cell(&cells, Col::Required).map(|r| r.to_lowercase()) {
                        Some(r) if ["yes", "required", "true"].contains(&r.as_str()) => Some(true),
                        Some(r) if ["no", "optional", "false"].contains(&r.as_str()) => Some(false),
                        Some(r) => return Err(format!("required `{r}` is neither yes nor no")),
                        None => None,
                    };
                    f.default = cell(&cells, Col::Default).and_then(|d| literal(&d));
                    if let Some(d) = cell(&cells, Col::Description) {
                        let mut problems = Vec::new();
                        describe(&mut f, &d, ranges, &mut problems);
                        if let Some((_, why)) = problems.into_iter().next() {
                            return Err(why);
                        }
                    }
                    Ok(f)
                });
                match parsed {
                    Ok(f) => list.push(f),
                    Err(why) => bad(facts, &r.raw, why),
                }
            }
            if !list.is_empty() {
                facts.fields.entry(dir).or_default().extend(list);
            }
        }
        Kind::Unknown => facts.notes.push((
            name,
            format!(
                "columns {} are not a kind of table docs-check reads",
                t.headers.join(", ")
            ),
        )),
    }
}

static NAME_ID: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z0-9][a-z0-9._-]*$"));
static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z][a-z0-9_]*$"));

fn status(s: &str) -> Option<u16> {
    let s = clean(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    (digits.len() == 3).then(|| digits.parse().ok()).flatten()
}

fn type_name(t: &str) -> String {
    let t = clean(t).to_lowercase();
    match t.strip_prefix("enum<").and_then(|r| r.strip_suffix('>')) {
        Some(inner) => inner.to_string(),
        None => t,
    }
}

/// A default as a value: `"standard"` → `standard`, `1` → `1`; prose such as `model default` is no
/// value.
fn literal(d: &str) -> Option<String> {
    let d = d.trim();
    if d.len() >= 2 && d.starts_with('"') && d.ends_with('"') {
        return Some(d[1..d.len() - 1].to_string());
    }
    if d.parse::<f64>().is_ok() || ["true", "false"].contains(&d) {
        return Some(d.to_string());
    }
    None
}

/// Mintlify's rendering of fields: a name line, a type line, `required` / `default:"1"` lines, then
/// the description, inside a request or response section.
fn param_fields(
    lines: &[&str],
    sections: &[SectionAt],
    ranges: &BTreeMap<String, (f64, f64)>,
    facts: &mut PageFacts,
) {
    for s in sections {
        let dir = match s.kind {
            Section::Request => Dir::Request,
            Section::Response => Dir::Response,
            _ => continue,
        };
        let body: Vec<&str> = lines[s.start + 1..s.end]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        let starts =
            |i: usize| NAME.is_match(body[i]) && body.get(i + 1).is_some_and(|t| TYPE.is_match(t));
        let mut list = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if !starts(i) {
                i += 1;
                continue;
            }
            let mut f = Field::named(body[i]);
            f.ty = Some(type_name(body[i + 1]));
            f.required = Some(false);
            let mut j = i + 2;
            let mut desc = Vec::new();
            while j < body.len() && !starts(j) {
                let l = body[j];
                if l.eq_ignore_ascii_case("required") {
                    f.required = Some(true);
                } else if let Some(c) = DEFAULT_LINE.captures(l) {
                    f.default = Some(c[1].to_string());
                } else {
                    desc.push(l);
                }
                j += 1;
            }
            let mut problems = Vec::new();
            describe(&mut f, &desc.join(" "), ranges, &mut problems);
            facts.unreadable.extend(problems);
            list.push(f);
            i = j;
        }
        if !list.is_empty() {
            facts.fields.entry(dir).or_default().extend(list);
        }
    }
}

/// The Markdown (MDX) form: `<ParamField body="prompt" type="string" required>…</ParamField>`.
fn mdx_fields(text: &str, ranges: &BTreeMap<String, (f64, f64)>, facts: &mut PageFacts) {
    for c in MDX_FIELD.captures_iter(text) {
        let attrs = &c[2];
        let Some(name) = MDX_NAME.captures(attrs) else {
            continue;
        };
        let dir = if &c[1] == "ParamField" {
            if &name[1] != "body" {
                continue;
            }
            Dir::Request
        } else {
            Dir::Response
        };
        let mut f = Field::named(&name[2]);
        f.ty = MDX_TYPE.captures(attrs).map(|t| type_name(&t[1]));
        f.required = Some(MDX_REQUIRED.is_match(attrs));
        f.default = MDX_DEFAULT.captures(attrs).and_then(|d| {
            d.get(1)
                .or_else(|| d.get(2))
                .map(|m| m.as_str().trim_matches('"').to_string())
        });
        let desc = clean(&c[3].replace('\n', " "));
        let mut problems = Vec::new();
        describe(&mut f, &desc, ranges, &mut problems);
        facts.unreadable.extend(problems);
        facts.fields.entry(dir).or_default().push(f);
    }
}

/// JSON bodies on the page: a request when it is the `--data`/`-d` argument of a curl command, a
/// response otherwise. Bodies of placeholders (`"<string>"`, the docs' generated schema snippets) are
/// not examples.
fn examples(text: &str) -> Vec<(Dir, Value)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let before = &text[..i];
        let line_start = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
        let at_line_start = before[line_start..].trim().is_empty();
        let mut near = before.len().saturating_sub(200);
        while !before.is_char_boundary(near) {
            near += 1;
        }
        let after_data = DATA_FLAG.is_match(&before[near..]);
        if !(at_line_start || after_data) {
            i += 1;
            continue;
        }
        let Some(end) = balanced(&text[i..]) else {
            i += 1;
            continue;
        };
        let block = &text[i..i + end];
        match serde_json::from_str::<Value>(block) {
            Ok(v) if v.is_object() => {
                if !has_placeholder(&v) {
                    out.push((
                        if after_data {
                            Dir::Request
                        } else {
                            Dir::Response
                        },
                        v,
                    ));
                }
                i += end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Length of the balanced `{…}` at the start of `s`, strings respected.
fn balanced(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn has_placeholder(v: &Value) -> bool {
    match v {
        Value::String(s) => PLACEHOLDER.is_match(s),
        Value::Array(a) => a.iter().any(has_placeholder),
        Value::Object(m) => m.values().any(has_placeholder),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            title(&["---", "title: \"Authentication\"", "---", "# Other"]),
            "Authentication"
        );
        assert_eq!(title(&["# Authentication", "text"]), "Authentication");
        assert_eq!(
            title(&[
                "Skip to main content",
                "POST",
                "/",
                "v1",
                "POST /v1/generate — Generate"
            ]),
            "POST /v1/generate — Generate"
        );
    }

    #[test]
    fn ranges_that_lost_their_dash() {
        assert_eq!(split_range("14", None), Ok((1.0, 4.0)));
        assert_eq!(split_range("110", None), Ok((1.0, 10.0)));
        assert_eq!(split_range("1216", Some(&(12.0, 16.0))), Ok((12.0, 16.0)));
        let err = split_range("1218", Some(&(12.0, 16.0))).unwrap_err();
        assert!(err.contains("reads 2 ways"), "{err}");
    }

    #[test]
    fn curl_data_is_a_request_and_placeholders_are_skipped() {
        let text = "curl --request POST \\\n  --data '\n{\n  \"prompt\": \"<string>\"\n}\n'\n{\n  \"ok\": true\n}\n\
                    curl -d '{\"n\": 1}'\nGET /v1/video/{request_id}\n";
        let ex = examples(text);
        assert_eq!(
            ex,
            vec![
                (Dir::Response, serde_json::json!({"ok": true})),
                (Dir::Request, serde_json::json!({"n": 1})),
            ]
        );
    }

    #[test]
    fn constraints_from_descriptions() {
        let mut f = Field::named("quality");
        let mut problems = Vec::new();
        describe(
            &mut f,
            "\"standard\" or \"hd\".",
            &BTreeMap::new(),
            &mut problems,
        );
        assert_eq!(f.values, Some(vec!["standard".into(), "hd".into()]));
        let mut f = Field::named("aspect_ratio");
        describe(
            &mut f,
            "Output aspect ratio. Accepted values: \"16:9\", \"9:16\", \"1:1\". Not all models support all ratios.",
            &BTreeMap::new(),
            &mut problems,
        );
        assert_eq!(
            f.values,
            Some(vec!["16:9".into(), "9:16".into(), "1:1".into()])
        );
        let mut f = Field::named("prompt");
        describe(
            &mut f,
            "Be specific. Maximum 4,000 characters.",
            &BTreeMap::new(),
            &mut problems,
        );
        assert_eq!(f.max_length, Some(4000));
        assert!(problems.is_empty());
    }

    #[test]
    fn markdown_field_components() {
        let mut facts = PageFacts::new(String::new());
        let text = "<ParamField body=\"num_images\" type=\"integer\" default={1}>\nAccepted range: 1–4.\n</ParamField>\n\
                    <ParamField body=\"prompt\" type=\"string\" required>\nMaximum 4,000 characters.\n</ParamField>\n\
                    <ResponseField name=\"success\" type=\"boolean\" required>ok</ResponseField>";
        mdx_fields(text, &BTreeMap::new(), &mut facts);
        let req = &facts.fields[&Dir::Request];
        assert_eq!(req[0].range, Some((1.0, 4.0)));
        assert_eq!(req[0].default.as_deref(), Some("1"));
        assert_eq!(req[0].required, Some(false));
        assert_eq!(req[1].required, Some(true));
        assert_eq!(req[1].max_length, Some(4000));
        assert_eq!(facts.fields[&Dir::Response][0].name, "success");
    }
}
