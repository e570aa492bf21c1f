//! Facts the pages state in sentences rather than tables (the polling rule, typical generation times)
//! and plan quotas, and how the spec is searched for them.
//!
//! A page sentence is recognised by its phrasing and turned into a few patterns (its numbers with their
//! units); the spec states the fact when one of its texts (a description, or a small record such as
//! `{plan: Pro, requests_per_day: 1000}` read as one line) matches every pattern. Both sides are
//! normalised first: lower case, `1,000` → `1000`, `5–15`/`5 to 15` → `5-15`, `5-second`/`5 s` →
//! `5 second`, plurals of the units dropped, and a record's `timeout_seconds: 300` or
//! `max_attempts: 60` read as `300 second` and `60 attempt`. A duration in minutes is also found in
//! seconds (`5 minute` or `300 second`).

use regex::Regex;
use std::sync::LazyLock;

use super::text::pattern as re;

static THOUSANDS: LazyLock<Regex> = LazyLock::new(|| re(r"(\d),(\d{3})\b"));
static RANGE: LazyLock<Regex> = LazyLock::new(|| re(r"(\d+)\s*(?:-|to)\s*(\d+)"));
static BETWEEN: LazyLock<Regex> = LazyLock::new(|| re(r"between (\d+) and (\d+)"));
static NUM_DASH_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(\d)-([a-z])"));
static SECONDS: LazyLock<Regex> = LazyLock::new(|| re(r"(\d) ?(?:seconds|second|secs|sec|s)\b"));
static MINUTES: LazyLock<Regex> = LazyLock::new(|| re(r"(\d) ?(?:minutes|mins|min)\b"));
static UNITS: LazyLock<Regex> = LazyLock::new(|| re(r"\b(second|minute|attempt|hour)s\b"));
static KEYED: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[a-z_]*?(second|minute|attempt|hour)s?: (\d+)\b"));

/// The normal form both sides are matched in.
pub fn normalise(text: &str) -> String {
    let mut s = text
        .to_lowercase()
        .replace(['‘', '’'], "'")
        .replace(['“', '”'], "\"")
        .replace(['–', '—'], "-");
    s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    while THOUSANDS.is_match(&s) {
        s = THOUSANDS.replace_all(&s, "$1$2").into_owned();
    }
    s = BETWEEN.replace_all(&s, "$1-$2").into_owned();
    s = RANGE.replace_all(&s, "$1-$2").into_owned();
    s = NUM_DASH_WORD.replace_all(&s, "$1 $2").into_owned();
    s = SECONDS.replace_all(&s, "$1 second").into_owned();
    s = MINUTES.replace_all(&s, "$1 minute").into_owned();
    s = KEYED.replace_all(&s, "$2 $1").into_owned();
    UNITS.replace_all(&s, "$1").into_owned()
}

/// A fact stated in a sentence.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What it is about: `poll interval`, `polling timeout`, `generation time`.
    pub what: &'static str,
    /// The page's sentence.
    pub sentence: String,
    /// Patterns one spec text must all match.
    pub evidence: Vec<Regex>,
}

/// A phrase kept apart from neighbouring words, where `-` counts as part of a word (so `pro` is not
/// found inside `nano-banana-pro-ultra`).
pub fn word(phrase: &str) -> String {
    format!(r"(?:^|[^\w-]){}(?:[^\w-]|$)", regex::escape(phrase))
}

static POLL_INTERVAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"poll\w* (?:more frequently|more often|faster) than once (?:per|every) (\d+) (second|minute)",
    )
});
static POLL_TIMEOUT: LazyLock<Regex> =
    LazyLock::new(|| re(r"polling timeout of (\d+) (second|minute)(?: \((\d+) attempt)?"));
static TAKES_RANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"takes (?:about |typically )?(\d+-\d+) (second|minute)"));
static TAKES_BETWEEN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"takes (?:between )?(\d+) (second|minute) (?:and|to) (several|a few|\d+) (second|minute)")
});
static TYPICALLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(\w+) models? typically (?:return|take|complete|finish)s? in (\d+(?:-\d+)?) (second|minute)",
    )
});

/// `N minute` as a pattern that also accepts the same time in seconds.
fn amount(n: &str, unit: &str) -> String {
    let minutes_as_seconds = (unit == "minute")
        .then(|| n.parse::<u64>().ok())
        .flatten()
        .map(|m| format!("|{} second", m * 60));
    format!(
        r"(?:^|[^\w-])(?:{}{})(?:[^\w-]|$)",
        regex::escape(&format!("{n} {unit}")),
        minutes_as_seconds.unwrap_or_default()
    )
}

/// A pattern built from page text (numbers and escaped words); `None` never happens in practice.
fn dynamic(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// The sentences of a page that state a rule docs-check knows.
pub fn rules(text: &str) -> Vec<Rule> {
    let mut out = Vec::new();
    for sentence in sentences(text) {
        let n = normalise(&sentence);
        let mut found = |what: &'static str, evidence: Vec<Option<Regex>>| {
            if let Some(evidence) = evidence.into_iter().collect::<Option<Vec<_>>>() {
                out.push(Rule {
                    what,
                    sentence: sentence.clone(),
                    evidence,
                });
            }
        };
        if let Some(c) = POLL_INTERVAL.captures(&n) {
            let e = dynamic(&format!(r"once (?:per|every) {} {}", &c[1], &c[2]));
            found("poll interval", vec![e]);
        }
        if let Some(c) = POLL_TIMEOUT.captures(&n) {
            let mut e = vec![dynamic(&amount(&c[1], &c[2]))];
            if let Some(attempts) = c.get(3) {
                e.push(dynamic(&word(&format!("{} attempt", attempts.as_str()))));
            }
            found("polling timeout", e);
        }
        if let Some(c) = TAKES_RANGE.captures(&n) {
            found(
                "generation time",
                vec![dynamic(&word(&format!("{} {}", &c[1], &c[2])))],
            );
        } else if let Some(c) = TAKES_BETWEEN.captures(&n) {
            let (a, unit_a, b, unit_b) = (&c[1], &c[2], &c[3], &c[4]);
            let upper = if b.bytes().all(|x| x.is_ascii_digit()) {
                dynamic(&amount(b, unit_b))
            } else {
                dynamic(unit_b)
            };
            found("generation time", vec![dynamic(&amount(a, unit_a)), upper]);
        }
        if let Some(c) = TYPICALLY.captures(&n) {
            found(
                "generation time",
                vec![
                    dynamic(&word(&c[1])),
                    dynamic(&word(&format!("{} {}", &c[2], &c[3]))),
                ],
            );
        }
    }
    out
}

/// The patterns for a plan quota: the plan's name followed, within a few words, by its limit.
pub fn quota_evidence(plan: &str, limit: &str) -> Vec<Regex> {
    let limit = normalise(limit);
    dynamic(&format!(
        r"(?:^|[^\w-]){}[^\w-]+(?:[\w.-]+[^\w-]+){{0,4}}?{}(?:[^\w-]|$)",
        regex::escape(&normalise(plan)),
        regex::escape(&limit)
    ))
    .into_iter()
    .collect()
}

/// Whether one of the texts matches every pattern.
pub fn stated(texts: &[String], evidence: &[Regex]) -> bool {
    !evidence.is_empty() && texts.iter().any(|t| evidence.iter().all(|e| e.is_match(t)))
}

/// The sentences of a text: lines, split after `.`, `!` or `?` followed by a space or a capital.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (i, &(pos, c)) in chars.iter().enumerate() {
            if matches!(c, '.' | '!' | '?') {
                let next = chars.get(i + 1).map(|&(_, n)| n);
                let prev_digit = i > 0 && chars[i - 1].1.is_ascii_digit();
                let next_digit = next.is_some_and(|n| n.is_ascii_digit());
                let boundary = match next {
                    None => true,
                    Some(n) => n == ' ' || (n.is_uppercase() && !(prev_digit && next_digit)),
                };
                if boundary && !(prev_digit && next_digit) {
                    let s = line[start..pos + c.len_utf8()].trim();
                    if !s.is_empty() {
                        out.push(s.trim_end_matches('.').to_string());
                    }
                    start = pos + c.len_utf8();
                }
            }
        }
        let s = line[start..].trim();
        if !s.is_empty() {
            out.push(s.trim_end_matches('.').to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_form() {
        assert_eq!(
            normalise("Pro: 1,000 requests; 5–15 Seconds; a 5-second wait; 30 s"),
            "pro: 1000 requests; 5-15 second; a 5 second wait; 30 second"
        );
    }

    #[test]
    fn rules_from_sentences_and_their_evidence() {
        let page = "Set a maximum polling timeout of 5 minutes (60 attempts at 5-second intervals). If not, retry.\n\
                    FLUX models typically return in 5–15 seconds.";
        let r = rules(page);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].what, "polling timeout");
        let spec = vec![normalise(
            "Give up after 5 minutes, that is 60 attempts 5 seconds apart.",
        )];
        assert!(stated(&spec, &r[0].evidence));
        assert!(!stated(
            &[normalise("Give up after 5 minutes.")],
            &r[0].evidence
        ));
        // The same fact as a small record of the spec.
        let record = normalise("interval_seconds: 5, max_attempts: 60, timeout_seconds: 300");
        assert!(stated(&[record], &r[0].evidence));
        assert!(stated(
            &[normalise("FLUX models usually answer in 5 to 15 s.")],
            &r[1].evidence
        ));
    }

    #[test]
    fn quotas_are_not_found_inside_model_ids() {
        let e = quota_evidence("Pro", "1,000");
        assert!(!stated(
            &[normalise("id: nano-banana-pro-ultra, credits: 1000")],
            &e
        ));
        assert!(stated(
            &[normalise("plan: Pro, requests_per_day: 1000")],
            &e
        ));
        assert!(stated(
            &[normalise("Free 100, Pro 1,000 requests a day")],
            &e
        ));
    }

    #[test]
    fn sentence_split_keeps_decimals() {
        assert_eq!(
            sentences("Use v4.5 models. Done!Next"),
            vec!["Use v4.5 models", "Done!", "Next"]
        );
    }
}
