//! Every fact the Artnex and ArtAPI specs state, as Rust data: generated from `spec/artnex.yaml` and
//! `spec/artapi.yaml` by `cargo xtask generate`, so the specs are their single source of truth. The SDK
//! (`artnex`), the simulator (`artnex-mock`) and the CLI read them from here instead of keeping copies.
//!
//! | fact | items |
//! |---|---|
//! | operations (both APIs) | [`OperationId`], [`OperationInfo`], [`OPERATIONS`], [`Api`], [`Method`] |
//! | error codes (union of both dialects) | [`ErrorCode`], [`ErrorCodeInfo`], [`ERROR_CODES`] |
//! | request limits, documented or assumed | [`Limit`] constants such as [`GENERATE_IMAGE_PROMPT_MAX_CHARS`] |
//! | request enums | [`Resolution`], [`Quality`], [`AspectRatio`], [`VideoMode`]; ArtAPI's [`ImageQuality`], [`ImageStyle`], [`ResponseFormat`] |
//! | operational rules | [`VIDEO_POLLING`], [`Plan`], [`QUOTA_WINDOW`] |
//! | models and prices | [`Model`], [`MODELS`], [`ModelInfo`], [`UPSCALE_CREDITS`], [`REMOVE_BACKGROUND_CREDITS`] |
//!
//! ```
//! use artnex_facts::{Credits, ErrorCode, Kind, Model, OperationId, Resolution};
//!
//! let flux = Model::Flux2Pro.info().expect("documented model");
//! assert_eq!(flux.kind, Kind::Image);
//! assert_eq!(flux.credits, Credits::Fixed(250));
//! assert_eq!(artnex_facts::models(Kind::Speech).count(), 2);
//!
//! let video = OperationId::GetVideoStatus.info();
//! assert_eq!(video.path, "/v1/video/{request_id}");
//! assert!(!video.billable);
//!
//! assert_eq!(ErrorCode::from_code("missing_prompt"), ErrorCode::MissingPrompt);
//! assert_eq!("2k".parse::<Resolution>()?, Resolution::TwoK);
//! assert_eq!(artnex_facts::GENERATE_IMAGE_PROMPT_MAX_CHARS.enforced(), Some(4000));
//! assert_eq!(artnex_facts::GENERATE_IMAGE_WIDTH_MAX.enforced(), None); // assumed: not enforced
//! # Ok::<(), artnex_facts::InvalidValue>(())
//! ```
//!
//! # Naming
//!
//! - Operations: [`OperationId`] variants are the `operationId` in UpperCamelCase (`get_video_status` →
//!   [`OperationId::GetVideoStatus`]); ArtAPI paths are relative to its `/v1` base, as in its spec.
//! - Error codes: [`ErrorCode`] variants are the code in UpperCamelCase (`invalid_api_key` →
//!   [`ErrorCode::InvalidApiKey`]).
//! - Limits: `<OPERATION>_<FIELD>_<BOUND>` for a constraint on a request field (`CREATE_VIDEO_DURATION_MAX`),
//!   `<SCHEMA>_<BOUND>` for one on a shared schema (`IMAGE_INPUT_MAX_BYTES`); `<BOUND>` is `MIN_CHARS` /
//!   `MAX_CHARS` (string length in characters, i.e. Unicode scalar values), `MIN` / `MAX` (numbers, in the
//!   field's own type) or `MAX_BYTES`. Each is a [`Limit`] that says whether the docs state it:
//!   **enforce only documented limits** before sending ([`Limit::enforced`]).
//! - Request enums: the spec's schema name; variants from its `x-enum-varnames`.

#[rustfmt::skip]
mod generated;

mod catalogue;
mod enums;
mod errors;
mod limits;
mod operations;

pub use catalogue::{Credits, Durations, Kind, ModelInfo, Tiers, VideoSpec, lookup, models};
pub use enums::InvalidValue;
pub use errors::ErrorCodeInfo;
pub use generated::*;
pub use limits::{Limit, PollingRule};
pub use operations::{FieldInfo, FieldKind, OperationInfo};

pub(crate) use enums::wire_enum;
