//! Loading a spec: YAML (or JSON) text into a raw JSON tree, for the rules and the extensions, and into
//! typed `openapiv3` for progenitor.

use crate::{Error, Result};
use serde_json::Value;

/// HTTP methods an OpenAPI path item can hold, in the order the spec format lists them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A parsed spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Where it came from (used in messages).
    pub origin: String,
    /// The raw document.
    pub raw: Value,
}

/// One operation of the spec, located by path and method.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    /// The path template, e.g. `/v1/video/{request_id}`.
    pub path: &'a str,
    /// Lower-case HTTP method.
    pub method: &'a str,
    /// The operation object.
    pub op: &'a Value,
}

impl<'a> OperationRef<'a> {
    /// The operationId, if any.
    pub fn id(&self) -> Option<&'a str> {
        self.op.get("operationId").and_then(Value::as_str)
    }

    /// `METHOD path` for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

impl Spec {
    /// Parses YAML or JSON text. Rejects anything that is not a mapping at the top.
    pub fn parse(origin: &str, text: &str) -> Result<Self> {
        let raw: Value = serde_yaml::from_str(text)
            .map_err(|e| Error::new(format!("{origin}: not valid YAML/JSON: {e}")))?;
        if !raw.is_object() {
            return Err(Error::new(format!(
                "{origin}: the top level must be a mapping"
            )));
        }
        Ok(Spec {
            origin: origin.to_string(),
            raw,
        })
    }

    /// The typed form progenitor takes.
    pub fn openapi(&self) -> Result<openapiv3::OpenAPI> {
        serde_json::from_value(self.raw.clone()).map_err(|e| {
            Error::new(format!(
                "{}: not a valid OpenAPI 3.0 document: {e}",
                self.origin
            ))
        })
    }

    /// Every operation, in spec order.
    pub fn operations(&self) -> Vec<OperationRef<'_>> {
        let mut out = Vec::new();
        if let Some(paths) = self.raw.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                for method in METHODS {
                    if let Some(op) = item.get(*method) {
                        out.push(OperationRef { path, method, op });
                    }
                }
            }
        }
        out
    }

    /// The `$ref` a schema stands for: its own, or that of a single-element `allOf` (the OpenAPI 3.0 way to
    /// add `nullable` or a description to a reference).
    pub fn reference(value: &Value) -> Option<&str> {
        if let Some(r) = value.get("$ref").and_then(Value::as_str) {
            return Some(r);
        }
        match value
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([one]) => one.get("$ref").and_then(Value::as_str),
            _ => None,
        }
    }

    /// Follows local `$ref`s (`#/components/...`, also through a single-element `allOf`); returns the value
    /// itself otherwise.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        let mut current = value;
        // Bounded: a ref cycle cannot hang the tool.
        for _ in 0..16 {
            match Self::reference(current) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.raw.pointer(p)) {
                    Some(target) => current = target,
                    None => return current,
                },
                None => return current,
            }
        }
        current
    }

    /// The schema of an operation's request body (its one media type), as written (maybe a `$ref`).
    pub fn request_schema<'a>(&'a self, op: &'a Value) -> Option<&'a Value> {
        let body = self.resolve(op.get("requestBody")?);
        body.get("content")?
            .as_object()?
            .values()
            .next()?
            .get("schema")
    }

    /// The schema of an operation's first 2xx response, as written (maybe a `$ref`).
    pub fn success_schema<'a>(&'a self, op: &'a Value) -> Option<&'a Value> {
        let responses = op.get("responses")?.as_object()?;
        let (_, r) = responses.iter().find(|(s, _)| s.starts_with('2'))?;
        self.resolve(r)
            .get("content")?
            .as_object()?
            .values()
            .next()?
            .get("schema")
    }

    /// A name for a schema: the last segment of its `$ref`, or a short description of an inline schema.
    pub fn schema_name(schema: &Value) -> String {
        if let Some(r) = Self::reference(schema) {
            return r.rsplit('/').next().unwrap_or(r).to_string();
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => match schema.get("items") {
                Some(items) => format!("[{}]", Self::schema_name(items)),
                None => "[?]".into(),
            },
            Some(t) => t.to_string(),
            None => "inline".into(),
        }
    }
}
