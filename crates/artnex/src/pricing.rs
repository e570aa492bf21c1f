//! Pricing without the network, and an optional client budget.
//!
//! Prices come from the catalogue: per image for generate (`credits x num_images`), per edit, per clip for
//! video (whatever the duration), per request for TTS, and flat prices for upscale
//! ([`UPSCALE_CREDITS`]) and background removal
//! ([`REMOVE_BACKGROUND_CREDITS`]).
//!
//! The gpt-image-2 models are priced by resolution and quality, and Artnex does not publish that table:
//! their estimate is [`Estimate::Varies`] unless you supply a [`PriceTable`]. A [`PriceTable`] also
//! prices models this version of the SDK does not know ([`Model::Other`]) and overrides catalogue prices.
//!
//! ```
//! use artnex::pricing::{self, Billable, Estimate, PriceTable};
//! use artnex::catalogue::{Quality, Resolution};
//! use artnex::Model;
//!
//! let flux = Billable::Generate { model: &Model::Flux2Pro, num_images: 2, resolution: None, quality: None };
//! assert_eq!(pricing::estimate(&flux, None), Estimate::Credits(500));
//!
//! let gpt = Billable::Generate {
//!     model: &Model::GptImage2,
//!     num_images: 1,
//!     resolution: Some(Resolution::TwoK),
//!     quality: Some(Quality::High),
//! };
//! assert_eq!(pricing::estimate(&gpt, None), Estimate::Varies);
//! let table = PriceTable::new().tier(Model::GptImage2, Resolution::TwoK, Quality::High, 170);
//! assert_eq!(pricing::estimate(&gpt, Some(&table)), Estimate::Credits(170));
//! ```

use std::collections::HashMap;
use std::fmt;

use crate::catalogue::{
    Credits, Kind, Model, Quality, REMOVE_BACKGROUND_CREDITS, Resolution, UPSCALE_CREDITS,
};

/// What a request will cost, computed without the network.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Estimate {
    /// Exactly this many credits.
    Credits(u64),
    /// The model is priced by resolution and quality and no [`PriceTable`] entry covers the request.
    Varies,
    /// The model is not in this version's catalogue and no [`PriceTable`] entry prices it.
    Unknown,
}

impl Estimate {
    /// The credits, when known.
    ///
    /// ```
    /// assert_eq!(artnex::pricing::Estimate::Credits(10).credits(), Some(10));
    /// assert_eq!(artnex::pricing::Estimate::Varies.credits(), None);
    /// ```
    pub fn credits(self) -> Option<u64> {
        match self {
            Estimate::Credits(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Estimate::Credits(c) => write!(f, "{c} credits"),
            Estimate::Varies => {
                f.write_str("varies (priced by resolution and quality; supply a PriceTable)")
            }
            Estimate::Unknown => {
                f.write_str("unknown (model not in the catalogue; supply a PriceTable)")
            }
        }
    }
}

/// Your own prices: for the gpt-image-2 resolution x quality tiers (which Artnex does not publish), for
/// models the SDK does not know yet, or to override a catalogue price.
///
/// Lookup order: the tier entry (when the request names both resolution and quality), then the model
/// entry, then the catalogue.
///
/// ```
/// use artnex::catalogue::{Quality, Resolution};
/// use artnex::pricing::PriceTable;
/// use artnex::Model;
///
/// let table = PriceTable::new()
///     .tier(Model::GptImage2, Resolution::OneK, Quality::Low, 20)
///     .model("brand-new-model", 300);
/// assert_eq!(table.tier_price(&Model::GptImage2, Resolution::OneK, Quality::Low), Some(20));
/// assert_eq!(table.model_price(&Model::from_id("brand-new-model")), Some(300));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceTable {
    models: HashMap<String, u64>,
    tiers: HashMap<(String, Resolution, Quality), u64>,
}

impl PriceTable {
    /// An empty table.
    ///
    /// ```
    /// assert!(artnex::PriceTable::new().is_empty());
    /// ```
    pub fn new() -> Self {
        PriceTable::default()
    }

    /// Sets a model's price per unit (per image, edit, clip or request).
    ///
    /// ```
    /// use artnex::{Model, PriceTable};
    /// let table = PriceTable::new().model(Model::from_id("studio-x"), 120);
    /// assert_eq!(table.model_price(&Model::from_id("studio-x")), Some(120));
    /// ```
    pub fn model(mut self, model: impl Into<Model>, credits: u64) -> Self {
        self.models.insert(model.into().id().to_string(), credits);
        self
    }

    /// Sets the price per unit of one resolution x quality tier of a model.
    ///
    /// ```
    /// use artnex::{Model, PriceTable};
    /// use artnex::catalogue::{Quality, Resolution};
    /// let table = PriceTable::new().tier(Model::GptImage2, Resolution::TwoK, Quality::High, 900);
    /// assert_eq!(table.tier_price(&Model::GptImage2, Resolution::TwoK, Quality::High), Some(900));
    /// ```
    pub fn tier(
        mut self,
        model: impl Into<Model>,
        resolution: Resolution,
        quality: Quality,
        credits: u64,
    ) -> Self {
        self.tiers.insert(
            (model.into().id().to_string(), resolution, quality),
            credits,
        );
        self
    }

    /// The model's entry, if any.
    ///
    /// ```
    /// use artnex::{Model, PriceTable};
    /// assert_eq!(PriceTable::new().model_price(&Model::Flux2Pro), None);
    /// ```
    pub fn model_price(&self, model: &Model) -> Option<u64> {
        self.models.get(model.id()).copied()
    }

    /// The tier's entry, if any.
    ///
    /// ```
    /// use artnex::{Model, PriceTable};
    /// use artnex::catalogue::{Quality, Resolution};
    /// let table = PriceTable::new().tier(Model::GptImage2, Resolution::OneK, Quality::Low, 150);
    /// assert_eq!(table.tier_price(&Model::GptImage2, Resolution::OneK, Quality::Medium), None);
    /// ```
    pub fn tier_price(
        &self,
        model: &Model,
        resolution: Resolution,
        quality: Quality,
    ) -> Option<u64> {
        self.tiers
            .get(&(model.id().to_string(), resolution, quality))
            .copied()
    }

    /// Whether the table is empty.
    ///
    /// ```
    /// use artnex::{Model, PriceTable};
    /// assert!(!PriceTable::new().model(Model::Flux2Pro, 250).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.models.is_empty() && self.tiers.is_empty()
    }
}

/// The billing-relevant part of a request, for [`estimate`]. Every request builder has an `estimate()`
/// that builds one of these for you.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Billable<'a> {
    /// `POST /v1/generate`: price per image x `num_images`.
    Generate {
        /// The model.
        model: &'a Model,
        /// How many images.
        num_images: u8,
        /// Resolution tier (gpt-image-2).
        resolution: Option<Resolution>,
        /// Quality tier (gpt-image-2).
        quality: Option<Quality>,
    },
    /// `POST /v1/edit`: price per edit.
    Edit {
        /// The model.
        model: &'a Model,
        /// Resolution tier (gpt-image-2-edit).
        resolution: Option<Resolution>,
        /// Quality tier (gpt-image-2-edit).
        quality: Option<Quality>,
    },
    /// `POST /v1/video`: price per clip, whatever the duration (charged when the job completes).
    Video {
        /// The model.
        model: &'a Model,
    },
    /// `POST /v1/tts`: price per request, whatever the text length.
    Speech {
        /// The model.
        model: &'a Model,
    },
    /// `POST /v1/upscale`: flat price, any scale.
    Upscale,
    /// `POST /v1/remove-bg`: flat price.
    RemoveBackground,
}

/// What a request costs, without the network. `table` supplies prices the catalogue does not have.
///
/// ```
/// use artnex::pricing::{estimate, Billable, Estimate};
/// use artnex::Model;
///
/// assert_eq!(estimate(&Billable::Video { model: &Model::Veo31 }, None), Estimate::Credits(3000));
/// assert_eq!(estimate(&Billable::Upscale, None), Estimate::Credits(100));
/// assert_eq!(estimate(&Billable::Speech { model: &Model::from_id("new-tts") }, None), Estimate::Unknown);
/// ```
pub fn estimate(request: &Billable<'_>, table: Option<&PriceTable>) -> Estimate {
    match *request {
        Billable::Generate {
            model,
            num_images,
            resolution,
            quality,
        } => match unit_price(model, resolution, quality, table) {
            Estimate::Credits(c) => Estimate::Credits(c.saturating_mul(u64::from(num_images))),
            other => other,
        },
        Billable::Edit {
            model,
            resolution,
            quality,
        } => unit_price(model, resolution, quality, table),
        Billable::Video { model } | Billable::Speech { model } => {
            unit_price(model, None, None, table)
        }
        Billable::Upscale => Estimate::Credits(UPSCALE_CREDITS),
        Billable::RemoveBackground => Estimate::Credits(REMOVE_BACKGROUND_CREDITS),
    }
}

fn unit_price(
    model: &Model,
    resolution: Option<Resolution>,
    quality: Option<Quality>,
    table: Option<&PriceTable>,
) -> Estimate {
    if let Some(table) = table {
        if let (Some(r), Some(q)) = (resolution, quality)
            && let Some(c) = table.tier_price(model, r, q)
        {
            return Estimate::Credits(c);
        }
        if let Some(c) = table.model_price(model) {
            return Estimate::Credits(c);
        }
    }
    match model.info().map(|m| m.credits) {
        Some(Credits::Fixed(c)) => Estimate::Credits(c),
        Some(_) => Estimate::Varies,
        None => Estimate::Unknown,
    }
}

/// The catalogue kind an estimate's model must have, for messages.
pub(crate) fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "generate",
        Kind::Edit => "edit",
        Kind::Video => "video",
        Kind::Speech => "text-to-speech",
        _ => "this endpoint",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_model_is_priced_from_the_catalogue() {
        for info in crate::catalogue::MODELS {
            let model = Model::from_id(info.id);
            let unit = match info.credits {
                Credits::Fixed(c) => Estimate::Credits(c),
                _ => Estimate::Varies,
            };
            let b = match info.kind {
                Kind::Image => Billable::Generate {
                    model: &model,
                    num_images: 1,
                    resolution: None,
                    quality: None,
                },
                Kind::Edit => Billable::Edit {
                    model: &model,
                    resolution: None,
                    quality: None,
                },
                Kind::Video => Billable::Video { model: &model },
                _ => Billable::Speech { model: &model },
            };
            assert_eq!(estimate(&b, None), unit, "{}", info.id);
        }
    }

    #[test]
    fn table_overrides_and_tiers() {
        let t = PriceTable::new().model(Model::Flux2Pro, 1).tier(
            Model::GptImage2,
            Resolution::FourK,
            Quality::High,
            99,
        );
        let flux = Billable::Generate {
            model: &Model::Flux2Pro,
            num_images: 3,
            resolution: None,
            quality: None,
        };
        assert_eq!(estimate(&flux, Some(&t)), Estimate::Credits(3));
        let gpt = Billable::Generate {
            model: &Model::GptImage2,
            num_images: 2,
            resolution: Some(Resolution::FourK),
            quality: Some(Quality::High),
        };
        assert_eq!(estimate(&gpt, Some(&t)), Estimate::Credits(198));
        let gpt_other = Billable::Generate {
            model: &Model::GptImage2,
            num_images: 2,
            resolution: Some(Resolution::OneK),
            quality: Some(Quality::High),
        };
        assert_eq!(estimate(&gpt_other, Some(&t)), Estimate::Varies);
    }
}
