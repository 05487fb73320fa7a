//! Dues: schedules (stream `dues-schedule`) and payments (member streams).
//! Arrears are derived, never entered.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Amount owed by one category of members.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
pub struct DuesTier {
    pub category: String,
    /// Whole francs CFA (XOF has no minor unit).
    pub amount_xof: i64,
}

/// The dues schedule (barème) of one year was set.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct DuesScheduleSet {
    pub year: i32,
    pub tiers: Vec<DuesTier>,
    /// Dues unpaid after this date are in arrears.
    pub due_on: NaiveDate,
    pub statutes_version: u32,
}

/// A member paid (part of) its dues for a year (cotisation payée).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct DuesPaid {
    pub member_id: Uuid,
    pub year: i32,
    pub amount_xof: i64,
    pub paid_on: NaiveDate,
    pub receipt_ref: String,
}

/// A recorded payment was reversed (a bounced cheque, a payment entered
/// for the wrong commune): from `reversed_on` it no longer counts, and the
/// year's balance is owed again. The payment itself stays in the log.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, JsonSchema)]
pub struct DuesPaymentReversed {
    pub member_id: Uuid,
    /// The reversed payment's receipt number.
    pub receipt_ref: String,
    /// The reversed payment's year and amount, as it was recorded.
    pub year: i32,
    pub amount_xof: i64,
    pub reversed_on: NaiveDate,
    pub reason: String,
}
