//! The config file: defaults that flags and environment variables override.
//!
//! Where it lives, its keys and an example are in the CLI README ("The config file"); a test parses that
//! example. `artnex config path` prints where it is, `artnex config show` what is in effect and where
//! each value comes from.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::exec::UsageError;

/// The environment variable that names the config file instead of the platform's default place.
pub const CONFIG_ENV: &str = "ARTNEX_CONFIG";

/// Default models per operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Models {
    /// `generate` (and batch `generate` lines without a model).
    pub generate: Option<String>,
    /// `edit`.
    pub edit: Option<String>,
    /// `video` without a start image.
    pub video: Option<String>,
    /// `video` with a start image.
    pub video_from_image: Option<String>,
    /// `tts`.
    pub tts: Option<String>,
    /// `images` (the OpenAI-compatible images API).
    pub images: Option<String>,
}

/// What the config file says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Output directory.
    pub out: Option<PathBuf>,
    /// Artnex API base URL.
    pub base_url: Option<String>,
    /// The Artnex video status path, with `{request_id}` (like `--video-status-path`).
    pub video_status_path: Option<String>,
    /// OpenAI-compatible images API base URL (including `/v1`).
    pub artapi_base_url: Option<String>,
    /// Artnex API key (only read from a file of mode 0600).
    pub api_key: Option<String>,
    /// OpenAI-compatible images API key (only read from a file of mode 0600).
    pub artapi_key: Option<String>,
    /// Default models.
    #[serde(default)]
    pub models: Models,
    /// Prices, keyed like `--price`: `MODEL` or `MODEL:RESOLUTION:QUALITY`.
    #[serde(default)]
    pub prices: BTreeMap<String, u64>,
    /// Known voice ids per TTS model.
    #[serde(default)]
    pub voices: BTreeMap<String, Vec<String>>,
}

/// The config file's path: `ARTNEX_CONFIG`, else `config.toml` in the platform's config directory
/// (`None` when there is no home directory to find it from).
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "artnex").map(|d| d.config_dir().join("config.toml"))
}

/// A loaded config file (empty when there is none).
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Where it was read from, when a file exists.
    pub path: Option<PathBuf>,
    /// Its settings.
    pub config: Config,
    /// Whether its mode lets only its owner read it (always true off Unix).
    pub private: bool,
}

impl Loaded {
    /// Reads the config file, if there is one. A file that cannot be read or parsed is a usage error
    /// that names it.
    pub fn load() -> Result<Loaded, UsageError> {
        match path() {
            Some(p) if p.exists() => Loaded::read(&p),
            _ => Ok(Loaded::default()),
        }
    }

    fn read(path: &Path) -> Result<Loaded, UsageError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!(
                "cannot read the config file {}: {e} (fix it, or point {CONFIG_ENV} at another file)",
                path.display()
            ))
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            UsageError(format!(
                "the config file {} is not valid: {} (see `artnex config --help` for its keys)",
                path.display(),
                e.message()
            ))
        })?;
        Ok(Loaded {
            path: Some(path.to_path_buf()),
            config,
            private: is_private(path),
        })
    }

    /// A key stored in the file, refused when the file can be read by other users.
    pub fn key(&self, value: &Option<String>, name: &str) -> Result<Option<String>, UsageError> {
        let (Some(key), Some(path)) = (value, &self.path) else {
            return Ok(None);
        };
        if !self.private {
            return Err(UsageError(format!(
                "the config file {} holds `{name}` but other users can read it: run `chmod 600 {}`, or remove the key from it and use the environment instead",
                path.display(),
                path.display()
            )));
        }
        Ok(Some(key.clone()))
    }
}

#[cfg(unix)]
fn is_private(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn is_private(_: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses_and_typos_are_refused() {
        let doc = include_str!("../README.md")
            .split("## The config file")
            .nth(1)
            .and_then(|rest| rest.split("```toml\n").nth(1))
            .and_then(|rest| rest.split("```").next())
            .unwrap();
        let config: Config = toml::from_str(doc).unwrap();
        assert_eq!(config.models.generate.as_deref(), Some("flux-2-pro"));
        assert_eq!(config.prices.get("gpt-image-2:2k:high"), Some(&170));
        assert_eq!(config.voices["tts-elevenlabs"], ["rachel", "adam"]);
        assert_eq!(
            config.video_status_path.as_deref(),
            Some(artnex::client::DEFAULT_VIDEO_STATUS_PATH)
        );
        assert!(toml::from_str::<Config>("base_ulr = \"x\"").is_err());
        assert!(toml::from_str::<Config>("[models]\ngenrate = \"x\"").is_err());
    }
}
