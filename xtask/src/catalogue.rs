//! Reads the model catalogue from the `x-artnex-models` and `x-artnex-flat-credits` extensions of a spec
//! (rendered into `crates/artnex-facts` by [`crate::facts`]).

use crate::spec::Spec;
use crate::{Error, Result};
use serde_json::Value;
use std::collections::BTreeMap;

/// Which catalogue kind (a variant of the hand-written `artnex_facts::Kind`) the models of an operation
/// belong to.
pub const KINDS: &[(&str, &str)] = &[
    ("generate_image", "Image"),
    ("edit_image", "Edit"),
    ("create_video", "Video"),
    ("text_to_speech", "Speech"),
];

/// Which constant a flat-priced operation's price is written to.
pub const FLAT_PRICES: &[(&str, &str)] = &[
    ("upscale_image", "UPSCALE_CREDITS"),
    ("remove_background", "REMOVE_BACKGROUND_CREDITS"),
];

/// One model as read from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Wire id.
    pub id: String,
    /// Catalogue kind name (`Image`, `Edit`, `Video`, `Speech`).
    pub kind: &'static str,
    /// Fixed price, or `None` when it varies.
    pub credits: Option<u64>,
    /// Description.
    pub description: String,
    /// Video mode wire value.
    pub mode: Option<String>,
    /// Explicit duration set.
    pub durations: Option<Vec<u32>>,
    /// Duration range.
    pub duration_range: Option<(u32, u32)>,
    /// Aspect ratios.
    pub aspect_ratios: Vec<String>,
    /// Resolution tiers.
    pub resolutions: Vec<String>,
    /// Quality tiers.
    pub qualities: Vec<String>,
}

/// Everything the catalogue file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// Models in spec order.
    pub models: Vec<Entry>,
    /// Flat prices by constant name.
    pub flat: BTreeMap<&'static str, u64>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn to_u32(v: &Value, what: &str) -> Result<u32> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| Error::new(format!("{what}: expected a whole number, found {v}")))
}

/// Reads the catalogue extensions of a spec.
pub fn read(spec: &Spec) -> Result<Catalogue> {
    let mut cat = Catalogue::default();
    for op in spec.operations() {
        let id = op.id().unwrap_or_default();
        if let Some(flat) = op.op.get("x-artnex-flat-credits") {
            let name = FLAT_PRICES.iter().find(|(o, _)| *o == id).map(|(_, c)| *c).ok_or_else(|| {
                Error::new(format!(
                    "{}: x-artnex-flat-credits on `{id}`, which xtask/src/catalogue.rs does not map to a constant",
                    op.label()
                ))
            })?;
            let credits = flat.as_u64().ok_or_else(|| {
                Error::new(format!(
                    "{}: x-artnex-flat-credits must be a whole number",
                    op.label()
                ))
            })?;
            cat.flat.insert(name, credits);
        }
        let Some(models) = op.op.get("x-artnex-models") else {
            continue;
        };
        let kind = KINDS.iter().find(|(o, _)| *o == id).map(|(_, k)| *k).ok_or_else(|| {
            Error::new(format!(
                "{}: x-artnex-models on `{id}`, which xtask/src/catalogue.rs does not map to a model kind",
                op.label()
            ))
        })?;
        let models = models
            .as_array()
            .ok_or_else(|| Error::new(format!("{}: x-artnex-models must be a list", op.label())))?;
        for m in models {
            let what = format!("{}: x-artnex-models entry {m}", op.label());
            let model_id = m
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::new(format!("{what}: missing `id`")))?;
            let credits = match m.get("credits") {
                Some(Value::String(s)) if s == "varies" => None,
                Some(v) => Some(v.as_u64().ok_or_else(|| {
                    Error::new(format!(
                        "{what}: `credits` must be a whole number or \"varies\""
                    ))
                })?),
                None => return Err(Error::new(format!("{what}: missing `credits`"))),
            };
            let durations = match m.get("durations").and_then(Value::as_array) {
                Some(d) => Some(
                    d.iter()
                        .map(|v| to_u32(v, &what))
                        .collect::<Result<Vec<_>>>()?,
                ),
                None => None,
            };
            let duration_range = match m.get("duration_range") {
                Some(r) => {
                    let min = r.get("min").map(|v| to_u32(v, &what)).transpose()?;
                    let max = r.get("max").map(|v| to_u32(v, &what)).transpose()?;
                    match (min, max) {
                        (Some(a), Some(b)) if a <= b => Some((a, b)),
                        _ => {
                            return Err(Error::new(format!(
                                "{what}: duration_range needs min <= max"
                            )));
                        }
                    }
                }
                None => None,
            };
            let mode = m.get("mode").and_then(Value::as_str).map(str::to_string);
            if kind == "Video"
                && (mode.is_none() || (durations.is_none() == duration_range.is_none()))
            {
                return Err(Error::new(format!(
                    "{what}: a video model needs `mode` and exactly one of `durations` or `duration_range`"
                )));
            }
            cat.models.push(Entry {
                id: model_id.to_string(),
                kind,
                credits,
                description: m
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                mode,
                durations,
                duration_range,
                aspect_ratios: strings(m.get("aspect_ratios")),
                resolutions: strings(m.get("resolutions")),
                qualities: strings(m.get("qualities")),
            });
        }
    }
    Ok(cat)
}

/// The Rust enum variant for a model id: `veo3.1` -> `Veo31`, `seedream-v4.5` -> `SeedreamV45`.
pub fn variant_name(id: &str) -> String {
    let mut out = String::new();
    for part in id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'M');
    }
    out
}
