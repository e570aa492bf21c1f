//! Text helpers: HTML to plain text, the normalisations the comparisons use, and numbers as the docs
//! render them (`1,000`, `Varies`, `4–12 s`, `16:9, 9:16`).

use super::facts::{Credits, Durations};
use regex::Regex;

/// A regex from a constant pattern of this module tree (each one is exercised by the unit tests, so
/// a bad pattern fails there, never on a user's pages).
pub fn pattern(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("docs-check pattern {p}: {e}"))
}

/// Whether a file's content is HTML (by its first tag), whatever its name.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Whether a page is HTML: by its first tag, or (when its name or content type says HTML) by the
/// tags it holds.
pub fn is_html(text: &str, says_html: bool) -> bool {
    looks_like_html(text)
        || (says_html
            && ["<p", "<div", "<table", "<body", "<h1", "<h2"]
                .iter()
                .any(|t| text.contains(t)))
}

/// Tags whose content is dropped.
const SKIPPED: &[&str] = &["script", "style", "noscript", "template", "svg", "head"];
/// Tags that start a new line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "pre",
    "table",
    "blockquote",
    "dt",
    "dd",
    "hr",
    "title",
];

/// HTML to text, reasonably: tags removed, block elements on their own lines, table rows as
/// `| cell | cell |` lines (what the table readers expect), `<pre>` kept verbatim, entities decoded,
/// scripts and styles dropped.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut skip_until: Option<String> = None;
    let mut pre = 0usize;
    while !rest.is_empty() {
        if let Some(tag_start) = rest.find('<') {
            let (text, after) = rest.split_at(tag_start);
            if skip_until.is_none() {
                push_text(&mut out, &decode_entities(text), pre > 0);
            }
            let Some(end) = after.find('>') else {
                break;
            };
            let tag = &after[1..end];
            rest = &after[end + 1..];
            if let Some(comment) = tag.strip_prefix("!--") {
                // A comment may contain '>': skip to its real end.
                if !comment.ends_with("--")
                    && let Some(close) = rest.find("-->")
                {
                    rest = &rest[close + 3..];
                }
                continue;
            }
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if let Some(waiting) = &skip_until {
                if closing && &name == waiting {
                    skip_until = None;
                }
                continue;
            }
            if !closing && SKIPPED.contains(&name.as_str()) && !tag.ends_with('/') {
                skip_until = Some(name);
                continue;
            }
            match (name.as_str(), closing) {
                ("tr", false) if !out.ends_with('\n') => out.push('\n'),
                ("tr", false) => {}
                ("tr", true) => out.push_str(" |\n"),
                ("td" | "th", false) => out.push_str(" | "),
                ("pre", false) => {
                    pre += 1;
                    out.push('\n');
                }
                ("pre", true) => {
                    pre = pre.saturating_sub(1);
                    out.push('\n');
                }
                (n, _) if BLOCKS.contains(&n) => out.push('\n'),
                _ => {}
            }
        } else {
            if skip_until.is_none() {
                push_text(&mut out, &decode_entities(rest), pre > 0);
            }
            break;
        }
    }
    tidy_lines(&out)
}

fn push_text(out: &mut String, text: &str, verbatim: bool) {
    if verbatim {
        out.push_str(text);
        return;
    }
    let mut last_space = out.ends_with([' ', '\n']);
    for c in text.chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(c);
            last_space = false;
        }
    }
}

/// Trims every line and keeps at most one blank line in a row.
fn tidy_lines(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

/// Decodes the named entities the docs use and every numeric one.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| entity(&after[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "times" => '×',
        _ => return None,
    })
}

/// The page text every reader works on: line endings unified, non-breaking and zero-width spaces
/// replaced, HTML turned into text.
pub fn page_text(raw: &str, html: bool) -> String {
    let text = if html {
        html_to_text(raw)
    } else {
        raw.to_string()
    };
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace(['\u{a0}', '\u{202f}'], " ")
        .replace(['\u{200b}', '\u{feff}'], "")
}

/// A table cell or a prose phrase for comparison: Markdown emphasis and code marks removed, curly
/// quotes made straight, whitespace collapsed, a final full stop dropped.
pub fn clean(s: &str) -> String {
    let s = s
        .replace("**", "")
        .replace('`', "")
        .replace(['‘', '’'], "'")
        .replace(['“', '”'], "\"");
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.trim_end_matches('.').trim().to_string()
}

/// A whole number as the docs print it: `100`, `1,000`, `12,500`. `None` for anything else.
pub fn count(s: &str) -> Option<u64> {
    let s = s.trim();
    let grouped = s.contains(',');
    if grouped {
        let mut parts = s.split(',');
        let first = parts.next()?;
        if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !parts.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
    } else if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.replace(',', "").parse().ok()
}

/// A credits cell: a whole number (with thousands separators) or `Varies`.
pub fn credits(s: &str) -> Option<Credits> {
    let s = clean(s);
    if s.eq_ignore_ascii_case("varies") {
        return Some(Credits::Varies);
    }
    count(&s).map(Credits::Fixed)
}

/// A durations cell: `4, 6, 8 s`, `5–10 s`, `4-12 seconds`.
pub fn durations(s: &str) -> Option<Durations> {
    let s = clean(s);
    let s = s
        .trim_end_matches("seconds")
        .trim_end_matches("second")
        .trim_end_matches("sec")
        .trim_end_matches('s')
        .trim();
    let dashes: &[char] = &['–', '—', '-'];
    if let Some((a, b)) = s
        .split_once(dashes)
        .or_else(|| s.split_once(" to "))
        .map(|(a, b)| (a.trim(), b.trim()))
    {
        let (a, b) = (a.parse().ok()?, b.parse().ok()?);
        return (a < b).then_some(Durations::Range(a, b));
    }
    let list: Option<Vec<u32>> = s.split(',').map(|p| p.trim().parse().ok()).collect();
    list.filter(|l| !l.is_empty()).map(Durations::List)
}

/// An aspect-ratios cell: `16:9, 9:16, 1:1`.
pub fn ratios(s: &str) -> Option<Vec<String>> {
    let s = clean(s);
    let list: Vec<String> = s
        .split(',')
        .map(|p| p.trim().trim_matches('"').to_string())
        .collect();
    let ok = !list.is_empty()
        && list.iter().all(|r| {
            r.split_once(':').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            })
        });
    ok.then_some(list)
}

/// A URL in the form used to compare citations: no scheme, no `www.`, no trailing `/`, and no
/// `.md`/`.txt`/`.html` suffix (the text form of a page and the page are one page).
pub fn url_key(url: &str) -> String {
    let u = url.trim();
    let u = u.split(['#', '?']).next().unwrap_or(u);
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .unwrap_or(u);
    let u = u.strip_prefix("www.").unwrap_or(u);
    let mut u = u.trim_end_matches('/').to_ascii_lowercase();
    for suffix in [".md", ".txt", ".html", ".htm", "/index"] {
        if let Some(s) = u.strip_suffix(suffix) {
            u = s.to_string();
        }
    }
    u
}

/// The host of an absolute URL.
pub fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// At most `n` characters of `s`, with an ellipsis when cut.
pub fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_rendered() {
        assert_eq!(count("1,000"), Some(1000));
        assert_eq!(count("12,500"), Some(12500));
        assert_eq!(count("250"), Some(250));
        assert_eq!(count("1,00"), None);
        assert_eq!(count("abc"), None);
        assert_eq!(credits("Varies"), Some(Credits::Varies));
        assert_eq!(durations("4, 6, 8 s"), Some(Durations::List(vec![4, 6, 8])));
        assert_eq!(durations("4–12 s"), Some(Durations::Range(4, 12)));
        assert_eq!(durations("lots"), None);
        assert_eq!(
            ratios("16:9, 9:16"),
            Some(vec!["16:9".to_string(), "9:16".to_string()])
        );
        assert_eq!(ratios("wide"), None);
    }

    #[test]
    fn html_tables_become_pipe_rows() {
        let html = "<!DOCTYPE html><html><head><title>x</title><script>var a = '<td>';</script></head>\
            <body><h2>Models</h2><table><tr><th>Model ID</th><th>Credits</th></tr>\
            <tr><td><code>veo3.1</code></td><td>3,000</td></tr></table><p>A &amp; B&nbsp;&#8211; C</p></body></html>";
        assert!(looks_like_html(html));
        let text = html_to_text(html);
        assert_eq!(
            text, "Models\n\n| Model ID | Credits |\n| veo3.1 | 3,000 |\n\nA & B – C\n",
            "{text:?}"
        );
    }

    #[test]
    fn url_keys_ignore_the_text_form_suffix() {
        assert_eq!(
            url_key("https://docs.artnex.app/api/generate-image.md"),
            url_key("https://docs.artnex.app/api/generate-image")
        );
        assert_eq!(
            url_key("https://docs.artapi.ai/image-generation.html"),
            "docs.artapi.ai/image-generation"
        );
    }
}
