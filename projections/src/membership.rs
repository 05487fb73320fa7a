//! The membership register: every member commune with its status, its
//! history and its place in the territory, plus the reference list of
//! territorial units and reorganisations it is read against.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use registre_schema::events::{
    Contacts, ReorganisationKind, TerritorialLevel, TerritorialUnitKey, TerritorialUnitRegistered,
};
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use registre_domain::lineage::{Lineage, note_edition};

use crate::fold::{Correction, CorrectionNotice, Fold, Meta};
use crate::search::Search;

/// A member's standing: the domain's own status, so that the registers and
/// the arrears rule read one type.
pub use registre_domain::member::MemberStatus;

/// What happened to a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipChange {
    Admitted,
    Suspended,
    Reinstated,
    Excluded,
    Withdrew,
    /// This member took over a predecessor's membership.
    SucceededTo,
    /// This member's membership passed to a successor.
    SucceededBy,
}

/// One step of a member's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryStep {
    pub change: MembershipChange,
    pub effective_on: NaiveDate,
    /// Why (suspension, exclusion...) or the decision's reference.
    pub reason: Option<String>,
    /// The other member of a succession.
    pub other_member_id: Option<Uuid>,
    pub statutes_version: Option<u32>,
    pub position: Position,
}

/// A member commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub member_id: Uuid,
    pub name: String,
    pub unit: TerritorialUnitKey,
    pub dues_category: String,
    pub status: MemberStatus,
    /// Start of the membership (admission or succession).
    pub member_since: NaiveDate,
    pub deliberation_ref: Option<String>,
    pub decision_ref: Option<String>,
    pub predecessor: Option<Uuid>,
    pub successor: Option<Uuid>,
    pub history: Vec<HistoryStep>,
    pub corrections: Vec<Correction>,
    /// Every recording of its contacts, the one in force last.
    pub contacts: Vec<RecordedContacts>,
}

/// A member's contacts as recorded at one position of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedContacts {
    pub contacts: Contacts,
    pub recorded_on: NaiveDate,
    pub position: Position,
}

impl MemberRecord {
    /// Its contacts in force (none known before the first recording).
    pub fn current_contacts(&self) -> Option<&Contacts> {
        self.contacts.last().map(|c| &c.contacts)
    }
}

/// A unit of the territorial reference list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub unit: TerritorialUnitKey,
    pub level: TerritorialLevel,
    pub name: String,
    pub parent_code: Option<String>,
    pub position: Position,
}

/// A unit as a register shows it: code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub code: String,
    pub name: String,
}

/// Where a member stands in the territory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub region: Option<Place>,
    pub cercle: Option<Place>,
    pub commune: Option<Place>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reorganisation {
    pub reorganisation_id: Uuid,
    pub kind: ReorganisationKind,
    pub effective_from: NaiveDate,
    pub predecessors: Vec<TerritorialUnitKey>,
    pub successors: Vec<TerritorialUnitKey>,
    pub legal_reference: String,
    pub position: Position,
}

/// Which members a listing shows. Codes are the units' codes in
/// `edition` when one is given, each member placed by its commune in that
/// edition (see [`registre_domain::lineage`]); else in the member's own
/// scheme and edition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFilter {
    pub edition: Option<String>,
    pub region: Option<String>,
    pub cercle: Option<String>,
    pub status: Option<MemberStatus>,
    /// By name or code, accents and case ignored.
    pub search: Option<Search>,
}

impl MemberFilter {
    /// Whether a member placed in `region` and `cercle` is within the
    /// filter's region and cercle.
    fn holds(&self, region: Option<&str>, cercle: Option<&str>) -> bool {
        let code_is = |code: Option<&str>, want: &Option<String>| match want {
            None => true,
            Some(w) => code == Some(w.as_str()),
        };
        code_is(region, &self.region) && code_is(cercle, &self.cercle)
    }
}

/// Members counted three ways.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberCounts {
    pub total: u32,
    pub by_status: BTreeMap<MemberStatus, u32>,
    /// By region code (`?` when the region is not in the reference list).
    pub by_region: BTreeMap<String, u32>,
    pub by_cercle: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipRegister {
    pub members: BTreeMap<Uuid, MemberRecord>,
    /// By `scheme:edition:code`.
    pub units: BTreeMap<String, UnitRecord>,
    pub reorganisations: Vec<Reorganisation>,
    /// The editions of each scheme the units are of.
    pub editions: BTreeMap<String, BTreeSet<String>>,
}

/// The `units` key of a territorial unit.
pub fn unit_key(k: &TerritorialUnitKey) -> String {
    let mut key = String::new();
    write_unit_key(&mut key, &k.scheme, &k.edition, &k.code);
    key
}

/// Writes a `units` key into `key`, a buffer reused across lookups.
fn write_unit_key(key: &mut String, scheme: &str, edition: &str, code: &str) {
    key.clear();
    for part in [scheme, ":", edition, ":", code] {
        key.push_str(part);
    }
}

/// Most units a walk up the reference list visits: a list is three levels
/// deep, and the bound ends a walk caught in a cycle.
const WALK_BOUND: usize = 8;

fn step(change: MembershipChange, effective_on: NaiveDate, position: Position) -> HistoryStep {
    HistoryStep {
        change,
        effective_on,
        reason: None,
        other_member_id: None,
        statutes_version: None,
        position,
    }
}

impl MembershipRegister {
    /// The member of a P-code (any case): the one in the association, or
    /// else the latest admitted (a commune may leave and come back).
    pub fn by_code(&self, code: &str) -> Option<&MemberRecord> {
        self.members
            .values()
            .filter(|m| m.unit.code.eq_ignore_ascii_case(code.trim()))
            .max_by_key(|m| {
                let in_force = matches!(m.status, MemberStatus::Active | MemberStatus::Suspended);
                (in_force, m.member_since)
            })
    }

    pub fn member(&self, id: Uuid) -> Option<&MemberRecord> {
        self.members.get(&id)
    }

    pub fn unit(&self, k: &TerritorialUnitKey) -> Option<&UnitRecord> {
        self.units.get(&unit_key(k))
    }

    /// Which unit of another edition is the same place, from the
    /// reorganisations recorded.
    pub fn lineage(&self) -> Lineage {
        let mut lineage = Lineage::default();
        for r in &self.reorganisations {
            lineage.reorganised(r.kind, &r.predecessors, &r.successors);
        }
        lineage
    }

    /// Where a commune stands now: its unit in the latest edition of its
    /// scheme (editions sort as years do), else its own.
    pub fn unit_now(&self, lineage: &Lineage, k: &TerritorialUnitKey) -> TerritorialUnitKey {
        let latest = self.editions.get(&k.scheme).and_then(|e| e.last());
        match latest {
            Some(latest) if *latest != k.edition => self
                .unit_in(lineage, k, latest)
                .unwrap_or_else(|| k.clone()),
            _ => k.clone(),
        }
    }

    /// The region a commune stands in now (see [`Self::unit_now`]).
    pub fn region_now(&self, k: &TerritorialUnitKey) -> Option<&str> {
        let latest = self.editions.get(&k.scheme).and_then(|e| e.last());
        if latest.is_none_or(|l| *l == k.edition) {
            return self.region_and_cercle(k).0;
        }
        let now = self.unit_now(&self.lineage(), k);
        self.region_and_cercle(&now).0
    }

    /// The unit `k` is in `edition` (see [`Lineage::unit_in`]).
    pub fn unit_in(
        &self,
        lineage: &Lineage,
        k: &TerritorialUnitKey,
        edition: &str,
    ) -> Option<TerritorialUnitKey> {
        lineage.unit_in(k, edition, |u| self.units.contains_key(&unit_key(u)))
    }

    /// The region, cercle and commune a unit belongs to, walking up the
    /// reference list of the unit's own scheme and edition.
    pub fn placement(&self, k: &TerritorialUnitKey) -> Placement {
        let place = |u: Option<&UnitRecord>| {
            u.map(|u| Place {
                code: u.unit.code.clone(),
                name: u.name.clone(),
            })
        };
        let [region, cercle, commune] = self.levels(k);
        Placement {
            region: place(region),
            cercle: place(cercle),
            commune: place(commune),
        }
    }

    /// The codes of the region and cercle a unit belongs to, borrowed:
    /// counting and filtering every member must not copy names. To place
    /// many units, a [`Placer`] walks each parent once.
    pub fn region_and_cercle(&self, k: &TerritorialUnitKey) -> (Option<&str>, Option<&str>) {
        codes(self.levels(k))
    }

    /// Places many units one after another (see [`Placer`]).
    pub fn placer(&self) -> Placer<'_> {
        Placer {
            register: self,
            key: String::new(),
            parents: HashMap::new(),
            lineage: self.lineage(),
        }
    }

    /// The unit's region, cercle and commune records.
    fn levels(&self, k: &TerritorialUnitKey) -> Levels<'_> {
        self.walk(
            &mut String::new(),
            &k.scheme,
            &k.edition,
            &k.code,
            WALK_BOUND,
        )
    }

    /// Walks up the reference list from `code`, at most `steps` units, each
    /// taking its level's place (an ancestor replaces a unit of its level),
    /// with `key` as the one buffer for every lookup.
    fn walk(
        &self,
        key: &mut String,
        scheme: &str,
        edition: &str,
        code: &str,
        steps: usize,
    ) -> Levels<'_> {
        let mut out = [None; 3];
        let mut code: Option<&str> = Some(code);
        for _ in 0..steps {
            let Some(c) = code.take() else { break };
            let Some(u) = self.unit_at(key, scheme, edition, c) else {
                break;
            };
            out[slot(u.level)] = Some(u);
            code = u.parent_code.as_deref();
        }
        out
    }

    fn unit_at(
        &self,
        key: &mut String,
        scheme: &str,
        edition: &str,
        code: &str,
    ) -> Option<&UnitRecord> {
        write_unit_key(key, scheme, edition, code);
        self.units.get(key.as_str())
    }

    /// Members matching the filter, in id order.
    pub fn members(&self, f: &MemberFilter) -> Vec<&MemberRecord> {
        let mut placer = self.placer();
        self.members
            .values()
            .filter(|m| placer.matches(m, f))
            .collect()
    }

    /// Counts by status, region and cercle of the members matching `f`.
    pub fn counts(&self, f: &MemberFilter) -> MemberCounts {
        let mut c = MemberCounts::default();
        fn bump(counts: &mut BTreeMap<String, u32>, code: Option<&str>) {
            let code = code.unwrap_or("?");
            match counts.get_mut(code) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(code.to_owned(), 1);
                }
            }
        }
        let mut placer = self.placer();
        for m in self.members.values() {
            if f.status.is_some_and(|s| s != m.status)
                || f.search
                    .as_ref()
                    .is_some_and(|s| !s.finds(&m.name, &m.unit.code))
            {
                continue;
            }
            let (region, cercle) = placer.placed(m, f);
            if !f.holds(region, cercle) {
                continue;
            }
            c.total += 1;
            *c.by_status.entry(m.status).or_default() += 1;
            bump(&mut c.by_region, region);
            bump(&mut c.by_cercle, cercle);
        }
        c
    }

    fn push(&mut self, id: Uuid, s: HistoryStep, status: MemberStatus) {
        if let Some(m) = self.members.get_mut(&id) {
            m.status = status;
            m.history.push(s);
        }
    }
}

/// A unit's region, cercle and commune records.
type Levels<'a> = [Option<&'a UnitRecord>; 3];

fn slot(level: TerritorialLevel) -> usize {
    match level {
        TerritorialLevel::Region => 0,
        TerritorialLevel::Cercle => 1,
        TerritorialLevel::Commune => 2,
    }
}

fn codes(levels: Levels<'_>) -> (Option<&str>, Option<&str>) {
    let [region, cercle, _] = levels;
    (
        region.map(|u| u.unit.code.as_str()),
        cercle.map(|u| u.unit.code.as_str()),
    )
}

/// Places many units one after another, as
/// [`MembershipRegister::region_and_cercle`] does one: what a unit's parent
/// stands under is walked once and remembered, since the communes of a
/// cercle share their cercle and region.
pub struct Placer<'a> {
    register: &'a MembershipRegister,
    key: String,
    /// By the parent's `units` key.
    parents: HashMap<String, Levels<'a>>,
    lineage: Lineage,
}

impl<'a> Placer<'a> {
    pub fn region_and_cercle(
        &mut self,
        k: &TerritorialUnitKey,
    ) -> (Option<&'a str>, Option<&'a str>) {
        codes(self.levels(k))
    }

    /// The codes of the region and cercle a member's commune belongs to,
    /// in the filter's edition: none where the commune is not there.
    fn placed(&mut self, m: &MemberRecord, f: &MemberFilter) -> (Option<&'a str>, Option<&'a str>) {
        match &f.edition {
            Some(edition) if *edition != m.unit.edition => {
                match self.register.unit_in(&self.lineage, &m.unit, edition) {
                    Some(there) => self.region_and_cercle(&there),
                    None => (None, None),
                }
            }
            _ => self.region_and_cercle(&m.unit),
        }
    }

    fn levels(&mut self, k: &TerritorialUnitKey) -> Levels<'a> {
        let Placer {
            register,
            key,
            parents,
            ..
        } = self;
        let mut out = [None; 3];
        let Some(unit) = register.unit_at(key, &k.scheme, &k.edition, &k.code) else {
            return out;
        };
        out[slot(unit.level)] = Some(unit);
        if let Some(parent) = unit.parent_code.as_deref() {
            write_unit_key(key, &k.scheme, &k.edition, parent);
            let above = match parents.get(key.as_str()) {
                Some(above) => *above,
                None => {
                    let parent_key = key.clone();
                    // The unit itself was the walk's first step.
                    let above = register.walk(key, &k.scheme, &k.edition, parent, WALK_BOUND - 1);
                    parents.insert(parent_key, above);
                    above
                }
            };
            for (mine, theirs) in out.iter_mut().zip(above) {
                if theirs.is_some() {
                    *mine = theirs;
                }
            }
        }
        out
    }

    /// Whether a member is one `f` lists.
    pub fn matches(&mut self, m: &MemberRecord, f: &MemberFilter) -> bool {
        if f.status.is_some_and(|s| s != m.status) {
            return false;
        }
        if f.search
            .as_ref()
            .is_some_and(|s| !s.finds(&m.name, &m.unit.code))
        {
            return false;
        }
        if f.region.is_none() && f.cercle.is_none() {
            return true;
        }
        let (region, cercle) = self.placed(m, f);
        f.holds(region, cercle)
    }
}

impl Fold for MembershipRegister {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        use DomainEvent as E;
        use MembershipChange as C;
        let pos = meta.position;
        match event {
            E::TerritorialUnitRegistered(TerritorialUnitRegistered {
                unit,
                level,
                name,
                parent_code,
            }) => {
                note_edition(&mut self.editions, unit);
                self.units.insert(
                    unit_key(unit),
                    UnitRecord {
                        unit: unit.clone(),
                        level: *level,
                        name: name.clone(),
                        parent_code: parent_code.clone(),
                        position: pos,
                    },
                );
            }
            E::TerritorialUnitsReorganised(e) => self.reorganisations.push(Reorganisation {
                reorganisation_id: e.reorganisation_id,
                kind: e.kind,
                effective_from: e.effective_from,
                predecessors: e.predecessors.clone(),
                successors: e.successors.clone(),
                legal_reference: e.legal_reference.clone(),
                position: pos,
            }),
            E::CommuneAdmitted(e) => {
                let mut s = step(C::Admitted, e.admitted_on, pos);
                s.reason = Some(e.decision_ref.clone());
                s.statutes_version = Some(e.statutes_version);
                // A re-admission after withdrawal or exclusion keeps the history.
                let history = self
                    .members
                    .remove(&e.member_id)
                    .map(|m| (m.history, m.corrections))
                    .unwrap_or_default();
                let mut record = MemberRecord {
                    member_id: e.member_id,
                    name: e.name.clone(),
                    unit: e.unit.clone(),
                    dues_category: e.dues_category.clone(),
                    status: MemberStatus::Active,
                    member_since: e.admitted_on,
                    deliberation_ref: Some(e.deliberation_ref.clone()),
                    decision_ref: Some(e.decision_ref.clone()),
                    predecessor: None,
                    successor: None,
                    history: history.0,
                    corrections: history.1,
                    contacts: Vec::new(),
                };
                record.history.push(s);
                self.members.insert(e.member_id, record);
            }
            E::MemberSuspended(e) => {
                let mut s = step(C::Suspended, e.effective_on, pos);
                s.reason = Some(e.reason.clone());
                s.statutes_version = Some(e.statutes_version);
                self.push(e.member_id, s, MemberStatus::Suspended);
            }
            E::MemberReinstated(e) => {
                let mut s = step(C::Reinstated, e.effective_on, pos);
                s.reason = Some(e.reason.clone());
                s.statutes_version = Some(e.statutes_version);
                self.push(e.member_id, s, MemberStatus::Active);
            }
            E::MemberExcluded(e) => {
                let mut s = step(C::Excluded, e.effective_on, pos);
                s.reason = Some(e.reason.clone());
                s.statutes_version = Some(e.statutes_version);
                self.push(e.member_id, s, MemberStatus::Excluded);
            }
            E::MemberWithdrew(e) => {
                let mut s = step(C::Withdrew, e.effective_on, pos);
                s.reason = Some(e.reason.clone());
                self.push(e.member_id, s, MemberStatus::Withdrawn);
            }
            E::MemberContactsRecorded(e) => {
                if let Some(m) = self.members.get_mut(&e.member_id) {
                    m.contacts.push(RecordedContacts {
                        contacts: e.contacts.clone(),
                        recorded_on: meta.recorded_at.date_naive(),
                        position: pos,
                    });
                }
            }
            E::MembershipSucceeded(e) => {
                // Recorded in both members' streams: each copy updates its
                // own side, so the register reads the same either way round.
                let side = meta.stream_uuid();
                if side == Some(e.predecessor_member_id) {
                    let mut s = step(C::SucceededBy, e.effective_on, pos);
                    s.other_member_id = Some(e.successor_member_id);
                    s.statutes_version = Some(e.statutes_version);
                    if let Some(m) = self.members.get_mut(&e.predecessor_member_id) {
                        m.successor = Some(e.successor_member_id);
                    }
                    self.push(e.predecessor_member_id, s, MemberStatus::Succeeded);
                } else if side == Some(e.successor_member_id) {
                    let mut s = step(C::SucceededTo, e.effective_on, pos);
                    s.other_member_id = Some(e.predecessor_member_id);
                    s.statutes_version = Some(e.statutes_version);
                    // A merge's further predecessor joins the successor.
                    if let Some(m) = self
                        .members
                        .get_mut(&e.successor_member_id)
                        .filter(|m| m.status.is_member())
                    {
                        m.history.push(s);
                        return;
                    }
                    self.members.insert(
                        e.successor_member_id,
                        MemberRecord {
                            member_id: e.successor_member_id,
                            name: e.successor_name.clone(),
                            unit: e.successor_unit.clone(),
                            dues_category: e.dues_category.clone(),
                            status: MemberStatus::Active,
                            member_since: e.effective_on,
                            deliberation_ref: None,
                            decision_ref: None,
                            predecessor: Some(e.predecessor_member_id),
                            successor: None,
                            history: vec![s],
                            corrections: Vec::new(),
                            contacts: Vec::new(),
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn on_correction(&mut self, n: &CorrectionNotice<'_>) {
        let membership_event = matches!(
            n.corrected_event_type,
            Some(
                "CommuneAdmitted"
                    | "MemberSuspended"
                    | "MemberReinstated"
                    | "MemberExcluded"
                    | "MemberWithdrew"
                    | "MembershipSucceeded"
            )
        );
        if let Some(id) = n.entity("member")
            && membership_event
            && let Some(m) = self.members.get_mut(&id)
        {
            m.corrections.push(n.correction.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use registre_schema::events::TerritorialUnitsReorganised;

    #[test]
    fn a_member_is_placed_in_its_cercle_and_region_and_counted() {
        let m = given(Vec::from_iter(kayes().into_iter().chain([
            region("ML02", "Koulikoro"),
            cercle("ML0201", "Banamba", "ML02"),
            commune("ML020101", "Banamba", "ML0201"),
            admitted(1, "ML010101", 2020),
            admitted(2, "ML010102", 2020),
            admitted(3, "ML020101", 2021),
            suspended(2, d(2023, 5, 1)),
        ])))
        .membership;

        let p = m.placement(&key("ML010102"));
        assert_eq!(p.region.unwrap().name, "Kayes");
        assert_eq!(p.cercle.unwrap().code, "ML0101");
        assert_eq!(p.commune.unwrap().name, "Bangassi");

        let c = m.counts(&MemberFilter::default());
        assert_eq!(c.total, 3);
        assert_eq!(c.by_status[&MemberStatus::Active], 2);
        assert_eq!(c.by_status[&MemberStatus::Suspended], 1);
        assert_eq!(c.by_region["ML01"], 2);
        assert_eq!(c.by_region["ML02"], 1);
        assert_eq!(c.by_cercle["ML0101"], 2);

        let kayes_active = m.members(&MemberFilter {
            region: Some("ML01".into()),
            status: Some(MemberStatus::Active),
            ..Default::default()
        });
        assert_eq!(
            kayes_active.iter().map(|m| m.member_id).collect::<Vec<_>>(),
            vec![id(1)]
        );
    }

    /// The placer remembers parents; it must place every unit as a walk
    /// from the unit itself does, odd reference lists included.
    #[test]
    fn a_placer_places_each_unit_as_a_walk_from_it_does() {
        let m = given(Vec::from_iter(kayes().into_iter().chain([
            // Under a region with no cercle between them.
            commune("ML010199", "Isolée", "ML01"),
            // Under a cercle the list does not hold.
            commune("ML030101", "Orpheline", "ML0301"),
            // Two cercles each under the other: where the walk's bound
            // stops decides which one is the communes' cercle.
            cercle("ML0901", "Boucle A", "ML0902"),
            cercle("ML0902", "Boucle B", "ML0901"),
            commune("ML090101", "Boucle C", "ML0901"),
            commune("ML090102", "Boucle D", "ML0902"),
            // A later edition where the same codes stand elsewhere.
            unit_of("2022", "ML07", TerritorialLevel::Region, None),
            unit_of("2022", "ML0101", TerritorialLevel::Cercle, Some("ML07")),
            unit_of(
                "2022",
                "ML010101",
                TerritorialLevel::Commune,
                Some("ML0101"),
            ),
        ])))
        .membership;
        let codes = [
            "ML010101", "ML010102", "ML010199", "ML030101", "ML090101", "ML090102", "ML0901",
            "ML0902", "ML0101", "ML01", "ML99",
        ];
        let in_2022 = |code: &str| TerritorialUnitKey {
            edition: "2022".into(),
            ..key(code)
        };
        let mut placer = m.placer();
        // Twice over, so that the second round reads remembered parents;
        // each edition after the other, so that one could read the other's.
        for _ in 0..2 {
            for k in codes
                .iter()
                .map(|c| key(c))
                .chain(codes.iter().map(|c| in_2022(c)))
            {
                assert_eq!(placer.levels(&k), m.levels(&k), "{k:?}");
                assert_eq!(placer.region_and_cercle(&k), m.region_and_cercle(&k));
            }
        }
        assert_eq!(
            m.region_and_cercle(&in_2022("ML010101")),
            (Some("ML07"), Some("ML0101"))
        );
        assert_eq!(
            m.region_and_cercle(&key("ML010102")),
            (Some("ML01"), Some("ML0101"))
        );
        assert_eq!(m.region_and_cercle(&key("ML030101")), (None, None));
    }

    #[test]
    fn a_filter_places_each_member_in_the_edition_it_names() {
        use TerritorialLevel::{Cercle, Commune, Region};
        let in_2023 = |code: &str| TerritorialUnitKey {
            edition: "2023".into(),
            ..key(code)
        };
        // Given Kayes in 2015, and a 2023 list that moves cercle ML0101
        // to a new region ML11 and renames Bangassi ML010199,
        let m = given(Vec::from_iter(kayes().into_iter().chain([
            unit_of("2023", "ML01", Region, None),
            unit_of("2023", "ML11", Region, None),
            unit_of("2023", "ML0101", Cercle, Some("ML11")),
            unit_of("2023", "ML010101", Commune, Some("ML0101")),
            unit_of("2023", "ML010199", Commune, Some("ML0101")),
            ev(
                "territory-ocha-pcode-2015".into(),
                TerritorialUnitsReorganised {
                    reorganisation_id: id(90),
                    kind: ReorganisationKind::Rename,
                    effective_from: d(2023, 2, 13),
                    predecessors: vec![key("ML010102")],
                    successors: vec![in_2023("ML010199")],
                    legal_reference: "Loi 2023-007".into(),
                },
            ),
            // and both communes admitted under their 2015 codes,
            admitted(1, "ML010101", 2020),
            admitted(2, "ML010102", 2020),
        ])))
        .membership;
        let ids = |f: MemberFilter| {
            m.members(&f)
                .iter()
                .map(|r| r.member_id)
                .collect::<Vec<_>>()
        };
        // When a filter names region ML11 of 2023, then both are in it,
        let ml11 = MemberFilter {
            edition: Some("2023".into()),
            region: Some("ML11".into()),
            ..Default::default()
        };
        assert_eq!(ids(ml11.clone()), vec![id(1), id(2)]);
        // and none is in 2023's ML01, though all were in 2015's.
        let ml01_2023 = MemberFilter {
            region: Some("ML01".into()),
            ..ml11.clone()
        };
        assert!(ids(ml01_2023).is_empty());
        let ml01_2015 = MemberFilter {
            edition: Some("2015".into()),
            region: Some("ML01".into()),
            ..Default::default()
        };
        assert_eq!(ids(ml01_2015), vec![id(1), id(2)]);
        // Counts speak of the filter's edition too.
        let counts = m.counts(&MemberFilter {
            edition: Some("2023".into()),
            ..Default::default()
        });
        assert_eq!(counts.by_region["ML11"], 2);
        assert_eq!(counts.by_cercle["ML0101"], 2);
        // Where each stands now is the latest edition's place: what an
        // account limited to a region and the dashboard read.
        assert_eq!(m.region_now(&key("ML010101")), Some("ML11"));
        assert_eq!(m.region_now(&key("ML010102")), Some("ML11"));
        assert_eq!(m.region_now(&in_2023("ML010199")), Some("ML11"));
    }

    #[test]
    fn the_history_lists_every_change_in_order() {
        let m = given(vec![
            admitted(1, "ML010101", 2020),
            suspended(1, d(2022, 1, 10)),
            reinstated(1, d(2022, 6, 1)),
            excluded(1, d(2024, 2, 1)),
        ])
        .membership;
        let r = m.member(id(1)).unwrap();
        assert_eq!(r.status, MemberStatus::Excluded);
        let changes: Vec<_> = r.history.iter().map(|h| h.change).collect();
        assert_eq!(
            changes,
            vec![
                MembershipChange::Admitted,
                MembershipChange::Suspended,
                MembershipChange::Reinstated,
                MembershipChange::Excluded
            ]
        );
        assert_eq!(r.history[1].position, 2);
        assert_eq!(r.history[3].statutes_version, Some(1));
    }

    #[test]
    fn a_succession_ends_one_membership_and_starts_the_other_once() {
        let m = given(vec![
            admitted(1, "ML010101", 2020),
            succession_in(1, 1, 2, d(2024, 1, 1)),
            succession_in(2, 1, 2, d(2024, 1, 1)),
        ])
        .membership;
        let old = m.member(id(1)).unwrap();
        let new = m.member(id(2)).unwrap();
        assert_eq!(old.status, MemberStatus::Succeeded);
        assert_eq!(old.successor, Some(id(2)));
        assert_eq!(old.history.len(), 2);
        assert_eq!(new.status, MemberStatus::Active);
        assert_eq!(new.predecessor, Some(id(1)));
        assert_eq!(new.history.len(), 1);
        assert_eq!(new.member_since, d(2024, 1, 1));
    }

    #[test]
    fn withdrawal_is_shown_and_a_corrected_admission_is_flagged() {
        let rm = given(vec![
            admitted(1, "ML010101", 2020),
            withdrew(1, d(2021, 1, 1)),
            corrected(1, "member", 1, "wrong decision reference"),
        ]);
        let r = rm.membership.member(id(1)).unwrap();
        assert_eq!(r.status, MemberStatus::Withdrawn);
        assert_eq!(r.corrections.len(), 1);
        assert_eq!(r.corrections[0].corrected_position, Some(1));
        assert_eq!(r.corrections[0].position, 3);
        assert_eq!(r.corrections[0].reason, "wrong decision reference");
    }
}
