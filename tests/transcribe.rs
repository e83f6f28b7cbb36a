//! Dictation on OpenAI's transcription endpoint, against a loopback stand-in of it: the
//! request it sends (key, model, file with its type) and the answers it turns into text or a
//! clear error.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chatkit_actions::request::InputTranscribeParams;
use chatkit_actions::transcribe::{
    OpenAiTranscriber, TranscribeError, Transcriber, TranscriptionLimits,
};

/// What the stand-in received: the `Authorization` header and the body.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A stand-in of `POST /v1/audio/transcriptions` answering `status` and `answer`.
async fn stand_in(status: StatusCode, answer: &'static str) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    let app = Router::new().route(
        "/v1/audio/transcriptions",
        post(move |headers: HeaderMap, body: Bytes| {
            let record = Arc::clone(&record);
            async move {
                let auth = headers
                    .get("authorization")
                    .map(|value| value.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                record.lock().unwrap().push((auth, body.to_vec()));
                (status, [("content-type", "application/json")], answer)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

fn recording() -> InputTranscribeParams {
    InputTranscribeParams {
        // The EBML header of a WebM file, then some bytes.
        audio_base64: "GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibQ==".to_owned(),
        mime_type: "audio/webm;codecs=opus".to_owned(),
    }
}

#[tokio::test]
async fn transcribes_through_the_endpoint() {
    let (base, seen) = stand_in(StatusCode::OK, r#"{"text":"buy milk tomorrow"}"#).await;
    let transcriber = OpenAiTranscriber::new("sk-test", &base).model("whisper-1");
    let audio = TranscriptionLimits::default().check(&recording()).unwrap();
    let data = audio.data.clone();
    let result = transcriber.transcribe(audio, &()).await.unwrap();
    assert_eq!(result.text, "buy milk tomorrow");

    let seen = seen.lock().unwrap();
    let (auth, body) = &seen[0];
    assert_eq!(auth, "Bearer sk-test");
    let text = String::from_utf8_lossy(body);
    assert!(text.contains("name=\"model\"\r\n\r\nwhisper-1"), "{text}");
    assert!(text.contains("filename=\"audio.webm\""), "{text}");
    assert!(text.contains("Content-Type: audio/webm\r\n"), "{text}");
    assert!(
        body.windows(data.len())
            .any(|window| window == data.as_ref()),
        "the recording is sent whole"
    );
}

#[tokio::test]
async fn a_refusal_is_a_clear_error() {
    let (base, _) = stand_in(
        StatusCode::BAD_REQUEST,
        r#"{"error":{"message":"Audio file might be corrupted or unsupported"}}"#,
    )
    .await;
    let transcriber = OpenAiTranscriber::new("sk-test", &base);
    let audio = TranscriptionLimits::default().check(&recording()).unwrap();
    let error = transcriber.transcribe(audio, &()).await.unwrap_err();
    assert!(matches!(error, TranscribeError::Upstream(_)));
    assert_eq!(error.status(), 502);
    assert!(
        error.to_string().contains("corrupted or unsupported"),
        "{error}"
    );

    // An answer that is not the expected JSON.
    let (base, _) = stand_in(StatusCode::OK, "<html>proxy</html>").await;
    let audio = TranscriptionLimits::default().check(&recording()).unwrap();
    let error = OpenAiTranscriber::new("sk-test", &base)
        .transcribe(audio, &())
        .await
        .unwrap_err();
    assert_eq!(error.status(), 502);

    // Nobody listening.
    let audio = TranscriptionLimits::default().check(&recording()).unwrap();
    let error = OpenAiTranscriber::new("sk-test", "http://127.0.0.1:9/v1")
        .transcribe(audio, &())
        .await
        .unwrap_err();
    assert_eq!(error.status(), 502);
}
