//! Minutes (procès-verbaux): drafted, adopted, signed, with the hash of
//! the document each step was about.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registre_schema::events::Signatory;
use registre_schema::{DomainEvent, Position};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fold::{Correction, CorrectionNotice, Fold, Meta};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinutesStatus {
    Drafted,
    Adopted,
    /// Adopted and signed by both the president and the secretary.
    Signed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub sha256: String,
    pub document_ref: String,
    pub drafted_on: NaiveDate,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    pub adopted_in_session_id: Uuid,
    pub adopted_on: NaiveDate,
    pub sha256: String,
    pub statutes_version: u32,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub signatory: Signatory,
    pub name: String,
    pub signed_on: NaiveDate,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesRecord {
    pub minutes_id: Uuid,
    pub session_id: Uuid,
    /// Every draft, the latest last.
    pub drafts: Vec<Draft>,
    pub adoption: Option<Adoption>,
    pub signatures: Vec<Signature>,
    pub corrections: Vec<Correction>,
}

impl MinutesRecord {
    pub fn signed_by(&self, who: Signatory) -> bool {
        self.signatures.iter().any(|s| s.signatory == who)
    }

    pub fn status(&self) -> MinutesStatus {
        match &self.adoption {
            None => MinutesStatus::Drafted,
            Some(_)
                if self.signed_by(Signatory::President) && self.signed_by(Signatory::Secretary) =>
            {
                MinutesStatus::Signed
            }
            Some(_) => MinutesStatus::Adopted,
        }
    }

    /// The hash of the document as it stands: the adopted one, else the
    /// latest draft.
    pub fn sha256(&self) -> Option<&str> {
        self.adoption
            .as_ref()
            .map(|a| a.sha256.as_str())
            .or_else(|| self.drafts.last().map(|d| d.sha256.as_str()))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesRegister {
    pub minutes: BTreeMap<Uuid, MinutesRecord>,
}

impl MinutesRegister {
    pub fn get(&self, id: Uuid) -> Option<&MinutesRecord> {
        self.minutes.get(&id)
    }

    pub fn of_session(&self, session_id: Uuid) -> Vec<&MinutesRecord> {
        self.minutes
            .values()
            .filter(|m| m.session_id == session_id)
            .collect()
    }

    pub fn with_status(&self, status: MinutesStatus) -> Vec<&MinutesRecord> {
        self.minutes
            .values()
            .filter(|m| m.status() == status)
            .collect()
    }

    /// Minutes not yet signed by both signatories.
    pub fn unsigned(&self) -> Vec<&MinutesRecord> {
        self.minutes
            .values()
            .filter(|m| m.status() != MinutesStatus::Signed)
            .collect()
    }
}

impl Fold for MinutesRegister {
    fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        use DomainEvent as E;
        let pos = meta.position;
        match event {
            E::MinutesDrafted(e) => {
                let m = self
                    .minutes
                    .entry(e.minutes_id)
                    .or_insert_with(|| MinutesRecord {
                        minutes_id: e.minutes_id,
                        session_id: e.session_id,
                        drafts: Vec::new(),
                        adoption: None,
                        signatures: Vec::new(),
                        corrections: Vec::new(),
                    });
                m.drafts.push(Draft {
                    sha256: e.sha256.clone(),
                    document_ref: e.document_ref.clone(),
                    drafted_on: e.drafted_on,
                    position: pos,
                });
            }
            E::MinutesAdopted(e) => {
                if let Some(m) = self.minutes.get_mut(&e.minutes_id) {
                    m.adoption = Some(Adoption {
                        adopted_in_session_id: e.adopted_in_session_id,
                        adopted_on: e.adopted_on,
                        sha256: e.sha256.clone(),
                        statutes_version: e.statutes_version,
                        position: pos,
                    });
                }
            }
            E::MinutesSigned(e) => {
                if let Some(m) = self.minutes.get_mut(&e.minutes_id) {
                    m.signatures.push(Signature {
                        signatory: e.signatory,
                        name: e.signatory_name.clone(),
                        signed_on: e.signed_on,
                        position: pos,
                    });
                }
            }
            _ => {}
        }
    }

    fn on_correction(&mut self, n: &CorrectionNotice<'_>) {
        if let Some(m) = n.entity("minutes").and_then(|id| self.minutes.get_mut(&id)) {
            m.corrections.push(n.correction.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn minutes_go_from_drafted_to_adopted_to_signed_with_their_hash() {
        let rm = given(vec![
            drafted(60, 20, 'a'),
            drafted(60, 20, 'b'),
            drafted(61, 21, 'c'),
            minutes_adopted(60, 21, 'b'),
            signed(60, Signatory::President),
        ]);
        let m = &rm.minutes;
        let pv = m.get(id(60)).unwrap();
        assert_eq!(pv.drafts.len(), 2);
        assert_eq!(pv.status(), MinutesStatus::Adopted);
        assert_eq!(pv.sha256(), Some("b".repeat(64).as_str()));
        assert_eq!(m.get(id(61)).unwrap().status(), MinutesStatus::Drafted);
        assert_eq!(m.unsigned().len(), 2);

        let mut events = vec![
            drafted(60, 20, 'a'),
            minutes_adopted(60, 21, 'a'),
            signed(60, Signatory::President),
            signed(60, Signatory::Secretary),
        ];
        events.push(corrected(60, "minutes", 4, "wrong signatory name"));
        let rm = given(events);
        let pv = rm.minutes.get(id(60)).unwrap();
        assert_eq!(pv.status(), MinutesStatus::Signed);
        assert!(rm.minutes.unsigned().is_empty());
        assert_eq!(pv.corrections[0].corrected_position, Some(4));
        assert_eq!(rm.minutes.of_session(id(20)).len(), 1);
    }
}
