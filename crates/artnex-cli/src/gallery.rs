//! A self-contained `index.html` gallery of results (images, audio and video players, prompts, credits).

use std::borrow::Cow;
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

/// One card in the gallery; its texts may be borrowed from what the caller holds (a batch makes a card
/// per finished item, and most of it is in the journal's record already).
#[derive(Debug, Clone)]
pub struct Card<'a> {
    /// Heading, e.g. `generate · flux-2-pro`.
    pub title: Cow<'a, str>,
    /// The prompt or text, if any.
    pub prompt: Option<Cow<'a, str>>,
    /// Files relative to the gallery (same directory).
    pub files: Cow<'a, [String]>,
    /// Credits charged.
    pub credits: u64,
    /// The local estimate, if one was made.
    pub estimate: Option<Cow<'a, str>>,
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

/// At most this many cards on a page.
pub const PAGE_CARDS: usize = 500;

/// A page is closed once its cards take this many bytes of HTML (so that long prompts cannot make a page
/// of a few MB): with the longest card the API allows, a page stays well under 4 MiB.
pub const PAGE_BYTES: usize = 2 * 1024 * 1024;

/// How much of an existing page is read to tell whether it is ours: our pages start with [`PAGE_HEAD`].
const HEAD_BYTES: usize = 4096;

/// Whether the start of an existing page shows it is one of ours: it carries the generator tag, or it is
/// what an interrupted write of ours left (empty, or cut off before the tag).
fn is_ours(head: &[u8]) -> bool {
    let tag = GENERATOR_TAG.as_bytes();
    head.windows(tag.len()).any(|w| w == tag) || PAGE_HEAD.as_bytes().starts_with(head)
}

/// What is at a page's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtPath {
    Nothing,
    /// A page of ours.
    Ours,
    /// A page of ours holding exactly the page about to be written (a rerun that changed nothing
    /// leaves its pages alone instead of writing them all again).
    Same,
    /// Someone else's file.
    Foreign,
}

/// What is at a page's path; `html` is what is about to be written there, if anything.
fn existing(path: &Path, html: Option<&str>) -> std::io::Result<AtPath> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AtPath::Nothing),
        Err(e) => return Err(e),
    };
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file).take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    if !is_ours(&head) {
        return Ok(AtPath::Foreign);
    }
    let Some(html) = html.map(str::as_bytes) else {
        return Ok(AtPath::Ours);
    };
    if !html.starts_with(&head) || file.metadata()?.len() != html.len() as u64 {
        return Ok(AtPath::Ours);
    }
    let mut rest = Vec::with_capacity(html.len().saturating_sub(head.len()));
    file.read_to_end(&mut rest)?;
    Ok(if html.get(head.len()..) == Some(&rest[..]) {
        AtPath::Same
    } else {
        AtPath::Ours
    })
}

/// The file name of page `n` (1-based): `index.html`, then `index-2.html`, `index-3.html`, …
pub fn page_name(n: usize) -> String {
    match n {
        1 => "index.html".to_string(),
        n => format!("index-{n}.html"),
    }
}

/// Why a gallery was not written.
#[derive(Debug)]
pub enum NotWritten {
    /// A page's name is taken by a file that `artnex` did not write (it is left alone).
    Foreign(PathBuf),
    /// Reading, writing or renaming failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for NotWritten {
    fn from(e: std::io::Error) -> Self {
        NotWritten::Io(e)
    }
}

/// Writes (or refreshes) the gallery of `cards` in `dir`, in pages of at most [`PAGE_CARDS`] cards and
/// about [`PAGE_BYTES`]: `index.html` (with the totals and links to every page), then `index-2.html`, … .
/// Cards are taken one at a time and at most two pages are held in memory, however many cards there are.
/// Every page is written to a temporary file and renamed into place at the end, so a page is never left
/// half-written; a page that already holds what would be written is left as it is (a rerun that changed
/// nothing writes nothing); pages of an earlier, longer gallery are removed. Writes nothing when a page's name is
/// taken by a file that `artnex` did not write. Returns the path of `index.html`.
pub fn write<'c>(
    dir: &Path,
    title: &str,
    cards: impl IntoIterator<Item = Card<'c>>,
) -> Result<PathBuf, NotWritten> {
    let mut pages = Pages {
        dir,
        title,
        first: String::new(),
        current: String::new(),
        cards_on_page: 0,
        page: 1,
        written: Vec::new(),
        results: 0,
        credits: 0,
    };
    let result = pages.fill(cards).and_then(|()| pages.finish());
    if result.is_err() {
        for (tmp, _) in &pages.written {
            let _ = std::fs::remove_file(tmp);
        }
    }
    result
}

/// The pages of a gallery being written.
struct Pages<'a> {
    dir: &'a Path,
    title: &'a str,
    /// The cards of page 1, written last (it carries the totals and the list of pages).
    first: String,
    /// The cards of the page being filled, when it is not page 1.
    current: String,
    cards_on_page: usize,
    /// The page being filled (1-based).
    page: usize,
    /// Temporary files of finished pages and their final paths.
    written: Vec<(PathBuf, PathBuf)>,
    results: usize,
    credits: u64,
}

impl Pages<'_> {
    fn fill<'c>(&mut self, cards: impl IntoIterator<Item = Card<'c>>) -> Result<(), NotWritten> {
        for card in cards {
            let body = if self.page == 1 {
                &self.first
            } else {
                &self.current
            };
            if self.cards_on_page >= PAGE_CARDS || body.len() >= PAGE_BYTES {
                self.close_page(true)?;
            }
            self.results += 1;
            self.credits += card.credits;
            self.cards_on_page += 1;
            let body = if self.page == 1 {
                &mut self.first
            } else {
                &mut self.current
            };
            render_card(body, &card);
        }
        Ok(())
    }

    /// Ends the page being filled (pages after the first are written out now) and starts the next.
    fn close_page(&mut self, more: bool) -> Result<(), NotWritten> {
        if self.page > 1 {
            let n = self.page;
            let mut html = String::with_capacity(self.current.len() + 1024);
            page_head(&mut html, &format!("{} · page {n}", self.title));
            let _ = writeln!(
                html,
                "<h1>{}</h1>\n<p class=\"meta\">Page {n}.</p>",
                escape(self.title)
            );
            nav(&mut html, n, more);
            html.push_str("<div class=\"grid\">\n");
            html.push_str(&self.current);
            html.push_str("</div>\n");
            nav(&mut html, n, more);
            html.push_str("</body></html>\n");
            self.stage(n, &html)?;
            self.current.clear();
        }
        if more {
            self.page += 1;
            self.cards_on_page = 0;
        }
        Ok(())
    }

    /// Writes page `n` to its temporary file, unless the page already holds `html`.
    fn stage(&mut self, n: usize, html: &str) -> Result<(), NotWritten> {
        let target = self.dir.join(page_name(n));
        match existing(&target, Some(html))? {
            AtPath::Foreign => return Err(NotWritten::Foreign(target)),
            AtPath::Same => return Ok(()),
            AtPath::Nothing | AtPath::Ours => {}
        }
        // One fixed name per page: a temporary file left by a kill is overwritten by the next write.
        let tmp = self.dir.join(format!(".{}.artnex-tmp", page_name(n)));
        self.written.push((tmp.clone(), target));
        std::fs::write(&tmp, html)?;
        Ok(())
    }

    fn finish(&mut self) -> Result<PathBuf, NotWritten> {
        let pages = self.page;
        self.close_page(false)?;
        let mut html = String::with_capacity(self.first.len() + 2048);
        page_head(&mut html, self.title);
        let _ = writeln!(
            html,
            "<h1>{t}</h1>\n<p class=\"meta\">{n} results, {c} credits charged in all.</p>",
            t = escape(self.title),
            n = self.results,
            c = self.credits,
        );
        if pages > 1 {
            html.push_str("<p class=\"pages\">Pages:");
            for p in 1..=pages {
                let _ = write!(html, " <a href=\"{}\">{p}</a>", page_name(p));
            }
            html.push_str("</p>\n");
        }
        html.push_str("<div class=\"grid\">\n");
        html.push_str(&self.first);
        html.push_str("</div>\n");
        if pages > 1 {
            nav(&mut html, 1, true);
        }
        html.push_str("</body></html>\n");
        self.stage(1, &html)?;
        for (tmp, target) in std::mem::take(&mut self.written) {
            if let Err(e) = std::fs::rename(&tmp, &target) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        }
        // Pages of an earlier, longer gallery.
        for n in pages + 1.. {
            let old = self.dir.join(page_name(n));
            if existing(&old, None)? != AtPath::Ours || std::fs::remove_file(&old).is_err() {
                break;
            }
        }
        Ok(self.dir.join(page_name(1)))
    }
}

/// The links between pages: to the first, the previous and the next.
fn nav(html: &mut String, n: usize, more: bool) {
    html.push_str("<p class=\"pages\">");
    if n > 1 {
        let _ = write!(
            html,
            "<a href=\"{}\">first page</a> · <a href=\"{}\">previous page</a>",
            page_name(1),
            page_name(n - 1)
        );
    }
    if more {
        if n > 1 {
            html.push_str(" · ");
        }
        let _ = write!(html, "<a href=\"{}\">next page</a>", page_name(n + 1));
    }
    html.push_str("</p>\n");
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text` escaped for HTML content and attribute values.
fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    // The characters to escape are ASCII: copy what lies between them whole.
    while let Some(i) = rest
        .bytes()
        .position(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str(match rest.as_bytes().get(i) {
            Some(b'&') => "&amp;",
            Some(b'<') => "&lt;",
            Some(b'>') => "&gt;",
            Some(b'"') => "&quot;",
            _ => "&#39;",
        });
        rest = rest.get(i + 1..).unwrap_or_default();
    }
    out.push_str(rest);
}

/// The start of a page, up to the end of `<head>`.
fn page_head(html: &mut String, title: &str) {
    let _ = writeln!(
        html,
        "{PAGE_HEAD}<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2rem;background:#111;color:#eee}}\
         a{{color:#8bf}}\
         .grid{{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1.2rem}}\
         .card{{background:#1d1d1d;border-radius:10px;padding:1rem}}\
         .card img,.card video{{width:100%;border-radius:6px;background:#333}}\
         .card audio{{width:100%}} .meta{{color:#aaa;font-size:.9rem}} h2{{font-size:1.05rem;margin:.2rem 0 .6rem}}\
         </style></head><body>",
        t = escape(title),
    );
}

/// How many characters of a prompt a card shows (so that one card stays small, whatever the prompt).
const PROMPT_CHARS: usize = 2000;

/// The prompt as a card shows it: whole, or its start and an ellipsis.
fn excerpt(prompt: &str) -> std::borrow::Cow<'_, str> {
    match prompt.char_indices().nth(PROMPT_CHARS) {
        Some((cut, _)) => format!("{}…", &prompt[..cut]).into(),
        None => prompt.into(),
    }
}

/// Appends one card.
fn render_card(html: &mut String, card: &Card<'_>) {
    html.push_str("<div class=\"card\"><h2>");
    escape_into(html, &card.title);
    html.push_str("</h2>\n");
    for file in card.files.iter() {
        let mut src = String::with_capacity(file.len());
        escape_into(&mut src, file);
        let parts: &[&str] = match Kind::from_file(file) {
            Kind::Image => &[
                "<a href=\"",
                &src,
                "\"><img src=\"",
                &src,
                "\" alt=\"",
                &src,
                "\" loading=\"lazy\"></a>\n",
            ],
            Kind::Audio => &["<audio controls src=\"", &src, "\"></audio>\n"],
            Kind::Video => &["<video controls muted loop src=\"", &src, "\"></video>\n"],
        };
        for part in parts {
            html.push_str(part);
        }
    }
    if let Some(prompt) = &card.prompt {
        html.push_str("<p>");
        escape_into(html, &excerpt(prompt));
        html.push_str("</p>\n");
    }
    let _ = write!(html, "<p class=\"meta\">{} credits", card.credits);
    if let Some(estimate) = &card.estimate {
        html.push_str(" (estimate: ");
        escape_into(html, estimate);
        html.push(')');
    }
    html.push_str("</p></div>\n");
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

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("artnex-gallery-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn card(f: &str) -> Card<'static> {
        Card {
            title: "t".into(),
            prompt: None,
            files: vec![f.to_string()].into(),
            credits: 1,
            estimate: None,
        }
    }

    fn read(dir: &Path, n: usize) -> String {
        std::fs::read_to_string(dir.join(page_name(n))).unwrap()
    }

    /// The names of everything in `dir`.
    fn names_in(dir: &Path) -> Vec<std::ffi::OsString> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect()
    }

    #[test]
    fn renders_players_by_kind_and_escapes_text() {
        let dir = temp_dir("kinds");
        let cards = vec![
            Card {
                title: "generate · <b>flux</b>".into(),
                prompt: Some("a \"fox\" & <script>".into()),
                files: vec!["a.png".into(), "b.mp3".into(), "c.mp4".into()].into(),
                credits: 250,
                estimate: Some("250".into()),
            },
            Card {
                title: "tts".into(),
                prompt: None,
                files: Vec::new().into(),
                credits: 10,
                estimate: None,
            },
        ];
        assert_eq!(write(&dir, "Demo", cards).unwrap(), dir.join("index.html"));
        let html = read(&dir, 1);
        assert!(html.starts_with(PAGE_HEAD));
        assert!(html.contains("<img src=\"a.png\""));
        assert!(html.contains("<audio controls src=\"b.mp3\">"));
        assert!(html.contains("<video controls muted loop src=\"c.mp4\">"));
        assert!(html.contains("a &quot;fox&quot; &amp; &lt;script&gt;"));
        assert_eq!(escape("é<'x'>&\"日"), "é&lt;&#39;x&#39;&gt;&amp;&quot;日");
        assert!(!html.contains("<script>"));
        assert!(html.contains("260 credits charged in all"));
        // One page: no links to other pages.
        assert_eq!(referenced_files(&html), vec!["a.png", "b.mp3", "c.mp4"]);
        assert!(!dir.join(page_name(2)).exists());
        std::fs::remove_dir_all(dir).ok();
    }

    /// A gallery of many cards is split into pages of at most PAGE_CARDS cards, chained by links from
    /// index.html; every file is on exactly one page, in order; the totals are on index.html.
    #[test]
    fn many_cards_are_split_into_linked_pages() {
        let dir = temp_dir("pages");
        let n = PAGE_CARDS * 2 + 7;
        let names: Vec<String> = (0..n).map(|i| format!("f{i}.png")).collect();
        write(&dir, "B", names.iter().map(|f| card(f))).unwrap();
        let first = read(&dir, 1);
        assert!(first.contains(&format!("{n} results, {n} credits charged in all")));
        assert!(first.contains("<a href=\"index-3.html\">3</a>"));
        let mut seen = Vec::new();
        let mut page = 1;
        loop {
            let html = read(&dir, page);
            assert!(html.starts_with(PAGE_HEAD), "page {page}");
            let refs = referenced_files(&html);
            seen.extend(refs.iter().filter(|r| r.ends_with(".png")).cloned());
            let cards = html.matches("<div class=\"card\">").count();
            assert!(cards <= PAGE_CARDS, "page {page}: {cards} cards");
            if !html.contains("next page") {
                break;
            }
            page += 1;
            assert!(html.contains(&format!("href=\"{}\">next page", page_name(page))));
        }
        assert_eq!(page, 3);
        assert_eq!(seen, names, "every file once, in order");
        assert!(!dir.join(page_name(4)).exists());
        // A shorter gallery later removes the pages it no longer needs.
        write(&dir, "B", names.iter().take(3).map(|f| card(f))).unwrap();
        assert!(!dir.join(page_name(2)).exists() && !dir.join(page_name(3)).exists());
        assert_eq!(
            referenced_files(&read(&dir, 1)),
            vec!["f0.png", "f1.png", "f2.png"]
        );
        std::fs::remove_dir_all(dir).ok();
    }

    /// Long prompts cannot make a page large: pages close at PAGE_BYTES and a card shows an excerpt.
    #[test]
    fn pages_stay_small_with_long_prompts() {
        let dir = temp_dir("bytes");
        let long = "<".repeat(50_000);
        let cards = (0..400).map(|i| Card {
            prompt: Some(long.clone().into()),
            ..card(&format!("f{i}.png"))
        });
        write(&dir, "B", cards).unwrap();
        let mut pages = 0;
        for n in 1.. {
            let Ok(meta) = std::fs::metadata(dir.join(page_name(n))) else {
                break;
            };
            pages += 1;
            assert!(
                meta.len() < 3 * 1024 * 1024,
                "page {n}: {} bytes",
                meta.len()
            );
        }
        assert!(pages > 1, "{pages}");
        assert!(read(&dir, 1).contains(&format!("{}…", "&lt;".repeat(PROMPT_CHARS))));
        std::fs::remove_dir_all(dir).ok();
    }

    /// Pages that would be written as they are are left alone (same file, not rewritten); a page whose
    /// content changed, even to text of the same length, is replaced.
    #[test]
    fn unchanged_pages_are_not_rewritten() {
        use std::os::unix::fs::MetadataExt;
        let dir = temp_dir("unchanged");
        let inode = |n: usize| std::fs::metadata(dir.join(page_name(n))).unwrap().ino();
        let cards = |last: &str| {
            (0..PAGE_CARDS)
                .map(|i| card(&format!("f{i}.png")))
                .chain([card(last)])
                .collect::<Vec<_>>()
        };
        write(&dir, "B", cards("a.png")).unwrap();
        let (first, second) = (inode(1), inode(2));
        write(&dir, "B", cards("a.png")).unwrap();
        assert_eq!((inode(1), inode(2)), (first, second));
        // The one card of page 2 changes: page 2 is replaced, page 1 (same totals) is not.
        write(&dir, "B", cards("b.png")).unwrap();
        assert_eq!(inode(1), first);
        assert_ne!(inode(2), second);
        let on_page_2 = referenced_files(&read(&dir, 2));
        assert!(
            on_page_2.contains(&"b.png".to_string()) && !on_page_2.contains(&"a.png".to_string())
        );
        let names = names_in(&dir);
        assert_eq!(names.len(), 2, "{names:?}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn write_refreshes_its_own_pages_and_leaves_others_alone() {
        let dir = temp_dir("refresh");
        let index = dir.join("index.html");
        write(&dir, "B", [card("a.png")]).unwrap();
        write(&dir, "B", [card("b.png")]).unwrap();
        assert_eq!(referenced_files(&read(&dir, 1)), vec!["b.png"]);
        // What an interrupted write leaves (empty, cut before or after the tag, cut mid-character) is
        // ours, and is replaced.
        let page = read(&dir, 1);
        let cut_char = format!("{PAGE_HEAD}<title>\u{e9}");
        for partial in [
            &b""[..],
            &PAGE_HEAD.as_bytes()[..20],
            &page.as_bytes()[..page.len() / 2],
            &cut_char.as_bytes()[..cut_char.len() - 1],
        ] {
            std::fs::write(&index, partial).unwrap();
            assert_eq!(
                write(&dir, "B", [card("d.png")]).unwrap(),
                index,
                "{partial:?}"
            );
            assert_eq!(referenced_files(&read(&dir, 1)), vec!["d.png"]);
        }
        assert!(!dir.join(".index.html.artnex-tmp").exists());
        std::fs::write(&index, "<html>mine</html>").unwrap();
        assert!(
            matches!(write(&dir, "B", [card("c.png")]), Err(NotWritten::Foreign(p)) if p == index)
        );
        assert_eq!(
            std::fs::read_to_string(&index).unwrap(),
            "<html>mine</html>"
        );
        // Someone else's file under a later page's name: nothing is written, no temporary file is left.
        std::fs::remove_file(&index).unwrap();
        std::fs::write(dir.join(page_name(2)), "theirs").unwrap();
        let many = (0..PAGE_CARDS + 1).map(|i| card(&format!("f{i}.png")));
        assert!(
            matches!(write(&dir, "B", many), Err(NotWritten::Foreign(p)) if p == dir.join(page_name(2)))
        );
        assert!(!index.exists());
        assert_eq!(
            std::fs::read_to_string(dir.join(page_name(2))).unwrap(),
            "theirs"
        );
        let names = names_in(&dir);
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(dir).ok();
    }
}
