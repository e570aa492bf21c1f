//! The rules a spec must follow before it reaches the generator.
//!
//! progenitor 0.15 rejects some specs with an error and panics on others. Checking first turns every one of
//! those cases into a message that names the operation and says what to change. One rule is our own:
//! no `additionalProperties: false`, because deployed clients would break when the server adds a field.

use crate::spec::{OperationRef, Spec};
use crate::{Error, Result};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

/// Request body media types progenitor can generate code for.
const SUPPORTED_REQUEST_MEDIA: &[&str] = &[
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
];

/// Parameter locations progenitor supports.
const SUPPORTED_PARAM_LOCATIONS: &[&str] = &["path", "query", "header"];

/// Checks every rule and returns all violations as one readable error.
pub fn enforce(spec: &Spec) -> Result<()> {
    let violations = check(spec);
    if violations.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "{} breaks {} rule(s) the code generator depends on:\n",
        spec.origin,
        violations.len()
    );
    for v in &violations {
        msg.push_str("  - ");
        msg.push_str(v);
        msg.push('\n');
    }
    Err(Error::new(msg.trim_end().to_string()))
}

/// Every rule violation in the spec, one readable line each.
pub fn check(spec: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    version(spec, &mut out);
    let mut ids = HashSet::new();
    if let Some(paths) = spec.raw.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if item.get("$ref").is_some() {
                out.push(format!(
                    "path {path}: path items given by $ref are not supported; inline the path item"
                ));
            }
        }
    }
    for op in spec.operations() {
        operation_id(&op, &mut ids, &mut out);
        parameters(spec, &op, &mut out);
        request_body(spec, &op, &mut out);
        responses(spec, &op, &mut out);
    }
    closed_objects(&spec.raw, "", &mut out);
    out
}

fn version(spec: &Spec, out: &mut Vec<String>) {
    match spec.raw.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => {}
        Some(v) => out.push(format!(
            "`openapi: {}` is not supported: the generator reads OpenAPI 3.0.x only; use `openapi: 3.0.3`",
            v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
        )),
        None => out.push("the `openapi` version field is missing; add `openapi: 3.0.3`".into()),
    }
}

fn operation_id(op: &OperationRef<'_>, ids: &mut HashSet<String>, out: &mut Vec<String>) {
    match op.id() {
        None => out.push(format!(
            "{}: no operationId; every operation needs one (it names the generated method and types)",
            op.label()
        )),
        Some(id) if !ids.insert(id.to_string()) => out.push(format!(
            "{}: operationId `{id}` is used by another operation; operationIds must be unique",
            op.label()
        )),
        Some(_) => {}
    }
}

fn parameters(spec: &Spec, op: &OperationRef<'_>, out: &mut Vec<String>) {
    let Some(params) = op.op.get("parameters").and_then(Value::as_array) else {
        return;
    };
    for p in params {
        let p = spec.resolve(p);
        let location = p.get("in").and_then(Value::as_str).unwrap_or("?");
        if !SUPPORTED_PARAM_LOCATIONS.contains(&location) {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push(format!(
                "{}: parameter `{name}` is in `{location}`; only path, query and header parameters are supported",
                op.label()
            ));
        }
    }
}

fn request_body(spec: &Spec, op: &OperationRef<'_>, out: &mut Vec<String>) {
    let Some(body) = op.op.get("requestBody") else {
        return;
    };
    let body = spec.resolve(body);
    let media: Vec<&String> = body
        .get("content")
        .and_then(Value::as_object)
        .map(|c| c.keys().collect())
        .unwrap_or_default();
    match media.as_slice() {
        [] => out.push(format!(
            "{}: the request body declares no media type",
            op.label()
        )),
        [one] if !SUPPORTED_REQUEST_MEDIA.contains(&one.as_str()) => out.push(format!(
            "{}: request media type `{one}` is not supported; use one of {}",
            op.label(),
            SUPPORTED_REQUEST_MEDIA.join(", ")
        )),
        [_] => {}
        many => out.push(format!(
            "{}: the request body has {} media types ({}); the generator takes exactly one",
            op.label(),
            many.len(),
            many.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// What a response contributes to the generated method's return type.
fn response_kind(spec: &Spec, response: &Value) -> String {
    let response = spec.resolve(response);
    match response.get("content").and_then(Value::as_object) {
        None => "no body".into(),
        Some(c) if c.is_empty() => "no body".into(),
        Some(c) => match c.get("application/json").and_then(|m| m.get("schema")) {
            Some(schema) => Spec::schema_name(schema),
            None => "raw bytes".into(),
        },
    }
}

fn responses(spec: &Spec, op: &OperationRef<'_>, out: &mut Vec<String>) {
    let Some(responses) = op.op.get("responses").and_then(Value::as_object) else {
        out.push(format!("{}: no responses declared", op.label()));
        return;
    };
    let mut success = BTreeSet::new();
    let mut error = BTreeSet::new();
    for (status, response) in responses {
        let kind = response_kind(spec, response);
        let class = status.chars().next().unwrap_or('?');
        match (status.as_str(), class) {
            ("default", _) => {
                // progenitor counts `default` as both a success and an error response.
                success.insert(format!("{kind} (default)"));
                error.insert(format!("{kind} (default)"));
            }
            (_, '2') => {
                success.insert(kind);
            }
            (_, '4' | '5') => {
                error.insert(kind);
            }
            _ => {}
        }
    }
    let distinct = |set: &BTreeSet<String>| {
        set.iter()
            .map(|k| k.trim_end_matches(" (default)").to_string())
            .collect::<BTreeSet<_>>()
    };
    if distinct(&success).len() > 1 {
        out.push(format!(
            "{}: success responses use {} different bodies ({}); the generator needs one success schema per operation",
            op.label(),
            distinct(&success).len(),
            success.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if distinct(&error).len() > 1 {
        out.push(format!(
            "{}: error responses use {} different bodies ({}); the generator needs one error schema per operation",
            op.label(),
            distinct(&error).len(),
            error.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
}

/// Finds `additionalProperties: false` anywhere: it becomes `deny_unknown_fields`, which breaks deployed
/// clients as soon as the server adds a field.
fn closed_objects(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                out.push(format!(
                    "{}: `additionalProperties: false` makes clients reject new server fields; remove it",
                    if at.is_empty() { "/" } else { at }
                ));
            }
            for (k, v) in map {
                closed_objects(v, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                closed_objects(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}
