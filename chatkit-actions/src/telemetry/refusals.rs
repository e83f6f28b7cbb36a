//! [`RefusalMonitor`]: unusual patterns of refusals, per user.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{Refusal, names};

/// How many records between prunings of users quiet for a window.
const PRUNE_EVERY: u64 = 1024;

/// Watches the refusals of each user: when one user's refusals within `window` reach
/// `threshold`, it logs one warning (`unusual pattern of refusals`, target
/// `chatkit_actions::telemetry`, with the user, the count, the window and the reasons counted)
/// and counts it in [`names::UNUSUAL_REFUSALS`]. The user is not warned about again until a
/// whole window passes after the warning, so a client that keeps hammering costs one line per
/// window, not one per request.
///
/// It only watches: refusing is the gates' business. Memory is bounded: each user keeps at
/// most `threshold` refusal times, and users quiet for a window are forgotten.
///
/// ```
/// use std::time::Duration;
/// use chatkit_actions::telemetry::{Refusal, RefusalMonitor};
///
/// let monitor = RefusalMonitor::new(3, Duration::from_secs(60));
/// assert!(!monitor.record("mallory", Refusal::Provenance));
/// assert!(!monitor.record("mallory", Refusal::Parse));
/// assert!(monitor.record("mallory", Refusal::Provenance), "the third one warns");
/// assert!(!monitor.record("mallory", Refusal::Provenance), "once");
/// ```
#[derive(Debug)]
pub struct RefusalMonitor {
    threshold: usize,
    window: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, UserRefusals>,
    records: u64,
}

#[derive(Debug, Default)]
struct UserRefusals {
    /// The latest refusals, oldest first, at most `threshold`.
    recent: VecDeque<(Instant, Refusal)>,
    /// When the user was last warned about.
    warned: Option<Instant>,
}

impl RefusalMonitor {
    /// Warns when one user gets `threshold` refusals (at least 1) within `window`.
    pub fn new(threshold: usize, window: Duration) -> Self {
        RefusalMonitor {
            threshold: threshold.max(1),
            window,
            state: Mutex::new(State::default()),
        }
    }

    /// The number of refusals within the window that warns.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Records a refusal of `user` for `reason`; `true` when it crossed the threshold and
    /// was warned about.
    pub fn record(&self, user: &str, reason: Refusal) -> bool {
        self.record_at(user, reason, Instant::now())
    }

    /// [`record`](Self::record) at `now`.
    pub(crate) fn record_at(&self, user: &str, reason: Refusal, now: Instant) -> bool {
        // The map holds plain data, consistent after any panic elsewhere.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.records += 1;
        if state.records.is_multiple_of(PRUNE_EVERY) {
            let window = self.window;
            state.users.retain(|_, user| {
                user.recent
                    .back()
                    .is_some_and(|(at, _)| now.saturating_duration_since(*at) < window)
                    || user
                        .warned
                        .is_some_and(|at| now.saturating_duration_since(at) < window)
            });
        }
        let entry = match state.users.get_mut(user) {
            Some(entry) => entry,
            None => state.users.entry(user.to_owned()).or_default(),
        };
        while entry
            .recent
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= self.window)
        {
            entry.recent.pop_front();
        }
        if entry.recent.len() == self.threshold {
            entry.recent.pop_front();
        }
        entry.recent.push_back((now, reason));
        if entry.recent.len() < self.threshold
            || entry
                .warned
                .is_some_and(|at| now.saturating_duration_since(at) < self.window)
        {
            return false;
        }
        entry.warned = Some(now);
        let mut counts = BTreeMap::new();
        for (_, reason) in &entry.recent {
            *counts.entry(*reason).or_insert(0_usize) += 1;
        }
        let mut reasons = String::new();
        for (reason, count) in counts {
            if !reasons.is_empty() {
                reasons.push_str(", ");
            }
            let _ = write!(reasons, "{}={count}", reason.as_str());
        }
        let count = entry.recent.len();
        drop(state);
        tracing::warn!(
            target: "chatkit_actions::telemetry",
            user,
            refusals = count,
            window_secs = self.window.as_secs_f64(),
            reasons = %reasons,
            "unusual pattern of refusals"
        );
        ::metrics::counter!(names::UNUSUAL_REFUSALS).increment(1);
        true
    }

    /// How many users it tracks now.
    pub fn tracked_users(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .users
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_once_per_window_per_user() {
        let monitor = RefusalMonitor::new(3, Duration::from_secs(10));
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        assert!(!monitor.record_at("eve", Refusal::Parse, at(0)));
        assert!(!monitor.record_at("eve", Refusal::Parse, at(1)));
        // Another user's refusals are their own.
        assert!(!monitor.record_at("bob", Refusal::RateLimit, at(1)));
        assert!(monitor.record_at("eve", Refusal::Provenance, at(2)));
        for second in 3..12 {
            assert!(
                !monitor.record_at("eve", Refusal::Parse, at(second)),
                "{second}"
            );
        }
        // A window after the warning, still over the threshold: warned again.
        assert!(monitor.record_at("eve", Refusal::Parse, at(12)));
    }

    #[test]
    fn refusals_spread_out_never_warn() {
        let monitor = RefusalMonitor::new(3, Duration::from_secs(10));
        let start = Instant::now();
        for step in 0..100 {
            let now = start + Duration::from_secs(6 * step);
            assert!(!monitor.record_at("carol", Refusal::Validation, now));
        }
    }

    #[test]
    fn forgets_quiet_users() {
        let monitor = RefusalMonitor::new(2, Duration::from_secs(1));
        let start = Instant::now();
        for user in 0..PRUNE_EVERY {
            monitor.record_at(&format!("user{user}"), Refusal::Parse, start);
        }
        assert!(monitor.tracked_users() > 1000);
        let later = start + Duration::from_secs(5);
        for _ in 0..PRUNE_EVERY {
            monitor.record_at("last", Refusal::Parse, later);
        }
        assert_eq!(monitor.tracked_users(), 1);
    }
}
