//! The comparison: page facts against spec facts, in both directions, and the index against the
//! spec's citations.

use super::facts::{Dir, Field, range_text};
use super::page::{PageFacts, Role};
use super::prose;
use super::spec_side::{SpecField, SpecOp, SpecSide};
use super::text::{clean, shorten, url_key};
use super::{Finding, Kind, Note};
use std::collections::BTreeSet;

struct Out {
    findings: Vec<Finding>,
    notes: Vec<Note>,
}

impl Out {
    fn find(&mut self, kind: Kind, page: &str, subject: String, detail: String) {
        self.findings.push(Finding {
            kind,
            page: page.to_string(),
            subject,
            detail,
        });
    }

    fn note(&mut self, page: &str, subject: String, detail: String) {
        self.notes.push(Note {
            page: page.to_string(),
            subject,
            detail,
        });
    }
}

/// Hosts the docs use as placeholders in generated snippets.
fn placeholder_host(h: &str) -> bool {
    h == "example.com" || h.ends_with(".example.com") || h == "localhost"
}

/// Every finding and note for these pages against these specs, sorted, without duplicates.
pub fn compare(specs: &[SpecSide], pages: &[PageFacts]) -> (Vec<Finding>, Vec<Note>) {
    let mut out = Out {
        findings: Vec::new(),
        notes: Vec::new(),
    };
    for p in pages {
        for (subject, detail) in &p.unreadable {
            out.find(Kind::Unreadable, &p.label, subject.clone(), detail.clone());
        }
        for (subject, detail) in &p.notes {
            out.note(&p.label, subject.clone(), detail.clone());
        }
        if let Some(s) = p.spec.and_then(|i| specs.get(i)) {
            page_against_spec(p, s, &mut out);
        }
    }
    for (si, s) in specs.iter().enumerate() {
        unstated(si, s, pages, &mut out);
    }
    uncited(specs, pages, &mut out);
    not_read(specs, pages, &mut out);
    let mut findings = out.findings;
    findings.sort();
    findings.dedup();
    let mut notes = out.notes;
    notes.sort();
    notes.dedup();
    (findings, notes)
}

fn page_against_spec(p: &PageFacts, s: &SpecSide, out: &mut Out) {
    let label = p.label.as_str();
    for e in &p.endpoints {
        if s.op(&e.method, &e.path).is_none() {
            out.find(
                Kind::Missing,
                label,
                format!("operation `{} {}`", e.method, e.path),
                format!("on the page, not in {}", s.file),
            );
        }
        if let Some(h) = &e.host
            && !placeholder_host(h)
            && !s.api_hosts.contains(h)
        {
            let spec_hosts: Vec<&str> = s.api_hosts.iter().map(String::as_str).collect();
            out.find(
                Kind::Differs,
                label,
                "API host".into(),
                format!("spec {}, page {h}", spec_hosts.join(", ")),
            );
        }
    }
    let op = p.op.and_then(|o| s.ops.get(o));
    match (op, &p.documented) {
        (Some(op), _) => operation_facts(p, op, out),
        (None, Some(e)) => out.note(
            label,
            format!("operation `{} {}`", e.method, e.path),
            format!(
                "not in {}, so the page's fields, models, errors and examples were not compared",
                s.file
            ),
        ),
        (None, None) => site_tables(p, s, out),
    }
    if let Some(rows) = &p.statuses {
        for (status, meaning) in rows {
            if !s.statuses.contains_key(status) {
                out.find(
                    Kind::Missing,
                    label,
                    format!("status {status}"),
                    format!("\"{meaning}\": no operation of {} declares it", s.file),
                );
            }
        }
    }
    for q in &p.quotas {
        // The spec's plan table, when it has one, is compared value by value.
        if let Some(plans) = &s.plans {
            let on_page: String = q
                .limit
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
                .collect::<String>()
                .to_ascii_lowercase();
            match plans.get(&q.plan.to_ascii_lowercase()) {
                Some(spec) if *spec == on_page => {}
                Some(spec) => out.find(
                    Kind::Differs,
                    label,
                    format!("plan `{}`", q.plan),
                    format!("{}: page {}, spec {spec}", q.header, q.limit),
                ),
                None => out.find(
                    Kind::Missing,
                    label,
                    format!("plan `{}`", q.plan),
                    format!("{}: {}", q.header, q.limit),
                ),
            }
            continue;
        }
        if !prose::stated(&s.texts, &prose::quota_evidence(&q.plan, &q.limit)) {
            out.find(
                Kind::Missing,
                label,
                format!("plan `{}`", q.plan),
                format!("{}: {}", q.header, q.limit),
            );
        }
    }
    for r in &p.rules {
        if !prose::stated(&s.texts, &r.evidence) {
            out.find(Kind::Missing, label, r.what.to_string(), r.sentence.clone());
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn compare_field(
    label: &str,
    op: &SpecOp,
    dir: Dir,
    pf: &Field,
    spec: &[SpecField],
    out: &mut Out,
) {
    let subject = format!("{} {dir} field `{}`", op.label, pf.name);
    let Some(sf) = spec.iter().find(|f| f.field.name == pf.name) else {
        out.find(Kind::Missing, label, subject, pf.summary());
        return;
    };
    let sf = &sf.field;
    let mut check = |what: &str, page: Option<String>, spec: Option<String>| {
        if let Some(page) = page {
            match spec {
                None => out.find(
                    Kind::Missing,
                    label,
                    subject.clone(),
                    format!("{what} {page} (the spec states none)"),
                ),
                Some(spec) if spec != page => out.find(
                    Kind::Differs,
                    label,
                    subject.clone(),
                    format!("{what}: spec {spec}, page {page}"),
                ),
                Some(_) => {}
            }
        }
    };
    if sf.ty.is_some() {
        check("type", pf.ty.clone(), sf.ty.clone());
    }
    check(
        "required",
        pf.required.map(|r| yes_no(r).to_string()),
        sf.required.map(|r| yes_no(r).to_string()),
    );
    check("default", pf.default.clone(), sf.default.clone());
    check(
        "maximum length",
        pf.max_length.map(|m| m.to_string()),
        sf.max_length.map(|m| m.to_string()),
    );
    check("range", pf.range.map(range_text), sf.range.map(range_text));
    let set = |v: &Option<Vec<String>>| {
        v.as_ref().map(|v| {
            let mut v = v.clone();
            v.sort();
            v.join(", ")
        })
    };
    check("values", set(&pf.values), set(&sf.values));
}

fn operation_facts(p: &PageFacts, op: &SpecOp, out: &mut Out) {
    let label = p.label.as_str();
    for (dir, list) in &p.fields {
        let spec = match dir {
            Dir::Request => &op.request,
            Dir::Response => &op.response,
        };
        for f in list {
            compare_field(label, op, *dir, f, spec, out);
        }
    }
    for f in &p.prose_fields {
        compare_field(label, op, Dir::Request, f, &op.request, out);
    }
    for t in &p.models {
        for m in &t.rows {
            let subject = format!("{} model `{}`", op.label, m.id);
            let Some(sm) = op.models.iter().find(|s| s.id == m.id) else {
                out.find(Kind::Missing, label, subject, m.summary());
                continue;
            };
            let mut differs = |what: &str, spec: String, page: String| {
                if spec != page {
                    out.find(
                        Kind::Differs,
                        label,
                        subject.clone(),
                        format!("{what}: spec {spec}, page {page}"),
                    );
                }
            };
            let none = || "none".to_string();
            differs(
                "credits",
                sm.credits
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(none),
                m.credits.to_string(),
            );
            if t.has_description {
                differs(
                    "description",
                    sm.description
                        .clone()
                        .map(|d| format!("\"{d}\""))
                        .unwrap_or_else(none),
                    m.description
                        .clone()
                        .map(|d| format!("\"{d}\""))
                        .unwrap_or_else(none),
                );
            }
            if t.has_durations {
                differs(
                    "durations",
                    sm.durations
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(none),
                    m.durations
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(none),
                );
            }
            if t.has_ratios {
                differs(
                    "aspect ratios",
                    sm.ratios
                        .as_ref()
                        .map(|r| r.join(", "))
                        .unwrap_or_else(none),
                    m.ratios.as_ref().map(|r| r.join(", ")).unwrap_or_else(none),
                );
            }
            if t.has_mode {
                differs(
                    "mode",
                    sm.mode.clone().unwrap_or_else(none),
                    m.mode.clone().unwrap_or_else(none),
                );
            }
        }
    }
    for t in &p.errors {
        for e in &t.rows {
            let subject = format!("{} error `{}`", op.label, e.code);
            let Some(se) = op.errors.iter().find(|s| s.code == e.code) else {
                let status = e.status.map(|s| format!("{s}: ")).unwrap_or_default();
                out.find(
                    Kind::Missing,
                    label,
                    subject,
                    format!("{status}{}", e.cause.clone().unwrap_or_default()),
                );
                continue;
            };
            if let (Some(page), true) = (e.status, t.has_status)
                && se.status != Some(page)
            {
                let spec = se
                    .status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "none".into());
                out.find(
                    Kind::Differs,
                    label,
                    subject.clone(),
                    format!("status: spec {spec}, page {page}"),
                );
            }
            if let (Some(page), true) = (&e.cause, t.has_cause) {
                let spec = se.cause.clone().unwrap_or_default();
                if clean(&spec).to_lowercase() != clean(page).to_lowercase() {
                    out.find(
                        Kind::Differs,
                        label,
                        subject.clone(),
                        format!("cause: spec \"{spec}\", page \"{page}\""),
                    );
                }
            }
        }
    }
    for (dir, list) in &p.examples {
        let spec = match dir {
            Dir::Request => &op.request_examples,
            Dir::Response => &op.response_examples,
        };
        for v in list {
            if !spec.iter().any(|e| &e.value == v) {
                out.find(
                    Kind::Missing,
                    label,
                    format!("{} example {dir}", op.label),
                    shorten(&v.to_string(), 160),
                );
            }
        }
    }
}

/// Model and error tables on a page that documents no operation (a site-wide errors page): a row is
/// stated when some operation of the spec has it.
fn site_tables(p: &PageFacts, s: &SpecSide, out: &mut Out) {
    let label = p.label.as_str();
    for t in &p.models {
        for m in &t.rows {
            if !s.ops.iter().any(|o| o.models.iter().any(|x| x.id == m.id)) {
                out.find(
                    Kind::Missing,
                    label,
                    format!("model `{}`", m.id),
                    m.summary(),
                );
            }
        }
    }
    for t in &p.errors {
        for e in &t.rows {
            let all: Vec<_> = s
                .ops
                .iter()
                .flat_map(|o| o.errors.iter())
                .filter(|x| x.code == e.code)
                .collect();
            if all.is_empty() {
                let status = e.status.map(|s| format!("{s}: ")).unwrap_or_default();
                out.find(
                    Kind::Missing,
                    label,
                    format!("error `{}`", e.code),
                    format!("{status}{}", e.cause.clone().unwrap_or_default()),
                );
            } else if let Some(page) = e.status
                && !all.iter().any(|x| x.status == Some(page))
            {
                let spec: BTreeSet<String> = all
                    .iter()
                    .filter_map(|x| x.status.map(|s| s.to_string()))
                    .collect();
                out.find(
                    Kind::Differs,
                    label,
                    format!("error `{}`", e.code),
                    format!(
                        "status: spec {}, page {page}",
                        spec.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
    }
}

/// Spec facts (not marked assumed) that the page they come from was read and does not state.
fn unstated(si: usize, s: &SpecSide, pages: &[PageFacts], out: &mut Out) {
    let of_spec: Vec<&PageFacts> = pages.iter().filter(|p| p.spec == Some(si)).collect();
    for (oi, op) in s.ops.iter().enumerate() {
        if op.assumed {
            continue;
        }
        let own: Vec<&PageFacts> = of_spec
            .iter()
            .copied()
            .filter(|p| p.op == Some(oi))
            .collect();
        let Some(first) = own.first() else {
            continue;
        };
        let label = first.label.as_str();
        // Models.
        let tables: Vec<_> = own.iter().flat_map(|p| &p.models).collect();
        if !tables.is_empty() {
            for m in op.models.iter().filter(|m| !m.assumed) {
                let on_page = tables.iter().any(|t| {
                    t.rows.iter().any(|r| r.id == m.id)
                        || t.unreadable.iter().any(|r| r.contains(&m.id))
                });
                if !on_page {
                    let credits = m
                        .credits
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    out.find(
                        Kind::Unstated,
                        label,
                        format!("{} model `{}`", op.label, m.id),
                        format!("in the spec ({credits} credits), not in the page's model tables"),
                    );
                }
            }
        }
        // Error codes.
        let tables: Vec<_> = own.iter().flat_map(|p| &p.errors).collect();
        if !tables.is_empty() {
            for e in op.errors.iter().filter(|e| !e.assumed) {
                let on_page = tables.iter().any(|t| {
                    t.rows.iter().any(|r| r.code == e.code)
                        || t.unreadable.iter().any(|r| r.contains(&e.code))
                });
                if !on_page {
                    let status = e.status.map(|s| format!("{s}: ")).unwrap_or_default();
                    out.find(
                        Kind::Unstated,
                        label,
                        format!("{} error `{}`", op.label, e.code),
                        format!(
                            "in the spec ({status}{}), not in the page's error tables",
                            e.cause.clone().unwrap_or_default()
                        ),
                    );
                }
            }
        }
        // Fields.
        for dir in [Dir::Request, Dir::Response] {
            let lists: Vec<&Vec<Field>> = own.iter().filter_map(|p| p.fields.get(&dir)).collect();
            if lists.is_empty() {
                continue;
            }
            let mut names: BTreeSet<String> = lists
                .iter()
                .flat_map(|l| l.iter().map(|f| f.name.clone()))
                .collect();
            if dir == Dir::Request {
                names.extend(
                    own.iter()
                        .flat_map(|p| p.prose_fields.iter().map(|f| f.name.clone())),
                );
            }
            let under = |parent: &str| {
                names.iter().any(|n| {
                    n.starts_with(&format!("{parent}[].")) || n.starts_with(&format!("{parent}."))
                })
            };
            let spec = match dir {
                Dir::Request => &op.request,
                Dir::Response => &op.response,
            };
            for f in spec.iter().filter(|f| !f.assumed) {
                let n = &f.field.name;
                let parent = n.split(['.', '[']).next().unwrap_or(n);
                if parent != n && !under(parent) {
                    // The page lists no field inside this one: its inner fields are not checked.
                    continue;
                }
                if !names.contains(n) && !under(n) {
                    out.find(
                        Kind::Unstated,
                        label,
                        format!("{} {dir} field `{n}`", op.label),
                        "in the spec, not in the page's field list".into(),
                    );
                }
            }
        }
    }
    // Examples: each is checked on the page it cites, when that page shows examples of its side.
    for op in &s.ops {
        for (dir, list) in [
            (Dir::Request, &op.request_examples),
            (Dir::Response, &op.response_examples),
        ] {
            for ex in list.iter().filter(|e| !e.assumed && !op.assumed) {
                let Some(src) = &ex.source else { continue };
                let showing: Vec<&PageFacts> = of_spec
                    .iter()
                    .copied()
                    .filter(|p| url_key(&p.label) == url_key(src))
                    .filter(|p| p.examples.get(&dir).is_some_and(|l| !l.is_empty()))
                    .collect();
                if showing.is_empty() {
                    continue;
                }
                let on_page = showing
                    .iter()
                    .any(|p| p.examples.get(&dir).is_some_and(|l| l.contains(&ex.value)));
                if !on_page {
                    out.find(
                        Kind::Unstated,
                        &showing[0].label,
                        format!("{} example {dir} `{}`", op.label, ex.name),
                        "in the spec, not among the page's examples".into(),
                    );
                }
            }
        }
    }
    // Statuses, on the page the document cites for itself.
    if let Some(info) = &s.info_source {
        for p in of_spec
            .iter()
            .filter(|p| url_key(&p.label) == url_key(info))
        {
            let Some(rows) = &p.statuses else { continue };
            for (status, assumed) in &s.statuses {
                if !assumed && !rows.iter().any(|(st, _)| st == status) {
                    out.find(
                        Kind::Unstated,
                        &p.label,
                        format!("status {status}"),
                        "declared in the spec, not in the page's status table".into(),
                    );
                }
            }
        }
    }
    // Operations, when an overview of the API was read.
    if let Some(overview) = of_spec.iter().find(|p| p.role == Role::Overview) {
        for (oi, op) in s.ops.iter().enumerate().filter(|(_, o)| !o.assumed) {
            let mentioned = of_spec.iter().any(|p| {
                p.endpoints
                    .iter()
                    .any(|e| s.op(&e.method, &e.path) == Some(oi))
            });
            if !mentioned {
                out.find(
                    Kind::Unstated,
                    &overview.label,
                    format!("operation `{}`", op.label),
                    "in the spec, on none of the pages read".into(),
                );
            }
        }
    }
}

/// Index entries no spec fact cites.
fn uncited(specs: &[SpecSide], pages: &[PageFacts], out: &mut Out) {
    let cited: BTreeSet<&String> = specs.iter().flat_map(|s| s.cited.keys()).collect();
    for p in pages.iter().filter(|p| p.role == Role::Index) {
        for (title, url) in &p.links {
            if !cited.contains(&url_key(url)) {
                out.find(
                    Kind::Uncited,
                    &p.label,
                    url.clone(),
                    format!("\"{title}\": no spec fact cites this page"),
                );
            }
        }
    }
}

/// Pages the specs cite that were not read: what was not checked.
fn not_read(specs: &[SpecSide], pages: &[PageFacts], out: &mut Out) {
    let read: BTreeSet<String> = pages
        .iter()
        .filter(|p| p.role != Role::Index)
        .map(|p| url_key(&p.label))
        .collect();
    let mut cited: std::collections::BTreeMap<String, (String, Vec<&str>)> = Default::default();
    for s in specs {
        for (key, url) in &s.cited {
            let e = cited
                .entry(key.clone())
                .or_insert_with(|| (url.clone(), Vec::new()));
            e.1.push(s.file.as_str());
        }
    }
    for (key, (url, files)) in cited {
        if !read.contains(&key) {
            out.note(
                &url,
                "page".into(),
                format!(
                    "cited by {} but not among the pages read: the facts citing it were not checked",
                    files.join(" and ")
                ),
            );
        }
    }
}
