//! The member communes: drawn from the territorial list, admitted with a
//! paying habit, and one suspended for its arrears.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::Datelike;
use registre_domain::member::MemberCommand;
use registre_domain::streams::member_id_for;
use registre_domain::territory::UnitRow;
use uuid::Uuid;

use super::DemoError;
use super::founding::key;
use super::generator::{Gen, at, day};
use super::plan::{
    ARREARS_YEARS, EXCLUSION_REASON, HEARING_NOTIFIED_ON, RURAL, SUSPENDED_ON, SUSPENSION_REASON,
    URBAN, URBAN_PREFIX,
};

pub(super) struct Commune {
    pub(super) id: Uuid,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) category: &'static str,
    /// 0: pays on time; 1: stops paying; 2: pays half some years.
    pub(super) habit: u8,
    pub(super) stops_in: i32,
}

/// Admits `count` communes drawn from the list's, each some day of the year
/// before the first dues year, with a paying habit drawn then.
pub(super) async fn admit(
    g: &mut Gen<'_>,
    units: &[&UnitRow],
    count: usize,
    years: &RangeInclusive<i32>,
) -> Result<Vec<Commune>, DemoError> {
    let mut candidates = units.to_vec();
    g.rng.shuffle(&mut candidates);
    candidates.truncate(count.min(candidates.len()));
    let mut communes = Vec::new();
    let mut batch = Vec::new();
    for (n, u) in candidates.iter().enumerate() {
        let unit = key(&u.code);
        let category = if u.code.starts_with(URBAN_PREFIX) {
            URBAN
        } else {
            RURAL
        };
        let admitted_on = day(years.start() - 1, 1, 15) + chrono::Days::new(g.rng.u64(0..300));
        let habit = match g.rng.u8(0..100) {
            0..80 => 0,
            80..92 => 1,
            _ => 2,
        };
        let stops_in = g.rng.i32(years.clone());
        communes.push(Commune {
            id: member_id_for(&unit),
            code: u.code.clone(),
            name: u.name.clone(),
            category,
            habit,
            stops_in,
        });
        batch.push((
            at(admitted_on, 10),
            MemberCommand::Admit {
                unit,
                name: u.name.clone(),
                keep_different_name: false,
                dues_category: category.into(),
                admitted_on,
                deliberation_ref: format!("Délibération du conseil communal n°{:03}", n + 1),
                decision_ref: format!("Décision BEN n°{}-{:03}", admitted_on.year(), n + 1),
            }
            .into(),
        ));
    }
    g.run_many(batch).await?;
    Ok(communes)
}

/// The members' names, for attendance and mandates.
pub(super) fn names(communes: &[Commune]) -> BTreeMap<Uuid, &str> {
    communes.iter().map(|c| (c.id, c.name.as_str())).collect()
}

/// Suspends the first member that stopped paying long enough ago.
pub(super) async fn suspend_for_arrears(
    g: &mut Gen<'_>,
    communes: &[Commune],
    last_year: i32,
) -> Result<Option<Uuid>, DemoError> {
    let Some(c) = communes
        .iter()
        .find(|c| c.habit == 1 && c.stops_in <= last_year - ARREARS_YEARS)
    else {
        return Ok(None);
    };
    g.run(
        None,
        at(SUSPENDED_ON, 10),
        MemberCommand::Suspend {
            member_id: c.id,
            effective_on: SUSPENDED_ON,
            reason: SUSPENSION_REASON.into(),
        },
    )
    .await?;
    Ok(Some(c.id))
}

/// Excludes `member` as the body's adopted motion decided, on the day of
/// its session.
pub(super) async fn exclude(
    g: &mut Gen<'_>,
    member: Uuid,
    body: Uuid,
    motion_id: Uuid,
    on: chrono::NaiveDate,
) -> Result<(), DemoError> {
    g.run(
        None,
        at(on, 16),
        MemberCommand::Exclude {
            member_id: member,
            effective_on: on,
            reason: EXCLUSION_REASON.into(),
            decided_by_body_id: body,
            hearing_notified_on: HEARING_NOTIFIED_ON,
            motion_id,
        },
    )
    .await
}
