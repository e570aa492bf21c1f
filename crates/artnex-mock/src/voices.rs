//! The simulator's own text-to-speech voices (the real lists are only available from Artnex support).
//!
//! A voice is accepted when it is one of the model's names below (in any letter case) or, for
//! `tts-elevenlabs`, when it has the shape of an ElevenLabs voice id: 20 ASCII letters and digits, such as
//! `21m00Tcm4TlvDq8ikWAM`, so tests written with real voice ids pass.

/// Voices of `tts-elevenlabs`; the first is the default.
pub const ELEVENLABS_VOICES: &[&str] = &["rachel", "adam", "bella", "antoni", "elli", "josh"];
/// Voices of `kling-tts`; the first is the default.
pub const KLING_VOICES: &[&str] = &["kling-female-1", "kling-male-1", "kling-narrator"];
/// The TTS model whose voices are ElevenLabs voices.
pub(crate) const ELEVENLABS_MODEL: &str = "tts-elevenlabs";
/// Length of an ElevenLabs voice id (ASCII letters and digits).
pub const ELEVENLABS_VOICE_ID_LEN: usize = 20;

/// The voice names the simulator knows for a TTS model (`None` for a model that is not a TTS model).
///
/// ```
/// assert_eq!(artnex_mock::voices("tts-elevenlabs").map(|v| v[0]), Some("rachel"));
/// assert!(artnex_mock::voices("flux-2-pro").is_none());
/// ```
pub fn voices(model: &str) -> Option<&'static [&'static str]> {
    match model {
        ELEVENLABS_MODEL => Some(ELEVENLABS_VOICES),
        "kling-tts" => Some(KLING_VOICES),
        _ => None,
    }
}

/// The voice used when a request names none.
pub fn default_voice(model: &str) -> Option<&'static str> {
    voices(model).and_then(|v| v.first().copied())
}

/// Whether the simulator accepts `voice` for `model`: a listed name in any letter case, or (for
/// `tts-elevenlabs`) an ElevenLabs-style voice id.
///
/// ```
/// use artnex_mock::accepts_voice;
/// assert!(accepts_voice("tts-elevenlabs", "Rachel"));
/// assert!(accepts_voice("tts-elevenlabs", "21m00Tcm4TlvDq8ikWAM"));
/// assert!(!accepts_voice("tts-elevenlabs", "21m00Tcm4TlvDq8ikWA"));
/// assert!(!accepts_voice("kling-tts", "21m00Tcm4TlvDq8ikWAM"));
/// ```
pub fn accepts_voice(model: &str, voice: &str) -> bool {
    let named =
        voices(model).is_some_and(|names| names.iter().any(|n| n.eq_ignore_ascii_case(voice)));
    let elevenlabs_id = model == ELEVENLABS_MODEL
        && voice.len() == ELEVENLABS_VOICE_ID_LEN
        && voice.bytes().all(|b| b.is_ascii_alphanumeric());
    named || elevenlabs_id
}
