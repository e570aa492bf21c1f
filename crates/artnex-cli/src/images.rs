//! `artnex images`: image generation through an OpenAI-compatible images API (ArtAPI by default).

use crate::cli::ImagesArgs;
use crate::exec::{Failure, UsageError};
use crate::out::outln;
use crate::settings::Settings;
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

fn request(
    client: &ImagesClient,
    a: &ImagesArgs,
    model: &str,
    prompt: &str,
) -> Result<ImageRequest, Failure> {
    let mut r = client.generate(prompt).model(model);
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

/// The model when neither `-m` nor the config file names one.
pub const DEFAULT_MODEL: &str = "flux-dev";

/// Runs `artnex images`.
pub async fn run(s: &Settings, a: &ImagesArgs) -> Result<ExitCode, Failure> {
    if let Some(flag) = s.artnex_server_flag() {
        let instead = match flag {
            "--base-url" => ": pass --artapi-base-url URL (including /v1), or set ARTAPI_BASE_URL",
            _ => " (it has no video jobs)",
        };
        return Err(UsageError(format!(
            "`images` talks to an OpenAI-compatible images API, not to Artnex, so {flag} does not apply{instead}"
        ))
        .into());
    }
    let config = &s.config.config;
    let key = match &a.artapi_key_file {
        Some(path) => Some(crate::settings::key_from_file(path)?),
        None => match &a.artapi_key {
            Some(k) => Some(k.clone()),
            None => s.config.key(&config.artapi_key, "artapi_key")?,
        },
    };
    let base_url = a
        .artapi_base_url
        .clone()
        .or_else(|| config.artapi_base_url.clone());
    let model = a
        .model
        .clone()
        .or_else(|| config.models.images.clone())
        .unwrap_or_else(|| DEFAULT_MODEL.to_string());
    let prompt = s.text(&a.prompt)?;
    // The embedded simulator serves the OpenAI images dialect too, with its own key.
    let mock = if s.mock {
        Some(
            artnex_mock::MockServer::start()
                .await
                .map_err(|e| UsageError(format!("cannot start the simulator: {e}")))?,
        )
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
            let key = key
                .clone()
                .ok_or(Failure::Sdk(artnex::Error::MissingApiKey {
                    var: "ARTAPI_KEY",
                }))?;
            builder = builder.api_key(key);
            if let Some(url) = &base_url {
                builder = builder.base_url(url.clone());
            }
        }
    }
    let client = if s.dry_run && mock.is_none() && key.is_none() {
        // Validation needs no key.
        ImagesClient::builder()
            .api_key("offline-validation")
            .base_url("http://127.0.0.1:9/v1")
            .build()?
    } else {
        builder.build()?
    };
    let req = request(&client, a, &model, &prompt)?;
    if s.dry_run {
        // The exact body that would be sent.
        let body: serde_json::Value = serde_json::from_str(&req.to_json()?).unwrap_or_default();
        if s.json {
            outln!(
                "{}",
                json!({"ok": true, "op": "images", "model": model, "valid": true, "estimate": null, "estimate_reason": "unknown", "sent": false, "body": body})
            );
        } else {
            outln!(
                "images · {model}: valid (the provider does not publish prices; nothing sent)\n  body: {body}"
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let out_dir = crate::out_dir(s)?;
    crate::logging::sending(
        "POST",
        &format!(
            "{}/images/generations",
            base_url
                .as_deref()
                .filter(|_| mock.is_none())
                .unwrap_or("(the images API)")
                .trim_end_matches('/')
        ),
    );
    let response = req.send().await?;
    let media: Vec<_> = response.data.iter().map(|d| d.image.clone()).collect();
    // The provider's request id when it sends one; never the `created` second (two runs in one second
    // would share it).
    let saved = crate::save_or_report(
        &media,
        &out_dir,
        "images",
        response.request_id.as_deref(),
        None,
    )
    .await?;
    if s.json {
        outln!(
            "{}",
            json!({
                "ok": true,
                "op": "images",
                "model": model,
                "created": response.created,
                "request_id": response.request_id,
                "files": saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "urls": response.data.iter().map(|d| d.image.url().map(str::to_string)).collect::<Vec<_>>(),
                "revised_prompts": response.data.iter().map(|d| d.revised_prompt.clone()).collect::<Vec<_>>(),
            })
        );
    } else {
        outln!("images · {model} · {} image(s)", saved.len());
        for (p, d) in saved.iter().zip(&response.data) {
            let source = if d.image.url().is_some() {
                "url"
            } else {
                "b64_json"
            };
            outln!("  {} ({source})", p.display());
            if let Some(rp) = &d.revised_prompt {
                outln!("    revised prompt: {rp}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
