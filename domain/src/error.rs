//! Why a command is refused: a stable code for programs, a French message
//! for the secretariat (French is the users' working language), English in
//! `Display` for logs and developers.

use chrono::NaiveDate;
use registre_schema::Role;

/// Why an input is invalid, in both languages: English for `Display`
/// (logs, developers, English clients), French for the secretariat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub english: &'static str,
    pub french: &'static str,
}

impl Reason {
    pub const fn new(english: &'static str, french: &'static str) -> Self {
        Reason { english, french }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english)
    }
}

/// A command refused by the domain. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    // Any command.
    #[error("no statutes are in force at this date")]
    NoStatutesInForce,
    #[error("field {field} is required")]
    Required { field: &'static str },
    #[error("field {field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("invalid date: {detail}")]
    InvalidDate { detail: Reason },
    #[error("field {field} is a date outside the years the records cover")]
    DateOutOfRange { field: &'static str },
    #[error("this identifier is already used")]
    IdAlreadyUsed,

    // Territory.
    #[error("unknown territorial unit {code}")]
    UnknownTerritorialUnit { code: String },
    #[error("territorial unit {code} is already registered with other data")]
    TerritorialUnitConflict { code: String },
    #[error("invalid territorial unit {code}: {reason}")]
    InvalidTerritorialUnit { code: String, reason: Reason },
    #[error("invalid reorganisation: {reason}")]
    InvalidReorganisation { reason: Reason },

    // Members and dues.
    #[error("this commune is already a member")]
    CommuneAlreadyMember,
    #[error("the name {given:?} differs from the territorial reference's, {reference:?}")]
    NameDiffersFromReference { given: String, reference: String },
    #[error("unknown member")]
    UnknownMember,
    #[error("invalid {field}: {reason}")]
    InvalidContact { field: &'static str, reason: Reason },
    #[error("these contacts are already the ones recorded")]
    ContactsUnchanged,
    #[error("the member is not active")]
    MemberNotActive,
    #[error("the member is not suspended")]
    MemberNotSuspended,
    #[error("the member has already left the association")]
    MemberAlreadyLeft,
    #[error("another successor of this reorganisation already took over the member's dues")]
    DuesAlreadyCarried,
    #[error("no reorganisation has this id")]
    UnknownReorganisation,
    #[error("the reorganisation cited does not make the successor of the member's commune")]
    NotInReorganisation,
    #[error(
        "the hearing notice before the vote is shorter than the {required_days} days the statutes require"
    )]
    HearingNoticeTooShort { required_days: u32 },
    #[error("the amount must be a positive number of francs CFA")]
    InvalidAmount,
    #[error("no dues schedule is set for {year}")]
    NoDuesSchedule { year: i32 },
    #[error("the dues schedule of {year} is already set")]
    DuesScheduleAlreadySet { year: i32 },
    #[error("invalid dues schedule: {reason}")]
    InvalidDuesSchedule { reason: Reason },
    #[error("field {field} is a date after today")]
    DateInFuture { field: &'static str },
    #[error("a payment cannot be reversed before it was made")]
    ReversalBeforePayment,
    #[error("no payment of this member was recorded under receipt {receipt_ref}")]
    UnknownReceipt { receipt_ref: String },
    #[error("this payment is already reversed")]
    PaymentAlreadyReversed,
    #[error("receipt {receipt_ref} is already used by another payment")]
    ReceiptAlreadyUsed { receipt_ref: String },
    #[error("dues category {category:?} is not in the schedule in force ({known})")]
    UnknownDuesCategory { category: String, known: String },

    // Statutes.
    #[error("statutes are already adopted; amend them instead")]
    StatutesAlreadyAdopted,
    #[error("no statutes have been adopted yet")]
    StatutesNotAdopted,
    #[error("invalid statutes: {reason}")]
    InvalidStatutes { reason: Reason },
    #[error("an amendment cannot take effect before {current}, the current version's date")]
    AmendmentBeforeCurrent { current: NaiveDate },

    // Bodies, posts and mandates.
    #[error("this body already exists")]
    BodyAlreadyExists,
    #[error("unknown body")]
    UnknownBody,
    #[error("a post with this title already exists in the body")]
    PostAlreadyDefined,
    #[error("unknown post")]
    UnknownPost,
    #[error("a post has between 1 and {max} seats")]
    InvalidSeats { max: u32 },
    #[error("the post's {seats} seat(s) are all held")]
    PostFull { seats: u32 },
    #[error("the candidate's commune is not a member in good standing")]
    NotEligibleToStand,
    #[error("the commune lies outside the body's territory")]
    OutsideBodyTerritory,
    #[error("a {level} body must name a territorial unit of that level")]
    BodyTerritoryRequired { level: &'static str },
    #[error("unknown mandate")]
    UnknownMandate,
    #[error("the mandate has already ended")]
    MandateAlreadyEnded,
    #[error("this session's body does not elect this body's officers")]
    NotCompetentToElect,
    #[error("the commune already holds a seat of this post")]
    AlreadyHoldsSeat,
    #[error("the statutes allow a commune one post of a body at a time")]
    SeveralPostsNotAllowed,
    #[error("unknown election")]
    UnknownElection,
    #[error("an election fills between 1 and {vacant} vacant seat(s) of the post")]
    ElectionSeats { vacant: u32 },
    #[error("candidacies close when the first round is counted")]
    CandidaciesClosed,
    #[error("the commune already stands in this election")]
    AlreadyCandidate,
    #[error("an election has at most {max} candidates")]
    TooManyCandidates { max: usize },
    #[error("the election has no candidate")]
    NoCandidates,
    #[error("the commune does not stand in this round")]
    NotACandidate,
    #[error("more ballots than the {voters} members present or represented")]
    TooManyBallots { voters: u32 },
    #[error("invalid count: {reason}")]
    InvalidElectionTally { reason: Reason },
    #[error("every seat of the election is filled")]
    ElectionComplete,

    // Sessions.
    #[error("this session is already convened")]
    SessionAlreadyConvened,
    #[error("unknown session")]
    UnknownSession,
    #[error("this body is not entitled to convene that body")]
    NotEntitledToConvene,
    #[error("notice of {given_days} days is shorter than the {required_days} days required")]
    NoticeTooShort { required_days: u32, given_days: i64 },
    #[error(
        "the session, on {session_date}, would be held before its convocation, on {convened_on}"
    )]
    SessionBeforeConvocation {
        convened_on: NaiveDate,
        session_date: NaiveDate,
    },
    #[error("the agenda is empty")]
    EmptyAgenda,
    #[error("an extraordinary session states its grounds and who asked for it")]
    ExtraordinaryGroundsRequired,
    #[error("an ordinary session is held by the statutes, not at anyone's request")]
    RequestForOrdinarySession,
    #[error("{given} member(s) asked for the session; the statutes require {required}")]
    ExtraordinaryRequestTooFew { required: u32, given: u32 },
    #[error("at most {max} members may be named as asking for a session")]
    TooManyRequesters { max: usize },
    #[error("the first session did not fail for lack of quorum")]
    NotAFailedSession,
    #[error("the first session has been convened a second time already")]
    AlreadyConvenedAgain,
    #[error("a second convocation must be at least {min_days} days after the first session")]
    SecondConvocationTooEarly { min_days: u32 },
    #[error("the statutes do not allow a second convocation to deliberate without quorum")]
    SecondConvocationNotAllowed,
    #[error("the member is not on the session's list of eligible members")]
    NotEligibleToVote,
    #[error("the member's attendance is already recorded")]
    AlreadyPresent,
    #[error("the member has already given a proxy")]
    ProxyAlreadyRegistered,
    #[error("the proxy holder already holds {cap} proxy(ies), the statutory cap")]
    ProxyCapReached { cap: u32 },
    #[error("invalid proxy: {reason}")]
    InvalidProxy { reason: Reason },
    #[error("the session is already open")]
    SessionAlreadyOpen,
    #[error("the session is not open")]
    SessionNotOpen,
    #[error("quorum was not reached: the session cannot deliberate")]
    QuorumNotReached,
    #[error("the session is closed or adjourned")]
    SessionEnded,
    #[error("the session is not closed")]
    SessionNotClosed,
    #[error("this motion is already tabled")]
    MotionAlreadyTabled,
    #[error("there is no agenda item {item}")]
    NotOnAgenda { item: u32 },
    #[error("unknown motion")]
    UnknownMotion,
    #[error("the vote on this motion is closed")]
    VoteClosed,
    #[error("the member has already voted on this motion")]
    AlreadyVoted,
    #[error("the member's delegate is not present")]
    NotPresent,
    #[error("the member gave no proxy to this holder")]
    NoSuchProxy,
    #[error("votes are still open on some motions")]
    MotionsStillOpen,
    #[error("the votes are tied: the statutes give the chair a casting vote, for or against")]
    CastingVoteRequired,
    #[error("a casting vote is recorded only on a tie the statutes give the chair")]
    CastingVoteWithoutTie,
    #[error("the body is already that statutory body")]
    StatutoryBodyUnchanged,
    #[error("a {statutory_body} is a {expected}")]
    StatutoryBodyMismatch {
        statutory_body: Reason,
        expected: Reason,
    },
    #[error("the motion cited was not adopted")]
    MotionNotAdopted,
    #[error("the motion cited is not a motion of {expected}")]
    MotionOfAnotherKind { expected: &'static str },
    #[error("the motion cited was not adopted by the competent body ({competent})")]
    MotionOfAnotherBody { competent: Reason },
    #[error("the motion cited has already taken effect")]
    MotionAlreadyApplied,
    #[error("the motion cited concerns another member")]
    MotionOfAnotherSubject,
    #[error("an exclusion motion names the member it concerns")]
    ExclusionWithoutSubject,

    #[error("a decision cannot take effect before the session that took it, on {decided_on}")]
    EffectBeforeDecision { decided_on: NaiveDate },

    // Minutes.
    #[error("the minutes are already adopted and can no longer change")]
    MinutesAlreadyAdopted,
    #[error("no minutes have been drafted")]
    MinutesNotDrafted,
    #[error("these minutes belong to another session")]
    MinutesOfAnotherSession,
    #[error("the document hash must be 64 lowercase hexadecimal digits (SHA-256)")]
    InvalidHash,
    #[error("the hash does not match the current draft")]
    HashMismatch,
    #[error("minutes are adopted at a later session, not their own")]
    AdoptedInOwnSession,
    #[error("this signatory has already signed")]
    AlreadySigned,

    // Corrections.
    #[error("the corrected event is not in the log")]
    UnknownEvent,

    // Access tokens.
    #[error(
        "invalid token name {name:?}: 1 to 100 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit"
    )]
    InvalidTokenName { name: String },
    #[error("tokens are issued for the roles secretariat, auditor and dashboard, not {role}")]
    TokenRoleNotIssued { role: Role },
    #[error("an active token named {name:?} already exists; revoke it first")]
    TokenNameTaken { name: String },
    #[error("no active token named {name:?}")]
    UnknownToken { name: String },
    #[error("only the operator of the server manages tokens and accounts")]
    OperatorOnly,

    // Personal accounts.
    #[error(
        "invalid account name {name:?}: 1 to 64 lowercase ASCII letters, digits, '.', '-' or '_', starting with a letter or digit"
    )]
    InvalidAccountName { name: String },
    #[error("invalid full name: 1 to 200 characters, not blank, without control characters")]
    InvalidFullName,
    #[error("invalid region code {code:?}: 1 to 32 ASCII letters or digits")]
    InvalidRegion { code: String },
    #[error("accounts are given the roles secretariat, auditor and dashboard, not {role}")]
    AccountRoleNotGranted { role: Role },
    #[error("an active account named {name:?} already exists; disable it first")]
    AccountNameTaken { name: String },
    #[error("no active account named {name:?}")]
    UnknownAccount { name: String },
    #[error("the account {name:?} already has the role {role}")]
    AccountRoleUnchanged { name: String, role: Role },
}

impl DomainError {
    /// A stable code, never changed once published.
    pub fn code(&self) -> &'static str {
        use DomainError as E;
        match self {
            E::NoStatutesInForce => "NO_STATUTES_IN_FORCE",
            E::Required { .. } => "FIELD_REQUIRED",
            E::TooLong { .. } => "FIELD_TOO_LONG",
            E::InvalidDate { .. } => "INVALID_DATE",
            E::DateOutOfRange { .. } => "DATE_OUT_OF_RANGE",
            E::IdAlreadyUsed => "ID_ALREADY_USED",
            E::UnknownTerritorialUnit { .. } => "UNKNOWN_TERRITORIAL_UNIT",
            E::NameDiffersFromReference { .. } => "NAME_DIFFERS_FROM_REFERENCE",
            E::OutsideBodyTerritory => "OUTSIDE_BODY_TERRITORY",
            E::BodyTerritoryRequired { .. } => "BODY_TERRITORY_REQUIRED",
            E::StatutoryBodyMismatch { .. } => "STATUTORY_BODY_MISMATCH",
            E::StatutoryBodyUnchanged => "STATUTORY_BODY_UNCHANGED",
            E::CastingVoteRequired => "CASTING_VOTE_REQUIRED",
            E::ExtraordinaryGroundsRequired => "EXTRAORDINARY_GROUNDS_REQUIRED",
            E::RequestForOrdinarySession => "REQUEST_FOR_ORDINARY_SESSION",
            E::ExtraordinaryRequestTooFew { .. } => "EXTRAORDINARY_REQUEST_TOO_FEW",
            E::TooManyRequesters { .. } => "TOO_MANY_REQUESTERS",
            E::CastingVoteWithoutTie => "CASTING_VOTE_WITHOUT_TIE",
            E::SessionBeforeConvocation { .. } => "SESSION_BEFORE_CONVOCATION",
            E::TerritorialUnitConflict { .. } => "TERRITORIAL_UNIT_CONFLICT",
            E::InvalidTerritorialUnit { .. } => "INVALID_TERRITORIAL_UNIT",
            E::InvalidReorganisation { .. } => "INVALID_REORGANISATION",
            E::CommuneAlreadyMember => "COMMUNE_ALREADY_MEMBER",
            E::UnknownMember => "UNKNOWN_MEMBER",
            E::InvalidContact { .. } => "INVALID_CONTACT",
            E::ContactsUnchanged => "CONTACTS_UNCHANGED",
            E::MemberNotActive => "MEMBER_NOT_ACTIVE",
            E::MemberNotSuspended => "MEMBER_NOT_SUSPENDED",
            E::MemberAlreadyLeft => "MEMBER_ALREADY_LEFT",
            E::DuesAlreadyCarried => "DUES_ALREADY_CARRIED",
            E::UnknownReorganisation => "UNKNOWN_REORGANISATION",
            E::NotInReorganisation => "NOT_IN_REORGANISATION",
            E::HearingNoticeTooShort { .. } => "HEARING_NOTICE_TOO_SHORT",
            E::InvalidAmount => "INVALID_AMOUNT",
            E::NoDuesSchedule { .. } => "NO_DUES_SCHEDULE",
            E::DuesScheduleAlreadySet { .. } => "DUES_SCHEDULE_ALREADY_SET",
            E::InvalidDuesSchedule { .. } => "INVALID_DUES_SCHEDULE",
            E::DateInFuture { .. } => "DATE_IN_FUTURE",
            E::ReversalBeforePayment => "REVERSAL_BEFORE_PAYMENT",
            E::UnknownReceipt { .. } => "UNKNOWN_RECEIPT",
            E::PaymentAlreadyReversed => "PAYMENT_ALREADY_REVERSED",
            E::ReceiptAlreadyUsed { .. } => "RECEIPT_ALREADY_USED",
            E::UnknownDuesCategory { .. } => "UNKNOWN_DUES_CATEGORY",
            E::StatutesAlreadyAdopted => "STATUTES_ALREADY_ADOPTED",
            E::StatutesNotAdopted => "STATUTES_NOT_ADOPTED",
            E::InvalidStatutes { .. } => "INVALID_STATUTES",
            E::AmendmentBeforeCurrent { .. } => "AMENDMENT_BEFORE_CURRENT",
            E::BodyAlreadyExists => "BODY_ALREADY_EXISTS",
            E::UnknownBody => "UNKNOWN_BODY",
            E::PostAlreadyDefined => "POST_ALREADY_DEFINED",
            E::UnknownPost => "UNKNOWN_POST",
            E::InvalidSeats { .. } => "INVALID_SEATS",
            E::PostFull { .. } => "POST_FULL",
            E::NotEligibleToStand => "NOT_ELIGIBLE_TO_STAND",
            E::UnknownMandate => "UNKNOWN_MANDATE",
            E::MandateAlreadyEnded => "MANDATE_ALREADY_ENDED",
            E::NotCompetentToElect => "NOT_COMPETENT_TO_ELECT",
            E::AlreadyHoldsSeat => "ALREADY_HOLDS_SEAT",
            E::SeveralPostsNotAllowed => "SEVERAL_POSTS_NOT_ALLOWED",
            E::UnknownElection => "UNKNOWN_ELECTION",
            E::ElectionSeats { .. } => "ELECTION_SEATS",
            E::CandidaciesClosed => "CANDIDACIES_CLOSED",
            E::AlreadyCandidate => "ALREADY_CANDIDATE",
            E::TooManyCandidates { .. } => "TOO_MANY_CANDIDATES",
            E::NoCandidates => "NO_CANDIDATES",
            E::NotACandidate => "NOT_A_CANDIDATE",
            E::TooManyBallots { .. } => "TOO_MANY_BALLOTS",
            E::InvalidElectionTally { .. } => "INVALID_ELECTION_TALLY",
            E::ElectionComplete => "ELECTION_COMPLETE",
            E::SessionAlreadyConvened => "SESSION_ALREADY_CONVENED",
            E::UnknownSession => "UNKNOWN_SESSION",
            E::NotEntitledToConvene => "NOT_ENTITLED_TO_CONVENE",
            E::NoticeTooShort { .. } => "NOTICE_TOO_SHORT",
            E::EmptyAgenda => "EMPTY_AGENDA",
            E::NotAFailedSession => "NOT_A_FAILED_SESSION",
            E::AlreadyConvenedAgain => "ALREADY_CONVENED_AGAIN",
            E::SecondConvocationTooEarly { .. } => "SECOND_CONVOCATION_TOO_EARLY",
            E::SecondConvocationNotAllowed => "SECOND_CONVOCATION_NOT_ALLOWED",
            E::NotEligibleToVote => "NOT_ELIGIBLE_TO_VOTE",
            E::AlreadyPresent => "ALREADY_PRESENT",
            E::ProxyAlreadyRegistered => "PROXY_ALREADY_REGISTERED",
            E::ProxyCapReached { .. } => "PROXY_CAP_REACHED",
            E::InvalidProxy { .. } => "INVALID_PROXY",
            E::SessionAlreadyOpen => "SESSION_ALREADY_OPEN",
            E::SessionNotOpen => "SESSION_NOT_OPEN",
            E::QuorumNotReached => "QUORUM_NOT_REACHED",
            E::SessionEnded => "SESSION_ENDED",
            E::SessionNotClosed => "SESSION_NOT_CLOSED",
            E::MotionAlreadyTabled => "MOTION_ALREADY_TABLED",
            E::NotOnAgenda { .. } => "NOT_ON_AGENDA",
            E::UnknownMotion => "UNKNOWN_MOTION",
            E::VoteClosed => "VOTE_CLOSED",
            E::AlreadyVoted => "ALREADY_VOTED",
            E::NotPresent => "NOT_PRESENT",
            E::NoSuchProxy => "NO_SUCH_PROXY",
            E::MotionsStillOpen => "MOTIONS_STILL_OPEN",
            E::MotionNotAdopted => "MOTION_NOT_ADOPTED",
            E::MotionOfAnotherKind { .. } => "MOTION_OF_ANOTHER_KIND",
            E::MotionOfAnotherBody { .. } => "MOTION_OF_ANOTHER_BODY",
            E::MotionAlreadyApplied => "MOTION_ALREADY_APPLIED",
            E::MotionOfAnotherSubject => "MOTION_OF_ANOTHER_SUBJECT",
            E::ExclusionWithoutSubject => "EXCLUSION_WITHOUT_SUBJECT",
            E::EffectBeforeDecision { .. } => "EFFECT_BEFORE_DECISION",
            E::MinutesAlreadyAdopted => "MINUTES_ALREADY_ADOPTED",
            E::MinutesNotDrafted => "MINUTES_NOT_DRAFTED",
            E::MinutesOfAnotherSession => "MINUTES_OF_ANOTHER_SESSION",
            E::InvalidHash => "INVALID_HASH",
            E::HashMismatch => "HASH_MISMATCH",
            E::AdoptedInOwnSession => "ADOPTED_IN_OWN_SESSION",
            E::AlreadySigned => "ALREADY_SIGNED",
            E::UnknownEvent => "UNKNOWN_EVENT",
            E::InvalidTokenName { .. } => "INVALID_TOKEN_NAME",
            E::TokenRoleNotIssued { .. } => "TOKEN_ROLE_NOT_ISSUED",
            E::TokenNameTaken { .. } => "TOKEN_NAME_TAKEN",
            E::UnknownToken { .. } => "UNKNOWN_TOKEN",
            E::OperatorOnly => "OPERATOR_ONLY",
            E::InvalidAccountName { .. } => "INVALID_ACCOUNT_NAME",
            E::InvalidFullName => "INVALID_FULL_NAME",
            E::InvalidRegion { .. } => "INVALID_REGION",
            E::AccountRoleNotGranted { .. } => "ACCOUNT_ROLE_NOT_GRANTED",
            E::AccountNameTaken { .. } => "ACCOUNT_NAME_TAKEN",
            E::UnknownAccount { .. } => "UNKNOWN_ACCOUNT",
            E::AccountRoleUnchanged { .. } => "ACCOUNT_ROLE_UNCHANGED",
        }
    }

    /// The message shown to the secretariat.
    pub fn message_fr(&self) -> String {
        use DomainError as E;
        match self {
            E::NoStatutesInForce => "Aucun statut n'est en vigueur à cette date.".into(),
            E::Required { field } => format!("Le champ « {field} » est obligatoire."),
            E::TooLong { field, max } => {
                format!("Le champ « {field} » dépasse {max} caractères.")
            }
            E::InvalidDate { detail } => format!("Date invalide : {}.", detail.french),
            E::DateOutOfRange { field } => format!(
                "Le champ « {field} » doit être une date comprise entre les années {} et {}.",
                crate::dates::YEARS.start(),
                crate::dates::YEARS.end()
            ),
            E::IdAlreadyUsed => "Cet identifiant est déjà utilisé.".into(),
            E::UnknownTerritorialUnit { code } => {
                format!("La collectivité {code} est inconnue du découpage territorial.")
            }
            E::TerritorialUnitConflict { code } => format!(
                "La collectivité {code} est déjà enregistrée avec d'autres données pour cette édition."
            ),
            E::InvalidTerritorialUnit { code, reason } => {
                format!("La collectivité {code} est invalide : {}.", reason.french)
            }
            E::InvalidReorganisation { reason } => {
                format!("Réorganisation invalide : {}.", reason.french)
            }
            E::CommuneAlreadyMember => "Cette commune est déjà membre de l'association.".into(),
            E::UnknownMember => "Cette commune n'est pas membre de l'association.".into(),
            E::InvalidContact { field, reason } => {
                format!("Le champ « {field} » est invalide : {}.", reason.french)
            }
            E::ContactsUnchanged => "Ces coordonnées sont déjà celles enregistrées.".into(),
            E::MemberNotActive => "La commune n'est pas un membre actif.".into(),
            E::MemberNotSuspended => "La commune n'est pas suspendue.".into(),
            E::MemberAlreadyLeft => "La commune a déjà quitté l'association.".into(),
            E::DuesAlreadyCarried => "Une commune qui lui succède a déjà repris les cotisations de cette commune.".into(),
            E::UnknownReorganisation => "Aucune réorganisation ne porte cet identifiant.".into(),
            E::NotInReorganisation => "La réorganisation citée ne fait pas de cette commune la remplaçante de la commune membre : une fusion ou une scission, dont la commune membre est une devancière et la remplaçante une héritière.".into(),
            E::HearingNoticeTooShort { required_days } => format!(
                "La commune doit être avisée de son audition au moins {required_days} jours avant le vote de son exclusion."
            ),
            E::InvalidAmount => "Le montant doit être un nombre positif de francs CFA.".into(),
            E::NoDuesSchedule { year } => {
                format!("Aucun barème des cotisations n'est fixé pour {year}.")
            }
            E::DuesScheduleAlreadySet { year } => {
                format!("Le barème des cotisations de {year} est déjà fixé.")
            }
            E::InvalidDuesSchedule { reason } => format!("Barème invalide : {}.", reason.french),
            E::DateInFuture { field } => {
                format!("Le champ « {field} » ne peut pas être une date postérieure à aujourd'hui.")
            }
            E::ReversalBeforePayment => {
                "Un paiement ne peut pas être annulé avant la date où il a été fait.".into()
            }
            E::UnknownReceipt { receipt_ref } => format!(
                "Aucun paiement de cette commune n'est enregistré sous le reçu « {receipt_ref} »."
            ),
            E::PaymentAlreadyReversed => "Ce paiement est déjà annulé.".into(),
            E::ReceiptAlreadyUsed { receipt_ref } => {
                format!("Le reçu « {receipt_ref} » est déjà enregistré pour un autre paiement.")
            }
            E::UnknownDuesCategory { category, known } => format!(
                "La catégorie de cotisation « {category} » n'existe pas dans le barème en vigueur (catégories : {known})."
            ),
            E::StatutesAlreadyAdopted => {
                "Les statuts sont déjà adoptés ; il faut les modifier.".into()
            }
            E::StatutesNotAdopted => "Aucun statut n'a encore été adopté.".into(),
            E::InvalidStatutes { reason } => format!("Statuts invalides : {}.", reason.french),
            E::AmendmentBeforeCurrent { current } => format!(
                "Une modification des statuts ne peut pas entrer en vigueur avant le {current}."
            ),
            E::BodyAlreadyExists => "Cette instance ou cet organe existe déjà.".into(),
            E::UnknownBody => "Instance ou organe inconnu.".into(),
            E::PostAlreadyDefined => "Ce poste existe déjà dans l'instance.".into(),
            E::UnknownPost => "Poste inconnu.".into(),
            E::InvalidSeats { max } => {
                format!("Un poste compte entre 1 et {max} sièges.")
            }
            E::PostFull { seats } => {
                format!("Le poste est déjà pourvu ({seats} siège(s) occupé(s)).")
            }
            E::NotEligibleToStand => {
                "La commune du candidat n'est pas membre à jour de ses cotisations.".into()
            }
            E::UnknownMandate => "Mandat inconnu.".into(),
            E::MandateAlreadyEnded => "Ce mandat a déjà pris fin.".into(),
            E::NotCompetentToElect => {
                "Cette session n'est pas celle de l'instance qui, selon les statuts, élit les membres de cet organe.".into()
            }
            E::AlreadyHoldsSeat => "La commune occupe déjà un siège de ce poste.".into(),
            E::SeveralPostsNotAllowed => {
                "Les statuts ne permettent à une commune qu'un poste à la fois dans cet organe : elle en occupe ou en brigue déjà un autre.".into()
            }
            E::UnknownElection => "Élection inconnue.".into(),
            E::ElectionSeats { vacant } => {
                format!("Une élection pourvoit entre 1 et {vacant} siège(s) vacant(s) du poste.")
            }
            E::CandidaciesClosed => {
                "Les candidatures sont closes : le premier tour a été dépouillé.".into()
            }
            E::AlreadyCandidate => "La commune est déjà candidate à cette élection.".into(),
            E::TooManyCandidates { max } => {
                format!("Une élection compte au plus {max} candidats.")
            }
            E::NoCandidates => "L'élection n'a aucun candidat.".into(),
            E::NotACandidate => "Cette commune n'est pas candidate à ce tour.".into(),
            E::TooManyBallots { voters } => format!(
                "Plus de bulletins que de membres présents ou représentés ({voters})."
            ),
            E::InvalidElectionTally { reason } => {
                format!("Dépouillement invalide : {}.", reason.french)
            }
            E::ElectionComplete => "Tous les sièges de cette élection sont pourvus.".into(),
            E::SessionAlreadyConvened => "Cette session est déjà convoquée.".into(),
            E::UnknownSession => "Session inconnue.".into(),
            E::NotEntitledToConvene => {
                "Cet organe n'a pas qualité pour convoquer cette instance.".into()
            }
            E::NameDiffersFromReference { given, reference } => format!(
                "Le nom « {given} » diffère de celui de la liste territoriale, « {reference} » : laissez le nom vide pour reprendre celui de la liste, ou confirmez que ce nom diffère volontairement."
            ),
            E::OutsideBodyTerritory => {
                "La commune n'est pas située dans le ressort territorial de cette instance.".into()
            }
            E::BodyTerritoryRequired { level } => format!(
                "Une instance ou un organe de niveau {} doit nommer son ressort : {}.",
                if *level == "regional" { "régional" } else { "cercle" },
                if *level == "regional" { "une région" } else { "un cercle" }
            ),
            E::SessionBeforeConvocation {
                convened_on,
                session_date,
            } => format!(
                "La session, le {session_date}, ne peut pas se tenir avant sa convocation, le {convened_on}."
            ),
            E::NoticeTooShort {
                required_days,
                given_days,
            } => format!(
                "Délai de convocation insuffisant : {given_days} jours au lieu de {required_days} jours au moins."
            ),
            E::EmptyAgenda => "L'ordre du jour est vide.".into(),
            E::ExtraordinaryGroundsRequired => {
                "Une session extraordinaire indique ses motifs et qui l'a demandée.".into()
            }
            E::RequestForOrdinarySession => {
                "Une session ordinaire se tient en vertu des statuts : ni motifs ni demande.".into()
            }
            E::TooManyRequesters { max } => {
                format!("Une demande de session nomme {max} communes au plus.")
            }
            E::ExtraordinaryRequestTooFew { required, given } => format!(
                "{given} commune(s) demandent la session ; les statuts en exigent au moins {required}."
            ),
            E::NotAFailedSession => "La première session n'a pas échoué faute de quorum.".into(),
            E::AlreadyConvenedAgain => {
                "La première session a déjà été convoquée une seconde fois.".into()
            }
            E::SecondConvocationTooEarly { min_days } => format!(
                "La seconde convocation doit avoir lieu au moins {min_days} jours après la première session."
            ),
            E::SecondConvocationNotAllowed => {
                "Les statuts ne permettent pas de délibérer sans quorum en seconde convocation."
                    .into()
            }
            E::NotEligibleToVote => {
                "La commune ne figure pas sur la liste des membres à jour arrêtée à la convocation."
                    .into()
            }
            E::AlreadyPresent => "La présence de la commune est déjà enregistrée.".into(),
            E::ProxyAlreadyRegistered => "La commune a déjà donné procuration.".into(),
            E::ProxyCapReached { cap } => {
                format!("Le mandataire détient déjà {cap} procuration(s), le maximum statutaire.")
            }
            E::InvalidProxy { reason } => format!("Procuration invalide : {}.", reason.french),
            E::SessionAlreadyOpen => "La séance est déjà ouverte.".into(),
            E::SessionNotOpen => "La séance n'est pas ouverte.".into(),
            E::QuorumNotReached => {
                "Le quorum n'est pas atteint : la session ne peut pas délibérer.".into()
            }
            E::SessionEnded => "La séance est levée ou ajournée.".into(),
            E::SessionNotClosed => "La séance n'est pas encore levée.".into(),
            E::MotionAlreadyTabled => "Cette motion est déjà inscrite.".into(),
            E::NotOnAgenda { item } => format!("Le point {item} n'est pas à l'ordre du jour."),
            E::UnknownMotion => "Motion inconnue.".into(),
            E::VoteClosed => "Le vote sur cette motion est clos.".into(),
            E::AlreadyVoted => "La commune a déjà voté sur cette motion.".into(),
            E::NotPresent => "Le délégué de la commune n'est pas présent.".into(),
            E::NoSuchProxy => "La commune n'a pas donné procuration à ce mandataire.".into(),
            E::MotionsStillOpen => "Des votes sont encore ouverts.".into(),
            E::StatutoryBodyUnchanged => {
                "L'instance est déjà ce corps statutaire : rien n'est changé.".into()
            }
            E::CastingVoteRequired => "Partage des voix : les statuts donnent au président une voix prépondérante, pour ou contre, à enregistrer avec la clôture du vote.".into(),
            E::CastingVoteWithoutTie => "Une voix prépondérante ne s'enregistre que sur un partage des voix où les statuts la donnent au président.".into(),
            E::StatutoryBodyMismatch {
                statutory_body,
                expected,
            } => format!(
                "Le corps statutaire « {} » doit être {}.",
                statutory_body.french, expected.french
            ),
            E::MotionNotAdopted => "La motion citée n'a pas été adoptée.".into(),
            E::MotionOfAnotherKind { expected } => format!(
                "La motion citée n'est pas une motion {}.",
                match *expected {
                    "exclusion" => "d'exclusion",
                    "election" => "d'élection",
                    _ => "de modification des statuts",
                }
            ),
            E::MotionOfAnotherBody { competent } => format!(
                "La motion citée n'a pas été adoptée par l'instance compétente ({}).",
                competent.french
            ),
            E::MotionAlreadyApplied => "La motion citée a déjà pris effet.".into(),
            E::MotionOfAnotherSubject => {
                "La motion citée ne porte pas sur cette commune.".into()
            }
            E::ExclusionWithoutSubject => {
                "Une motion d'exclusion nomme la commune qu'elle concerne.".into()
            }
            E::EffectBeforeDecision { decided_on } => format!(
                "Une décision ne peut pas prendre effet avant la séance qui l'a prise, le {decided_on}."
            ),
            E::MinutesAlreadyAdopted => {
                "Le procès-verbal est déjà adopté et ne peut plus être modifié.".into()
            }
            E::MinutesNotDrafted => "Aucun procès-verbal n'a été rédigé.".into(),
            E::MinutesOfAnotherSession => "Ce procès-verbal concerne une autre session.".into(),
            E::InvalidHash => {
                "L'empreinte du document doit être un SHA-256 (64 chiffres hexadécimaux).".into()
            }
            E::HashMismatch => {
                "L'empreinte ne correspond pas à la version rédigée du procès-verbal.".into()
            }
            E::AdoptedInOwnSession => {
                "Un procès-verbal est adopté lors d'une session suivante, pas la sienne.".into()
            }
            E::AlreadySigned => "Ce signataire a déjà signé.".into(),
            E::UnknownEvent => "L'événement à corriger n'existe pas dans le journal.".into(),
            E::InvalidTokenName { name } => format!(
                "Nom de jeton invalide « {name} » : de 1 à 100 lettres ASCII, chiffres, « - », « _ » ou « . », commençant par une lettre ou un chiffre."
            ),
            E::TokenRoleNotIssued { role } => format!(
                "Les jetons sont délivrés pour les rôles secretariat, auditor et dashboard, pas {role}."
            ),
            E::TokenNameTaken { name } => format!(
                "Un jeton actif porte déjà le nom « {name} » ; il faut d'abord le révoquer."
            ),
            E::UnknownToken { name } => format!("Aucun jeton actif ne porte le nom « {name} »."),
            E::OperatorOnly => {
                "Seul l'exploitant du serveur gère les jetons et les comptes.".into()
            }
            E::InvalidAccountName { name } => format!(
                "Nom de compte invalide « {name} » : de 1 à 64 lettres ASCII minuscules, chiffres, « . », « - » ou « _ », commençant par une lettre ou un chiffre."
            ),
            E::InvalidFullName => {
                "Nom complet invalide : de 1 à 200 caractères, non vide, sans caractère de contrôle."
                    .into()
            }
            E::InvalidRegion { code } => format!(
                "Code de région invalide « {code} » : de 1 à 32 lettres ASCII ou chiffres, par exemple ML01."
            ),
            E::AccountRoleNotGranted { role } => format!(
                "Les comptes reçoivent les rôles secretariat, auditor et dashboard, pas {role}."
            ),
            E::AccountNameTaken { name } => format!(
                "Un compte actif porte déjà le nom « {name} » ; il faut d'abord le désactiver."
            ),
            E::UnknownAccount { name } => {
                format!("Aucun compte actif ne porte le nom « {name} ».")
            }
            E::AccountRoleUnchanged { name, role } => {
                format!("Le compte « {name} » a déjà le rôle {role}.")
            }
        }
    }

    /// The message for a client that reads English: `Display` as a
    /// sentence.
    pub fn message_en(&self) -> String {
        let text = self.to_string();
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
            None => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words an English message has and a French one does not: a French
    /// message with one of them mixes the languages.
    const ENGLISH_WORDS: &[&str] = &[
        " the ", " must ", " cannot ", " is ", " are ", " only ", " listed ",
    ];

    #[test]
    fn given_every_reason_when_written_in_french_then_no_english_is_mixed_in() {
        let reason = Reason::new(
            "a mandate cannot end before it starts",
            "un mandat ne peut pas prendre fin avant d'avoir commencé",
        );
        for e in [
            DomainError::InvalidDate { detail: reason },
            DomainError::InvalidStatutes { reason },
            DomainError::InvalidDuesSchedule { reason },
            DomainError::InvalidProxy { reason },
            DomainError::InvalidReorganisation { reason },
            DomainError::InvalidTerritorialUnit {
                code: "ML01".into(),
                reason,
            },
        ] {
            let fr = format!(" {} ", e.message_fr());
            assert!(!ENGLISH_WORDS.iter().any(|w| fr.contains(w)), "{fr}");
            assert!(
                e.message_en()
                    .contains("a mandate cannot end before it starts")
            );
            assert!(e.message_en().ends_with('.'));
        }
    }
}
