//! The `artnex models` table and its JSON form.

use artnex_facts::{Credits, Kind, ModelInfo};
use serde_json::{Value, json};

fn unit(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "image",
        Kind::Edit => "edit",
        Kind::Video => "clip",
        _ => "request",
    }
}

fn credits(m: &ModelInfo) -> String {
    match m.credits {
        Credits::Fixed(c) => format!("{c} / {}", unit(m.kind)),
        _ => "varies".into(),
    }
}

/// Models of `kind` (or all), in catalogue order.
pub fn selected(kind: Option<Kind>) -> Vec<&'static ModelInfo> {
    artnex_facts::MODELS
        .iter()
        .filter(|m| kind.is_none_or(|k| m.kind == k))
        .collect()
}

/// A plain-text table.
pub fn render(models: &[&ModelInfo], with_flat_prices: bool) -> String {
    let header = [
        "ID",
        "KIND",
        "CREDITS",
        "MODE",
        "DURATIONS",
        "ASPECT RATIOS",
        "DESCRIPTION",
    ];
    let rows: Vec<[String; 7]> = models
        .iter()
        .map(|m| {
            let (mode, durations, ratios) = match &m.video {
                Some(v) => (
                    v.mode.as_str().to_string(),
                    v.durations.to_string(),
                    if v.aspect_ratios.is_empty() {
                        "from image".into()
                    } else {
                        v.aspect_ratios.join(", ")
                    },
                ),
                None => ("-".into(), "-".into(), "-".into()),
            };
            let description = match &m.tiers {
                Some(t) => format!(
                    "{} (resolution {}; quality {})",
                    m.description,
                    t.resolutions.join("/"),
                    t.qualities.join("/")
                ),
                None => m.description.to_string(),
            };
            [
                m.id.to_string(),
                m.kind.to_string(),
                credits(m),
                mode,
                durations,
                ratios,
                description,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    for row in &rows {
        out.push_str(&line(row));
    }
    if with_flat_prices {
        out.push_str(&format!(
            "\nFlat prices: upscale {} credits per request (any scale); remove-bg {} credits per request.\n",
            artnex_facts::UPSCALE_CREDITS,
            artnex_facts::REMOVE_BACKGROUND_CREDITS
        ));
    }
    out
}

/// The JSON form: one object per model.
pub fn json(models: &[&ModelInfo]) -> Value {
    Value::Array(
        models
            .iter()
            .map(|m| {
                json!({
                    "id": m.id,
                    "kind": m.kind.as_str(),
                    "credits": m.credits.fixed(),
                    "pricing": if m.credits.fixed().is_some() { "fixed" } else { "varies" },
                    "description": m.description,
                    "mode": m.video.map(|v| v.mode.as_str()),
                    "durations": m.video.map(|v| v.durations.values()),
                    "aspect_ratios": m.video.map(|v| v.aspect_ratios.to_vec()),
                    "resolutions": m.tiers.map(|t| t.resolutions.to_vec()),
                    "qualities": m.tiers.map(|t| t.qualities.to_vec()),
                })
            })
            .collect(),
    )
}
