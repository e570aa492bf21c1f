//! Every fact the specs state besides the client code, read into plain data and generated into
//! `crates/artnex-facts/src/generated.rs` (see [`render`]).
//!
//! What is read, and from where (both specs, in the order of the facts target):
//!
//! | fact | spec source | generated as |
//! |---|---|---|
//! | the APIs | `info.x-facts-api` (the Rust variant), `info.title` | `enum Api` |
//! | operations | every operation: `operationId`, method, path, `summary`, `x-billable`, the top-level request body properties, the error-code lists | `enum OperationId`, `OPERATIONS` |
//! | error codes | `x-artnex-error-codes` / `x-artapi-error-codes` (`status`, `code`, `cause`, `x-assumed`) | `enum ErrorCode`, `ERROR_CODES` |
//! | limits | `minLength`, `maxLength`, `minimum`, `maximum` and `x-max-bytes` of the request properties, plus `x-assumed-limits` | `Limit` constants |
//! | request enums | component schemas with `enum` and `x-enum-varnames` | one enum each |
//! | polling rule | `x-artnex-polling` on the status operation | `VIDEO_POLLING` |
//! | plan quotas | root `x-artnex-rate-limit` | `enum Plan`, `QUOTA_WINDOW` |
//! | models and prices | `x-artnex-models`, `x-artnex-flat-credits` ([`crate::catalogue`]) | `MODELS`, `enum Model`, flat prices |
//!
//! A constraint is *documented* unless its schema carries `x-assumed: true` or `x-assumed-range: true`;
//! limits in `x-assumed-limits` are always assumed. `x-assumed-limits` exists for limits a generated client
//! must not enforce (the generator turns `maxLength` into a checked newtype).

pub mod render;

pub use render::generate;

use crate::catalogue::{self, Catalogue};
use crate::spec::Spec;
use crate::{Error, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One API (one spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFact {
    /// The Rust variant of `Api` (`info.x-facts-api`).
    pub variant: String,
    /// `info.title`.
    pub title: String,
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationFact {
    /// The operationId.
    pub id: String,
    /// The Rust variant of `OperationId` (UpperCamelCase of the id).
    pub variant: String,
    /// The `Api` variant of its spec.
    pub api: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template, as in the spec.
    pub path: String,
    /// `x-billable`.
    pub billable: bool,
    /// `summary`.
    pub summary: String,
    /// Top-level request body properties, in spec order.
    pub fields: Vec<FieldFact>,
    /// Top-level success response properties, in spec order.
    pub response_fields: Vec<FieldFact>,
    /// The error codes it lists `(status, code)`, in spec order.
    pub error_codes: Vec<(u16, String)>,
}

/// One error code, over every listing in both specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCodeFact {
    /// The wire code.
    pub code: String,
    /// The Rust variant (UpperCamelCase of the code).
    pub variant: String,
    /// The cause of its first listing (spec order, first spec first).
    pub description: String,
    /// Every status it is listed with.
    pub statuses: BTreeSet<u16>,
    /// True when every listing is `x-assumed` (no docs page names it).
    pub assumed: bool,
    /// The `Api` variants whose specs list it, in spec order.
    pub apis: Vec<String>,
}

/// The Rust type of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitType {
    /// A character count or a byte count that fits memory.
    Usize,
    /// A byte count.
    U64,
    /// An integer of the given Rust type name.
    Int(&'static str),
    /// A number.
    F64,
}

impl LimitType {
    /// The Rust type name.
    pub fn rust(self) -> &'static str {
        match self {
            LimitType::Usize => "usize",
            LimitType::U64 => "u64",
            LimitType::Int(t) => t,
            LimitType::F64 => "f64",
        }
    }
}

/// One numeric or length limit of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitFact {
    /// The constant's name.
    pub name: String,
    /// The Rust type.
    pub ty: LimitType,
    /// The value.
    pub value: f64,
    /// Whether the docs state it.
    pub documented: bool,
    /// The keyword it comes from (`maxLength`, `minimum`, `x-max-bytes`, ...).
    pub keyword: &'static str,
    /// Where it applies: `operation.field` for each request field it constrains.
    pub used_by: Vec<String>,
}

impl LimitFact {
    /// The value as a Rust literal of its type.
    pub fn literal(&self) -> String {
        match self.ty {
            LimitType::F64 => format!("{:?}", self.value),
            _ => format!("{}", self.value as i128),
        }
    }
}

/// One request enum (a component schema with `enum`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumFact {
    /// The Rust type name (the schema name).
    pub name: String,
    /// The request field it is used as (the first property that references it).
    pub field: String,
    /// The schema description.
    pub description: String,
    /// `(variant, wire value)` in spec order.
    pub values: Vec<(String, String)>,
    /// The spec's `default`, as a variant.
    pub default: Option<String>,
    /// The `Api` variant of its spec.
    pub api: String,
}

impl EnumFact {
    /// The variant of a wire value.
    pub fn variant_of(&self, wire: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(_, w)| w == wire)
            .map(|(v, _)| v.as_str())
    }
}

/// The documented polling rule of the video status operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollingFact {
    /// Shortest allowed interval between two polls of one job.
    pub min_interval_seconds: u64,
    /// How many polls before giving up.
    pub max_attempts: u32,
    /// How long to poll before giving up.
    pub timeout_seconds: u64,
}

/// One plan of the rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFact {
    /// The plan's name, also its Rust variant.
    pub name: String,
    /// Requests per window, `None` when custom.
    pub requests_per_day: Option<u32>,
}

/// The rolling request quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitFact {
    /// The rolling window.
    pub window_hours: u64,
    /// The plans, in spec order.
    pub plans: Vec<PlanFact>,
}

/// Everything the facts file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The APIs, one per spec.
    pub apis: Vec<ApiFact>,
    /// The model catalogue and flat prices (merged over the specs).
    pub catalogue: Catalogue,
    /// Every operation of every spec.
    pub operations: Vec<OperationFact>,
    /// The union of the error codes.
    pub error_codes: Vec<ErrorCodeFact>,
    /// The request limits.
    pub limits: Vec<LimitFact>,
    /// The request enums.
    pub enums: Vec<EnumFact>,
    /// The polling rule.
    pub polling: PollingFact,
    /// The plan quotas.
    pub rate_limit: RateLimitFact,
}

impl Facts {
    /// The enum generated from the component schema `name`.
    pub fn enum_named(&self, name: &str) -> Option<&EnumFact> {
        self.enums.iter().find(|e| e.name == name)
    }
}

/// UpperCamelCase of a snake/kebab-case name: `get_video_status` -> `GetVideoStatus`.
pub fn camel(name: &str) -> String {
    catalogue::variant_name(name)
}

/// SCREAMING_SNAKE_CASE of a snake or UpperCamelCase name: `ImageInput` -> `IMAGE_INPUT`.
pub fn screaming(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out.trim_end_matches('_').to_string()
}

/// Whether `s` can be a Rust type or variant name.
fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key) == Some(&Value::Bool(true))
}

/// Reads the facts of every spec of the facts target, in order.
pub fn read(specs: &[Spec]) -> Result<Facts> {
    let mut apis = Vec::new();
    for spec in specs {
        let variant = spec
            .raw
            .pointer("/info/x-facts-api")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::new(format!(
                    "{}: `info.x-facts-api` is missing: name the API's `Api` variant (e.g. `Artnex`)",
                    spec.origin
                ))
            })?;
        if !is_ident(variant) || apis.iter().any(|a: &ApiFact| a.variant == variant) {
            return Err(Error::new(format!(
                "{}: `info.x-facts-api: {variant}` must be a unique UpperCamelCase name",
                spec.origin
            )));
        }
        apis.push(ApiFact {
            variant: variant.to_string(),
            title: spec
                .raw
                .pointer("/info/title")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        });
    }
    let mut catalogue = Catalogue::default();
    for spec in specs {
        let c = catalogue::read(spec)?;
        catalogue.models.extend(c.models);
        catalogue.flat.extend(c.flat);
    }
    let mut operations = Vec::new();
    for (spec, api) in specs.iter().zip(&apis) {
        operations.extend(read_operations(spec, &api.variant)?);
    }
    let mut seen = BTreeSet::new();
    for op in &operations {
        if !seen.insert(op.variant.clone()) {
            return Err(Error::new(format!(
                "operationId `{}` maps to the Rust name `{}`, which another operation (in either spec) already has",
                op.id, op.variant
            )));
        }
    }
    let error_codes = read_error_codes(specs, &apis)?;
    let mut limits = Vec::new();
    for spec in specs {
        read_limits(spec, &mut limits)?;
    }
    let mut enums = Vec::new();
    for (spec, api) in specs.iter().zip(&apis) {
        read_enums(spec, &api.variant, &mut enums)?;
    }
    let facts = Facts {
        apis,
        catalogue,
        operations,
        error_codes,
        limits,
        enums,
        polling: read_polling(specs)?,
        rate_limit: read_rate_limit(specs)?,
    };
    check_catalogue_values(&facts)?;
    Ok(facts)
}

/// A top-level property of a request or response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFact {
    /// The JSON name.
    pub name: String,
    /// Whether it is required.
    pub required: bool,
    /// The `FieldKind` variant of its JSON type.
    pub kind: &'static str,
}

/// The `FieldKind` of a property: its `type`, through `$ref`s and a single-element `allOf`.
fn field_kind(spec: &Spec, prop: &Value) -> &'static str {
    match spec.resolve(prop).get("type").and_then(Value::as_str) {
        Some("string") => "String",
        Some("integer") => "Integer",
        Some("number") => "Number",
        Some("boolean") => "Boolean",
        Some("array") => "Array",
        Some("object") => "Object",
        _ => "Any",
    }
}

/// The properties of an object schema, in spec order.
fn top_level_fields(spec: &Spec, schema: Option<&Value>) -> Vec<FieldFact> {
    let Some(schema) = schema.map(|s| spec.resolve(s)) else {
        return Vec::new();
    };
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, prop)| FieldFact {
                    name: name.clone(),
                    required: required.contains(name.as_str()),
                    kind: field_kind(spec, prop),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn read_operations(spec: &Spec, api: &str) -> Result<Vec<OperationFact>> {
    let mut out = Vec::new();
    for op in spec.operations() {
        let id = op.id().unwrap_or_default();
        let billable = op
            .op
            .get("x-billable")
            .and_then(Value::as_bool)
            .ok_or_else(|| {
                Error::new(format!(
                    "{} {}: `x-billable: true|false` is missing (does a call cost credits or quota?)",
                    spec.origin,
                    op.label()
                ))
            })?;
        let fields = top_level_fields(spec, spec.request_schema(op.op));
        let response_fields = top_level_fields(spec, spec.success_schema(op.op));
        let mut error_codes = Vec::new();
        for listing in listings(spec, op.op, &op.label())? {
            error_codes.push((listing.status, listing.code));
        }
        out.push(OperationFact {
            id: id.to_string(),
            variant: camel(id),
            api: api.to_string(),
            method: op.method.to_uppercase(),
            path: op.path.to_string(),
            billable,
            summary: op
                .op
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            fields,
            response_fields,
            error_codes,
        });
    }
    Ok(out)
}

/// The extensions that list an operation's error codes.
pub const ERROR_CODE_LISTS: &[&str] = &["x-artnex-error-codes", "x-artapi-error-codes"];

struct Listing {
    status: u16,
    code: String,
    cause: String,
    assumed: bool,
}

fn listings(spec: &Spec, op: &Value, label: &str) -> Result<Vec<Listing>> {
    let mut out = Vec::new();
    for key in ERROR_CODE_LISTS {
        let Some(list) = op.get(*key) else { continue };
        let list = list.as_array().ok_or_else(|| {
            Error::new(format!("{} {label}: `{key}` must be a list", spec.origin))
        })?;
        for entry in list {
            let what = format!("{} {label}: `{key}` entry {entry}", spec.origin);
            let status = entry
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| Error::new(format!("{what}: `status` must be an HTTP status")))?;
            let code = entry
                .get("code")
                .and_then(Value::as_str)
                .filter(|c| {
                    !c.is_empty()
                        && c.chars()
                            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                })
                .ok_or_else(|| Error::new(format!("{what}: `code` must be a snake_case string")))?;
            let cause = entry
                .get("cause")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::new(format!("{what}: `cause` is missing")))?;
            out.push(Listing {
                status,
                code: code.to_string(),
                cause: cause.to_string(),
                assumed: flag(entry, "x-assumed"),
            });
        }
    }
    Ok(out)
}

fn read_error_codes(specs: &[Spec], apis: &[ApiFact]) -> Result<Vec<ErrorCodeFact>> {
    let mut out: Vec<ErrorCodeFact> = Vec::new();
    for (spec, api) in specs.iter().zip(apis) {
        for op in spec.operations() {
            for l in listings(spec, op.op, &op.label())? {
                match out.iter_mut().find(|e| e.code == l.code) {
                    Some(e) => {
                        e.statuses.insert(l.status);
                        e.assumed &= l.assumed;
                        if !e.apis.contains(&api.variant) {
                            e.apis.push(api.variant.clone());
                        }
                    }
                    None => out.push(ErrorCodeFact {
                        variant: camel(&l.code),
                        code: l.code,
                        description: l.cause,
                        statuses: BTreeSet::from([l.status]),
                        assumed: l.assumed,
                        apis: vec![api.variant.clone()],
                    }),
                }
            }
        }
    }
    let mut variants = BTreeMap::new();
    for e in &out {
        if e.variant == "Unknown" {
            return Err(Error::new(
                "error code `unknown` would clash with ErrorCode::Unknown; pick another code name",
            ));
        }
        if let Some(other) = variants.insert(e.variant.clone(), e.code.clone()) {
            return Err(Error::new(format!(
                "error codes `{other}` and `{}` map to the same Rust name `{}`",
                e.code, e.variant
            )));
        }
    }
    Ok(out)
}

/// The constraint keywords read from a request property, with the name suffix of their constant.
const LIMIT_KEYWORDS: &[(&str, &str)] = &[
    ("minLength", "MIN_CHARS"),
    ("maxLength", "MAX_CHARS"),
    ("minimum", "MIN"),
    ("maximum", "MAX"),
    ("x-max-bytes", "MAX_BYTES"),
];

/// Constraint keywords the facts cannot express: refused so that no limit is silently dropped.
const UNSUPPORTED_KEYWORDS: &[&str] = &[
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
];

fn number_type(schema: &Value, what: &str) -> Result<LimitType> {
    let format = schema.get("format").and_then(Value::as_str);
    match (schema.get("type").and_then(Value::as_str), format) {
        (Some("number"), _) => Ok(LimitType::F64),
        (Some("integer"), Some("uint8")) => Ok(LimitType::Int("u8")),
        (Some("integer"), Some("uint16")) => Ok(LimitType::Int("u16")),
        (Some("integer"), Some("uint32")) => Ok(LimitType::Int("u32")),
        (Some("integer"), Some("uint64")) => Ok(LimitType::Int("u64")),
        (Some("integer"), Some("int8")) => Ok(LimitType::Int("i8")),
        (Some("integer"), Some("int16")) => Ok(LimitType::Int("i16")),
        (Some("integer"), Some("int32")) => Ok(LimitType::Int("i32")),
        (Some("integer"), Some("int64") | None) => Ok(LimitType::Int("i64")),
        (t, f) => Err(Error::new(format!(
            "{what}: a minimum/maximum needs `type: integer` (with a known format) or `type: number`, found {t:?} {f:?}"
        ))),
    }
}

fn limit_type(keyword: &str, schema: &Value, what: &str) -> Result<LimitType> {
    match keyword {
        "minLength" | "maxLength" => Ok(LimitType::Usize),
        "x-max-bytes" => Ok(LimitType::U64),
        _ => number_type(schema, what),
    }
}

fn check_value(ty: LimitType, value: &Value, what: &str) -> Result<f64> {
    let n = value
        .as_f64()
        .ok_or_else(|| Error::new(format!("{what}: expected a number, found {value}")))?;
    let whole = n.fract() == 0.0;
    let fits = match ty {
        LimitType::F64 => n.is_finite(),
        LimitType::Usize | LimitType::U64 => whole && n >= 0.0,
        LimitType::Int(t) => {
            let (lo, hi) = match t {
                "u8" => (0.0, u8::MAX as f64),
                "u16" => (0.0, u16::MAX as f64),
                "u32" => (0.0, u32::MAX as f64),
                "u64" => (0.0, u64::MAX as f64),
                "i8" => (i8::MIN as f64, i8::MAX as f64),
                "i16" => (i16::MIN as f64, i16::MAX as f64),
                "i32" => (i32::MIN as f64, i32::MAX as f64),
                _ => (i64::MIN as f64, i64::MAX as f64),
            };
            whole && (lo..=hi).contains(&n)
        }
    };
    if fits {
        Ok(n)
    } else {
        Err(Error::new(format!(
            "{what}: {n} is not a valid {}",
            ty.rust()
        )))
    }
}

fn read_limits(spec: &Spec, out: &mut Vec<LimitFact>) -> Result<()> {
    for op in spec.operations() {
        let id = op.id().unwrap_or_default();
        let Some(body) = spec.request_schema(op.op).map(|b| spec.resolve(b)) else {
            continue;
        };
        let Some(props) = body.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (field, prop) in props {
            // A constraint on a shared component schema is named after the schema, once.
            let (prefix, schema) = match Spec::reference(prop) {
                Some(r) => (
                    screaming(r.rsplit('/').next().unwrap_or(r)),
                    spec.resolve(prop),
                ),
                None => (format!("{}_{}", screaming(id), screaming(field)), prop),
            };
            let what = format!("{} {} request field `{field}`", spec.origin, op.label());
            for kw in UNSUPPORTED_KEYWORDS {
                if schema.get(*kw).is_some() {
                    return Err(Error::new(format!(
                        "{what}: `{kw}` is not supported by the facts generator; express the limit with minimum/maximum/minLength/maxLength"
                    )));
                }
            }
            if schema.get("enum").is_some() && Spec::reference(prop).is_none() {
                return Err(Error::new(format!(
                    "{what}: an inline enum; move it to components/schemas with `x-enum-varnames` so it gets a generated type"
                )));
            }
            let schema_assumed = flag(schema, "x-assumed") || flag(schema, "x-assumed-range");
            let assumed_limits = match schema.get("x-assumed-limits") {
                None => serde_json::Map::new(),
                Some(Value::Object(m)) => m.clone(),
                Some(other) => {
                    return Err(Error::new(format!(
                        "{what}: `x-assumed-limits` must be a mapping, found {other}"
                    )));
                }
            };
            for key in assumed_limits.keys() {
                if !LIMIT_KEYWORDS.iter().any(|(k, _)| k == key) || key == "x-max-bytes" {
                    return Err(Error::new(format!(
                        "{what}: `x-assumed-limits` key `{key}` is not one of minLength, maxLength, minimum, maximum"
                    )));
                }
            }
            for (kw, suffix) in LIMIT_KEYWORDS {
                let (value, documented) = match (schema.get(*kw), assumed_limits.get(*kw)) {
                    (Some(_), Some(_)) => {
                        return Err(Error::new(format!(
                            "{what}: `{kw}` is both a constraint and in `x-assumed-limits`; keep one"
                        )));
                    }
                    (Some(v), None) => (v, !schema_assumed),
                    (None, Some(v)) => (v, false),
                    (None, None) => continue,
                };
                let ty = limit_type(kw, schema, &what)?;
                let value = check_value(ty, value, &format!("{what} `{kw}`"))?;
                let name = format!("{prefix}_{suffix}");
                let used = format!("{id}.{field}");
                match out.iter_mut().find(|l| l.name == name) {
                    Some(l) if l.value == value && l.documented == documented && l.ty == ty => {
                        if !l.used_by.contains(&used) {
                            l.used_by.push(used);
                        }
                    }
                    Some(_) => {
                        return Err(Error::new(format!(
                            "{what}: limit `{name}` is defined twice with different values"
                        )));
                    }
                    None => out.push(LimitFact {
                        name,
                        ty,
                        value,
                        documented,
                        keyword: kw,
                        used_by: vec![used],
                    }),
                }
            }
        }
    }
    Ok(())
}

/// The request property names that reference the component schema `name`, in spec order.
fn referencing_fields(spec: &Spec, name: &str) -> Vec<String> {
    let target = format!("#/components/schemas/{name}");
    let mut out = Vec::new();
    for op in spec.operations() {
        let Some(props) = spec
            .request_schema(op.op)
            .map(|b| spec.resolve(b))
            .and_then(|b| b.get("properties"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (field, prop) in props {
            if Spec::reference(prop) == Some(target.as_str()) && !out.contains(field) {
                out.push(field.clone());
            }
        }
    }
    out
}

fn read_enums(spec: &Spec, api: &str, out: &mut Vec<EnumFact>) -> Result<()> {
    let Some(schemas) = spec
        .raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    for (name, schema) in schemas {
        let Some(values) = schema.get("enum") else {
            continue;
        };
        let what = format!("{} schema {name}", spec.origin);
        if !is_ident(name) || out.iter().any(|e| &e.name == name) {
            return Err(Error::new(format!(
                "{what}: an enum schema needs a unique UpperCamelCase name across both specs"
            )));
        }
        if schema.get("type").and_then(Value::as_str) != Some("string") {
            return Err(Error::new(format!(
                "{what}: only string enums are supported"
            )));
        }
        let wire: Vec<String> = values
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let names: Vec<String> = schema
            .get("x-enum-varnames")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if wire.is_empty() || names.len() != wire.len() {
            return Err(Error::new(format!(
                "{what}: `x-enum-varnames` must name each of the {} enum values, in order",
                wire.len()
            )));
        }
        let mut unique = BTreeSet::new();
        for n in &names {
            if !is_ident(n) || !unique.insert(n) {
                return Err(Error::new(format!(
                    "{what}: `x-enum-varnames` entry `{n}` must be a unique UpperCamelCase name"
                )));
            }
        }
        let values: Vec<(String, String)> = names.into_iter().zip(wire).collect();
        let default = match schema.get("default") {
            None => None,
            Some(d) => Some(
                d.as_str()
                    .and_then(|d| values.iter().find(|(_, w)| w == d))
                    .map(|(v, _)| v.clone())
                    .ok_or_else(|| {
                        Error::new(format!("{what}: `default` {d} is not one of the values"))
                    })?,
            ),
        };
        out.push(EnumFact {
            field: referencing_fields(spec, name)
                .into_iter()
                .next()
                .unwrap_or_else(|| screaming(name).to_lowercase()),
            name: name.clone(),
            description: schema
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            values,
            default,
            api: api.to_string(),
        });
    }
    Ok(())
}

fn whole(v: Option<&Value>, what: &str) -> Result<u64> {
    v.and_then(Value::as_u64)
        .ok_or_else(|| Error::new(format!("{what}: expected a whole number")))
}

fn read_polling(specs: &[Spec]) -> Result<PollingFact> {
    let mut found = Vec::new();
    for spec in specs {
        for op in spec.operations() {
            if let Some(p) = op.op.get("x-artnex-polling") {
                found.push((format!("{} {}", spec.origin, op.label()), p));
            }
        }
    }
    let [(what, p)] = found.as_slice() else {
        return Err(Error::new(format!(
            "`x-artnex-polling` must be on exactly one operation (the video status poll); found {}",
            found.len()
        )));
    };
    let what = format!("{what}: x-artnex-polling");
    let fact = PollingFact {
        min_interval_seconds: whole(
            p.get("min_interval_seconds"),
            &format!("{what}.min_interval_seconds"),
        )?,
        max_attempts: u32::try_from(whole(
            p.get("max_attempts"),
            &format!("{what}.max_attempts"),
        )?)
        .map_err(|_| Error::new(format!("{what}.max_attempts is too large")))?,
        timeout_seconds: whole(p.get("timeout_seconds"), &format!("{what}.timeout_seconds"))?,
    };
    if fact.min_interval_seconds * u64::from(fact.max_attempts) != fact.timeout_seconds {
        return Err(Error::new(format!(
            "{what}: {} attempts at {} s intervals is not the {} s timeout",
            fact.max_attempts, fact.min_interval_seconds, fact.timeout_seconds
        )));
    }
    Ok(fact)
}

fn read_rate_limit(specs: &[Spec]) -> Result<RateLimitFact> {
    let found: Vec<(&str, &Value)> = specs
        .iter()
        .filter_map(|s| {
            s.raw
                .get("x-artnex-rate-limit")
                .map(|v| (s.origin.as_str(), v))
        })
        .collect();
    let [(origin, r)] = found.as_slice() else {
        return Err(Error::new(format!(
            "the root extension `x-artnex-rate-limit` must be in exactly one spec; found {}",
            found.len()
        )));
    };
    let what = format!("{origin}: x-artnex-rate-limit");
    let plans = r
        .get("plans")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::new(format!("{what}: `plans` must be a list")))?;
    let mut out = Vec::new();
    for p in plans {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| is_ident(n))
            .ok_or_else(|| {
                Error::new(format!(
                    "{what}: plan {p}: `name` must be an UpperCamelCase name"
                ))
            })?;
        let requests_per_day = match p.get("requests_per_day") {
            Some(Value::String(s)) if s == "custom" => None,
            v => Some(
                v.and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| {
                        Error::new(format!(
                            "{what}: plan {name}: `requests_per_day` must be a whole number or \"custom\""
                        ))
                    })?,
            ),
        };
        if out.iter().any(|o: &PlanFact| o.name == name) {
            return Err(Error::new(format!("{what}: plan {name} is listed twice")));
        }
        out.push(PlanFact {
            name: name.to_string(),
            requests_per_day,
        });
    }
    Ok(RateLimitFact {
        window_hours: whole(r.get("window_hours"), &format!("{what}.window_hours"))?,
        plans: out,
    })
}

/// The model catalogue names values of the request enums: each must be one of them.
fn check_catalogue_values(facts: &Facts) -> Result<()> {
    type Values = fn(&catalogue::Entry) -> Vec<String>;
    let checks: [(&str, Values); 4] = [
        ("AspectRatio", |m| m.aspect_ratios.clone()),
        ("Resolution", |m| m.resolutions.clone()),
        ("Quality", |m| m.qualities.clone()),
        ("VideoMode", |m| m.mode.iter().cloned().collect()),
    ];
    for (schema, values) in checks {
        let e = facts.enum_named(schema).ok_or_else(|| {
            Error::new(format!(
                "the model catalogue needs the enum schema `{schema}`, which no spec defines"
            ))
        })?;
        for m in &facts.catalogue.models {
            for v in values(m) {
                if e.variant_of(&v).is_none() {
                    return Err(Error::new(format!(
                        "model `{}`: `{v}` is not a value of the {schema} enum ({})",
                        m.id,
                        e.values
                            .iter()
                            .map(|(_, w)| w.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(screaming("ImageInput"), "IMAGE_INPUT");
        assert_eq!(screaming("generate_image"), "GENERATE_IMAGE");
        assert_eq!(screaming("num_images"), "NUM_IMAGES");
        assert_eq!(camel("get_video_status"), "GetVideoStatus");
        assert_eq!(camel("invalid_api_key"), "InvalidApiKey");
    }
}
