//! Keys, plans and the simulator's own price tables.

use std::collections::BTreeMap;
use std::fmt;

use artnex_facts::{Api, Quality, Resolution};
use serde::Deserialize;

/// Credits given to a key when none are stated (the default keys have this many).
pub const DEFAULT_CREDITS: u64 = 1_000_000;

/// Which API a key belongs to. A key works on its own surface only: an Artnex key sent to the ArtAPI route
/// (or the other way round) is rejected with `invalid_api_key`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Surface {
    /// The Artnex REST API (`/v1/generate`, `/v1/edit`, `/v1/video`, ...).
    #[default]
    Artnex,
    /// The OpenAI-compatible images API (`/v1/images/generations`).
    ArtApi,
}

impl Surface {
    /// `artnex` or `artapi`.
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Artnex => "artnex",
            Surface::ArtApi => "artapi",
        }
    }

    /// The surface of an API of the specs (Artnex for an API the simulator does not know).
    pub fn of_api(api: Api) -> Surface {
        match api {
            Api::ArtApi => Surface::ArtApi,
            _ => Surface::Artnex,
        }
    }

    /// Parses [`Surface::as_str`] output.
    pub fn from_name(name: &str) -> Option<Surface> {
        match name.to_ascii_lowercase().as_str() {
            "artnex" => Some(Surface::Artnex),
            "artapi" | "art_api" | "openai" => Some(Surface::ArtApi),
            _ => None,
        }
    }
}

/// A key's plan: how many requests it may make in any rolling 24 hours of simulated time.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Plan {
    /// The documented Free plan (100 requests a day: `artnex_facts::Plan::Free`).
    Free,
    /// The documented Pro plan (1,000 requests a day: `artnex_facts::Plan::Pro`).
    #[default]
    Pro,
    /// A custom daily limit (the documented "Enterprise: custom").
    Custom(u32),
    /// No daily limit (the simulator's own; handy for load tests).
    Unlimited,
}

impl Plan {
    /// Requests allowed per rolling 24 hours; `None` means no limit.
    pub fn daily_limit(self) -> Option<u32> {
        match self {
            Plan::Free => artnex_facts::Plan::Free.requests_per_day(),
            Plan::Pro => artnex_facts::Plan::Pro.requests_per_day(),
            Plan::Custom(n) => Some(n),
            Plan::Unlimited => None,
        }
    }

    /// Parses `free`, `pro`, `unlimited` or a number of requests per day.
    pub fn parse(text: &str) -> Option<Plan> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "free" => Some(Plan::Free),
            "pro" => Some(Plan::Pro),
            "unlimited" | "enterprise" => Some(Plan::Unlimited),
            other => {
                let n = other.strip_prefix("custom=").unwrap_or(other);
                n.parse().ok().map(Plan::Custom)
            }
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Custom(_) => "custom",
            Plan::Unlimited => "unlimited",
        };
        match self.daily_limit() {
            Some(n) => write!(f, "{name} ({n} requests/day)"),
            None => f.write_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for Plan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Plan, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Number(u32),
            Name(String),
            Custom { custom: u32 },
        }
        match Wire::deserialize(d)? {
            Wire::Number(n) | Wire::Custom { custom: n } => Ok(Plan::Custom(n)),
            Wire::Name(s) => Plan::parse(&s).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown plan {s:?} (free, pro, unlimited or a number)"
                ))
            }),
        }
    }
}

impl<'de> Deserialize<'de> for Surface {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Surface, D::Error> {
        let s = String::deserialize(d)?;
        Surface::from_name(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown surface {s:?} (artnex or artapi)"))
        })
    }
}

/// An API key the simulator accepts. Its `Debug` output never shows the key itself.
///
/// As JSON (for `POST /__admin/keys`): `{"key": "sk-test", "surface": "artnex", "plan": "free", "credits": 500}`;
/// `surface` defaults to `artnex`, `plan` to `pro` (`free`, `pro`, `unlimited` or a number per day), `credits` to
/// 1,000,000.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct KeyConfig {
    /// The bearer token.
    pub key: String,
    /// The API it is valid on.
    #[serde(default)]
    pub surface: Surface,
    /// Its daily request quota.
    #[serde(default)]
    pub plan: Plan,
    /// Its starting credit balance.
    #[serde(default = "default_credits")]
    pub credits: u64,
}

fn default_credits() -> u64 {
    DEFAULT_CREDITS
}

impl KeyConfig {
    /// An Artnex key.
    pub fn artnex(key: impl Into<String>, plan: Plan, credits: u64) -> KeyConfig {
        KeyConfig {
            key: key.into(),
            surface: Surface::Artnex,
            plan,
            credits,
        }
    }

    /// An ArtAPI (OpenAI-compatible) key.
    pub fn artapi(key: impl Into<String>, plan: Plan, credits: u64) -> KeyConfig {
        KeyConfig {
            key: key.into(),
            surface: Surface::ArtApi,
            plan,
            credits,
        }
    }

    /// Parses the command-line form `KEY[:PLAN[:CREDITS]]` (plan `free`, `pro`, `unlimited` or a number per day;
    /// default `pro` and 1,000,000 credits).
    pub fn parse_spec(spec: &str, surface: Surface) -> Result<KeyConfig, String> {
        let mut parts = spec.splitn(3, ':');
        let key = parts.next().unwrap_or_default().trim();
        if key.is_empty() {
            return Err(format!("{spec:?}: the key is empty"));
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{spec:?}: a key cannot contain whitespace"));
        }
        let plan = match parts.next() {
            None | Some("") => Plan::Pro,
            Some(p) => Plan::parse(p).ok_or_else(|| {
                format!("{spec:?}: unknown plan {p:?} (free, pro, unlimited or a number per day)")
            })?,
        };
        let credits = match parts.next() {
            None | Some("") => DEFAULT_CREDITS,
            Some(c) => c
                .trim()
                .replace('_', "")
                .parse()
                .map_err(|_| format!("{spec:?}: credits must be a whole number, got {c:?}"))?,
        };
        Ok(KeyConfig {
            key: key.to_string(),
            surface,
            plan,
            credits,
        })
    }
}

impl fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyConfig")
            .field("key", &crate::ids::key_label(&self.key))
            .field("surface", &self.surface)
            .field("plan", &self.plan)
            .field("credits", &self.credits)
            .finish()
    }
}

/// The simulator's own credit table for `gpt-image-2` and `gpt-image-2-edit`, whose real prices are not
/// published. Indexed by `resolution` ([`Resolution`]: `1k`, `2k`, `4k`) and `quality` ([`Quality`]: `low`,
/// `medium`, `high`), the spec's enums.
///
/// Default ([`TierPrices::simulator_default`]): 1k = 100 / 200 / 400, 2k = twice that, 4k = four times
/// (each quality doubles the one before it, each resolution doubles the one below it).
/// A request that omits `resolution` or `quality` is priced as `1k` / `medium`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierPrices {
    table: BTreeMap<(Resolution, Quality), u64>,
}

impl TierPrices {
    /// The resolution a request without one is priced at (the simulator's choice).
    pub const DEFAULT_RESOLUTION: Resolution = Resolution::OneK;
    /// The quality a request without one is priced at (the simulator's choice).
    pub const DEFAULT_QUALITY: Quality = Quality::Medium;

    fn from_fn(price: impl Fn(usize, usize) -> u64) -> TierPrices {
        let mut table = BTreeMap::new();
        for (r, resolution) in Resolution::ALL.iter().enumerate() {
            for (q, quality) in Quality::ALL.iter().enumerate() {
                table.insert((*resolution, *quality), price(r, q));
            }
        }
        TierPrices { table }
    }

    /// The simulator's default table (see the type docs).
    pub fn simulator_default() -> TierPrices {
        let doubled = |n: usize| 1u64.checked_shl(n as u32).unwrap_or(u64::MAX);
        TierPrices::from_fn(|r, q| 100u64.saturating_mul(doubled(r)).saturating_mul(doubled(q)))
    }

    /// Every cell set to `credits`.
    pub fn flat(credits: u64) -> TierPrices {
        TierPrices::from_fn(|_, _| credits)
    }

    /// The credits per image for a resolution and quality.
    pub fn tier(&self, resolution: Resolution, quality: Quality) -> u64 {
        self.table.get(&(resolution, quality)).copied().unwrap_or(0)
    }

    /// The credits per image for a resolution and quality given by their wire values (`2k`, `high`), or
    /// `None` for values outside the spec's enums.
    pub fn price(&self, resolution: &str, quality: &str) -> Option<u64> {
        let key = (
            Resolution::from_wire(resolution)?,
            Quality::from_wire(quality)?,
        );
        self.table.get(&key).copied()
    }

    /// Sets one cell (wire values); returns `false` (and changes nothing) for a resolution or quality outside
    /// the spec's enums.
    pub fn set(&mut self, resolution: &str, quality: &str, credits: u64) -> bool {
        match (
            Resolution::from_wire(resolution),
            Quality::from_wire(quality),
        ) {
            (Some(r), Some(q)) => {
                self.table.insert((r, q), credits);
                true
            }
            _ => false,
        }
    }

    /// Builder form of [`TierPrices::set`] (unknown tiers are ignored).
    pub fn with(mut self, resolution: &str, quality: &str, credits: u64) -> TierPrices {
        self.set(resolution, quality, credits);
        self
    }
}

impl Default for TierPrices {
    fn default() -> Self {
        TierPrices::simulator_default()
    }
}

/// One model of the simulator's own ArtAPI catalogue (the real models page is not public; the docs only
/// show `flux-dev`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtApiModel {
    /// Model id, e.g. `flux-dev`.
    pub id: String,
    /// Accepted `size` values as (width, height); the first is the default.
    pub sizes: Vec<(u32, u32)>,
    /// Credits per image at `quality: standard`.
    pub standard_credits: u64,
    /// Credits per image at `quality: hd`.
    pub hd_credits: u64,
}

impl ArtApiModel {
    /// Credits per image at a quality (`standard` or `hd`).
    pub fn price(&self, hd: bool) -> u64 {
        if hd {
            self.hd_credits
        } else {
            self.standard_credits
        }
    }
}

/// The simulator's default ArtAPI catalogue:
///
/// | model | sizes | standard | hd |
/// |---|---|---|---|
/// | `flux-schnell` | 1024x1024, 512x512, 256x256 | 10 | 20 |
/// | `flux-dev` | 1024x1024, 512x512, 256x256, 1792x1024, 1024x1792 | 25 | 50 |
/// | `flux-pro` | 1024x1024, 512x512, 256x256, 1792x1024, 1024x1792 | 50 | 100 |
pub fn artapi_default_models() -> Vec<ArtApiModel> {
    let small = vec![(1024, 1024), (512, 512), (256, 256)];
    let all = vec![
        (1024, 1024),
        (512, 512),
        (256, 256),
        (1792, 1024),
        (1024, 1792),
    ];
    vec![
        ArtApiModel {
            id: "flux-schnell".into(),
            sizes: small,
            standard_credits: 10,
            hd_credits: 20,
        },
        ArtApiModel {
            id: "flux-dev".into(),
            sizes: all.clone(),
            standard_credits: 25,
            hd_credits: 50,
        },
        ArtApiModel {
            id: "flux-pro".into(),
            sizes: all,
            standard_credits: 50,
            hd_credits: 100,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_specs() {
        let k = KeyConfig::parse_spec("sk-a", Surface::Artnex).unwrap();
        assert_eq!((k.plan, k.credits), (Plan::Pro, DEFAULT_CREDITS));
        let k = KeyConfig::parse_spec("sk-b:free:500", Surface::Artnex).unwrap();
        assert_eq!((k.plan, k.credits), (Plan::Free, 500));
        let k = KeyConfig::parse_spec("sk-c:25", Surface::ArtApi).unwrap();
        assert_eq!((k.plan, k.surface), (Plan::Custom(25), Surface::ArtApi));
        assert!(KeyConfig::parse_spec(":pro", Surface::Artnex).is_err());
        assert!(KeyConfig::parse_spec("k:gold", Surface::Artnex).is_err());
        assert!(KeyConfig::parse_spec("k:pro:lots", Surface::Artnex).is_err());
        assert!(!format!("{k:?}").contains("sk-c"));
    }

    #[test]
    fn key_json() {
        let k: KeyConfig =
            serde_json::from_str(r#"{"key":"k","surface":"artapi","plan":7}"#).unwrap();
        assert_eq!(k.plan, Plan::Custom(7));
        assert_eq!(k.surface, Surface::ArtApi);
        assert_eq!(k.credits, DEFAULT_CREDITS);
        let k: KeyConfig =
            serde_json::from_str(r#"{"key":"k","plan":"free","credits":3}"#).unwrap();
        assert_eq!(
            (k.plan, k.credits, k.surface),
            (Plan::Free, 3, Surface::Artnex)
        );
    }

    #[test]
    fn tier_table() {
        let t = TierPrices::simulator_default();
        assert_eq!(t.price("1k", "medium"), Some(200));
        assert_eq!(t.price("2k", "low"), Some(200));
        assert_eq!(t.price("4k", "high"), Some(1600));
        assert_eq!(t.price("8k", "high"), None);
        assert_eq!(t.tier(Resolution::FourK, Quality::Low), 400);
        let t = t.with("1k", "low", 7);
        assert_eq!(t.price("1k", "low"), Some(7));
    }
}
