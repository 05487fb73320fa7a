//! Every read model, folded together: each event is decoded once and the
//! typed event handed to each model.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registre_schema::events::RecordCorrected;
use registre_schema::{DecodedEvent, DomainEvent, Position, RecordedEvent};
use serde::{Deserialize, Serialize};

use crate::audit_timeline::AuditTimeline;
use crate::bodies::BodiesRegister;
use crate::digest::digest;
use crate::dues::DuesRegister;
use crate::fold::{Correction, CorrectionNotice, Fold, Meta, stream_uuid};
use crate::indicators::{Indicators, Share};
use crate::membership::{MemberFilter, MembershipRegister};
use crate::minutes::MinutesRegister;
use crate::resolutions::ResolutionsRegister;
use crate::sessions::SessionsRegister;
use crate::statutes::StatutesRegister;
use crate::{ProjectionError, ReadModel};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadModels {
    /// Last position applied (domain event or not).
    pub position: Position,
    pub membership: MembershipRegister,
    pub dues: DuesRegister,
    pub sessions: SessionsRegister,
    pub resolutions: ResolutionsRegister,
    pub bodies: BodiesRegister,
    pub minutes: MinutesRegister,
    pub statutes: StatutesRegister,
    pub timeline: AuditTimeline,
    pub indicators: Indicators,
}

impl ReadModels {
    /// Each model's name and digest, in a fixed order.
    pub fn digests(&self) -> Vec<(&'static str, String)> {
        vec![
            ("membership", digest(&self.membership)),
            ("dues", digest(&self.dues)),
            ("sessions", digest(&self.sessions)),
            ("resolutions", digest(&self.resolutions)),
            ("bodies", digest(&self.bodies)),
            ("minutes", digest(&self.minutes)),
            ("statutes", digest(&self.statutes)),
            ("audit_timeline", digest(&self.timeline)),
            ("indicators", digest(&self.indicators)),
        ]
    }

    /// Takes one decoded event (the fold behind [`ReadModel::apply`]).
    pub fn on(&mut self, meta: &Meta<'_>, event: &DomainEvent) {
        self.membership.on(meta, event);
        self.dues.on(meta, event);
        self.sessions.on(meta, event);
        self.resolutions.on(meta, event);
        self.bodies.on(meta, event);
        self.minutes.on(meta, event);
        self.statutes.on(meta, event);
        self.indicators.on(meta, event);
        // The timeline takes the correction first, so the corrected
        // event's own row is found below whatever stream it was in.
        self.timeline.on(meta, event);
        if let DomainEvent::RecordCorrected(c) = event {
            self.correct(meta, c);
        }
    }

    fn correct(&mut self, meta: &Meta<'_>, c: &RecordCorrected) {
        let row = self
            .timeline
            .find(&c.corrected_stream_id, c.corrected_event_id)
            .copied();
        let correction = Correction {
            correction_id: c.correction_id,
            corrected_event_id: c.corrected_event_id,
            corrected_position: row.map(|r| r.0),
            reason: c.reason.clone(),
            correction: c.correction.clone(),
            position: meta.position,
        };
        let event_type = row.map(|r| self.timeline.event_type(&r).to_owned());
        let notice = CorrectionNotice {
            correction: &correction,
            corrected_stream: &c.corrected_stream_id,
            corrected_stream_uuid: stream_uuid(&c.corrected_stream_id),
            corrected_event_type: event_type.as_deref(),
        };
        self.membership.on_correction(&notice);
        self.dues.on_correction(&notice);
        self.sessions.on_correction(&notice);
        self.resolutions.on_correction(&notice);
        self.bodies.on_correction(&notice);
        self.minutes.on_correction(&notice);
        self.statutes.on_correction(&notice);
        self.indicators.on_correction(&notice);
    }

    /// Share of members (active or suspended) in good standing on `date`,
    /// by region code (`?` when the region is not in the reference list).
    pub fn good_standing_by_region(&self, date: NaiveDate) -> BTreeMap<String, Share> {
        let good: std::collections::BTreeSet<_> = self
            .dues
            .members_in_good_standing(date)
            .into_iter()
            .collect();
        let mut out: BTreeMap<String, Share> = BTreeMap::new();
        let mut placer = self.membership.placer();
        let lineage = self.membership.lineage();
        for m in self.membership.members(&MemberFilter::default()) {
            if !matches!(
                m.status,
                crate::membership::MemberStatus::Active
                    | crate::membership::MemberStatus::Suspended
            ) || m.member_since > date
            {
                continue;
            }
            // Where it stands now, in the latest edition of the territory.
            let region = placer
                .region_and_cercle(&self.membership.unit_now(&lineage, &m.unit))
                .0
                .unwrap_or("?")
                .to_owned();
            let s = out.entry(region).or_default();
            s.whole += 1;
            s.part += u64::from(good.contains(&m.member_id));
        }
        out
    }
}

impl ReadModel for ReadModels {
    const NAME: &'static str = "read_models";
    // 2: the dues model keeps status changes with their effective dates.
    // 3: and payments summed by year.
    // 4: with their dates, for standing on a date; the statutes register.
    // 5: members' contacts.
    // 6: what each motion caused.
    // 7: the majority rule each vote applied; bodies' statutory bodies.
    // 8: bodies' elections; mandates end when their commune leaves.
    // 9: dues carried by successions; merges; the elections a motion caused.
    const VERSION: u32 = 9;

    fn apply(&mut self, e: &RecordedEvent) -> Result<(), ProjectionError> {
        self.position = e.position;
        // Events of other kinds (access tokens, tests) are not the domain's.
        if !DomainEvent::is_domain_type(&e.event_type) {
            return Ok(());
        }
        let event = DomainEvent::decode_ref(&e.event_type, e.schema_version, &e.payload).map_err(
            |err| ProjectionError::Undecodable {
                position: e.position,
                event_type: e.event_type.clone(),
                reason: err.to_string(),
            },
        )?;
        self.on(&Meta::of(e), &event);
        Ok(())
    }

    fn apply_decoded(&mut self, e: &DecodedEvent) -> Result<(), ProjectionError> {
        self.position = e.position;
        if let Some(event) = &e.payload {
            self.on(&Meta::of(e), event);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// Territory, statutes, dues, a member and a session: every model moves.
    fn a_short_log() -> Vec<Ev> {
        vec![
            region("ML01", "Kayes"),
            cercle("ML0101", "Kayes", "ML01"),
            commune("ML010101", "Kayes", "ML0101"),
            statutes_adopted(d(2019, 1, 1)),
            schedule(2021, 50_000),
            admitted(1, "ML010101", 2021),
            paid(1, 2021, 50_000, d(2021, 2, 1)),
            body(10, "Congrès"),
            convened(20, 10, d(2024, 1, 1), d(2024, 1, 20), &[1], None),
        ]
    }

    #[test]
    fn other_event_types_are_skipped_and_bad_payloads_refused() {
        let mut rm = ReadModels::default();
        let mut e = recorded(1, admitted(1, "ML010101", 2020));
        e.event_type = "AccessTokenIssued".into();
        rm.apply(&e).unwrap();
        assert_eq!(rm.position, 1);
        assert!(rm.timeline.rows.is_empty());

        let mut e = recorded(2, admitted(1, "ML010101", 2020));
        e.payload["member_id"] = serde_json::json!(12);
        let err = rm.apply(&e).unwrap_err();
        assert!(
            matches!(err, ProjectionError::Undecodable { position: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn digests_survive_a_save_and_load_and_change_with_the_log() {
        let events = a_short_log();
        let rm = given(events.clone());
        let saved = serde_json::to_vec(&rm).unwrap();
        let loaded: ReadModels = serde_json::from_slice(&saved).unwrap();
        assert_eq!(rm.digests(), loaded.digests());
        let shorter = given(events[..8].to_vec());
        let (a, b) = (rm.digests(), shorter.digests());
        assert_eq!(a[0], b[0], "membership did not change");
        assert_ne!(a[2], b[2], "sessions changed");
        assert_eq!(a.len(), 9);
        // A model folded on after loading goes on exactly like the original.
        let mut more = loaded;
        let mut orig = rm;
        let next = recorded(10, admitted(2, "ML010101", 2022));
        more.apply(&next).unwrap();
        orig.apply(&next).unwrap();
        assert_eq!(more.digests(), orig.digests());
        assert_eq!(more.timeline.event_types, orig.timeline.event_types);
    }

    #[test]
    fn a_decoded_read_folds_like_the_stored_payloads() {
        let mut events = a_short_log()
            .into_iter()
            .enumerate()
            .map(|(i, e)| recorded(i as u64 + 1, e))
            .collect::<Vec<_>>();
        let mut token = recorded(10, admitted(2, "ML010101", 2022));
        token.event_type = "AccessTokenIssued".into();
        events.push(token);
        let mut stored = ReadModels::default();
        let mut decoded = ReadModels::default();
        for e in events {
            stored.apply(&e).unwrap();
            decoded.apply_decoded(&e.decoded().unwrap()).unwrap();
        }
        assert_eq!(decoded.position, 10);
        assert_eq!(stored.digests(), decoded.digests());
        assert_eq!(stored, decoded);
    }

    #[test]
    fn good_standing_is_shared_out_by_region() {
        let rm = given(Vec::from_iter(kayes().into_iter().chain([
            statutes_adopted(d(2019, 1, 1)),
            schedule(2021, 50_000),
            admitted(1, "ML010101", 2021),
            admitted(2, "ML010102", 2021),
            admitted(3, "ML020101", 2021),
            paid(1, 2021, 50_000, d(2021, 2, 1)),
        ])));
        let g = rm.good_standing_by_region(d(2021, 6, 1));
        assert_eq!(g["ML01"], Share { part: 1, whole: 2 });
        assert_eq!(g["?"], Share { part: 0, whole: 1 });
    }
}

/// Fold speed and model size on a generated history:
/// `cargo test -p registre-projections --release -- --ignored --nocapture fold_speed`
#[cfg(test)]
mod speed {
    use super::*;
    use crate::testing::*;
    use registre_schema::events::{MotionKind, VoteChoice};

    fn rss_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    /// 700 members paying dues, then sessions where every member attends
    /// and votes on four motions.
    fn history(target: usize) -> Vec<RecordedEvent> {
        let mut evs = vec![statutes_adopted(d(2019, 1, 1)), body(10_000, "Congrès")];
        for y in 2020..2025 {
            evs.push(schedule(y, 50_000));
        }
        for m in 1..=700u128 {
            evs.push(admitted(m, &format!("ML{m:06}"), 2020));
            for y in 2020..2025 {
                evs.push(paid(m, y, 50_000, d(y, 2, 1)));
            }
        }
        let mut s = 20_000u128;
        while evs.len() < target {
            s += 1;
            let eligible: Vec<u128> = (1..=700).collect();
            evs.push(convened(
                s,
                10_000,
                d(2024, 1, 1),
                d(2024, 1, 20),
                &eligible,
                None,
            ));
            for m in 1..=700 {
                evs.push(attended(s, m));
            }
            evs.push(quorum(s, true, 700, 700, 0));
            evs.push(opened(s, false));
            for k in 0..4 {
                let motion = s * 10 + k;
                evs.push(tabled(s, motion, MotionKind::Ordinary));
                for m in 1..=700 {
                    evs.push(voted(s, motion, m, VoteChoice::For, None));
                }
            }
            evs.push(closed(s));
        }
        evs.truncate(target);
        evs.into_iter()
            .enumerate()
            .map(|(i, e)| recorded(i as u64 + 1, e))
            .collect()
    }

    #[test]
    #[ignore = "measurement, run in release"]
    fn fold_speed() {
        let n = 300_000;
        let events = history(n);
        let t = std::time::Instant::now();
        for e in &events {
            DomainEvent::decode_ref(&e.event_type, e.schema_version, &e.payload).unwrap();
        }
        let decode = t.elapsed();
        let before = rss_kb();
        let t = std::time::Instant::now();
        let mut m = ReadModels::default();
        for e in &events {
            m.apply(e).unwrap();
        }
        let fold = t.elapsed();
        let after = rss_kb();
        let t = std::time::Instant::now();
        let digests = m.digests();
        let digest = t.elapsed();
        let json = serde_json::to_vec(&m).unwrap().len();
        println!(
            "decoding alone: {:.0} events/s",
            n as f64 / decode.as_secs_f64()
        );
        println!(
            "{n} events folded in {:.3} s: {:.0} events/s; model ≈ {} MB resident ({:.0} MB per million), {} MB as JSON; digests in {:.3} s",
            fold.as_secs_f64(),
            n as f64 / fold.as_secs_f64(),
            (after - before) / 1024,
            (after - before) as f64 / 1024.0 * 1e6 / n as f64,
            json / 1_000_000,
            digest.as_secs_f64(),
        );
        assert_eq!(digests.len(), 9);
    }
}
