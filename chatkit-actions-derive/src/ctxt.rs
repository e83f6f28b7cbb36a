//! The error sink: every rule pushes its error and carries on, so one build reports every
//! mistake at once.

use std::cell::RefCell;

use quote::ToTokens;

/// Collects the errors of one macro invocation. Must be consumed with [`Ctxt::check`].
#[must_use]
pub(crate) struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Vec::new()),
        }
    }

    /// An error spanning the tokens of `at`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: std::fmt::Display>(&self, at: T, message: M) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(at.into_token_stream(), message));
    }

    /// An error built by the caller (for example one with a custom span).
    pub(crate) fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// All errors, combined; `Ok` when there were none.
    pub(crate) fn check(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}
