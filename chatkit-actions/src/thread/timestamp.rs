//! [`Timestamp`]: the ISO-8601 datetimes of the protocol (`created_at` and friends).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A point in time as the protocol writes it: an ISO-8601 string.
///
/// The Python SDK writes datetimes in the form they were created in, so all of these reach
/// the wire, and all of them parse:
///
/// - naive, `2025-01-15T12:00:00` (the stock server stamps items with naive local time),
/// - naive with microseconds, `2025-01-15T12:00:05.250000`,
/// - UTC, `2025-03-01T08:30:00.123456Z`,
/// - another offset, `2025-03-01T10:30:00+02:00`.
///
/// A parsed timestamp keeps its text and serializes back to exactly the same bytes. Equality,
/// ordering and hashing go by the instant it denotes, whatever its spelling; a naive value is
/// read as UTC. [`Timestamp::now`] writes UTC with microseconds and `Z`.
///
/// ```
/// use chatkit_actions::thread::Timestamp;
///
/// let naive: Timestamp = "2025-01-15T12:00:00".parse()?;
/// let utc: Timestamp = "2025-01-15T12:00:00Z".parse()?;
/// let later: Timestamp = "2025-01-15T13:00:00.5+01:00".parse()?;
/// assert_eq!(naive, utc);
/// assert!(later > utc);
/// assert_eq!(serde_json::to_string(&naive)?, r#""2025-01-15T12:00:00""#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Timestamp {
    instant: DateTime<Utc>,
    text: Box<str>,
}

impl Timestamp {
    /// The current time, written as UTC with microseconds and `Z`
    /// (`2025-01-15T12:00:05.250000Z`).
    #[must_use]
    pub fn now() -> Self {
        Self::from_utc(Utc::now())
    }

    /// A UTC timestamp, written with microseconds and `Z`; finer precision is truncated so that
    /// the text and the instant agree.
    #[must_use]
    pub fn from_utc(instant: DateTime<Utc>) -> Self {
        let text = instant.to_rfc3339_opts(SecondsFormat::Micros, true);
        let instant = DateTime::parse_from_rfc3339(&text).map_or(instant, |parsed| parsed.to_utc());
        Self {
            instant,
            text: text.into_boxed_str(),
        }
    }

    /// A timestamp with an explicit offset, written as RFC 3339 (`…+02:00`, or `Z` for UTC)
    /// with microseconds.
    #[must_use]
    pub fn from_offset(datetime: DateTime<FixedOffset>) -> Self {
        let text = datetime.to_rfc3339_opts(SecondsFormat::Micros, true);
        Self::parse(&text).unwrap_or_else(|_| Self::from_utc(datetime.to_utc()))
    }

    /// A naive timestamp, written as Python writes a naive `datetime`: no offset, six
    /// fractional digits, and no fraction at all when the microseconds are zero. It is read
    /// as UTC for comparisons.
    #[must_use]
    pub fn from_naive(datetime: NaiveDateTime) -> Self {
        let text = if datetime.and_utc().timestamp_subsec_micros() == 0 {
            datetime.format("%Y-%m-%dT%H:%M:%S").to_string()
        } else {
            datetime.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
        };
        Self::parse(&text).unwrap_or_else(|_| Self::from_utc(datetime.and_utc()))
    }

    /// Parses any of the accepted forms (see the type's documentation). A space may stand for
    /// the `T`, and the fraction may have any number of digits.
    ///
    /// # Errors
    ///
    /// [`TimestampError`] when `text` is none of the accepted forms.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let instant = DateTime::parse_from_rfc3339(text)
            .map(|datetime| datetime.to_utc())
            .or_else(|_| {
                NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                    .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
                    .map(|naive| naive.and_utc())
            })
            .map_err(|_| TimestampError {
                text: text.to_owned(),
            })?;
        Ok(Self {
            instant,
            text: text.into(),
        })
    }

    /// The instant, in UTC (a naive timestamp is read as UTC).
    #[must_use]
    pub fn instant(&self) -> DateTime<Utc> {
        self.instant
    }

    /// The text this timestamp serializes to.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the text carries no offset (the Python server's `datetime.now()` form).
    #[must_use]
    pub fn is_naive(&self) -> bool {
        DateTime::parse_from_rfc3339(&self.text).is_err()
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.instant.hash(state);
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        Self::from_utc(instant)
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(datetime: DateTime<FixedOffset>) -> Self {
        Self::from_offset(datetime)
    }
}

impl From<NaiveDateTime> for Timestamp {
    fn from(datetime: NaiveDateTime) -> Self {
        Self::from_naive(datetime)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.instant
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO-8601 datetime string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
                Timestamp::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// A string that is not one of the datetime forms [`Timestamp`] accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid datetime `{text}`: expected ISO-8601 such as `2025-01-15T12:00:00`, \
     `2025-01-15T12:00:00.250000Z` or `2025-01-15T12:00:00+02:00`"
)]
pub struct TimestampError {
    text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn every_form_round_trips_byte_exactly() {
        for text in [
            "2025-01-15T12:00:00",
            "2025-01-15T12:00:05.250000",
            "2025-03-01T08:30:00.123456Z",
            "2025-03-01T08:30:00+02:00",
            "2025-03-01T08:30:00.5-05:30",
            "2025-03-01 08:30:00",
            "2025-03-01T08:30:00.123Z",
        ] {
            let json = format!("\"{text}\"");
            let timestamp: Timestamp = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&timestamp).unwrap(), json);
            assert_eq!(timestamp.as_str(), text);
        }
    }

    #[test]
    fn naive_is_read_as_utc_and_offsets_are_applied() {
        assert_eq!(parse("2025-01-15T12:00:00"), parse("2025-01-15T12:00:00Z"));
        assert_eq!(
            parse("2025-01-15T12:00:00Z"),
            parse("2025-01-15T14:00:00+02:00")
        );
        assert_eq!(
            parse("2025-01-15T12:00:05.250000"),
            parse("2025-01-15T12:00:05.25Z")
        );
        assert!(parse("2025-01-15T12:00:00").is_naive());
        assert!(!parse("2025-01-15T12:00:00Z").is_naive());
    }

    #[test]
    fn ordering_goes_by_instant_across_forms() {
        let mut timestamps = [
            parse("2025-01-15T13:30:00+02:00"), // 11:30 UTC
            parse("2025-01-15T12:00:05.250000"),
            parse("2025-01-15T12:00:05Z"),
            parse("2025-01-15T12:00:00"),
            parse("2025-01-15T11:59:59.999999-00:30"), // 12:29:59.999999 UTC
        ];
        timestamps.sort();
        let texts: Vec<&str> = timestamps.iter().map(Timestamp::as_str).collect();
        assert_eq!(
            texts,
            [
                "2025-01-15T13:30:00+02:00",
                "2025-01-15T12:00:00",
                "2025-01-15T12:00:05Z",
                "2025-01-15T12:00:05.250000",
                "2025-01-15T11:59:59.999999-00:30",
            ]
        );
    }

    #[test]
    fn now_is_utc_with_microseconds() {
        let now = Timestamp::now();
        let text = now.as_str();
        assert!(text.ends_with('Z'), "{text}");
        let fraction = text
            .rsplit_once('.')
            .map(|(_, fraction)| fraction.trim_end_matches('Z'));
        assert_eq!(fraction.map(str::len), Some(6), "{text}");
        assert_eq!(parse(text), now);
    }

    #[test]
    fn constructors_write_python_forms() {
        let naive =
            NaiveDateTime::parse_from_str("2025-01-02T00:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!(Timestamp::from(naive).as_str(), "2025-01-02T00:00:00");
        let naive =
            NaiveDateTime::parse_from_str("2025-01-02T03:04:05.1", "%Y-%m-%dT%H:%M:%S%.f").unwrap();
        assert_eq!(
            Timestamp::from(naive).as_str(),
            "2025-01-02T03:04:05.100000"
        );
        let offset = DateTime::parse_from_rfc3339("2025-01-02T03:04:05+02:00").unwrap();
        assert_eq!(
            Timestamp::from(offset).as_str(),
            "2025-01-02T03:04:05.000000+02:00"
        );
    }

    #[test]
    fn rejects_other_strings_with_a_clear_error() {
        let error = serde_json::from_str::<Timestamp>("\"yesterday\"").unwrap_err();
        assert!(
            error.to_string().contains("invalid datetime `yesterday`"),
            "{error}"
        );
        assert!(serde_json::from_str::<Timestamp>("1736942400").is_err());
    }
}
