//! The same place under two editions of a reference list.
//!
//! A code stands for the same unit from one edition to the next unless a
//! reorganisation says otherwise. A rename or a transfer carries its one
//! predecessor to its one successor: the commune is the same, so its
//! member keeps one identity, its dues and its mandates. A split, a merge
//! or a creation ends its predecessors and starts its successors: those
//! communes are succeeded, not carried.
//!
//! Architecture invariant: a body's territory and a register's region
//! filter speak of one edition; a member is placed in that edition by
//! [`Lineage::unit_in`], never by comparing codes of two editions.

use std::collections::{BTreeMap, BTreeSet};

use registre_schema::events::{ReorganisationKind, TerritorialUnitKey};

/// Most links one walk follows: it ends a walk caught in a cycle.
const WALK_BOUND: usize = 16;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lineage {
    /// The editions of each scheme.
    editions: BTreeMap<String, BTreeSet<String>>,
    /// Predecessor → its one successor (a rename or a transfer).
    carried: BTreeMap<TerritorialUnitKey, TerritorialUnitKey>,
    /// Successor → its one predecessor.
    carried_from: BTreeMap<TerritorialUnitKey, TerritorialUnitKey>,
    /// Units a split, a merge or a creation ended or started: no code
    /// carries them to another edition.
    broken: BTreeSet<TerritorialUnitKey>,
}

impl Lineage {
    /// Notes a registered unit's edition.
    pub fn registered(&mut self, unit: &TerritorialUnitKey) {
        if !self
            .editions
            .get(&unit.scheme)
            .is_some_and(|e| e.contains(&unit.edition))
        {
            self.editions
                .entry(unit.scheme.clone())
                .or_default()
                .insert(unit.edition.clone());
        }
    }

    /// Notes a reorganisation's lineage.
    pub fn reorganised(
        &mut self,
        kind: ReorganisationKind,
        predecessors: &[TerritorialUnitKey],
        successors: &[TerritorialUnitKey],
    ) {
        use ReorganisationKind as K;
        match (kind, predecessors, successors) {
            (K::Rename | K::Transfer, [from], [to]) => {
                self.carried.insert(from.clone(), to.clone());
                self.carried_from.insert(to.clone(), from.clone());
            }
            _ => self
                .broken
                .extend(predecessors.iter().chain(successors).cloned()),
        }
    }

    /// The unit `unit` is in `edition` of its scheme: itself; the one a
    /// chain of renames and transfers leads to, either way; or the same
    /// code there, from the unit or from the end of its chain forward,
    /// when no reorganisation made either side new. `exists` says whether
    /// a key is registered.
    pub fn unit_in(
        &self,
        unit: &TerritorialUnitKey,
        edition: &str,
        exists: impl Fn(&TerritorialUnitKey) -> bool,
    ) -> Option<TerritorialUnitKey> {
        if unit.edition == edition {
            return Some(unit.clone());
        }
        let mut forward_end = unit;
        for (links, end) in [(&self.carried, true), (&self.carried_from, false)] {
            let mut at = unit;
            for _ in 0..WALK_BOUND {
                let Some(next) = links.get(at) else { break };
                if next.edition == edition {
                    return Some(next.clone());
                }
                at = next;
            }
            if end {
                forward_end = at;
            }
        }
        let same = |from: &TerritorialUnitKey| TerritorialUnitKey {
            edition: edition.to_owned(),
            ..from.clone()
        };
        // Made new or ended by a split, a merge, a creation, or the
        // successor of another unit's rename: not the same place.
        let new_there =
            |k: &TerritorialUnitKey| self.broken.contains(k) || self.carried_from.contains_key(k);
        let untouched = |k: &TerritorialUnitKey| !new_there(k) && !self.carried.contains_key(k);
        let from = if forward_end == unit {
            untouched(unit).then_some(unit)
        } else {
            (!self.broken.contains(forward_end)).then_some(forward_end)
        }?;
        let there = same(from);
        (!new_there(&there) && !self.carried.contains_key(&there) && exists(&there))
            .then_some(there)
    }

    /// The unit under each other edition of its scheme where it stands:
    /// the keys a member of the same commune may have been admitted under.
    pub fn elsewhere(
        &self,
        unit: &TerritorialUnitKey,
        exists: impl Fn(&TerritorialUnitKey) -> bool,
    ) -> Vec<TerritorialUnitKey> {
        self.editions
            .get(&unit.scheme)
            .into_iter()
            .flatten()
            .filter(|e| **e != unit.edition)
            .filter_map(|e| self.unit_in(unit, e, &exists))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(edition: &str, code: &str) -> TerritorialUnitKey {
        TerritorialUnitKey {
            scheme: "ocha-pcode".into(),
            edition: edition.into(),
            code: code.into(),
        }
    }

    /// Editions 2015 and 2023: ML010101 unchanged, ML010102 renamed
    /// ML010199, ML010103 and ML010104 merged into ML010105.
    fn reformed() -> (Lineage, BTreeSet<TerritorialUnitKey>) {
        let mut l = Lineage::default();
        let mut units = BTreeSet::new();
        for k in [
            key("2015", "ML010101"),
            key("2015", "ML010102"),
            key("2015", "ML010103"),
            key("2015", "ML010104"),
            key("2023", "ML010101"),
            key("2023", "ML010199"),
            key("2023", "ML010103"),
            key("2023", "ML010105"),
        ] {
            l.registered(&k);
            units.insert(k);
        }
        l.reorganised(
            ReorganisationKind::Rename,
            &[key("2015", "ML010102")],
            &[key("2023", "ML010199")],
        );
        l.reorganised(
            ReorganisationKind::Merge,
            &[key("2015", "ML010103"), key("2015", "ML010104")],
            &[key("2023", "ML010105")],
        );
        (l, units)
    }

    #[test]
    fn an_untouched_code_is_the_same_unit_in_the_next_edition() {
        let (l, units) = reformed();
        let exists = |k: &TerritorialUnitKey| units.contains(k);
        assert_eq!(
            l.unit_in(&key("2015", "ML010101"), "2023", exists),
            Some(key("2023", "ML010101"))
        );
        assert_eq!(
            l.unit_in(&key("2023", "ML010101"), "2015", exists),
            Some(key("2015", "ML010101"))
        );
    }

    #[test]
    fn a_rename_carries_the_unit_both_ways() {
        let (l, units) = reformed();
        let exists = |k: &TerritorialUnitKey| units.contains(k);
        assert_eq!(
            l.unit_in(&key("2015", "ML010102"), "2023", exists),
            Some(key("2023", "ML010199"))
        );
        assert_eq!(
            l.unit_in(&key("2023", "ML010199"), "2015", exists),
            Some(key("2015", "ML010102"))
        );
        assert_eq!(
            l.elsewhere(&key("2023", "ML010199"), exists),
            vec![key("2015", "ML010102")]
        );
    }

    #[test]
    fn a_rename_then_an_unchanged_code_is_followed_to_a_third_edition() {
        let (mut l, mut units) = reformed();
        for k in [key("2030", "ML010199"), key("2030", "ML010101")] {
            l.registered(&k);
            units.insert(k);
        }
        let exists = |k: &TerritorialUnitKey| units.contains(k);
        assert_eq!(
            l.unit_in(&key("2015", "ML010102"), "2030", exists),
            Some(key("2030", "ML010199"))
        );
        assert_eq!(
            l.elsewhere(&key("2015", "ML010101"), exists),
            vec![key("2023", "ML010101"), key("2030", "ML010101")]
        );
    }

    #[test]
    fn a_merge_carries_no_predecessor_even_where_its_code_stays() {
        let (l, units) = reformed();
        let exists = |k: &TerritorialUnitKey| units.contains(k);
        // ML010103 still stands in 2023's list, but as the merge's
        // predecessor it is not carried there.
        assert_eq!(l.unit_in(&key("2015", "ML010103"), "2023", exists), None);
        assert_eq!(l.unit_in(&key("2015", "ML010104"), "2023", exists), None);
        assert_eq!(l.unit_in(&key("2023", "ML010105"), "2015", exists), None);
    }

    #[test]
    fn a_code_missing_from_the_other_edition_is_nowhere_there() {
        let (l, units) = reformed();
        let exists = |k: &TerritorialUnitKey| units.contains(k);
        assert_eq!(l.unit_in(&key("2015", "ML019999"), "2023", exists), None);
        assert!(l.elsewhere(&key("2015", "ML019999"), exists).is_empty());
    }
}
