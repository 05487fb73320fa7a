//! The statutes in force and every version (`/statuts`): each rule in
//! French, and what each amendment changed.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use registre_domain::statutes::rules;

use super::WebState;
use super::page::{self, Frame, render};
use super::submit::Done;
use crate::french;

#[derive(Template)]
#[template(path = "statutes.html")]
struct StatutesPage {
    frame: Frame,
    in_force: Option<Version>,
    versions: Vec<Version>,
    /// What the page says after the amendment form sent it here.
    notice: &'static str,
}

struct Version {
    number: u32,
    effective_from: String,
    reference: String,
    rules: Vec<(String, String)>,
    changes: Vec<(String, String, String)>,
}

pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let (viewer, models) = match page::reading(&state, &headers).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let today = Utc::now().date_naive();
    let page = models.read(|m, _| {
        let register = &m.statutes;
        let version = |v: &registre_projections::statutes::StatutesVersion| Version {
            number: v.statutes.version,
            effective_from: french::date(v.statutes.effective_from),
            reference: v.reference.clone(),
            rules: rules(&v.statutes)
                .into_iter()
                .map(|(rule, value)| (label(&rule), shown(&rule, &value)))
                .collect(),
            changes: register
                .changes(v.statutes.version)
                .into_iter()
                .map(|c| {
                    (
                        label(&c.rule),
                        shown(&c.rule, &c.before),
                        shown(&c.rule, &c.after),
                    )
                })
                .collect(),
        };
        StatutesPage {
            frame: viewer.frame("statuts"),
            in_force: register.in_force(today).map(version),
            versions: register.versions.iter().rev().map(version).collect(),
            notice: done.map(|Query(d)| d.notice()).unwrap_or_default(),
        }
    });
    render(&page)
}

/// A rule's name as the statutes say it; a statutory body's rule
/// (`nationalCouncil.quorum`) is prefixed with that body's name.
fn label(rule: &str) -> String {
    let Some((body, rule)) = rule.split_once('.') else {
        return general_label(rule).into();
    };
    let body = body_name(body).unwrap_or("Instance");
    let rule = match rule {
        "electedBy" => "élu par",
        "quorum" => "quorum",
        "membership" => "qui y siège",
        "ordinarySessionEveryMonths" => "sessions ordinaires, au plus tous les (mois)",
        "termYears" => "durée des mandats (années)",
        "extraordinaryRequestShare" => {
            "part des membres pouvant demander une session extraordinaire"
        }
        other => general_label(other),
    };
    format!("{body} : {rule}")
}

/// A statutory body's name, from its name in the rules' names.
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

pub(super) fn general_label(rule: &str) -> &'static str {
    match rule {
        "noticeDaysOrdinary" => "Préavis d'une session ordinaire (jours)",
        "noticeDaysExtraordinary" => "Préavis d'une session extraordinaire (jours)",
        "quorumNumerator" => "Quorum : numérateur de la fraction",
        "quorumDenominator" => "Quorum : dénominateur de la fraction",
        "secondConvocationWithoutQuorum" => "Seconde convocation sans condition de quorum",
        "secondConvocationMinDelayDays" => "Délai minimal avant une seconde convocation (jours)",
        "majorityOrdinary" => "Majorité des délibérations ordinaires",
        "majorityElection" => "Majorité des élections",
        "majorityExclusion" => "Majorité d'une exclusion",
        "majorityStatuteAmendment" => "Majorité d'une modification des statuts",
        "majorityDissolution" => "Majorité d'une dissolution",
        "proxyCapPerDelegate" => "Procurations par délégué, au plus",
        "mandateYears" => "Durée des mandats (années)",
        "unpaidYearsLoseVote" => "Années impayées qui privent du vote",
        "unpaidYearsBeforeSuspension" => "Années impayées avant la suspension",
        "exclusionHearingNoticeDays" => "Préavis de l'audition avant une exclusion (jours)",
        "electionAbsoluteMajorityRounds" => {
            "Tours d'une élection à la majorité absolue (les suivants à la majorité relative)"
        }
        "electionSeveralPosts" => "Une commune peut occuper plusieurs postes d'un même organe",
        _ => "Règle",
    }
}

/// A rule's value in French (majorities and yes or no spelled out).
fn shown(rule: &str, value: &str) -> String {
    if let Some(words) = french::statutory_rule(value) {
        return words;
    }
    if rule.ends_with(".electedBy") {
        return body_name(value).map_or_else(|| "ses propres sessions".into(), Into::into);
    }
    match value {
        "DERIVED" => "les communes membres à jour de son territoire".into(),
        "DESIGNATED" => "les communes à jour qui en détiennent les sièges".into(),
        "SIMPLE" => "simple".into(),
        "ABSOLUTE" => "absolue".into(),
        "TWO_THIRDS" => "des deux tiers".into(),
        "true" => "oui".into(),
        "false" => "non".into(),
        other if rule.starts_with("majority") => other.to_lowercase(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_every_rule_of_the_statutes_when_labelled_then_each_has_its_french_name() {
        let s = registre_domain::statutes::with_typical_instances(chrono::NaiveDate::MIN);
        for (rule, value) in rules(&s) {
            assert!(!label(&rule).contains("Règle"), "{rule} has no French name");
            assert!(!label(&rule).starts_with("Instance"), "{rule}");
            assert!(!shown(&rule, &value).contains('_'), "{rule}: {value}");
        }
        assert_eq!(
            shown(
                "nationalCouncil.majorityOrdinary",
                "MORE_THAN 1/2 VOTES_CAST TIE_CHAIR_CASTING_VOTE"
            ),
            "plus de la moitié des suffrages exprimés ; en cas de partage, la voix du président est prépondérante"
        );
        assert_eq!(
            shown("nationalCouncil.quorum", "AT_LEAST 2/3"),
            "au moins les deux tiers des membres"
        );
    }
}
