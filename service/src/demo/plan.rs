//! The demo's fixed facts: which bodies and posts, which sessions with which
//! agenda and motions, the dates and references. The steps in the sibling
//! modules turn them into commands; only the seeded RNG adds to them (ids,
//! which communes, who attends, how they vote, who is elected).

use chrono::NaiveDate;
use registre_schema::events::{
    BodyKind, BodyLevel, MotionKind, SessionKind, Signatory, StatutoryBody,
};

/// A date in a `const`; the demo's dates are all valid.
const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("invalid demo date"),
    }
}

/// The constitutive General Assembly adopts the default statutes.
pub(super) const FOUNDING: NaiveDate = date(2001, 2, 1);
pub(super) const STATUTES_REFERENCE: &str = "Statuts adoptés par l'Assemblée générale constitutive";

/// The territorial reference list, imported as the shipped 2015 edition.
pub(super) const TERRITORY_IMPORTED: NaiveDate = date(2015, 4, 8);
pub(super) const SCHEME: &str = "ocha-pcode";
pub(super) const EDITION: &str = "2015";

/// Every body is established on this day: the national ones at 9:00, the
/// posts of their bureau at 10:00, the local tiers later (see [`LocalTier`]).
pub(super) const BODIES_ESTABLISHED: NaiveDate = date(2016, 1, 10);
pub(super) const BEN_POSTS_HOUR: u32 = 10;

/// The national bodies. Their ids are drawn in this order, before any is
/// established.
#[derive(Debug, Clone, Copy)]
pub(super) enum National {
    Ben,
    Congress,
    Council,
    Secretariat,
}

pub(super) struct NationalBody {
    pub(super) body: National,
    pub(super) name: &'static str,
    pub(super) kind: BodyKind,
    pub(super) convened_by: Option<National>,
    pub(super) parent: Option<National>,
    /// Which of the statutes' bodies it is (the Secrétariat is none).
    pub(super) statutory: Option<StatutoryBody>,
}

/// The national bodies, in the order they are established.
pub(super) const NATIONAL_BODIES: [NationalBody; 4] = [
    NationalBody {
        body: National::Ben,
        name: "Bureau Exécutif National",
        kind: BodyKind::Organ,
        convened_by: None,
        parent: None,
        statutory: Some(StatutoryBody::NationalBureau),
    },
    NationalBody {
        body: National::Secretariat,
        name: "Secrétariat permanent",
        kind: BodyKind::Organ,
        convened_by: None,
        parent: Some(National::Ben),
        statutory: None,
    },
    NationalBody {
        body: National::Congress,
        name: "Congrès",
        kind: BodyKind::Instance,
        convened_by: Some(National::Ben),
        parent: None,
        statutory: Some(StatutoryBody::Congress),
    },
    NationalBody {
        body: National::Council,
        name: "Conseil National",
        kind: BodyKind::Instance,
        convened_by: Some(National::Ben),
        parent: None,
        statutory: Some(StatutoryBody::NationalCouncil),
    },
];

/// The posts of the Bureau Exécutif National: title and seats.
pub(super) const BEN_POSTS: [(&str, u32); 6] = [
    ("Président", 1),
    ("Vice-président", 3),
    ("Secrétaire général", 1),
    ("Trésorier", 1),
    ("Trésorier adjoint", 1),
    ("Secrétaire à l'organisation", 1),
];

/// The seats of the Conseil National, designated by the Congrès: its
/// members are the communes holding them (the statutes say its membership
/// is designated).
pub(super) const COUNCIL_SEATS: [(&str, u32); 1] = [("Membre du Conseil National", 30)];

/// A local tier: for each of its territorial units a bureau (an organ) and
/// the instance it convenes, both under the Bureau Exécutif National.
pub(super) struct LocalTier {
    pub(super) level: BodyLevel,
    /// The names are these prefixes followed by the unit's name.
    pub(super) bureau: &'static str,
    pub(super) instance: &'static str,
    /// Single-seat posts of the bureau.
    pub(super) posts: &'static [&'static str],
    /// Which of the statutes' bodies the bureau and the instance are.
    pub(super) statutory: (StatutoryBody, StatutoryBody),
    /// Hour of the establishments; the posts follow an hour later.
    pub(super) hour: u32,
}

/// A coordination in every region.
pub(super) const REGIONAL: LocalTier = LocalTier {
    level: BodyLevel::Regional,
    bureau: "Bureau de la Coordination Régionale de ",
    instance: "Conférence Régionale de ",
    posts: &["Président", "Secrétaire", "Trésorier"],
    statutory: (
        StatutoryBody::RegionalBureau,
        StatutoryBody::RegionalConference,
    ),
    hour: 11,
};

/// Bodies for the cercles of the first region only.
pub(super) const CERCLE: LocalTier = LocalTier {
    level: BodyLevel::Cercle,
    bureau: "Bureau du Cercle de ",
    instance: "Assemblée de Cercle de ",
    posts: &[],
    statutory: (StatutoryBody::CercleBureau, StatutoryBody::CercleAssembly),
    hour: 14,
};

/// The last dues year; [`super::DemoSize::years`] counts back from it.
pub(super) const LAST_YEAR: i32 = 2024;

/// Yearly dues by category. Communes of the District of Bamako (`ML09`)
/// are urban, the others rural.
pub(super) const URBAN: &str = "urbaine";
pub(super) const RURAL: &str = "rurale";
pub(super) const URBAN_PREFIX: &str = "ML09";
pub(super) const DUES: [(&str, i64); 2] = [(URBAN, 250_000), (RURAL, 50_000)];

/// The first member with three or more years of arrears is suspended.
pub(super) const SUSPENDED_ON: NaiveDate = date(2024, 1, 15);
pub(super) const ARREARS_YEARS: i32 = 3;
pub(super) const SUSPENSION_REASON: &str = "Cotisations impayées depuis trois exercices";

/// A session: convened by the Bureau Exécutif National (at 9:00), attended
/// from 8:00 on its day, opened at 10:00.
pub(super) struct SessionPlan {
    pub(super) body: National,
    pub(super) kind: SessionKind,
    pub(super) convened_on: NaiveDate,
    pub(super) date: NaiveDate,
    pub(super) place: &'static str,
    pub(super) agenda: &'static [&'static str],
    /// Percent of the eligible members who attend.
    pub(super) attendance: u8,
    /// Whether half of the absent members give a proxy.
    pub(super) proxies: bool,
    /// Hour it closes at; `None`: it never closes (its quorum failed).
    pub(super) closes_at: Option<u32>,
}

/// A motion on an agenda item, with the percent of votes for it.
pub(super) struct MotionPlan {
    pub(super) item: u32,
    pub(super) kind: MotionKind,
    pub(super) title: &'static str,
    pub(super) support: u8,
    pub(super) hour: u32,
}

pub(super) const CONGRESS: SessionPlan = SessionPlan {
    body: National::Congress,
    kind: SessionKind::Ordinary,
    convened_on: date(2024, 2, 1),
    date: date(2024, 3, 1),
    place: "Centre International de Conférences de Bamako",
    agenda: &[
        "Rapport d'activités 2019-2023",
        "Modification des statuts : délai de convocation",
        "Élection du Bureau Exécutif National",
        "Siège de l'Association",
    ],
    attendance: 80,
    proxies: true,
    closes_at: Some(18),
};

pub(super) const CONGRESS_MOTIONS: [MotionPlan; 4] = [
    MotionPlan {
        item: 0,
        kind: MotionKind::Ordinary,
        title: "Adoption du rapport d'activités 2019-2023",
        support: 90,
        hour: 11,
    },
    MotionPlan {
        item: 1,
        kind: MotionKind::StatuteAmendment,
        title: "Porter le délai de convocation des sessions ordinaires à 30 jours",
        support: 85,
        hour: 12,
    },
    MotionPlan {
        item: 2,
        kind: MotionKind::Election,
        title: "Élection du Bureau Exécutif National",
        support: 85,
        hour: 13,
    },
    MotionPlan {
        item: 3,
        kind: MotionKind::Ordinary,
        title: "Transférer le siège de l'Association à Ségou",
        support: 25,
        hour: 14,
    },
];

/// The Congress elects the Bureau Exécutif National at this hour.
pub(super) const BUREAU_ELECTED_AT: u32 = 15;

/// The post the Congress elects by a contested election, three communes
/// standing.
pub(super) const CONTESTED_POST: &str = "Président";
/// Each round's shares of the valid ballots, in percent, for the second
/// and third candidates; the first has the rest: 45% in the first round
/// (no absolute majority), 48% in the second (the most votes).
pub(super) const CONTESTED_ROUNDS: [[u32; 2]; 2] = [[35, 20], [40, 12]];

/// The Congress minutes: drafted and signed at 9:00 on these days, adopted
/// by the Conseil National's second convocation at this hour.
pub(super) const MINUTES_REF: &str = "PV/CONGRES/2024/01";
pub(super) const MINUTES_DRAFTED: NaiveDate = date(2024, 3, 8);
pub(super) const MINUTES_SIGNED: NaiveDate = date(2024, 3, 12);
pub(super) const MINUTES_ADOPTED_AT: u32 = 11;
/// Who signs the minutes: the holder of the post with this title.
pub(super) const SIGNATORIES: [(Signatory, &str); 2] = [
    (Signatory::President, "Président"),
    (Signatory::Secretary, "Secrétaire général"),
];

const COUNCIL_AGENDA: &[&str] = &[
    "Adoption du procès-verbal du Congrès",
    "Budget 2025",
    "Exclusion d'une commune pour arriérés",
];

/// The Conseil National fails quorum...
pub(super) const COUNCIL_FIRST: SessionPlan = SessionPlan {
    body: National::Council,
    kind: SessionKind::Ordinary,
    convened_on: date(2024, 5, 15),
    date: date(2024, 6, 5),
    place: "Siège de l'AMM, Bamako",
    agenda: COUNCIL_AGENDA,
    attendance: 30,
    proxies: false,
    closes_at: None,
};

/// ...and its second convocation deliberates without quorum.
pub(super) const COUNCIL_SECOND: SessionPlan = SessionPlan {
    body: National::Council,
    kind: SessionKind::Ordinary,
    convened_on: date(2024, 6, 6),
    date: date(2024, 6, 25),
    place: "Siège de l'AMM, Bamako",
    agenda: COUNCIL_AGENDA,
    attendance: 45,
    proxies: false,
    closes_at: Some(17),
};

pub(super) const COUNCIL_MOTIONS: [MotionPlan; 2] = [
    MotionPlan {
        item: 1,
        kind: MotionKind::Ordinary,
        title: "Adoption du budget 2025",
        support: 80,
        hour: 12,
    },
    MotionPlan {
        item: 2,
        kind: MotionKind::Exclusion,
        title: "Exclusion de la commune suspendue pour arriérés",
        support: 95,
        hour: 14,
    },
];

/// The Congress's amendment motion takes effect: one rule changes, the
/// notice of ordinary sessions, from the next year.
pub(super) const AMENDED_FROM: NaiveDate = date(2025, 1, 1);
pub(super) const AMENDED_NOTICE_DAYS: u32 = 30;
pub(super) const AMENDMENT_REFERENCE: &str = "Congrès du 1er mars 2024, résolution n°2";

/// The suspended commune, heard by the Conseil National after notice, is
/// excluded by its motion.
pub(super) const HEARING_NOTIFIED_ON: NaiveDate = date(2024, 6, 3);
pub(super) const EXCLUSION_REASON: &str =
    "Cotisations impayées depuis trois exercices, après audition";

/// The first Vice-président elected resigns (recorded the next day).
pub(super) const RESIGNING_POST: &str = "Vice-président";
pub(super) const RESIGNED_ON: NaiveDate = date(2024, 9, 1);
pub(super) const RESIGNATION_RECORDED: NaiveDate = date(2024, 9, 2);

/// The first payment's receipt number was mistyped.
pub(super) const CORRECTED_ON: NaiveDate = date(2024, 10, 1);
pub(super) const CORRECTION_REASON: &str = "Numéro de reçu mal saisi";
pub(super) const CORRECTION: &str = "Le numéro du reçu est celui du carnet 2, pas du carnet 1";

/// The last payment recorded is reversed: the bank returned the cheque.
pub(super) const REVERSED_ON: NaiveDate = date(2024, 11, 15);
pub(super) const REVERSAL_REASON: &str = "Chèque rejeté par la banque";

/// A territorial reform, as an example (no official list of the 2023
/// units with P-codes ships with registre): an edition of the list named
/// for what it is, in which two member communes of a cercle of the first
/// region merge, the merged commune taking over their unpaid dues.
pub(super) const REFORM_EDITION: &str = "2025-exemple";
pub(super) const REFORM_FROM: NaiveDate = date(2025, 1, 1);
pub(super) const REFORM_RECORDED: NaiveDate = date(2025, 1, 6);
/// The merged commune's code: its cercle's, then these digits (no
/// commune of the 2015 list has them).
pub(super) const REFORM_MERGED_SUFFIX: &str = "99";
pub(super) const REFORM_REFERENCE: &str =
    "Exemple de démonstration : découpage fictif, sans valeur officielle";
