//! The facts generator: what it reads from the specs, and the spec mistakes it refuses with a readable
//! message. Each test edits the real specs in memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use xtask::facts::{self, Facts};
use xtask::{Output, TARGETS, Target};

fn target() -> &'static Target {
    TARGETS.iter().find(|t| t.kind == Output::Facts).unwrap()
}

fn specs() -> Vec<String> {
    xtask::read_specs(&xtask::workspace_root(), target()).unwrap()
}

/// The specs with `from` replaced by `to` once in the spec at `index` (which must contain it).
fn edited(index: usize, from: &str, to: &str) -> Vec<String> {
    let mut texts = specs();
    assert!(texts[index].contains(from), "`{from}` not in spec {index}");
    texts[index] = texts[index].replacen(from, to, 1);
    texts
}

fn read(texts: &[String]) -> xtask::Result<Facts> {
    facts::read(&xtask::parse_specs(target(), texts)?)
}

fn refused(texts: &[String]) -> String {
    match xtask::render(target(), texts) {
        Ok(_) => panic!("the specs were accepted"),
        Err(e) => e.to_string(),
    }
}

const ARTNEX: usize = 0;
const ARTAPI: usize = 1;

#[test]
fn both_specs_are_read() {
    let f = read(&specs()).unwrap();
    let apis: Vec<&str> = f.apis.iter().map(|a| a.variant.as_str()).collect();
    assert_eq!(apis, ["Artnex", "ArtApi"]);
    let create = f
        .operations
        .iter()
        .find(|o| o.id == "create_image")
        .unwrap();
    assert_eq!(
        (create.api.as_str(), create.path.as_str()),
        ("ArtApi", "/images/generations")
    );
    let status = f
        .operations
        .iter()
        .find(|o| o.id == "get_video_status")
        .unwrap();
    assert!(!status.billable && status.fields.is_empty());
    let code = |c: &str| f.error_codes.iter().find(|e| e.code == c).unwrap();
    assert_eq!(code("upstream_error").apis, ["ArtApi"]);
    assert_eq!(
        code("invalid_request").statuses.iter().collect::<Vec<_>>(),
        [&400, &422]
    );
    assert!(f.enum_named("ImageStyle").is_some() && f.enum_named("VideoMode").is_some());
}

#[test]
fn a_new_error_code_and_limit_change_reach_the_generated_file() {
    let texts = edited(
        ARTNEX,
        "        - {status: 400, code: missing_text,",
        "        - {status: 400, code: voice_busy, cause: \"The voice is busy\"}\n        - {status: 400, code: missing_text,",
    );
    let texts = {
        let mut t = texts;
        t[ARTNEX] = t[ARTNEX].replacen("maxLength: 5000", "maxLength: 6000", 1);
        t
    };
    let out = xtask::render(target(), &texts).unwrap();
    assert!(out.contains("VoiceBusy"), "no variant");
    assert!(out.contains("\"voice_busy\" => ErrorCode::VoiceBusy"));
    assert!(out.contains(
        "pub const TEXT_TO_SPEECH_TEXT_MAX_CHARS: Limit<usize> = Limit {\n    value: 6000,\n    documented: true,"
    ));
}

#[test]
fn assumed_limits_are_marked_and_not_duplicated() {
    let f = read(&specs()).unwrap();
    let limit = |n: &str| f.limits.iter().find(|l| l.name == n).unwrap();
    assert!(limit("TEXT_TO_SPEECH_TEXT_MAX_CHARS").documented);
    assert!(!limit("GENERATE_IMAGE_WIDTH_MAX").documented);
    let image = limit("IMAGE_INPUT_MAX_BYTES");
    assert_eq!(image.value, 10_485_760.0);
    assert_eq!(image.used_by.len(), 4, "{:?}", image.used_by);

    // A limit moved into x-assumed-limits is kept, as assumed.
    let texts = edited(
        ARTNEX,
        "          minLength: 1\n          maxLength: 5000\n",
        "          minLength: 1\n          x-assumed-limits: {maxLength: 5000}\n",
    );
    let f = read(&texts).unwrap();
    let tts = f
        .limits
        .iter()
        .find(|l| l.name == "TEXT_TO_SPEECH_TEXT_MAX_CHARS")
        .unwrap();
    assert!(!tts.documented && tts.value == 5000.0);

    // The same limit twice is refused.
    let texts = edited(
        ARTNEX,
        "          maxLength: 5000\n",
        "          maxLength: 5000\n          x-assumed-limits: {maxLength: 5000}\n",
    );
    let msg = refused(&texts);
    assert!(
        msg.contains("both a constraint and in `x-assumed-limits`"),
        "{msg}"
    );
}

#[test]
fn an_operation_without_x_billable_is_refused() {
    let texts = edited(ARTAPI, "      x-billable: true\n", "");
    let msg = refused(&texts);
    assert!(
        msg.contains("POST /images/generations: `x-billable: true|false` is missing"),
        "{msg}"
    );
}

#[test]
fn an_enum_without_variant_names_is_refused() {
    let texts = edited(
        ARTAPI,
        "      x-enum-varnames: [Vivid, Natural]\n",
        "      x-enum-varnames: [Vivid]\n",
    );
    let msg = refused(&texts);
    assert!(
        msg.contains("schema ImageStyle: `x-enum-varnames` must name each of the 2"),
        "{msg}"
    );
}

#[test]
fn a_model_with_a_value_outside_the_enums_is_refused() {
    let texts = edited(
        ARTNEX,
        "aspect_ratios: [\"16:9\", \"9:16\"], description: \"Google Veo 3.1\"",
        "aspect_ratios: [\"16:9\", \"4:3\"], description: \"Google Veo 3.1\"",
    );
    let msg = refused(&texts);
    assert!(
        msg.contains("model `veo3.1`: `4:3` is not a value of the AspectRatio enum"),
        "{msg}"
    );
}

#[test]
fn an_inconsistent_polling_rule_is_refused() {
    let texts = edited(
        ARTNEX,
        "        max_attempts: 60\n",
        "        max_attempts: 30\n",
    );
    let msg = refused(&texts);
    assert!(
        msg.contains("30 attempts at 5 s intervals is not the 300 s timeout"),
        "{msg}"
    );
}

#[test]
fn plans_and_polling_are_read() {
    let f = read(&specs()).unwrap();
    assert_eq!(f.polling.timeout_seconds, 300);
    let plans: Vec<(&str, Option<u32>)> = f
        .rate_limit
        .plans
        .iter()
        .map(|p| (p.name.as_str(), p.requests_per_day))
        .collect();
    assert_eq!(
        plans,
        [
            ("Free", Some(100)),
            ("Pro", Some(1000)),
            ("Enterprise", None)
        ]
    );
    let texts = edited(ARTNEX, "requests_per_day: custom", "requests_per_day: lots");
    assert!(refused(&texts).contains("must be a whole number or \"custom\""));
}

#[test]
fn the_wrong_number_of_spec_texts_is_refused() {
    let err = xtask::render(target(), &[specs().remove(0)]).unwrap_err();
    assert!(
        err.to_string()
            .contains("1 spec text(s) given for 2 spec(s)"),
        "{err}"
    );
}
