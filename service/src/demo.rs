//! The demo history generator: a realistic, deterministic history issued
//! through the command handler, so every event is one the domain accepted.
//!
//! Deterministic from a seed (ids, choices, payments), apart from what the
//! store assigns (event ids, `recorded_at`). [`DemoSize`] scales it: the
//! benchmarks reuse it at larger sizes.
//!
//! The history is data plus small steps: `plan.rs` holds the fixed facts,
//! each other module issues the commands for one kind of thing, and
//! [`seed`] tells the story in order. The order matters: every id and
//! choice is the next draw of one seeded RNG.
//!
//! # Layout
//! - `plan.rs`: the bodies, posts, sessions, motions, dates and references.
//! - `generator.rs`: the generator's state, its seeded RNG and command helpers.
//! - `founding.rs`: the statutes, their amendment and the territorial
//!   reference list.
//! - `bodies.rs`: national and local bodies and their posts.
//! - `members.rs`: admissions, a suspension for arrears, the exclusion.
//! - `dues.rs`: schedules, payments and a receipt's correction.
//! - `session.rs`: convening, attendance with proxies, votes, closing.
//! - `mandates.rs`: the bureau's election and a resignation.
//! - `minutes.rs`: the minutes' draft, signatures and adoption.
//! - `reform.rs`: a territorial reform, as an example: a second edition
//!   in which two members merge, the merged one taking their unpaid dues.

use registre_schema::events::{MotionKind, TerritorialLevel};

use crate::commands::{CommandError, CommandHandler};
use crate::store::StoreError;

mod bodies;
mod dues;
mod founding;
mod generator;
mod mandates;
mod members;
mod minutes;
mod plan;
mod reform;
mod session;

use generator::Gen;
use plan::{
    BEN_POSTS, BEN_POSTS_HOUR, CERCLE, CONGRESS, CONGRESS_MOTIONS, COUNCIL_FIRST, COUNCIL_MOTIONS,
    COUNCIL_SEATS, COUNCIL_SECOND, LAST_YEAR, National, REGIONAL,
};

/// The 2015 reference list shipped with registre.
pub const MALI_2015_CSV: &str = include_str!("../../data/mali-admin-2015.csv");

/// How big a history to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Communes admitted (at most the 701 of the 2015 list).
    pub communes: usize,
    /// Dues years, ending with 2024.
    pub years: i32,
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize {
            communes: 300,
            years: 8,
        }
    }
}

/// What the generator did.
#[derive(Debug, Default, Clone)]
pub struct DemoReport {
    pub commands: usize,
    pub events: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the store is not empty: the demo only seeds an empty store")]
    NotEmpty,
    #[error("demo command {step} refused: {source}")]
    Command {
        step: String,
        #[source]
        source: CommandError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the shipped territory list is unreadable: {0}")]
    Territory(String),
    #[error("the demo's plan cannot be carried out: {0}")]
    Plan(&'static str),
}

/// Seeds an empty store through `handler`.
pub async fn seed(
    handler: &CommandHandler,
    seed: u64,
    size: DemoSize,
) -> Result<DemoReport, DemoError> {
    if handler.store().head().await? != 0 {
        return Err(DemoError::NotEmpty);
    }
    let mut g = Gen::new(handler, seed);

    // The founding statutes, then the territorial reference list.
    founding::adopt_statutes(&mut g).await?;
    let units = founding::import_territory(&mut g).await?;

    // The national bodies and the bureau's posts; a coordination in every
    // region, and bodies for the cercles of the first region.
    let national = bodies::establish_national(&mut g).await?;
    let ben = national.id(National::Ben);
    let ben_posts = bodies::define_posts(&mut g, ben, &BEN_POSTS, BEN_POSTS_HOUR).await?;
    let regions = founding::units_at(&units, TerritorialLevel::Region, None);
    bodies::establish_local(&mut g, &REGIONAL, &regions, ben).await?;
    let first_region = regions.first().map(|r| r.code.as_str()).unwrap_or_default();
    let cercles = founding::units_at(&units, TerritorialLevel::Cercle, Some(first_region));
    bodies::establish_local(&mut g, &CERCLE, &cercles, ben).await?;

    // The members, their dues year by year, and a suspension for arrears.
    let years = LAST_YEAR - size.years.max(2) + 1..=LAST_YEAR;
    let candidates = founding::units_at(&units, TerritorialLevel::Commune, None);
    let communes = members::admit(&mut g, &candidates, size.communes, &years).await?;
    dues::set_schedules(&mut g, &years).await?;
    let payments = dues::record_payments(&mut g, &communes, &years).await?;
    let suspended = members::suspend_for_arrears(&mut g, &communes, LAST_YEAR).await?;
    let names = members::names(&communes);

    // The Conseil National's seats, defined with the bodies (drawn after
    // the members, so that who is admitted stays as it was).
    let council = national.id(National::Council);
    let council_seats =
        bodies::define_posts(&mut g, council, &COUNCIL_SEATS, BEN_POSTS_HOUR).await?;

    // The Congress: motions, the bureau's election, then its minutes.
    let congress = session::convene_and_open(&mut g, &CONGRESS, &national, None, &names).await?;
    let resolutions = session::vote_motions(&mut g, &congress, &CONGRESS_MOTIONS, None).await?;
    let election_motion = CONGRESS_MOTIONS
        .iter()
        .position(|m| m.kind == MotionKind::Election)
        .and_then(|i| resolutions.get(i).copied());
    let holders =
        mandates::elect(&mut g, &congress, ben, &ben_posts, &names, election_motion).await?;
    mandates::elect(&mut g, &congress, council, &council_seats, &names, None).await?;
    session::close(&mut g, &congress).await?;
    let congress_minutes = minutes::draft_and_sign(&mut g, &congress, &holders).await?;

    // The Conseil National (the communes the Congrès designated) fails
    // quorum; its second convocation deliberates without quorum, adopts
    // the Congress minutes and a budget, and excludes the commune
    // suspended for arrears.
    let first = session::convene_and_open(&mut g, &COUNCIL_FIRST, &national, None, &names).await?;
    let second =
        session::convene_and_open(&mut g, &COUNCIL_SECOND, &national, Some(first.id), &names)
            .await?;
    minutes::adopt(&mut g, congress_minutes, &second).await?;
    let decided = session::vote_motions(&mut g, &second, &COUNCIL_MOTIONS, suspended).await?;
    session::close(&mut g, &second).await?;
    if let (Some(member), Some(&motion)) = (suspended, decided.get(1)) {
        members::exclude(&mut g, member, council, motion, COUNCIL_SECOND.date).await?;
    }

    // A vice-president resigns; a payment's receipt number was mistyped;
    // a cheque is returned.
    mandates::resign(&mut g, ben, &holders).await?;
    dues::correct_receipt(&mut g, payments.first_payer).await?;
    dues::reverse(&mut g, &payments, suspended).await?;

    // The statutes amended as the Congress decided: one rule, from 2025.
    founding::amend_notice(&mut g, resolutions[1]).await?;

    // A territorial reform, as an example: an edition, and a merger.
    reform::reorganise(&mut g, &units, &communes, first_region, suspended).await?;
    Ok(g.report)
}
