//! Dictation: the [`Transcriber`] hook behind `input.transcribe`, the [`TranscriptionLimits`]
//! checked before it runs, and with the `openai` feature, [`OpenAiTranscriber`] on OpenAI's
//! transcription endpoint.
//!
//! ```
//! use chatkit_actions::request::InputTranscribeParams;
//! use chatkit_actions::transcribe::TranscriptionLimits;
//!
//! let params = InputTranscribeParams {
//!     audio_base64: "GkXfow==".to_owned(),
//!     mime_type: "audio/webm;codecs=opus".to_owned(),
//! };
//! let audio = TranscriptionLimits::default().check(&params)?;
//! assert_eq!(audio.media_type(), "audio/webm");
//! assert_eq!(audio.data.len(), 4);
//! # Ok::<(), chatkit_actions::transcribe::TranscribeError>(())
//! ```

use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::request::InputTranscribeParams;

/// The recording of `input.transcribe`, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AudioInput {
    /// The audio bytes.
    pub data: Bytes,
    /// The raw MIME type, such as `audio/webm;codecs=opus`.
    pub mime_type: String,
}

impl AudioInput {
    /// A recording of `mime_type`.
    pub fn new(data: impl Into<Bytes>, mime_type: impl Into<String>) -> Self {
        AudioInput {
            data: data.into(),
            mime_type: mime_type.into(),
        }
    }

    /// The media type: the MIME type without parameters, lowercase (`audio/webm`).
    pub fn media_type(&self) -> String {
        self.mime_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    }
}

/// The answer of `input.transcribe`: `{"text": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptionResult {
    /// The transcribed text.
    pub text: String,
}

/// Why a transcription failed; the message is safe to show the client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TranscribeError {
    /// No transcriber is configured (no API key, for instance): 503, with what is missing.
    #[error("{0}")]
    NotConfigured(String),
    /// The audio is not valid base64, or is empty: 400.
    #[error("{0}")]
    InvalidAudio(String),
    /// The audio is over the size limit: 413.
    #[error("the recording is over the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The audio is longer than the duration limit: 413.
    #[error("the recording lasts {actual:?}, over the limit of {limit:?}")]
    TooLong {
        /// Its duration.
        actual: Duration,
        /// The limit.
        limit: Duration,
    },
    /// The audio type is not accepted: 415.
    #[error("recordings of type `{0}` are not accepted")]
    UnsupportedType(String),
    /// The transcription service failed or refused: 502.
    #[error("the transcription service failed: {0}")]
    Upstream(String),
}

impl TranscribeError {
    /// The HTTP status code this error is answered with.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            TranscribeError::NotConfigured(_) => 503,
            TranscribeError::InvalidAudio(_) => 400,
            TranscribeError::TooLarge { .. } | TranscribeError::TooLong { .. } => 413,
            TranscribeError::UnsupportedType(_) => 415,
            TranscribeError::Upstream(_) => 502,
        }
    }

    /// A short machine-readable code for the JSON error body.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            TranscribeError::NotConfigured(_) => "transcription_not_configured",
            TranscribeError::InvalidAudio(_) => "invalid_audio",
            TranscribeError::TooLarge { .. } | TranscribeError::TooLong { .. } => {
                "payload_too_large"
            }
            TranscribeError::UnsupportedType(_) => "unsupported_media_type",
            TranscribeError::Upstream(_) => "transcription_failed",
        }
    }
}

/// The application's speech-to-text: the SDK's `transcribe` hook. The server decodes and
/// checks the audio ([`TranscriptionLimits`]) before calling it. Object safe; implement it
/// with [`async_trait`](crate::async_trait).
#[async_trait::async_trait]
pub trait Transcriber<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// The text spoken in `audio`.
    async fn transcribe(
        &self,
        audio: AudioInput,
        context: &C,
    ) -> Result<TranscriptionResult, TranscribeError>;
}

/// A [`Transcriber`] for a server whose speech-to-text service is not set up: every
/// recording is answered [`TranscribeError::NotConfigured`] (503) with the reason, so the
/// client learns what is missing instead of a bare "not supported".
///
/// ```
/// use chatkit_actions::transcribe::Unavailable;
///
/// let dictation = Unavailable::new("dictation needs an OpenAI API key: set OPENAI_API_KEY");
/// # let _ = dictation;
/// ```
#[derive(Debug, Clone)]
pub struct Unavailable {
    reason: String,
}

impl Unavailable {
    /// Answers every recording with `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        Unavailable {
            reason: reason.into(),
        }
    }
}

#[async_trait::async_trait]
impl<C: Send + Sync + 'static> Transcriber<C> for Unavailable {
    async fn transcribe(
        &self,
        _audio: AudioInput,
        _context: &C,
    ) -> Result<TranscriptionResult, TranscribeError> {
        Err(TranscribeError::NotConfigured(self.reason.clone()))
    }
}

/// The limits on a recording, checked before any transcriber runs.
#[derive(Debug, Clone)]
pub struct TranscriptionLimits {
    max_bytes: usize,
    max_duration: Duration,
}

impl Default for TranscriptionLimits {
    /// 25 MB (OpenAI's limit) and 10 minutes.
    fn default() -> Self {
        TranscriptionLimits {
            max_bytes: 25 * 1000 * 1000,
            max_duration: Duration::from_mins(10),
        }
    }
}

impl TranscriptionLimits {
    /// The size limit of the decoded audio, in bytes.
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The duration limit. It is checked where the container states the duration in its
    /// header (WAV); for compressed formats the size limit bounds it.
    #[must_use]
    pub fn max_duration(mut self, max_duration: Duration) -> Self {
        self.max_duration = max_duration;
        self
    }

    /// Decodes and checks the request's audio: an `audio/*` (or `video/webm`, what browsers
    /// record) type, valid base64, not empty, within the size and duration limits. The size
    /// is checked on the encoded length first, so an oversized recording is never decoded.
    ///
    /// # Errors
    ///
    /// The check that failed.
    pub fn check(&self, params: &InputTranscribeParams) -> Result<AudioInput, TranscribeError> {
        let media = params.media_type().to_ascii_lowercase();
        if !(media.starts_with("audio/") || media == "video/webm" || media == "video/mp4") {
            return Err(TranscribeError::UnsupportedType(
                media.chars().take(100).collect(),
            ));
        }
        let encoded = params.audio_base64.trim();
        if encoded.len() / 4 * 3 > self.max_bytes.saturating_add(3) {
            return Err(TranscribeError::TooLarge {
                limit: self.max_bytes,
            });
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|error| {
                TranscribeError::InvalidAudio(format!("the audio is not valid base64: {error}"))
            })?;
        if data.is_empty() {
            return Err(TranscribeError::InvalidAudio(
                "the recording is empty".to_owned(),
            ));
        }
        if data.len() > self.max_bytes {
            return Err(TranscribeError::TooLarge {
                limit: self.max_bytes,
            });
        }
        if let Some(actual) = wav_duration(&data)
            && actual > self.max_duration
        {
            return Err(TranscribeError::TooLong {
                actual,
                limit: self.max_duration,
            });
        }
        Ok(AudioInput::new(data, params.mime_type.clone()))
    }
}

/// The duration of a RIFF/WAVE recording: its data size over its byte rate, from the header.
fn wav_duration(data: &[u8]) -> Option<Duration> {
    if data.len() < 12 || &data[..4] != b"RIFF" || &data[8..12] != b"WAVE" {
        return None;
    }
    let mut byte_rate = None;
    let mut at = 12;
    while at + 8 <= data.len() {
        let id = &data[at..at + 4];
        let size = u32::from_le_bytes(data[at + 4..at + 8].try_into().ok()?);
        let body = at + 8;
        match id {
            b"fmt " if body + 12 <= data.len() => {
                byte_rate = Some(u32::from_le_bytes(
                    data[body + 8..body + 12].try_into().ok()?,
                ));
            }
            b"data" => {
                let rate = byte_rate.filter(|rate| *rate > 0)?;
                // A streaming writer may leave the size unset (0 or all ones): use what is there.
                let available = u64::try_from(data.len() - body).ok()?;
                let size = if size == 0 || size == u32::MAX {
                    available
                } else {
                    u64::from(size)
                };
                return Some(Duration::from_millis(
                    size.saturating_mul(1000) / u64::from(rate),
                ));
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        at = body
            .checked_add(usize::try_from(size).ok()?)?
            .checked_add(usize::from(size % 2 == 1))?;
    }
    None
}

#[cfg(feature = "openai")]
pub use openai::OpenAiTranscriber;

#[cfg(feature = "openai")]
mod openai {
    use super::{AudioInput, TranscribeError, Transcriber, TranscriptionResult};

    /// [`Transcriber`] on OpenAI's transcription endpoint (`POST {base}/audio/transcriptions`),
    /// with the model `gpt-4o-mini-transcribe` unless told otherwise.
    ///
    /// [`from_env`](Self::from_env) reads `OPENAI_API_KEY` and `OPENAI_BASE_URL` (default
    /// `https://api.openai.com/v1`), so a proxy or a compatible service works unchanged.
    #[derive(Debug, Clone)]
    pub struct OpenAiTranscriber {
        client: reqwest::Client,
        base_url: String,
        api_key: String,
        model: String,
    }

    impl OpenAiTranscriber {
        /// A transcriber with this key, on `base_url` (such as `https://api.openai.com/v1`).
        pub fn new(api_key: impl Into<String>, base_url: impl Into<String>) -> Self {
            OpenAiTranscriber {
                client: reqwest::Client::new(),
                base_url: base_url.into().trim_end_matches('/').to_owned(),
                api_key: api_key.into(),
                model: "gpt-4o-mini-transcribe".to_owned(),
            }
        }

        /// A transcriber configured by `OPENAI_API_KEY` and `OPENAI_BASE_URL`.
        ///
        /// # Errors
        ///
        /// [`TranscribeError::NotConfigured`] without `OPENAI_API_KEY`.
        pub fn from_env() -> Result<Self, TranscribeError> {
            Self::from_vars(|name| std::env::var(name).ok())
        }

        /// [`from_env`](Self::from_env) on any source of variables.
        fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, TranscribeError> {
            let api_key = var("OPENAI_API_KEY")
                .filter(|key| !key.trim().is_empty())
                .ok_or_else(|| {
                    TranscribeError::NotConfigured(
                        "dictation needs an OpenAI API key: set OPENAI_API_KEY on the server"
                            .to_owned(),
                    )
                })?;
            let base_url = var("OPENAI_BASE_URL")
                .filter(|url| !url.trim().is_empty())
                .unwrap_or_else(|| "https://api.openai.com/v1".to_owned());
            Ok(Self::new(api_key, base_url))
        }

        /// Uses `model` (`whisper-1`, `gpt-4o-transcribe`, …).
        #[must_use]
        pub fn model(mut self, model: impl Into<String>) -> Self {
            self.model = model.into();
            self
        }

        /// Uses this HTTP client (timeouts, proxies).
        #[must_use]
        pub fn client(mut self, client: reqwest::Client) -> Self {
            self.client = client;
            self
        }
    }

    /// The file extension OpenAI recognizes the format by.
    fn extension(media_type: &str) -> &'static str {
        match media_type {
            "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "video/mp4" => "m4a",
            "audio/mpeg" | "audio/mp3" => "mp3",
            "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
            "audio/ogg" => "ogg",
            "audio/flac" => "flac",
            _ => "webm",
        }
    }

    #[cfg(test)]
    #[test]
    fn configured_by_the_environment() {
        let none = OpenAiTranscriber::from_vars(|_| None).unwrap_err();
        assert_eq!(none.status(), 503);
        assert!(none.to_string().contains("OPENAI_API_KEY"));
        let vars = |name: &str| match name {
            "OPENAI_API_KEY" => Some("sk-test".to_owned()),
            "OPENAI_BASE_URL" => Some("http://127.0.0.1:9/v1/".to_owned()),
            _ => None,
        };
        let transcriber = OpenAiTranscriber::from_vars(vars).unwrap();
        assert_eq!(transcriber.base_url, "http://127.0.0.1:9/v1");
        let default = OpenAiTranscriber::from_vars(|name| {
            (name == "OPENAI_API_KEY").then(|| "sk-test".to_owned())
        })
        .unwrap();
        assert_eq!(default.base_url, "https://api.openai.com/v1");
    }

    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: ErrorDetail,
    }

    #[derive(serde::Deserialize)]
    struct ErrorDetail {
        message: String,
    }

    #[async_trait::async_trait]
    impl<C: Send + Sync + 'static> Transcriber<C> for OpenAiTranscriber {
        async fn transcribe(
            &self,
            audio: AudioInput,
            _context: &C,
        ) -> Result<TranscriptionResult, TranscribeError> {
            let media = audio.media_type();
            let file = reqwest::multipart::Part::stream(reqwest::Body::from(audio.data))
                .file_name(format!("audio.{}", extension(&media)))
                .mime_str(&media)
                .map_err(|error| TranscribeError::UnsupportedType(error.to_string()))?;
            let form = reqwest::multipart::Form::new()
                .text("model", self.model.clone())
                .text("response_format", "json")
                .part("file", file);
            let response = self
                .client
                .post(format!("{}/audio/transcriptions", self.base_url))
                .bearer_auth(&self.api_key)
                .multipart(form)
                .send()
                .await
                .map_err(|error| TranscribeError::Upstream(error.without_url().to_string()))?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|error| TranscribeError::Upstream(error.without_url().to_string()))?;
            if !status.is_success() {
                let message = serde_json::from_slice::<ErrorBody>(&body).map_or_else(
                    |_| String::from_utf8_lossy(&body).into_owned(),
                    |body| body.error.message,
                );
                let message: String = message.chars().take(500).collect();
                return Err(TranscribeError::Upstream(format!("{status}: {message}")));
            }
            serde_json::from_slice(&body).map_err(|error| {
                TranscribeError::Upstream(format!("an unexpected answer: {error}"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(audio: &[u8], mime_type: &str) -> InputTranscribeParams {
        InputTranscribeParams {
            audio_base64: base64::engine::general_purpose::STANDARD.encode(audio),
            mime_type: mime_type.to_owned(),
        }
    }

    fn wav(seconds: u32) -> Vec<u8> {
        let rate: u32 = 8000;
        let data_len = rate * seconds;
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(36 + data_len).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
        wav.extend_from_slice(&1u16.to_le_bytes()); // mono
        wav.extend_from_slice(&rate.to_le_bytes()); // sample rate
        wav.extend_from_slice(&rate.to_le_bytes()); // byte rate (8-bit mono)
        wav.extend_from_slice(&1u16.to_le_bytes());
        wav.extend_from_slice(&8u16.to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&data_len.to_le_bytes());
        wav.resize(wav.len() + data_len as usize, 128);
        wav
    }

    #[test]
    fn limits_refuse_bad_audio() {
        let limits = TranscriptionLimits::default()
            .max_bytes(100_000)
            .max_duration(Duration::from_secs(5));
        let ok = limits.check(&params(&wav(2), "audio/wav")).unwrap();
        assert_eq!(ok.data.len(), wav(2).len());
        assert!(matches!(
            limits.check(&params(&wav(8), "audio/wav")),
            Err(TranscribeError::TooLong { .. })
        ));
        assert!(matches!(
            limits.check(&params(&vec![0; 100_001], "audio/webm")),
            Err(TranscribeError::TooLarge { .. })
        ));
        // Refused on the encoded length, before decoding.
        let huge = InputTranscribeParams {
            audio_base64: "A".repeat(1_000_000),
            mime_type: "audio/webm".to_owned(),
        };
        assert_eq!(limits.check(&huge).unwrap_err().status(), 413);
        let bad = InputTranscribeParams {
            audio_base64: "not base64!".to_owned(),
            mime_type: "audio/webm".to_owned(),
        };
        assert_eq!(limits.check(&bad).unwrap_err().status(), 400);
        assert_eq!(
            limits
                .check(&params(b"", "audio/webm"))
                .unwrap_err()
                .status(),
            400
        );
        assert_eq!(
            limits
                .check(&params(b"abc", "text/plain"))
                .unwrap_err()
                .status(),
            415
        );
    }

    #[test]
    fn wav_durations_come_from_the_header() {
        assert_eq!(wav_duration(&wav(3)), Some(Duration::from_secs(3)));
        assert_eq!(wav_duration(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(wav_duration(b"not a wav"), None);
        // A truncated or hostile header never panics.
        let mut broken = wav(1);
        broken[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(wav_duration(&broken), None);
    }
}
