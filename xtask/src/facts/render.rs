//! Writes the facts as Rust source: `crates/artnex-facts/src/generated.rs`.
//!
//! The generated file holds data and the enums that follow from it; the types it fills (`OperationInfo`,
//! `Limit`, `ModelInfo`, ...) and the trait impls shared by every enum (`wire_enum!`) are hand-written in
//! `crates/artnex-facts/src/lib.rs`, so a new operation, code, limit, enum value or model needs no hand edit.

use super::{EnumFact, Facts, LimitFact};
use crate::catalogue::{self, Catalogue};
use crate::spec::Spec;
use crate::{Error, GENERATED_HEADER, Result};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Generates the facts source file from every spec of the facts target.
pub fn generate(specs: &[Spec]) -> Result<String> {
    let facts = super::read(specs)?;
    let src = source(&facts)?;
    let file: syn::File = syn::parse_str(&src)
        .map_err(|e| Error::new(format!("facts: generated code does not parse: {e}")))?;
    Ok(format!(
        "{GENERATED_HEADER}\n{}",
        prettyplease::unparse(&file)
    ))
}

/// `#[doc = "..."]` with the text escaped.
fn doc(text: &str) -> String {
    format!("#[doc = {text:?}]")
}

fn source(facts: &Facts) -> Result<String> {
    let mut src = String::new();
    let w = &mut src;
    let _ = writeln!(
        w,
        "use crate::{{Credits, Durations, ErrorCodeInfo, FieldInfo, FieldKind, Kind, Limit, ModelInfo, OperationInfo, PollingRule, Tiers, VideoSpec}};"
    );
    let _ = writeln!(w, "use std::time::Duration;");
    apis(facts, w);
    methods(facts, w);
    operations(facts, w);
    kinds(facts, w)?;
    error_codes(facts, w);
    limits(facts, w);
    for e in &facts.enums {
        enumeration(e, w);
    }
    polling(facts, w);
    plans(facts, w);
    models(&facts.catalogue, facts, w)?;
    Ok(src)
}

fn apis(facts: &Facts, w: &mut String) {
    let _ = writeln!(
        w,
        "{} #[non_exhaustive] #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)] pub enum Api {{",
        doc("Which API (which spec) an operation, error code or enum belongs to.")
    );
    for a in &facts.apis {
        let _ = writeln!(w, "{} {},", doc(&a.title), a.variant);
    }
    let _ = writeln!(w, "}}\nimpl Api {{");
    let _ = writeln!(
        w,
        "{} pub const ALL: &'static [Api] = &[{}];",
        doc("Every API, in spec order."),
        facts
            .apis
            .iter()
            .map(|a| format!("Api::{}", a.variant))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        w,
        "{} pub const fn as_str(self) -> &'static str {{ match self {{",
        doc("A short lower-case name (`artnex`, `artapi`).")
    );
    for a in &facts.apis {
        let _ = writeln!(w, "Api::{} => {:?},", a.variant, a.variant.to_lowercase());
    }
    let _ = writeln!(w, "}} }}");
    let _ = writeln!(
        w,
        "{} pub const fn title(self) -> &'static str {{ match self {{",
        doc("The spec's title.")
    );
    for a in &facts.apis {
        let _ = writeln!(w, "Api::{} => {:?},", a.variant, a.title);
    }
    let _ = writeln!(w, "}} }} }}");
}

fn methods(facts: &Facts, w: &mut String) {
    let mut used: Vec<&str> = Vec::new();
    for m in crate::spec::METHODS {
        let upper = m.to_uppercase();
        if let Some(op) = facts.operations.iter().find(|o| o.method == upper) {
            used.push(op.method.as_str());
        }
    }
    let _ = writeln!(
        w,
        "{} #[non_exhaustive] #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)] pub enum Method {{",
        doc("The HTTP methods the specs use.")
    );
    for m in &used {
        let _ = writeln!(w, "{} {},", doc(&format!("`{m}`")), camel_upper(m));
    }
    let _ = writeln!(w, "}}\nimpl Method {{");
    let _ = writeln!(
        w,
        "{} pub const fn as_str(self) -> &'static str {{ match self {{",
        doc("The method as sent on the wire (`GET`, `POST`).")
    );
    for m in &used {
        let _ = writeln!(w, "Method::{} => {m:?},", camel_upper(m));
    }
    let _ = writeln!(w, "}} }} }}");
}

/// `POST` -> `Post`.
fn camel_upper(m: &str) -> String {
    let lower = m.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn operations(facts: &Facts, w: &mut String) {
    let _ = writeln!(
        w,
        "{} #[non_exhaustive] #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)] pub enum OperationId {{",
        doc("Every operation of both specs, named after its `operationId`.")
    );
    for op in &facts.operations {
        let _ = writeln!(
            w,
            "{} {},",
            doc(&format!(
                "`{}` ({} {}): {}",
                op.id, op.method, op.path, op.summary
            )),
            op.variant
        );
    }
    let _ = writeln!(w, "}}");
    let _ = writeln!(
        w,
        "{} pub static OPERATIONS: &[OperationInfo] = &[",
        doc("The operation table, in spec order (the Artnex spec first).")
    );
    for op in &facts.operations {
        let field_list = |fields: &[crate::facts::FieldFact]| {
            fields
                .iter()
                .map(|f| {
                    format!(
                        "FieldInfo {{ name: {:?}, required: {}, kind: FieldKind::{} }}",
                        f.name, f.required, f.kind
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let codes: Vec<String> = op
            .error_codes
            .iter()
            .map(|(s, c)| format!("({s}, {c:?})"))
            .collect();
        let _ = writeln!(
            w,
            "OperationInfo {{ id: OperationId::{}, operation_id: {:?}, api: Api::{}, method: Method::{}, path: {:?}, billable: {}, summary: {:?}, request_fields: &[{}], response_fields: &[{}], error_codes: &[{}] }},",
            op.variant,
            op.id,
            op.api,
            camel_upper(&op.method),
            op.path,
            op.billable,
            op.summary,
            field_list(&op.fields),
            field_list(&op.response_fields),
            codes.join(", ")
        );
    }
    let _ = writeln!(w, "];");
    let _ = writeln!(w, "impl OperationId {{");
    let _ = writeln!(
        w,
        "{} pub const ALL: &'static [OperationId] = &[{}];",
        doc("Every operation, in spec order."),
        facts
            .operations
            .iter()
            .map(|o| format!("OperationId::{}", o.variant))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        w,
        "{} pub fn info(self) -> &'static OperationInfo {{ match self {{",
        doc("Everything the spec says about the operation.")
    );
    for (i, op) in facts.operations.iter().enumerate() {
        let _ = writeln!(w, "OperationId::{} => &OPERATIONS[{i}],", op.variant);
    }
    let _ = writeln!(w, "}} }}");
    let _ = writeln!(
        w,
        "{} pub const fn as_str(self) -> &'static str {{ match self {{",
        doc("The `operationId` (`generate_image`).")
    );
    for op in &facts.operations {
        let _ = writeln!(w, "OperationId::{} => {:?},", op.variant, op.id);
    }
    let _ = writeln!(w, "}} }}");
    let _ = writeln!(
        w,
        "{} pub fn from_id(operation_id: &str) -> Option<OperationId> {{ match operation_id {{",
        doc("The operation with this `operationId`.")
    );
    for op in &facts.operations {
        let _ = writeln!(w, "{:?} => Some(OperationId::{}),", op.id, op.variant);
    }
    let _ = writeln!(w, "_ => None, }} }} }}");
}

fn kinds(facts: &Facts, w: &mut String) -> Result<()> {
    let _ = writeln!(w, "impl Kind {{");
    let _ = writeln!(
        w,
        "{} pub const fn operation(self) -> OperationId {{ match self {{",
        doc("The operation this kind of model is used with.")
    );
    for (op_id, kind) in catalogue::KINDS {
        let op = facts
            .operations
            .iter()
            .find(|o| o.id == *op_id)
            .ok_or_else(|| {
                Error::new(format!(
                    "model kind {kind} belongs to operation `{op_id}`, which no spec defines (xtask/src/catalogue.rs KINDS)"
                ))
            })?;
        let _ = writeln!(w, "Kind::{kind} => OperationId::{},", op.variant);
    }
    let _ = writeln!(w, "}} }} }}");
    Ok(())
}

fn error_codes(facts: &Facts, w: &mut String) {
    let _ = writeln!(
        w,
        "{} #[non_exhaustive] #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)] pub enum ErrorCode {{",
        doc(
            "A machine-readable error code: the union of every `x-artnex-error-codes` list (the `error` field of an \
             Artnex error body) and every `x-artapi-error-codes` list (the `error.code` field of an OpenAI-style \
             body). A code both APIs use is one variant. Codes the specs do not list are kept in \
             [`ErrorCode::Unknown`]."
        )
    );
    for e in &facts.error_codes {
        let statuses: Vec<String> = e.statuses.iter().map(u16::to_string).collect();
        let _ = writeln!(
            w,
            "{} {},",
            doc(&format!(
                "`{}` ({}{}): {}.",
                e.code,
                statuses.join(", "),
                if e.assumed { ", assumed" } else { "" },
                e.description
            )),
            e.variant
        );
    }
    let _ = writeln!(
        w,
        "{} Unknown(String),\n}}",
        doc("A code the specs do not list, kept verbatim.")
    );
    let _ = writeln!(
        w,
        "{} pub static ERROR_CODES: &[ErrorCodeInfo] = &[",
        doc("Every listed error code, in the order the specs first list them.")
    );
    for e in &facts.error_codes {
        let statuses: Vec<String> = e.statuses.iter().map(u16::to_string).collect();
        let apis: Vec<String> = e.apis.iter().map(|a| format!("Api::{a}")).collect();
        let _ = writeln!(
            w,
            "ErrorCodeInfo {{ code: {:?}, description: {:?}, statuses: &[{}], assumed: {}, apis: &[{}] }},",
            e.code,
            e.description,
            statuses.join(", "),
            e.assumed,
            apis.join(", ")
        );
    }
    let _ = writeln!(w, "];\nimpl ErrorCode {{");
    let _ = writeln!(
        w,
        "{} pub const ALL: &'static [ErrorCode] = &[{}];",
        doc("Every listed code, in the order of [`ERROR_CODES`]."),
        facts
            .error_codes
            .iter()
            .map(|e| format!("ErrorCode::{}", e.variant))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        w,
        "{} pub fn as_str(&self) -> &str {{ match self {{",
        doc("The wire value.")
    );
    for e in &facts.error_codes {
        let _ = writeln!(w, "ErrorCode::{} => {:?},", e.variant, e.code);
    }
    let _ = writeln!(w, "ErrorCode::Unknown(code) => code, }} }}");
    let _ = writeln!(
        w,
        "{} pub fn from_code(code: &str) -> ErrorCode {{ match code {{",
        doc(
            "The code for a wire value; codes the specs do not list become [`ErrorCode::Unknown`]."
        )
    );
    for e in &facts.error_codes {
        let _ = writeln!(w, "{:?} => ErrorCode::{},", e.code, e.variant);
    }
    let _ = writeln!(w, "other => ErrorCode::Unknown(other.to_string()), }} }}");
    let _ = writeln!(
        w,
        "{} pub fn info(&self) -> Option<&'static ErrorCodeInfo> {{ match self {{",
        doc("What the specs say about the code; `None` for [`ErrorCode::Unknown`].")
    );
    for (i, e) in facts.error_codes.iter().enumerate() {
        let _ = writeln!(w, "ErrorCode::{} => Some(&ERROR_CODES[{i}]),", e.variant);
    }
    let _ = writeln!(w, "ErrorCode::Unknown(_) => None, }} }} }}");
}

fn limit_doc(l: &LimitFact) -> String {
    let what = match l.keyword {
        "minLength" => format!("At least {} characters", l.literal()),
        "maxLength" => format!("At most {} characters", l.literal()),
        "minimum" => format!("At least {}", l.literal()),
        "maximum" => format!("At most {}", l.literal()),
        _ => format!("At most {} bytes (before any encoding)", l.literal()),
    };
    let used: Vec<String> = l.used_by.iter().map(|u| format!("`{u}`")).collect();
    format!(
        "{what}: {} ({}).",
        used.join(", "),
        if l.documented {
            "documented"
        } else {
            "assumed: not in the docs, do not enforce it before sending"
        }
    )
}

fn limits(facts: &Facts, w: &mut String) {
    for l in &facts.limits {
        let _ = writeln!(
            w,
            "{} pub const {}: Limit<{}> = Limit {{ value: {}, documented: {} }};",
            doc(&limit_doc(l)),
            l.name,
            l.ty.rust(),
            l.literal(),
            l.documented
        );
    }
}

fn enumeration(e: &EnumFact, w: &mut String) {
    let n = &e.name;
    let _ = writeln!(
        w,
        "{} #[non_exhaustive] #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)] pub enum {n} {{",
        doc(&format!(
            "{}. Sent as `{}` ({}).",
            e.description.trim_end_matches('.'),
            e.field,
            e.api
        ))
    );
    for (variant, wire) in &e.values {
        let _ = writeln!(w, "{} {variant},", doc(&format!("`{wire}`")));
    }
    let _ = writeln!(w, "}}\nimpl {n} {{");
    let _ = writeln!(
        w,
        "{} pub const ALL: &'static [{n}] = &[{}];",
        doc("Every value, in spec order."),
        e.values
            .iter()
            .map(|(v, _)| format!("{n}::{v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        w,
        "{} pub const VALUES: &'static [&'static str] = &[{}];",
        doc("Every wire value, in spec order."),
        e.values
            .iter()
            .map(|(_, wire)| format!("{wire:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        w,
        "{} pub const FIELD: &'static str = {:?};",
        doc("The request field this enum is sent as."),
        e.field
    );
    let default = match &e.default {
        Some(v) => format!("Some({n}::{v})"),
        None => "None".into(),
    };
    let _ = writeln!(
        w,
        "{} pub const SERVER_DEFAULT: Option<{n}> = {default};",
        doc("The value the server uses when the field is omitted, when the spec states one.")
    );
    let _ = writeln!(
        w,
        "{} pub const fn as_str(self) -> &'static str {{ match self {{",
        doc("The wire value.")
    );
    for (variant, wire) in &e.values {
        let _ = writeln!(w, "{n}::{variant} => {wire:?},");
    }
    let _ = writeln!(w, "}} }}");
    let _ = writeln!(
        w,
        "{} pub fn from_wire(value: &str) -> Option<{n}> {{ match value {{",
        doc("The value for an exact wire value.")
    );
    for (variant, wire) in &e.values {
        let _ = writeln!(w, "{wire:?} => Some({n}::{variant}),");
    }
    let _ = writeln!(w, "_ => None, }} }} }}");
    let _ = writeln!(w, "crate::wire_enum!({n});");
}

fn polling(facts: &Facts, w: &mut String) {
    let p = facts.polling;
    let _ = writeln!(
        w,
        "{} pub const VIDEO_POLLING: PollingRule = PollingRule {{ min_interval: Duration::from_secs({}), max_attempts: {}, timeout: Duration::from_secs({}) }};",
        doc(&format!(
            "The documented polling rule of a video job: at most one poll every {} s, and after {} attempts ({} s) treat the job as failed.",
            p.min_interval_seconds, p.max_attempts, p.timeout_seconds
        )),
        p.min_interval_seconds,
        p.max_attempts,
        p.timeout_seconds
    );
}

fn plans(facts: &Facts, w: &mut String) {
    let r = &facts.rate_limit;
    let _ = writeln!(
        w,
        "{} pub const QUOTA_WINDOW: Duration = Duration::from_secs({});",
        doc(&format!(
            "The rolling window of the per-key request quota ({} hours).",
            r.window_hours
        )),
        r.window_hours * 3600
    );
    let _ = writeln!(
        w,
        "{} #[non_exhaustive] #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)] pub enum Plan {{",
        doc("An Artnex plan, which sets a key's request quota per [`QUOTA_WINDOW`].")
    );
    for p in &r.plans {
        let quota = match p.requests_per_day {
            Some(n) => format!("{n} requests per window"),
            None => "a custom quota agreed with the account".into(),
        };
        let _ = writeln!(w, "{} {},", doc(&format!("{}: {quota}.", p.name)), p.name);
    }
    let _ = writeln!(w, "}}\nimpl Plan {{");
    let _ = writeln!(
        w,
        "{} pub const ALL: &'static [Plan] = &[{}];",
        doc("Every plan, in spec order."),
        r.plans
            .iter()
            .map(|p| format!("Plan::{}", p.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        w,
        "{} pub const fn name(self) -> &'static str {{ match self {{",
        doc("The plan's name, as the docs write it.")
    );
    for p in &r.plans {
        let _ = writeln!(w, "Plan::{0} => {0:?},", p.name);
    }
    let _ = writeln!(w, "}} }}");
    let _ = writeln!(
        w,
        "{} pub const fn requests_per_day(self) -> Option<u32> {{ match self {{",
        doc("Requests allowed per [`QUOTA_WINDOW`]; `None` when the quota is custom.")
    );
    for p in &r.plans {
        let v = match p.requests_per_day {
            Some(n) => format!("Some({n})"),
            None => "None".into(),
        };
        let _ = writeln!(w, "Plan::{} => {v},", p.name);
    }
    let _ = writeln!(w, "}} }} }}");
}

fn str_slice(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", inner.join(", "))
}

fn models(cat: &Catalogue, facts: &Facts, w: &mut String) -> Result<()> {
    for (_, name) in catalogue::FLAT_PRICES {
        if !cat.flat.contains_key(name) {
            return Err(Error::new(format!("no x-artnex-flat-credits for {name}")));
        }
    }
    let mut variants: BTreeMap<String, String> = BTreeMap::new();
    for m in &cat.models {
        let v = catalogue::variant_name(&m.id);
        if let Some(other) = variants.insert(v.clone(), m.id.clone()) {
            return Err(Error::new(format!(
                "models `{other}` and `{}` map to the same Rust name `{v}`",
                m.id
            )));
        }
    }
    let modes = facts
        .enum_named("VideoMode")
        .ok_or_else(|| Error::new("the model catalogue needs the VideoMode enum schema"))?;

    for (name, credits) in &cat.flat {
        let d = match *name {
            "UPSCALE_CREDITS" => "Credits per upscale request, for any scale factor.",
            _ => "Credits per background-removal request.",
        };
        let _ = writeln!(w, "{} pub const {name}: u64 = {credits};", doc(d));
    }
    let _ = writeln!(
        w,
        "{} pub static MODELS: &[ModelInfo] = &[",
        doc("Every documented model, in the order of the spec.")
    );
    for m in &cat.models {
        let credits = match m.credits {
            Some(c) => format!("Credits::Fixed({c})"),
            None => "Credits::Varies".into(),
        };
        let video = match &m.mode {
            Some(mode) => {
                let variant = modes
                    .variant_of(mode)
                    .ok_or_else(|| Error::new(format!("{}: unknown video mode `{mode}`", m.id)))?;
                let durations = match (&m.durations, m.duration_range) {
                    (Some(d), _) => {
                        let list: Vec<String> = d.iter().map(u32::to_string).collect();
                        format!("Durations::Set(&[{}])", list.join(", "))
                    }
                    (None, Some((min, max))) => {
                        format!("Durations::Range {{ min: {min}, max: {max} }}")
                    }
                    (None, None) => "Durations::Set(&[])".into(),
                };
                format!(
                    "Some(VideoSpec {{ mode: VideoMode::{variant}, durations: {durations}, aspect_ratios: {} }})",
                    str_slice(&m.aspect_ratios)
                )
            }
            None => "None".into(),
        };
        let tiers = if m.resolutions.is_empty() && m.qualities.is_empty() {
            "None".into()
        } else {
            format!(
                "Some(Tiers {{ resolutions: {}, qualities: {} }})",
                str_slice(&m.resolutions),
                str_slice(&m.qualities)
            )
        };
        let _ = writeln!(
            w,
            "ModelInfo {{ id: {:?}, kind: Kind::{}, credits: {credits}, description: {:?}, video: {video}, tiers: {tiers} }},",
            m.id, m.kind, m.description
        );
    }
    let _ = writeln!(w, "];");

    let _ = writeln!(
        w,
        "{} #[non_exhaustive] #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)] pub enum Model {{",
        doc(
            "A model id. Documented models have a variant; any other id is kept in [`Model::Other`] so a model \
             the server adds is usable before a release."
        )
    );
    for m in &cat.models {
        let price = match m.credits {
            Some(c) => format!("{c} credits"),
            None => "credits vary".into(),
        };
        let d = format!(
            "`{}` ({}, {price}): {}.",
            m.id,
            m.kind.to_lowercase(),
            m.description
        );
        let _ = writeln!(w, "{} {},", doc(&d), catalogue::variant_name(&m.id));
    }
    let _ = writeln!(
        w,
        "{} Other(String),\n}}",
        doc("A model id the catalogue does not know.")
    );
    let _ = writeln!(w, "impl Model {{");
    let _ = writeln!(
        w,
        "{} pub const ALL: &'static [Model] = &[",
        doc("Every documented model, in catalogue order.")
    );
    for m in &cat.models {
        let _ = writeln!(w, "Model::{},", catalogue::variant_name(&m.id));
    }
    let _ = writeln!(w, "];");
    let _ = writeln!(
        w,
        "{} pub fn id(&self) -> &str {{ match self {{",
        doc("The wire id.")
    );
    for m in &cat.models {
        let _ = writeln!(
            w,
            "Model::{} => {:?},",
            catalogue::variant_name(&m.id),
            m.id
        );
    }
    let _ = writeln!(w, "Model::Other(id) => id, }} }}");
    let _ = writeln!(
        w,
        "{} pub fn from_id(id: &str) -> Model {{ match id {{",
        doc("The model for a wire id; unknown ids become [`Model::Other`].")
    );
    for m in &cat.models {
        let _ = writeln!(
            w,
            "{:?} => Model::{},",
            m.id,
            catalogue::variant_name(&m.id)
        );
    }
    let _ = writeln!(w, "other => Model::Other(other.to_string()), }} }}");
    let _ = writeln!(w, "}}");
    Ok(())
}
