//! The registers in formats other tools read: CSV for spreadsheets and
//! Popolo JSON for civic-data tools. Pure functions of the read models;
//! `registre export` folds the log and writes the file.
//!
//! ## Layout
//! - [`csv`]: one CSV per register (membership, dues, resolutions,
//!   office holders), UTF-8 with a byte-order mark.
//! - [`popolo`]: organizations, memberships, posts, motions and vote
//!   events in the Popolo data model.

pub mod csv;
pub mod popolo;

/// A serde enum's stored name (`snake_case`), for display in exports.
pub(crate) fn name_of<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
