//! A body's elections (`/instances/{id}/elections`): each election to its
//! posts with its candidates and every round's count; an election opened
//! in a session in progress, a commune standing, a round counted. The
//! domain judges the rest: which session may elect this body, who may
//! stand, which majority a round needs.

use std::collections::BTreeMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use registre_domain::body::{BodyCommand, MAX_SEATS};
use registre_domain::election::{Count, MAX_BALLOTS};
use registre_domain::text::MAX_NAME;
use registre_projections::elections::ElectionRecord;
use registre_projections::read_models::ReadModels;
use registre_projections::resolutions::MotionResult;
use registre_projections::sessions::SessionState;
use registre_schema::events::{CandidateVotes, ElectionMajority, MotionKind};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::Field;
use super::page::{self, Frame, Viewer};
use super::record_form::{At, Record, RecordForm};
use crate::application::Command;
use crate::language::Language;

/// The three forms' fields: `step` says which was posted (`ouverture`,
/// `candidature` or `tour`); a round's votes come as `voix_<member id>`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ElectionFields {
    pub csrf: String,
    pub command_id: String,
    pub step: String,
    pub election: Field,
    pub post: Field,
    pub session: Field,
    pub seats: Field,
    /// The election motion the session adopted (empty: none cited).
    pub motion: Field,
    pub commune: Field,
    pub holder: Field,
    pub ballots: Field,
    pub blank: Field,
    pub spoilt: Field,
    #[serde(flatten)]
    pub votes: BTreeMap<String, String>,
    /// A refusal about the candidates' votes as a whole.
    #[serde(skip)]
    pub votes_error: String,
    #[serde(skip)]
    pub refusal: String,
}

page::posted_form!(ElectionFields);

impl ElectionFields {
    fn votes_typed(&self, election: &str, member: &str) -> String {
        if self.election.value != election {
            return String::new();
        }
        self.votes
            .get(&format!("voix_{member}"))
            .cloned()
            .unwrap_or_default()
    }
}

/// A candidate as the page shows it.
struct CandidateView {
    id: String,
    name: String,
    elected: bool,
    /// Their votes in each round counted: none in the rounds after the
    /// one that elected them.
    votes: Vec<Option<u32>>,
    /// Typed in the round's form if refused.
    typed: String,
}

/// A counted round: its number, majority, ballots, blank, spoilt, and
/// whom it elected.
struct RoundView {
    round: u32,
    majority: &'static str,
    /// Its count and whom it elected, in a sentence.
    said: String,
}

struct ElectionView {
    id: String,
    title: String,
    seats: u32,
    session: String,
    candidates: Vec<CandidateView>,
    rounds: Vec<RoundView>,
    complete: bool,
    open_to_candidates: bool,
    next_round: u32,
    /// The election's forms' fields, as posted if the post was for it.
    ballots: Field,
    blank: Field,
    spoilt: Field,
    commune: Field,
    holder: Field,
    votes_error: String,
    /// What the election's fields' ids end with: `-<election id>`.
    suffix: String,
}

#[derive(Template)]
#[template(path = "elections.html")]
struct ElectionsPage {
    frame: Frame,
    id: Uuid,
    name: String,
    elections: Vec<ElectionView>,
    /// Each post: id and title.
    posts: Vec<(String, String)>,
    /// Sessions in progress: id and label.
    sessions: Vec<(String, String)>,
    /// Election motions adopted in those sessions: id and label.
    motions: Vec<(String, String)>,
    form: ElectionFields,
    notice: &'static str,
}

impl ElectionsPage {
    /// The command id of the page's form for `step`.
    fn command_id(&self, step: &str) -> String {
        page::command_id_for(step, &self.form.step, &self.form.command_id)
    }
}

fn majority(m: ElectionMajority, lang: Language) -> &'static str {
    lang.tr(match m {
        ElectionMajority::Absolute => "absolue",
        ElectionMajority::Relative => "relative",
    })
}

/// A session as a list names it: its body and day.
fn session_label(m: &ReadModels, id: Uuid, lang: Language) -> String {
    let Some(s) = m.sessions.session(id) else {
        return lang.tr("session inconnue").into();
    };
    let body = m.bodies.body(s.body_id).map_or("?", |b| b.name.as_str());
    format!("{body}, {}", lang.date(s.session_date))
}

/// A round counted, in a sentence: its ballots, and whom it elected.
fn round_said(r: &registre_projections::elections::Round, elected: &str, lang: Language) -> String {
    let counted = lang.fill(
        "Tour {} : {} bulletin(s) valable(s), {} blanc(s), {} nul(s)",
        &[&r.round, &r.ballots, &r.blank, &r.spoilt],
    );
    if elected.is_empty() {
        lang.fill("{} ; personne n'est élu.", &[&counted])
    } else {
        lang.fill("{} ; élu(s) : {}.", &[&counted, &elected])
    }
}

fn election_view(
    m: &ReadModels,
    e: &ElectionRecord,
    title: &str,
    form: &ElectionFields,
    lang: Language,
) -> ElectionView {
    let key = e.election_id.to_string();
    // The fields of the form posted for this election are shown again;
    // every other election's forms are blank.
    let posted_here = form.election.value == key;
    let posted = |field: &Field| {
        if posted_here {
            field.clone()
        } else {
            Field::default()
        }
    };
    let elected: Vec<Uuid> = e.elected().copied().collect();
    let name = |id: &Uuid| e.holder_name(*id).unwrap_or("?").to_owned();
    ElectionView {
        id: key.clone(),
        title: title.to_owned(),
        seats: e.seats,
        session: session_label(m, e.session_id, lang),
        candidates: e
            .candidates
            .iter()
            .map(|c| CandidateView {
                id: c.member_id.to_string(),
                name: c.holder_name.clone(),
                elected: elected.contains(&c.member_id),
                votes: e
                    .rounds
                    .iter()
                    .map(|r| {
                        r.votes
                            .iter()
                            .find(|v| v.member_id == c.member_id)
                            .map(|v| v.votes)
                    })
                    .collect(),
                typed: form.votes_typed(&key, &c.member_id.to_string()),
            })
            .collect(),
        rounds: e
            .rounds
            .iter()
            .map(|r| RoundView {
                round: r.round,
                majority: majority(r.majority, lang),
                said: round_said(
                    r,
                    &r.elected.iter().map(name).collect::<Vec<_>>().join(", "),
                    lang,
                ),
            })
            .collect(),
        complete: e.complete(),
        open_to_candidates: e.rounds.is_empty(),
        next_round: e.rounds.len() as u32 + 1,
        ballots: posted(&form.ballots),
        blank: posted(&form.blank),
        spoilt: posted(&form.spoilt),
        commune: posted(&form.commune),
        holder: posted(&form.holder),
        votes_error: if posted_here {
            form.votes_error.clone()
        } else {
            String::new()
        },
        suffix: format!("-{key}"),
    }
}

fn show(at: &At, form: ElectionFields, status: StatusCode) -> Response {
    let (state, viewer, id, notice) = (at.state, at.viewer, at.id, at.notice);
    let lang = viewer.language;
    let models = try_page!(viewer.models(state));
    let scope = viewer.scope();
    let found = models.read(|m, _| {
        let b = m.bodies.body(id).filter(|_| scope.body(m, id))?;
        let title = |post: Uuid| b.posts.get(&post).map_or("?", |p| p.title.as_str());
        let elections = b
            .elections
            .iter()
            .rev()
            .map(|e| election_view(m, e, title(e.post_id), &form, lang))
            .collect();
        let mut posts: Vec<_> = b
            .posts
            .values()
            .map(|p| (p.post_id.to_string(), p.title.clone()))
            .collect();
        posts.sort_by(|a, b| a.1.cmp(&b.1));
        let open: Vec<Uuid> = m
            .sessions
            .sessions
            .values()
            .filter(|s| s.state == SessionState::Open)
            .filter(|s| scope.body(m, s.body_id))
            .map(|s| s.session_id)
            .collect();
        let sessions = open
            .iter()
            .map(|s| (s.to_string(), session_label(m, *s, lang)))
            .collect();
        let motions = m
            .resolutions
            .motions
            .values()
            .filter(|r| open.contains(&r.session_id))
            .filter(|r| r.kind == MotionKind::Election && r.result == MotionResult::Adopted)
            .map(|r| (r.motion_id.to_string(), r.title.clone()))
            .collect();
        Some((b.name.clone(), elections, posts, sessions, motions))
    });
    let Some((name, elections, posts, sessions, motions)) = found else {
        return page::not_found(lang);
    };
    page::render_as(
        &ElectionsPage {
            frame: viewer.frame("instances"),
            id,
            name,
            elections,
            posts,
            sessions,
            motions,
            form,
            notice,
        },
        status,
    )
}

impl RecordForm for ElectionFields {
    const RECORD: Record = Record::Body;

    fn blank(_: &At) -> Self {
        ElectionFields {
            command_id: Uuid::now_v7().to_string(),
            seats: "1".into(),
            ..Default::default()
        }
    }

    fn command(&mut self, at: &At) -> Option<Command> {
        let t = at.viewer.language;
        match self.step.as_str() {
            "ouverture" => self.opening(at.id, t),
            "candidature" => self.candidacy(at.state, at.viewer, at.id),
            _ => self.round(at.id, t),
        }
    }

    fn show(mut self, at: &At, status: StatusCode) -> Response {
        // A form of the page other than the one posted shows its blank
        // values: an election starts with one seat.
        if self.step != "ouverture" {
            self.seats = "1".into();
        }
        show(at, self, status)
    }

    fn back(id: Uuid) -> String {
        format!("/instances/{id}/elections")
    }
}

/// A whole number of at most `max`, an empty field read as `empty`;
/// `label` in `t` already.
fn number(
    t: Language,
    label: &str,
    text: &str,
    max: u32,
    empty: Option<u32>,
) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty()
        && let Some(n) = empty
    {
        return Ok(n);
    }
    text.parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| {
            t.fill(
                "{} : un nombre entier de 0 à {}.",
                &[&label, &t.number(max.into())],
            )
        })
}

impl ElectionFields {
    fn new_id(&self, salt: &[u8]) -> Uuid {
        Uuid::new_v5(
            &Uuid::parse_str(&self.command_id).unwrap_or_else(|_| Uuid::now_v7()),
            salt,
        )
    }

    fn election_id(&mut self, t: Language) -> Option<Uuid> {
        self.election.read(|v| {
            Uuid::parse_str(v).map_err(|_| t.tr("Élection : choisissez-en une.").to_owned())
        })
    }

    fn opening(&mut self, body_id: Uuid, t: Language) -> Option<Command> {
        let post_id = self
            .post
            .read(|v| Uuid::parse_str(v).map_err(|_| t.tr("Poste : choisissez-en un.").to_owned()));
        let session_id = self.session.read(|v| {
            Uuid::parse_str(v)
                .map_err(|_| t.tr("Session : choisissez une session ouverte.").to_owned())
        });
        let seats = self.seats.read(|v| {
            number(t, t.tr("Sièges à pourvoir"), v, MAX_SEATS, None).and_then(|n| {
                (n > 0)
                    .then_some(n)
                    .ok_or_else(|| t.tr("Sièges à pourvoir : au moins un.").into())
            })
        });
        let motion_id = self.motion.read(|v| match v.trim() {
            "" => Ok(None),
            m => Uuid::parse_str(m)
                .map(Some)
                .map_err(|_| t.tr("Motion : choisissez-en une dans la liste.").to_owned()),
        });
        Some(
            BodyCommand::OpenElection {
                body_id,
                election_id: self.new_id(b"election"),
                post_id: post_id?,
                session_id: session_id?,
                seats: seats?,
                motion_id: motion_id?,
            }
            .into(),
        )
    }

    /// A commune standing: found by its P-code among the members the
    /// viewer sees.
    fn candidacy(&mut self, state: &WebState, viewer: &Viewer, body_id: Uuid) -> Option<Command> {
        let t = viewer.language;
        let election_id = self.election_id(t);
        let member_id = self
            .commune
            .read(|v| page::member_by_code(state, viewer, v.trim()));
        let holder_name = self.holder.text(t, t.tr("Candidat"), MAX_NAME);
        Some(
            BodyCommand::FileCandidacy {
                body_id,
                election_id: election_id?,
                member_id: member_id?,
                holder_name: holder_name?,
            }
            .into(),
        )
    }

    /// A round's count: the ballots, then each candidate's votes (a field
    /// left empty is no vote).
    fn round(&mut self, body_id: Uuid, t: Language) -> Option<Command> {
        let election_id = self.election_id(t);
        let ballots = self
            .ballots
            .read(|v| number(t, t.tr("Bulletins valables"), v, MAX_BALLOTS, None));
        let blank = self
            .blank
            .read(|v| number(t, t.tr("Bulletins blancs"), v, MAX_BALLOTS, Some(0)));
        let spoilt = self
            .spoilt
            .read(|v| number(t, t.tr("Bulletins nuls"), v, MAX_BALLOTS, Some(0)));
        let mut votes = Vec::new();
        let mut refused = false;
        for (field, text) in &self.votes {
            let Some(member) = field.strip_prefix("voix_") else {
                continue;
            };
            let (Ok(member_id), Ok(n)) = (
                Uuid::parse_str(member),
                number(t, t.tr("Voix"), text, MAX_BALLOTS, Some(0)),
            ) else {
                refused = true;
                continue;
            };
            votes.push(CandidateVotes {
                member_id,
                votes: n,
            });
        }
        if refused {
            self.votes_error = t.fill(
                "Voix : un nombre entier de 0 à {} pour chaque candidat.",
                &[&t.number(MAX_BALLOTS.into())],
            );
            return None;
        }
        Some(
            BodyCommand::CountElectionRound {
                body_id,
                election_id: election_id?,
                count: Count {
                    ballots: ballots?,
                    blank: blank?,
                    spoilt: spoilt?,
                    votes,
                },
            }
            .into(),
        )
    }
}
