//! MIME types: normalizing a declared type, matching the allow-list, and checking a file's
//! first bytes against the declared type.

/// How many leading bytes the type check reads.
pub(super) const SNIFF_BYTES: usize = 8192;

/// The media type of a declared MIME type: lowercase, without parameters, with the common
/// aliases folded (`image/jpg` is `image/jpeg`).
pub(super) fn normalize(mime_type: &str) -> String {
    let media = mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_owned(),
        "audio/x-wav" | "audio/wave" => "audio/wav".to_owned(),
        _ => media,
    }
}

/// Whether a normalized media type is well-formed: `type/subtype` of token characters.
pub(super) fn is_well_formed(media: &str) -> bool {
    let token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    media
        .split_once('/')
        .is_some_and(|(kind, sub)| token(kind) && token(sub))
}

/// Whether `media` matches an allow-list entry: an exact type, `type/*`, or `*/*`.
pub(super) fn allowed(allow: &[String], media: &str) -> bool {
    allow.iter().any(|entry| {
        let entry = entry.to_ascii_lowercase();
        entry == "*/*"
            || entry == media
            || entry
                .strip_suffix("/*")
                .is_some_and(|kind| media.split('/').next() == Some(kind))
    })
}

/// Checks the first bytes of a file against its declared media type: a type recognized by its
/// magic bytes must be the declared one, and a declared type that has magic bytes must show
/// them; text must be UTF-8. `Err` says what is wrong.
pub(super) fn check(declared: &str, head: &[u8], complete: bool) -> Result<(), String> {
    // A declaration of no particular type claims nothing to check.
    if declared == "application/octet-stream" {
        return Ok(());
    }
    match infer::get(head) {
        Some(found) => {
            let found = normalize(found.mime_type());
            if found == declared || equivalent(&found, declared) {
                Ok(())
            } else {
                Err(format!(
                    "the file is `{found}` by its content, not the declared `{declared}`"
                ))
            }
        }
        None if infer::is_mime_supported(declared) => Err(format!(
            "the file's content is not `{declared}`, as declared"
        )),
        None if is_text(declared) => {
            match std::str::from_utf8(head) {
                Ok(_) => Ok(()),
                // A character cut by the end of the sniffed prefix is fine; one cut by the end
                // of the file is not.
                Err(error) if error.error_len().is_none() && !complete => Ok(()),
                Err(_) => Err(format!(
                    "the file is not UTF-8 text, as `{declared}` must be"
                )),
            }
        }
        None => Ok(()),
    }
}

/// Types that `infer` names differently from common declarations.
fn equivalent(found: &str, declared: &str) -> bool {
    match (found, declared) {
        ("audio/x-wav", "audio/wav")
        | ("audio/mpeg", "audio/mp3")
        | ("video/mp4" | "audio/m4a" | "audio/x-m4a", "audio/mp4" | "audio/m4a" | "audio/x-m4a")
        | ("video/webm", "audio/webm") => true,
        // Office documents are zip archives underneath.
        ("application/zip", declared) => {
            declared.contains("openxmlformats") || declared.contains("opendocument")
        }
        _ => false,
    }
}

fn is_text(media: &str) -> bool {
    media.starts_with("text/")
        || matches!(
            media,
            "application/json" | "application/xml" | "application/x-ndjson"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn declared_types_are_normalized_and_matched() {
        assert_eq!(normalize(" Image/JPG ; q=1"), "image/jpeg");
        assert!(is_well_formed("text/plain"));
        assert!(!is_well_formed("text"));
        assert!(!is_well_formed("text/"));
        assert!(!is_well_formed("te xt/plain"));
        let allow = vec!["image/*".to_owned(), "application/pdf".to_owned()];
        assert!(allowed(&allow, "image/png"));
        assert!(allowed(&allow, "application/pdf"));
        assert!(!allowed(&allow, "text/plain"));
        assert!(!allowed(&allow, "imagex/png"));
    }

    #[test]
    fn content_must_match_the_declaration() {
        assert!(check("image/png", PNG, true).is_ok());
        assert!(check("image/jpeg", PNG, true).is_err());
        assert!(check("text/plain", PNG, true).is_err());
        assert!(check("image/png", b"hello", true).is_err());
        assert!(check("text/plain", "héllo".as_bytes(), true).is_ok());
        assert!(check("text/plain", b"\xff\xfe\x00bad", true).is_err());
        // A multi-byte character cut by the prefix, not by the end of the file.
        assert!(check("text/plain", &"é".as_bytes()[..1], false).is_ok());
        assert!(check("text/plain", &"é".as_bytes()[..1], true).is_err());
        assert!(check("application/octet-stream", b"\x00\x01", true).is_ok());
        assert!(check("application/octet-stream", PNG, true).is_ok());
        assert!(check("application/x-custom", b"opaque bytes", true).is_ok());
    }
}
