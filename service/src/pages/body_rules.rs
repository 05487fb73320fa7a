//! A statutory body's own rules amended (`/statuts/instances/{slug}`): who
//! sits in it, its quorum, the majority of each kind of motion, how often
//! it meets, its mandates' length, the share of its members that may
//! request an extraordinary session, and who elects it. The amendment
//! cites its motion, date and reference as the general rules' form does
//! ([`super::amendment`]), and states the body's rules whole.
//!
//! Each rule starts from what the body follows in the version the form
//! was opened on: its own rules, else the general ones. Only the rules
//! the clerk changed (who sits, the quorum, each majority, each number,
//! the share, the elector; each taken whole) are taken from the form; the
//! others keep their value in the latest version, so that a version
//! recorded meanwhile keeps its changes.

use std::cell::RefCell;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use registre_domain::body::shape;
use registre_domain::statutes::{StatutesChanges, StatutesCommand};
use registre_domain::statutory::{followed, of_kind};
use registre_schema::events::session::MotionKind;
use registre_schema::events::{
    BodyKind, Comparison, Fraction, InstanceRules, MajorityRule, MajorityRules, Membership,
    QuorumRule, Statutes, StatutoryBody, TieRule, VoteBase,
};

use super::WebState;
use super::amendment::{self, AmendmentFields, amendment_motions, unchanged};
use super::establishment::STATUTORY;
use super::page::{self, Frame, Viewer};
use super::statutes::general_label;
use crate::french;
use crate::language::Language;

const COMPARISONS: [(&str, Comparison); 2] = [
    ("au-moins", Comparison::AtLeast),
    ("plus-de", Comparison::MoreThan),
];

const BASES: [(&str, VoteBase); 4] = [
    ("exprimes", VoteBase::VotesCast),
    ("votants", VoteBase::VotesCastWithAbstentions),
    ("presents", VoteBase::Present),
    ("membres", VoteBase::Members),
];

const TIES: [(&str, TieRule); 2] = [
    ("rejet", TieRule::Rejected),
    ("president", TieRule::ChairCastingVote),
];

const MEMBERSHIPS: [(&str, Membership); 2] = [
    ("territoire", Membership::Derived),
    ("sieges", Membership::Designated),
];

/// Each kind of motion by the name of its general majority, which names
/// its fields here.
const MAJORITIES: [(&str, MotionKind); 5] = [
    ("majorityOrdinary", MotionKind::Ordinary),
    ("majorityElection", MotionKind::Election),
    ("majorityExclusion", MotionKind::Exclusion),
    ("majorityStatuteAmendment", MotionKind::StatuteAmendment),
    ("majorityDissolution", MotionKind::Dissolution),
];

fn slug_of<T: PartialEq>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("", |(slug, _)| slug)
}

/// The statutory body a slug of the page's path names.
fn body_of(slug: &str) -> Option<(&'static str, StatutoryBody)> {
    STATUTORY.iter().find(|(s, _)| *s == slug).copied()
}

/// The bodies that may elect `body`: the instances of its level (an
/// instance may name itself).
fn electors(body: StatutoryBody) -> impl Iterator<Item = (&'static str, StatutoryBody)> {
    let level = shape(body).1;
    STATUTORY
        .into_iter()
        .filter(move |(_, b)| shape(*b) == (BodyKind::Instance, level))
}

/// Each rule of `r` by its field's name, as the form shows it.
fn values(r: &InstanceRules) -> Vec<(String, String)> {
    let mut v = vec![(
        "membership".to_owned(),
        slug_of(&MEMBERSHIPS, r.membership).to_owned(),
    )];
    let comparison = |c| slug_of(&COMPARISONS, c).to_owned();
    v.push(("quorum-comparison".into(), comparison(r.quorum.comparison)));
    share(&mut v, "quorum", r.quorum.share);
    for (name, kind) in MAJORITIES {
        let m = of_kind(&r.majorities, kind);
        v.push((format!("{name}-comparison"), comparison(m.comparison)));
        share(&mut v, name, m.share);
        v.push((format!("{name}-base"), slug_of(&BASES, m.base).into()));
        v.push((format!("{name}-tie"), slug_of(&TIES, m.tie).into()));
    }
    share(
        &mut v,
        "extraordinaryRequestShare",
        r.extraordinary_request_share,
    );
    let elected_by = r.elected_by.map_or("", |b| slug_of(&STATUTORY, b));
    v.extend([
        (
            "ordinarySessionEveryMonths".to_owned(),
            r.ordinary_session_every_months.to_string(),
        ),
        ("termYears".to_owned(), r.term_years.to_string()),
        ("electedBy".to_owned(), elected_by.to_owned()),
    ]);
    v
}

/// A share's two fields, named after `prefix`.
fn share(v: &mut Vec<(String, String)>, prefix: &str, f: Fraction) {
    v.push((format!("{prefix}-numerator"), f.numerator.to_string()));
    v.push((format!("{prefix}-denominator"), f.denominator.to_string()));
}

/// The rules of `body` the form states; else each field refused, by its
/// name, with why.
fn read(
    form: &AmendmentFields,
    body: StatutoryBody,
    lang: Language,
) -> Result<InstanceRules, Vec<(String, String)>> {
    let refused = RefCell::new(Vec::new());
    let rules = {
        let refuse = |name: &str, why: &str| {
            refused.borrow_mut().push((name.to_owned(), why.to_owned()));
        };
        let number = |name: &str| {
            form.typed(name).parse::<u32>().unwrap_or_else(|_| {
                refuse(name, lang.tr("un nombre entier positif ou nul."));
                0
            })
        };
        let fraction = |prefix: &str| Fraction {
            numerator: number(&format!("{prefix}-numerator")),
            denominator: number(&format!("{prefix}-denominator")),
        };
        // A field naming none of its choices is refused; its first choice
        // stands in until the form is sent again.
        let choose = |name: &str| refuse(name, lang.tr("choisissez-en une."));
        let comparison =
            |prefix: &str| chosen(form, &format!("{prefix}-comparison"), &COMPARISONS, &choose);
        let majority = |prefix: &str| MajorityRule {
            comparison: comparison(prefix),
            share: fraction(prefix),
            base: chosen(form, &format!("{prefix}-base"), &BASES, &choose),
            tie: chosen(form, &format!("{prefix}-tie"), &TIES, &choose),
        };
        InstanceRules {
            statutory_body: body,
            membership: chosen(form, "membership", &MEMBERSHIPS, &choose),
            quorum: QuorumRule {
                comparison: comparison("quorum"),
                share: fraction("quorum"),
            },
            majorities: MajorityRules {
                ordinary: majority("majorityOrdinary"),
                election: majority("majorityElection"),
                exclusion: majority("majorityExclusion"),
                statute_amendment: majority("majorityStatuteAmendment"),
                dissolution: majority("majorityDissolution"),
            },
            ordinary_session_every_months: number("ordinarySessionEveryMonths"),
            term_years: number("termYears"),
            extraordinary_request_share: fraction("extraordinaryRequestShare"),
            elected_by: match form.typed("electedBy") {
                "" => None,
                slug => {
                    let elector = electors(body).find(|(s, _)| *s == slug);
                    if elector.is_none() {
                        choose("electedBy");
                    }
                    elector.map(|(_, b)| b)
                }
            },
        }
    };
    let refused = refused.into_inner();
    if refused.is_empty() {
        Ok(rules)
    } else {
        Err(refused)
    }
}

/// The choice of `table` the field `name` names; else `refused` hears of
/// the field, and the first choice stands in.
fn chosen<T: Copy>(
    form: &AmendmentFields,
    name: &str,
    table: &[(&str, T)],
    refused: &dyn Fn(&str),
) -> T {
    let typed = form.typed(name);
    match table.iter().find(|(slug, _)| *slug == typed) {
        Some((_, value)) => *value,
        None => {
            refused(name);
            table[0].1
        }
    }
}

/// `latest` with each rule the form changed from `opened`.
fn merged(opened: &InstanceRules, typed: &InstanceRules, latest: &InstanceRules) -> InstanceRules {
    let mut rules = *latest;
    macro_rules! changed {
        ($($rule:ident).+) => {
            if typed.$($rule).+ != opened.$($rule).+ {
                rules.$($rule).+ = typed.$($rule).+;
            }
        };
    }
    changed!(membership);
    changed!(quorum);
    changed!(majorities.ordinary);
    changed!(majorities.election);
    changed!(majorities.exclusion);
    changed!(majorities.statute_amendment);
    changed!(majorities.dissolution);
    changed!(ordinary_session_every_months);
    changed!(term_years);
    changed!(extraordinary_request_share);
    changed!(elected_by);
    rules
}

/// The amendment the form states of `body`'s rules; `None` with each
/// refusal beside its field.
fn command(
    form: &mut AmendmentFields,
    body: StatutoryBody,
    opened_on: &Statutes,
    latest: &Statutes,
    lang: Language,
) -> Option<StatutesCommand> {
    let opened = followed(opened_on, body);
    let changes = match read(form, body, lang) {
        Err(refused) => {
            form.rule_errors = refused;
            Err(lang
                .tr("Règles : corrigez les valeurs signalées.")
                .to_owned())
        }
        Ok(typed) if typed == opened => Err(unchanged(lang)),
        Ok(typed) => Ok(StatutesChanges {
            instances: vec![merged(&opened, &typed, &followed(latest, body))],
            ..Default::default()
        }),
    };
    form.amendment(changes, lang)
}

#[derive(Template)]
#[template(path = "body_rules.html")]
struct BodyRulesPage {
    frame: Frame,
    /// Always false: the form's head (shared) then asks for the motion.
    adopting: bool,
    slug: &'static str,
    name: &'static str,
    version: u32,
    /// The version states rules of the body's own (else it follows the
    /// general ones).
    own: bool,
    motions: Vec<(String, String)>,
    groups: Vec<Group>,
    form: AmendmentFields,
}

/// A fieldset of the form: a rule, or a few rules shown together.
struct Group {
    legend: &'static str,
    controls: Vec<Control>,
}

struct Control {
    name: String,
    label: &'static str,
    /// Why its value was refused (empty: it was not).
    error: String,
    /// Slug and label of each choice; none: a whole number.
    choices: Vec<(&'static str, &'static str)>,
    value: String,
}

fn groups(body: StatutoryBody, form: &AmendmentFields, lang: Language) -> Vec<Group> {
    let control = |name: String, label, choices| Control {
        value: form.typed(&name).to_owned(),
        error: form
            .rule_errors
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(String::new, |(_, why)| why.clone()),
        name,
        label,
        choices,
    };
    let comparisons = || {
        COMPARISONS
            .iter()
            .map(|(slug, c)| (*slug, comparison_label(*c, lang)))
            .collect()
    };
    let share = |prefix: &str, comparison: bool| {
        let mut controls = Vec::new();
        if comparison {
            controls.push(control(
                format!("{prefix}-comparison"),
                lang.tr("Comparaison"),
                comparisons(),
            ));
        }
        controls.push(control(
            format!("{prefix}-numerator"),
            lang.tr("Numérateur"),
            vec![],
        ));
        controls.push(control(
            format!("{prefix}-denominator"),
            lang.tr("Dénominateur"),
            vec![],
        ));
        controls
    };
    let mut electors: Vec<_> = electors(body)
        .map(|(slug, b)| (slug, french::statutory_body(b)))
        .collect();
    electors.insert(0, ("", lang.tr("ses propres sessions")));
    let mut groups = vec![
        Group {
            legend: lang.tr("Composition, sessions et mandats"),
            controls: vec![
                control(
                    "membership".into(),
                    lang.tr("Qui y siège"),
                    MEMBERSHIPS
                        .iter()
                        .map(|(slug, m)| (*slug, french::membership(*m, lang)))
                        .collect(),
                ),
                control(
                    "ordinarySessionEveryMonths".into(),
                    lang.tr("Sessions ordinaires, au plus tous les (mois ; 0 : sans délai fixé)"),
                    vec![],
                ),
                control(
                    "termYears".into(),
                    lang.tr("Durée des mandats (années)"),
                    vec![],
                ),
                control("electedBy".into(), lang.tr("Élu par"), electors),
            ],
        },
        Group {
            legend: lang.tr("Quorum : membres présents ou représentés, par rapport aux membres appelés à siéger"),
            controls: share("quorum", true),
        },
    ];
    for (name, _) in MAJORITIES {
        let mut controls = share(name, true);
        controls.push(control(
            format!("{name}-base"),
            lang.tr("Base du calcul"),
            BASES
                .iter()
                .map(|(slug, b)| (*slug, french::vote_base(*b, lang)))
                .collect(),
        ));
        controls.push(control(
            format!("{name}-tie"),
            lang.tr("En cas de partage"),
            TIES.iter()
                .map(|(slug, t)| (*slug, tie_label(*t, lang)))
                .collect(),
        ));
        groups.push(Group {
            legend: general_label(name, lang),
            controls,
        });
    }
    groups.push(Group {
        legend: lang.tr("Part des membres pouvant demander une session extraordinaire (au moins)"),
        controls: share("extraordinaryRequestShare", false),
    });
    groups
}

fn comparison_label(c: Comparison, lang: Language) -> &'static str {
    match c {
        Comparison::AtLeast => lang.tr("au moins"),
        Comparison::MoreThan => lang.tr("plus de"),
    }
}

fn tie_label(t: TieRule, lang: Language) -> &'static str {
    match t {
        TieRule::Rejected => lang.tr("la motion est rejetée"),
        TieRule::ChairCastingVote => lang.tr("la voix du président est prépondérante"),
    }
}

/// The statutes before any are adopted: nothing to amend yet.
fn no_statutes(lang: Language) -> Response {
    page::message(
        lang,
        StatusCode::CONFLICT,
        lang.tr("Aucuns statuts"),
        lang.tr("Aucuns statuts ne sont encore adoptés : adoptez-les d'abord depuis la page des statuts. Rien n'a été enregistré. (code STATUTES_NOT_ADOPTED)"),
    )
}

pub async fn form(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let viewer = try_page!(Viewer::national_writer(&state, &headers).await);
    let Some((_, body)) = body_of(&slug) else {
        return page::not_found(viewer.language);
    };
    let models = try_page!(viewer.models(&state));
    let Some((version, rules)) = models.read(|m, _| {
        let s = amendment::latest(m)?;
        Some((s.version, values(&followed(s, body))))
    }) else {
        return no_statutes(viewer.language);
    };
    let form = AmendmentFields::opened(version, rules);
    show(&state, &viewer, body, form, StatusCode::OK)
}

fn show(
    state: &WebState,
    viewer: &Viewer,
    body: StatutoryBody,
    form: AmendmentFields,
    status: StatusCode,
) -> Response {
    let lang = viewer.language;
    let models = try_page!(viewer.models(state));
    // The version the form was opened on, which its values come from.
    let opened = form.version.trim().parse::<u32>().ok();
    let Some((version, own, motions)) = models.read(|m, _| {
        let s = opened
            .and_then(|n| amendment::version(m, n))
            .or_else(|| amendment::latest(m))?;
        let own = s.instances.iter().any(|r| r.statutory_body == body);
        Some((s.version, own, amendment_motions(m, lang)))
    }) else {
        return no_statutes(lang);
    };
    page::render_as(
        &BodyRulesPage {
            frame: viewer.frame("statuts"),
            adopting: false,
            slug: slug_of(&STATUTORY, body),
            name: french::statutory_body(body),
            version,
            own,
            motions,
            groups: groups(body, &form, lang),
            form,
        },
        status,
    )
}

pub async fn submit(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    form: Result<Form<AmendmentFields>, FormRejection>,
) -> Response {
    let (viewer, form) = try_page!(page::posted_national(&state, &headers, form).await);
    let lang = viewer.language;
    let Some((_, body)) = body_of(&slug) else {
        return page::not_found(lang);
    };
    if form.version.trim().parse::<u32>() == Ok(0) {
        return no_statutes(lang);
    }
    amendment::record(
        &state,
        &viewer,
        form,
        |form, opened_on, latest| command(form, body, opened_on?, latest?, lang),
        |form, status| show(&state, &viewer, body, form, status),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language::French;
    use registre_domain::statutes::{defaults, with_typical_instances};

    fn posted(r: &InstanceRules, changed: &[(&str, &str)]) -> AmendmentFields {
        super::amendment::tests::posted_rules(values(r), changed)
    }

    fn changes(command: Option<StatutesCommand>) -> StatutesChanges {
        match command {
            Some(StatutesCommand::Amend { changes, .. }) => changes,
            other => panic!("an amendment: {other:?}"),
        }
    }

    #[test]
    fn given_the_rules_as_shown_when_read_back_then_they_are_the_same() {
        let s = with_typical_instances(chrono::NaiveDate::MIN);
        for (_, body) in STATUTORY {
            let rules = followed(&s, body);
            assert_eq!(read(&posted(&rules, &[]), body, French), Ok(rules));
        }
    }

    #[test]
    fn given_the_quorum_changed_when_read_then_the_body_rules_change_in_that_alone() {
        let s = with_typical_instances(chrono::NaiveDate::MIN);
        let body = StatutoryBody::NationalCouncil;
        let mut form = posted(
            &followed(&s, body),
            &[
                ("quorum-comparison", "plus-de"),
                ("quorum-numerator", "1"),
                ("quorum-denominator", "2"),
            ],
        );
        let changes = changes(command(&mut form, body, &s, &s, French));
        let [rules] = changes.instances.as_slice() else {
            panic!("one body's rules: {changes:?}");
        };
        assert_eq!(rules.quorum.comparison, Comparison::MoreThan);
        assert_eq!(
            rules.quorum.share,
            Fraction {
                numerator: 1,
                denominator: 2
            }
        );
        assert_eq!(rules.majorities, followed(&s, body).majorities);
        assert_eq!(
            StatutesChanges {
                instances: vec![],
                ..changes
            },
            StatutesChanges::default()
        );
    }

    #[test]
    fn given_a_version_recorded_meanwhile_when_read_then_its_other_rules_are_kept() {
        let opened = with_typical_instances(chrono::NaiveDate::MIN);
        let body = StatutoryBody::RegionalBureau;
        let mut latest = opened.clone();
        for r in &mut latest.instances {
            if r.statutory_body == body {
                r.term_years = 3;
            }
        }
        let mut form = posted(
            &followed(&opened, body),
            &[("majorityOrdinary-tie", "rejet")],
        );
        let changes = changes(command(&mut form, body, &opened, &latest, French));
        let rules = changes.instances[0];
        assert_eq!(rules.term_years, 3, "the change recorded meanwhile");
        assert_eq!(rules.majorities.ordinary.tie, TieRule::Rejected);
    }

    #[test]
    fn given_a_body_following_the_general_rules_when_one_changes_then_it_gets_rules_of_its_own() {
        let s = defaults(chrono::NaiveDate::MIN);
        let body = StatutoryBody::CercleBureau;
        let mut form = posted(&followed(&s, body), &[("termYears", "3")]);
        let changes = changes(command(&mut form, body, &s, &s, French));
        let applied = changes.apply(&s);
        assert_eq!(followed(&applied, body).term_years, 3);
        assert_eq!(followed(&applied, body).quorum, followed(&s, body).quorum);
    }

    #[test]
    fn given_nothing_changed_or_a_bad_value_when_read_then_refused_beside_the_rules() {
        let s = with_typical_instances(chrono::NaiveDate::MIN);
        let body = StatutoryBody::Congress;
        let mut same = posted(&followed(&s, body), &[]);
        assert!(command(&mut same, body, &s, &s, French).is_none());
        assert!(same.rules_error.starts_with("Règles : aucune ne change"));
        // Every bad value is refused beside its own field, at once.
        let mut bad = posted(
            &followed(&s, body),
            &[
                ("majorityDissolution-numerator", "deux"),
                ("quorum-comparison", "environ"),
            ],
        );
        assert!(command(&mut bad, body, &s, &s, French).is_none());
        assert_eq!(bad.rules_error, "Règles : corrigez les valeurs signalées.");
        assert_eq!(
            bad.rule_errors,
            [
                ("quorum-comparison".into(), "choisissez-en une.".into()),
                (
                    "majorityDissolution-numerator".into(),
                    "un nombre entier positif ou nul.".into()
                ),
            ]
        );
        // The Congrès is elected by an instance of its level (its own
        // sessions, the Conseil National); a bureau cannot elect it.
        let mut elector = posted(&followed(&s, body), &[("electedBy", "bureau-national")]);
        assert!(command(&mut elector, body, &s, &s, French).is_none());
        assert_eq!(
            elector.rule_errors,
            [("electedBy".into(), "choisissez-en une.".into())]
        );
        let mut itself = posted(&followed(&s, body), &[("electedBy", "congres")]);
        let changes = changes(command(&mut itself, body, &s, &s, French));
        assert_eq!(changes.instances[0].elected_by, Some(body));
    }
}
