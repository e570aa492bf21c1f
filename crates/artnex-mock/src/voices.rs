//! The simulator's own text-to-speech voices (the real lists are only available from Artnex support).

/// Voices of `tts-elevenlabs`; the first is the default.
pub const ELEVENLABS_VOICES: &[&str] = &["rachel", "adam", "bella", "antoni", "elli", "josh"];
/// Voices of `kling-tts`; the first is the default.
pub const KLING_VOICES: &[&str] = &["kling-female-1", "kling-male-1", "kling-narrator"];

/// The voices the simulator accepts for a TTS model (`None` for a model that is not a TTS model).
///
/// ```
/// assert_eq!(artnex_mock::voices("tts-elevenlabs").map(|v| v[0]), Some("rachel"));
/// assert!(artnex_mock::voices("flux-2-pro").is_none());
/// ```
pub fn voices(model: &str) -> Option<&'static [&'static str]> {
    match model {
        "tts-elevenlabs" => Some(ELEVENLABS_VOICES),
        "kling-tts" => Some(KLING_VOICES),
        _ => None,
    }
}

/// The voice used when a request names none.
pub fn default_voice(model: &str) -> Option<&'static str> {
    voices(model).and_then(|v| v.first().copied())
}
