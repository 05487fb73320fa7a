//! What each document says, read from the registers as they stood at the
//! document's position, written in French for its template, and the
//! positions of the events it states (attached with their proofs).

use chrono::{Datelike, NaiveDate};
use registre_documents::Kind;
use registre_projections::ReadModels;
use registre_projections::audit_timeline::{EntityKey, EntityKind};
use registre_projections::fold::Correction;
use registre_projections::resolutions::Resolution;
use registre_projections::sessions::{SessionRecord, SessionState};
use registre_schema::events::{ElectionMajority, RequestedBy, VoteChoice};
use serde_json::{Value, json};
use uuid::Uuid;

use super::DocumentError;
use super::Order;
use super::reference::Reference;
use crate::french;
use crate::language::Language;

/// A document's data and the positions of the events it states.
pub(super) struct Content {
    pub data: Value,
    pub positions: Vec<u64>,
}

/// What a document is about, as the registers know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A payment of a member, by the position it was recorded at.
    Payment {
        member: Uuid,
        position: u64,
    },
    Member(Uuid),
    Session(Uuid),
    Motion {
        motion: Uuid,
        session: Uuid,
    },
    Body(Uuid),
    /// Every member (the directory).
    Members,
}

/// The first position of an entity: what a reference names it by.
pub(super) fn first_position(m: &ReadModels, kind: EntityKind, id: Uuid) -> Option<u64> {
    m.timeline
        .entities
        .get(&EntityKey::new(kind, id))
        .and_then(|p| p.first().copied())
}

fn entity_at(m: &ReadModels, kind: EntityKind, first: u64) -> Option<Uuid> {
    m.timeline
        .entities
        .iter()
        .find(|(k, p)| k.kind == kind && p.first() == Some(&first))
        .map(|(k, _)| k.id)
}

/// The subject a reference names, in registers that reach its position.
pub fn subject(m: &ReadModels, r: &Reference) -> Option<Subject> {
    Some(match r.kind {
        Kind::Receipt => payment_at(m, r.subject)?,
        Kind::Attestation => Subject::Member(entity_at(m, EntityKind::Member, r.subject)?),
        Kind::Convocation | Kind::AttendanceSheet | Kind::Minutes => {
            Subject::Session(entity_at(m, EntityKind::Session, r.subject)?)
        }
        Kind::Extract => {
            let motion = entity_at(m, EntityKind::Motion, r.subject)?;
            let session = m.resolutions.motions.get(&motion)?.session_id;
            Subject::Motion { motion, session }
        }
        Kind::Register => Subject::Body(entity_at(m, EntityKind::Body, r.subject)?),
        Kind::Directory => Subject::Members,
    })
}

/// The payment recorded at `position`, and whose it is.
fn payment_at(m: &ReadModels, position: u64) -> Option<Subject> {
    let payer = m
        .dues
        .members
        .values()
        .find(|d| d.payments.iter().any(|p| p.position == position))?;
    Some(Subject::Payment {
        member: payer.member_id,
        position,
    })
}

/// What an order is about (none: not in the registers).
pub(super) fn subject_of(m: &ReadModels, order: Order) -> Option<Subject> {
    Some(match order {
        Order::Receipt { payment } => payment_at(m, payment)?,
        Order::Attestation { member } => Subject::Member(member),
        Order::Convocation { session }
        | Order::AttendanceSheet { session }
        | Order::Minutes { session } => Subject::Session(session),
        Order::Extract { motion } => Subject::Motion {
            motion,
            session: m.resolutions.motions.get(&motion)?.session_id,
        },
        Order::Register { body, .. } => Subject::Body(body),
        Order::Directory => Subject::Members,
    })
}

/// Whether the document of `order` exists yet: minutes once the session
/// is closed, an extract once the motion is decided.
pub(super) fn ready(m: &ReadModels, order: Order) -> Result<(), DocumentError> {
    let ready = match order {
        Order::Minutes { session } => m
            .sessions
            .sessions
            .get(&session)
            .is_none_or(|s| s.state == SessionState::Closed),
        Order::Extract { motion } => m
            .resolutions
            .motions
            .get(&motion)
            .is_none_or(|r| r.decision.is_some()),
        _ => true,
    };
    if ready {
        Ok(())
    } else {
        Err(DocumentError::NotYet)
    }
}

/// The positions of an entity's events up to `at`.
fn positions_of(m: &ReadModels, kind: EntityKind, id: Uuid, at: u64) -> Vec<u64> {
    m.timeline
        .entities
        .get(&EntityKey::new(kind, id))
        .map(|p| p.iter().copied().filter(|&p| p <= at).collect())
        .unwrap_or_default()
}

/// The document `r` names, from registers at its position; `made_on` is
/// the day its head was signed (the date the document is made).
pub(super) fn build(m: &ReadModels, r: &Reference) -> Result<Content, DocumentError> {
    let subject = subject(m, r).ok_or(DocumentError::UnknownReference)?;
    let mut content = stated(m, r, subject)?;
    // A corrected record is stated with its corrections, which the
    // document attaches with their proofs like the records themselves.
    let corrections = corrections_of(m, subject, r.year, &content.positions);
    if !corrections.is_empty() {
        content.data["corrections"] =
            json!(corrections.iter().map(|c| corrected(c)).collect::<Vec<_>>());
        // The timeline files a correction under the record's entity, so
        // a document stating a whole entity may hold it already.
        for c in &corrections {
            if !content.positions.contains(&c.position) {
                content.positions.push(c.position);
            }
        }
    }
    Ok(content)
}

/// The corrections of the records a document about `subject` states
/// (`stated`: the positions it attaches), each once.
fn corrections_of<'m>(
    m: &'m ReadModels,
    subject: Subject,
    year: Option<i32>,
    stated: &[u64],
) -> Vec<&'m Correction> {
    // Corrections a wider record keeps (a session's, a body's) that
    // correct one of the records the document attaches: a vote, a round.
    let of_stated = |all: &'m [Correction]| {
        all.iter()
            .filter(|c| c.corrected_position.is_some_and(|p| stated.contains(&p)))
    };
    let found: Vec<&Correction> = match subject {
        Subject::Payment { member, position } => m
            .dues
            .members
            .get(&member)
            .and_then(|d| d.payments.iter().find(|p| p.position == position))
            .map(|p| {
                let reversal = p.reversed.iter().flat_map(|r| &r.corrections);
                p.corrections.iter().chain(reversal).collect()
            })
            .unwrap_or_default(),
        Subject::Member(id) => m
            .membership
            .member(id)
            .map(|r| r.corrections.iter().collect())
            .unwrap_or_default(),
        Subject::Session(id) => {
            let session = m.sessions.sessions.get(&id).into_iter();
            let minutes = m.minutes.of_session(id).into_iter();
            let elections = m.bodies.elections_in_session(id).into_iter();
            session
                .flat_map(|s| &s.corrections)
                .chain(minutes.flat_map(|r| &r.corrections))
                .chain(elections.flat_map(|(b, e)| {
                    let rounds: Vec<u64> = e.rounds.iter().map(|r| r.position).collect();
                    b.corrections.iter().filter(move |c| {
                        c.corrected_position
                            .is_some_and(|p| p == e.position || rounds.contains(&p))
                    })
                }))
                .collect()
        }
        Subject::Motion { motion, session } => {
            let motion = m.resolutions.motions.get(&motion).into_iter();
            let session = m.sessions.sessions.get(&session).into_iter();
            motion
                .flat_map(|r| &r.corrections)
                .chain(session.flat_map(|s| of_stated(&s.corrections)))
                .collect()
        }
        Subject::Body(body) => {
            let list = year
                .map(|year| deliberations_of(m, body, year))
                .unwrap_or_default();
            let sessions = list
                .iter()
                .filter_map(|r| m.sessions.sessions.get(&r.session_id));
            list.iter()
                .flat_map(|r| &r.corrections)
                .chain(sessions.flat_map(|s| of_stated(&s.corrections)))
                .collect()
        }
        Subject::Members => Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    found
        .into_iter()
        .filter(|c| seen.insert(c.correction_id))
        .collect()
}

/// A correction as a document states it.
fn corrected(c: &Correction) -> String {
    let record = c.corrected_position.map_or_else(String::new, |p| {
        format!(", enregistrement n° {p} du journal")
    });
    format!("{} (motif : {}{record})", c.correction, c.reason)
}

/// What the document `r` about `subject` states.
fn stated(m: &ReadModels, r: &Reference, subject: Subject) -> Result<Content, DocumentError> {
    let made = french::date(r.made_on);
    match (r.kind, subject) {
        (Kind::Receipt, Subject::Payment { member, position }) => {
            receipt(m, member, position, made)
        }
        (Kind::Attestation, Subject::Member(id)) => attestation(m, id, r.made_on, made, r.at),
        (Kind::Convocation | Kind::AttendanceSheet | Kind::Minutes, Subject::Session(id)) => {
            let s = m
                .sessions
                .sessions
                .get(&id)
                .ok_or(DocumentError::UnknownReference)?;
            if r.kind == Kind::Minutes {
                ready(m, Order::Minutes { session: id })?;
            }
            Ok(Content {
                data: session(m, s, made),
                positions: positions_of(m, EntityKind::Session, id, r.at),
            })
        }
        (
            Kind::Extract,
            Subject::Motion {
                motion,
                session: id,
            },
        ) => {
            let s = m
                .sessions
                .sessions
                .get(&id)
                .ok_or(DocumentError::UnknownReference)?;
            let motion = m
                .resolutions
                .motions
                .get(&motion)
                .ok_or(DocumentError::UnknownReference)?;
            ready(
                m,
                Order::Extract {
                    motion: motion.motion_id,
                },
            )?;
            let mut data = session(m, s, made);
            let year = s.session_date.year();
            data["year"] = json!(year);
            data["motion"] = deliberation(motion, number_in_register(m, motion));
            Ok(Content {
                data,
                positions: positions_of(m, EntityKind::Motion, motion.motion_id, r.at),
            })
        }
        (Kind::Register, Subject::Body(body)) => {
            let year = r.year.ok_or(DocumentError::UnknownReference)?;
            register(m, body, year, made, r.at)
        }
        (Kind::Directory, Subject::Members) => Ok(directory(m, made)),
        _ => Err(DocumentError::UnknownReference),
    }
}

fn member_json(m: &ReadModels, id: Uuid) -> Value {
    let Some(member) = m.membership.member(id) else {
        return json!({"name": id.to_string(), "pcode": "", "place": "", "category": ""});
    };
    json!({
        "name": member.name,
        "pcode": member.unit.code,
        "place": place(m, &member.unit),
        "category": member.dues_category,
    })
}

fn place(m: &ReadModels, unit: &registre_schema::events::territory::TerritorialUnitKey) -> String {
    let p = m.membership.placement(unit);
    match (p.cercle, p.region) {
        (Some(c), Some(r)) => format!("cercle de {}, région de {}", c.name, r.name),
        (None, Some(r)) => format!("région de {}", r.name),
        (Some(c), None) => format!("cercle de {}", c.name),
        (None, None) => String::new(),
    }
}

fn receipt(
    m: &ReadModels,
    member: Uuid,
    position: u64,
    made: String,
) -> Result<Content, DocumentError> {
    let dues = m
        .dues
        .members
        .get(&member)
        .ok_or(DocumentError::UnknownReference)?;
    let p = dues
        .payments
        .iter()
        .find(|p| p.position == position)
        .ok_or(DocumentError::UnknownReference)?;
    let year_position = m.dues.position(member, p.year);
    let amount = |f: fn(&registre_projections::dues::DuesPosition) -> i64| {
        year_position
            .as_ref()
            .map_or_else(String::new, |y| french::amount(f(y).max(0)))
    };
    let mut positions = vec![position];
    positions.extend(p.reversed.as_ref().map(|r| r.position));
    Ok(Content {
        data: json!({
            "date_emission": made,
            "member": member_json(m, member),
            "receipt_ref": p.receipt_ref,
            "year": p.year,
            "amount": french::amount(p.amount_xof),
            "paid_on": french::date(p.paid_on),
            "reversed": p.reversed.as_ref().map(|r| json!({"on": french::date(r.reversed_on), "reason": r.reason})),
            "due": amount(|y| y.due),
            "paid": amount(|y| y.paid),
            "balance": amount(|y| y.balance),
        }),
        positions,
    })
}

fn attestation(
    m: &ReadModels,
    id: Uuid,
    on: NaiveDate,
    made: String,
    at: u64,
) -> Result<Content, DocumentError> {
    let member = m
        .membership
        .member(id)
        .ok_or(DocumentError::UnknownReference)?;
    let good = m.dues.in_good_standing(id, on);
    let unpaid: Vec<String> = m
        .dues
        .member_positions(id)
        .iter()
        .filter(|y| y.year <= on.year() && y.balance > 0)
        .map(|y| y.year.to_string())
        .collect();
    // The status in force on `on`, by the domain's rule over the dated
    // changes of status.
    let status = m
        .dues
        .members
        .get(&id)
        .and_then(|d| registre_domain::member::status_in_force(&d.status_changes, on));
    Ok(Content {
        data: json!({
            "date_emission": made,
            "member": member_json(m, id),
            "member_since": french::date(member.member_since),
            "deliberation_ref": member.deliberation_ref,
            "on": french::date(on),
            "status": status.map_or("non encore membre", french::status),
            "is_member": status.is_some_and(|s| s.is_member()),
            "standing": if good { "à jour" } else { "non à jour" },
            "good_standing": good,
            "unpaid_years": unpaid,
        }),
        positions: positions_of(m, EntityKind::Member, id, at),
    })
}

fn session(m: &ReadModels, s: &SessionRecord, made: String) -> Value {
    let name = |id: &Uuid| {
        m.membership
            .member(*id)
            .map_or_else(|| id.to_string(), |r| r.name.clone())
    };
    let unit_place = |id: &Uuid| {
        m.membership
            .member(*id)
            .map(|r| {
                let p = m.membership.placement(&r.unit);
                [p.cercle, p.region]
                    .into_iter()
                    .flatten()
                    .map(|u| u.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let mut convened: Vec<(String, Uuid)> = s
        .eligible
        .iter()
        .map(|id| (registre_projections::search::folded(&name(id)), *id))
        .collect();
    convened.sort();
    let rows: Vec<Value> = convened
        .iter()
        .enumerate()
        .map(|(i, (_, id))| {
            let presence = match (s.present.get(id), s.proxies.get(id)) {
                (Some(_), _) => "présente".to_owned(),
                (None, Some(holder)) => format!("représentée par {}", name(holder)),
                (None, None) => String::new(),
            };
            json!({"n": i + 1, "name": name(id), "place": unit_place(id), "presence": presence})
        })
        .collect();
    // A commune is present through its delegate, named when recorded.
    let mut present: Vec<String> = s
        .present
        .iter()
        .map(|(id, delegate)| match delegate.trim() {
            "" => name(id),
            delegate => format!("{} ({delegate})", name(id)),
        })
        .collect();
    present.sort_by_cached_key(|n| registre_projections::search::folded(n));
    // Represented: absent, with a proxy whose holder is present (as the
    // quorum counts them).
    let attendance = s.attendance();
    let represented: Vec<String> = attendance
        .represented
        .iter()
        .map(|(grantor, holder)| format!("{}, par {}", name(grantor), name(holder)))
        .collect();
    let eligible = s.eligible.len();
    let mut motions: Vec<&Resolution> = m
        .resolutions
        .motions
        .values()
        .filter(|r| r.session_id == s.session_id)
        .collect();
    motions.sort_by_key(|r| (r.position, r.motion_id));
    let elections: Vec<Value> = m
        .bodies
        .bodies
        .values()
        .flat_map(|b| b.mandates.iter().map(move |md| (b, md)))
        .filter(|(_, md)| md.elected_in_session == Some(s.session_id))
        .map(|(b, md)| {
            json!({
                "post": b.posts.get(&md.post_id).map_or("poste", |p| p.title.as_str()),
                "holder": md.holder_name,
                "from": md.starts_on.map(french::date).unwrap_or_default(),
            })
        })
        .collect();
    // Each election held in the session, round by round.
    let ballots: Vec<Value> = m
        .bodies
        .elections_in_session(s.session_id)
        .into_iter()
        .map(|(b, e)| {
            let candidate = |id: &Uuid| e.holder_name(*id).map_or_else(|| name(id), str::to_owned);
            let rounds: Vec<Value> = e
                .rounds
                .iter()
                .map(|r| {
                    // Most votes first, as the tellers read them out.
                    let mut votes = r.votes.clone();
                    votes.sort_by_key(|v| std::cmp::Reverse(v.votes));
                    json!({
                        "round": r.round,
                        "majority": match r.majority {
                            ElectionMajority::Absolute => "majorité absolue",
                            ElectionMajority::Relative => "majorité relative",
                        },
                        "ballots": r.ballots,
                        "blank": r.blank,
                        "spoilt": r.spoilt,
                        "votes": votes.iter().map(|v| json!({"name": candidate(&v.member_id), "votes": v.votes})).collect::<Vec<_>>(),
                        "elected": r.elected.iter().map(candidate).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "body": b.name,
                "post": b.posts.get(&e.post_id).map_or("poste", |p| p.title.as_str()),
                "seats": e.seats,
                "candidates": e.candidates.iter().map(|c| c.holder_name.clone()).collect::<Vec<_>>(),
                "rounds": rounds,
            })
        })
        .collect();
    // An extraordinary session's grounds, and who asked for it.
    let request = s.request.as_ref().map(|r| {
        let by = match &r.requested_by {
            RequestedBy::Bureau => "le bureau qui convoque l'instance".to_owned(),
            RequestedBy::Members { member_ids } => format!(
                "{} membre(s) : {}",
                member_ids.len(),
                member_ids.iter().map(name).collect::<Vec<_>>().join(", ")
            ),
        };
        json!({"grounds": r.grounds, "by": by})
    });
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "(non enregistrée)".to_owned(),
            |t| format!("à {} h {} (UTC)", t.format("%-H"), t.format("%M")),
        )
    };
    json!({
        "date_emission": made,
        "body": m.bodies.body(s.body_id).map_or("Instance", |b| b.name.as_str()),
        "session_kind": french::session_kind(s.kind),
        "session_date": french::date(s.session_date),
        "year_words": s.session_date.year().to_string(),
        "place": s.place,
        "convened_on": french::date(s.convened_on),
        "notice": french::notice(s, Language::French),
        "second_convocation": s.second_convocation_of.is_some(),
        "agenda": s.agenda,
        "convened": convened.iter().map(|(_, id)| json!({"name": name(id), "place": unit_place(id)})).collect::<Vec<_>>(),
        "counts": {
            "eligible": eligible,
            "present": attendance.present.len(),
            "represented": attendance.represented.len(),
            "absent": attendance.absent.len(),
        },
        "quorum": french::quorum(m, s, Language::French),
        "opened_at": time(s.opened_at),
        "closed_at": time(s.closed_at),
        "rows": rows,
        "motions": motions.iter().map(|r| deliberation(r, number_in_register(m, r))).collect::<Vec<_>>(),
        "elections": elections,
        "ballots": ballots,
        "request": request,
        "present": present,
        "represented": represented,
    })
}

fn result(r: &Resolution) -> &'static str {
    french::motion_result(r.result)
}

fn deliberation(r: &Resolution, n: usize) -> Value {
    json!({
        "n": n,
        "agenda_item": r.agenda_item.saturating_add(1),
        "title": r.title,
        "kind": french::motion_kind(r.kind),
        "text": r.text,
        "votes_for": r.votes_for,
        "votes_against": r.votes_against,
        "abstentions": r.abstentions,
        "by_proxy": r.by_proxy,
        "result": result(r),
        "majority": r.decision.as_ref().map(|d| {
            let casting = match d.casting_vote {
                Some(VoteChoice::For) => " ; partage tranché par la voix prépondérante du président, pour",
                Some(_) => " ; partage tranché par la voix prépondérante du président, contre",
                None => "",
            };
            format!("majorité requise : {}{casting}", french::majority_rule(d.rule, Language::French))
        }),
    })
}

/// A decided motion's number in its body's register of the year (the
/// number the minutes, the extract and the register all give it); 0 for
/// a motion not decided.
fn number_in_register(m: &ReadModels, r: &Resolution) -> usize {
    let (Some(body), Some(date)) = (r.body_id, r.session_date) else {
        return 0;
    };
    deliberations_of(m, body, date.year())
        .iter()
        .position(|x| x.motion_id == r.motion_id)
        .map_or(0, |i| i + 1)
}

/// A body's decided motions of a year, in the order they were decided.
fn deliberations_of(m: &ReadModels, body: Uuid, year: i32) -> Vec<&Resolution> {
    let mut list: Vec<&Resolution> = m
        .resolutions
        .motions
        .values()
        .filter(|r| r.body_id == Some(body) && r.decision.is_some())
        .filter(|r| r.session_date.is_some_and(|d| d.year() == year))
        .collect();
    list.sort_by_key(|r| (r.decision.as_ref().map(|d| d.position), r.motion_id));
    list
}

fn register(
    m: &ReadModels,
    body: Uuid,
    year: i32,
    made: String,
    at: u64,
) -> Result<Content, DocumentError> {
    let b = m.bodies.body(body).ok_or(DocumentError::UnknownReference)?;
    let list = deliberations_of(m, body, year);
    let mut by_kind: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    let deliberations: Vec<Value> = list
        .iter()
        .enumerate()
        .map(|(i, r)| {
            by_kind
                .entry(french::motion_kind(r.kind))
                .or_default()
                .push(i + 1);
            let session = m.sessions.sessions.get(&r.session_id);
            let mut d = deliberation(r, i + 1);
            d["session_date"] = json!(r.session_date.map(french::date).unwrap_or_default());
            d["session_kind"] = json!(session.map_or("", |s| french::session_kind(s.kind)));
            d
        })
        .collect();
    Ok(Content {
        data: json!({
            "date_emission": made,
            "body": b.name,
            "year": year,
            "deliberations": deliberations,
            "by_kind": by_kind.into_iter().map(|(k, n)| json!({"kind": k, "numbers": n})).collect::<Vec<_>>(),
        }),
        // The body's establishment (what the reference names), then each
        // deliberation's events.
        positions: first_position(m, EntityKind::Body, body)
            .into_iter()
            .chain(
                list.iter()
                    .flat_map(|r| positions_of(m, EntityKind::Motion, r.motion_id, at)),
            )
            .collect(),
    })
}

/// A member's contacts as the directory prints them, one per line.
fn directory_contacts(c: Option<&registre_domain::contacts::Contacts>) -> Vec<String> {
    let Some(c) = c else { return Vec::new() };
    let named =
        |label: &str, name: &Option<String>| name.as_ref().map(|n| format!("{label} : {n}"));
    named("Maire", &c.mayor)
        .into_iter()
        .chain(named("SG", &c.secretary_general))
        .chain(c.phones.iter().cloned())
        .chain(c.email.clone())
        .chain(c.postal_address.clone())
        .collect()
}

fn directory(m: &ReadModels, made: String) -> Content {
    let mut regions: std::collections::BTreeMap<String, Vec<(String, Value)>> = Default::default();
    let lineage = m.membership.lineage();
    for member in m.membership.members.values() {
        // Where it stands now, in the latest edition of the territory.
        let p = m
            .membership
            .placement(&m.membership.unit_now(&lineage, &member.unit));
        let region = p
            .region
            .map(|r| r.name)
            .unwrap_or_else(|| "Sans région".into());
        regions.entry(region).or_default().push((
            registre_projections::search::folded(&member.name),
            json!({
                "name": member.name,
                "cercle": p.cercle.map(|c| c.name).unwrap_or_default(),
                "pcode": member.unit.code,
                "status": french::status(member.status),
                "since": french::date(member.member_since),
                "contacts": directory_contacts(member.current_contacts()),
            }),
        ));
    }
    let count = m
        .membership
        .members
        .values()
        .filter(|r| r.status.is_member())
        .count();
    let regions: Vec<Value> = regions
        .into_iter()
        .map(|(name, mut members)| {
            members.sort_by(|a, b| a.0.cmp(&b.0));
            json!({"name": name, "members": members.into_iter().map(|(_, v)| v).collect::<Vec<_>>()})
        })
        .collect();
    // The directory states no single record: it is the whole register,
    // tied to the log by the signed head it carries.
    Content {
        data: json!({"date_emission": made, "count": count, "regions": regions}),
        positions: Vec::new(),
    }
}
