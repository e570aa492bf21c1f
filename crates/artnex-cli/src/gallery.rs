//! A self-contained `index.html` gallery of results (images, audio and video players, prompts, credits).

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What a gallery card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `<img>`.
    Image,
    /// `<audio controls>`.
    Audio,
    /// `<video controls>`.
    Video,
}

impl Kind {
    /// The kind of a file, from its extension.
    pub fn from_file(name: &str) -> Kind {
        match name.rsplit('.').next().unwrap_or_default() {
            "mp3" | "wav" | "ogg" => Kind::Audio,
            "mp4" | "webm" | "mov" => Kind::Video,
            _ => Kind::Image,
        }
    }
}

/// One card in the gallery.
#[derive(Debug, Clone)]
pub struct Card {
    /// Heading, e.g. `generate · flux-2-pro`.
    pub title: String,
    /// The prompt or text, if any.
    pub prompt: Option<String>,
    /// Files relative to the gallery (same directory).
    pub files: Vec<String>,
    /// Credits charged.
    pub credits: u64,
    /// The local estimate, if one was made.
    pub estimate: Option<String>,
}

/// The tag that marks pages written by `artnex` (a macro so that [`PAGE_HEAD`] can contain it).
macro_rules! generator_tag {
    () => {
        "<meta name=\"generator\" content=\"artnex\">"
    };
}

/// Marks pages written by `artnex`, so that a refresh never overwrites someone else's `index.html`.
const GENERATOR_TAG: &str = generator_tag!();

/// How every page starts, up to and including [`GENERATOR_TAG`].
const PAGE_HEAD: &str = concat!(
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
    generator_tag!()
);

/// Whether an existing `index.html` is one of ours: it carries the generator tag, or it is what an
/// interrupted write of ours left (empty, or cut off before the tag).
fn is_ours(existing: &[u8]) -> bool {
    let tag = GENERATOR_TAG.as_bytes();
    existing.windows(tag.len()).any(|w| w == tag) || PAGE_HEAD.as_bytes().starts_with(existing)
}

/// Writes (or refreshes) `dir/index.html` through a temporary file renamed into place, so that the page is
/// never left half-written. Returns `None`, writing nothing, when an `index.html` that `artnex` did not
/// write is already there.
pub fn write_index(dir: &Path, title: &str, cards: &[Card]) -> std::io::Result<Option<PathBuf>> {
    let index = dir.join("index.html");
    match std::fs::read(&index) {
        Ok(existing) if !is_ours(&existing) => return Ok(None),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    // One fixed name: a temporary file left by a kill is overwritten by the next write, not collected.
    let tmp = dir.join(".index.html.artnex-tmp");
    std::fs::write(&tmp, render(title, cards))?;
    if let Err(e) = std::fs::rename(&tmp, &index) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(Some(index))
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders the gallery page.
pub fn render(title: &str, cards: &[Card]) -> String {
    let total: u64 = cards.iter().map(|c| c.credits).sum();
    let mut html = String::new();
    let _ = write!(
        html,
        "{PAGE_HEAD}<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2rem;background:#111;color:#eee}}\
         .grid{{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1.2rem}}\
         .card{{background:#1d1d1d;border-radius:10px;padding:1rem}}\
         .card img,.card video{{width:100%;border-radius:6px;background:#333}}\
         .card audio{{width:100%}} .meta{{color:#aaa;font-size:.9rem}} h2{{font-size:1.05rem;margin:.2rem 0 .6rem}}\
         </style></head><body>\n<h1>{t}</h1>\n<p class=\"meta\">{n} results, {total} credits charged in all.</p>\n<div class=\"grid\">\n",
        t = escape(title),
        n = cards.len(),
    );
    for card in cards {
        let _ = writeln!(html, "<div class=\"card\"><h2>{}</h2>", escape(&card.title));
        for file in &card.files {
            let src = escape(file);
            let _ = match Kind::from_file(file) {
                Kind::Image => writeln!(
                    html,
                    "<a href=\"{src}\"><img src=\"{src}\" alt=\"{src}\" loading=\"lazy\"></a>"
                ),
                Kind::Audio => writeln!(html, "<audio controls src=\"{src}\"></audio>"),
                Kind::Video => writeln!(html, "<video controls muted loop src=\"{src}\"></video>"),
            };
        }
        if let Some(prompt) = &card.prompt {
            let _ = writeln!(html, "<p>{}</p>", escape(prompt));
        }
        let estimate = card
            .estimate
            .as_deref()
            .map(|e| format!(" (estimate: {})", escape(e)))
            .unwrap_or_default();
        let _ = writeln!(
            html,
            "<p class=\"meta\">{} credits{estimate}</p></div>",
            card.credits
        );
    }
    html.push_str("</div>\n</body></html>\n");
    html
}

/// Every `src`/`href` the page references.
#[cfg(test)]
pub fn referenced_files(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                let v = rest[..end].replace("&amp;", "&");
                if !out.contains(&v) {
                    out.push(v);
                }
                rest = &rest[end..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_players_by_kind_and_escapes_text() {
        let cards = vec![
            Card {
                title: "generate · <b>flux</b>".into(),
                prompt: Some("a \"fox\" & <script>".into()),
                files: vec!["a.png".into(), "b.mp3".into(), "c.mp4".into()],
                credits: 250,
                estimate: Some("250".into()),
            },
            Card {
                title: "tts".into(),
                prompt: None,
                files: vec![],
                credits: 10,
                estimate: None,
            },
        ];
        let html = render("Demo", &cards);
        assert!(html.contains("<img src=\"a.png\""));
        assert!(html.contains("<audio controls src=\"b.mp3\">"));
        assert!(html.contains("<video controls muted loop src=\"c.mp4\">"));
        assert!(html.contains("a &quot;fox&quot; &amp; &lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("260 credits charged in all"));
        assert_eq!(referenced_files(&html), vec!["a.png", "b.mp3", "c.mp4"]);
    }

    #[test]
    fn write_index_refreshes_its_own_page_and_leaves_others_alone() {
        let dir = std::env::temp_dir().join(format!("artnex-gallery-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let index = dir.join("index.html");
        let _ = std::fs::remove_file(&index);
        let card = |f: &str| Card {
            title: "t".into(),
            prompt: None,
            files: vec![f.into()],
            credits: 1,
            estimate: None,
        };
        assert_eq!(
            write_index(&dir, "B", &[card("a.png")]).unwrap(),
            Some(index.clone())
        );
        assert_eq!(
            write_index(&dir, "B", &[card("b.png")]).unwrap(),
            Some(index.clone())
        );
        let html = std::fs::read_to_string(&index).unwrap();
        assert_eq!(referenced_files(&html), vec!["b.png"]);
        // What an interrupted write leaves (empty, cut before or after the tag, cut mid-character) is
        // ours, and is replaced.
        let page = render("B", &[card("b.png")]);
        let cut_char = format!("{PAGE_HEAD}<title>\u{e9}");
        for partial in [
            &b""[..],
            &PAGE_HEAD.as_bytes()[..20],
            &page.as_bytes()[..page.len() / 2],
            &cut_char.as_bytes()[..cut_char.len() - 1],
        ] {
            std::fs::write(&index, partial).unwrap();
            assert_eq!(
                write_index(&dir, "B", &[card("d.png")]).unwrap(),
                Some(index.clone()),
                "{partial:?}"
            );
            assert_eq!(
                referenced_files(&std::fs::read_to_string(&index).unwrap()),
                vec!["d.png"]
            );
        }
        assert!(!dir.join(".index.html.artnex-tmp").exists());
        std::fs::write(&index, "<html>mine</html>").unwrap();
        assert_eq!(write_index(&dir, "B", &[card("c.png")]).unwrap(), None);
        assert_eq!(
            std::fs::read_to_string(&index).unwrap(),
            "<html>mine</html>"
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
