//! The model catalogue: every documented model with its kind, credit price, and (for video) mode,
//! durations and aspect ratios.
//!
//! The data lives in the `artnex-facts` crate, generated from the specs by `cargo xtask generate` (the
//! `x-artnex-models` extension, and the request enums `Resolution`, `Quality`, `AspectRatio`,
//! `VideoMode`), and is re-exported here unchanged: a change to the spec reaches the SDK with no hand edit.
//!
//! ```
//! use artnex::catalogue::{self, Credits, Kind};
//! use artnex::Model;
//!
//! let veo = catalogue::lookup("veo3.1").unwrap();
//! assert_eq!(veo.kind, Kind::Video);
//! assert_eq!(veo.credits, Credits::Fixed(3000));
//! assert!(veo.video.unwrap().durations.contains(8));
//!
//! for m in catalogue::models(Kind::Speech) {
//!     println!("{} costs {} credits per request", m.id, m.credits);
//! }
//! assert_eq!(Model::from_id("flux-2-pro"), Model::Flux2Pro);
//! assert_eq!(Model::from_id("tomorrows-model"), Model::Other("tomorrows-model".into()));
//! ```

pub use artnex_facts::{
    AspectRatio, Credits, Durations, InvalidValue, Kind, MODELS, Model, ModelInfo, Quality,
    REMOVE_BACKGROUND_CREDITS, Resolution, Tiers, UPSCALE_CREDITS, VideoMode, VideoSpec, lookup,
    models,
};
