//! A body, its posts and their holders (stream `body-<body_id>`).
//!
//! Posts and mandates share the body's stream so that "a post never has
//! more holders than seats" is checked and written under one expected
//! revision: two racing elections cannot both take the last seat.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use registre_schema::DomainEvent;
use registre_schema::events::{
    BodyEstablished, BodyKind, BodyLevel, MandateEndReason, MandateEnded, MandateStarted,
    OfficerElected, PostDefined, StatutoryBody, StatutoryBodyNamed, TerritorialLevel,
    TerritorialUnitKey,
};
use uuid::Uuid;

use crate::dates::Dated;
use crate::election::{self, Count, Election};
use crate::text::{MAX_NAME, required};
use crate::{Aggregate, Context, DomainError, Reason};

/// Most seats one post may have.
pub const MAX_SEATS: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub member_id: Uuid,
    pub holder_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

impl Holding {
    /// The last day the holder holds the seat (exclusive end).
    pub fn until(&self) -> NaiveDate {
        self.ended_on.map_or(self.ends_on, |e| e.min(self.ends_on))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub title: String,
    pub seats: u32,
    pub mandates: BTreeMap<Uuid, Holding>,
}

impl Post {
    /// Mandates that hold a seat on `date`.
    pub fn holders_on(&self, date: NaiveDate) -> usize {
        self.mandates
            .values()
            .filter(|h| h.starts_on <= date && date < h.until())
            .count()
    }

    /// The most seats held on any day from `starts_on` to `ends_on`
    /// (exclusive): reached on the first day or on a later mandate's
    /// first day.
    pub fn busiest(&self, starts_on: NaiveDate, ends_on: NaiveDate) -> usize {
        std::iter::once(starts_on)
            .chain(
                self.mandates
                    .values()
                    .map(|h| h.starts_on)
                    .filter(|s| starts_on < *s && *s < ends_on),
            )
            .map(|day| self.holders_on(day))
            .max()
            .unwrap_or(0)
    }
}

/// The kind and level each statutory body has.
pub fn shape(b: StatutoryBody) -> (BodyKind, BodyLevel) {
    use StatutoryBody as S;
    match b {
        S::Congress | S::NationalCouncil => (BodyKind::Instance, BodyLevel::National),
        S::RegionalConference => (BodyKind::Instance, BodyLevel::Regional),
        S::CercleAssembly => (BodyKind::Instance, BodyLevel::Cercle),
        S::NationalBureau => (BodyKind::Organ, BodyLevel::National),
        S::RegionalBureau => (BodyKind::Organ, BodyLevel::Regional),
        S::CercleBureau => (BodyKind::Organ, BodyLevel::Cercle),
    }
}

/// A statutory body's name, in English and in French.
pub fn statutory_name(b: StatutoryBody) -> Reason {
    use StatutoryBody as S;
    match b {
        S::Congress => Reason::new("Congress", "Congrès"),
        S::NationalCouncil => Reason::new("National Council", "Conseil National"),
        S::RegionalConference => Reason::new("Regional Conference", "Conférence Régionale"),
        S::CercleAssembly => Reason::new("Cercle Assembly", "Assemblée de Cercle"),
        S::NationalBureau => Reason::new("National Executive Bureau", "Bureau Exécutif National"),
        S::RegionalBureau => Reason::new(
            "Regional Coordination Bureau",
            "Bureau de Coordination Régionale",
        ),
        S::CercleBureau => Reason::new("Cercle Bureau", "Bureau de Cercle"),
    }
}

/// A body of `kind` and `level` may be `b`: refused with the shape `b` has.
fn has_shape(b: StatutoryBody, kind: BodyKind, level: BodyLevel) -> Result<(), DomainError> {
    let (wanted_kind, wanted_level) = shape(b);
    if (kind, level) == (wanted_kind, wanted_level) {
        return Ok(());
    }
    Err(DomainError::StatutoryBodyMismatch {
        statutory_body: statutory_name(b),
        expected: shape_name(wanted_kind, wanted_level),
    })
}

fn shape_name(kind: BodyKind, level: BodyLevel) -> Reason {
    use BodyKind::*;
    use BodyLevel::*;
    match (kind, level) {
        (Instance, National) => Reason::new("national instance", "une instance nationale"),
        (Instance, Regional) => Reason::new("regional instance", "une instance régionale"),
        (Instance, Cercle) => Reason::new("cercle instance", "une instance de cercle"),
        (Organ, National) => Reason::new("national organ", "un organe national"),
        (Organ, Regional) => Reason::new("regional organ", "un organe régional"),
        (Organ, Cercle) => Reason::new("cercle organ", "un organe de cercle"),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub body_id: Uuid,
    pub name: String,
    pub kind: BodyKind,
    pub level: BodyLevel,
    pub territorial_unit: Option<TerritorialUnitKey>,
    pub convened_by_body_id: Option<Uuid>,
    pub statutory_body: Option<StatutoryBody>,
    pub posts: BTreeMap<Uuid, Post>,
    pub elections: BTreeMap<Uuid, Election>,
}

#[derive(Debug, Clone)]
pub enum BodyCommand {
    Establish {
        body_id: Uuid,
        name: String,
        kind: BodyKind,
        level: BodyLevel,
        territorial_unit: Option<TerritorialUnitKey>,
        convened_by_body_id: Option<Uuid>,
        parent_body_id: Option<Uuid>,
        /// Which of the statutes' bodies it is; it must have that body's
        /// kind and level.
        statutory_body: Option<StatutoryBody>,
    },
    DefinePost {
        body_id: Uuid,
        post_id: Uuid,
        title: String,
        seats: u32,
    },
    /// Says which of the statutes' bodies an established body is (one
    /// established before bodies said so); it must have that body's kind
    /// and level.
    NameStatutoryBody {
        body_id: Uuid,
        statutory_body: StatutoryBody,
    },
    /// Designates a commune to a seat, or records an election held
    /// without ballots counted here; one naming a session must name one of
    /// the body that elects this body. The candidate's eligibility (a
    /// member in good standing) comes from `ctx.facts.eligible_members`.
    ElectOfficer {
        body_id: Uuid,
        post_id: Uuid,
        mandate_id: Uuid,
        member_id: Uuid,
        holder_name: String,
        session_id: Option<Uuid>,
        starts_on: NaiveDate,
    },
    EndMandate {
        body_id: Uuid,
        post_id: Uuid,
        mandate_id: Uuid,
        ended_on: NaiveDate,
        reason: MandateEndReason,
    },
    /// Opens an election to fill seats of a post, in a session in
    /// progress of the body that elects this body.
    OpenElection {
        body_id: Uuid,
        election_id: Uuid,
        post_id: Uuid,
        session_id: Uuid,
        seats: u32,
        /// The election motion the session adopted, which the election
        /// carries out.
        motion_id: Option<Uuid>,
    },
    /// A commune stands; its eligibility on the session's day comes from
    /// `ctx.facts.eligible_members`.
    FileCandidacy {
        body_id: Uuid,
        election_id: Uuid,
        member_id: Uuid,
        holder_name: String,
    },
    /// Counts a round's ballots; the elected get their mandates.
    CountElectionRound {
        body_id: Uuid,
        election_id: Uuid,
        count: Count,
    },
}

impl BodyCommand {
    pub fn body_id(&self) -> Uuid {
        match self {
            BodyCommand::Establish { body_id, .. }
            | BodyCommand::DefinePost { body_id, .. }
            | BodyCommand::NameStatutoryBody { body_id, .. }
            | BodyCommand::ElectOfficer { body_id, .. }
            | BodyCommand::EndMandate { body_id, .. }
            | BodyCommand::OpenElection { body_id, .. }
            | BodyCommand::FileCandidacy { body_id, .. }
            | BodyCommand::CountElectionRound { body_id, .. } => *body_id,
        }
    }
}

/// The body as its seats stand: a commune that left the association
/// (excluded, withdrawn, succeeded) holds none from that day.
fn with_departures<'b>(body: &'b Body, ctx: &Context) -> std::borrow::Cow<'b, Body> {
    let departed = &ctx.facts.departed;
    let cut = |h: &Holding| {
        departed
            .get(&h.member_id)?
            .iter()
            .filter(|d| h.starts_on <= **d && **d < h.until())
            .min()
    };
    if !body
        .posts
        .values()
        .flat_map(|p| p.mandates.values())
        .any(|h| cut(h).is_some())
    {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut body = body.clone();
    for h in body
        .posts
        .values_mut()
        .flat_map(|p| p.mandates.values_mut())
    {
        if let Some(day) = cut(h) {
            h.ended_on = Some(*day);
        }
    }
    std::borrow::Cow::Owned(body)
}

/// `date` plus whole years, clamped to the month's end (29 February).
pub(crate) fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    let y = date.year() + years as i32;
    date.with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, date.month(), 28))
        .unwrap_or(date)
}

impl Aggregate for Body {
    type State = Option<Body>;
    type Command = BodyCommand;
    type Event = DomainEvent;

    fn dates(command: &BodyCommand) -> Vec<Dated> {
        match command {
            BodyCommand::Establish { .. }
            | BodyCommand::DefinePost { .. }
            | BodyCommand::NameStatutoryBody { .. }
            | BodyCommand::OpenElection { .. }
            | BodyCommand::FileCandidacy { .. }
            | BodyCommand::CountElectionRound { .. } => vec![],
            BodyCommand::ElectOfficer { starts_on, .. } => {
                vec![Dated::day("starts_on", *starts_on)]
            }
            BodyCommand::EndMandate { ended_on, .. } => vec![Dated::day("ended_on", *ended_on)],
        }
    }

    fn decide_dated(
        state: &Option<Body>,
        command: &BodyCommand,
        ctx: &Context,
    ) -> Result<Vec<DomainEvent>, DomainError> {
        use BodyCommand as C;
        if let C::Establish {
            body_id,
            name,
            kind,
            level,
            territorial_unit,
            convened_by_body_id,
            parent_body_id,
            statutory_body,
        } = command
        {
            if state.is_some() {
                return Err(DomainError::BodyAlreadyExists);
            }
            required("name", name, MAX_NAME)?;
            let unit_level = match territorial_unit {
                Some(unit) => match ctx.facts.known_units.get(unit) {
                    Some(u) => Some(u.level),
                    None => {
                        return Err(DomainError::UnknownTerritorialUnit {
                            code: unit.code.chars().take(64).collect(),
                        });
                    }
                },
                None => None,
            };
            // A regional or cercle body counts the communes of its own
            // unit: without one it would count every commune.
            let required_level = match level {
                BodyLevel::National => None,
                BodyLevel::Regional => Some((TerritorialLevel::Region, "regional")),
                BodyLevel::Cercle => Some((TerritorialLevel::Cercle, "cercle")),
            };
            if let Some((wanted, name)) = required_level
                && unit_level != Some(wanted)
            {
                return Err(DomainError::BodyTerritoryRequired { level: name });
            }
            if let Some(b) = statutory_body {
                has_shape(*b, *kind, *level)?;
            }
            for other in [convened_by_body_id, parent_body_id].into_iter().flatten() {
                if !ctx.facts.bodies.contains_key(other) {
                    return Err(DomainError::UnknownBody);
                }
            }
            return Ok(vec![
                BodyEstablished {
                    body_id: *body_id,
                    name: name.clone(),
                    kind: *kind,
                    level: *level,
                    territorial_unit: territorial_unit.clone(),
                    convened_by_body_id: *convened_by_body_id,
                    parent_body_id: *parent_body_id,
                    statutory_body: *statutory_body,
                }
                .into(),
            ]);
        }
        let body = &with_departures(state.as_ref().ok_or(DomainError::UnknownBody)?, ctx);
        match command {
            C::Establish { .. } => unreachable!("handled above"),
            C::NameStatutoryBody {
                body_id,
                statutory_body,
            } => {
                if body.statutory_body == Some(*statutory_body) {
                    return Err(DomainError::StatutoryBodyUnchanged);
                }
                has_shape(*statutory_body, body.kind, body.level)?;
                Ok(vec![
                    StatutoryBodyNamed {
                        body_id: *body_id,
                        statutory_body: *statutory_body,
                    }
                    .into(),
                ])
            }
            C::DefinePost {
                body_id,
                post_id,
                title,
                seats,
            } => {
                required("title", title, MAX_NAME)?;
                if body.posts.contains_key(post_id) {
                    return Err(DomainError::IdAlreadyUsed);
                }
                if body.posts.values().any(|p| p.title == *title) {
                    return Err(DomainError::PostAlreadyDefined);
                }
                if *seats == 0 || *seats > MAX_SEATS {
                    return Err(DomainError::InvalidSeats { max: MAX_SEATS });
                }
                Ok(vec![
                    PostDefined {
                        body_id: *body_id,
                        post_id: *post_id,
                        title: title.clone(),
                        seats: *seats,
                    }
                    .into(),
                ])
            }
            C::ElectOfficer {
                body_id,
                post_id,
                mandate_id,
                member_id,
                holder_name,
                session_id,
                starts_on,
            } => {
                let post = body.posts.get(post_id).ok_or(DomainError::UnknownPost)?;
                if body
                    .posts
                    .values()
                    .any(|p| p.mandates.contains_key(mandate_id))
                {
                    return Err(DomainError::IdAlreadyUsed);
                }
                required("holder_name", holder_name, MAX_NAME)?;
                if ctx.facts.outside_territory.contains(member_id) {
                    return Err(DomainError::OutsideBodyTerritory);
                }
                if !ctx.facts.eligible_members.contains(member_id) {
                    return Err(DomainError::NotEligibleToStand);
                }
                let statutes = ctx.statutes()?;
                if let Some(session_id) = session_id {
                    let session = ctx
                        .facts
                        .sessions
                        .get(session_id)
                        .ok_or(DomainError::UnknownSession)?;
                    let electing = ctx.facts.bodies.get(&session.body_id);
                    if !electing.is_some_and(|b| election::competent(statutes, body, b)) {
                        return Err(DomainError::NotCompetentToElect);
                    }
                }
                election::may_take_seat(body, post_id, member_id, *starts_on, ctx)?;
                // The term is the statutory body's, else the general one.
                let term = crate::statutory::term_years(statutes, body.statutory_body);
                let ends_on = add_years(*starts_on, term);
                // Mandates of one post may not overlap beyond its seats,
                // those an election under way is to fill counted taken.
                let busiest = post.busiest(*starts_on, ends_on)
                    + election::reserved(body, *post_id, ctx) as usize;
                if busiest >= post.seats as usize {
                    return Err(DomainError::PostFull { seats: post.seats });
                }
                Ok(vec![
                    OfficerElected {
                        body_id: *body_id,
                        post_id: *post_id,
                        mandate_id: *mandate_id,
                        member_id: *member_id,
                        holder_name: holder_name.clone(),
                        session_id: *session_id,
                        statutes_version: statutes.version,
                    }
                    .into(),
                    MandateStarted {
                        body_id: *body_id,
                        post_id: *post_id,
                        mandate_id: *mandate_id,
                        starts_on: *starts_on,
                        ends_on,
                    }
                    .into(),
                ])
            }
            C::OpenElection {
                election_id,
                post_id,
                session_id,
                seats,
                motion_id,
                ..
            } => election::open(
                body,
                (*election_id, *post_id, *session_id),
                *seats,
                *motion_id,
                ctx,
            ),
            C::FileCandidacy {
                election_id,
                member_id,
                holder_name,
                ..
            } => election::file_candidacy(body, *election_id, *member_id, holder_name, ctx),
            C::CountElectionRound {
                election_id, count, ..
            } => election::count_round(body, *election_id, count, ctx),
            C::EndMandate {
                body_id,
                post_id,
                mandate_id,
                ended_on,
                reason,
            } => {
                let post = body.posts.get(post_id).ok_or(DomainError::UnknownPost)?;
                let holding = post
                    .mandates
                    .get(mandate_id)
                    .ok_or(DomainError::UnknownMandate)?;
                // A mandate past its term has already ended (by its term).
                if holding.ended_on.is_some() || *ended_on > holding.ends_on {
                    return Err(DomainError::MandateAlreadyEnded);
                }
                if *ended_on < holding.starts_on {
                    return Err(DomainError::InvalidDate {
                        detail: Reason::new(
                            "a mandate cannot end before it starts",
                            "un mandat ne peut pas prendre fin avant d'avoir commencé",
                        ),
                    });
                }
                Ok(vec![
                    MandateEnded {
                        body_id: *body_id,
                        post_id: *post_id,
                        mandate_id: *mandate_id,
                        ended_on: *ended_on,
                        reason: *reason,
                    }
                    .into(),
                ])
            }
        }
    }

    fn evolve(mut state: Option<Body>, event: &DomainEvent) -> Option<Body> {
        use DomainEvent as E;
        match event {
            E::BodyEstablished(e) => {
                state = Some(Body {
                    body_id: e.body_id,
                    name: e.name.clone(),
                    kind: e.kind,
                    level: e.level,
                    territorial_unit: e.territorial_unit.clone(),
                    convened_by_body_id: e.convened_by_body_id,
                    statutory_body: e.statutory_body,
                    posts: BTreeMap::new(),
                    elections: BTreeMap::new(),
                });
            }
            E::StatutoryBodyNamed(e) => {
                if let Some(b) = state.as_mut() {
                    b.statutory_body = Some(e.statutory_body);
                }
            }
            E::PostDefined(e) => {
                if let Some(b) = state.as_mut() {
                    b.posts.insert(
                        e.post_id,
                        Post {
                            title: e.title.clone(),
                            seats: e.seats,
                            mandates: BTreeMap::new(),
                        },
                    );
                }
            }
            E::OfficerElected(e) => {
                if let Some(p) = state.as_mut().and_then(|b| b.posts.get_mut(&e.post_id)) {
                    // Dates arrive with MandateStarted, the next event.
                    p.mandates.insert(
                        e.mandate_id,
                        Holding {
                            member_id: e.member_id,
                            holder_name: e.holder_name.clone(),
                            starts_on: NaiveDate::MAX,
                            ends_on: NaiveDate::MAX,
                            ended_on: None,
                        },
                    );
                }
            }
            E::MandateStarted(e) => {
                if let Some(h) = state
                    .as_mut()
                    .and_then(|b| b.posts.get_mut(&e.post_id))
                    .and_then(|p| p.mandates.get_mut(&e.mandate_id))
                {
                    h.starts_on = e.starts_on;
                    h.ends_on = e.ends_on;
                }
            }
            E::MandateEnded(e) => {
                if let Some(h) = state
                    .as_mut()
                    .and_then(|b| b.posts.get_mut(&e.post_id))
                    .and_then(|p| p.mandates.get_mut(&e.mandate_id))
                {
                    h.ended_on = Some(e.ended_on);
                }
            }
            E::ElectionOpened(_) | E::CandidacyFiled(_) | E::ElectionRoundCounted(_) => {
                if let Some(b) = state.as_mut() {
                    election::evolve(&mut b.elections, event);
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
    use crate::context::BodyFact;
    use crate::testing::*;
    use registre_schema::events::PostDefined;

    /// A national body with no convener nor parent, as the command asks it
    /// and as the event records it: the tests compare the two field by field.
    fn establishing(
        name: &str,
        kind: BodyKind,
        level: BodyLevel,
        territorial_unit: Option<TerritorialUnitKey>,
        convened_by_body_id: Option<Uuid>,
    ) -> (BodyCommand, DomainEvent) {
        let command = BodyCommand::Establish {
            body_id: id(1),
            name: name.into(),
            kind,
            level,
            territorial_unit: territorial_unit.clone(),
            convened_by_body_id,
            parent_body_id: None,
            statutory_body: None,
        };
        let event = BodyEstablished {
            body_id: id(1),
            name: name.into(),
            kind,
            level,
            territorial_unit,
            convened_by_body_id,
            parent_body_id: None,
            statutory_body: None,
        };
        (command, event.into())
    }

    fn ben() -> (BodyCommand, DomainEvent) {
        establishing(
            "Bureau Exécutif National",
            BodyKind::Organ,
            BodyLevel::National,
            None,
            None,
        )
    }

    fn established() -> DomainEvent {
        ben().1
    }

    fn establish() -> BodyCommand {
        ben().0
    }

    fn post(seats: u32) -> DomainEvent {
        PostDefined {
            body_id: id(1),
            post_id: id(2),
            title: "Vice-président".into(),
            seats,
        }
        .into()
    }

    #[test]
    fn a_body_is_established_once() {
        given::<Body>(vec![])
            .when(establish())
            .then_events(vec![established()]);
        given::<Body>(vec![established()])
            .when(establish())
            .then_error("BODY_ALREADY_EXISTS");
        let (with_unknown_convener, congres) = establishing(
            "Congrès",
            BodyKind::Instance,
            BodyLevel::National,
            None,
            Some(id(9)),
        );
        given::<Body>(vec![])
            .when(with_unknown_convener.clone())
            .then_error("UNKNOWN_BODY");
        given::<Body>(vec![])
            .with_facts(|f| {
                f.bodies.insert(
                    id(9),
                    BodyFact {
                        body_id: id(9),
                        convened_by_body_id: None,
                        statutory_body: None,
                        territorial_unit: None,
                    },
                );
            })
            .when(with_unknown_convener)
            .then_events(vec![congres]);
        let (regional, _) = establishing(
            "Conférence Régionale de Kayes",
            BodyKind::Instance,
            BodyLevel::Regional,
            Some(key("ML01")),
            None,
        );
        given::<Body>(vec![])
            .when(regional)
            .then_error("UNKNOWN_TERRITORIAL_UNIT");
    }

    fn knows(code: &str, level: TerritorialLevel) -> impl FnOnce(&mut crate::Facts) {
        let code = code.to_owned();
        move |f| {
            f.known_units.insert(
                key(&code),
                crate::context::UnitFact {
                    level,
                    name: "Kayes".into(),
                },
            );
        }
    }

    #[test]
    fn a_regional_or_cercle_body_names_a_unit_of_its_level() {
        let regional = |unit| {
            establishing(
                "Conférence Régionale de Kayes",
                BodyKind::Instance,
                BodyLevel::Regional,
                unit,
                None,
            )
        };
        given::<Body>(vec![])
            .when(regional(None).0)
            .then_error("BODY_TERRITORY_REQUIRED");
        given::<Body>(vec![])
            .with_facts(knows("ML01", TerritorialLevel::Cercle))
            .when(regional(Some(key("ML01"))).0)
            .then_error("BODY_TERRITORY_REQUIRED");
        let (command, event) = regional(Some(key("ML01")));
        given::<Body>(vec![])
            .with_facts(knows("ML01", TerritorialLevel::Region))
            .when(command)
            .then_events(vec![event]);
        let (cercle, _) = establishing(
            "Assemblée de Cercle de Kita",
            BodyKind::Instance,
            BodyLevel::Cercle,
            Some(key("ML01")),
            None,
        );
        given::<Body>(vec![])
            .with_facts(knows("ML01", TerritorialLevel::Region))
            .when(cercle)
            .then_error("BODY_TERRITORY_REQUIRED");
    }

    #[test]
    fn given_a_statutory_body_when_established_then_it_has_that_bodys_kind_and_level() {
        let named = |kind, statutory_body| {
            let (mut command, mut event) =
                establishing("Conseil National", kind, BodyLevel::National, None, None);
            if let BodyCommand::Establish {
                statutory_body: s, ..
            } = &mut command
            {
                *s = Some(statutory_body);
            }
            if let DomainEvent::BodyEstablished(e) = &mut event {
                e.statutory_body = Some(statutory_body);
            }
            (command, event)
        };
        let (command, event) = named(BodyKind::Instance, StatutoryBody::NationalCouncil);
        given::<Body>(vec![]).when(command).then_events(vec![event]);
        // An organ is no Conseil National; a national body no Conférence Régionale.
        given::<Body>(vec![])
            .when(named(BodyKind::Organ, StatutoryBody::NationalCouncil).0)
            .then_error("STATUTORY_BODY_MISMATCH");
        given::<Body>(vec![])
            .when(named(BodyKind::Instance, StatutoryBody::RegionalConference).0)
            .then_error("STATUTORY_BODY_MISMATCH");
    }

    #[test]
    fn given_a_body_established_before_bodies_said_which_they_are_when_named_then_it_is_that_one() {
        let named = |statutory_body| BodyCommand::NameStatutoryBody {
            body_id: id(1),
            statutory_body,
        };
        let event: DomainEvent = StatutoryBodyNamed {
            body_id: id(1),
            statutory_body: StatutoryBody::NationalBureau,
        }
        .into();
        given::<Body>(vec![established()])
            .when(named(StatutoryBody::NationalBureau))
            .then_events(vec![event.clone()]);
        given::<Body>(vec![established(), event])
            .when(named(StatutoryBody::NationalBureau))
            .then_error("STATUTORY_BODY_UNCHANGED");
        // The BEN is a national organ, no Congrès.
        given::<Body>(vec![established()])
            .when(named(StatutoryBody::Congress))
            .then_error("STATUTORY_BODY_MISMATCH");
        given::<Body>(vec![])
            .when(named(StatutoryBody::NationalBureau))
            .then_error("UNKNOWN_BODY");
    }

    #[test]
    fn posts_are_defined_with_seats() {
        let define = |title: &str, seats| BodyCommand::DefinePost {
            body_id: id(1),
            post_id: id(2),
            title: title.into(),
            seats,
        };
        given::<Body>(vec![established()])
            .when(define("Vice-président", 2))
            .then_events(vec![post(2)]);
        given::<Body>(vec![])
            .when(define("Vice-président", 2))
            .then_error("UNKNOWN_BODY");
        given::<Body>(vec![established()])
            .when(define("Vice-président", 0))
            .then_error("INVALID_SEATS");
        given::<Body>(vec![established(), post(2)])
            .when(BodyCommand::DefinePost {
                body_id: id(1),
                post_id: id(3),
                title: "Vice-président".into(),
                seats: 1,
            })
            .then_error("POST_ALREADY_DEFINED");
    }

    fn elect(mandate: u128, member: u128, starts_on: NaiveDate) -> BodyCommand {
        BodyCommand::ElectOfficer {
            body_id: id(1),
            post_id: id(2),
            mandate_id: id(mandate),
            member_id: id(member),
            holder_name: format!("Maire {member}"),
            session_id: Some(id(50)),
            starts_on,
        }
    }

    fn elected(mandate: u128, member: u128, starts_on: NaiveDate) -> Vec<DomainEvent> {
        vec![
            OfficerElected {
                body_id: id(1),
                post_id: id(2),
                mandate_id: id(mandate),
                member_id: id(member),
                holder_name: format!("Maire {member}"),
                session_id: Some(id(50)),
                statutes_version: 1,
            }
            .into(),
            MandateStarted {
                body_id: id(1),
                post_id: id(2),
                mandate_id: id(mandate),
                starts_on,
                ends_on: add_years(starts_on, 5),
            }
            .into(),
        ]
    }

    /// Members 100 to 102 may stand; session 50 is one of the body's own.
    fn eligible(f: &mut crate::Facts) {
        f.eligible_members.extend([id(100), id(101), id(102)]);
        f.sessions.insert(id(50), session_of(id(1)));
        f.bodies.insert(id(1), fact_of(id(1)));
        f.bodies.insert(id(40), fact_of(id(40)));
    }

    fn session_of(body_id: Uuid) -> crate::context::SessionFact {
        crate::context::SessionFact {
            session_id: id(50),
            body_id,
            session_date: d(2024, 3, 1),
            quorum_failed: false,
            convened_again: None,
            open: true,
            closed: false,
            voters: 300,
        }
    }

    fn fact_of(body_id: Uuid) -> BodyFact {
        BodyFact {
            body_id,
            convened_by_body_id: None,
            statutory_body: None,
            territorial_unit: None,
        }
    }

    #[test]
    fn given_a_session_named_when_a_commune_is_elected_then_the_session_is_of_a_body_that_elects_this_one()
     {
        // An unknown session: the record would cite nothing.
        given::<Body>(vec![established(), post(1)])
            .with_facts(|f| {
                f.eligible_members.insert(id(100));
            })
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_error("UNKNOWN_SESSION");
        // A session of another body that neither the statutes name nor the
        // bureau convenes.
        given::<Body>(vec![established(), post(1)])
            .with_facts(eligible)
            .with_facts(|f| {
                f.sessions.insert(id(50), session_of(id(40)));
            })
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_error("NOT_COMPETENT_TO_ELECT");
        // The Congrès the bureau convenes elects it.
        given::<Body>(vec![established(), post(1)])
            .with_facts(eligible)
            .with_facts(|f| {
                f.sessions.insert(id(50), session_of(id(40)));
                f.bodies.get_mut(&id(40)).unwrap().convened_by_body_id = Some(id(1));
            })
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_events(elected(10, 100, d(2024, 3, 1)));
    }

    #[test]
    fn given_a_holder_whose_commune_left_when_a_seat_is_filled_then_its_mandate_ended_that_day() {
        let mut history = vec![established(), post(1)];
        history.extend(elected(10, 100, d(2024, 3, 1)));
        let left = |f: &mut crate::Facts| {
            f.departed.insert(id(100), vec![d(2025, 1, 1)]);
        };
        given::<Body>(history.clone())
            .with_facts(eligible)
            .with_facts(left)
            .when(elect(11, 101, d(2024, 12, 1)))
            .then_error("POST_FULL");
        given::<Body>(history.clone())
            .with_facts(eligible)
            .with_facts(left)
            .when(elect(11, 101, d(2025, 1, 1)))
            .then_events(elected(11, 101, d(2025, 1, 1)));
        // Its mandate has ended: it cannot be ended again.
        given::<Body>(history)
            .with_facts(left)
            .when(BodyCommand::EndMandate {
                body_id: id(1),
                post_id: id(2),
                mandate_id: id(10),
                ended_on: d(2025, 6, 1),
                reason: MandateEndReason::Removal,
            })
            .then_error("MANDATE_ALREADY_ENDED");
    }

    #[test]
    fn given_a_commune_holding_a_seat_when_designated_again_then_refused() {
        let mut history = vec![established(), post(2)];
        history.extend(elected(10, 100, d(2024, 3, 1)));
        given::<Body>(history.clone())
            .with_facts(eligible)
            .when(elect(11, 100, d(2025, 1, 1)))
            .then_error("ALREADY_HOLDS_SEAT");
        // Another post of the body: the statutes say whether one commune
        // may hold two.
        history.push(
            PostDefined {
                body_id: id(1),
                post_id: id(3),
                title: "Trésorier".into(),
                seats: 1,
            }
            .into(),
        );
        let treasurer = BodyCommand::ElectOfficer {
            body_id: id(1),
            post_id: id(3),
            mandate_id: id(11),
            member_id: id(100),
            holder_name: "Maire 100".into(),
            session_id: None,
            starts_on: d(2025, 1, 1),
        };
        given::<Body>(history.clone())
            .with_facts(eligible)
            .when(treasurer.clone())
            .then_error("SEVERAL_POSTS_NOT_ALLOWED");
        let mut several = crate::testing::statutes();
        several.elections.several_posts = true;
        let mut events = elected(11, 100, d(2025, 1, 1));
        for e in &mut events {
            match e {
                DomainEvent::OfficerElected(e) => (e.post_id, e.session_id) = (id(3), None),
                DomainEvent::MandateStarted(e) => e.post_id = id(3),
                _ => {}
            }
        }
        given::<Body>(history)
            .with_facts(eligible)
            .with_ctx(|c| c.statutes = Some(several))
            .when(treasurer)
            .then_events(events);
    }

    #[test]
    fn an_eligible_member_is_elected_for_the_statutory_term() {
        given::<Body>(vec![established(), post(1)])
            .with_facts(eligible)
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_events(elected(10, 100, d(2024, 3, 1)));
        given::<Body>(vec![established(), post(1)])
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_error("NOT_ELIGIBLE_TO_STAND");
        given::<Body>(vec![established(), post(1)])
            .with_facts(|f| {
                f.outside_territory.insert(id(100));
            })
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_error("OUTSIDE_BODY_TERRITORY");
        given::<Body>(vec![established()])
            .with_facts(eligible)
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_error("UNKNOWN_POST");
    }

    #[test]
    fn given_a_statutory_body_with_its_own_term_when_elected_then_the_mandate_lasts_that_term() {
        let mut bureau = established();
        if let DomainEvent::BodyEstablished(e) = &mut bureau {
            e.statutory_body = Some(StatutoryBody::NationalBureau);
        }
        let mut three_years = crate::testing::statutes();
        for r in &mut three_years.instances {
            if r.statutory_body == StatutoryBody::NationalBureau {
                r.term_years = 3;
            }
        }
        let mut events = elected(10, 100, d(2024, 3, 1));
        if let DomainEvent::MandateStarted(e) = &mut events[1] {
            e.ends_on = d(2027, 3, 1);
        }
        given::<Body>(vec![bureau, post(1)])
            .with_facts(eligible)
            .with_ctx(|c| c.statutes = Some(three_years))
            .when(elect(10, 100, d(2024, 3, 1)))
            .then_events(events);
    }

    #[test]
    fn a_post_never_has_more_holders_than_seats() {
        let mut history = vec![established(), post(1)];
        history.extend(elected(10, 100, d(2024, 3, 1)));
        given::<Body>(history.clone())
            .with_facts(eligible)
            .when(elect(11, 101, d(2025, 1, 1)))
            .then_error("POST_FULL");
        // A mandate starting before the current one and overlapping it.
        given::<Body>(history.clone())
            .with_facts(eligible)
            .when(elect(11, 101, d(2023, 1, 1)))
            .then_error("POST_FULL");
        // After the term, the seat is free again.
        given::<Body>(history.clone())
            .with_facts(eligible)
            .when(elect(11, 101, d(2029, 3, 1)))
            .then_events(elected(11, 101, d(2029, 3, 1)));
        // Or once the mandate ended early.
        history.push(
            MandateEnded {
                body_id: id(1),
                post_id: id(2),
                mandate_id: id(10),
                ended_on: d(2025, 1, 1),
                reason: MandateEndReason::Resignation,
            }
            .into(),
        );
        given::<Body>(history)
            .with_facts(eligible)
            .when(elect(11, 101, d(2025, 1, 1)))
            .then_events(elected(11, 101, d(2025, 1, 1)));
    }

    #[test]
    fn mandates_end_once() {
        let mut history = vec![established(), post(1)];
        history.extend(elected(10, 100, d(2024, 3, 1)));
        let end = |mandate, on| BodyCommand::EndMandate {
            body_id: id(1),
            post_id: id(2),
            mandate_id: id(mandate),
            ended_on: on,
            reason: MandateEndReason::Death,
        };
        let ended: DomainEvent = MandateEnded {
            body_id: id(1),
            post_id: id(2),
            mandate_id: id(10),
            ended_on: d(2025, 1, 1),
            reason: MandateEndReason::Death,
        }
        .into();
        given::<Body>(history.clone())
            .when(end(10, d(2025, 1, 1)))
            .then_events(vec![ended.clone()]);
        given::<Body>(history.clone())
            .when(end(11, d(2025, 1, 1)))
            .then_error("UNKNOWN_MANDATE");
        given::<Body>(history.clone())
            .when(end(10, d(2020, 1, 1)))
            .then_error("INVALID_DATE");
        given::<Body>(history.clone())
            .when(end(10, d(2029, 3, 2)))
            .then_error("MANDATE_ALREADY_ENDED");
        history.push(ended);
        given::<Body>(history)
            .when(end(10, d(2025, 1, 1)))
            .then_error("MANDATE_ALREADY_ENDED");
    }
}
