//! Tables as the docs pages really render them, in two shapes:
//!
//! - `|`-rows: `| Model ID | Credits |` (Markdown, HTML turned into text, or a text rendering; a header
//!   may follow prose on the same line, `…window:| Plan | Requests per day |`, and a row may lack its
//!   leading `|`);
//! - run-together cells: `Model IDCredits per imageDescription` then rows like
//!   `seedream-v4200Bytedance Seedream v4` or `400missing_promptThe prompt field…`.
//!
//! A run-together row is split by the grammar of each column (an id, a price with thousands
//! separators, a status, a snake_case code, a type, …); a description starts with a capital letter or
//! a quote. Every reading that fits is collected: one reading is taken; several are settled by the ids
//! and codes the spec knows, or else reported as ambiguous; none is reported as unreadable. A row is
//! never guessed silently.

use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use super::text::pattern as re;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// Model id.
    Id,
    /// Credits (price).
    Credits,
    /// Free text.
    Description,
    /// Video durations.
    Durations,
    /// Aspect ratios.
    Ratios,
    /// Video mode.
    Mode,
    /// HTTP status.
    Status,
    /// Error code.
    Code,
    /// Error cause.
    Cause,
    /// Meaning of a status.
    Meaning,
    /// Request parameter name.
    Param,
    /// Response field name.
    Field,
    /// JSON type.
    Type,
    /// Required or not.
    Required,
    /// Default value.
    Default,
    /// Plan name.
    Plan,
    /// Requests per day.
    Requests,
    /// Anything else.
    Other,
}

/// A header cell's column.
pub fn col_of(header: &str) -> Col {
    let h = super::text::clean(header).to_lowercase();
    match h.as_str() {
        "model id" | "model" | "id" | "model name" => Col::Id,
        "description" | "notes" => Col::Description,
        "supported durations" | "durations" | "duration" => Col::Durations,
        "aspect ratios" | "aspect ratio" | "supported aspect ratios" => Col::Ratios,
        "mode" => Col::Mode,
        "http status" | "status" | "status code" | "http" | "http status code" => Col::Status,
        "error code" | "code" => Col::Code,
        "cause" => Col::Cause,
        "meaning" => Col::Meaning,
        "parameter" | "name" => Col::Param,
        "field" => Col::Field,
        "type" => Col::Type,
        "required" => Col::Required,
        "default" => Col::Default,
        "plan" => Col::Plan,
        "requests per day" | "requests" | "daily requests" | "requests/day" => Col::Requests,
        _ if h.starts_with("credits") || h.starts_with("price") || h.starts_with("cost") => {
            Col::Credits
        }
        _ => Col::Other,
    }
}

/// What a table is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Models and prices.
    Models,
    /// Error codes.
    Errors,
    /// HTTP statuses and their meaning.
    Statuses,
    /// Plan quotas.
    Quotas,
    /// Request parameters.
    Params,
    /// Response fields.
    Fields,
    /// A table docs-check does not read.
    Unknown,
}

/// The kind of a table from its columns.
pub fn kind_of(cols: &[Col]) -> Kind {
    let has = |c: Col| cols.contains(&c);
    if has(Col::Id) && has(Col::Credits) {
        Kind::Models
    } else if has(Col::Code) {
        Kind::Errors
    } else if has(Col::Status) && (has(Col::Meaning) || has(Col::Description)) {
        Kind::Statuses
    } else if has(Col::Plan) && has(Col::Requests) {
        Kind::Quotas
    } else if has(Col::Param) {
        Kind::Params
    } else if has(Col::Field) {
        Kind::Fields
    } else {
        Kind::Unknown
    }
}

/// One table found on a page.
#[derive(Debug, Clone)]
pub struct Table {
    /// The heading above it (`Models`, `Text-to-video models`, `Error codes`).
    pub name: String,
    /// Index of its header line.
    pub line: usize,
    /// Header cells.
    pub headers: Vec<String>,
    /// Their columns.
    pub cols: Vec<Col>,
    /// What it is about.
    pub kind: Kind,
    /// Its rows.
    pub rows: Vec<Row>,
}

impl Table {
    /// Position of a column.
    pub fn col(&self, c: Col) -> Option<usize> {
        self.cols.iter().position(|&x| x == c)
    }
}

/// One row: its text, and its cells or why they cannot be read.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row as on the page.
    pub raw: String,
    /// One string per column.
    pub cells: Result<Vec<String>, String>,
}

/// Headings the pages use, lower case. A line is a heading when it is one of these (or ends with one
/// after a `.` or `:`, where a rendering ran the heading into the previous paragraph).
const HEADINGS: &[&str] = &[
    "endpoint",
    "request parameters",
    "request body",
    "body parameters",
    "parameters",
    "path parameters",
    "query parameters",
    "response fields",
    "response",
    "response body",
    "models",
    "error codes",
    "errors",
    "example requests",
    "example request",
    "example response",
    "example responses",
    "examples",
    "async polling",
    "notes",
    "rate limits",
    "error responses",
    "available endpoints",
    "base url",
    "authentication",
    "next steps",
    "credit-based billing",
    "response format",
    "text-to-video models",
    "image-to-video models",
];

/// The heading a line is (lower case), if any.
pub fn heading_of(line: &str) -> Option<String> {
    let l = line.trim().trim_start_matches('#').trim();
    let l = l.trim_end_matches(':').trim().to_lowercase();
    if HEADINGS.contains(&l.as_str()) {
        return Some(l);
    }
    let tail = l.rsplit(['.', ':']).next()?.trim();
    (tail.len() < l.len() && HEADINGS.contains(&tail)).then(|| tail.to_string())
}

/// Words that open a code block and look like headings.
const CODE_LANGS: &[&str] = &[
    "json",
    "bash",
    "sh",
    "shell",
    "python",
    "javascript",
    "js",
    "typescript",
    "ts",
    "text",
    "yaml",
    "curl",
    "http",
];

/// The name of the table whose header is at `idx`: the nearest heading-like line above it.
fn name_before(lines: &[&str], idx: usize, prose_before: &str) -> Option<String> {
    let mut candidates: Vec<&str> = Vec::new();
    if !prose_before.trim().is_empty() {
        candidates.push(prose_before);
    }
    for line in lines[..idx].iter().rev().take(20) {
        candidates.push(line);
    }
    for c in candidates {
        let line = c.trim().trim_start_matches('#').trim();
        if line.is_empty() || line.contains('|') {
            continue;
        }
        if let Some(h) = heading_of(line) {
            // Keep the page's own spelling.
            let start = line.to_lowercase().rfind(&h).unwrap_or(0);
            return Some(line[start..].trim_end_matches(':').trim().to_string());
        }
        let starts_with_letter = line.chars().next().is_some_and(char::is_alphabetic);
        let words = line.split_whitespace().count();
        if starts_with_letter
            && words <= 5
            && !line.ends_with(['.', ':', ',', ';'])
            && !CODE_LANGS.contains(&line.to_lowercase().as_str())
        {
            return Some(line.to_string());
        }
    }
    None
}

static HEADER_CELL: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        "^(?:Model ID|Model name|Credits per [a-z]+|Credits|Description|Supported durations|",
        "Aspect ratios|Mode|HTTP status|Status code|Status|Error code|Code|Cause|Meaning|",
        "Parameter|Type|Required|Default|Field|Plan|Requests per day|Model|Name)"
    ))
});

/// A run-together header split into its cells.
fn run_together_header(line: &str) -> Option<Vec<String>> {
    let mut cells = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let m = HEADER_CELL.find(rest)?;
        cells.push(m.as_str().to_string());
        rest = &rest[m.end()..];
    }
    (cells.len() >= 2).then_some(cells)
}

/// A `|`-header: the cells after the first `|`, and the prose before it.
fn pipe_header(line: &str) -> Option<(Vec<String>, &str)> {
    let first = line.find('|')?;
    let cells = pipe_cells(&line[first..]);
    (cells.len() >= 2).then_some((cells, &line[..first]))
}

fn pipe_cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(super::text::clean).collect()
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Ids and codes the spec knows, which settle a run-together row that reads two ways.
pub type Known = BTreeSet<String>;

/// Every table on a page.
pub fn tables(lines: &[&str], known: &Known) -> Vec<Table> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((headers, prose)) = pipe_header(line) {
            let cols: Vec<Col> = headers.iter().map(|h| col_of(h)).collect();
            let kind = kind_of(&cols);
            let next_is_separator = lines.get(i + 1).is_some_and(|l| is_separator(l));
            if kind != Kind::Unknown || next_is_separator {
                let mut rows = Vec::new();
                let mut j = i + 1;
                while j < lines.len() {
                    let l = lines[j];
                    if is_separator(l) {
                        j += 1;
                        continue;
                    }
                    if l.trim().is_empty() || !l.contains('|') {
                        break;
                    }
                    let cells = pipe_cells(l);
                    let cells = if cells.len() == headers.len() {
                        Ok(cells)
                    } else {
                        Err(format!(
                            "{} cells where the header has {}",
                            cells.len(),
                            headers.len()
                        ))
                    };
                    rows.push(Row {
                        raw: l.trim().to_string(),
                        cells,
                    });
                    j += 1;
                }
                out.push(Table {
                    name: name_before(lines, i, prose).unwrap_or_else(|| headers.join(" / ")),
                    line: i,
                    headers,
                    cols,
                    kind,
                    rows,
                });
                i = j;
                continue;
            }
        } else if let Some(headers) = run_together_header(line) {
            let cols: Vec<Col> = headers.iter().map(|h| col_of(h)).collect();
            let kind = kind_of(&cols);
            if kind != Kind::Unknown {
                let grammars: Option<Vec<Grammar>> = cols.iter().map(|c| grammar(*c)).collect();
                let text_only_last = cols
                    .iter()
                    .take(cols.len().saturating_sub(1))
                    .all(|c| grammar(*c) != Some(Grammar::Text));
                let mut rows = Vec::new();
                let mut j = i + 1;
                while j < lines.len() {
                    let l = lines[j].trim();
                    if l.is_empty() {
                        break;
                    }
                    let cells = match &grammars {
                        Some(g) if text_only_last => split_row(l, g, known),
                        _ => Err(format!(
                            "the cells of this table run together and docs-check can split such rows only when every column but the last has a fixed shape (columns: {})",
                            headers.join(", ")
                        )),
                    };
                    let shaped = cells.is_ok()
                        || grammars.as_ref().is_some_and(|g| row_shaped(l, g[0]))
                        || (grammars.is_none() && j == i + 1);
                    if !shaped {
                        break;
                    }
                    rows.push(Row {
                        raw: l.to_string(),
                        cells,
                    });
                    j += 1;
                }
                out.push(Table {
                    name: name_before(lines, i, "").unwrap_or_else(|| headers.join(" / ")),
                    line: i,
                    headers,
                    cols,
                    kind,
                    rows,
                });
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The shape of a cell in a run-together row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Id,
    Credits,
    Status,
    Code,
    Name,
    Type,
    Required,
    Default,
    Plan,
    Requests,
    Text,
}

fn grammar(c: Col) -> Option<Grammar> {
    Some(match c {
        Col::Id => Grammar::Id,
        Col::Credits => Grammar::Credits,
        Col::Status => Grammar::Status,
        Col::Code => Grammar::Code,
        Col::Param | Col::Field => Grammar::Name,
        Col::Type => Grammar::Type,
        Col::Required => Grammar::Required,
        Col::Default => Grammar::Default,
        Col::Plan => Grammar::Plan,
        Col::Requests => Grammar::Requests,
        Col::Description | Col::Cause | Col::Meaning => Grammar::Text,
        Col::Durations | Col::Ratios | Col::Mode | Col::Other => return None,
    })
}

static G_ID: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:[a-z0-9][a-z0-9._-]*[a-z0-9]|[a-z0-9])$"));
// No `0`: a run-together price of 0 cannot be told from the id's last digit.
static G_CREDITS: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[1-9]\d{0,2}(?:,\d{3})*|Varies|varies)$"));
static G_STATUS: LazyLock<Regex> = LazyLock::new(|| re(r"^[1-5]\d\d$"));
static G_CODE: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:[a-z][a-z0-9_]*[a-z0-9]|[a-z])$"));
static G_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z_][a-z0-9_]*(?:\[\])?(?:\.[a-z_][a-z0-9_]*(?:\[\])?)*$"));
static G_TYPE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:string|integer|number|boolean|array|object)(?:\[\])?$"));
static G_REQUIRED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:Yes|No|yes|no|Required|Optional|required|optional|true|false)$"));
static G_DEFAULT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"^(?:"[^"]*"|-?\d+(?:\.\d+)?|true|false|null|[a-z][a-z ]*[a-z])?$"#));
static G_PLAN: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*$"));
static G_REQUESTS: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[1-9]\d{0,2}(?:,\d{3})*|Custom|Unlimited|custom|unlimited)$"));

fn full_match(g: Grammar, s: &str) -> bool {
    let r: &Regex = match g {
        Grammar::Id => &G_ID,
        Grammar::Credits => &G_CREDITS,
        Grammar::Status => &G_STATUS,
        Grammar::Code => &G_CODE,
        Grammar::Name => &G_NAME,
        Grammar::Type => &G_TYPE,
        Grammar::Required => &G_REQUIRED,
        Grammar::Default => &G_DEFAULT,
        Grammar::Plan => &G_PLAN,
        Grammar::Requests => &G_REQUESTS,
        Grammar::Text => return true,
    };
    r.is_match(s)
}

/// Every length at which a prefix of `s` is a whole cell of grammar `g`.
fn prefixes(g: Grammar, s: &str) -> Vec<usize> {
    let mut bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    bounds.push(s.len());
    bounds
        .into_iter()
        .filter(|&l| (l > 0 || g == Grammar::Default) && full_match(g, &s[..l]))
        .collect()
}

/// Whether free text may start here: a capital, an opening parenthesis, or a quote that is not
/// directly followed by another quoted cell (`"standard""standard" or "hd"` is a default then a
/// description).
fn text_starts_well(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_uppercase() || first == '(' {
        return true;
    }
    if first == '"' {
        return match s[1..].find('"') {
            Some(close) => !s[1 + close + 1..].starts_with('"'),
            None => true,
        };
    }
    false
}

/// The readings of a run-together row.
fn readings(line: &str, gs: &[Grammar], known: &Known) -> Vec<(Vec<String>, bool)> {
    fn walk(
        rest: &str,
        gs: &[Grammar],
        known: &Known,
        cur: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, bool)>,
    ) {
        if out.len() > 16 {
            return;
        }
        let i = cur.len();
        let g = gs[i];
        if i + 1 == gs.len() {
            let (ok, lowercase) = if g == Grammar::Text {
                if rest.is_empty() || text_starts_well(rest) {
                    (true, false)
                } else {
                    // A cause may start in lower case ("width or height is …") only after a code the
                    // spec knows: otherwise the end of the code cannot be told.
                    let lower = rest.chars().next().is_some_and(char::is_lowercase);
                    let after_known = cur.last().is_some_and(|c| known.contains(c));
                    (lower && after_known, true)
                }
            } else {
                (full_match(g, rest), false)
            };
            if ok {
                let mut cells = cur.clone();
                cells.push(rest.to_string());
                out.push((cells, lowercase));
            }
            return;
        }
        for l in prefixes(g, rest) {
            cur.push(rest[..l].to_string());
            walk(&rest[l..], gs, known, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    walk(line, gs, known, &mut Vec::new(), &mut out);
    out
}

fn split_row(line: &str, gs: &[Grammar], known: &Known) -> Result<Vec<String>, String> {
    let all = readings(line, gs, known);
    let (plain, lower): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, l)| !l);
    let pick = |set: Vec<(Vec<String>, bool)>| -> Result<Vec<String>, Vec<Vec<String>>> {
        if set.len() == 1 {
            return Ok(set.into_iter().map(|(c, _)| c).next().unwrap_or_default());
        }
        let cells: Vec<Vec<String>> = set.into_iter().map(|(c, _)| c).collect();
        let by_known: Vec<&Vec<String>> = cells
            .iter()
            .filter(|c| c.iter().any(|x| known.contains(x)))
            .collect();
        if by_known.len() == 1 {
            return Ok(by_known[0].clone());
        }
        Err(cells)
    };
    let ambiguous = |cells: Vec<Vec<String>>| {
        let shown: Vec<String> = cells
            .iter()
            .take(3)
            .map(|c| {
                let c: Vec<String> = c.iter().map(|x| format!("`{x}`")).collect();
                c.join(" | ")
            })
            .collect();
        format!(
            "the cells run together and the row reads {} ways: {}",
            cells.len(),
            shown.join(" or ")
        )
    };
    if !plain.is_empty() {
        return pick(plain).map_err(ambiguous);
    }
    if !lower.is_empty() {
        return pick(lower).map_err(ambiguous);
    }
    Err("the cells run together and the row fits none of the column shapes".into())
}

/// Whether a line still looks like a row of a run-together table (so an unreadable row is reported,
/// not taken for the prose after the table): its first cell is followed directly by more text.
fn row_shaped(line: &str, first: Grammar) -> bool {
    prefixes(first, line)
        .into_iter()
        .filter(|&l| l > 0)
        .max()
        .is_some_and(|l| line[l..].chars().next().is_some_and(|c| !c.is_whitespace()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(items: &[&str]) -> Known {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn one(lines: &str, k: &Known) -> Table {
        let lines: Vec<&str> = lines.lines().collect();
        let mut t = tables(&lines, k);
        assert_eq!(t.len(), 1, "{t:?}");
        t.remove(0)
    }

    fn cells(t: &Table) -> Vec<Result<Vec<String>, String>> {
        t.rows.iter().map(|r| r.cells.clone()).collect()
    }

    fn ok(c: &[&str]) -> Result<Vec<String>, String> {
        Ok(c.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn run_together_models_split_by_the_price_shape() {
        let t = one(
            "Models\nModel IDCredits per imageDescription\nseedream-v4200Bytedance Seedream v4\n\
             nano-banana-pro-ultra1,000Ultra output\ngpt-image-2VariesOpenAI GPT-Image-2\n\
             gpt-image-2 uses dynamic pricing.",
            &known(&[]),
        );
        assert_eq!(t.name, "Models");
        assert_eq!(t.kind, Kind::Models);
        assert_eq!(
            cells(&t),
            vec![
                ok(&["seedream-v4", "200", "Bytedance Seedream v4"]),
                ok(&["nano-banana-pro-ultra", "1,000", "Ultra output"]),
                ok(&["gpt-image-2", "Varies", "OpenAI GPT-Image-2"]),
            ]
        );
    }

    #[test]
    fn two_readings_are_settled_by_known_ids_or_reported() {
        let text = "Model IDCredits per imageDescription\nmodel-v250Fast";
        let t = one(text, &known(&["model-v2"]));
        assert_eq!(cells(&t), vec![ok(&["model-v2", "50", "Fast"])]);
        let t = one(text, &known(&[]));
        let err = t.rows[0].cells.clone().unwrap_err();
        assert!(err.contains("reads 2 ways"), "{err}");
    }

    #[test]
    fn run_together_errors_with_a_lower_case_cause() {
        let text = "HTTP statusError codeCause\n400missing_promptThe prompt is absent\n\
                    400invalid_dimensionswidth or height is wrong\nUse z-image-turbo (100 credits).";
        let t = one(text, &known(&["invalid_dimensions"]));
        assert_eq!(
            cells(&t),
            vec![
                ok(&["400", "missing_prompt", "The prompt is absent"]),
                ok(&["400", "invalid_dimensions", "width or height is wrong"]),
            ]
        );
        // Without the known code, the row is reported, not guessed.
        let t = one(text, &known(&[]));
        assert!(t.rows[1].cells.is_err());
        // A renamed code before a capitalised cause is read as the new code.
        let t = one(
            "HTTP statusError codeCause\n400missing_promptsThe prompt is absent",
            &known(&["missing_prompt"]),
        );
        assert_eq!(
            cells(&t),
            vec![ok(&["400", "missing_prompts", "The prompt is absent"])]
        );
    }

    #[test]
    fn run_together_parameters_with_defaults() {
        let t = one(
            "ParameterTypeRequiredDefaultDescription\nmodelstringYesModel ID to use.\n\
             nintegerNo1Number of images to generate (1–10).\n\
             sizestringNomodel defaultOutput dimensions.\n\
             qualitystringNo\"standard\"\"standard\" or \"hd\".\n",
            &known(&[]),
        );
        assert_eq!(t.kind, Kind::Params);
        assert_eq!(
            cells(&t),
            vec![
                ok(&["model", "string", "Yes", "", "Model ID to use."]),
                ok(&[
                    "n",
                    "integer",
                    "No",
                    "1",
                    "Number of images to generate (1–10)."
                ]),
                ok(&[
                    "size",
                    "string",
                    "No",
                    "model default",
                    "Output dimensions."
                ]),
                ok(&[
                    "quality",
                    "string",
                    "No",
                    "\"standard\"",
                    "\"standard\" or \"hd\"."
                ]),
            ]
        );
    }

    #[test]
    fn pipe_tables_with_prose_before_the_header_and_short_rows() {
        let t = one(
            "Rate limits\nRequests are limited:| Plan | Requests per day |\n|---|---|\n| Free | 100 |\n\
             | Pro | 1,000 |\nAfter the table.",
            &known(&[]),
        );
        assert_eq!(t.name, "Rate limits");
        assert_eq!(t.kind, Kind::Quotas);
        assert_eq!(cells(&t), vec![ok(&["Free", "100"]), ok(&["Pro", "1,000"])]);
        let t = one(
            "Initial response (job queued):Error codes\n| HTTP status | Error code | Cause |\n|---|---|---|\n\
             400 | `missing_prompt` | The prompt field is absent |\n| 401 | invalid_api_key |",
            &known(&[]),
        );
        assert_eq!(t.name, "Error codes");
        assert_eq!(
            cells(&t)[0],
            ok(&["400", "missing_prompt", "The prompt field is absent"])
        );
        assert!(cells(&t)[1].is_err());
    }

    #[test]
    fn an_unsplittable_row_is_kept_and_reported() {
        let t = one(
            "Model IDCredits per imageDescription\nflux-2-pro—High-quality output\nz-image-turbo100Fast",
            &known(&[]),
        );
        assert_eq!(t.rows.len(), 2);
        assert!(t.rows[0].cells.is_err());
        assert!(t.rows[1].cells.is_ok());
    }
}
