//! `cargo xtask docs-check` on the saved docs pages in tests/docs_pages/ (see its README): the pages as
//! saved give exactly the findings listed below against today's spec; each mutated copy of a page gives
//! exactly its own finding; `--fetch` from a local server that serves the same pages gives the same
//! report as `--from`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use xtask::docs_check::{self, Report};

/// What the saved pages state and today's spec does not: the facts the spec audit (issue 12) lists
/// as missing that these pages carry. Update this list when the spec gains them (it becomes empty once
/// the spec states all of them).
const EXPECTED: &[&str] = &[];

/// What could not be compared on the saved pages (not drift): the sections these renderings lost, and
/// the pages the specs cite that were not saved.
const EXPECTED_NOTES: &[&str] = &[
    "https://docs.artapi.ai/authentication: page: cited by spec/artapi.yaml but not among the pages read: the facts citing it were not checked",
    "https://docs.artapi.ai/errors: page: cited by spec/artapi.yaml but not among the pages read: the facts citing it were not checked",
    "https://docs.artnex.app/api/authentication: page: cited by spec/artnex.yaml but not among the pages read: the facts citing it were not checked",
    "https://docs.artnex.app/api/edit-image: examples: `Example requests` holds no example body in this rendering; examples were not compared",
    "https://docs.artnex.app/api/edit-image: request fields: `Request parameters`: the field names are not in this rendering; the fields were not compared",
    "https://docs.artnex.app/api/edit-image: response fields: `Response fields`: the field names are not in this rendering; the fields were not compared",
    "https://docs.artnex.app/api/generate-video: examples: `Example requests` holds no example body in this rendering; examples were not compared",
    "https://docs.artnex.app/api/generate-video: request fields: `Request parameters`: the field names are not in this rendering; the fields were not compared",
    "https://docs.artnex.app/api/generate-video: response fields: `Response fields`: the field names are not in this rendering; the fields were not compared",
    "https://docs.artnex.app/api/remove-background: page: cited by spec/artnex.yaml but not among the pages read: the facts citing it were not checked",
    "https://docs.artnex.app/api/text-to-speech: page: cited by spec/artnex.yaml but not among the pages read: the facts citing it were not checked",
    "https://docs.artnex.app/api/upscale: page: cited by spec/artnex.yaml but not among the pages read: the facts citing it were not checked",
];

const OVERVIEW: &str = "000_d4a27469d37abd77.txt";
const GENERATE: &str = "001_35f9e885fac0e276.txt";
const EDIT: &str = "002_543bf29ae419dff9.txt";
const ARTAPI: &str = "003_7ca835267ae8eed6.txt";
const VIDEO: &str = "004_b7738467b7a1c11d.txt";
const ARTNEX_INDEX: &str = "artnex-llms.txt";
const ARTAPI_INDEX: &str = "artapi-llms.txt";

fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs_pages")
}

fn check_dir(dir: &Path) -> Report {
    let pages = docs_check::read_dir(dir).unwrap();
    docs_check::check(&xtask::workspace_root(), &pages).unwrap()
}

fn lines(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A scratch copy of the pages with `edit` applied to one file (which may be renamed).
fn scratch(name: &str, edit: impl FnOnce(&Path)) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("docs-check-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(pages_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    edit(&dir);
    dir
}

fn replace_in(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn saved_pages_give_exactly_the_expected_findings() {
    let report = check_dir(&pages_dir());
    assert_eq!(report.lines(), EXPECTED, "{}", report.markdown());
    assert_eq!(report.drift, EXPECTED.len());
    let notes: Vec<String> = report.notes.iter().map(ToString::to_string).collect();
    assert_eq!(notes, EXPECTED_NOTES, "{}", report.markdown());
    // Every page was recognised by its content (the file names are hashes) and its tables were read.
    let read: Vec<(String, String, String)> = report
        .pages
        .iter()
        .map(|p| (p.page.clone(), p.role.clone(), p.read.clone()))
        .collect();
    let want = [
        (
            "https://docs.artapi.ai/image-generation.html",
            "endpoint",
            "operations 1, request fields 7, response fields 4, example requests 1, example responses 1, rules 1",
        ),
        (
            "https://docs.artnex.app/api/edit-image",
            "endpoint",
            "operations 1, request fields 2, models 6, errors 8",
        ),
        (
            "https://docs.artnex.app/api/generate-image",
            "endpoint",
            "operations 1, request fields 7, response fields 4, models 8, errors 6, example requests 1, example responses 1",
        ),
        (
            "https://docs.artnex.app/api/generate-video",
            "endpoint",
            "operations 1, models 13, errors 7, rules 3",
        ),
        (
            "https://docs.artnex.app/api/overview",
            "overview",
            "operations 6, statuses 6, plans 3",
        ),
        ("index of docs.artapi.ai", "index", "index links 1"),
        ("index of docs.artnex.app", "index", "index links 4"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(read, want);
}

/// One mutation of one saved page, and how the findings change.
struct Mutation {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    added: &'static [&'static str],
    removed: &'static [&'static str],
}

const MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "price-run-together",
        file: GENERATE,
        from: "flux-2-pro250High",
        to: "flux-2-pro300High",
        added: &[
            "differs: https://docs.artnex.app/api/generate-image: POST /v1/generate model `flux-2-pro`: credits: spec 250, page 300",
        ],
        removed: &[],
    },
    Mutation {
        name: "price-pipe",
        file: VIDEO,
        from: "\nveo3.1 | 3,000 |",
        to: "\nveo3.1 | 3,200 |",
        added: &[
            "differs: https://docs.artnex.app/api/generate-video: POST /v1/video model `veo3.1`: credits: spec 3000, page 3200",
        ],
        removed: &[],
    },
    Mutation {
        name: "model-added-pipe",
        file: VIDEO,
        from: "\nwan-2.5 | 3,500 |",
        to: "\nveo4 | 4,000 | 4, 8 s | 16:9 |\nwan-2.5 | 3,500 |",
        added: &[
            "missing: https://docs.artnex.app/api/generate-video: POST /v1/video model `veo4`: 4000 credits, durations 4, 8 s, aspect ratios 16:9, text-to-video",
        ],
        removed: &[],
    },
    Mutation {
        name: "model-added-run-together",
        file: GENERATE,
        from: "seedream-v4200",
        to: "flux-3-max1,200Next-generation output\nseedream-v4200",
        added: &[
            "missing: https://docs.artnex.app/api/generate-image: POST /v1/generate model `flux-3-max`: 1200 credits, \"Next-generation output\"",
        ],
        removed: &[],
    },
    Mutation {
        name: "error-removed-pipe",
        file: EDIT,
        from: "400 | image_too_large | The image exceeds the 10 MB size limit |\n",
        to: "",
        added: &[
            "unstated: https://docs.artnex.app/api/edit-image: POST /v1/edit error `image_too_large`: in the spec (400: The image exceeds the 10 MB size limit), not in the page's error tables",
        ],
        removed: &[],
    },
    Mutation {
        name: "error-removed-run-together",
        file: GENERATE,
        from: "400invalid_dimensionswidth or height is outside the allowed range for the selected model\n",
        to: "",
        added: &[
            "unstated: https://docs.artnex.app/api/generate-image: POST /v1/generate error `invalid_dimensions`: in the spec (400: width or height is outside the allowed range for the selected model), not in the page's error tables",
        ],
        removed: &[],
    },
    Mutation {
        name: "error-added",
        file: VIDEO,
        from: "401 | invalid_api_key |",
        to: "400 | invalid_aspect_ratio | The aspect ratio is not supported |\n401 | invalid_api_key |",
        added: &[
            "missing: https://docs.artnex.app/api/generate-video: POST /v1/video error `invalid_aspect_ratio`: 400: The aspect ratio is not supported",
        ],
        removed: &[],
    },
    Mutation {
        name: "error-status",
        file: GENERATE,
        from: "402insufficient_credits",
        to: "403insufficient_credits",
        added: &[
            "differs: https://docs.artnex.app/api/generate-image: POST /v1/generate error `insufficient_credits`: status: spec 402, page 403",
        ],
        removed: &[],
    },
    Mutation {
        name: "range-without-dash",
        file: GENERATE,
        from: "Accepted range: 14.",
        to: "Accepted range: 18.",
        added: &[
            "differs: https://docs.artnex.app/api/generate-image: POST /v1/generate request field `num_images`: range: spec 1–4, page 1–8",
        ],
        removed: &[],
    },
    Mutation {
        name: "range-table",
        file: ARTAPI,
        from: "(1–10)",
        to: "(1–8)",
        added: &[
            "differs: https://docs.artapi.ai/image-generation.html: POST /v1/images/generations request field `n`: range: spec 1–10, page 1–8",
        ],
        removed: &[],
    },
    Mutation {
        name: "max-length",
        file: GENERATE,
        from: "Be specific — more detail leads to better results. Maximum 4,000 characters.",
        to: "Be specific — more detail leads to better results. Maximum 5,000 characters.",
        added: &[
            "differs: https://docs.artnex.app/api/generate-image: POST /v1/generate request field `prompt`: maximum length: spec 4000, page 5000",
        ],
        removed: &[],
    },
    Mutation {
        name: "field-type",
        file: GENERATE,
        from: "num_images\ninteger",
        to: "num_images\nnumber",
        added: &[
            "differs: https://docs.artnex.app/api/generate-image: POST /v1/generate request field `num_images`: type: spec integer, page number",
        ],
        removed: &[],
    },
    Mutation {
        name: "enum-value",
        file: ARTAPI,
        from: "\"vivid\" or \"natural\".",
        to: "\"vivid\", \"natural\" or \"cinematic\".",
        added: &[
            "differs: https://docs.artapi.ai/image-generation.html: POST /v1/images/generations request field `style`: values: spec natural, vivid, page cinematic, natural, vivid",
        ],
        removed: &[],
    },
    Mutation {
        name: "durations",
        file: VIDEO,
        from: "\nsora-2 | 3,500 | 4, 8, 12 s |",
        to: "\nsora-2 | 3,500 | 4, 8 s |",
        added: &[
            "differs: https://docs.artnex.app/api/generate-video: POST /v1/video model `sora-2`: durations: spec 4, 8, 12 s, page 4, 8 s",
        ],
        removed: &[],
    },
    Mutation {
        name: "aspect-ratios",
        file: VIDEO,
        from: "kling-v2.5-turbo-pro | 1,500 | 5, 10 s | 16:9, 9:16, 1:1 |",
        to: "kling-v2.5-turbo-pro | 1,500 | 5, 10 s | 16:9, 9:16 |",
        added: &[
            "differs: https://docs.artnex.app/api/generate-video: POST /v1/video model `kling-v2.5-turbo-pro`: aspect ratios: spec 16:9, 9:16, 1:1, page 16:9, 9:16",
        ],
        removed: &[],
    },
    Mutation {
        name: "description",
        file: EDIT,
        from: "Fast edits at a low credit cost",
        to: "Quick edits",
        added: &[
            "differs: https://docs.artnex.app/api/edit-image: POST /v1/edit model `nano-banana-edit`: description: spec \"Fast edits at a low credit cost\", page \"Quick edits\"",
        ],
        removed: &[],
    },
    Mutation {
        name: "quota",
        file: OVERVIEW,
        from: "| Pro | 1,000 |",
        to: "| Pro | 2,000 |",
        added: &[
            "differs: https://docs.artnex.app/api/overview: plan `Pro`: Requests per day: page 2,000, spec 1000",
        ],
        removed: &[],
    },
    Mutation {
        name: "poll-interval",
        file: VIDEO,
        from: "once per 5 seconds",
        to: "once per 10 seconds",
        added: &[
            "missing: https://docs.artnex.app/api/generate-video: poll interval: Do not poll more frequently than once per 10 seconds or your requests may be throttled",
        ],
        removed: &[],
    },
    Mutation {
        name: "api-host",
        file: OVERVIEW,
        from: "POST https://api.artnex.ai/v1/generate.",
        to: "POST https://api.artnex.com/v1/generate.",
        added: &[
            "differs: https://docs.artnex.app/api/overview: API host: spec api.artnex.ai, page api.artnex.com",
        ],
        removed: &[],
    },
    Mutation {
        name: "operation-dropped",
        file: OVERVIEW,
        from: "POST /v1/tts\n",
        to: "",
        added: &[
            "unstated: https://docs.artnex.app/api/overview: operation `POST /v1/tts`: in the spec, on none of the pages read",
        ],
        removed: &[],
    },
    Mutation {
        name: "operation-added",
        file: OVERVIEW,
        from: "POST /v1/remove-bg\n",
        to: "POST /v1/remove-bg\nPOST /v1/lipsync\n",
        added: &[
            "missing: https://docs.artnex.app/api/overview: operation `POST /v1/lipsync`: on the page, not in spec/artnex.yaml",
        ],
        removed: &[],
    },
    Mutation {
        name: "status-added",
        file: OVERVIEW,
        from: "429 | Too Many Requests",
        to: "409 | Conflict — the request conflicts with another |\n429 | Too Many Requests",
        added: &[
            "missing: https://docs.artnex.app/api/overview: status 409: \"Conflict — the request conflicts with another\": no operation of spec/artnex.yaml declares it",
        ],
        removed: &[],
    },
    Mutation {
        name: "status-dropped",
        file: OVERVIEW,
        from: "422 | Unprocessable Entity — request is well-formed but invalid |\n",
        to: "",
        added: &[
            "unstated: https://docs.artnex.app/api/overview: status 422: declared in the spec, not in the page's status table",
        ],
        removed: &[],
    },
    Mutation {
        name: "example-changed",
        file: GENERATE,
        from: "\"credits_used\": 250\n}",
        to: "\"credits_used\": 260\n}",
        added: &[
            "missing: https://docs.artnex.app/api/generate-image: POST /v1/generate example response: {\"success\":true,\"images\":[{\"url\":\"https://cdn.artnex.ai/gen/req_abc123xyz/image_0.jpg\"}],\"request_id\":\"req_abc123xyz\",\"credits_used\":260}",
            "unstated: https://docs.artnex.app/api/generate-image: POST /v1/generate example response `docs_generate`: in the spec, not among the page's examples",
        ],
        removed: &[],
    },
    Mutation {
        name: "field-added",
        file: GENERATE,
        from: "Response fields\n",
        to: "seed\ninteger\nRandom seed for reproducible results.\nResponse fields\n",
        added: &[
            "missing: https://docs.artnex.app/api/generate-image: POST /v1/generate request field `seed`: integer, optional",
        ],
        removed: &[],
    },
    Mutation {
        name: "field-dropped",
        file: ARTAPI,
        from: "stylestringNo\"vivid\"\"vivid\" or \"natural\".\n",
        to: "",
        added: &[
            "unstated: https://docs.artapi.ai/image-generation.html: POST /v1/images/generations request field `style`: in the spec, not in the page's field list",
        ],
        removed: &[],
    },
    Mutation {
        name: "uncited-index-page",
        file: ARTNEX_INDEX,
        from: "## API reference\n",
        to: "## API reference\n\n- [Changelog](https://docs.artnex.app/changelog.md): What changed\n",
        added: &[
            "uncited: index of docs.artnex.app: https://docs.artnex.app/changelog.md: \"Changelog\": no spec fact cites this page",
        ],
        removed: &[],
    },
    Mutation {
        name: "unreadable-pipe-cell",
        file: VIDEO,
        from: "\nveo3.1 | 3,000 |",
        to: "\nveo3.1 | three thousand |",
        added: &[
            "unreadable: https://docs.artnex.app/api/generate-video: table `Text-to-video models`: row `veo3.1 | three thousand | 4, 6, 8 s | 16:9, 9:16 |`: credits `three thousand` is not a number or `Varies`",
        ],
        removed: &[],
    },
    Mutation {
        name: "unreadable-run-together-row",
        file: GENERATE,
        from: "flux-2-pro250High",
        to: "flux-2-pro—High",
        added: &[
            "unreadable: https://docs.artnex.app/api/generate-image: table `Models`: row `flux-2-pro—High-quality professional output`: the cells run together and the row fits none of the column shapes",
        ],
        removed: &[],
    },
    Mutation {
        name: "unreadable-durations",
        file: VIDEO,
        from: "\nveo3-fast | 2,000 | 4, 6, 8 s |",
        to: "\nveo3-fast | 2,000 | four to eight |",
        added: &[
            "unreadable: https://docs.artnex.app/api/generate-video: table `Text-to-video models`: row `veo3-fast | 2,000 | four to eight | 16:9, 9:16 |`: durations `four to eight` are neither a list nor a range of seconds",
        ],
        removed: &[],
    },
    Mutation {
        name: "unreadable-short-row",
        file: EDIT,
        from: "401 | invalid_api_key | The API key is missing, malformed, or revoked |",
        to: "401 | invalid_api_key |",
        added: &[
            "unreadable: https://docs.artnex.app/api/edit-image: table `Error codes`: row `401 | invalid_api_key |`: 2 cells where the header has 3",
        ],
        removed: &[],
    },
];

#[test]
fn each_mutation_gives_exactly_its_finding() {
    let base = lines(EXPECTED);
    let mut failures = Vec::new();
    for m in MUTATIONS {
        let dir = scratch(m.name, |d| replace_in(d, m.file, m.from, m.to));
        let got: BTreeSet<String> = check_dir(&dir).lines().into_iter().collect();
        let added: BTreeSet<String> = got.difference(&base).cloned().collect();
        let removed: BTreeSet<String> = base.difference(&got).cloned().collect();
        if added != lines(m.added) || removed != lines(m.removed) {
            failures.push(format!(
                "{}:\n  added:   {added:#?}\n  removed: {removed:#?}",
                m.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_page_is_recognised_by_content_whatever_its_name_or_format() {
    // The edit page as HTML, under a name that says nothing: its tables read the same.
    let html = |price: &str| {
        format!(
            "<!DOCTYPE html><html><head><title>Edit</title><style>td {{ color: red }}</style></head><body>\
             <nav><a href=\"/api/overview\">Overview</a></nav>\
             <h1>POST /v1/edit — Edit Images with AI via API</h1>\
             <h2>Models</h2><table><thead><tr><th>Model ID</th><th>Credits per edit</th><th>Description</th></tr></thead><tbody>\
             <tr><td><code>nano-banana-edit</code></td><td>{price}</td><td>Fast edits at a low credit cost</td></tr>\
             <tr><td><code>seedream-edit</code></td><td>200</td><td>Bytedance Seedream image editing</td></tr>\
             <tr><td><code>nano-banana-pro-edit</code></td><td>800</td><td>High-fidelity edits with fine detail</td></tr>\
             <tr><td><code>seedream-v4.5-edit</code></td><td>800</td><td>High-fidelity Seedream v4.5 editing</td></tr>\
             <tr><td><code>nano-banana-pro-edit-ultra</code></td><td>1,000</td><td>Ultra-quality edits for demanding use cases</td></tr>\
             <tr><td><code>gpt-image-2-edit</code></td><td>Varies</td><td>OpenAI GPT-Image-2 editing; credits vary by resolution and quality</td></tr>\
             </tbody></table>\
             <p>gpt-image-2-edit uses dynamic pricing based on resolution (1k, 2k, 4k) and quality (low, medium, high).</p>\
             <h2>Error codes</h2><table><tr><th>HTTP status</th><th>Error code</th><th>Cause</th></tr>\
             <tr><td>400</td><td><code>missing_prompt</code></td><td>The prompt field is absent or empty</td></tr>\
             <tr><td>400</td><td><code>missing_image</code></td><td>The image field is absent</td></tr>\
             <tr><td>400</td><td><code>invalid_image_format</code></td><td>The image format is not supported or the file is corrupt</td></tr>\
             <tr><td>400</td><td><code>image_too_large</code></td><td>The image exceeds the 10 MB size limit</td></tr>\
             <tr><td>400</td><td><code>invalid_model</code></td><td>The model value is not a supported edit model ID</td></tr>\
             <tr><td>401</td><td><code>invalid_api_key</code></td><td>The API key is missing, malformed, or revoked</td></tr>\
             <tr><td>402</td><td><code>insufficient_credits</code></td><td>Your account does not have enough credits to complete the request</td></tr>\
             <tr><td>429</td><td><code>rate_limit_exceeded</code></td><td>You have exceeded your plan&rsquo;s daily request quota</td></tr>\
             </table></body></html>"
        )
    };
    for (price, extra) in [
        ("240", None),
        (
            "260",
            Some(
                "differs: https://docs.artnex.app/api/edit-image: POST /v1/edit model `nano-banana-edit`: credits: spec 240, page 260",
            ),
        ),
    ] {
        let dir = scratch(&format!("html-{price}"), |d| {
            std::fs::remove_file(d.join(EDIT)).unwrap();
            std::fs::write(d.join("x9.html"), html(price)).unwrap();
        });
        let report = check_dir(&dir);
        let mut want = lines(EXPECTED);
        want.extend(extra.map(str::to_string));
        assert_eq!(
            report.lines().into_iter().collect::<BTreeSet<_>>(),
            want,
            "{}",
            report.markdown()
        );
        let edit = report
            .pages
            .iter()
            .find(|p| p.page == "https://docs.artnex.app/api/edit-image")
            .unwrap();
        assert_eq!(
            edit.read,
            "operations 1, request fields 2, models 6, errors 8"
        );
    }
}

/// The generate page in the Markdown form a docs site serves as `PAGE.md` (front matter, MDX field
/// components, Markdown tables with code spans, fenced examples): written for this test from the
/// facts of the saved page.
const GENERATE_MD: &str = r#"---
title: "POST /v1/generate — Generate Images via API"
description: "Generate images from text prompts using a range of AI models."
---

## Endpoint

```
POST https://api.artnex.ai/v1/generate
```

## Request parameters

<ParamField body="prompt" type="string" required>
  The text description of the image you want to generate. Maximum 4,000 characters.
</ParamField>

<ParamField body="model" type="string" required>
  The AI model to use for generation.
</ParamField>

<ParamField body="width" type="integer">
  Image width in pixels. Defaults to 1024 for most models.
</ParamField>

<ParamField body="height" type="integer">
  Image height in pixels. Defaults to 1024 for most models.
</ParamField>

<ParamField body="num_images" type="integer" default="1">
  Number of images to generate in a single request. Accepted range: 1–4.
</ParamField>

## Response fields

<ResponseField name="success" type="boolean" required>
  `true` when the request completed successfully.
</ResponseField>

<ResponseField name="images" type="array">
  Array of generated image objects.
</ResponseField>

<ResponseField name="request_id" type="string">
  Unique identifier for this request.
</ResponseField>

<ResponseField name="credits_used" type="integer">
  Total credits deducted from your account balance for this request.
</ResponseField>

## Models

| Model ID | Credits per image | Description |
| --- | --- | --- |
| `z-image-turbo` | 100 | Fast, affordable generation for prototyping |
| `artsyn-light` | 240 | Balanced quality and speed |
| `flux-2-pro` | PRICE | High-quality professional output |
| `seedream-v4` | 200 | Bytedance Seedream v4 |
| `seedream-v4.5` | 800 | Higher-fidelity Seedream output |
| `nano-banana-pro` | 800 | Premium generation with fine detail |
| `nano-banana-pro-ultra` | 1,000 | Ultra-high-resolution (up to 8K) output |
| `gpt-image-2` | Varies | OpenAI GPT-Image-2; credits vary by resolution and quality |

`gpt-image-2` uses dynamic pricing based on resolution (1k, 2k, 4k) and quality (low, medium, high).

## Example requests

```bash
curl --request POST \
  --url https://api.artnex.ai/v1/generate \
  --header "Authorization: Bearer YOUR_API_KEY" \
  --data '{
    "prompt": "A serene mountain landscape at sunset, photorealistic, golden hour lighting",
    "model": "flux-2-pro",
    "width": 1024,
    "height": 1024,
    "num_images": 1
  }'
```

## Example response

```json
{
  "success": true,
  "images": [
    {
      "url": "https://cdn.artnex.ai/gen/req_abc123xyz/image_0.jpg"
    }
  ],
  "request_id": "req_abc123xyz",
  "credits_used": 250
}
```

## Error codes

| HTTP status | Error code | Cause |
| --- | --- | --- |
| 400 | `missing_prompt` | The prompt field is absent or empty |
| 400 | `invalid_model` | The model value is not a supported model ID |
| 400 | `invalid_dimensions` | width or height is outside the allowed range for the selected model |
| 401 | `invalid_api_key` | The API key is missing, malformed, or revoked |
| 402 | `insufficient_credits` | Your account does not have enough credits to complete the request |
| 429 | `rate_limit_exceeded` | You have exceeded your plan's daily request quota |
"#;

#[test]
fn the_markdown_form_reads_like_the_saved_rendering() {
    for (price, extra) in [
        ("250", None),
        (
            "275",
            Some(
                "differs: https://docs.artnex.app/api/generate-image: POST /v1/generate model `flux-2-pro`: credits: spec 250, page 275",
            ),
        ),
    ] {
        let dir = scratch(&format!("md-{price}"), |d| {
            std::fs::remove_file(d.join(GENERATE)).unwrap();
            std::fs::write(
                d.join("generate-image.md"),
                GENERATE_MD.replace("PRICE", price),
            )
            .unwrap();
        });
        let report = check_dir(&dir);
        let mut want = lines(EXPECTED);
        want.extend(extra.map(str::to_string));
        assert_eq!(
            report.lines().into_iter().collect::<BTreeSet<_>>(),
            want,
            "{}",
            report.markdown()
        );
        let page = report
            .pages
            .iter()
            .find(|p| p.page == "https://docs.artnex.app/api/generate-image")
            .unwrap();
        assert_eq!(
            page.read,
            "operations 1, request fields 7, response fields 4, models 8, errors 6, example requests 1, example responses 1"
        );
    }
}

fn xtask(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("docs-check")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exit_status_json_and_usage() {
    let dir = pages_dir();
    let dir = dir.to_str().unwrap();
    // No drift: the saved pages agree with the spec, exit 0.
    let (code, out, _) = xtask(&["--from", dir]);
    assert_eq!(code, 0, "the saved pages agree with the spec: {out}");
    assert!(
        out.contains("0 finding(s)") && out.contains("No drift"),
        "{out}"
    );
    // Drift (a page with a changed quota): exit 1, or 0 with --allow-drift; the JSON names it.
    let drifted = scratch("drifted", |d| {
        replace_in(
            d,
            OVERVIEW,
            "| Enterprise | Custom |",
            "| Enterprise | 50,000 |",
        )
    });
    let drifted = drifted.to_str().unwrap();
    let (code, out, _) = xtask(&["--from", drifted]);
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = xtask(&["--from", drifted, "--allow-drift"]);
    assert_eq!(code, 0);
    assert!(out.contains("(--allow-drift: reported only)"), "{out}");
    let (code, out, _) = xtask(&["--from", drifted, "--json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["drift"], EXPECTED.len() + 1);
    assert_eq!(doc["findings"][0]["kind"], "differs");
    assert_eq!(doc["findings"][0]["subject"], "plan `Enterprise`");

    for (args, message) in [
        (vec![], "docs-check needs a source"),
        (vec!["--from", dir, "--fetch"], "not both"),
        (vec!["--from"], "`--from` needs a value"),
        (
            vec!["--from", dir, "--cache", "x"],
            "--base and --cache go with --fetch",
        ),
        (vec!["--frm", dir], "unknown argument `--frm`"),
    ] {
        let (code, _, err) = xtask(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(
            err.contains("cargo xtask docs-check (--from DIR | --fetch"),
            "{err}"
        );
    }
    // One file is a source too (the drifted overview alone: its one finding).
    let one = Path::new(drifted).join(OVERVIEW);
    let (_, out, _) = xtask(&["--from", one.to_str().unwrap(), "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["drift"], 1, "{out}");
    let (code, out, _) = xtask(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--allow-drift"));
    let (code, _, err) = xtask(&["--from", "/nonexistent/docs-pages"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read /nonexistent/docs-pages"), "{err}");
}

/// A tiny HTTP/1.1 server on 127.0.0.1 that serves the saved pages under two mirror roots, the way the
/// docs sites serve them (text form of each page, and llms.txt); 404 for anything else. Stops when
/// the test's process ends.
fn serve_saved_pages() -> String {
    let routes: Vec<(String, &str)> = [
        ("/artnex/llms.txt", ARTNEX_INDEX),
        ("/artnex/api/overview.md", OVERVIEW),
        ("/artnex/api/generate-image.md", GENERATE),
        ("/artnex/api/edit-image.md", EDIT),
        ("/artnex/api/generate-video.md", VIDEO),
        ("/artapi/llms.txt", ARTAPI_INDEX),
        // Listed as .html: the fetcher asks for the .md form first (404 here), then the page.
        ("/artapi/image-generation.html", ARTAPI),
    ]
    .iter()
    .map(|(p, f)| (p.to_string(), *f))
    .collect();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Read the headers to the blank line.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let body = routes
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, f)| std::fs::read(pages_dir().join(f)).unwrap());
            let (status, body) = match body {
                Some(b) => ("200 OK", b),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

#[test]
fn fetch_from_a_local_mirror_gives_the_same_report_as_from() {
    let server = serve_saved_pages();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-check-cache");
    let _ = std::fs::remove_dir_all(&cache);
    let (code, fetched, err) = xtask(&[
        "--fetch",
        "--base",
        &format!("{server}/artnex"),
        "--base",
        &format!("{server}/artapi"),
        "--cache",
        cache.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let dir = pages_dir();
    let (_, from, _) = xtask(&["--from", dir.to_str().unwrap(), "--json"]);
    let fetched: serde_json::Value = serde_json::from_str(&fetched).unwrap();
    let from: serde_json::Value = serde_json::from_str(&from).unwrap();
    assert_eq!(fetched, from);
    assert_eq!(fetched["drift"], EXPECTED.len());
    // The cache holds every page and index, and reads back to the same report.
    let mut cached: Vec<String> = Vec::new();
    fn walk(d: &Path, root: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    walk(&cache, &cache, &mut cached);
    cached.sort();
    assert_eq!(
        cached,
        [
            "docs.artapi.ai/image-generation.html",
            "docs.artapi.ai/llms.txt",
            "docs.artnex.app/api/edit-image.md",
            "docs.artnex.app/api/generate-image.md",
            "docs.artnex.app/api/generate-video.md",
            "docs.artnex.app/api/overview.md",
            "docs.artnex.app/llms.txt",
        ]
    );
    let (_, again, _) = xtask(&["--from", cache.to_str().unwrap(), "--json"]);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again, from);
}

#[test]
fn fetch_reports_an_unreachable_site_or_a_missing_index_clearly() {
    // A port nothing listens on (bound, then released).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-check-cache-unreachable");
    let (code, _, err) = xtask(&[
        "--fetch",
        "--base",
        &format!("http://127.0.0.1:{port}"),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("cannot fetch http://127.0.0.1:{port}/llms.txt")),
        "{err}"
    );
    // A site without an index, none of whose pages the specs cite: nothing to read, said so.
    let server = serve_saved_pages();
    let (code, _, err) = xtask(&[
        "--fetch",
        "--base",
        &format!("{server}/nothing"),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let host = server.trim_start_matches("http://");
    assert!(
        err.contains(&format!(
            "no index at {server}/nothing/llms.txt (HTTP 404), and the specs cite no page on {host}"
        )),
        "{err}"
    );
}
