//! `cargo xtask spec-diff`: what changed between two versions of a spec, for a reviewer, with each change
//! classified as breaking or not for an existing client (breaking changes first).
//!
//! The rules follow the wire and the generated Rust API: removing or renaming things breaks callers;
//! tightening what a request may contain breaks callers who sent what is now refused; making a response
//! field optional, or adding a response enum value, breaks deserialisation or code that matched on it.
//! Adding optional request fields, response fields (the specs never close objects) or operations does not.

use crate::Result;
use crate::spec::Spec;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One change between the two specs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Whether an existing client can break.
    pub breaking: bool,
    /// Where: `POST /v1/generate`, `model flux-2-pro`, or `spec`.
    pub scope: String,
    /// What changed, in a few words.
    pub what: String,
    /// Why it is (or is not) breaking for an existing client.
    pub why: String,
}

/// The report for one spec file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The spec's path in the repository.
    pub spec: String,
    /// Where the base version came from.
    pub base: String,
    /// Where the head version came from.
    pub head: String,
    /// Breaking changes first, then the rest; each group in discovery order.
    pub changes: Vec<Change>,
}

impl Report {
    /// Number of breaking changes.
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    /// The Markdown form.
    pub fn markdown(&self) -> String {
        let mut out = format!("## `{}` ({} → {})\n\n", self.spec, self.base, self.head);
        if self.changes.is_empty() {
            out.push_str("No changes that affect clients.\n");
            return out;
        }
        let (breaking, other): (Vec<&Change>, Vec<&Change>) =
            self.changes.iter().partition(|c| c.breaking);
        for (title, group) in [
            ("Breaking changes", breaking),
            ("Non-breaking changes", other),
        ] {
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {title} ({})\n", group.len());
            for c in group {
                let _ = writeln!(out, "- **{}**: {}. {}", c.scope, c.what, c.why);
            }
            out.push('\n');
        }
        out
    }
}

/// The Markdown report over several specs, as `cargo xtask spec-diff` prints it: a title, each spec's
/// report, and the count of breaking changes (marked allowed when `allowed`).
pub fn markdown(reports: &[Report], allowed: bool) -> String {
    let mut out = String::from("# API spec changes\n\n");
    for r in reports {
        out.push_str(&r.markdown());
        out.push('\n');
    }
    let breaking: usize = reports.iter().map(Report::breaking).sum();
    if breaking > 0 {
        let _ = writeln!(
            out,
            "**{breaking} breaking change(s).**{}",
            if allowed { " (allowed)" } else { "" }
        );
    }
    out
}

struct Diff<'a> {
    base: &'a Spec,
    head: &'a Spec,
    changes: Vec<Change>,
}

impl Diff<'_> {
    fn push(&mut self, breaking: bool, scope: &str, what: String, why: &str) {
        self.changes.push(Change {
            breaking,
            scope: scope.to_string(),
            what,
            why: why.to_string(),
        });
    }
}

/// Compares two versions of a spec.
pub fn diff(
    spec_name: &str,
    base_label: &str,
    base: &Spec,
    head_label: &str,
    head: &Spec,
) -> Result<Report> {
    let mut d = Diff {
        base,
        head,
        changes: Vec::new(),
    };
    operations(&mut d);
    models(&mut d);
    spec_facts(&mut d);
    let mut changes = d.changes;
    // Stable partition: breaking first, discovery order kept within each group.
    changes.sort_by_key(|c| !c.breaking);
    Ok(Report {
        spec: spec_name.to_string(),
        base: base_label.to_string(),
        head: head_label.to_string(),
        changes,
    })
}

type OpMap<'a> = BTreeMap<String, &'a Value>;

fn op_map(spec: &Spec) -> OpMap<'_> {
    spec.operations()
        .into_iter()
        .map(|o| (o.label(), o.op))
        .collect()
}

fn operations(d: &mut Diff<'_>) {
    let base = op_map(d.base);
    let head = op_map(d.head);
    // Spec order of the head, then removed operations in base order.
    for o in d.head.operations() {
        let label = o.label();
        match base.get(&label) {
            None => d.push(
                false,
                &label,
                "operation added".into(),
                "Existing clients do not call it.",
            ),
            Some(old) => operation(d, &label, old, o.op),
        }
    }
    for o in d.base.operations() {
        let label = o.label();
        if !head.contains_key(&label) {
            d.push(
                true,
                &label,
                "operation removed".into(),
                "Clients that call it will get an error, and its generated method disappears.",
            );
        }
    }
}

fn operation(d: &mut Diff<'_>, label: &str, old: &Value, new: &Value) {
    let (old_id, new_id) = (old.get("operationId"), new.get("operationId"));
    if old_id != new_id {
        d.push(
            true,
            label,
            format!("operationId {} → {}", show(old_id), show(new_id)),
            "The generated method and builder are renamed, so Rust callers stop compiling even though the wire is the same.",
        );
    }
    billable_and_polling(d, label, old, new);
    parameters(d, label, old, new);
    request_body(d, label, old, new);
    success_response(d, label, old, new);
    error_codes(d, label, old, new);
}

fn show(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => format!("`{s}`"),
        Some(v) => format!("`{v}`"),
        None => "none".into(),
    }
}

fn parameters(d: &mut Diff<'_>, label: &str, old: &Value, new: &Value) {
    let collect = |spec: &Spec, op: &Value| -> BTreeMap<String, Value> {
        op.get("parameters")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| spec.resolve(p).clone())
                    .map(|p| {
                        let name = format!(
                            "{} parameter `{}`",
                            p.get("in").and_then(Value::as_str).unwrap_or("?"),
                            p.get("name").and_then(Value::as_str).unwrap_or("?")
                        );
                        (name, p)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = collect(d.base, old);
    let after = collect(d.head, new);
    for (name, p) in &after {
        let required = p.get("required") == Some(&Value::Bool(true));
        match before.get(name) {
            None if required => d.push(
                true,
                label,
                format!("required {name} added"),
                "Existing calls do not send it and will be rejected.",
            ),
            None => d.push(
                false,
                label,
                format!("optional {name} added"),
                "Existing calls keep working without it.",
            ),
            Some(old_p) => {
                let was_required = old_p.get("required") == Some(&Value::Bool(true));
                if required && !was_required {
                    d.push(
                        true,
                        label,
                        format!("{name} is now required"),
                        "Calls that omit it will be rejected.",
                    );
                } else if !required && was_required {
                    d.push(
                        false,
                        label,
                        format!("{name} is now optional"),
                        "Calls that send it keep working.",
                    );
                }
                let (os, ns) = (
                    old_p.get("schema").cloned().unwrap_or(Value::Null),
                    p.get("schema").cloned().unwrap_or(Value::Null),
                );
                schema(d, label, &name.to_string(), &os, &ns, Direction::Request);
            }
        }
    }
    for name in before.keys() {
        if !after.contains_key(name) {
            d.push(
                true,
                label,
                format!("{name} removed"),
                "Callers that set it lose the builder method, and the server may reject it.",
            );
        }
    }
}

fn request_body(d: &mut Diff<'_>, label: &str, old: &Value, new: &Value) {
    match (
        d.base.request_schema(old).cloned(),
        d.head.request_schema(new).cloned(),
    ) {
        (None, Some(_)) => d.push(
            true,
            label,
            "request body added".into(),
            "Existing calls send none.",
        ),
        (Some(_), None) => d.push(
            true,
            label,
            "request body removed".into(),
            "Existing calls send one, and the generated body setter disappears.",
        ),
        (Some(a), Some(b)) => schema(d, label, "request", &a, &b, Direction::Request),
        (None, None) => {}
    }
}

fn success_response(d: &mut Diff<'_>, label: &str, old: &Value, new: &Value) {
    let statuses = |op: &Value| -> BTreeSet<String> {
        op.get("responses")
            .and_then(Value::as_object)
            .map(|r| r.keys().filter(|s| s.starts_with('2')).cloned().collect())
            .unwrap_or_default()
    };
    for gone in statuses(old).difference(&statuses(new)) {
        d.push(
            true,
            label,
            format!("success status {gone} removed"),
            "Clients that expect it will see an unexpected response.",
        );
    }
    if let (Some(a), Some(b)) = (
        d.base.success_schema(old).cloned(),
        d.head.success_schema(new).cloned(),
    ) {
        schema(d, label, "response", &a, &b, Direction::Response);
    }
}

fn error_codes(d: &mut Diff<'_>, label: &str, old: &Value, new: &Value) {
    let codes = |op: &Value| -> BTreeSet<String> {
        crate::facts::ERROR_CODE_LISTS
            .iter()
            .filter_map(|k| op.get(*k).and_then(Value::as_array))
            .flatten()
            .filter_map(|c| {
                Some(format!(
                    "{} `{}`",
                    c.get("status")?,
                    c.get("code")?.as_str()?
                ))
            })
            .collect()
    };
    let (before, after) = (codes(old), codes(new));
    for c in after.difference(&before) {
        d.push(
            false,
            label,
            format!("error code {c} documented"),
            "Error codes are open strings; older clients see it as an unknown code.",
        );
    }
    for c in before.difference(&after) {
        d.push(
            false,
            label,
            format!("error code {c} no longer documented"),
            "Clients that match on it simply stop seeing it.",
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

/// Compares two schemas at `at` (e.g. `request field num_images`), following `$ref`s and object properties.
fn schema(d: &mut Diff<'_>, label: &str, at: &str, old: &Value, new: &Value, dir: Direction) {
    schema_at(d, label, at, old, new, dir, 0);
}

fn schema_at(
    d: &mut Diff<'_>,
    label: &str,
    at: &str,
    old: &Value,
    new: &Value,
    dir: Direction,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    // `nullable` may sit on an allOf wrapper around a $ref, so read it before resolving.
    let nullable = |raw: &Value, resolved: &Value| {
        raw.get("nullable") == Some(&Value::Bool(true))
            || resolved.get("nullable") == Some(&Value::Bool(true))
    };
    let (old_raw, new_raw) = (old, new);
    let old = d.base.resolve(old_raw).clone();
    let new = d.head.resolve(new_raw).clone();
    let (was_nullable, is_nullable) = (nullable(old_raw, &old), nullable(new_raw, &new));
    // `format: byte` (base64 text) leaves the generated type a String: not a type change.
    let format = |s: &Value| s.get("format").and_then(Value::as_str).map(str::to_string);
    let kind = |s: &Value| {
        let t = s
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("any")
            .to_string();
        match format(s) {
            Some(f) if !(t == "string" && f == "byte") => format!("{t} ({f})"),
            _ => t,
        }
    };
    let (ok, nk) = (kind(&old), kind(&new));
    if ok != nk {
        d.push(
            true,
            label,
            format!("{at}: type {ok} → {nk}"),
            match dir {
                Direction::Request => "Values clients send today may no longer be accepted, and the generated type changes.",
                Direction::Response => "Clients decode the old type and will fail on the new one.",
            },
        );
        return;
    }
    if format(&old) != format(&new) {
        // Only `byte` gets here: every other format change is a type change above.
        d.push(
            false,
            label,
            format!(
                "{at}: format {} → {}",
                format(&old).unwrap_or_else(|| "none".into()),
                format(&new).unwrap_or_else(|| "none".into())
            ),
            "Base64 text either way; the generated type stays String.",
        );
    }
    match (dir, was_nullable, is_nullable) {
        (Direction::Response, false, true) => d.push(
            true,
            label,
            format!("{at}: may now be null"),
            "Clients that expect a value will fail to decode null.",
        ),
        (Direction::Request, false, true) => d.push(
            false,
            label,
            format!("{at}: may now be null"),
            "The server takes null as absent; requests that omit it or send a value are unaffected.",
        ),
        (Direction::Request, true, false) => d.push(
            true,
            label,
            format!("{at}: may no longer be null"),
            "Requests that send null will be rejected.",
        ),
        _ => {}
    }
    let (a, b) = (old.get("default"), new.get("default"));
    if dir == Direction::Request && a != b {
        d.push(
            false,
            label,
            format!("{at}: default {} → {}", show(a), show(b)),
            "Requests that omit it now get another value; the generated type may gain or lose its Default.",
        );
    }
    enums(d, label, at, &old, &new, dir);
    constraints(d, label, at, &old, &new, dir);
    properties(d, label, at, &old, &new, dir, depth);
    if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
        schema_at(d, label, &format!("{at}[]"), a, b, dir, depth + 1);
    }
}

fn enums(d: &mut Diff<'_>, label: &str, at: &str, old: &Value, new: &Value, dir: Direction) {
    let values = |s: &Value| -> Option<Vec<String>> {
        s.get("enum").and_then(Value::as_array).map(|a| {
            a.iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect()
        })
    };
    variant_names(d, label, at, old, new);
    let (Some(before), Some(after)) = (values(old), values(new)) else {
        match (values(old), values(new)) {
            (None, Some(v)) => d.push(
                dir == Direction::Request,
                label,
                format!("{at}: now limited to {}", v.join(", ")),
                match dir {
                    Direction::Request => "Requests with other values will be rejected, and the generated type becomes an enum.",
                    Direction::Response => "The generated type becomes a closed enum.",
                },
            ),
            (Some(_), None) => d.push(
                dir == Direction::Response,
                label,
                format!("{at}: no longer an enum"),
                match dir {
                    Direction::Request => "Any value is accepted now.",
                    Direction::Response => "The server may send values old clients cannot decode.",
                },
            ),
            _ => {}
        }
        return;
    };
    for added in after.iter().filter(|v| !before.contains(v)) {
        match dir {
            Direction::Request => d.push(
                false,
                label,
                format!("{at}: value `{added}` added"),
                "Existing requests are unaffected.",
            ),
            Direction::Response => d.push(
                true,
                label,
                format!("{at}: value `{added}` added"),
                "Generated enums are closed: old clients fail to decode a response carrying it.",
            ),
        }
    }
    for removed in before.iter().filter(|v| !after.contains(v)) {
        match dir {
            Direction::Request => d.push(
                true,
                label,
                format!("{at}: value `{removed}` removed"),
                "Requests that send it will be rejected.",
            ),
            Direction::Response => d.push(
                false,
                label,
                format!("{at}: value `{removed}` removed"),
                "Clients simply stop receiving it.",
            ),
        }
    }
}

fn constraints(d: &mut Diff<'_>, label: &str, at: &str, old: &Value, new: &Value, dir: Direction) {
    // (keyword, true when a larger value is looser)
    const KEYWORDS: &[(&str, bool)] = &[
        ("maxLength", true),
        ("maximum", true),
        ("maxItems", true),
        ("minLength", false),
        ("minimum", false),
        ("minItems", false),
        ("x-max-bytes", true),
    ];
    for (kw, larger_is_looser) in KEYWORDS {
        let (a, b) = (
            old.get(*kw).and_then(Value::as_f64),
            new.get(*kw).and_then(Value::as_f64),
        );
        let tightened = match (a, b) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(a), Some(b)) => (b < a) == *larger_is_looser,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (None, None) => continue,
        };
        let fmt = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_else(|| "none".into());
        let what = format!(
            "{at}: {kw} {} → {} ({})",
            fmt(a),
            fmt(b),
            if tightened { "tightened" } else { "loosened" }
        );
        match (dir, tightened) {
            (Direction::Request, true) => d.push(
                true,
                label,
                what,
                "Requests that were valid may now be rejected.",
            ),
            (Direction::Request, false) => {
                d.push(false, label, what, "Everything valid before stays valid.")
            }
            (Direction::Response, true) => d.push(
                false,
                label,
                what,
                "Responses stay within what clients accepted before.",
            ),
            (Direction::Response, false) => d.push(
                true,
                label,
                what,
                "Responses may now carry values old clients refuse.",
            ),
        }
    }
    assumed_limits(d, label, at, old, new);
    let (a, b) = (old.get("pattern"), new.get("pattern"));
    if a != b {
        let what = format!("{at}: pattern {} → {}", show(a), show(b));
        // A removed pattern accepts everything the old one did; an added or changed one may not.
        let (breaking, why) = match (dir, a.is_some(), b.is_some()) {
            (Direction::Request, true, false) => (false, "Everything valid before stays valid."),
            (Direction::Request, _, _) => (
                true,
                "Requests that were valid may no longer match; review it.",
            ),
            (Direction::Response, false, true) => {
                (false, "Responses stay within what clients accepted before.")
            }
            (Direction::Response, _, _) => (
                true,
                "Responses may now carry values old clients refuse (generated clients check patterns when they parse).",
            ),
        };
        d.push(breaking, label, what, why);
    }
}

/// `x-assumed-limits`: limits no client enforces, so a change is never breaking; it is listed because the
/// simulator and the facts crate follow it.
fn assumed_limits(d: &mut Diff<'_>, label: &str, at: &str, old: &Value, new: &Value) {
    let empty = serde_json::Map::new();
    let map = |s: &Value| {
        s.get("x-assumed-limits")
            .and_then(Value::as_object)
            .cloned()
    };
    let (a, b) = (
        map(old).unwrap_or_else(|| empty.clone()),
        map(new).unwrap_or(empty),
    );
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            let fmt = |v: Option<&Value>| v.map(Value::to_string).unwrap_or_else(|| "none".into());
            d.push(
                false,
                label,
                format!("{at}: assumed {k} {} → {}", fmt(x), fmt(y)),
                "Assumed limits are not enforced before sending; only the simulator and artnex-facts follow it.",
            );
        }
    }
}

/// `x-enum-varnames`: the Rust variants artnex-facts generates for each enum value.
fn variant_names(d: &mut Diff<'_>, label: &str, at: &str, old: &Value, new: &Value) {
    let pairs = |s: &Value| -> BTreeMap<String, String> {
        let values = s.get("enum").and_then(Value::as_array);
        let names = s.get("x-enum-varnames").and_then(Value::as_array);
        match (values, names) {
            (Some(v), Some(n)) => v
                .iter()
                .zip(n)
                .filter_map(|(v, n)| Some((v.as_str()?.to_string(), n.as_str()?.to_string())))
                .collect(),
            _ => BTreeMap::new(),
        }
    };
    let (a, b) = (pairs(old), pairs(new));
    for (value, old_name) in &a {
        if let Some(new_name) = b.get(value)
            && new_name != old_name
        {
            d.push(
                true,
                label,
                format!("{at}: value `{value}` renamed in Rust, {old_name} → {new_name}"),
                "The wire is the same, but the artnex-facts variant is renamed: Rust code that names it stops compiling.",
            );
        }
    }
}

/// `x-billable` and `x-artnex-polling` of one operation.
fn billable_and_polling(d: &mut Diff<'_>, label: &str, old: &Value, new: &Value) {
    let (a, b) = (old.get("x-billable"), new.get("x-billable"));
    if a != b {
        d.push(
            false,
            label,
            format!("billable {} → {}", show(a), show(b)),
            "Not a wire change, but whether a call costs credits and quota changes: check budgets and estimates.",
        );
    }
    let (a, b) = (old.get("x-artnex-polling"), new.get("x-artnex-polling"));
    for key in ["min_interval_seconds", "max_attempts", "timeout_seconds"] {
        let (x, y) = (a.and_then(|p| p.get(key)), b.and_then(|p| p.get(key)));
        if x != y {
            d.push(
                false,
                label,
                format!("polling rule {key} {} → {}", show(x), show(y)),
                "Not a wire change, but clients that follow the documented rule poll differently: check wait timeouts.",
            );
        }
    }
}

/// Spec-wide facts: the API's Rust name and the plan quotas.
fn spec_facts(d: &mut Diff<'_>) {
    let (a, b) = (
        d.base.raw.pointer("/info/x-facts-api").cloned(),
        d.head.raw.pointer("/info/x-facts-api").cloned(),
    );
    if a.is_some() && a != b {
        d.push(
            true,
            "spec",
            format!("API name {} → {}", show(a.as_ref()), show(b.as_ref())),
            "The artnex-facts Api variant is renamed: Rust code that names it stops compiling.",
        );
    } else if a != b {
        d.push(
            false,
            "spec",
            format!("API name {} → {}", show(a.as_ref()), show(b.as_ref())),
            "A new artnex-facts Api variant; nothing existing is renamed.",
        );
    }
    let plans = |spec: &Spec| -> BTreeMap<String, Value> {
        spec.raw
            .pointer("/x-artnex-rate-limit/plans")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        Some((
                            p.get("name")?.as_str()?.to_string(),
                            p.get("requests_per_day").cloned().unwrap_or(Value::Null),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (a, b) = (plans(d.base), plans(d.head));
    for (name, quota) in &b {
        match a.get(name) {
            None => d.push(
                false,
                "plans",
                format!("plan {name} added ({quota} requests per window)"),
                "Existing clients are unaffected.",
            ),
            Some(old) if old != quota => d.push(
                false,
                "plans",
                format!("plan {name}: {old} → {quota} requests per window"),
                "Not a wire change, but keys on that plan get a different daily quota.",
            ),
            Some(_) => {}
        }
    }
    for name in a.keys().filter(|n| !b.contains_key(*n)) {
        d.push(
            true,
            "plans",
            format!("plan {name} removed"),
            "Its artnex-facts Plan variant disappears: Rust code that names it stops compiling.",
        );
    }
    let window = |spec: &Spec| {
        spec.raw
            .pointer("/x-artnex-rate-limit/window_hours")
            .cloned()
    };
    let (x, y) = (window(d.base), window(d.head));
    if x != y {
        d.push(
            false,
            "plans",
            format!(
                "quota window {} → {} hours",
                show(x.as_ref()),
                show(y.as_ref())
            ),
            "Not a wire change, but the rolling quota counts over a different window.",
        );
    }
}

fn required_set(s: &Value) -> BTreeSet<String> {
    s.get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn properties(
    d: &mut Diff<'_>,
    label: &str,
    at: &str,
    old: &Value,
    new: &Value,
    dir: Direction,
    depth: usize,
) {
    let empty = serde_json::Map::new();
    let before = old
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let after = new
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (req_before, req_after) = (required_set(old), required_set(new));
    let field = |name: &str| format!("{at} field `{name}`");
    for (name, schema_b) in after {
        let required = req_after.contains(name);
        match before.get(name) {
            None => match (dir, required) {
                (Direction::Request, true) => d.push(
                    true,
                    label,
                    format!("required {} added", field(name)),
                    "Existing requests do not send it and will be rejected.",
                ),
                (Direction::Request, false) => d.push(
                    false,
                    label,
                    format!("optional {} added", field(name)),
                    "Existing requests keep working without it.",
                ),
                (Direction::Response, _) => d.push(
                    false,
                    label,
                    format!("{} added", field(name)),
                    "Clients ignore fields they do not know (objects are never closed).",
                ),
            },
            Some(schema_a) => {
                let was_required = req_before.contains(name);
                match (dir, was_required, required) {
                    (Direction::Request, false, true) => d.push(true, label, format!("{} is now required", field(name)), "Requests that omit it will be rejected."),
                    (Direction::Request, true, false) => d.push(false, label, format!("{} is now optional", field(name)), "Requests that send it keep working."),
                    (Direction::Response, true, false) => d.push(true, label, format!("{} is now optional", field(name)), "The generated field becomes an Option, and clients that rely on it may find it missing."),
                    (Direction::Response, false, true) => d.push(false, label, format!("{} is now always present", field(name)), "Clients already handle it."),
                    _ => {}
                }
                schema_at(d, label, &field(name), schema_a, schema_b, dir, depth + 1);
            }
        }
    }
    for name in before.keys() {
        if !after.contains_key(name) {
            match dir {
                Direction::Request => d.push(
                    true,
                    label,
                    format!("{} removed", field(name)),
                    "Clients that send it lose the setter, and the server may reject or ignore it.",
                ),
                Direction::Response => d.push(
                    true,
                    label,
                    format!("{} removed", field(name)),
                    "Clients that read it will no longer get it.",
                ),
            }
        }
    }
}

fn models(d: &mut Diff<'_>) {
    let read = |spec: &Spec| crate::catalogue::read(spec).ok();
    let (Some(before), Some(after)) = (read(d.base), read(d.head)) else {
        return;
    };
    let index = |c: &crate::catalogue::Catalogue| -> BTreeMap<String, crate::catalogue::Entry> {
        c.models.iter().map(|m| (m.id.clone(), m.clone())).collect()
    };
    let (b, a) = (index(&before), index(&after));
    for m in &after.models {
        let scope = format!("model `{}`", m.id);
        let Some(old) = b.get(&m.id) else {
            let price = m
                .credits
                .map(|c| format!("{c} credits"))
                .unwrap_or_else(|| "varies".into());
            d.push(
                false,
                &scope,
                format!("added ({}, {price})", m.kind.to_lowercase()),
                "Existing clients can use it by id; a new SDK release gives it an enum variant.",
            );
            continue;
        };
        if old.kind != m.kind {
            d.push(
                true,
                &scope,
                format!(
                    "kind {} → {}",
                    old.kind.to_lowercase(),
                    m.kind.to_lowercase()
                ),
                "Requests to its old endpoint will be rejected.",
            );
        }
        if old.credits != m.credits {
            let fmt = |c: Option<u64>| c.map(|n| n.to_string()).unwrap_or_else(|| "varies".into());
            d.push(
                false,
                &scope,
                format!("repriced {} → {} credits", fmt(old.credits), fmt(m.credits)),
                "Not a wire change, but budgets and estimates change: check callers' cost limits.",
            );
        }
        if old.mode != m.mode {
            d.push(
                true,
                &scope,
                format!(
                    "mode {} → {}",
                    old.mode.as_deref().unwrap_or("none"),
                    m.mode.as_deref().unwrap_or("none")
                ),
                "Requests made with the old mode will be rejected.",
            );
        }
        let durations = |e: &crate::catalogue::Entry| -> BTreeSet<u32> {
            match (&e.durations, e.duration_range) {
                (Some(d), _) => d.iter().copied().collect(),
                (None, Some((lo, hi))) => (lo..=hi).collect(),
                _ => BTreeSet::new(),
            }
        };
        let (db, da) = (durations(old), durations(m));
        let removed: Vec<String> = db.difference(&da).map(u32::to_string).collect();
        let added: Vec<String> = da.difference(&db).map(u32::to_string).collect();
        if !removed.is_empty() {
            d.push(
                true,
                &scope,
                format!("durations {} s no longer supported", removed.join(", ")),
                "Requests with those durations will be rejected.",
            );
        }
        if !added.is_empty() {
            d.push(
                false,
                &scope,
                format!("durations {} s added", added.join(", ")),
                "Existing requests are unaffected.",
            );
        }
        for r in old
            .aspect_ratios
            .iter()
            .filter(|r| !m.aspect_ratios.contains(r))
        {
            d.push(true, &scope, format!("aspect ratio {r} no longer supported"), "Requests with it will be refused by the SDK (the server falls back to the default).");
        }
        for r in m
            .aspect_ratios
            .iter()
            .filter(|r| !old.aspect_ratios.contains(r))
        {
            d.push(
                false,
                &scope,
                format!("aspect ratio {r} added"),
                "Existing requests are unaffected.",
            );
        }
    }
    for m in &before.models {
        if !a.contains_key(&m.id) {
            d.push(true, &format!("model `{}`", m.id), "removed".into(), "Requests naming it will fail with invalid_model, and its enum variant disappears in the next release.");
        }
    }
    for (name, price) in &after.flat {
        if let Some(old) = before.flat.get(name)
            && old != price
        {
            d.push(
                false,
                "flat prices",
                format!("{name} {old} → {price} credits"),
                "Not a wire change, but estimates and budgets change.",
            );
        }
    }
}
