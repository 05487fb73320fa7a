//! The same place under two editions of a reference list.
//!
//! A code stands for the same unit from one edition to the next unless a
//! reorganisation says otherwise. A rename or a transfer carries its one
//! predecessor to its one successor: the commune is the same, so its
//! member keeps one identity, its dues and its mandates. A split or a
//! merge ends its predecessors and starts its successors, a creation
//! starts its successors: those communes are succeeded, not carried. Editions are ordered as their
//! names sort (`2015` before `2023`): a split's successor has no earlier
//! self, its predecessor no later one.
//!
//! Architecture invariant: a body's territory and a register's region
//! filter speak of one edition; a member is placed in that edition by
//! [`Lineage::unit_in`], never by comparing codes of two editions.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use registre_schema::events::{ReorganisationKind, TerritorialUnitKey};

/// Most units a walk visits per edition: it ends a walk through a list
/// whose links go round in circles.
const WALK_BOUND: usize = 16;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lineage {
    /// The editions of each scheme.
    editions: BTreeMap<String, BTreeSet<String>>,
    /// Predecessor → its one successor (a rename or a transfer).
    carried: BTreeMap<TerritorialUnitKey, TerritorialUnitKey>,
    /// Successor → its one predecessor.
    carried_from: BTreeMap<TerritorialUnitKey, TerritorialUnitKey>,
    /// Predecessors of a split, a merge or a creation: no later edition's
    /// code is them.
    ended: BTreeSet<TerritorialUnitKey>,
    /// Successors of a split, a merge or a creation: no earlier edition's
    /// code is them.
    started: BTreeSet<TerritorialUnitKey>,
}

/// Adds a unit's edition to the editions of its scheme (cloning only
/// what is new: a list registers hundreds of units of one edition).
pub fn note_edition(editions: &mut BTreeMap<String, BTreeSet<String>>, unit: &TerritorialUnitKey) {
    if !editions
        .get(&unit.scheme)
        .is_some_and(|e| e.contains(&unit.edition))
    {
        editions
            .entry(unit.scheme.clone())
            .or_default()
            .insert(unit.edition.clone());
    }
}

impl Lineage {
    /// Notes a registered unit's edition.
    pub fn registered(&mut self, unit: &TerritorialUnitKey) {
        note_edition(&mut self.editions, unit);
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
            // A creation leaves its predecessors as they were.
            (K::Creation, _, _) => self.started.extend(successors.iter().cloned()),
            _ => {
                self.ended.extend(predecessors.iter().cloned());
                self.started.extend(successors.iter().cloned());
            }
        }
    }

    /// The unit `unit` is in `edition` of its scheme: itself, or the one
    /// reached by renames and transfers (either way) and codes that stand
    /// for the same place from one edition to another (see
    /// [`Lineage::same_place`]), through any number of editions. `exists`
    /// says whether a key is registered.
    pub fn unit_in(
        &self,
        unit: &TerritorialUnitKey,
        edition: &str,
        exists: impl Fn(&TerritorialUnitKey) -> bool,
    ) -> Option<TerritorialUnitKey> {
        if unit.edition == edition {
            return Some(unit.clone());
        }
        let editions = self.editions_of(&unit.scheme, edition);
        let mut seen = BTreeSet::from([unit.clone()]);
        let mut queue = VecDeque::from([unit.clone()]);
        while let Some(at) = queue.pop_front() {
            if seen.len() > WALK_BOUND * editions.len() {
                break;
            }
            // A recorded link first, then an unchanged code.
            let mut next: Vec<TerritorialUnitKey> = Vec::new();
            next.extend(self.carried.get(&at).cloned());
            next.extend(self.carried_from.get(&at).cloned());
            for e in editions.iter().filter(|e| **e != at.edition) {
                let there = TerritorialUnitKey {
                    edition: e.clone(),
                    ..at.clone()
                };
                if self.same_place(&at, &there) && exists(&there) {
                    next.push(there);
                }
            }
            for n in next {
                if n.edition == edition {
                    return Some(n);
                }
                if seen.insert(n.clone()) {
                    queue.push_back(n);
                }
            }
        }
        None
    }

    /// Whether one code stands for the same place in two editions,
    /// ordered as their names sort (years): the earlier was not ended by a
    /// split, a merge or a creation, nor renamed or transferred into
    /// another unit by the later edition; the later was not made by one,
    /// nor is it another unit's successor since the earlier.
    fn same_place(&self, a: &TerritorialUnitKey, b: &TerritorialUnitKey) -> bool {
        let (early, late) = if a.edition <= b.edition {
            (a, b)
        } else {
            (b, a)
        };
        !self.ended.contains(early)
            && !self.started.contains(late)
            && self
                .carried
                .get(early)
                .is_none_or(|n| n.edition > late.edition)
            && self
                .carried_from
                .get(late)
                .is_none_or(|p| p.edition < early.edition)
    }

    /// The editions of `scheme` a walk may pass through: those registered,
    /// those a reorganisation names, and `target`.
    fn editions_of(&self, scheme: &str, target: &str) -> BTreeSet<String> {
        let linked = self
            .carried
            .iter()
            .flat_map(|(a, b)| [a, b])
            .chain(&self.ended)
            .chain(&self.started)
            .filter(|k| k.scheme == scheme)
            .map(|k| k.edition.clone());
        let mut editions: BTreeSet<String> = self
            .editions
            .get(scheme)
            .into_iter()
            .flatten()
            .cloned()
            .chain(linked)
            .collect();
        editions.insert(target.to_owned());
        editions
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
    fn a_renamed_units_successor_is_found_from_a_later_edition_and_back() {
        let (mut l, mut units) = reformed();
        for k in [key("2030", "ML010199"), key("2030", "ML010105")] {
            l.registered(&k);
            units.insert(k);
        }
        let exists = |k: &TerritorialUnitKey| units.contains(k);
        assert_eq!(
            l.unit_in(&key("2023", "ML010199"), "2030", exists),
            Some(key("2030", "ML010199"))
        );
        assert_eq!(
            l.unit_in(&key("2030", "ML010199"), "2015", exists),
            Some(key("2015", "ML010102"))
        );
        assert_eq!(
            l.elsewhere(&key("2030", "ML010199"), exists),
            vec![key("2015", "ML010102"), key("2023", "ML010199")]
        );
        // The merged commune is itself from 2023 on, and nothing before.
        assert_eq!(
            l.unit_in(&key("2030", "ML010105"), "2023", exists),
            Some(key("2023", "ML010105"))
        );
        assert_eq!(l.unit_in(&key("2030", "ML010105"), "2015", exists), None);
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
