//! Dues: a schedule every year, the members' payments by habit, the
//! correction of a mistyped receipt and the reversal of a payment.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use registre_domain::correction::CorrectRecord;
use registre_domain::dues::SetDuesSchedule;
use registre_domain::member::MemberCommand;
use registre_schema::StreamId;
use registre_schema::events::DuesTier;
use uuid::Uuid;

use super::DemoError;
use super::generator::{Gen, at, day};
use super::members::Commune;
use super::plan::{
    CORRECTED_ON, CORRECTION, CORRECTION_REASON, DUES, REVERSAL_REASON, REVERSED_ON,
};

/// Whose payments the later steps correct and reverse.
pub(super) struct Payments {
    /// The first member that paid.
    pub(super) first_payer: Option<Uuid>,
    /// The payments recorded, in order: member and receipt number.
    pub(super) receipts: Vec<(Uuid, String)>,
}

/// Each year's schedule, due on 31 March.
pub(super) async fn set_schedules(
    g: &mut Gen<'_>,
    years: &RangeInclusive<i32>,
) -> Result<(), DemoError> {
    for year in years.clone() {
        g.run(
            None,
            at(day(year, 1, 5), 9),
            SetDuesSchedule {
                year,
                tiers: DUES
                    .iter()
                    .map(|(c, a)| DuesTier {
                        category: (*c).into(),
                        amount_xof: *a,
                    })
                    .collect(),
                due_on: day(year, 3, 31),
            },
        )
        .await?;
    }
    Ok(())
}

/// Each year's payments, by habit: most members pay (the last year only
/// some have yet), some stop, some pay half in the years they fall short.
pub(super) async fn record_payments(
    g: &mut Gen<'_>,
    communes: &[Commune],
    years: &RangeInclusive<i32>,
) -> Result<Payments, DemoError> {
    let owed: BTreeMap<&str, i64> = DUES.into_iter().collect();
    let last_year = *years.end();
    let mut receipt = 0u32;
    let mut first_payment = None;
    let mut receipts = Vec::new();
    for year in years.clone() {
        let mut batch = Vec::new();
        for c in communes {
            let amount = owed[c.category];
            let pays = match c.habit {
                0 => year < last_year || g.rng.u8(0..100) < 60,
                1 => year < c.stops_in,
                _ => g.rng.bool(),
            };
            let amount = if c.habit == 2 && !pays {
                amount / 2
            } else if pays {
                amount
            } else {
                continue;
            };
            receipt += 1;
            let paid_on = day(year, 1, 20) + chrono::Days::new(g.rng.u64(0..60));
            first_payment.get_or_insert(c.id);
            let receipt_ref = format!("R-{year}-{receipt:05}");
            receipts.push((c.id, receipt_ref.clone()));
            batch.push((
                at(paid_on, 11),
                MemberCommand::RecordPayment {
                    member_id: c.id,
                    year,
                    amount_xof: amount,
                    paid_on,
                    receipt_ref,
                }
                .into(),
            ));
        }
        g.run_many(batch).await?;
    }
    Ok(Payments {
        first_payer: first_payment,
        receipts,
    })
}

/// Reverses the last payment of a member still in the association (a
/// cheque the bank returned): owed again from then.
pub(super) async fn reverse(
    g: &mut Gen<'_>,
    payments: &Payments,
    gone: Option<Uuid>,
) -> Result<(), DemoError> {
    let Some((member_id, receipt_ref)) = payments
        .receipts
        .iter()
        .rev()
        .find(|(m, _)| Some(*m) != gone)
        .cloned()
    else {
        return Ok(());
    };
    g.run(
        None,
        at(REVERSED_ON, 10),
        MemberCommand::ReversePayment {
            member_id,
            receipt_ref,
            reversed_on: REVERSED_ON,
            reason: REVERSAL_REASON.into(),
        },
    )
    .await
}

/// Corrects the receipt number of `member`'s first payment.
pub(super) async fn correct_receipt(
    g: &mut Gen<'_>,
    member: Option<Uuid>,
) -> Result<(), DemoError> {
    let Some(member) = member else {
        return Ok(());
    };
    let stream = StreamId::new(format!("member-{member}")).expect("valid stream id");
    let events = g.handler.store().read_stream(&stream, 0, 100).await?;
    let Some(paid) = events.iter().find(|e| e.event_type == "DuesPaid") else {
        return Ok(());
    };
    let correction_id = g.uuid();
    g.run(
        None,
        at(CORRECTED_ON, 9),
        CorrectRecord {
            correction_id,
            corrected_event_id: paid.id,
            corrected_stream_id: stream.to_string(),
            reason: CORRECTION_REASON.into(),
            correction: CORRECTION.into(),
        },
    )
    .await
}
