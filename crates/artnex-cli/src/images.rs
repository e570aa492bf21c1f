//! `artnex images`: image generation through an OpenAI-compatible images API (ArtAPI by default).

use crate::cli::{Global, ImagesArgs};
use crate::exec::{Failure, UsageError};
use crate::files;
use artnex::openai::{ImageRequest, ImagesClient, Quality, ResponseFormat, Style};
use serde_json::json;
use std::process::ExitCode;
use std::str::FromStr;

fn parse<T: FromStr<Err = artnex::catalogue::InvalidValue>>(
    value: &Option<String>,
) -> Result<Option<T>, Failure> {
    value
        .as_deref()
        .map(T::from_str)
        .transpose()
        .map_err(|e| Failure::Usage(UsageError(e.to_string())))
}

fn request(client: &ImagesClient, a: &ImagesArgs) -> Result<ImageRequest, Failure> {
    let mut r = client.generate(a.prompt.as_str()).model(a.model.as_str());
    if let Some(n) = a.n {
        r = r.n(n);
    }
    if let Some((w, h)) = a.size {
        r = r.size(w, h);
    }
    if let Some(q) = parse::<Quality>(&a.quality)? {
        r = r.quality(q);
    }
    if let Some(f) = parse::<ResponseFormat>(&a.response_format)? {
        r = r.response_format(f);
    }
    if let Some(s) = parse::<Style>(&a.style)? {
        r = r.style(s);
    }
    r.validate()?;
    Ok(r)
}

/// Runs `artnex images`.
pub async fn run(g: &Global, a: &ImagesArgs) -> Result<ExitCode, Failure> {
    // The embedded simulator serves the OpenAI images dialect too, with its own key.
    let mock =
        if g.mock {
            Some(artnex_mock::MockServer::start().await.map_err(|e| {
                Failure::Usage(UsageError(format!("cannot start the simulator: {e}")))
            })?)
        } else {
            None
        };
    // The files are on storage before the command reports them saved.
    let mut builder = ImagesClient::builder().durable_downloads(true);
    match &mock {
        Some(m) => {
            builder = builder
                .api_key(artnex_mock::DEFAULT_ARTAPI_KEY)
                .base_url(m.artapi_base_url())
        }
        None => {
            let key = a
                .artapi_key
                .clone()
                .ok_or(Failure::Sdk(artnex::Error::MissingApiKey {
                    var: "ARTAPI_KEY",
                }))?;
            builder = builder.api_key(key);
            if let Some(url) = &a.artapi_base_url {
                builder = builder.base_url(url.clone());
            }
        }
    }
    let client = if g.dry_run && mock.is_none() && a.artapi_key.is_none() {
        // Validation needs no key.
        ImagesClient::builder()
            .api_key("offline-validation")
            .base_url("http://127.0.0.1:9/v1")
            .build()?
    } else {
        builder.build()?
    };
    let req = request(&client, a)?;
    if g.dry_run {
        // The exact body that would be sent.
        let body: serde_json::Value = serde_json::from_str(&req.to_json()?).unwrap_or_default();
        if g.json {
            println!(
                "{}",
                json!({"ok": true, "op": "images", "model": a.model, "valid": true, "estimate": null, "sent": false, "body": body})
            );
        } else {
            println!(
                "images · {}: valid (the provider does not publish prices; nothing sent)\n  body: {body}",
                a.model
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let out_dir = files::ensure_dir(&g.out).map_err(|e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(g.out.clone()),
            source: e,
        })
    })?;
    let response = req.send().await?;
    let id = response
        .request_id
        .clone()
        .or_else(|| response.created.map(|c| c.to_string()));
    let mut saved = Vec::new();
    for (i, image) in response.data.iter().enumerate() {
        let index = (response.data.len() > 1).then_some(i);
        let d = image
            .image
            .save_to_dir(
                &out_dir,
                &files::result_stem("images", id.as_deref(), index),
            )
            .await?;
        if !files::is_inside(&out_dir, &d.path) {
            return Err(Failure::Usage(UsageError(format!(
                "refusing a result path outside {}",
                out_dir.display()
            ))));
        }
        saved.push(d.path);
    }
    if g.json {
        println!(
            "{}",
            json!({
                "ok": true,
                "op": "images",
                "model": a.model,
                "created": response.created,
                "request_id": response.request_id,
                "files": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "urls": response.data.iter().map(|d| d.image.url().map(str::to_string)).collect::<Vec<_>>(),
                "revised_prompts": response.data.iter().map(|d| d.revised_prompt.clone()).collect::<Vec<_>>(),
            })
        );
    } else {
        println!("images · {} · {} image(s)", a.model, saved.len());
        for (p, d) in saved.iter().zip(&response.data) {
            let source = if d.image.url().is_some() {
                "url"
            } else {
                "b64_json"
            };
            println!("  {} ({source})", p.display());
            if let Some(rp) = &d.revised_prompt {
                println!("    revised prompt: {rp}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
