//! `--fetch`: the docs sites' `llms.txt` indexes and the text form of every page they list, downloaded
//! with the project's HTTP stack (reqwest, rustls) and written to a cache directory that `--from` can
//! read again.

use super::page::{self, Page};
use super::text::{self, host};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The docs sites read when no `--base` is given.
pub const DEFAULT_BASES: &[&str] = &["https://docs.artnex.app", "https://docs.artapi.ai"];
/// Longest wait for one download.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

enum Got {
    Text { body: String, html_type: bool },
    NotFound,
}

/// Downloads every site's index and pages. `cited` are the pages the specs cite, fetched instead for a
/// site that has no index.
pub fn fetch(bases: &[String], cache: &Path, cited: &[String]) -> Result<Vec<Page>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the HTTP runtime: {e}")))?;
    rt.block_on(fetch_all(bases, cache, cited))
}

async fn fetch_all(bases: &[String], cache: &Path, cited: &[String]) -> Result<Vec<Page>> {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("artnex-rs-docs-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(format!("cannot build the HTTP client: {e}")))?;
    let mut pages = Vec::new();
    for base in bases {
        let base = base
            .trim_end_matches('/')
            .trim_end_matches("/llms.txt")
            .to_string();
        let base_host = host(&base).unwrap_or_default();
        let index_url = format!("{base}/llms.txt");
        let links: Vec<String> = match get(&client, &index_url).await {
            Ok(Got::Text { body, .. }) => {
                let lines: Vec<&str> = body.lines().collect();
                let Some(links) = page::index_links(&lines) else {
                    return Err(Error::new(format!(
                        "{index_url} is not an llms.txt index (no list of [title](url) links)"
                    )));
                };
                let site = page::site_host(&links).unwrap_or_else(|| base_host.clone());
                let mut seen = Vec::new();
                for (_, url) in &links {
                    if !seen.contains(url) {
                        seen.push(url.clone());
                    }
                }
                store(cache, &format!("https://{site}/llms.txt"), &body)?;
                pages.push(Page {
                    origin: index_url.clone(),
                    text: text::page_text(&body, false),
                });
                seen.into_iter()
                    .filter(|l| host(l).is_none_or(|h| h == site))
                    .collect()
            }
            Ok(Got::NotFound) => {
                let own: Vec<String> = cited
                    .iter()
                    .filter(|u| host(u).as_deref() == Some(base_host.as_str()))
                    .cloned()
                    .collect();
                if own.is_empty() {
                    return Err(Error::new(format!(
                        "no index at {index_url} (HTTP 404), and the specs cite no page on {base_host}"
                    )));
                }
                eprintln!(
                    "docs-check: no index at {index_url}; fetching the {} page(s) the specs cite on {base_host}",
                    own.len()
                );
                own
            }
            Err(e) => {
                return Err(Error::new(format!("cannot fetch {index_url}: {e}")));
            }
        };
        for link in links {
            let path = path_of(&link);
            // The page's own URL (for the cache), and where it is fetched from (under the base).
            let canonical = if host(&link).is_some() {
                link.clone()
            } else {
                format!("{base}{path}")
            };
            let url = format!("{base}{path}");
            let (body, html, suffix) = match text_form(&client, &url).await {
                Ok(got) => got,
                Err(e) => match cached(cache, &canonical) {
                    Some(body) => {
                        eprintln!("docs-check: {e}; using the cached copy");
                        (body, false, String::new())
                    }
                    None => return Err(e),
                },
            };
            let text = text::page_text(&body, html);
            store(
                cache,
                &cache_name(&format!("{canonical}{suffix}"), html),
                &text,
            )?;
            eprintln!("docs-check: fetched {url}{suffix}");
            pages.push(Page {
                origin: format!("{url}{suffix}"),
                text,
            });
        }
    }
    Ok(pages)
}

/// The text or Markdown form of a page: the URL itself when it names a `.md`/`.txt` file, else the
/// URL with `.md` appended (the llms.txt convention), else the page itself. Returns the body, whether
/// it is HTML, and the suffix that was appended.
async fn text_form(client: &reqwest::Client, url: &str) -> Result<(String, bool, String)> {
    let plain = url.ends_with(".md") || url.ends_with(".txt");
    if !plain
        && !url.ends_with('/')
        && let Got::Text { body, html_type } = get(client, &format!("{url}.md")).await?
    {
        let html = text::is_html(&body, html_type);
        return Ok((body, html, ".md".into()));
    }
    match get(client, url).await? {
        Got::Text { body, html_type } => {
            let html = text::is_html(&body, html_type);
            Ok((body, html, String::new()))
        }
        Got::NotFound => Err(Error::new(format!("{url}: HTTP 404 (the index lists it)"))),
    }
}

async fn get(client: &reqwest::Client, url: &str) -> Result<Got> {
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| Error::new(format!("{url}: {e}")))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
        return Ok(Got::NotFound);
    }
    if !status.is_success() {
        return Err(Error::new(format!("{url}: HTTP {status}")));
    }
    let html_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("html"));
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| Error::new(format!("{url}: {e}")))?;
    Ok(Got::Text {
        body: String::from_utf8_lossy(&bytes).into_owned(),
        html_type,
    })
}

/// The path (and query) of a URL, or the link itself when it is relative.
fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => rest[i..].to_string(),
            None => "/".into(),
        },
        None if url.starts_with('/') => url.to_string(),
        None => format!("/{url}"),
    }
}

/// The cache file for a page: `HOST/PATH`, with a `.txt` name when an HTML page was turned into text
/// (so that `--from` reads it as text again).
fn cache_name(url: &str, converted: bool) -> String {
    if converted {
        format!("{}.txt", url.trim_end_matches('/'))
    } else {
        url.to_string()
    }
}

fn cache_path(cache: &Path, url: &str) -> PathBuf {
    let host = host(url).unwrap_or_else(|| "local".into());
    let mut p = cache.join(sanitise(&host));
    let path = path_of(url);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs.is_empty() {
        p.push("index.txt");
    }
    for s in segs {
        p.push(sanitise(s));
    }
    let readable = ["md", "txt", "html", "htm", "markdown"];
    if !p
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| readable.contains(&e.to_ascii_lowercase().as_str()))
    {
        p.set_extension("txt");
    }
    p
}

fn sanitise(seg: &str) -> String {
    let s: String = seg
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.chars().all(|c| c == '.') {
        "_".into()
    } else {
        s
    }
}

fn store(cache: &Path, url: &str, text: &str) -> Result<()> {
    let path = cache_path(cache, url);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(&path, text)
        .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))
}

fn cached(cache: &Path, url: &str) -> Option<String> {
    [
        cache_path(cache, url),
        cache_path(cache, &format!("{url}.md")),
        cache_path(cache, &format!("{url}.txt")),
    ]
    .into_iter()
    .find_map(|p| std::fs::read_to_string(p).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_paths_stay_inside_the_cache() {
        let c = Path::new("/c");
        assert_eq!(
            cache_path(c, "https://docs.artnex.app/api/generate-image.md"),
            Path::new("/c/docs.artnex.app/api/generate-image.md")
        );
        assert_eq!(
            cache_path(c, "https://docs.artnex.app/../../etc/passwd"),
            Path::new("/c/docs.artnex.app/_/_/etc/passwd.txt")
        );
        assert_eq!(path_of("https://h/a/b.md"), "/a/b.md");
    }
}
