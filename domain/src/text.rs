//! Limits on free text in commands.

use crate::DomainError;

/// Longest name (commune, body, post, person).
pub const MAX_NAME: usize = 200;
/// Longest reference, reason or title.
pub const MAX_TEXT: usize = 2_000;

/// A required text: non-blank and at most `max` characters.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::Required { field });
    }
    optional(field, value, max)
}

/// An optional text: at most `max` characters.
pub fn optional(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    Ok(())
}
