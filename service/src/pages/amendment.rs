//! The statutes amended (`/statuts/modification`): the amendment motion a
//! national instance adopted, the date the new version takes effect, and
//! the general rules it changes, each started from the version in force.
//! A rule left as it stands is not part of the amendment. Before any
//! statutes, the same form adopts the first ones (`adoptStatutes`). Each
//! statutory body's own rules are amended from a form of their own
//! ([`super::body_rules`]), which shares this one's head and recording.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::statutes::{StatutesChanges, StatutesCommand, defaults};
use registre_domain::text::MAX_TEXT as MAX_REFERENCE;
use registre_projections::ReadModels;
use registre_projections::resolutions::{Effect, MotionResult};
use registre_schema::events::session::MotionKind;
use registre_schema::events::{Majority, Statutes};
use serde::Deserialize;
use uuid::Uuid;

use super::WebState;
use super::fields::{self, Field};
use super::page::{self, Frame, Viewer};
use super::statutes::general_label;
use super::submit;
use crate::language::Language;

/// A general rule of the statutes: its name (the API's), its value in a
/// version, and where an amendment that changes it says so.
struct Rule<T> {
    name: &'static str,
    value: fn(&Statutes) -> T,
    change: fn(&mut StatutesChanges, T),
}

/// `rule!("noticeDaysOrdinary", notice_days_ordinary)`: the rule read
/// from the statutes' field (a path) and changed by the amendment's.
macro_rules! rule {
    ($name:literal, $($field:ident).+, $change:ident) => {
        Rule {
            name: $name,
            value: |s| s.$($field).+,
            change: |c, v| c.$change = Some(v),
        }
    };
}

const NUMBERS: [Rule<u32>; 11] = [
    rule!(
        "noticeDaysOrdinary",
        notice_days_ordinary,
        notice_days_ordinary
    ),
    rule!(
        "noticeDaysExtraordinary",
        notice_days_extraordinary,
        notice_days_extraordinary
    ),
    rule!("quorumNumerator", quorum.numerator, quorum_numerator),
    rule!("quorumDenominator", quorum.denominator, quorum_denominator),
    rule!(
        "secondConvocationMinDelayDays",
        second_convocation.min_delay_days,
        second_convocation_min_delay_days
    ),
    rule!(
        "proxyCapPerDelegate",
        proxy_cap_per_delegate,
        proxy_cap_per_delegate
    ),
    rule!("mandateYears", mandate_years, mandate_years),
    rule!(
        "unpaidYearsLoseVote",
        arrears.unpaid_years_lose_vote,
        unpaid_years_lose_vote
    ),
    rule!(
        "unpaidYearsBeforeSuspension",
        arrears.unpaid_years_before_suspension,
        unpaid_years_before_suspension
    ),
    rule!(
        "electionAbsoluteMajorityRounds",
        elections.absolute_majority_rounds,
        election_absolute_majority_rounds
    ),
    rule!(
        "exclusionHearingNoticeDays",
        exclusion_hearing_notice_days,
        exclusion_hearing_notice_days
    ),
];

const FLAGS: [Rule<bool>; 2] = [
    rule!(
        "secondConvocationWithoutQuorum",
        second_convocation.allowed_without_quorum,
        second_convocation_without_quorum
    ),
    rule!(
        "electionSeveralPosts",
        elections.several_posts,
        election_several_posts
    ),
];

const MAJORITIES: [Rule<Majority>; 5] = [
    rule!("majorityOrdinary", majorities.ordinary, majority_ordinary),
    rule!("majorityElection", majorities.election, majority_election),
    rule!(
        "majorityExclusion",
        majorities.exclusion,
        majority_exclusion
    ),
    rule!(
        "majorityStatuteAmendment",
        majorities.statute_amendment,
        majority_statute_amendment
    ),
    rule!(
        "majorityDissolution",
        majorities.dissolution,
        majority_dissolution
    ),
];

/// The majorities as the form names them.
pub(super) const MAJORITY_CHOICES: [(&str, &str, Majority); 3] = [
    ("simple", "simple", Majority::Simple),
    ("absolue", "absolue", Majority::Absolute),
    ("deux-tiers", "des deux tiers", Majority::TwoThirds),
];

/// The form's fields: the amendment's, then each rule's value by the
/// rule's name, as posted. The form of a statutory body's own rules
/// ([`super::body_rules`]) posts the same amendment with rules of its own.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct AmendmentFields {
    pub csrf: String,
    pub command_id: String,
    pub motion: Field,
    pub effective_from: Field,
    /// The version of the statutes the form was opened on (`0`: none yet,
    /// the form adopts the first ones): what its values are compared
    /// with, so that a version recorded meanwhile keeps its rules and a
    /// form posted again is known as the same command.
    pub version: String,
    pub reference: Field,
    /// Each rule's name and value as typed (at most [`MAX_RULES`]).
    pub rules: Vec<(String, String)>,
    /// The first refusal about the rules: which one, and why.
    pub rules_error: String,
    /// Each rule refused beside its field, by its name, with why (the
    /// form of a statutory body's rules).
    pub rule_errors: Vec<(String, String)>,
    pub refusal: String,
}

/// More fields than either form has: the rest of a post is not read.
const MAX_RULES: usize = 64;

impl From<Vec<(String, String)>> for AmendmentFields {
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut form = AmendmentFields::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "command_id" => form.command_id = value,
                "motion" => form.motion = value.into(),
                "effective_from" => form.effective_from = value.into(),
                "version" => form.version = value,
                "reference" => form.reference = value.into(),
                _ if form.rules.len() < MAX_RULES => form.rules.push((name, value)),
                _ => {}
            }
        }
        form
    }
}

page::posted_form!(AmendmentFields);

fn rule_names() -> impl Iterator<Item = &'static str> {
    let numbers = NUMBERS.iter().map(|r| r.name);
    let flags = FLAGS.iter().map(|r| r.name);
    numbers
        .chain(flags)
        .chain(MAJORITIES.iter().map(|r| r.name))
}

#[derive(Template)]
#[template(path = "amendment.html")]
struct AmendmentPage {
    frame: Frame,
    /// No statutes yet: the form adopts the first ones.
    adopting: bool,
    /// The version in force, which the amendment changes.
    version: u32,
    motions: Vec<(String, String)>,
    /// Each rule: name, label, kind (`nombre`, `oui-non`, `majorite`),
    /// value in the form.
    rules: Vec<RuleShown>,
    majorities: &'static [(&'static str, &'static str, Majority)],
    form: AmendmentFields,
}

struct RuleShown {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
}

pub async fn form(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let viewer = try_page!(Viewer::national_writer(&state, &headers).await);
    let models = try_page!(viewer.models(&state));
    // Before any statutes, the form adopts the first ones, each rule
    // started from the value the API adopts when it is not stated.
    let today = chrono::Utc::now().date_naive();
    let (version, rules) = models.read(|m, _| {
        let latest = latest(m);
        let version = latest.map_or(0, |s| s.version);
        (version, values(latest.unwrap_or(&defaults(today))))
    });
    let form = AmendmentFields::opened(version, rules);
    show(&state, &viewer, form, StatusCode::OK)
}

pub(super) fn latest(m: &ReadModels) -> Option<&Statutes> {
    m.statutes.versions.last().map(|v| &v.statutes)
}

/// Version `n` of the statutes, as recorded.
pub(super) fn version(m: &ReadModels, n: u32) -> Option<&Statutes> {
    m.statutes
        .versions
        .iter()
        .map(|v| &v.statutes)
        .find(|s| s.version == n)
}

/// Each rule's value in `s`, as the form shows it.
fn values(s: &Statutes) -> Vec<(String, String)> {
    let numbers = NUMBERS.iter().map(|r| (r.name, (r.value)(s).to_string()));
    let flags = FLAGS
        .iter()
        .map(|r| (r.name, if (r.value)(s) { "oui" } else { "non" }.to_owned()));
    let majorities = MAJORITIES.iter().map(|r| {
        let value = (r.value)(s);
        let slug = MAJORITY_CHOICES
            .iter()
            .find(|(.., m)| *m == value)
            .map_or("", |(slug, ..)| slug);
        (r.name, slug.to_owned())
    });
    numbers
        .chain(flags)
        .chain(majorities)
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

fn show(state: &WebState, viewer: &Viewer, form: AmendmentFields, status: StatusCode) -> Response {
    let models = try_page!(viewer.models(state));
    let (version, motions) = models.read(|m, _| {
        let version = latest(m).map_or(0, |s| s.version);
        (version, amendment_motions(m, viewer.language))
    });
    let adopting = version == 0;
    let kind = |name: &str| {
        if NUMBERS.iter().any(|r| r.name == name) {
            "nombre"
        } else if FLAGS.iter().any(|r| r.name == name) {
            "oui-non"
        } else {
            "majorite"
        }
    };
    let rules = rule_names()
        .map(|name| RuleShown {
            name,
            label: general_label(name, viewer.language),
            kind: kind(name),
            value: form.typed(name).to_owned(),
        })
        .collect();
    page::render_as(
        &AmendmentPage {
            frame: viewer.frame("statuts"),
            adopting,
            version,
            motions,
            rules,
            majorities: &MAJORITY_CHOICES,
            form,
        },
        status,
    )
}

/// The statute-amendment motions adopted, latest first: id and label.
pub(super) fn amendment_motions(m: &ReadModels, lang: Language) -> Vec<(String, String)> {
    let mut found: Vec<_> = m
        .resolutions
        .motions
        .values()
        .filter(|r| r.kind == MotionKind::StatuteAmendment && r.result == MotionResult::Adopted)
        // A motion carried out already is not offered again.
        .filter(|r| {
            !r.effects
                .iter()
                .any(|e| matches!(e, Effect::Amendment { .. }))
        })
        .map(|r| {
            let body = r
                .body_id
                .and_then(|id| m.bodies.body(id))
                .map_or("", |b| b.name.as_str());
            let label = match r.session_date {
                Some(d) => lang.fill("{} ({}, session du {})", &[&r.title, &body, &lang.date(d)]),
                None => lang.fill("{} ({})", &[&r.title, &body]),
            };
            (r.position, r.motion_id.to_string(), label)
        })
        .collect();
    found.sort_by_key(|(position, ..)| std::cmp::Reverse(*position));
    found
        .into_iter()
        .map(|(_, id, label)| (id, label))
        .collect()
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    form: Result<Form<AmendmentFields>, FormRejection>,
) -> Response {
    let (viewer, form) = try_page!(page::posted_national(&state, &headers, form).await);
    let lang = viewer.language;
    record(
        &state,
        &viewer,
        form,
        |form, opened_on, _| form.command(opened_on, lang),
        |form, status| show(&state, &viewer, form, status),
    )
    .await
}

/// Records what a form of the statutes states: `command` builds it from
/// the version the form was opened on (the one the clerk saw and
/// changed; `None`: no statutes yet) and the latest. A form naming a
/// version never recorded cannot be read.
pub(super) async fn record(
    state: &WebState,
    viewer: &Viewer,
    mut form: AmendmentFields,
    command: impl FnOnce(
        &mut AmendmentFields,
        Option<&Statutes>,
        Option<&Statutes>,
    ) -> Option<StatutesCommand>,
    show: impl FnOnce(AmendmentFields, StatusCode) -> Response,
) -> Response {
    let models = try_page!(viewer.models(state));
    let versions = form.version.trim().parse::<u32>().ok().and_then(|n| {
        models.read(|m, _| {
            let opened_on = match n {
                0 => None,
                n => Some(version(m, n)?.clone()),
            };
            Some((opened_on, latest(m).cloned()))
        })
    });
    let Some((opened_on, latest)) = versions else {
        let lang = viewer.language;
        return page::message(
            lang,
            StatusCode::BAD_REQUEST,
            lang.tr("Formulaire illisible"),
            lang.tr("Le formulaire envoyé ne peut être lu ; rechargez la page et recommencez. Rien n'a été enregistré. (code INVALID_FORM)"),
        );
    };
    let command = command(&mut form, opened_on.as_ref(), latest.as_ref()).map(Into::into);
    submit::posted(state, viewer, "/statuts", form, command, show).await
}

impl AmendmentFields {
    /// A new form on `version` (`0`: none yet), its rules' values
    /// `rules`, in force from today.
    pub(super) fn opened(version: u32, rules: Vec<(String, String)>) -> AmendmentFields {
        AmendmentFields {
            command_id: Uuid::now_v7().to_string(),
            effective_from: fields::today(),
            version: version.to_string(),
            rules,
            ..Default::default()
        }
    }

    /// A rule's value as typed, trimmed; empty when not posted.
    pub(super) fn typed(&self, name: &str) -> &str {
        self.rules
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The amendment of `in_force` the fields say, only the rules whose
    /// value differs; or, before any statutes, the first ones adopted,
    /// each rule as the form gives it. `None` with each refusal beside its
    /// field.
    fn command(&mut self, in_force: Option<&Statutes>, lang: Language) -> Option<StatutesCommand> {
        let Some(in_force) = in_force else {
            let effective_from = self.effective_from(lang);
            let reference = self.reference(lang);
            let base = defaults(effective_from.unwrap_or(chrono::NaiveDate::MIN));
            let changes = self.changes(&base, lang).map(|(changes, _)| changes);
            let changes = changes.map_err(|why| self.rules_error = why).ok();
            let (_, changes, reference) = (effective_from?, changes?, reference?);
            return Some(StatutesCommand::Adopt {
                statutes: changes.apply(&base),
                reference,
            });
        };
        let changes = self.changes(in_force, lang).and_then(|(changes, changed)| {
            if changed {
                Ok(changes)
            } else {
                Err(unchanged(lang))
            }
        });
        self.amendment(changes, lang)
    }

    /// The amendment the form states with `changes`: the motion, date
    /// and reference each read beside its field, `changes` refused beside
    /// the rules.
    pub(super) fn amendment(
        &mut self,
        changes: Result<StatutesChanges, String>,
        lang: Language,
    ) -> Option<StatutesCommand> {
        let motion_id = self.motion.read(|v| {
            Uuid::parse_str(v).map_err(|_| {
                lang.tr("Motion : choisissez la motion de modification adoptée.")
                    .to_owned()
            })
        });
        let effective_from = self.effective_from(lang);
        let reference = self.reference(lang);
        let changes = changes.map_err(|why| self.rules_error = why).ok();
        Some(StatutesCommand::Amend {
            effective_from: effective_from?,
            changes: changes?,
            reference: reference?,
            motion_id: motion_id?,
        })
    }

    fn effective_from(&mut self, lang: Language) -> Option<chrono::NaiveDate> {
        self.effective_from.date(lang, lang.tr("En vigueur le"))
    }

    fn reference(&mut self, lang: Language) -> Option<String> {
        self.reference
            .text(lang, lang.tr("Référence"), MAX_REFERENCE)
    }

    /// The rules whose value differs from `in_force`'s, and whether any
    /// did.
    fn changes(
        &self,
        in_force: &Statutes,
        lang: Language,
    ) -> Result<(StatutesChanges, bool), String> {
        let typed = |name: &str| self.typed(name);
        let mut changes = StatutesChanges::default();
        let mut changed = changed_rules(&NUMBERS, in_force, &mut changes, lang, |name| {
            typed(name)
                .parse::<u32>()
                .map_err(|_| "un nombre entier positif ou nul.")
        })?;
        changed |= changed_rules(&FLAGS, in_force, &mut changes, lang, |name| {
            match typed(name) {
                "oui" => Ok(true),
                "non" => Ok(false),
                _ => Err("oui ou non."),
            }
        })?;
        changed |= changed_rules(&MAJORITIES, in_force, &mut changes, lang, |name| {
            MAJORITY_CHOICES
                .iter()
                .find(|(slug, ..)| *slug == typed(name))
                .map(|(.., m)| *m)
                .ok_or("choisissez-en une.")
        })?;
        Ok((changes, changed))
    }
}

/// The refusal of an amendment that changes nothing.
pub(super) fn unchanged(lang: Language) -> String {
    lang.tr("Règles : aucune ne change ; modifiez au moins une valeur.")
        .into()
}

/// Names in `changes` each of `rules` whose value, as `read` takes it
/// from the form, differs from `in_force`'s; whether any did. A value
/// that cannot be read is refused with its rule's name (`read` says why
/// in French, the catalogue's key).
fn changed_rules<T: PartialEq + Copy>(
    rules: &[Rule<T>],
    in_force: &Statutes,
    changes: &mut StatutesChanges,
    lang: Language,
    read: impl Fn(&str) -> Result<T, &'static str>,
) -> Result<bool, String> {
    let mut changed = false;
    for r in rules {
        let value = read(r.name)
            .map_err(|why| lang.fill("{} : {}", &[&general_label(r.name, lang), &lang.tr(why)]))?;
        if value != (r.value)(in_force) {
            (r.change)(changes, value);
            changed = true;
        }
    }
    Ok(changed)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::language::Language::French;

    fn statutes() -> Statutes {
        registre_domain::statutes::with_typical_instances(chrono::NaiveDate::MIN)
    }

    fn posted(s: &Statutes, changed: &[(&str, &str)]) -> AmendmentFields {
        posted_rules(values(s), changed)
    }

    /// An amendment posted with the rules `values`, those `changed` named
    /// taking their value.
    pub(in crate::pages) fn posted_rules(
        values: Vec<(String, String)>,
        changed: &[(&str, &str)],
    ) -> AmendmentFields {
        let mut pairs: Vec<(String, String)> = vec![
            ("motion".into(), Uuid::nil().to_string()),
            ("effective_from".into(), "2026-01-01".into()),
            ("reference".into(), "Congrès 2025, résolution 4".into()),
        ];
        for (name, value) in values {
            let value = changed
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(value, |(_, v)| (*v).to_owned());
            pairs.push((name, value));
        }
        pairs.into()
    }

    #[test]
    fn given_one_rule_changed_when_read_then_the_amendment_names_it_alone() {
        let s = statutes();
        let new = (s.mandate_years + 1).to_string();
        let mut form = posted(&s, &[("mandateYears", &new)]);
        let Some(StatutesCommand::Amend { changes, .. }) = form.command(Some(&s), French) else {
            panic!("an amendment: {form:?}");
        };
        assert_eq!(
            changes,
            StatutesChanges {
                mandate_years: Some(s.mandate_years + 1),
                ..Default::default()
            }
        );
        let applied = changes.apply(&s);
        assert_eq!(applied.mandate_years, s.mandate_years + 1);
        assert_eq!(applied.quorum, s.quorum);
    }

    #[test]
    fn given_a_flag_and_a_majority_changed_when_read_then_both_are_in_the_amendment() {
        let s = statutes();
        let flag = if s.elections.several_posts {
            "non"
        } else {
            "oui"
        };
        let majority = if s.majorities.dissolution == Majority::Simple {
            "absolue"
        } else {
            "simple"
        };
        let mut form = posted(
            &s,
            &[
                ("electionSeveralPosts", flag),
                ("majorityDissolution", majority),
            ],
        );
        let Some(StatutesCommand::Amend { changes, .. }) = form.command(Some(&s), French) else {
            panic!("an amendment: {form:?}");
        };
        assert_eq!(
            changes.election_several_posts,
            Some(!s.elections.several_posts)
        );
        assert!(changes.majority_dissolution.is_some());
        assert_eq!(changes.mandate_years, None);
    }

    #[test]
    fn given_nothing_changed_or_a_bad_number_when_read_then_refused_beside_the_rules() {
        let s = statutes();
        let mut same = posted(&s, &[]);
        assert!(same.command(Some(&s), French).is_none());
        assert!(same.rules_error.starts_with("Règles : aucune ne change"));
        let mut bad = posted(&s, &[("proxyCapPerDelegate", "-1")]);
        assert!(bad.command(Some(&s), French).is_none());
        assert_eq!(
            bad.rules_error,
            "Procurations par délégué, au plus : un nombre entier positif ou nul."
        );
    }

    #[test]
    fn given_no_statutes_yet_when_read_then_the_first_ones_are_adopted_as_typed() {
        let base = defaults(chrono::NaiveDate::MIN);
        let mut form = posted(&base, &[("mandateYears", "3")]);
        form.motion = Field::default();
        let Some(StatutesCommand::Adopt {
            statutes,
            reference,
        }) = form.command(None, French)
        else {
            panic!("an adoption: {form:?}");
        };
        assert_eq!(statutes.mandate_years, 3);
        assert_eq!(statutes.quorum, base.quorum);
        assert_eq!(statutes.effective_from.to_string(), "2026-01-01");
        assert_eq!(reference, "Congrès 2025, résolution 4");
        assert!(form.motion.error.is_empty());
        // Left as they are, the usual values are adopted all the same.
        let mut unchanged = posted(&base, &[]);
        assert!(matches!(
            unchanged.command(None, French),
            Some(StatutesCommand::Adopt { .. })
        ));
    }

    #[test]
    fn given_no_motion_when_read_then_the_motion_is_asked_for() {
        let s = statutes();
        let mut form = posted(&s, &[("mandateYears", "9")]);
        form.motion = "?".into();
        assert!(form.command(Some(&s), French).is_none());
        assert!(form.motion.error.starts_with("Motion : choisissez"));
    }
}
