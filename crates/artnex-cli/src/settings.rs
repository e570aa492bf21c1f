//! The settings a command runs with: its flags, over the environment, over the config file (see
//! [`crate::config`]), over the built-in defaults. Resolved once, before anything is sent.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use artnex::catalogue::{Quality, Resolution};
use artnex::{Model, PriceTable};
use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::Global;
use crate::config::Loaded;
use crate::exec::{Failure, UsageError};
use crate::out::errln;
use crate::request::{Request, RequestExt};

/// Where a setting came from.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sources {
    /// Of the output directory.
    pub out: &'static str,
    /// Of the base URL.
    pub base_url: &'static str,
    /// Of the API key.
    pub api_key: &'static str,
    /// Of the video status path.
    pub video_status_path: &'static str,
}

/// Everything a command needs to know besides its own arguments.
#[derive(Debug, Default)]
pub struct Settings {
    /// `--json`.
    pub json: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--mock`.
    pub mock: bool,
    /// `-v` count.
    pub verbose: u8,
    /// `--allow-unknown-model`.
    pub allow_unknown_model: bool,
    /// The output directory.
    pub out: PathBuf,
    /// The Artnex base URL, when not the SDK's default.
    pub base_url: Option<String>,
    /// Whether `--base-url` was given on the command line (not through the environment or the config).
    pub base_url_on_command_line: bool,
    /// The video status path template (`{request_id}` where the job id goes), when not the SDK's
    /// default; the SDK checks it when the client is built (see [`Settings::client_error`]).
    pub video_status_path: Option<String>,
    /// Whether `--video-status-path` was given on the command line.
    pub video_status_path_on_command_line: bool,
    /// The Artnex API key, when one was given.
    pub api_key: Option<String>,
    /// The price table from `--price` and the config file, when either gives one.
    pub prices: Option<PriceTable>,
    /// The `--price` flags as given.
    price_flags: Vec<String>,
    /// The config file.
    pub config: Loaded,
    /// Where `out`, `base_url` and `api_key` came from, for `artnex config show`.
    pub sources: Sources,
    /// What has read stdin already (only one thing can).
    stdin: Mutex<Option<&'static str>>,
}

impl Settings {
    /// Resolves the settings from the flags (`matches` tells flags from environment variables) and the
    /// config file.
    pub fn resolve(g: &Global, matches: &ArgMatches) -> Result<Settings, UsageError> {
        let config = Loaded::load()?;
        let on_command_line = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        let mut s = Settings {
            json: g.json,
            dry_run: g.dry_run,
            mock: g.mock,
            verbose: g.verbose,
            allow_unknown_model: g.allow_unknown_model,
            out: g
                .out
                .clone()
                .or_else(|| config.config.out.clone())
                .unwrap_or_else(|| PathBuf::from(".")),
            base_url: g
                .base_url
                .clone()
                .or_else(|| config.config.base_url.clone()),
            base_url_on_command_line: on_command_line("base_url"),
            video_status_path: g
                .video_status_path
                .clone()
                .or_else(|| config.config.video_status_path.clone()),
            video_status_path_on_command_line: on_command_line("video_status_path"),
            api_key: None,
            prices: None,
            price_flags: g.prices.clone(),
            sources: Sources::default(),
            config,
            stdin: Mutex::new(None),
        };
        let from = |flag: &'static str, env: &'static str, in_config: bool, value: bool| match () {
            _ if !value => "not set",
            _ if on_command_line(flag) => "command line",
            _ if matches.value_source(flag) == Some(ValueSource::EnvVariable) => env,
            _ if in_config => "config file",
            _ => "default",
        };
        s.sources = Sources {
            out: from("out", "-", s.config.config.out.is_some(), true),
            base_url: from(
                "base_url",
                "ARTNEX_BASE_URL",
                s.config.config.base_url.is_some(),
                s.base_url.is_some(),
            ),
            api_key: "not set",
            video_status_path: from(
                "video_status_path",
                "ARTNEX_VIDEO_STATUS_PATH",
                s.config.config.video_status_path.is_some(),
                s.video_status_path.is_some(),
            ),
        };
        if s.mock
            && let Some(flag) = s.artnex_server_flag()
        {
            return Err(UsageError(format!(
                "--mock and {flag} do not go together: --mock runs the command on the embedded simulator, {flag} is for a server; drop one of them"
            )));
        }
        if s.mock && !s.json {
            for (what, set) in [
                ("base URL", s.base_url.is_some()),
                ("video status path", s.video_status_path.is_some()),
            ] {
                if set {
                    errln!(
                        "note: --mock runs on the embedded simulator; the {what} from the environment or the config file is not used"
                    );
                }
            }
        }
        s.prices = price_table(&s.config, &g.prices)?;
        s.api_key = s.resolve_key(g, on_command_line("api_key"))?;
        s.sources.api_key = match () {
            _ if s.api_key.is_none() => "not set",
            _ if g.api_key_file.is_some() => "--api-key-file",
            _ if g.api_key_stdin || g.api_key.as_deref() == Some("-") => "stdin",
            _ if on_command_line("api_key") => "command line",
            _ if matches.value_source("api_key") == Some(ValueSource::EnvVariable) => {
                "ARTNEX_API_KEY"
            }
            _ => "config file",
        };
        Ok(s)
    }

    /// The Artnex key: `--api-key-file`, `--api-key-stdin` (or `--api-key -`), `--api-key`, then
    /// `ARTNEX_API_KEY`, then the config file.
    fn resolve_key(&self, g: &Global, key_flag: bool) -> Result<Option<String>, UsageError> {
        let from_stdin = g.api_key_stdin || (key_flag && g.api_key.as_deref() == Some("-"));
        if key_flag && (g.api_key_file.is_some() || g.api_key_stdin) {
            return Err(UsageError(
                "give the API key one way: --api-key, --api-key-file or --api-key-stdin".into(),
            ));
        }
        if let Some(path) = &g.api_key_file {
            return read_key_file(path).map(Some);
        }
        if from_stdin {
            self.take_stdin("the API key")?;
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| UsageError(format!("cannot read the API key from stdin: {e}")))?;
            return non_empty_key(line, "stdin").map(Some);
        }
        match &g.api_key {
            Some(k) => Ok(Some(k.clone())),
            None => self.config.key(&self.config.config.api_key, "api_key"),
        }
    }

    /// The flag given on the command line that names something of an Artnex server (`--base-url`,
    /// `--video-status-path`), for the commands that talk to no Artnex server and refuse it.
    pub fn artnex_server_flag(&self) -> Option<&'static str> {
        match () {
            _ if self.base_url_on_command_line => Some("--base-url"),
            _ if self.video_status_path_on_command_line => Some("--video-status-path"),
            _ => None,
        }
    }

    /// A client build error in CLI terms: a video status path the SDK refuses (its rule: the client
    /// builder checks it) is a usage error that names where the template came from.
    pub fn client_error(&self, e: artnex::Error) -> Failure {
        use artnex_transport::ConfigError;
        let (Some(template), artnex::Error::Config(ConfigError::InvalidBaseUrl { url, reason })) =
            (&self.video_status_path, &e)
        else {
            return e.into();
        };
        if url != template {
            return e.into();
        }
        let from = match (self.sources.video_status_path, &self.config.path) {
            ("config file", Some(p)) => {
                format!("`video_status_path` in the config file {}", p.display())
            }
            ("ARTNEX_VIDEO_STATUS_PATH", _) => "ARTNEX_VIDEO_STATUS_PATH".into(),
            _ => "--video-status-path".into(),
        };
        UsageError(format!(
            "invalid video status path `{template}` (from {from}): {reason}, for example `/v1/video/status/{{request_id}}` or `/v1/video?request_id={{request_id}}`"
        ))
        .into()
    }

    /// Marks stdin as read by `what`; refuses a second reader.
    fn take_stdin(&self, what: &'static str) -> Result<(), UsageError> {
        let mut taken = self
            .stdin
            .lock()
            .map_err(|_| UsageError("internal error: stdin lock".into()))?;
        if let Some(first) = *taken {
            return Err(UsageError(format!(
                "{first} and {what} cannot both come from stdin: give one of them another way"
            )));
        }
        *taken = Some(what);
        Ok(())
    }

    /// A prompt or text argument: `-` reads all of stdin (without its final newline).
    pub fn text(&self, arg: &str) -> Result<String, UsageError> {
        if arg != "-" {
            return Ok(arg.to_string());
        }
        self.take_stdin("the prompt")?;
        let text = std::io::read_to_string(std::io::stdin())
            .map_err(|e| UsageError(format!("cannot read the prompt from stdin: {e}")))?;
        Ok(text.trim_end_matches(['\n', '\r']).to_string())
    }

    /// The request with the default model filled in when it names none.
    pub fn with_defaults(&self, r: Request) -> Request {
        r.with_defaults(&self.config.config.models)
    }

    /// The `--price` flags as given.
    pub fn price_flags(&self) -> &[String] {
        &self.price_flags
    }

    /// The price table, if any.
    pub fn price_table(&self) -> Option<&PriceTable> {
        self.prices.as_ref()
    }

    /// Whether the price table prices this model (which then counts as known).
    pub fn prices_model(&self, model: &Model) -> bool {
        let Some(table) = &self.prices else {
            return false;
        };
        table.model_price(model).is_some()
            || Resolution::ALL.iter().any(|r| {
                Quality::ALL
                    .iter()
                    .any(|q| table.tier_price(model, *r, *q).is_some())
            })
    }

    /// The voice ids known for a TTS model: the config file's `[voices]`, or under `--mock` the
    /// simulator's. `None` when no list is known (the voice is then sent as given).
    pub fn known_voices(&self, model: &str) -> Option<Vec<String>> {
        if let Some(v) = self.config.config.voices.get(model) {
            return Some(v.clone());
        }
        if self.mock {
            return artnex_mock::voices(model).map(|v| v.iter().map(|s| s.to_string()).collect());
        }
        None
    }

    /// The settings of the demo's own client: the embedded simulator, nothing from the config file.
    pub fn demo(json: bool) -> Settings {
        Settings {
            json,
            mock: true,
            out: PathBuf::from("."),
            ..Settings::default()
        }
    }

    /// Settings for unit tests: no config file, no flags.
    #[cfg(test)]
    pub fn for_tests() -> Settings {
        Settings {
            out: PathBuf::from("."),
            ..Settings::default()
        }
    }
}

fn non_empty_key(text: String, from: &str) -> Result<String, UsageError> {
    let key = text.lines().next().unwrap_or_default().trim().to_string();
    if key.is_empty() {
        return Err(UsageError(format!("no API key in {from}: it is empty")));
    }
    Ok(key)
}

fn read_key_file(path: &Path) -> Result<String, UsageError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError(format!(
            "cannot read the API key file {}: {e}",
            path.display()
        ))
    })?;
    non_empty_key(text, &path.display().to_string())
}

/// Reads a key file for another service's flag (`--artapi-key-file`).
pub fn key_from_file(path: &Path) -> Result<String, UsageError> {
    read_key_file(path)
}

/// Parses one price: `MODEL=CREDITS` or `MODEL:RESOLUTION:QUALITY=CREDITS`.
pub fn parse_price(spec: &str, table: PriceTable) -> Result<PriceTable, UsageError> {
    let bad = |why: String| {
        UsageError(format!(
            "invalid price `{spec}`: {why}; write MODEL=CREDITS or MODEL:RESOLUTION:QUALITY=CREDITS (resolution {}, quality {}), for example gpt-image-2:2k:high=170",
            Resolution::VALUES.join("/"),
            Quality::VALUES.join("/"),
        ))
    };
    let (what, credits) = spec.rsplit_once('=').ok_or_else(|| bad("no `=`".into()))?;
    let credits: u64 = credits.trim().parse().map_err(|_| {
        bad(format!(
            "`{}` is not a whole number of credits",
            credits.trim()
        ))
    })?;
    let parts: Vec<&str> = what.trim().split(':').collect();
    match parts.as_slice() {
        [model] if !model.is_empty() => Ok(table.model(Model::from_id(model), credits)),
        [model, resolution, quality] if !model.is_empty() => {
            let r: Resolution = resolution
                .parse()
                .map_err(|_| bad(format!("`{resolution}` is not a resolution")))?;
            let q: Quality = quality
                .parse()
                .map_err(|_| bad(format!("`{quality}` is not a quality")))?;
            Ok(table.tier(Model::from_id(model), r, q, credits))
        }
        _ => Err(bad(
            "the model part is not MODEL or MODEL:RESOLUTION:QUALITY".into(),
        )),
    }
}

/// The config file's `[prices]`, then `--price` (later entries win).
fn price_table(config: &Loaded, flags: &[String]) -> Result<Option<PriceTable>, UsageError> {
    let mut table = PriceTable::new();
    let from_config = config.config.prices.iter().map(|(k, v)| format!("{k}={v}"));
    for spec in from_config.chain(flags.iter().cloned()) {
        table = parse_price(&spec, table).map_err(|e| match &config.path {
            Some(p) if !flags.contains(&spec) => {
                UsageError(format!("{} (in the config file {})", e.0, p.display()))
            }
            _ => e,
        })?;
    }
    Ok((!table.is_empty()).then_some(table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_and_bad_ones_say_the_form() {
        let t = parse_price("gpt-image-2:2k:high=170", PriceTable::new()).unwrap();
        assert_eq!(
            t.tier_price(&Model::GptImage2, Resolution::TwoK, Quality::High),
            Some(170)
        );
        let t = parse_price("brand-new=300", t).unwrap();
        assert_eq!(t.model_price(&Model::from_id("brand-new")), Some(300));
        for bad in ["x", "gpt-image-2:8k:high=1", "m=lots", "a:b=1", "=5"] {
            let e = parse_price(bad, PriceTable::new()).unwrap_err();
            assert!(e.0.contains("MODEL=CREDITS"), "{bad}: {e}");
        }
    }

    #[test]
    fn stdin_has_one_reader() {
        let s = Settings::for_tests();
        s.take_stdin("the API key").unwrap();
        let e = s.take_stdin("the prompt").unwrap_err();
        assert!(e.0.contains("cannot both come from stdin"), "{e}");
        assert_eq!(s.text("plain").unwrap(), "plain");
    }
}
