//! The SDK's catalogue and error codes are checked against the contracts, spec/artnex.yaml and (for the
//! error codes of the OpenAI-compatible images API) spec/artapi.yaml.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use artnex::ErrorCode;
use artnex::catalogue::{self, Credits, Durations, Kind, Model, VideoMode};
use serde_yaml::Value;

fn spec() -> Value {
    spec_file("artnex.yaml")
}

fn spec_file(name: &str) -> Value {
    let path = format!("{}/../../spec/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).expect("spec file")).expect("valid YAML")
}

fn operations(spec: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (_, item) in spec["paths"].as_mapping().expect("paths") {
        for (_, op) in item.as_mapping().expect("path item") {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                out.push((id.to_string(), op.clone()));
            }
        }
    }
    out
}

fn kind_of(operation_id: &str) -> Kind {
    match operation_id {
        "generate_image" => Kind::Image,
        "edit_image" => Kind::Edit,
        "create_video" => Kind::Video,
        "text_to_speech" => Kind::Speech,
        other => panic!("models listed on an unexpected operation: {other}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .map(|x| x.as_str().expect("string").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn catalogue_equals_the_spec_extension() {
    let spec = spec();
    let mut seen = Vec::new();
    for (op_id, op) in operations(&spec) {
        let Some(models) = op.get("x-artnex-models").and_then(Value::as_sequence) else {
            continue;
        };
        let kind = kind_of(&op_id);
        for m in models {
            let id = m["id"].as_str().expect("id");
            seen.push(id.to_string());
            let info = catalogue::lookup(id)
                .unwrap_or_else(|| panic!("{id} is in the spec but not in the catalogue"));
            assert_eq!(info.kind, kind, "{id}: kind");
            assert_eq!(
                info.description,
                m["description"].as_str().expect("description"),
                "{id}: description"
            );
            match &m["credits"] {
                Value::Number(n) => assert_eq!(
                    info.credits,
                    Credits::Fixed(n.as_u64().expect("u64")),
                    "{id}"
                ),
                Value::String(s) => {
                    assert_eq!(s, "varies");
                    assert_eq!(info.credits, Credits::Varies, "{id}");
                }
                other => panic!("{id}: credits {other:?}"),
            }
            // The enum variant round-trips.
            let model = Model::from_id(id);
            assert!(
                !matches!(model, Model::Other(_)),
                "{id} has no Model variant"
            );
            assert_eq!(model.id(), id);
            if kind == Kind::Video {
                let video = info.video.unwrap_or_else(|| panic!("{id}: no video facts"));
                let mode =
                    VideoMode::from_wire(m["mode"].as_str().expect("mode")).expect("known mode");
                assert_eq!(video.mode, mode, "{id}: mode");
                let durations = if let Some(set) = m.get("durations") {
                    let v: Vec<u32> = set
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .map(|d| d.as_u64().unwrap() as u32)
                        .collect();
                    Durations::Set(Box::leak(v.into_boxed_slice()))
                } else {
                    let r = &m["duration_range"];
                    Durations::Range {
                        min: r["min"].as_u64().unwrap() as u32,
                        max: r["max"].as_u64().unwrap() as u32,
                    }
                };
                assert_eq!(
                    video.durations.values(),
                    durations.values(),
                    "{id}: durations"
                );
                let ratios: Vec<&str> = video.aspect_ratios.to_vec();
                assert_eq!(ratios, strings(&m["aspect_ratios"]), "{id}: aspect ratios");
            } else {
                assert!(info.video.is_none(), "{id}");
            }
            match info.tiers {
                Some(t) => {
                    assert_eq!(t.resolutions.to_vec(), strings(&m["resolutions"]), "{id}");
                    assert_eq!(t.qualities.to_vec(), strings(&m["qualities"]), "{id}");
                }
                None => assert!(
                    m.get("resolutions").is_none() && m.get("qualities").is_none(),
                    "{id}"
                ),
            }
        }
    }
    let catalogue_ids: Vec<String> = catalogue::MODELS.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(catalogue_ids, seen, "same models, same order");
    assert_eq!(Model::ALL.len(), seen.len());
}

#[test]
fn flat_prices_equal_the_spec() {
    let spec = spec();
    let flat = |op: &str| {
        operations(&spec)
            .into_iter()
            .find(|(id, _)| id == op)
            .and_then(|(_, o)| o.get("x-artnex-flat-credits").and_then(Value::as_u64))
            .unwrap_or_else(|| panic!("{op}: x-artnex-flat-credits"))
    };
    assert_eq!(flat("upscale_image"), catalogue::UPSCALE_CREDITS);
    assert_eq!(
        flat("remove_background"),
        catalogue::REMOVE_BACKGROUND_CREDITS
    );
}

#[test]
fn every_documented_error_code_has_a_variant() {
    let mut codes = BTreeSet::new();
    let mut artapi_codes = BTreeSet::new();
    for (file, list, out) in [
        ("artnex.yaml", "x-artnex-error-codes", &mut codes),
        ("artapi.yaml", "x-artapi-error-codes", &mut artapi_codes),
    ] {
        for (_, op) in operations(&spec_file(file)) {
            for entry in op
                .get(list)
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                out.insert(entry["code"].as_str().expect("code").to_string());
            }
        }
    }
    assert!(codes.len() >= 20, "{codes:?}");
    assert!(artapi_codes.len() >= 9, "{artapi_codes:?}");
    codes.extend(artapi_codes);
    for code in &codes {
        let parsed = ErrorCode::from_code(code);
        assert!(
            !matches!(parsed, ErrorCode::Unknown(_)),
            "`{code}` is documented but maps to Unknown"
        );
        assert_eq!(parsed.as_str(), code);
    }
    let known: BTreeSet<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(known, codes, "ErrorCode::ALL is exactly the documented set");
}
