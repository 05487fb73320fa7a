//! Territorial units of one scheme and edition (stream
//! `territory-<scheme>-<edition>`): an import registers a reference list;
//! reorganisations record lineage between units.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use registre_schema::DomainEvent;
use registre_schema::events::{
    ReorganisationKind, TerritorialLevel, TerritorialUnitKey, TerritorialUnitRegistered,
    TerritorialUnitsReorganised,
};
use uuid::Uuid;

use crate::dates::Dated;
use crate::text::{MAX_NAME, MAX_TEXT, required};
use crate::{Aggregate, Context, DomainError, Reason};

/// Longest code accepted.
pub const MAX_CODE: usize = 32;

/// A unit of the edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub level: TerritorialLevel,
    pub name: String,
    pub parent_code: Option<String>,
}

/// The units of one edition, by code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Territory {
    pub units: BTreeMap<String, Unit>,
    pub reorganisations: BTreeSet<Uuid>,
    /// Codes a split, a merge, a rename or a transfer made into other
    /// units: none is made into others twice.
    pub reorganised: BTreeSet<String>,
}

/// One row of a reference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub code: String,
    pub level: TerritorialLevel,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone)]
pub enum TerritoryCommand {
    /// Registers the units not yet known; units already known with the
    /// same data are skipped, so re-importing an edition is a no-op.
    Import {
        scheme: String,
        edition: String,
        units: Vec<UnitRow>,
    },
    /// Predecessors belong to this edition; successors may belong to any
    /// edition and must be known to the territory view.
    RecordReorganisation {
        reorganisation_id: Uuid,
        kind: ReorganisationKind,
        effective_from: NaiveDate,
        predecessors: Vec<TerritorialUnitKey>,
        successors: Vec<TerritorialUnitKey>,
        legal_reference: String,
    },
}

fn parent_level(level: TerritorialLevel) -> Option<TerritorialLevel> {
    match level {
        TerritorialLevel::Region => None,
        TerritorialLevel::Cercle => Some(TerritorialLevel::Region),
        TerritorialLevel::Commune => Some(TerritorialLevel::Cercle),
    }
}

fn check_code(field: &'static str, code: &str) -> Result<(), DomainError> {
    required(field, code, MAX_CODE)?;
    if !code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(DomainError::InvalidTerritorialUnit {
            code: code.chars().take(MAX_CODE).collect(),
            reason: Reason::new(
                "only ASCII letters, digits and - _ . are allowed in codes",
                "un code ne contient que des lettres ASCII, des chiffres et - _ .",
            ),
        });
    }
    Ok(())
}

/// A reorganisation's units are of one level, in the numbers its kind
/// says: the lineage reads a rename or a transfer as one unit carried
/// (see [`crate::lineage`]), so a kind must mean what it says.
fn check_shape(
    kind: ReorganisationKind,
    predecessors: usize,
    successors: usize,
    levels: usize,
) -> Result<(), DomainError> {
    use ReorganisationKind as K;
    let bad = |english, french| {
        Err(DomainError::InvalidReorganisation {
            reason: Reason::new(english, french),
        })
    };
    if levels != 1 {
        return bad(
            "its units are of one level",
            "ses collectivités sont d'un seul niveau",
        );
    }
    match kind {
        K::Rename | K::Transfer if predecessors != 1 || successors != 1 => bad(
            "a rename or a transfer makes one unit of one",
            "un changement de nom ou un rattachement fait d'une collectivité une seule",
        ),
        K::Merge if predecessors < 2 || successors != 1 => bad(
            "a merge makes one unit of several",
            "une fusion fait de plusieurs collectivités une seule",
        ),
        K::Split if predecessors != 1 || successors < 2 => bad(
            "a split makes several units of one",
            "une scission fait d'une collectivité plusieurs",
        ),
        _ => Ok(()),
    }
}

/// Whether a reorganisation of `kind` makes its predecessors into other
/// units (a creation leaves them as they were).
fn ends(kind: ReorganisationKind) -> bool {
    kind != ReorganisationKind::Creation
}

/// Predecessors of one edition (this stream's: the first one's), named
/// once each and not made into other units before; successors of the same
/// scheme in another edition, named once each.
fn check_editions(
    state: &Territory,
    kind: ReorganisationKind,
    predecessors: &[TerritorialUnitKey],
    successors: &[TerritorialUnitKey],
) -> Result<(), DomainError> {
    let bad = |english, french| {
        Err(DomainError::InvalidReorganisation {
            reason: Reason::new(english, french),
        })
    };
    let first = &predecessors[0];
    if predecessors
        .iter()
        .any(|p| p.scheme != first.scheme || p.edition != first.edition)
    {
        return bad(
            "its predecessors are of one edition",
            "ses collectivités d'origine sont d'une seule édition",
        );
    }
    if successors
        .iter()
        .any(|s| s.scheme != first.scheme || s.edition == first.edition)
    {
        return bad(
            "its successors are of another edition of the same list",
            "les collectivités qui en sont issues sont d'une autre édition du même référentiel",
        );
    }
    let distinct =
        |units: &[TerritorialUnitKey]| units.iter().collect::<BTreeSet<_>>().len() == units.len();
    if !distinct(predecessors) || !distinct(successors) {
        return bad(
            "each unit is named once",
            "chaque collectivité est nommée une fois",
        );
    }
    if ends(kind)
        && predecessors
            .iter()
            .any(|p| state.reorganised.contains(&p.code))
    {
        return bad(
            "a unit is made into other units once",
            "une collectivité n'est réorganisée en d'autres qu'une fois",
        );
    }
    Ok(())
}

impl Aggregate for Territory {
    type State = Territory;
    type Command = TerritoryCommand;
    type Event = DomainEvent;

    fn dates(command: &TerritoryCommand) -> Vec<Dated> {
        match command {
            TerritoryCommand::Import { .. } => vec![],
            TerritoryCommand::RecordReorganisation { effective_from, .. } => {
                vec![Dated::day("effective_from", *effective_from)]
            }
        }
    }

    fn decide_dated(
        state: &Territory,
        command: &TerritoryCommand,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        match command {
            TerritoryCommand::Import {
                scheme,
                edition,
                units,
            } => {
                check_code("scheme", scheme)?;
                check_code("edition", edition)?;
                let mut batch: BTreeMap<&str, &UnitRow> = BTreeMap::new();
                for row in units {
                    check_code("code", &row.code)?;
                    required("name", &row.name, MAX_NAME)?;
                    if batch.insert(&row.code, row).is_some() {
                        return Err(DomainError::InvalidTerritorialUnit {
                            code: row.code.clone(),
                            reason: Reason::new("listed twice", "elle figure deux fois"),
                        });
                    }
                }
                let level_of = |code: &str| {
                    batch
                        .get(code)
                        .map(|r| r.level)
                        .or_else(|| state.units.get(code).map(|u| u.level))
                };
                let mut events = Vec::new();
                for row in units {
                    let parent_ok = match (parent_level(row.level), &row.parent_code) {
                        (None, None) => true,
                        (Some(want), Some(p)) => level_of(p) == Some(want),
                        _ => false,
                    };
                    if !parent_ok {
                        return Err(DomainError::InvalidTerritorialUnit {
                            code: row.code.clone(),
                            reason: Reason::new(
                                "its parent is missing or of the wrong level",
                                "son rattachement manque ou n'est pas du bon niveau",
                            ),
                        });
                    }
                    let unit = Unit {
                        level: row.level,
                        name: row.name.clone(),
                        parent_code: row.parent_code.clone(),
                    };
                    match state.units.get(&row.code) {
                        Some(known) if *known == unit => continue,
                        Some(_) => {
                            return Err(DomainError::TerritorialUnitConflict {
                                code: row.code.clone(),
                            });
                        }
                        None => events.push(
                            TerritorialUnitRegistered {
                                unit: TerritorialUnitKey {
                                    scheme: scheme.clone(),
                                    edition: edition.clone(),
                                    code: row.code.clone(),
                                },
                                level: row.level,
                                name: row.name.clone(),
                                parent_code: row.parent_code.clone(),
                            }
                            .into(),
                        ),
                    }
                }
                Ok(events)
            }
            TerritoryCommand::RecordReorganisation {
                reorganisation_id,
                kind,
                effective_from,
                predecessors,
                successors,
                legal_reference,
            } => {
                if state.reorganisations.contains(reorganisation_id) {
                    return Err(DomainError::IdAlreadyUsed);
                }
                required("legal_reference", legal_reference, MAX_TEXT)?;
                if predecessors.is_empty() {
                    return Err(DomainError::Required {
                        field: "predecessors",
                    });
                }
                if successors.is_empty() {
                    return Err(DomainError::Required {
                        field: "successors",
                    });
                }
                for p in predecessors {
                    if !state.units.contains_key(&p.code) {
                        return Err(DomainError::UnknownTerritorialUnit {
                            code: p.code.clone(),
                        });
                    }
                }
                let mut levels = BTreeSet::new();
                for p in predecessors {
                    levels.extend(state.units.get(&p.code).map(|u| u.level));
                }
                for s in successors {
                    match ctx.facts.known_units.get(s) {
                        Some(u) => levels.insert(u.level),
                        None => {
                            return Err(DomainError::UnknownTerritorialUnit {
                                code: s.code.clone(),
                            });
                        }
                    };
                }
                check_shape(*kind, predecessors.len(), successors.len(), levels.len())?;
                check_editions(state, *kind, predecessors, successors)?;
                Ok(vec![
                    TerritorialUnitsReorganised {
                        reorganisation_id: *reorganisation_id,
                        kind: *kind,
                        effective_from: *effective_from,
                        predecessors: predecessors.clone(),
                        successors: successors.clone(),
                        legal_reference: legal_reference.clone(),
                    }
                    .into(),
                ])
            }
        }
    }

    fn evolve(mut state: Territory, event: &DomainEvent) -> Territory {
        match event {
            DomainEvent::TerritorialUnitRegistered(e) => {
                state.units.insert(
                    e.unit.code.clone(),
                    Unit {
                        level: e.level,
                        name: e.name.clone(),
                        parent_code: e.parent_code.clone(),
                    },
                );
            }
            DomainEvent::TerritorialUnitsReorganised(e) => {
                state.reorganisations.insert(e.reorganisation_id);
                if ends(e.kind) {
                    state
                        .reorganised
                        .extend(e.predecessors.iter().map(|p| p.code.clone()));
                }
            }
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::UnitFact;
    use crate::testing::*;

    fn row(code: &str, level: TerritorialLevel, parent: Option<&str>) -> UnitRow {
        UnitRow {
            code: code.into(),
            level,
            name: format!("n{code}"),
            parent_code: parent.map(Into::into),
        }
    }

    fn import(units: Vec<UnitRow>) -> TerritoryCommand {
        TerritoryCommand::Import {
            scheme: "ocha-pcode".into(),
            edition: "2015".into(),
            units,
        }
    }

    fn registered(r: &UnitRow) -> DomainEvent {
        TerritorialUnitRegistered {
            unit: key(&r.code),
            level: r.level,
            name: r.name.clone(),
            parent_code: r.parent_code.clone(),
        }
        .into()
    }

    fn sample() -> Vec<UnitRow> {
        use TerritorialLevel::*;
        vec![
            row("ML01", Region, None),
            row("ML0101", Cercle, Some("ML01")),
            row("ML010101", Commune, Some("ML0101")),
        ]
    }

    #[test]
    fn import_registers_each_unit() {
        let rows = sample();
        given::<Territory>(vec![])
            .when(import(rows.clone()))
            .then_events(rows.iter().map(registered).collect());
    }

    #[test]
    fn reimporting_an_edition_is_a_no_op_and_new_units_are_added() {
        let rows = sample();
        let history: Vec<_> = rows.iter().map(registered).collect();
        given::<Territory>(history.clone())
            .when(import(rows.clone()))
            .then_events(vec![]);
        let extra = row("ML010102", TerritorialLevel::Commune, Some("ML0101"));
        let mut more = rows;
        more.push(extra.clone());
        given::<Territory>(history)
            .when(import(more))
            .then_events(vec![registered(&extra)]);
    }

    #[test]
    fn a_known_code_with_other_data_conflicts() {
        let rows = sample();
        let history: Vec<_> = rows.iter().map(registered).collect();
        let mut changed = rows;
        changed[2].name = "Autre".into();
        given::<Territory>(history)
            .when(import(changed))
            .then_error("TERRITORIAL_UNIT_CONFLICT");
    }

    #[test]
    fn malformed_lists_are_refused_whole() {
        use TerritorialLevel::*;
        given::<Territory>(vec![])
            .when(import(vec![row("ML0101", Cercle, Some("ML01"))]))
            .then_error("INVALID_TERRITORIAL_UNIT");
        given::<Territory>(vec![])
            .when(import(vec![
                row("ML01", Region, None),
                row("ML01", Region, None),
            ]))
            .then_error("INVALID_TERRITORIAL_UNIT");
        given::<Territory>(vec![])
            .when(import(vec![row("ML 01", Region, None)]))
            .then_error("INVALID_TERRITORIAL_UNIT");
        let mut blank = row("ML01", Region, None);
        blank.name = "".into();
        given::<Territory>(vec![])
            .when(import(vec![blank]))
            .then_error("FIELD_REQUIRED");
    }

    fn reorganise(
        kind: ReorganisationKind,
        successors: &[&TerritorialUnitKey],
    ) -> TerritoryCommand {
        TerritoryCommand::RecordReorganisation {
            reorganisation_id: id(7),
            kind,
            effective_from: d(2024, 1, 1),
            predecessors: vec![key("ML010101")],
            successors: successors.iter().map(|s| (*s).clone()).collect(),
            legal_reference: "Loi 2023-006".into(),
        }
    }

    fn in_2024(code: &str) -> TerritorialUnitKey {
        TerritorialUnitKey {
            edition: "2024".into(),
            ..key(code)
        }
    }

    fn knows_2024(level: TerritorialLevel) -> impl Fn(&mut crate::Facts) {
        move |f| {
            for code in ["ML010198", "ML010199"] {
                f.known_units.insert(
                    in_2024(code),
                    UnitFact {
                        level,
                        name: "x".into(),
                    },
                );
            }
        }
    }

    #[test]
    fn reorganisation_records_lineage_between_known_units() {
        let history: Vec<_> = sample().iter().map(registered).collect();
        let succ = in_2024("ML010199");
        given::<Territory>(history.clone())
            .with_facts(knows_2024(TerritorialLevel::Commune))
            .when(reorganise(ReorganisationKind::Transfer, &[&succ]))
            .then_events(vec![
                TerritorialUnitsReorganised {
                    reorganisation_id: id(7),
                    kind: ReorganisationKind::Transfer,
                    effective_from: d(2024, 1, 1),
                    predecessors: vec![key("ML010101")],
                    successors: vec![succ.clone()],
                    legal_reference: "Loi 2023-006".into(),
                }
                .into(),
            ]);
        given::<Territory>(history)
            .when(reorganise(ReorganisationKind::Transfer, &[&succ]))
            .then_error("UNKNOWN_TERRITORIAL_UNIT");
        given::<Territory>(vec![])
            .when(reorganise(ReorganisationKind::Transfer, &[&key("ML01")]))
            .then_error("UNKNOWN_TERRITORIAL_UNIT");
    }

    #[test]
    fn a_reorganisation_is_of_one_level_and_as_many_units_as_its_kind_says() {
        use ReorganisationKind as K;
        let history: Vec<_> = sample().iter().map(registered).collect();
        let (a, b) = (in_2024("ML010198"), in_2024("ML010199"));
        // A split of one commune into two is recorded;
        let split = given::<Territory>(history.clone())
            .with_facts(knows_2024(TerritorialLevel::Commune))
            .when(reorganise(K::Split, &[&a, &b]))
            .then_events(vec![
                TerritorialUnitsReorganised {
                    reorganisation_id: id(7),
                    kind: K::Split,
                    effective_from: d(2024, 1, 1),
                    predecessors: vec![key("ML010101")],
                    successors: vec![a.clone(), b.clone()],
                    legal_reference: "Loi 2023-006".into(),
                }
                .into(),
            ]);
        assert_eq!(split.len(), 1);
        // a split into one, a rename into two, a merge of one are not;
        for (kind, successors) in [
            (K::Split, vec![&a]),
            (K::Rename, vec![&a, &b]),
            (K::Transfer, vec![&a, &b]),
            (K::Merge, vec![&a]),
        ] {
            given::<Territory>(history.clone())
                .with_facts(knows_2024(TerritorialLevel::Commune))
                .when(reorganise(kind, &successors))
                .then_error("INVALID_REORGANISATION");
        }
        // nor a commune become a cercle,
        given::<Territory>(history.clone())
            .with_facts(knows_2024(TerritorialLevel::Cercle))
            .when(reorganise(K::Rename, &[&a]))
            .then_error("INVALID_REORGANISATION");
        // nor a successor be named twice, or be of the same edition,
        given::<Territory>(history.clone())
            .with_facts(knows_2024(TerritorialLevel::Commune))
            .when(reorganise(K::Split, &[&a, &a]))
            .then_error("INVALID_REORGANISATION");
        let same_edition = key("ML010101");
        given::<Territory>(history.clone())
            .with_facts(|f| {
                f.known_units.insert(
                    key("ML010101"),
                    UnitFact {
                        level: TerritorialLevel::Commune,
                        name: "x".into(),
                    },
                );
            })
            .when(reorganise(K::Rename, &[&same_edition]))
            .then_error("INVALID_REORGANISATION");
        // nor a unit be made into others twice.
        let mut again = history;
        again.extend(split);
        given::<Territory>(again)
            .with_facts(knows_2024(TerritorialLevel::Commune))
            .when(TerritoryCommand::RecordReorganisation {
                reorganisation_id: id(8),
                kind: K::Rename,
                effective_from: d(2024, 1, 1),
                predecessors: vec![key("ML010101")],
                successors: vec![b.clone()],
                legal_reference: "Loi 2024-001".into(),
            })
            .then_error("INVALID_REORGANISATION");
    }
}
