//! The Responses API client: `POST {base}/responses` with `stream: true`, its retries, and the
//! SSE events it yields.

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};
use serde_json::Value;

use super::error::ModelError;
use super::event::UpstreamEvent;

/// The default base URL of the OpenAI API.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// How to reach a Responses API: key, base URL, model, timeouts and retries.
///
/// ```
/// use std::time::Duration;
/// use chatkit_actions::model::ModelConfig;
///
/// let config = ModelConfig::new("gpt-4.1-mini")
///     .base_url("http://127.0.0.1:8080/v1")
///     .timeout(Duration::from_secs(30))
///     .max_retries(2);
/// assert_eq!(config.responses_url(), "http://127.0.0.1:8080/v1/responses");
/// ```
#[derive(Clone)]
pub struct ModelConfig {
    api_key: Option<String>,
    base_url: String,
    model: String,
    timeout: Duration,
    idle_timeout: Duration,
    max_retries: u32,
    retry_delay: Duration,
}

impl std::fmt::Debug for ModelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "(redacted)"))
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_delay", &self.retry_delay)
            .finish()
    }
}

impl ModelConfig {
    /// The OpenAI API with this model, no key, a 60 s timeout until the stream starts, 120 s
    /// between two events, 3 retries from 500 ms.
    pub fn new(model: impl Into<String>) -> Self {
        ModelConfig {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            model: model.into(),
            timeout: Duration::from_mins(1),
            idle_timeout: Duration::from_mins(2),
            max_retries: 3,
            retry_delay: Duration::from_millis(500),
        }
    }

    /// The configuration from the environment: `OPENAI_API_KEY` (required) and
    /// `OPENAI_BASE_URL` (optional, [`DEFAULT_BASE_URL`] otherwise). `None` without a key, so
    /// an application can fall back to something else.
    pub fn from_env(model: impl Into<String>) -> Option<Self> {
        let key = std::env::var("OPENAI_API_KEY")
            .ok()
            .filter(|key| !key.trim().is_empty())?;
        let mut config = ModelConfig::new(model).api_key(key);
        if let Ok(base) = std::env::var("OPENAI_BASE_URL")
            && !base.trim().is_empty()
        {
            config = config.base_url(base);
        }
        Some(config)
    }

    /// Sets the API key (sent as `Authorization: Bearer …`).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets the base URL (conventionally ending in `/v1`); a trailing `/` is ignored.
    #[must_use]
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        base_url
            .into()
            .trim_end_matches('/')
            .clone_into(&mut self.base_url);
        self
    }

    /// Sets the model name.
    #[must_use]
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets how long one attempt may take until the response headers arrive.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how long the stream may stay silent between two events.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets how many times a request is retried (429, 5xx, connection failures), only
    /// before the stream's first event.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first retry's delay; each next one doubles it (a `Retry-After` header of up
    /// to 60 s wins).
    #[must_use]
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }

    /// The model name.
    #[must_use]
    pub fn model_name(&self) -> &str {
        &self.model
    }

    /// `{base}/responses`.
    #[must_use]
    pub fn responses_url(&self) -> String {
        format!("{}/responses", self.base_url)
    }
}

type SseStream =
    Pin<Box<dyn Stream<Item = Result<Event, EventStreamError<reqwest::Error>>> + Send>>;

/// A Responses API client.
#[derive(Debug, Clone)]
pub struct ModelClient {
    http: reqwest::Client,
    config: ModelConfig,
}

impl ModelClient {
    /// A client for `config`.
    ///
    /// # Errors
    ///
    /// [`ModelError::Client`] when the TLS backend cannot start.
    pub fn new(config: ModelConfig) -> Result<Self, ModelError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .build()
            .map_err(ModelError::Client)?;
        Ok(ModelClient { http, config })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Sends `body` (its `model` and `stream` are set here) and returns the event stream once
    /// the server answered 200. Retries 429, 5xx and connection failures with backoff.
    ///
    /// # Errors
    ///
    /// The last attempt's error.
    pub async fn stream(&self, mut body: Value) -> Result<ResponseStream, ModelError> {
        if let Some(object) = body.as_object_mut() {
            object.insert("model".into(), Value::String(self.config.model.clone()));
            object.insert("stream".into(), Value::Bool(true));
        }
        let mut attempt = 0;
        loop {
            let (error, retry_after) = match self.attempt(&body).await {
                Ok(stream) => return Ok(stream),
                Err(failure) => failure,
            };
            if attempt >= self.config.max_retries || !error.is_transient() {
                return Err(error);
            }
            let backoff = self.config.retry_delay.saturating_mul(1 << attempt.min(16));
            let delay = retry_after.unwrap_or(backoff);
            tracing::warn!(%error, attempt, ?delay, "model request failed, retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        body: &Value,
    ) -> Result<ResponseStream, (ModelError, Option<Duration>)> {
        let mut request = self
            .http
            .post(self.config.responses_url())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = tokio::time::timeout(self.config.timeout, request.send())
            .await
            .map_err(|_| (ModelError::Timeout, None))?
            .map_err(|error| (ModelError::Connection(error), None))?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .filter(|seconds| *seconds <= 60)
                .map(Duration::from_secs);
            let text = tokio::time::timeout(self.config.timeout, response.text())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            return Err((status_error(status.as_u16(), &text), retry_after));
        }
        let events: SseStream = Box::pin(response.bytes_stream().eventsource());
        Ok(ResponseStream {
            events,
            idle_timeout: self.config.idle_timeout,
            finished: false,
        })
    }
}

/// The error of a non-200 answer: the body's `error.message` and `error.code` when it is the
/// API's JSON, else the body's start.
fn status_error(status: u16, body: &str) -> ModelError {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let error = json.as_ref().and_then(|json| json.get("error"));
    let message = error
        .and_then(|error| error.get("message"))
        .and_then(Value::as_str)
        .map_or_else(|| body.chars().take(500).collect(), ToOwned::to_owned);
    let code = error
        .and_then(|error| error.get("code").or_else(|| error.get("type")))
        .and_then(Value::as_str)
        .map(ToOwned::to_owned);
    ModelError::Status {
        status,
        message,
        code,
    }
}

/// The events of one streamed response. Dropping it closes the connection, which stops the
/// generation upstream.
pub struct ResponseStream {
    events: SseStream,
    idle_timeout: Duration,
    finished: bool,
}

impl std::fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseStream")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl ResponseStream {
    /// The next event, `None` after a terminal one (`response.completed`, `.failed`,
    /// `.incomplete`, `error`).
    ///
    /// # Errors
    ///
    /// A broken or silent connection, a stream that ends before a terminal event, or an
    /// event that does not parse.
    pub async fn next(&mut self) -> Option<Result<UpstreamEvent, ModelError>> {
        if self.finished {
            return None;
        }
        let next = match tokio::time::timeout(self.idle_timeout, self.events.next()).await {
            Err(_) => Err(ModelError::Timeout),
            Ok(None) => Err(ModelError::Interrupted(
                "the connection closed before the response completed".into(),
            )),
            Ok(Some(Err(EventStreamError::Transport(error)))) => Err(ModelError::Connection(error)),
            Ok(Some(Err(error))) => Err(ModelError::Interrupted(error.to_string())),
            Ok(Some(Ok(event))) => UpstreamEvent::parse(&event.event, &event.data),
        };
        match &next {
            Ok(event) if event.is_terminal() => self.finished = true,
            Ok(_) => {}
            Err(_) => self.finished = true,
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::{ModelConfig, ModelError, status_error};

    #[test]
    fn status_errors_read_the_api_error() {
        let error = status_error(
            429,
            r#"{"error": {"message": "Slow down", "type": "requests", "code": "rate_limit_exceeded", "param": null}}"#,
        );
        assert!(error.is_transient());
        assert_eq!(
            error.to_string(),
            "the model server answered 429: Slow down"
        );
        let ModelError::Status { code, .. } = status_error(401, "nope") else {
            unreachable!()
        };
        assert_eq!(code, None);
        assert!(!status_error(400, "{}").is_transient());
    }

    #[test]
    fn the_key_is_not_printed() {
        let config = ModelConfig::new("m")
            .api_key("sk-secret")
            .base_url("http://x/v1/");
        assert!(!format!("{config:?}").contains("sk-secret"));
        assert_eq!(config.responses_url(), "http://x/v1/responses");
    }
}
