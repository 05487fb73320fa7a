//! The statutes in force and every version (`/statuts`): each rule in
//! words, and what each amendment changed.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use registre_domain::statutes::rules;
use registre_schema::events::Membership;

use super::WebState;
use super::page::{self, Frame, render};
use super::submit::Done;
use crate::french;
use crate::language::Language;

#[derive(Template)]
#[template(path = "statutes.html")]
struct StatutesPage {
    frame: Frame,
    in_force: Option<Version>,
    versions: Vec<Version>,
    /// What the page says after the amendment form sent it here.
    notice: &'static str,
    /// Each statutory body, whose own rules have a form: slug and name.
    bodies: Vec<(&'static str, &'static str)>,
}

struct Version {
    number: u32,
    effective_from: String,
    reference: String,
    /// Its corrections, as the page says them.
    corrections: Vec<String>,
    rules: Vec<(String, String)>,
    changes: Vec<(String, String, String)>,
}

pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let (viewer, models) = try_page!(page::reading(&state, &headers).await);
    let today = Utc::now().date_naive();
    let lang = viewer.language;
    let page = models.read(|m, _| {
        let register = &m.statutes;
        let version = |v: &registre_projections::statutes::StatutesVersion| Version {
            number: v.statutes.version,
            effective_from: lang.date(v.statutes.effective_from),
            reference: v.reference.clone(),
            corrections: v
                .corrections
                .iter()
                .map(|c| super::correction::said(c, lang))
                .collect(),
            rules: rules(&v.statutes)
                .into_iter()
                .map(|(rule, value)| (label(&rule, lang), shown(&rule, &value, lang)))
                .collect(),
            changes: register
                .changes(v.statutes.version)
                .into_iter()
                .map(|c| {
                    (
                        label(&c.rule, lang),
                        shown(&c.rule, &c.before, lang),
                        shown(&c.rule, &c.after, lang),
                    )
                })
                .collect(),
        };
        StatutesPage {
            frame: viewer.frame("statuts"),
            in_force: register.in_force(today).map(version),
            versions: register.versions.iter().rev().map(version).collect(),
            notice: done
                .map(|Query(d)| d.notice(viewer.language))
                .unwrap_or_default(),
            bodies: super::establishment::STATUTORY
                .iter()
                .map(|(slug, b)| (*slug, french::statutory_body(*b)))
                .collect(),
        }
    });
    render(&page)
}

/// A rule's name as the statutes say it; a statutory body's rule
/// (`nationalCouncil.quorum`) is prefixed with that body's name.
fn label(rule: &str, lang: Language) -> String {
    let Some((body, rule)) = rule.split_once('.') else {
        return general_label(rule, lang).into();
    };
    let body = body_name(body).unwrap_or(lang.tr("Instance"));
    let rule = match rule {
        "electedBy" => lang.tr("élu par"),
        "quorum" => lang.tr("quorum"),
        "membership" => lang.tr("qui y siège"),
        "ordinarySessionEveryMonths" => lang.tr("sessions ordinaires, au plus tous les (mois)"),
        "termYears" => lang.tr("durée des mandats (années)"),
        "extraordinaryRequestShare" => {
            lang.tr("part des membres pouvant demander une session extraordinaire")
        }
        other => general_label(other, lang),
    };
    lang.fill("{} : {}", &[&body, &rule])
}

/// A statutory body's name, from its name in the rules' names: a proper
/// name, the same in every language.
fn body_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "congress" => "Congrès",
        "nationalCouncil" => "Conseil National",
        "regionalConference" => "Conférence Régionale",
        "cercleAssembly" => "Assemblée de Cercle",
        "nationalBureau" => "Bureau Exécutif National",
        "regionalBureau" => "Bureau de Coordination Régionale",
        "cercleBureau" => "Bureau de Cercle",
        _ => return None,
    })
}

pub(super) fn general_label(rule: &str, lang: Language) -> &'static str {
    match rule {
        "noticeDaysOrdinary" => lang.tr("Préavis d'une session ordinaire (jours)"),
        "noticeDaysExtraordinary" => lang.tr("Préavis d'une session extraordinaire (jours)"),
        "quorumNumerator" => lang.tr("Quorum : numérateur de la fraction"),
        "quorumDenominator" => lang.tr("Quorum : dénominateur de la fraction"),
        "secondConvocationWithoutQuorum" => lang.tr("Seconde convocation sans condition de quorum"),
        "secondConvocationMinDelayDays" => {
            lang.tr("Délai minimal avant une seconde convocation (jours)")
        }
        "majorityOrdinary" => lang.tr("Majorité des délibérations ordinaires"),
        "majorityElection" => lang.tr("Majorité des élections"),
        "majorityExclusion" => lang.tr("Majorité d'une exclusion"),
        "majorityStatuteAmendment" => lang.tr("Majorité d'une modification des statuts"),
        "majorityDissolution" => lang.tr("Majorité d'une dissolution"),
        "proxyCapPerDelegate" => lang.tr("Procurations par délégué, au plus"),
        "mandateYears" => lang.tr("Durée des mandats (années)"),
        "unpaidYearsLoseVote" => lang.tr("Années impayées qui privent du vote"),
        "unpaidYearsBeforeSuspension" => lang.tr("Années impayées avant la suspension"),
        "exclusionHearingNoticeDays" => {
            lang.tr("Préavis de l'audition avant une exclusion (jours)")
        }
        "electionAbsoluteMajorityRounds" => lang
            .tr("Tours d'une élection à la majorité absolue (les suivants à la majorité relative)"),
        "electionSeveralPosts" => {
            lang.tr("Une commune peut occuper plusieurs postes d'un même organe")
        }
        _ => lang.tr("Règle"),
    }
}

/// A rule's value in words (majorities and yes or no spelled out).
fn shown(rule: &str, value: &str, lang: Language) -> String {
    if let Some(words) = french::statutory_rule(value, lang) {
        return words;
    }
    if rule.ends_with(".electedBy") {
        return body_name(value)
            .unwrap_or(lang.tr("ses propres sessions"))
            .into();
    }
    let words = match value {
        "DERIVED" => french::membership(Membership::Derived, lang),
        "DESIGNATED" => french::membership(Membership::Designated, lang),
        "SIMPLE" => lang.tr("simple"),
        "ABSOLUTE" => lang.tr("absolue"),
        "TWO_THIRDS" => lang.tr("des deux tiers"),
        "true" => lang.tr("oui"),
        "false" => lang.tr("non"),
        other if rule.starts_with("majority") => return other.to_lowercase(),
        other => return other.into(),
    };
    words.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_every_rule_of_the_statutes_when_labelled_then_each_has_its_french_name() {
        let s = registre_domain::statutes::with_typical_instances(chrono::NaiveDate::MIN);
        let french = Language::French;
        for (rule, value) in rules(&s) {
            assert!(
                !label(&rule, french).contains("Règle"),
                "{rule} has no French name"
            );
            assert!(!label(&rule, french).starts_with("Instance"), "{rule}");
            assert!(
                !shown(&rule, &value, french).contains('_'),
                "{rule}: {value}"
            );
        }
        assert_eq!(
            shown(
                "nationalCouncil.majorityOrdinary",
                "MORE_THAN 1/2 VOTES_CAST TIE_CHAIR_CASTING_VOTE",
                french
            ),
            "plus de la moitié des suffrages exprimés ; en cas de partage, la voix du président est prépondérante"
        );
        assert_eq!(
            shown("nationalCouncil.quorum", "AT_LEAST 2/3", french),
            "au moins les deux tiers des membres"
        );
    }

    #[test]
    fn given_every_rule_of_the_statutes_when_read_in_english_then_each_is_in_english() {
        let s = registre_domain::statutes::with_typical_instances(chrono::NaiveDate::MIN);
        let english = Language::English;
        for (rule, value) in rules(&s) {
            let (label, shown) = (label(&rule, english), shown(&rule, &value, english));
            assert_ne!(label, super::label(&rule, Language::French), "{rule}");
            // Words the French spells and English does not.
            for french in [
                " des ", " les ", "moitié", "tiers", " oui ", " non ", "(mois)", "(jours)",
            ] {
                assert!(
                    !format!(" {label} {shown} ").contains(french),
                    "{label}: {shown}"
                );
            }
        }
        assert_eq!(
            shown(
                "nationalCouncil.majorityOrdinary",
                "MORE_THAN 1/2 VOTES_CAST TIE_CHAIR_CASTING_VOTE",
                english
            ),
            "more than half of the votes cast; in case of a tie, the chair has the casting vote"
        );
        assert_eq!(
            shown("nationalCouncil.quorum", "AT_LEAST 2/3", english),
            "at least two thirds of the members"
        );
    }
}
