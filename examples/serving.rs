//! The serving limits on the command line, shared by the example backends: each flag sets one
//! limit of `chatkit_actions::serve::ServeConfig`, and an unset flag keeps the library's
//! default (`docs/operations.md` lists them and says why).

use std::time::Duration;

use chatkit_actions::serve::ServeConfig;
use clap::Args;

/// The connection limits of `chatkit_actions::serve::serve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct ServeArgs {
    /// Seconds a client has to send a request's head, also the idle keep-alive timeout
    /// (default 10).
    #[arg(long, env = "CHATKIT_HEADER_TIMEOUT", value_name = "SECS", value_parser = seconds)]
    pub header_timeout: Option<Duration>,
    /// Seconds a client has to send a request's body; then `408` (default 30).
    #[arg(long, env = "CHATKIT_BODY_TIMEOUT", value_name = "SECS", value_parser = seconds)]
    pub body_timeout: Option<Duration>,
    /// Seconds a write may wait for a client that stopped reading; then it is dropped
    /// (default 30).
    #[arg(long, env = "CHATKIT_SEND_TIMEOUT", value_name = "SECS", value_parser = seconds)]
    pub send_timeout: Option<Duration>,
    /// Seconds open connections get to finish on shutdown (default 20).
    #[arg(long, env = "CHATKIT_SHUTDOWN_TIMEOUT", value_name = "SECS", value_parser = seconds)]
    pub shutdown_timeout: Option<Duration>,
    /// The most connections open at once (default: what the open-files limit leaves room
    /// for; never more).
    #[arg(long, env = "CHATKIT_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,
}

impl ServeArgs {
    /// The library's defaults, with what the flags set.
    pub fn config(&self) -> ServeConfig {
        let mut config = ServeConfig::default();
        if let Some(timeout) = self.header_timeout {
            config = config.header_read_timeout(timeout);
        }
        if let Some(timeout) = self.body_timeout {
            config = config.body_read_timeout(timeout);
        }
        if let Some(timeout) = self.send_timeout {
            config = config.send_timeout(timeout);
        }
        if let Some(timeout) = self.shutdown_timeout {
            config = config.shutdown_timeout(timeout);
        }
        if let Some(max) = self.max_connections {
            config = config.max_connections(max);
        }
        config
    }
}

/// A duration in seconds, fractions allowed (`0.5`); more than zero.
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    match Duration::try_from_secs_f64(secs) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!("{text:?}: a duration must be more than 0 s")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn flags_set_the_limits_and_unset_ones_keep_the_defaults() {
        let env = [
            "CHATKIT_HEADER_TIMEOUT",
            "CHATKIT_BODY_TIMEOUT",
            "CHATKIT_SEND_TIMEOUT",
            "CHATKIT_SHUTDOWN_TIMEOUT",
            "CHATKIT_MAX_CONNECTIONS",
        ];
        if env.iter().any(|name| std::env::var_os(name).is_some()) {
            return;
        }
        let cli = Cli::try_parse_from(["cli"]).expect("no flags");
        assert_eq!(cli.serve.config(), ServeConfig::default());
        let cli = Cli::try_parse_from([
            "cli",
            "--header-timeout",
            "0.5",
            "--body-timeout",
            "2",
            "--max-connections",
            "7",
        ])
        .expect("flags");
        let config = cli.serve.config();
        assert_eq!(
            config.header_read_timeout_value(),
            Duration::from_millis(500)
        );
        assert_eq!(config.body_read_timeout_value(), Duration::from_secs(2));
        assert!(config.connection_cap() <= 7);
        for bad in ["0", "-1", "soon", "NaN"] {
            assert!(
                Cli::try_parse_from(["cli", "--send-timeout", bad]).is_err(),
                "{bad}"
            );
        }
    }
}
