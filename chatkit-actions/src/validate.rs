//! Validating actions before their handler runs: the [`ValidateAction`] trait an application
//! implements for its action union, and the [`ValidationError`] it returns.
//!
//! The server runs the hook after the payload has parsed into the typed union and after the
//! widget checks (provenance and form constraints), and before any handler: an action that
//! fails it gets an `error` event (`code: "custom"`, the violations as its message) or, for
//! `threads.sync_custom_action`, a 422 with that message; nothing is written.
//!
//! Opt in per union with `#[action_handler(AppAction, validate)]`:
//!
//! ```
//! use chatkit_actions::handler::{ActionContext, HandlerResult};
//! use chatkit_actions::validate::{ValidateAction, ValidationError};
//! use chatkit_actions::{Action, action_handler};
//!
//! #[derive(Action, Debug)]
//! enum AppAction {
//!     Rename { title: String },
//! }
//!
//! impl ValidateAction for AppAction {
//!     fn validate(&self) -> Result<(), ValidationError> {
//!         let mut error = ValidationError::new();
//!         match self {
//!             AppAction::Rename { title } if title.trim().is_empty() => {
//!                 error.push("title", "must not be blank");
//!             }
//!             AppAction::Rename { .. } => {}
//!         }
//!         error.into_result()
//!     }
//! }
//!
//! struct App;
//!
//! #[action_handler(AppAction, validate)]
//! impl App {
//!     async fn rename(&self, title: String, cx: &mut ActionContext<()>) -> HandlerResult {
//!         Ok(())
//!     }
//! }
//!
//! let blank = AppAction::Rename { title: " ".into() };
//! assert_eq!(blank.validate().unwrap_err().to_string(), "`title`: must not be blank");
//! ```
//!
//! # With `garde`
//!
//! With the crate feature `garde`, every type that derives `garde::Validate` (with a context
//! that has a `Default`) implements [`ValidateAction`], so the rules written as `#[garde(…)]`
//! attributes run with no hand-written code: derive `garde::Validate` on the action enum
//! (garde supports enums; give every field a rule, `#[garde(dive)]` on a newtype payload that
//! derives it too, or `#[garde(skip)]`) and say `validate` in `#[action_handler]`:
//!
//! ```ignore
//! #[derive(Action, garde::Validate, Debug)]
//! enum AppAction {
//!     Rename {
//!         #[garde(length(min = 1, max = 200))]
//!         title: String,
//!     },
//! }
//!
//! #[action_handler(AppAction, validate)]
//! impl App { /* … */ }
//! ```
//!
//! Each entry of garde's report becomes one violation, with garde's path and message.

use std::fmt;

/// The validation hook of an action union (or of any payload type): checks the rules the
/// type system cannot express, such as lengths, ranges and cross-field rules.
///
/// Called by the server when the handler says `#[action_handler(AppAction, validate)]`; see
/// the [module docs](self). With the `garde` feature it is implemented for every type deriving
/// `garde::Validate`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no validation hook",
    note = "`#[action_handler(…, validate)]` calls `<{Self} as ValidateAction>::validate`: implement `chatkit_actions::validate::ValidateAction` for `{Self}`, or derive `garde::Validate` on it with the `garde` feature"
)]
pub trait ValidateAction {
    /// Checks the action.
    ///
    /// # Errors
    ///
    /// Every rule the action breaks, as a [`ValidationError`].
    fn validate(&self) -> Result<(), ValidationError>;
}

#[cfg(feature = "garde")]
impl<T> ValidateAction for T
where
    T: garde::Validate,
    T::Context: Default,
{
    fn validate(&self) -> Result<(), ValidationError> {
        garde::Validate::validate(self).map_err(|report| {
            let mut error = ValidationError::new();
            for (path, violation) in report.iter() {
                error.push(path.to_string(), violation.to_string());
            }
            error
        })
    }
}

/// One broken rule: the payload field (a dotted path, empty for the action as a whole) and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The payload field, such as `title` or `todo.due`; empty for the whole action.
    pub field: String,
    /// What is wrong, such as "must not be blank". Don't quote sensitive values: the message
    /// goes to the client and to the log.
    pub message: String,
}

/// The rules an action breaks: one or more [`Violation`]s.
///
/// Its `Display` lists them, `` `field`: message ``, separated by `; `; the client sees that
/// text in the error event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationError {
    violations: Vec<Violation>,
}

impl ValidationError {
    /// An error with no violation yet; [`ValidationError::into_result`] turns it into `Ok`
    /// while it stays empty.
    #[must_use]
    pub fn new() -> Self {
        ValidationError::default()
    }

    /// An error with one violation.
    #[must_use]
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = ValidationError::new();
        error.push(field, message);
        error
    }

    /// Adds a violation of `field` (empty for the whole action).
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.violations.push(Violation {
            field: field.into(),
            message: message.into(),
        });
    }

    /// The violations, in the order they were found.
    #[must_use]
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Whether there is no violation.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok(())` when there is no violation, else `Err(self)`.
    ///
    /// # Errors
    ///
    /// `self`, when it holds a violation.
    pub fn into_result(self) -> Result<(), ValidationError> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.violations.is_empty() {
            return f.write_str("the action is invalid");
        }
        for (index, violation) in self.violations.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            if violation.field.is_empty() {
                f.write_str(&violation.message)?;
            } else {
                write!(f, "`{}`: {}", violation.field, violation.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_violation() {
        let mut error = ValidationError::new();
        assert_eq!(error.clone().into_result(), Ok(()));
        error.push("title", "must not be blank");
        error.push("", "too many todos");
        assert_eq!(
            error.to_string(),
            "`title`: must not be blank; too many todos"
        );
        assert_eq!(error.violations().len(), 2);
    }

    #[cfg(feature = "garde")]
    #[test]
    fn garde_reports_become_violations() {
        #[derive(garde::Validate)]
        struct Payload {
            #[garde(length(min = 1))]
            title: String,
        }
        let error = ValidateAction::validate(&Payload {
            title: String::new(),
        })
        .unwrap_err();
        assert_eq!(error.violations()[0].field, "title");
    }
}
