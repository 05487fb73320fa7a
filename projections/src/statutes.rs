//! The statutes register: every version adopted, with the reference of the
//! decision behind it and what each amendment changed, so the rules in
//! force on any date can be read.

use chrono::NaiveDate;
use registre_domain::statutes::changed_rules;
use registre_schema::events::Statutes;
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};

use crate::fold::{Correction, CorrectionNotice, Fold, Meta};

/// One version of the statutes as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatutesVersion {
    pub statutes: Statutes,
    /// The decision that adopted or amended them (minutes, resolution).
    pub reference: String,
    pub position: Position,
    pub corrections: Vec<Correction>,
}

/// A rule an amendment changed: its name (the API's), before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    pub rule: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatutesRegister {
    /// In the order adopted (so by version).
    pub versions: Vec<StatutesVersion>,
}

impl StatutesRegister {
    /// The version in force on `date`: the latest taking effect on or
    /// before it.
    pub fn in_force(&self, date: NaiveDate) -> Option<&StatutesVersion> {
        self.versions
            .iter()
            .filter(|v| v.statutes.effective_from <= date)
            .max_by_key(|v| (v.statutes.effective_from, v.statutes.version))
    }

    /// What version `version` changed from the one before it (nothing for
    /// the first).
    pub fn changes(&self, version: u32) -> Vec<RuleChange> {
        let i = self
            .versions
            .iter()
            .position(|v| v.statutes.version == version);
        let (Some(before), Some(after)) = (
            i.and_then(|i| i.checked_sub(1))
                .and_then(|i| self.versions.get(i)),
            i.and_then(|i| self.versions.get(i)),
        ) else {
            return Vec::new();
        };
        changed_rules(&before.statutes, &after.statutes)
            .into_iter()
            .map(|(rule, before, after)| RuleChange {
                rule,
                before,
                after,
            })
            .collect()
    }
}

impl Fold for StatutesRegister {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        let (statutes, reference) = match event {
            DomainEvent::StatutesAdopted(e) => (&e.statutes, &e.reference),
            DomainEvent::StatutesAmended(e) => (&e.statutes, &e.reference),
            _ => return,
        };
        self.versions.push(StatutesVersion {
            statutes: statutes.clone(),
            reference: reference.clone(),
            position: meta.position,
            corrections: Vec::new(),
        });
    }

    fn on_correction(&mut self, n: &CorrectionNotice<'_>) {
        if n.corrected_stream != "statutes" {
            return;
        }
        let Some(at) = n.correction.corrected_position else {
            return;
        };
        if let Some(v) = self.versions.iter_mut().find(|v| v.position == at) {
            v.corrections.push(n.correction.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use registre_domain::statutes::StatutesChanges;

    #[test]
    fn every_version_is_kept_with_what_it_changed_and_the_one_in_force_is_found_by_date() {
        let m = given(vec![
            statutes_adopted(d(2001, 2, 1)),
            statutes_amended(
                2,
                d(2015, 1, 1),
                StatutesChanges {
                    mandate_years: Some(3),
                    ..Default::default()
                },
            ),
        ])
        .statutes;
        assert_eq!(m.versions.len(), 2);
        assert_eq!(m.in_force(d(2014, 12, 31)).unwrap().statutes.version, 1);
        assert_eq!(m.in_force(d(2015, 1, 1)).unwrap().statutes.version, 2);
        assert!(m.in_force(d(2000, 1, 1)).is_none());
        assert_eq!(m.versions[1].reference, "Congrès, résolution 2");
        assert_eq!(
            m.changes(2),
            vec![RuleChange {
                rule: "mandateYears".into(),
                before: "5".into(),
                after: "3".into(),
            }]
        );
        assert!(m.changes(1).is_empty());
        assert!(m.changes(7).is_empty());
    }
}
