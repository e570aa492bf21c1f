//! What every generated request enum shares: the traits of [`wire_enum!`](crate::wire_enum) and the parse
//! error [`InvalidValue`].

use std::fmt;

/// A value that is not one of an enum's wire values.
///
/// ```
/// let err = "8k".parse::<artnex_facts::Resolution>().unwrap_err();
/// assert_eq!(err.to_string(), "`8k` is not a valid resolution: use one of 1k, 2k, 4k");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    /// The request field the enum is sent as (`resolution`, `aspect_ratio`, `style`, ...).
    pub field: &'static str,
    /// The value given.
    pub value: String,
    /// The valid wire values.
    pub expected: &'static [&'static str],
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a valid {}: use one of {}",
            self.value,
            self.field,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for InvalidValue {}

/// Display, FromStr (ASCII case-insensitive, surrounding whitespace ignored) and serde as the wire value,
/// for a generated enum with `ALL`, `VALUES`, `FIELD`, `as_str` and `from_wire`.
macro_rules! wire_enum {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| $crate::InvalidValue {
                        field: $ty::FIELD,
                        value: s.to_string(),
                        expected: $ty::VALUES,
                    })
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let value = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                $ty::from_wire(&value).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::custom($crate::InvalidValue {
                        field: $ty::FIELD,
                        value,
                        expected: $ty::VALUES,
                    })
                })
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    use crate::{
        AspectRatio, ImageQuality, ImageStyle, Quality, Resolution, ResponseFormat, VideoMode,
    };

    fn round_trip<T>(all: &[T], values: &[&str])
    where
        T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display + std::str::FromStr,
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        assert_eq!(all.len(), values.len());
        for (v, wire) in all.iter().zip(values) {
            assert_eq!(v.to_string(), *wire);
            assert_eq!(wire.parse::<T>().ok(), Some(*v));
            assert_eq!(wire.to_uppercase().parse::<T>().ok(), Some(*v));
            let json = serde_json::to_string(v).unwrap_or_default();
            assert_eq!(json, format!("\"{wire}\""));
            assert_eq!(serde_json::from_str::<T>(&json).ok(), Some(*v));
        }
    }

    #[test]
    fn every_enum_round_trips_its_wire_values() {
        round_trip(Resolution::ALL, Resolution::VALUES);
        round_trip(Quality::ALL, Quality::VALUES);
        round_trip(AspectRatio::ALL, AspectRatio::VALUES);
        round_trip(VideoMode::ALL, VideoMode::VALUES);
        round_trip(ImageQuality::ALL, ImageQuality::VALUES);
        round_trip(ImageStyle::ALL, ImageStyle::VALUES);
        round_trip(ResponseFormat::ALL, ResponseFormat::VALUES);
    }

    #[test]
    fn the_public_names_and_wire_values() {
        // These names are public API of the SDK, which re-exports them.
        let names = [
            (Resolution::OneK.as_str(), "1k"),
            (Resolution::TwoK.as_str(), "2k"),
            (Resolution::FourK.as_str(), "4k"),
            (Quality::Low.as_str(), "low"),
            (Quality::Medium.as_str(), "medium"),
            (Quality::High.as_str(), "high"),
            (AspectRatio::Landscape.as_str(), "16:9"),
            (AspectRatio::Portrait.as_str(), "9:16"),
            (AspectRatio::Square.as_str(), "1:1"),
            (VideoMode::TextToVideo.as_str(), "text-to-video"),
            (VideoMode::ImageToVideo.as_str(), "image-to-video"),
            (ImageQuality::Standard.as_str(), "standard"),
            (ImageQuality::Hd.as_str(), "hd"),
            (ImageStyle::Vivid.as_str(), "vivid"),
            (ImageStyle::Natural.as_str(), "natural"),
            (ResponseFormat::Url.as_str(), "url"),
            (ResponseFormat::B64Json.as_str(), "b64_json"),
        ];
        for (have, want) in names {
            assert_eq!(have, want);
        }
    }

    #[test]
    fn unknown_values_are_refused_with_the_valid_ones() {
        let err = " neon ".parse::<ImageStyle>().unwrap_err();
        assert_eq!(err.field, "style");
        assert_eq!(err.expected, &["vivid", "natural"]);
        assert!(
            err.to_string().contains("use one of vivid, natural"),
            "{err}"
        );
        let err = serde_json::from_str::<AspectRatio>("\"4:3\"").unwrap_err();
        assert!(err.to_string().contains("16:9, 9:16, 1:1"), "{err}");
        // The wire form is exact: serde does not accept what only the lenient FromStr accepts.
        assert!(serde_json::from_str::<Quality>("\"HIGH\"").is_err());
        assert_eq!(AspectRatio::from_wire("16:9"), Some(AspectRatio::Landscape));
        assert_eq!(VideoMode::from_wire("Text-To-Video"), None);
    }
}
