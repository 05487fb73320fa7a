//! How registre writes dates, amounts, statuses and names in French (the
//! pages and the documents). Its texts are the catalogue's keys: the
//! sentences made of values take the reader's language (the documents
//! always pass French), and the pages translate the names where they
//! print them.

use chrono::{Datelike, NaiveDate};
use registre_domain::majority::quorum_required;
use registre_domain::member::MemberStatus;
use registre_domain::statutory::quorum_rule;
use registre_projections::ReadModels;
use registre_projections::resolutions::MotionResult;
use registre_projections::sessions::SessionRecord;
use registre_schema::Role;
use registre_schema::events::session::{MotionKind, SessionKind};
use registre_schema::events::{
    Comparison, Fraction, MajorityRule, MandateEndReason, Membership, QuorumRule,
    ReorganisationKind, StatutoryBody, TieRule, VoteBase,
};

use crate::language::Language;

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `15 janvier 2025`, and `1er mars 2025` for the first of a month.
pub fn date(d: NaiveDate) -> String {
    let month = MONTHS[d.month0() as usize];
    match d.day() {
        1 => format!("1er {month} {}", d.year()),
        day => format!("{day} {month} {}", d.year()),
    }
}

/// `50 000 F CFA`: groups of three digits apart by a narrow no-break
/// space, as French typography writes them.
pub fn amount(xof: i64) -> String {
    format!("{} F CFA", number(xof))
}

/// `1 234 567`, `-5 000`.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A member's status as the secretariat says it.
pub fn status(s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Active => "membre actif",
        MemberStatus::Suspended => "suspendu",
        MemberStatus::Excluded => "exclu",
        MemberStatus::Withdrawn => "retiré",
        MemberStatus::Succeeded => "remplacé par un successeur",
    }
}

/// The status's name in a link's query (`?statut=actif`).
pub fn status_slug(s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Active => "actif",
        MemberStatus::Suspended => "suspendu",
        MemberStatus::Excluded => "exclu",
        MemberStatus::Withdrawn => "retire",
        MemberStatus::Succeeded => "remplace",
    }
}

pub const STATUSES: [MemberStatus; 5] = [
    MemberStatus::Active,
    MemberStatus::Suspended,
    MemberStatus::Excluded,
    MemberStatus::Withdrawn,
    MemberStatus::Succeeded,
];

pub fn status_from_slug(slug: &str) -> Option<MemberStatus> {
    STATUSES.into_iter().find(|s| status_slug(*s) == slug)
}

pub fn role(r: Role) -> &'static str {
    match r {
        Role::Secretariat => "secrétariat",
        Role::Auditor => "auditeur",
        Role::Dashboard => "tableau de bord",
        Role::System => "opérateur",
    }
}

/// What an event of the log records, in a few words.
pub fn event(event_type: &str) -> &str {
    match event_type {
        "TerritorialUnitRegistered" => "Unité territoriale enregistrée",
        "TerritorialUnitsReorganised" => "Réorganisation territoriale",
        "CommuneAdmitted" => "Admission d'une commune",
        "MemberSuspended" => "Suspension d'un membre",
        "MemberReinstated" => "Réintégration d'un membre",
        "MemberExcluded" => "Exclusion d'un membre",
        "MemberWithdrew" => "Retrait d'un membre",
        "MembershipSucceeded" => "Succession d'une commune",
        "MemberContactsRecorded" => "Coordonnées d'un membre",
        "DuesScheduleSet" => "Barème des cotisations",
        "DuesPaid" => "Paiement de cotisation",
        "DuesPaymentReversed" => "Annulation d'un paiement",
        "StatutesAdopted" => "Adoption des statuts",
        "StatutesAmended" => "Modification des statuts",
        "BodyEstablished" => "Création d'une instance",
        "PostDefined" => "Création d'un poste",
        "StatutoryBodyNamed" => "Instance rattachée à un corps statutaire",
        "OfficerElected" => "Élection à un poste",
        "MandateStarted" => "Début de mandat",
        "MandateEnded" => "Fin de mandat",
        "ElectionOpened" => "Ouverture d'une élection",
        "CandidacyFiled" => "Candidature",
        "ElectionRoundCounted" => "Dépouillement d'un tour de scrutin",
        "SessionConvened" => "Convocation d'une session",
        "AttendanceRecorded" => "Émargement",
        "ProxyRegistered" => "Procuration",
        "QuorumReached" => "Quorum atteint",
        "QuorumFailed" => "Quorum non atteint",
        "SessionOpened" => "Ouverture de séance",
        "SessionAdjourned" => "Séance ajournée",
        "SessionClosed" => "Clôture de séance",
        "MotionTabled" => "Dépôt d'une motion",
        "VoteRecorded" => "Vote",
        "MotionAdopted" => "Motion adoptée",
        "MotionRejected" => "Motion rejetée",
        "MinutesDrafted" => "Procès-verbal rédigé",
        "MinutesSigned" => "Procès-verbal signé",
        "MinutesAdopted" => "Procès-verbal adopté",
        "RecordCorrected" => "Correction",
        "AccessTokenIssued" => "Jeton d'accès délivré",
        "AccessTokenRevoked" => "Jeton d'accès révoqué",
        "AccountOpened" => "Ouverture d'un compte",
        "AccountRoleChanged" => "Changement de rôle d'un compte",
        "AccountPasswordSet" => "Mot de passe d'un compte défini",
        "AccountDisabled" => "Désactivation d'un compte",
        other => other,
    }
}

/// A session's kind, as the convocation says it.
pub fn session_kind(k: SessionKind) -> &'static str {
    match k {
        SessionKind::Ordinary => "ordinaire",
        SessionKind::Extraordinary => "extraordinaire",
    }
}

/// What a motion decides.
pub fn motion_kind(k: MotionKind) -> &'static str {
    match k {
        MotionKind::Ordinary => "ordinaire",
        MotionKind::Election => "élection",
        MotionKind::Exclusion => "exclusion",
        MotionKind::StatuteAmendment => "modification des statuts",
        MotionKind::Dissolution => "dissolution",
    }
}

/// What came of a motion's vote.
pub fn motion_result(r: MotionResult) -> &'static str {
    match r {
        MotionResult::Adopted => "adoptée",
        MotionResult::Rejected => "rejetée",
        MotionResult::Pending => "vote en cours",
    }
}

/// Why a mandate ended.
pub fn mandate_end(r: MandateEndReason) -> &'static str {
    match r {
        MandateEndReason::Term => "fin du terme",
        MandateEndReason::Resignation => "démission",
        MandateEndReason::LossOfCommunalMandate => "perte du mandat communal",
        MandateEndReason::Death => "décès",
        MandateEndReason::Removal => "révocation",
    }
}

/// The notice a convocation gave, against what the statutes require.
pub fn notice(s: &SessionRecord, lang: Language) -> String {
    let days = u32::try_from(s.notice_days.max(0)).unwrap_or(u32::MAX);
    let mut text = lang.fill("{} de préavis", &[&lang.count(days, "jour", "jours")]);
    if let Some(d) = s.notice_required {
        let required = lang.count(d, "jour", "jours");
        text.push_str(&lang.fill(", {} requis par les statuts", &[&required]));
    }
    match s.notice_compliant {
        Some(true) => lang.fill("{} : délai respecté", &[&text]),
        Some(false) => lang.fill("{} : délai NON respecté", &[&text]),
        None => text,
    }
}

/// The quorum as it stands: present and represented against what the
/// statutes of the convocation require of the members convened.
pub fn quorum(m: &ReadModels, s: &SessionRecord, lang: Language) -> String {
    let present = |n| lang.count(n, "présent", "présents");
    let represented = |n| lang.count(n, "représenté", "représentés");
    let convened = |n| lang.count(n, "convoqué", "convoqués");
    if let Some(q) = &s.quorum {
        let c = &q.count;
        return lang.fill(
            if q.reached {
                "Quorum atteint à l'ouverture : {} et {} pour {} sur {}."
            } else {
                "Quorum non atteint à l'ouverture : {} et {} pour {} sur {}."
            },
            &[
                &present(c.present),
                &represented(c.represented),
                &lang.count(c.required, "requis", "requis"),
                &convened(c.eligible),
            ],
        );
    }
    let eligible = s.eligible.len() as u32;
    let here = s.present.len() as u32;
    // Absent members whose proxy holder is present.
    let proxied = s.attendance().represented.len() as u32;
    let required = m
        .sessions
        .statutes
        .iter()
        .find(|st| st.version == s.statutes_version)
        .map(|st| {
            let body = m.bodies.body(s.body_id).and_then(|b| b.statutory_body);
            quorum_required(quorum_rule(st, body), eligible)
        });
    let counted = lang.fill(
        "{} et {} sur {}",
        &[&present(here), &represented(proxied), &convened(eligible)],
    );
    match required {
        Some(required) => lang.fill(
            if here + proxied >= required {
                "{} ; {} requis : le quorum est atteint."
            } else {
                "{} ; {} requis : le quorum n'est pas encore atteint."
            },
            &[&counted, &required],
        ),
        None => format!("{counted}."),
    }
}

/// A share in words where French has them: `la moitié`, `les deux
/// tiers`; with `more`, as it follows "plus" (`de la moitié`).
fn share(numerator: u32, denominator: u32, more: bool, lang: Language) -> String {
    let named = match (numerator, denominator, more) {
        (1, 2, false) => lang.tr("la moitié"),
        (1, 2, true) => lang.tr("de la moitié"),
        (1, 3, false) => lang.tr("le tiers"),
        (1, 3, true) => lang.tr("du tiers"),
        (2, 3, false) => lang.tr("les deux tiers"),
        (2, 3, true) => lang.tr("des deux tiers"),
        (3, 4, false) => lang.tr("les trois quarts"),
        (3, 4, true) => lang.tr("des trois quarts"),
        (_, _, false) => return format!("{numerator}/{denominator}"),
        (_, _, true) => return lang.fill("de {}/{}", &[&numerator, &denominator]),
    };
    named.into()
}

fn compared(c: Comparison, f: Fraction, lang: Language) -> String {
    match c {
        Comparison::AtLeast => lang.fill(
            "au moins {}",
            &[&share(f.numerator, f.denominator, false, lang)],
        ),
        Comparison::MoreThan => {
            lang.fill("plus {}", &[&share(f.numerator, f.denominator, true, lang)])
        }
    }
}

/// A quorum in words: `au moins les deux tiers des membres`.
pub fn quorum_rule_text(q: QuorumRule, lang: Language) -> String {
    lang.fill("{} des membres", &[&compared(q.comparison, q.share, lang)])
}

/// A majority in words: `plus de la moitié des suffrages exprimés ; en
/// cas de partage, la voix du président est prépondérante`.
pub fn majority_rule(m: MajorityRule, lang: Language) -> String {
    let base = vote_base(m.base, lang);
    let rule = format!("{} {base}", compared(m.comparison, m.share, lang));
    match m.tie {
        TieRule::Rejected => rule,
        TieRule::ChairCastingVote => lang.fill(
            "{} ; en cas de partage, la voix du président est prépondérante",
            &[&rule],
        ),
    }
}

/// Who sits in a statutory body.
pub fn membership(m: Membership, lang: Language) -> &'static str {
    match m {
        Membership::Derived => lang.tr("les communes membres à jour de son territoire"),
        Membership::Designated => lang.tr("les communes à jour qui en détiennent les sièges"),
    }
}

/// What a majority's share is taken of, as it follows the share (`des
/// suffrages exprimés`).
pub fn vote_base(base: VoteBase, lang: Language) -> &'static str {
    match base {
        VoteBase::VotesCast => lang.tr("des suffrages exprimés"),
        VoteBase::VotesCastWithAbstentions => lang.tr("des votants, abstentions comprises"),
        VoteBase::Present => lang.tr("des membres présents ou représentés"),
        VoteBase::Members => lang.tr("des membres appelés à siéger"),
    }
}

/// A rule's value as the statutes register spells it (`AT_LEAST 2/3`,
/// `MORE_THAN 1/2 VOTES_CAST TIE_REJECTED`), in words; `None` for a value
/// of another shape.
pub fn statutory_rule(value: &str, lang: Language) -> Option<String> {
    let mut words = value.split(' ');
    let comparison = match words.next()? {
        "AT_LEAST" => Comparison::AtLeast,
        "MORE_THAN" => Comparison::MoreThan,
        _ => return None,
    };
    let (n, d) = words.next()?.split_once('/')?;
    let share = Fraction {
        numerator: n.parse().ok()?,
        denominator: d.parse().ok()?,
    };
    let Some(base) = words.next() else {
        return Some(quorum_rule_text(QuorumRule { comparison, share }, lang));
    };
    let base = match base {
        "VOTES_CAST" => VoteBase::VotesCast,
        "VOTES_CAST_WITH_ABSTENTIONS" => VoteBase::VotesCastWithAbstentions,
        "PRESENT" => VoteBase::Present,
        "MEMBERS" => VoteBase::Members,
        _ => return None,
    };
    let tie = match words.next()? {
        "TIE_REJECTED" => TieRule::Rejected,
        "TIE_CHAIR_CASTING_VOTE" => TieRule::ChairCastingVote,
        _ => return None,
    };
    Some(majority_rule(
        MajorityRule {
            comparison,
            share,
            base,
            tie,
        },
        lang,
    ))
}

/// A statutory body's name.
/// What a reorganisation of the territory did.
pub fn reorganisation(k: ReorganisationKind) -> &'static str {
    match k {
        ReorganisationKind::Merge => "fusion",
        ReorganisationKind::Split => "scission",
        ReorganisationKind::Creation => "création",
        ReorganisationKind::Rename => "changement de nom",
        ReorganisationKind::Transfer => "rattachement",
    }
}

pub fn statutory_body(b: StatutoryBody) -> &'static str {
    registre_domain::body::statutory_name(b).french
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_dates_when_written_then_the_first_of_a_month_is_1er() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date(d(2025, 1, 15)), "15 janvier 2025");
        assert_eq!(date(d(2025, 8, 1)), "1er août 2025");
        assert_eq!(date(d(2024, 12, 31)), "31 décembre 2024");
    }

    #[test]
    fn given_amounts_when_written_then_thousands_are_grouped() {
        assert_eq!(amount(50_000), "50\u{202f}000 F CFA");
        assert_eq!(amount(0), "0 F CFA");
        assert_eq!(number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(number(-5_000), "-5\u{202f}000");
        assert_eq!(number(999), "999");
    }

    #[test]
    fn given_each_status_when_named_in_a_link_then_it_reads_back() {
        for s in STATUSES {
            assert_eq!(status_from_slug(status_slug(s)), Some(s));
        }
    }
}
