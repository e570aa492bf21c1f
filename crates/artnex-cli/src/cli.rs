//! Command-line syntax (clap). Every operation's flags turn into a [`Request`] (see [`crate::settings`]
//! for the defaults that fill in what the flags leave out).
//!
//! Flag names follow one rule: a flag is the API's field name with `-` for `_` (`--num-images`,
//! `--aspect-ratio`, `--voice-id`), as batch lines use the field names themselves (`num_images`,
//! `aspect_ratio`, `voice_id`). `--size WxH` is the one shorthand (for `--width` and `--height`).

use crate::exec::{UsageError, parse};
use crate::request::Request;
use crate::settings::Settings;
use artnex::Model;
use artnex::catalogue::{AspectRatio, Quality, Resolution, VideoMode};
use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// How results are named: the one description, used by `--help` (see [`crate::files::result_stem`]).
macro_rules! naming_rule {
    () => {
        "Results are saved in the output directory as <op>-<request id>[-<n>].<ext>, the extension taken
from the content (-<n> numbers the files of a request with several, from 0). When the server sends
no request id, a local id (local-<time>-<random>) takes its place. An existing file is never
replaced: a name that is taken gets -2, -3, ... before the extension."
    };
}

/// The exit codes, for `--help` (the README has the same table with more words).
macro_rules! exit_codes {
    () => {
        "Exit codes: 0 ok · 1 other errors · 2 usage or validation error (nothing sent) · 3 API or network
error · 4 batch finished with failed, unknown or skipped items · 5 batch journal in use · 6 charged
but the results could not be saved (fetch them with `artnex download`) · 7 video still running
when the wait timed out · 130 interrupted (Ctrl-C or SIGTERM) · 141 output closed (batch, demo)."
    };
}

const AFTER_HELP: &str = concat!(
    "\
Examples:
  artnex demo                                    tour every operation on the embedded simulator
  artnex generate \"a red fox in the snow\" -m flux-2-pro -n 2 --size 1024x768
  artnex generate \"a red fox\" --dry-run          validate and price locally, send nothing
  echo \"a long prompt\" | artnex generate -       the prompt (or tts text) from stdin
  artnex edit \"make it winter\" --image fox.png
  artnex video \"drone over mountains\" -m veo3.1 --duration 8 --no-wait
  artnex status req_abc123 --wait
  artnex models --kind video
  artnex batch jobs.jsonl --concurrency 4 --budget 5000
  artnex --mock generate \"a test image\"          any command against the embedded simulator

Authentication: ARTNEX_API_KEY, or --api-key-file PATH, or --api-key-stdin (--api-key KEY works
but other users can see it in the process list). ARTNEX_BASE_URL (or --base-url) changes the server;
ARTNEX_VIDEO_STATUS_PATH (or --video-status-path) where it answers video status polls, since the
docs do not name that endpoint: `--video-status-path '/v1/video/status/{request_id}'`. Defaults
(models, output directory, prices, base URLs, the status path) can be set in a config file: see
`artnex config --help`. Flags override the environment, which overrides the config file.

",
    naming_rule!(),
    "

",
    exit_codes!()
);

/// Artnex creative AI from the command line: images, edits, video, speech, upscaling, background removal.
#[derive(Debug, Parser)]
#[command(name = "artnex", version, after_help = AFTER_HELP, term_width = 100)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// API key (default: $ARTNEX_API_KEY). Other users can see it in the process list: prefer the
    /// environment, --api-key-file or --api-key-stdin. `-` reads it from stdin. Never printed.
    #[arg(
        long,
        env = "ARTNEX_API_KEY",
        global = true,
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Read the API key from this file (its first line).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "api_key_stdin"
    )]
    pub api_key_file: Option<PathBuf>,
    /// Read the API key from the first line of stdin.
    #[arg(long, global = true)]
    pub api_key_stdin: bool,
    /// API base URL (default: $ARTNEX_BASE_URL, the config file, or https://api.artnex.ai).
    #[arg(
        long,
        env = "ARTNEX_BASE_URL",
        global = true,
        hide_env_values = true,
        value_name = "URL"
    )]
    pub base_url: Option<String>,
    /// Where the API answers video status polls, with {request_id} where the job id goes, e.g.
    /// /v1/video/status/{request_id} or /v1/video?request_id={request_id} (default:
    /// $ARTNEX_VIDEO_STATUS_PATH, the config file, or /v1/video/{request_id}: the docs do not name it).
    #[arg(
        long,
        env = "ARTNEX_VIDEO_STATUS_PATH",
        global = true,
        hide_env_values = true,
        value_name = "TEMPLATE"
    )]
    pub video_status_path: Option<String>,
    /// Run against the embedded simulator (no key, no network, no credits).
    #[arg(long, global = true)]
    pub mock: bool,
    /// Print one JSON document (JSON lines for batch) instead of human output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Directory for downloaded results, created if missing (default: the config file's, or .).
    #[arg(long, short = 'o', global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Validate and print the estimate without sending anything.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Show what is sent, retried and polled on stderr (-vv: every log event; RUST_LOG also works).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Send model ids (and voice ids) that the catalogue does not know, for models newer than this
    /// version.
    #[arg(long, global = true)]
    pub allow_unknown_model: bool,
    /// A price in credits per image, edit, clip or request: MODEL=CREDITS, or
    /// MODEL:RESOLUTION:QUALITY=CREDITS for gpt-image-2's tiers (repeatable; adds to the config file's
    /// [prices]).
    #[arg(
        long = "price",
        global = true,
        value_name = "MODEL[:RES:QUALITY]=CREDITS"
    )]
    pub prices: Vec<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate images from a prompt (POST /v1/generate).
    Generate(GenerateArgs),
    /// Edit an image with instructions (POST /v1/edit).
    Edit(EditArgs),
    /// Generate a video and wait for it (POST /v1/video, then polls its status).
    Video(VideoArgs),
    /// Show (or wait for) a video job by request id.
    Status(StatusArgs),
    /// Turn text into speech (POST /v1/tts).
    Tts(TtsArgs),
    /// Upscale an image (POST /v1/upscale).
    Upscale(UpscaleArgs),
    /// Remove an image's background (POST /v1/remove-bg).
    RemoveBg(RemoveBgArgs),
    /// List the model catalogue with prices.
    Models(ModelsArgs),
    /// Validate a request and print its credit estimate; nothing is sent.
    #[command(
        after_help = "Examples:\n  artnex price generate \"a fox\" -m nano-banana-pro -n 3\n  artnex price video \"clip\" -m sora-2-pro -d 12 --json\n  artnex price generate \"a poster\" -m gpt-image-2 --resolution 2k --quality high --price gpt-image-2:2k:high=170\n\n--dry-run: price never sends anything, so it is always a dry run."
    )]
    Price {
        /// The operation to price (same flags as the command itself).
        #[command(subcommand)]
        op: PriceCommand,
    },
    /// Run a JSON-lines file of requests with bounded concurrency, a budget and a resumable journal.
    Batch(BatchArgs),
    /// Download result URLs again (after a failed save; URLs are kept for 24 hours). Free.
    Download(DownloadArgs),
    /// Tour every operation on the embedded simulator and write a gallery (no key needed).
    Demo(DemoArgs),
    /// Generate images through an OpenAI-compatible images API (ArtAPI by default).
    Images(ImagesArgs),
    /// Show where the config file is and what is in effect.
    #[command(after_help = CONFIG_HELP)]
    Config {
        /// What to show.
        #[command(subcommand)]
        action: ConfigCommand,
    },
    /// Print shell completions.
    #[command(
        after_help = "Examples:\n  artnex completions bash > ~/.local/share/bash-completion/completions/artnex\n  artnex completions zsh > ~/.zfunc/_artnex        with fpath+=(~/.zfunc) before compinit\n  artnex completions fish > ~/.config/fish/completions/artnex.fish\n  artnex completions powershell >> $PROFILE\n\n--dry-run: completions never send anything, so it is always a dry run."
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

const CONFIG_HELP: &str = "\
The config file is TOML, in the platform's config directory (~/.config/artnex/config.toml on Linux),
or wherever ARTNEX_CONFIG points:

  out = \"results\"                        default -o
  base_url = \"https://api.artnex.ai\"     default --base-url
  video_status_path = \"/v1/video/{request_id}\"   default --video-status-path
  artapi_base_url = \"https://app.artapi.ai/v1\"
  api_key = \"...\"                        read only when the file's mode is 0600 (chmod 600)
  artapi_key = \"...\"                     likewise

  [models]                               default model per operation
  generate = \"flux-2-pro\"                also edit, video, video_from_image, tts, images

  [prices]                               like --price
  \"gpt-image-2:2k:high\" = 170

  [voices]                               voice ids that --voice-id (and batch voice_id) are checked against
  tts-elevenlabs = [\"rachel\", \"adam\"]

Flags override the environment (ARTNEX_API_KEY, ARTNEX_BASE_URL, ARTNEX_VIDEO_STATUS_PATH,
ARTAPI_KEY, ARTAPI_BASE_URL), which overrides the config file. Unknown keys are refused.";

/// `artnex config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's path (whether or not it exists).
    Path,
    /// Print the settings in effect and where each comes from (keys are never printed).
    Show,
}

/// `artnex price <op>`.
#[derive(Debug, Subcommand)]
pub enum PriceCommand {
    /// Price a generate request.
    Generate(GenerateArgs),
    /// Price an edit request.
    Edit(EditArgs),
    /// Price a video request.
    Video(VideoArgs),
    /// Price a TTS request.
    Tts(TtsArgs),
    /// Price an upscale request.
    Upscale(UpscaleArgs),
    /// Price a background removal.
    RemoveBg(RemoveBgArgs),
}

impl PriceCommand {
    /// The request to price.
    pub fn request(&self, s: &Settings) -> Result<Request, UsageError> {
        match self {
            PriceCommand::Generate(a) => a.request(s),
            PriceCommand::Edit(a) => a.request(s),
            PriceCommand::Video(a) => a.request(s),
            PriceCommand::Tts(a) => a.request(s),
            PriceCommand::Upscale(a) => a.request(s),
            PriceCommand::RemoveBg(a) => a.request(s),
        }
    }
}

/// Parses `WIDTHxHEIGHT`.
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{s}` is not WIDTHxHEIGHT (for example 1024x768)"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{v}` in `{s}` is not a whole number"))
    };
    Ok((num(w)?, num(h)?))
}

fn resolutions() -> PossibleValuesParser {
    PossibleValuesParser::new(Resolution::VALUES)
}

fn qualities() -> PossibleValuesParser {
    PossibleValuesParser::new(Quality::VALUES)
}

fn aspect_ratios() -> PossibleValuesParser {
    PossibleValuesParser::new(AspectRatio::VALUES)
}

fn video_modes() -> PossibleValuesParser {
    PossibleValuesParser::new(VideoMode::ALL.iter().map(|m| m.as_str()))
}

/// `artnex generate`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex generate \"a red fox in the snow\"\n  artnex generate \"a lighthouse at night\" -m flux-2-pro -n 2 --size 1024x768 -o out/\n  artnex generate \"a poster\" -m gpt-image-2 --resolution 2k --quality high\n  artnex generate \"a red fox\" --dry-run --json\n  artnex generate - < prompt.txt                 the prompt from stdin\n\n", naming_rule!())
)]
pub struct GenerateArgs {
    /// What to draw (at most 4,000 characters); `-` reads it from stdin.
    pub prompt: String,
    /// Model id (default: the config file's, or z-image-turbo; see `artnex models --kind image`).
    #[arg(short, long)]
    pub model: Option<String>,
    /// Image size as WIDTHxHEIGHT.
    #[arg(long, value_parser = parse_size, conflicts_with_all = ["width", "height"])]
    pub size: Option<(u32, u32)>,
    /// Image width in pixels.
    #[arg(long)]
    pub width: Option<u32>,
    /// Image height in pixels.
    #[arg(long)]
    pub height: Option<u32>,
    /// Number of images, 1 to 4 (each is charged).
    #[arg(short = 'n', long = "num-images")]
    pub num_images: Option<u8>,
    /// Resolution tier (gpt-image-2 only).
    #[arg(long, value_parser = resolutions())]
    pub resolution: Option<String>,
    /// Quality tier (gpt-image-2 only).
    #[arg(long, value_parser = qualities())]
    pub quality: Option<String>,
}

impl GenerateArgs {
    /// The request.
    pub fn request(&self, s: &Settings) -> Result<Request, UsageError> {
        let (width, height) = match self.size {
            Some((w, h)) => (Some(w), Some(h)),
            None => (self.width, self.height),
        };
        let mut r = artnex::generate::GenerateImage::new(s.text(&self.prompt)?);
        r.model = self.model.as_deref().map(Model::from_id);
        r.width = width;
        r.height = height;
        r.num_images = self.num_images;
        r.resolution = parse("resolution", &self.resolution)?;
        r.quality = parse("quality", &self.quality)?;
        Ok(s.with_defaults(Request::Generate(r)))
    }
}

/// `artnex edit`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex edit \"change the background to a snowy mountain\" --image photo.jpg\n  artnex edit \"make it a watercolor\" -i https://example.com/photo.jpg -m nano-banana-pro-edit\n\n", naming_rule!())
)]
pub struct EditArgs {
    /// How to edit the image (at most 4,000 characters); `-` reads it from stdin.
    pub prompt: String,
    /// Source image: a JPEG, PNG or WebP file (at most 10 MB) or an https URL.
    #[arg(long, short)]
    pub image: String,
    /// Model id (default: the config file's, or seedream-edit; see `artnex models --kind edit`).
    #[arg(short, long)]
    pub model: Option<String>,
    /// Resolution tier (gpt-image-2-edit only).
    #[arg(long, value_parser = resolutions())]
    pub resolution: Option<String>,
    /// Quality tier (gpt-image-2-edit only).
    #[arg(long, value_parser = qualities())]
    pub quality: Option<String>,
}

impl EditArgs {
    /// The request.
    pub fn request(&self, s: &Settings) -> Result<Request, UsageError> {
        let mut r = artnex::edit::EditImage::new(s.text(&self.prompt)?, self.image.as_str());
        r.model = self.model.as_deref().map(Model::from_id);
        r.resolution = parse("resolution", &self.resolution)?;
        r.quality = parse("quality", &self.quality)?;
        Ok(s.with_defaults(Request::Edit(r)))
    }
}

/// `artnex video`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex video \"a drone over misty mountains at sunrise\" -m veo3.1 -d 8\n  artnex video \"the waves roll in\" -i beach.jpg -m kling-v2.5-turbo-pro-i2v -d 5\n  artnex video \"a city timelapse\" --no-wait      prints the request id; resume with `artnex status`\n\nThe request id is written to stderr as soon as the job is accepted, before waiting (with --json,\nstdout's first line is {\"event\": \"submitted\", \"request_id\": ...}). Ctrl-C or SIGTERM while\nwaiting prints `artnex status <id> --wait` to resume and exits with 130; the job goes on and is\ncharged when it completes. A wait that times out exits with 7: the job is still running.\n\n", naming_rule!())
)]
pub struct VideoArgs {
    /// The scene, motion and style (at most 4,000 characters); `-` reads it from stdin.
    pub prompt: String,
    /// Model id (default: the config file's, or the cheapest text-to-video model, or image-to-video
    /// with --image).
    #[arg(short, long)]
    pub model: Option<String>,
    /// Clip length in seconds (see `artnex models --kind video`).
    #[arg(short, long)]
    pub duration: Option<u32>,
    /// Aspect ratio.
    #[arg(long, value_parser = aspect_ratios())]
    pub aspect_ratio: Option<String>,
    /// Mode (implied by --image).
    #[arg(long, value_parser = video_modes())]
    pub mode: Option<String>,
    /// Start image for image-to-video: a file or an https URL.
    #[arg(long, short)]
    pub image: Option<String>,
    /// Print the request id and exit without waiting (resume with `artnex status ID --wait`).
    #[arg(long)]
    pub no_wait: bool,
    /// Seconds between status polls (at least 5 against the real API).
    #[arg(long, default_value_t = 5.0)]
    pub interval: f64,
    /// Stop waiting after this many seconds (the job goes on; resume with `status --wait`).
    #[arg(long, default_value_t = 300.0)]
    pub timeout: f64,
}

impl VideoArgs {
    /// The request.
    pub fn request(&self, s: &Settings) -> Result<Request, UsageError> {
        let mut r = artnex::video::CreateVideo::new(s.text(&self.prompt)?);
        r.model = self.model.as_deref().map(Model::from_id);
        r.mode = self.mode.as_deref().and_then(VideoMode::from_wire);
        r.image = self.image.as_deref().map(Into::into);
        r.aspect_ratio = parse("aspect ratio", &self.aspect_ratio)?;
        r.duration = self.duration;
        Ok(s.with_defaults(Request::Video(r)))
    }
}

/// `artnex status`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex status req_abc123\n  artnex status req_abc123 --wait -o videos/\n  artnex status req_abc123 --dry-run      sends nothing: status polls and downloads cost no credits\n\n--mock is refused: the embedded simulator starts empty in every process, so it knows no job ids.\nRun the standalone simulator (`artnex-mock`) and pass --base-url http://127.0.0.1:8080 to both\n`artnex video --no-wait` and `artnex status` instead.\n\nWith --wait, Ctrl-C or SIGTERM exits with 130 and a wait that times out with 7 (the job goes on).\n\n", naming_rule!())
)]
pub struct StatusArgs {
    /// The request id printed by `artnex video`.
    pub request_id: String,
    /// Wait until the job finishes, then download the video.
    #[arg(long)]
    pub wait: bool,
    /// Seconds between status polls.
    #[arg(long, default_value_t = 5.0)]
    pub interval: f64,
    /// Stop waiting after this many seconds.
    #[arg(long, default_value_t = 300.0)]
    pub timeout: f64,
}

/// `artnex tts`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex tts \"Welcome to Artnex.\"\n  artnex tts \"A longer narration.\" -m kling-tts --voice-id kling-narrator\n  artnex tts - < script.txt                      the text from stdin\n\nVoice ids are checked before sending against the config file's [voices] for the model (and, with\n--mock, against the simulator's voices); otherwise they are sent as given (Artnex support has the\nlist for your plan).\n\n", naming_rule!())
)]
pub struct TtsArgs {
    /// Plain text to speak (at most 5,000 characters); `-` reads it from stdin.
    pub text: String,
    /// Model id: tts-elevenlabs (the default, unless the config file names another) or kling-tts.
    #[arg(short, long)]
    pub model: Option<String>,
    /// Voice id of the model (default: the model's default voice).
    #[arg(long = "voice-id", visible_alias = "voice")]
    pub voice_id: Option<String>,
}

impl TtsArgs {
    /// The request.
    pub fn request(&self, s: &Settings) -> Result<Request, UsageError> {
        let mut r = artnex::tts::TextToSpeech::new(s.text(&self.text)?);
        r.model = self.model.as_deref().map(Model::from_id);
        r.voice_id = self.voice_id.clone();
        Ok(s.with_defaults(Request::Tts(r)))
    }
}

/// `artnex upscale`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex upscale --image photo.png\n  artnex upscale -i https://example.com/product.jpg --scale 4\n\n", naming_rule!())
)]
pub struct UpscaleArgs {
    /// The image: a JPEG, PNG or WebP file (at most 10 MB) or an https URL.
    #[arg(long, short)]
    pub image: String,
    /// Multiplier on width and height (default 2; common values 2 and 4).
    #[arg(long, short)]
    pub scale: Option<f64>,
}

impl UpscaleArgs {
    /// The request.
    pub fn request(&self, s: &Settings) -> Result<Request, UsageError> {
        let mut r = artnex::upscale::Upscale::new(self.image.as_str());
        r.scale = self.scale;
        Ok(s.with_defaults(Request::Upscale(r)))
    }
}

/// `artnex remove-bg`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex remove-bg --image product.jpg        writes a transparent PNG\n\n", naming_rule!())
)]
pub struct RemoveBgArgs {
    /// The image: a JPEG, PNG or WebP file (at most 10 MB) or an https URL.
    #[arg(long, short)]
    pub image: String,
}

impl RemoveBgArgs {
    /// The request.
    pub fn request(&self, s: &Settings) -> Result<Request, UsageError> {
        Ok(s.with_defaults(Request::RemoveBackground(
            artnex::remove_background::RemoveBackground::new(self.image.as_str()),
        )))
    }
}

/// `artnex download`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  artnex download https://cdn.artnex.ai/img/req_abc/image_0.png -o out/\n\nFor results that were charged but could not be saved: the error of that command (and its --json\ndocument's `fetch_again`) gives this command line. Downloads cost no credits. Each file is named\nafter the URL's last two path segments (req_abc-image_0.png above), made safe, with the\nextension taken from its content; an existing file is never replaced (a name that is taken gets\n-2, -3, ...)."
)]
pub struct DownloadArgs {
    /// Result URLs (https, or http to a loopback address).
    #[arg(required = true)]
    pub urls: Vec<String>,
}

/// Model kinds for `artnex models --kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Text-to-image models.
    Image,
    /// Image editing models.
    Edit,
    /// Video models.
    Video,
    /// Text-to-speech models.
    Speech,
}

impl KindArg {
    /// The catalogue kind.
    pub fn kind(self) -> artnex_facts::Kind {
        match self {
            KindArg::Image => artnex_facts::Kind::Image,
            KindArg::Edit => artnex_facts::Kind::Edit,
            KindArg::Video => artnex_facts::Kind::Video,
            KindArg::Speech => artnex_facts::Kind::Speech,
        }
    }
}

/// `artnex models`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  artnex models\n  artnex models --kind video\n  artnex models --json\n\n--dry-run: models reads the built-in catalogue and never sends anything, so it is always a dry run."
)]
pub struct ModelsArgs {
    /// Only models of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
}

/// `artnex batch`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex batch jobs.jsonl -j 4 --budget 5000 -o results/\n  artnex batch jobs.jsonl --json                 JSON lines, one per item, then a summary\n  artnex batch jobs.jsonl --resubmit-unknown     after checking the dashboard\n  artnex batch jobs.jsonl --dry-run --budget 5000  check and price every line; sends nothing\n\nA line of jobs.jsonl:\n  {\"op\": \"generate\", \"prompt\": \"a red fox\", \"model\": \"flux-2-pro\", \"num_images\": 2}\n\nRerunning the same command after an interruption skips finished items, downloads charged results\nagain, resumes video jobs by id, and does not resend items whose outcome is unknown. Items are\nknown by their content (or an \"id\" field), so editing, moving or reordering other lines, comments\nand blank lines never sends a finished item again.\n\nOne run at a time per journal: a second one exits with code 5 and sends nothing. Ctrl-C (or\nSIGTERM) stops starting items and lets those in flight finish, then exits with code 130; a second\nCtrl-C stops at once. --budget counts the credits of earlier runs that the journal records.\n\nEvery run ends by writing index.html in the output directory: a gallery of every item that the\njournal records as saved, in this run or earlier ones (an index.html not written by artnex is kept).\n\n--dry-run validates and prices every line a rerun would send (items the journal records as done,\ncharged, submitted, failed or unknown are listed as not sent again), then prints the total\nestimate and whether it fits --budget. It sends nothing and neither creates nor changes the\njournal or the output directory. Exit code 0 when every line is valid, 2 when any line is invalid.\n\nLines use the API's field names (num_images, aspect_ratio, voice_id: the flags' names with _ for\n-). A model or voice id that the catalogue does not know is invalid unless --allow-unknown-model\nis given; --price and the config file's [prices] price lines (gpt-image-2 tiers, newer models).\nWhen stdout is closed (`artnex batch f.jsonl --json | head -1`), the run stops as after a first\nCtrl-C (items in flight finish and are journaled) and exits with code 141.\n\n", naming_rule!())
)]
pub struct BatchArgs {
    /// JSON-lines file, one request per line: {"op": "generate", "prompt": "...", "model": "..."}.
    /// Ops: generate, edit, video, tts, upscale, remove-bg; fields as in the API.
    pub file: PathBuf,
    /// Requests in flight at once.
    #[arg(long, short = 'j', default_value_t = 4)]
    pub concurrency: usize,
    /// Stop starting new items once this many credits (estimated) would be exceeded.
    #[arg(long)]
    pub budget: Option<u64>,
    /// Journal file (default: FILE.journal next to the batch file).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Also resend items whose outcome is unknown (they may already have been charged).
    #[arg(long)]
    pub resubmit_unknown: bool,
    /// Retry items that failed without being charged.
    #[arg(long)]
    pub retry_failed: bool,
    /// Seconds between video status polls.
    #[arg(long, default_value_t = 5.0)]
    pub interval: f64,
    /// Give up waiting for a video after this many seconds (resumed on the next run).
    #[arg(long, default_value_t = 300.0)]
    pub timeout: f64,
    /// Check every line that would be sent before sending any; one invalid line and nothing is sent.
    #[arg(long)]
    pub strict: bool,
    /// Run although the journal is damaged (damaged lines are skipped) or the output directory holds
    /// results the journal does not record (they are remembered as not this batch's).
    #[arg(long)]
    pub force: bool,
}

/// `artnex demo`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  artnex demo\n  artnex demo -o /tmp --speed 20\n\n--dry-run is refused: the demo only runs on the embedded simulator and never costs credits."
)]
pub struct DemoArgs {
    /// Simulated-time speed-up for the video job (1 = real time).
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
}

/// `artnex images` (OpenAI-compatible).
#[derive(Debug, Clone, Args)]
#[command(
    after_help = concat!("Examples:\n  artnex images \"a minimalist logo, flat design\" -m flux-dev --size 1024x1024 --quality hd\n  artnex images \"a fox\" -n 3 --response-format b64_json -o out/\n  artnex --mock images \"a test\"                      against the embedded simulator\n\nAuthentication: ARTAPI_KEY (or --artapi-key-file PATH; --artapi-key KEY works but other users can\nsee it in the process list); ARTAPI_BASE_URL (or --artapi-base-url), including /v1, for any\nOpenAI-compatible images endpoint. The global --base-url is Artnex's and is refused here.\n\n", naming_rule!())
)]
pub struct ImagesArgs {
    /// What to draw; `-` reads it from stdin.
    pub prompt: String,
    /// Model id of the provider (default: the config file's, or flux-dev).
    #[arg(short, long)]
    pub model: Option<String>,
    /// Number of images, 1 to 10.
    #[arg(short = 'n', long)]
    pub n: Option<u8>,
    /// Size as WIDTHxHEIGHT, e.g. 1024x1024.
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// Quality.
    #[arg(long, value_parser = PossibleValuesParser::new(artnex::openai::Quality::ALL.iter().map(|v| v.as_str())))]
    pub quality: Option<String>,
    /// How the images come back.
    #[arg(long, value_parser = PossibleValuesParser::new(artnex::openai::ResponseFormat::ALL.iter().map(|v| v.as_str())))]
    pub response_format: Option<String>,
    /// Style.
    #[arg(long, value_parser = PossibleValuesParser::new(artnex::openai::Style::ALL.iter().map(|v| v.as_str())))]
    pub style: Option<String>,
    /// API key of the provider (default: $ARTAPI_KEY). Other users can see it in the process list.
    #[arg(long, env = "ARTAPI_KEY", hide_env_values = true, value_name = "KEY")]
    pub artapi_key: Option<String>,
    /// Read the provider's API key from this file (its first line).
    #[arg(long, value_name = "PATH")]
    pub artapi_key_file: Option<PathBuf>,
    /// Base URL including /v1 (default: $ARTAPI_BASE_URL, the config file's, or
    /// https://app.artapi.ai/v1).
    #[arg(long, env = "ARTAPI_BASE_URL", value_name = "URL")]
    pub artapi_base_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_status_path_help_names_the_sdks_default() {
        let cmd = Cli::command();
        let help = cmd
            .get_arguments()
            .find(|a| a.get_id() == "video_status_path")
            .and_then(|a| a.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            help.contains(artnex::client::DEFAULT_VIDEO_STATUS_PATH),
            "{help}"
        );
    }

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1024x768"), Ok((1024, 768)));
        assert!(parse_size("1024").is_err());
        assert!(parse_size("ax1").is_err());
    }

    #[test]
    fn flags_become_requests() {
        let cli = Cli::try_parse_from([
            "artnex",
            "generate",
            "fox",
            "-m",
            "flux-2-pro",
            "-n",
            "2",
            "--size",
            "512x256",
        ])
        .unwrap();
        let Command::Generate(args) = cli.command else {
            panic!()
        };
        let settings = Settings::for_tests();
        let Request::Generate(r) = args.request(&settings).unwrap() else {
            panic!()
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"prompt": "fox", "model": "flux-2-pro", "width": 512, "height": 256, "num_images": 2})
        );
        assert!(
            Cli::try_parse_from(["artnex", "generate", "fox", "--size", "1x1", "--width", "3"])
                .is_err()
        );
    }
}
