//! What everything else stands on: the founding statutes and the territorial
//! reference list, both issued by the system rather than the secretariat.

use registre_domain::statutes::{StatutesChanges, StatutesCommand, with_typical_instances};
use registre_domain::territory::{TerritoryCommand, UnitRow};
use registre_schema::Actor;
use registre_schema::events::{TerritorialLevel, TerritorialUnitKey};

use super::generator::{Gen, at};
use super::plan::{
    AMENDED_FROM, AMENDED_NOTICE_DAYS, AMENDMENT_REFERENCE, EDITION, FOUNDING, SCHEME,
    STATUTES_REFERENCE, TERRITORY_IMPORTED,
};
use super::{DemoError, MALI_2015_CSV};

pub(super) async fn adopt_statutes(g: &mut Gen<'_>) -> Result<(), DemoError> {
    g.run(
        Some(Actor::system()),
        at(FOUNDING, 9),
        StatutesCommand::Adopt {
            statutes: with_typical_instances(FOUNDING),
            reference: STATUTES_REFERENCE.into(),
        },
    )
    .await
}

/// The amendment the Congress's motion decided: one rule, the rest kept.
pub(super) async fn amend_notice(g: &mut Gen<'_>, motion_id: uuid::Uuid) -> Result<(), DemoError> {
    g.run(
        None,
        at(AMENDED_FROM, 9),
        StatutesCommand::Amend {
            effective_from: AMENDED_FROM,
            changes: StatutesChanges {
                notice_days_ordinary: Some(AMENDED_NOTICE_DAYS),
                ..Default::default()
            },
            reference: AMENDMENT_REFERENCE.into(),
            motion_id,
        },
    )
    .await
}

/// Imports the shipped 2015 list and returns its units.
pub(super) async fn import_territory(g: &mut Gen<'_>) -> Result<Vec<UnitRow>, DemoError> {
    let units = crate::territory_csv::parse(MALI_2015_CSV.as_bytes())
        .map_err(|e| DemoError::Territory(e.to_string()))?;
    g.run(
        Some(Actor::system()),
        at(TERRITORY_IMPORTED, 9),
        TerritoryCommand::Import {
            scheme: SCHEME.into(),
            edition: EDITION.into(),
            units: units.clone(),
        },
    )
    .await?;
    Ok(units)
}

/// A unit of the imported list, as bodies and members name it.
pub(super) fn key(code: &str) -> TerritorialUnitKey {
    TerritorialUnitKey {
        scheme: SCHEME.into(),
        edition: EDITION.into(),
        code: code.into(),
    }
}

/// The units of one level, in the list's order; `parent` narrows them to
/// one parent unit.
pub(super) fn units_at<'u>(
    units: &'u [UnitRow],
    level: TerritorialLevel,
    parent: Option<&str>,
) -> Vec<&'u UnitRow> {
    units
        .iter()
        .filter(|u| u.level == level && (parent.is_none() || u.parent_code.as_deref() == parent))
        .collect()
}
