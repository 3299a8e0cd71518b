//! Errors that reach the user: one line, one distinct exit code.

use std::fmt;

/// Process exit codes, documented in `clerk --help` and README.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success.
    Ok = 0,
    /// The API answered with an error status.
    Api = 1,
    /// Usage or validation error (unknown tag, version or endpoint, missing or bad parameters).
    Usage = 2,
    /// Refused by a safety rule (scopes, confirmation, no terminal without --yes).
    Refused = 3,
    /// Network failure or timeout.
    Network = 4,
    /// A plan of several calls ended with some done and some failed or not
    /// attempted (the summary says which).
    Partial = 5,
    /// Stopped by Ctrl-C before any call of a plan succeeded.
    Interrupted = 130,
}

/// An error with the exit code it maps to. `Display` is the one line shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The exit code this error maps to.
    pub code: ExitCode,
    /// One line for the user; never contains the secret key.
    pub message: String,
}

impl Error {
    /// A usage or validation error (exit 2).
    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            code: ExitCode::Usage,
            message: message.into(),
        }
    }
    /// Refused by a safety rule (exit 3).
    pub fn refused(message: impl Into<String>) -> Error {
        Error {
            code: ExitCode::Refused,
            message: message.into(),
        }
    }
    /// A network failure or timeout (exit 4).
    pub fn network(message: impl Into<String>) -> Error {
        Error {
            code: ExitCode::Network,
            message: message.into(),
        }
    }
    /// The API answered with an error status (exit 1).
    pub fn api(message: impl Into<String>) -> Error {
        Error {
            code: ExitCode::Api,
            message: message.into(),
        }
    }
    /// A stable machine name for the code, used in JSON error output.
    pub fn kind(&self) -> &'static str {
        match self.code {
            ExitCode::Ok => "ok",
            ExitCode::Api => "api_error",
            ExitCode::Usage => "usage",
            ExitCode::Refused => "refused",
            ExitCode::Network => "network",
            ExitCode::Partial => "partial",
            ExitCode::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
