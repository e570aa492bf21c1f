//! The spec side: what each spec states, in the vocabulary of [`super::facts`], with the page each
//! fact cites (`x-source`, inherited from the operation or the document) and whether it is assumed.

use super::facts::{Credits, Durations, Field};
use super::prose;
use super::text::{clean, host, url_key};
use crate::spec::Spec;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One spec file, read for the comparison.
#[derive(Debug)]
pub struct SpecSide {
    /// The spec's path in the repository (`spec/artnex.yaml`).
    pub file: String,
    /// Hosts of the API itself (from `servers`).
    pub api_hosts: BTreeSet<String>,
    /// Hosts of the docs pages it cites.
    pub docs_hosts: BTreeSet<String>,
    /// The document's own `x-source`.
    pub info_source: Option<String>,
    /// Every operation.
    pub ops: Vec<SpecOp>,
    /// Error statuses any operation declares, and whether every declaration of it is assumed.
    pub statuses: BTreeMap<u16, bool>,
    /// Every text of the spec (descriptions, and each mapping of plain values as one line), normalised
    /// for the prose checks.
    pub texts: Vec<String>,
    /// Every `x-source`, keyed by [`url_key`].
    pub cited: BTreeMap<String, String>,
    /// The plan quotas the spec states as data (`x-artnex-rate-limit.plans`): lower-case plan name →
    /// requests per day (`1000`, `custom`). `None` when the spec has no such table.
    pub plans: Option<BTreeMap<String, String>>,
}

/// One operation.
#[derive(Debug)]
pub struct SpecOp {
    /// Upper-case method.
    pub method: String,
    /// Full path as a client sends it (server path included), parameters written `{}`.
    pub path: String,
    /// `POST /v1/generate`, with the parameter names kept.
    pub label: String,
    /// The docs page it cites.
    pub source: Option<String>,
    /// Marked `x-assumed`.
    pub assumed: bool,
    /// `x-artnex-models`.
    pub models: Vec<SpecModel>,
    /// `x-artnex-error-codes` / `x-artapi-error-codes`.
    pub errors: Vec<SpecError>,
    /// Request body fields.
    pub request: Vec<SpecField>,
    /// Success response fields.
    pub response: Vec<SpecField>,
    /// Request examples.
    pub request_examples: Vec<SpecExample>,
    /// Success response examples.
    pub response_examples: Vec<SpecExample>,
}

/// A model of the catalogue extension.
#[derive(Debug)]
pub struct SpecModel {
    /// Model id.
    pub id: String,
    /// Price.
    pub credits: Option<Credits>,
    /// Description.
    pub description: Option<String>,
    /// Video mode.
    pub mode: Option<String>,
    /// Durations.
    pub durations: Option<Durations>,
    /// Aspect ratios.
    pub ratios: Option<Vec<String>>,
    /// Marked `x-assumed`.
    pub assumed: bool,
}

/// A documented error code.
#[derive(Debug)]
pub struct SpecError {
    /// HTTP status.
    pub status: Option<u16>,
    /// Code.
    pub code: String,
    /// Cause.
    pub cause: Option<String>,
    /// Marked `x-assumed`.
    pub assumed: bool,
}

/// A body field.
#[derive(Debug)]
pub struct SpecField {
    /// What the spec states about it.
    pub field: Field,
    /// The field (or its schema) is marked `x-assumed`.
    pub assumed: bool,
    /// Its range is marked `x-assumed-range`.
    pub range_assumed: bool,
}

/// An example body.
#[derive(Debug)]
pub struct SpecExample {
    /// Its name in the spec.
    pub name: String,
    /// The body.
    pub value: Value,
    /// The page it cites (its own `x-source`, else the operation's).
    pub source: Option<String>,
    /// Marked `x-assumed`.
    pub assumed: bool,
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// `/v1/video/{request_id}` → `/v1/video/{}`.
pub fn path_key(path: &str) -> String {
    let mut out = String::new();
    for (i, seg) in path.trim_end_matches('/').split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if (seg.starts_with('{') && seg.ends_with('}')) || seg.starts_with(':') {
            out.push_str("{}");
        } else {
            out.push_str(seg);
        }
    }
    out
}

impl SpecSide {
    /// Reads one spec.
    pub fn read(file: &str, spec: &Spec) -> SpecSide {
        let raw = &spec.raw;
        let server = raw
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let prefix = server
            .split_once("://")
            .map(|(_, rest)| rest.find('/').map(|i| &rest[i..]).unwrap_or(""))
            .unwrap_or("")
            .trim_end_matches('/')
            .to_string();
        let mut api_hosts = BTreeSet::new();
        if let Some(servers) = raw.get("servers").and_then(Value::as_array) {
            for s in servers {
                if let Some(h) = s.get("url").and_then(Value::as_str).and_then(host) {
                    api_hosts.insert(h);
                }
            }
        }
        let info_source = raw.pointer("/info/x-source").and_then(Value::as_str);
        let mut cited = BTreeMap::new();
        collect_sources(raw, &mut cited);
        let docs_hosts = cited.values().filter_map(|u| host(u)).collect();
        let mut texts = Vec::new();
        collect_texts(raw, &mut texts);
        let texts = texts.iter().map(|t| prose::normalise(t)).collect();

        let mut ops = Vec::new();
        let mut statuses: BTreeMap<u16, bool> = BTreeMap::new();
        for o in spec.operations() {
            let op = o.op;
            let assumed = flag(op, "x-assumed");
            let source = string(op, "x-source").or_else(|| info_source.map(str::to_string));
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                for (status, resp) in responses {
                    let Ok(status) = status.parse::<u16>() else {
                        continue;
                    };
                    if status < 400 {
                        continue;
                    }
                    let a =
                        assumed || flag(resp, "x-assumed") || flag(spec.resolve(resp), "x-assumed");
                    let e = statuses.entry(status).or_insert(true);
                    *e = *e && a;
                }
            }
            let full = format!("{prefix}{}", o.path);
            ops.push(SpecOp {
                method: o.method.to_uppercase(),
                path: path_key(&full),
                label: format!("{} {full}", o.method.to_uppercase()),
                source,
                assumed,
                models: models(op),
                errors: errors(op),
                request: spec
                    .request_schema(op)
                    .map(|b| spec.resolve(b))
                    .map(|s| fields(spec, s, "", 0))
                    .unwrap_or_default(),
                response: spec
                    .success_schema(op)
                    .map(|b| spec.resolve(b))
                    .map(|s| fields(spec, s, "", 0))
                    .unwrap_or_default(),
                request_examples: op
                    .pointer("/requestBody/content/application~1json")
                    .map(|c| examples(c, string(op, "x-source").as_deref().or(info_source)))
                    .unwrap_or_default(),
                response_examples: success_content(op)
                    .map(|c| examples(c, string(op, "x-source").as_deref().or(info_source)))
                    .unwrap_or_default(),
            });
        }
        let plans = raw
            .pointer("/x-artnex-rate-limit/plans")
            .and_then(Value::as_array)
            .map(|plans| {
                plans
                    .iter()
                    .filter_map(|p| {
                        let name = p.get("name")?.as_str()?.to_ascii_lowercase();
                        let limit = match p.get("requests_per_day")? {
                            Value::String(s) => s.to_ascii_lowercase(),
                            other => other.to_string(),
                        };
                        Some((name, limit))
                    })
                    .collect()
            });
        SpecSide {
            plans,
            file: file.to_string(),
            api_hosts,
            docs_hosts,
            info_source: info_source.map(str::to_string),
            ops,
            statuses,
            texts,
            cited,
        }
    }

    /// The operation for a method and path (either form of the path parameters).
    pub fn op(&self, method: &str, path: &str) -> Option<usize> {
        let key = path_key(path);
        self.ops
            .iter()
            .position(|o| o.method.eq_ignore_ascii_case(method) && o.path == key)
    }
}

fn collect_sources(v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "x-source" {
                    if let Some(s) = v.as_str() {
                        out.insert(url_key(s), s.to_string());
                    }
                } else {
                    collect_sources(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_sources(v, out)),
        _ => {}
    }
}

/// Every string, every mapping of plain values as one `key: value, ...` line, every list of plain
/// values as one line: wherever and however the spec states a fact in words or as a small record.
fn collect_texts(v: &Value, out: &mut Vec<String>) {
    let scalar = scalar_text;
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Object(m) => {
            let line: Vec<String> = m
                .iter()
                .filter_map(|(k, v)| scalar(v).map(|s| format!("{k}: {s}")))
                .collect();
            if line.len() > 1 {
                out.push(line.join(", "));
            }
            for v in m.values() {
                collect_texts(v, out);
            }
        }
        Value::Array(a) => {
            let line: Vec<String> = a.iter().filter_map(scalar).collect();
            if line.len() > 1 {
                out.push(line.join(", "));
            }
            for v in a {
                collect_texts(v, out);
            }
        }
        _ => {}
    }
}

fn models(op: &Value) -> Vec<SpecModel> {
    let Some(list) = op.get("x-artnex-models").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|m| {
            let id = string(m, "id")?;
            let credits = match m.get("credits") {
                Some(Value::Number(n)) => n.as_u64().map(Credits::Fixed),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("varies") => Some(Credits::Varies),
                _ => None,
            };
            let durations = if let Some(r) = m.get("duration_range") {
                let n = |k: &str| {
                    r.get(k)
                        .and_then(Value::as_u64)
                        .and_then(|n| u32::try_from(n).ok())
                };
                n("min").zip(n("max")).map(|(a, b)| Durations::Range(a, b))
            } else {
                m.get("durations").and_then(Value::as_array).map(|l| {
                    Durations::List(
                        l.iter()
                            .filter_map(|d| d.as_u64().and_then(|n| u32::try_from(n).ok()))
                            .collect(),
                    )
                })
            };
            let ratios = m.get("aspect_ratios").and_then(Value::as_array).map(|l| {
                l.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            });
            Some(SpecModel {
                id,
                credits,
                description: string(m, "description").map(|d| clean(&d)),
                mode: string(m, "mode"),
                durations,
                ratios,
                assumed: flag(m, "x-assumed"),
            })
        })
        .collect()
}

fn errors(op: &Value) -> Vec<SpecError> {
    let mut out = Vec::new();
    for key in ["x-artnex-error-codes", "x-artapi-error-codes"] {
        for e in op.get(key).and_then(Value::as_array).into_iter().flatten() {
            let Some(code) = string(e, "code") else {
                continue;
            };
            out.push(SpecError {
                status: e
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok()),
                code,
                cause: string(e, "cause").map(|c| clean(&c)),
                assumed: flag(e, "x-assumed"),
            });
        }
    }
    out
}

fn success_content(op: &Value) -> Option<&Value> {
    let responses = op.get("responses")?.as_object()?;
    responses
        .iter()
        .find(|(s, _)| s.starts_with('2'))
        .and_then(|(_, r)| r.pointer("/content/application~1json"))
}

/// A property with its `$ref` followed; keys written next to the `$ref` win.
fn merged(spec: &Spec, prop: &Value) -> Value {
    let mut base = spec.resolve(prop).clone();
    if let (Some(b), Some(p)) = (base.as_object_mut(), prop.as_object()) {
        for (k, v) in p {
            if k != "$ref" {
                b.insert(k.clone(), v.clone());
            }
        }
    }
    base
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn fields(spec: &Spec, schema: &Value, prefix: &str, depth: usize) -> Vec<SpecField> {
    let mut out = Vec::new();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return out;
    };
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let schema_assumed = flag(schema, "x-assumed");
    for (name, prop) in props {
        let m = merged(spec, prop);
        let full = format!("{prefix}{name}");
        let range = match (
            m.get("minimum").and_then(Value::as_f64),
            m.get("maximum").and_then(Value::as_f64),
        ) {
            (None, None) => None,
            (a, b) => Some((a.unwrap_or(f64::NEG_INFINITY), b.unwrap_or(f64::INFINITY))),
        };
        let field = Field {
            name: full.clone(),
            ty: string(&m, "type"),
            required: Some(required.contains(name.as_str())),
            default: m.get("default").and_then(scalar_text),
            max_length: m.get("maxLength").and_then(Value::as_u64),
            range,
            values: m
                .get("enum")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(scalar_text).collect()),
        };
        out.push(SpecField {
            field,
            assumed: schema_assumed || flag(&m, "x-assumed"),
            range_assumed: flag(&m, "x-assumed-range"),
        });
        if depth < 2 {
            let inner = match m.get("type").and_then(Value::as_str) {
                Some("array") => m
                    .get("items")
                    .map(|i| (spec.resolve(i), format!("{full}[]."))),
                Some("object") => Some((&m, format!("{full}."))),
                _ => None,
            };
            if let Some((inner, p)) = inner {
                let inner = inner.clone();
                out.extend(fields(spec, &inner, &p, depth + 1));
            }
        }
    }
    out
}

fn examples(content: &Value, op_source: Option<&str>) -> Vec<SpecExample> {
    let mut out = Vec::new();
    if let Some(map) = content.get("examples").and_then(Value::as_object) {
        for (name, ex) in map {
            if let Some(value) = ex.get("value") {
                out.push(SpecExample {
                    name: name.clone(),
                    value: value.clone(),
                    source: string(ex, "x-source").or_else(|| op_source.map(str::to_string)),
                    assumed: flag(ex, "x-assumed"),
                });
            }
        }
    }
    if let Some(value) = content.get("example") {
        out.push(SpecExample {
            name: "example".into(),
            value: value.clone(),
            source: op_source.map(str::to_string),
            assumed: false,
        });
    }
    out
}
