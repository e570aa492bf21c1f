//! The model catalogue: every documented model with its kind, credit price, and (for video) its mode,
//! durations and aspect ratios. The data ([`MODELS`], [`Model`], the flat prices) is generated.

use std::fmt;

use crate::{MODELS, Model, VideoMode};

/// Which endpoint a model belongs to.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Text-to-image ([`OperationId::GenerateImage`](crate::OperationId::GenerateImage)).
    Image,
    /// Image editing ([`OperationId::EditImage`](crate::OperationId::EditImage)).
    Edit,
    /// Video generation ([`OperationId::CreateVideo`](crate::OperationId::CreateVideo)).
    Video,
    /// Text-to-speech ([`OperationId::TextToSpeech`](crate::OperationId::TextToSpeech)).
    Speech,
}

impl Kind {
    /// Every kind, in endpoint order.
    pub const ALL: [Kind; 4] = [Kind::Image, Kind::Edit, Kind::Video, Kind::Speech];

    /// A short lower-case name: `image`, `edit`, `video`, `speech`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Edit => "edit",
            Kind::Video => "video",
            Kind::Speech => "speech",
        }
    }

    /// The endpoint path this kind of model is used with (the path of [`Kind::operation`]).
    ///
    /// ```
    /// assert_eq!(artnex_facts::Kind::Video.endpoint(), "/v1/video");
    /// ```
    pub fn endpoint(self) -> &'static str {
        self.operation().info().path
    }

    /// Parses [`Kind::as_str`] output.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a model costs.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credits {
    /// A fixed price per unit (per image for generate, per edit, per clip for video, per request for TTS).
    Fixed(u64),
    /// The price depends on `resolution` and `quality` and is not published (gpt-image-2 models).
    Varies,
}

impl Credits {
    /// The fixed price, if there is one.
    pub fn fixed(self) -> Option<u64> {
        match self {
            Credits::Fixed(c) => Some(c),
            Credits::Varies => None,
        }
    }
}

impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credits::Fixed(c) => write!(f, "{c}"),
            Credits::Varies => f.write_str("varies"),
        }
    }
}

/// The clip lengths a video model accepts, in whole seconds.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Durations {
    /// Exactly these values.
    Set(&'static [u32]),
    /// Every whole second from `min` to `max` inclusive.
    Range {
        /// Shortest clip.
        min: u32,
        /// Longest clip.
        max: u32,
    },
}

impl Durations {
    /// Whether `seconds` is accepted.
    pub fn contains(&self, seconds: u32) -> bool {
        match *self {
            Durations::Set(values) => values.contains(&seconds),
            Durations::Range { min, max } => (min..=max).contains(&seconds),
        }
    }

    /// The shortest accepted duration (used when a request omits `duration`).
    pub fn shortest(&self) -> u32 {
        match *self {
            Durations::Set(values) => values.iter().copied().min().unwrap_or(0),
            Durations::Range { min, .. } => min,
        }
    }

    /// The longest accepted duration.
    pub fn longest(&self) -> u32 {
        match *self {
            Durations::Set(values) => values.iter().copied().max().unwrap_or(0),
            Durations::Range { max, .. } => max,
        }
    }

    /// Every accepted duration, ascending.
    pub fn values(&self) -> Vec<u32> {
        match *self {
            Durations::Set(values) => values.to_vec(),
            Durations::Range { min, max } => (min..=max).collect(),
        }
    }
}

impl fmt::Display for Durations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Durations::Set(values) => {
                let list: Vec<String> = values.iter().map(u32::to_string).collect();
                write!(f, "{} s", list.join(", "))
            }
            Durations::Range { min, max } => write!(f, "{min}-{max} s"),
        }
    }
}

/// Video-only facts about a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VideoSpec {
    /// Text-to-video or image-to-video.
    pub mode: VideoMode,
    /// Accepted clip lengths.
    pub durations: Durations,
    /// Accepted aspect ratios (`16:9`, `9:16`, `1:1`); empty when the docs do not list them
    /// (the image-to-video models, whose output follows the start image).
    pub aspect_ratios: &'static [&'static str],
}

/// The resolution and quality tiers of a model priced by them (gpt-image-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tiers {
    /// Accepted `resolution` values.
    pub resolutions: &'static [&'static str],
    /// Accepted `quality` values.
    pub qualities: &'static [&'static str],
}

/// Everything the catalogue knows about one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelInfo {
    /// The model id sent on the wire.
    pub id: &'static str,
    /// The endpoint it belongs to.
    pub kind: Kind,
    /// Its price per unit.
    pub credits: Credits,
    /// A one-line description from the docs.
    pub description: &'static str,
    /// Mode, durations and aspect ratios (video models only).
    pub video: Option<VideoSpec>,
    /// Resolution and quality tiers (models whose price varies by them).
    pub tiers: Option<Tiers>,
}

/// Looks a model up by its wire id.
pub fn lookup(id: &str) -> Option<&'static ModelInfo> {
    MODELS.iter().find(|m| m.id == id)
}

/// Every model of one kind, in catalogue order.
pub fn models(kind: Kind) -> impl Iterator<Item = &'static ModelInfo> {
    MODELS.iter().filter(move |m| m.kind == kind)
}

impl Model {
    /// The catalogue entry, or `None` for [`Model::Other`] ids the catalogue does not know.
    pub fn info(&self) -> Option<&'static ModelInfo> {
        lookup(self.id())
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl From<&str> for Model {
    fn from(id: &str) -> Self {
        Model::from_id(id)
    }
}

impl From<String> for Model {
    fn from(id: String) -> Self {
        Model::from_id(&id)
    }
}

impl std::str::FromStr for Model {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Model::from_id(s))
    }
}

/// A model serialises as its id; any id deserialises (ids the catalogue does not know become
/// [`Model::Other`], so a model the server added is usable before a release).
impl serde::Serialize for Model {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for Model {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Model::from_id(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{REMOVE_BACKGROUND_CREDITS, UPSCALE_CREDITS};

    #[test]
    fn every_enum_variant_round_trips_through_its_id() {
        for m in MODELS {
            let model = Model::from_id(m.id);
            assert!(!matches!(model, Model::Other(_)), "{} has no variant", m.id);
            assert_eq!(model.id(), m.id);
            assert_eq!(model.info(), Some(m));
        }
        assert_eq!(Model::ALL.len(), MODELS.len());
    }

    #[test]
    fn unknown_ids_are_kept_verbatim() {
        let m = Model::from_id("brand-new-model");
        assert_eq!(m, Model::Other("brand-new-model".into()));
        assert_eq!(m.id(), "brand-new-model");
        assert!(m.info().is_none());
    }

    #[test]
    fn documented_counts_per_kind() {
        assert_eq!(models(Kind::Image).count(), 8);
        assert_eq!(models(Kind::Edit).count(), 6);
        assert_eq!(models(Kind::Speech).count(), 2);
        let video: Vec<_> = models(Kind::Video).collect();
        assert_eq!(video.len(), 13);
        let t2v = video
            .iter()
            .filter(|m| m.video.map(|v| v.mode) == Some(VideoMode::TextToVideo))
            .count();
        assert_eq!(t2v, 8);
        assert_eq!(UPSCALE_CREDITS, 100);
        assert_eq!(REMOVE_BACKGROUND_CREDITS, 10);
    }

    #[test]
    fn durations_sets_and_ranges() {
        let seedance = lookup("seedance-v1.5-pro-t2v")
            .and_then(|m| m.video)
            .map(|v| v.durations);
        assert_eq!(seedance, Some(Durations::Range { min: 4, max: 12 }));
        let d = Durations::Set(&[5, 10, 16]);
        assert!(d.contains(16) && !d.contains(12));
        assert_eq!((d.shortest(), d.longest()), (5, 16));
        assert_eq!(Durations::Range { min: 5, max: 7 }.values(), vec![5, 6, 7]);
    }
}
