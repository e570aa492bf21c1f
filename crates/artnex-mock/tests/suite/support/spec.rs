//! A small OpenAPI 3.0 schema validator for the specs in `spec/`: `type`, `required`, `properties`, `items`,
//! `enum`, `nullable`, `minimum`, `maximum`, `minLength`, `maxLength` and `$ref`; every other keyword is
//! ignored. It checks the simulator's answers against the spec itself (behaviour, not a copy of a fact);
//! which operations exist comes from `artnex_facts::OPERATIONS`, as in the simulator.

use std::path::PathBuf;
use std::sync::OnceLock;

use artnex_facts::{Api, OPERATIONS, OperationInfo};
use serde_json::Value;

/// One loaded spec.
pub struct Spec {
    pub doc: Value,
    /// The API it describes.
    pub api: Api,
    /// Prefix the server adds in front of the spec's paths (`/v1` for ArtAPI, whose server URL ends in /v1).
    pub prefix: &'static str,
    /// Name of the error-code extension.
    pub codes_ext: &'static str,
}

fn load(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec")
        .join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// spec/artnex.yaml
pub fn artnex() -> &'static Spec {
    static S: OnceLock<Spec> = OnceLock::new();
    S.get_or_init(|| Spec {
        doc: load("artnex.yaml"),
        api: Api::Artnex,
        prefix: "",
        codes_ext: "x-artnex-error-codes",
    })
}

/// spec/artapi.yaml
pub fn artapi() -> &'static Spec {
    static S: OnceLock<Spec> = OnceLock::new();
    S.get_or_init(|| Spec {
        doc: load("artapi.yaml"),
        api: Api::ArtApi,
        prefix: "/v1",
        codes_ext: "x-artapi-error-codes",
    })
}

/// The spec of an API.
pub fn of(api: Api) -> &'static Spec {
    match api {
        Api::ArtApi => artapi(),
        _ => artnex(),
    }
}

/// The spec that has a path template matching a server path, if any.
pub fn for_path(path: &str) -> Option<&'static Spec> {
    [artnex(), artapi()]
        .into_iter()
        .find(|s| s.template(path).is_some())
}

/// A documented error: status, code (and, for ArtAPI, type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentedError {
    pub status: u16,
    pub code: String,
    pub kind: Option<String>,
}

impl Spec {
    /// Resolves a local `$ref` ("#/components/...").
    pub fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        let mut cur = v;
        for _ in 0..16 {
            match cur.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let mut node = &self.doc;
                    for part in r.trim_start_matches("#/").split('/') {
                        node = &node[part];
                    }
                    assert!(!node.is_null(), "unresolved $ref {r}");
                    cur = node;
                }
                None => return cur,
            }
        }
        panic!("$ref loop");
    }

    /// The spec path template matching a concrete server path (`/v1/video/req_1` -> `/v1/video/{request_id}`).
    pub fn template(&self, server_path: &str) -> Option<String> {
        let path = server_path.strip_prefix(self.prefix)?;
        let paths = self.doc["paths"].as_object()?;
        if paths.contains_key(path) {
            return Some(path.to_string());
        }
        let segs: Vec<&str> = path.split('/').collect();
        paths
            .keys()
            .find(|t| {
                let ts: Vec<&str> = t.split('/').collect();
                ts.len() == segs.len()
                    && ts.iter().zip(&segs).all(|(a, b)| {
                        a == b || (a.starts_with('{') && a.ends_with('}') && !b.is_empty())
                    })
            })
            .cloned()
    }

    pub fn operation(&self, template: &str, method: &str) -> &Value {
        let op = &self.doc["paths"][template][method.to_ascii_lowercase()];
        assert!(op.is_object(), "no operation {method} {template}");
        op
    }

    /// The operations of this spec's API, from `artnex_facts::OPERATIONS`.
    pub fn ops(&self) -> impl Iterator<Item = &'static OperationInfo> + use<> {
        let api = self.api;
        OPERATIONS.iter().filter(move |op| op.api == api)
    }

    /// The server path of an operation of this spec (its template, under the spec's prefix).
    pub fn server_path(&self, op: &OperationInfo) -> String {
        format!("{}{}", self.prefix, op.path)
    }

    /// The response object for a status, if documented.
    pub fn response(&self, template: &str, method: &str, status: u16) -> Option<&Value> {
        let r = &self.operation(template, method)["responses"][status.to_string()];
        if r.is_null() {
            None
        } else {
            Some(self.resolve(r))
        }
    }

    /// The JSON schema of a documented response.
    pub fn response_schema(&self, template: &str, method: &str, status: u16) -> Option<&Value> {
        self.response(template, method, status)
            .map(|r| &r["content"]["application/json"]["schema"])
            .filter(|s| !s.is_null())
    }

    /// The error body schema (for a method the spec has no operation for).
    pub fn error_schema(&self) -> &Value {
        &self.doc["components"]["schemas"]["ErrorResponse"]
    }

    /// The error codes an operation lists, with ArtAPI's `type` (which `artnex_facts` does not carry).
    fn error_codes(&self, template: &str, method: &str) -> Vec<DocumentedError> {
        self.operation(template, method)[self.codes_ext]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| DocumentedError {
                status: e["status"].as_u64().unwrap_or(0) as u16,
                code: e["code"].as_str().unwrap_or_default().to_string(),
                kind: e["type"].as_str().map(str::to_string),
            })
            .collect()
    }

    /// Validates `value` against `schema`; returns every violation.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.walk(schema, value, "$", &mut errors);
        errors
    }

    fn walk(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if value.is_null() && schema["nullable"].as_bool() == Some(true) {
            return;
        }
        if let Some(t) = schema["type"].as_str() {
            let ok = match t {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                _ => true,
            };
            if !ok {
                errors.push(format!("{at}: expected {t}, got {value}"));
                return;
            }
        }
        if let (Some(min), Some(v)) = (schema["minimum"].as_f64(), value.as_f64())
            && v < min
        {
            errors.push(format!("{at}: {value} is below the minimum {min}"));
        }
        if let (Some(max), Some(v)) = (schema["maximum"].as_f64(), value.as_f64())
            && v > max
        {
            errors.push(format!("{at}: {value} is above the maximum {max}"));
        }
        if let (Some(min), Some(text)) = (schema["minLength"].as_u64(), value.as_str())
            && (text.chars().count() as u64) < min
        {
            errors.push(format!("{at}: {value} is shorter than {min} characters"));
        }
        if let (Some(max), Some(text)) = (schema["maxLength"].as_u64(), value.as_str())
            && (text.chars().count() as u64) > max
        {
            errors.push(format!("{at}: {value} is longer than {max} characters"));
        }
        if let Some(options) = schema["enum"].as_array()
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {options:?}"));
        }
        if let Some(obj) = value.as_object() {
            for req in schema["required"].as_array().into_iter().flatten() {
                if let Some(name) = req.as_str()
                    && !obj.contains_key(name)
                {
                    errors.push(format!("{at}: missing required property {name}"));
                }
            }
            if let Some(props) = schema["properties"].as_object() {
                for (name, sub) in props {
                    if let Some(v) = obj.get(name) {
                        self.walk(sub, v, &format!("{at}.{name}"), errors);
                    }
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                self.walk(items, v, &format!("{at}[{i}]"), errors);
            }
        }
    }

    /// The error code of an error body: `error` (Artnex) or `error.code` (ArtAPI), and the ArtAPI `type`.
    fn body_code(body: &Value) -> (Option<&str>, Option<&str>) {
        match &body["error"] {
            Value::String(s) => (Some(s.as_str()), None),
            Value::Object(o) => (
                o.get("code").and_then(Value::as_str),
                o.get("type").and_then(Value::as_str),
            ),
            _ => (None, None),
        }
    }

    /// Checks a response strictly. On a spec path: the status must be declared for the operation and the
    /// body must match that status's schema; an error's code must be in the operation's error-code list
    /// with that status (and, for ArtAPI, that type); a 429 or 503 must carry an integer `Retry-After`.
    /// A method the spec has no operation for must get 404 `not_found` in the spec's error format.
    pub fn check_response(
        &self,
        server_path: &str,
        method: &str,
        status: u16,
        retry_after: Option<&str>,
        body: &Value,
    ) -> Result<(), String> {
        let Some(template) = self.template(server_path) else {
            return Ok(());
        };
        let at = format!("{method} {server_path} -> {status}");
        let has_op = self.doc["paths"][&template][method.to_ascii_lowercase()].is_object();
        if !has_op {
            let errors = self.validate(self.error_schema(), body);
            let (code, _) = Self::body_code(body);
            if status != 404 || code != Some("not_found") || !errors.is_empty() {
                return Err(format!(
                    "{at}: {method} is not an operation of {template}, so the answer must be 404 not_found \
                     in the error format; got {code:?} {errors:?}\nbody: {body}"
                ));
            }
            return Ok(());
        }
        if self.response(&template, method, status).is_none() {
            return Err(format!(
                "{at}: status {status} is not declared for {method} {template}\nbody: {body}"
            ));
        }
        let schema = self
            .response_schema(&template, method, status)
            .ok_or_else(|| format!("{at}: the declared response has no JSON schema"))?;
        let errors = self.validate(schema, body);
        if !errors.is_empty() {
            return Err(format!(
                "{at}: body does not match the spec: {errors:?}\nbody: {body}"
            ));
        }
        if status >= 400 {
            let (code, kind) = Self::body_code(body);
            let Some(code) = code else {
                return Err(format!("{at}: error body without a code\nbody: {body}"));
            };
            let listed = self.error_codes(&template, method).into_iter().any(|e| {
                e.status == status
                    && e.code == code
                    && (e.kind.is_none() || e.kind.as_deref() == kind)
            });
            if !listed {
                return Err(format!(
                    "{at}: error code {code:?} (type {kind:?}) is not in {}'s {} for status {status}\nbody: {body}",
                    template, self.codes_ext
                ));
            }
        }
        if status == 429 || status == 503 {
            let ok = retry_after.is_some_and(|v| v.parse::<u64>().is_ok());
            if !ok {
                return Err(format!("{at} without an integer Retry-After"));
            }
        }
        Ok(())
    }

    /// Every request-body example: (template, method, example name, value).
    pub fn request_examples(&self) -> Vec<(String, String, String, Value)> {
        let mut out = Vec::new();
        for info in self.ops() {
            let (template, method) = (info.path.to_string(), info.method.as_str().to_string());
            let op = self.operation(&template, &method);
            let examples = &op["requestBody"]["content"]["application/json"]["examples"];
            for (name, ex) in examples.as_object().into_iter().flatten() {
                out.push((
                    template.clone(),
                    method.clone(),
                    name.clone(),
                    ex["value"].clone(),
                ));
            }
        }
        out
    }

    /// Every example of a response status: (name, value).
    pub fn response_examples(
        &self,
        template: &str,
        method: &str,
        status: u16,
    ) -> Vec<(String, Value)> {
        let Some(r) = self.response(template, method, status) else {
            return Vec::new();
        };
        let media = &r["content"]["application/json"];
        let mut out: Vec<(String, Value)> = media["examples"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v["value"].clone()))
            .collect();
        if !media["example"].is_null() {
            out.push(("example".into(), media["example"].clone()));
        }
        out
    }
}

/// Whether `actual` has every field `example` has, with values of the same JSON type (recursively; arrays
/// compare their first items).
pub fn same_shape(example: &Value, actual: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    match (example, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => out.extend(same_shape(ev, av, &format!("{at}.{k}"))),
                    None => out.push(format!("{at}.{k} is missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => match (e.first(), a.first()) {
            (Some(ev), Some(av)) => out.extend(same_shape(ev, av, &format!("{at}[0]"))),
            (Some(_), None) => out.push(format!("{at} is empty")),
            _ => {}
        },
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => {}
        (e, a) => out.push(format!("{at}: documented {e}, got {a}")),
    }
    out
}
