//! A territorial reform, as an example (see `plan::REFORM_EDITION`): a
//! second edition of the list in which two member communes of a cercle
//! are merged; then the merger's lineage, and the merged commune's
//! succession to both, taking over their unpaid dues. Every other unit
//! keeps its code, so every other member is the same commune in both
//! editions.

use registre_domain::member::MemberCommand;
use registre_domain::territory::{TerritoryCommand, UnitRow};
use registre_schema::Actor;
use registre_schema::events::{ReorganisationKind, TerritorialLevel, TerritorialUnitKey};
use uuid::Uuid;

use super::DemoError;
use super::founding::{key, units_at};
use super::generator::{Gen, at};
use super::members::Commune;
use super::plan::{
    REFORM_EDITION, REFORM_FROM, REFORM_MERGED_SUFFIX, REFORM_RECORDED, REFORM_REFERENCE, SCHEME,
};

fn in_reform(code: &str) -> TerritorialUnitKey {
    TerritorialUnitKey {
        scheme: SCHEME.into(),
        edition: REFORM_EDITION.into(),
        code: code.into(),
    }
}

/// Merges two members of the first cercle of `region` that has two still
/// in the association (`gone` has left it).
pub(super) async fn reorganise(
    g: &mut Gen<'_>,
    units: &[UnitRow],
    communes: &[Commune],
    region: &str,
    gone: Option<Uuid>,
) -> Result<(), DemoError> {
    let parent_of = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .and_then(|u| u.parent_code.as_deref())
    };
    let Some((cercle, pair)) = units_at(units, TerritorialLevel::Cercle, Some(region))
        .into_iter()
        .find_map(|cercle| {
            let pair: Vec<&Commune> = communes
                .iter()
                .filter(|c| Some(c.id) != gone && parent_of(&c.code) == Some(&cercle.code))
                .take(2)
                .collect();
            (pair.len() == 2).then_some((cercle, pair))
        })
    else {
        return Ok(());
    };
    let merged = format!("{}{REFORM_MERGED_SUFFIX}", cercle.code);

    // The edition: the same list, the two communes one.
    let mut rows: Vec<UnitRow> = units
        .iter()
        .filter(|u| pair.iter().all(|c| c.code != u.code))
        .cloned()
        .collect();
    rows.push(UnitRow {
        code: merged.clone(),
        level: TerritorialLevel::Commune,
        name: format!("{}-{}", pair[0].name, pair[1].name),
        parent_code: Some(cercle.code.clone()),
    });
    g.run(
        Some(Actor::system()),
        at(REFORM_RECORDED, 9),
        TerritoryCommand::Import {
            scheme: SCHEME.into(),
            edition: REFORM_EDITION.into(),
            units: rows,
        },
    )
    .await?;
    let merge_id = g.uuid();
    g.run(
        None,
        at(REFORM_RECORDED, 10),
        TerritoryCommand::RecordReorganisation {
            reorganisation_id: merge_id,
            kind: ReorganisationKind::Merge,
            effective_from: REFORM_FROM,
            predecessors: pair.iter().map(|c| key(&c.code)).collect(),
            successors: vec![in_reform(&merged)],
            legal_reference: REFORM_REFERENCE.into(),
        },
    )
    .await?;

    // The merged commune succeeds both and takes over their unpaid dues.
    for c in &pair {
        g.run(
            None,
            at(REFORM_RECORDED, 11),
            MemberCommand::Succeed {
                member_id: c.id,
                successor_unit: in_reform(&merged),
                successor_name: String::new(),
                keep_different_name: false,
                dues_category: c.category.into(),
                effective_on: REFORM_FROM,
                inherits_dues: true,
                reorganisation_id: Some(merge_id),
            },
        )
        .await?;
    }
    Ok(())
}
