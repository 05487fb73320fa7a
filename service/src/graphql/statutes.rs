//! The statutes as they can be read: the version in force on a date,
//! every version, and what each amendment changed.

use async_graphql::{Context, Object, SimpleObject};
use chrono::NaiveDate;
use registre_projections::statutes::{StatutesRegister, StatutesVersion as Recorded};

use super::domain_enums::Majority;
use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::{AsOf, registers};
use super::statutory_rules::InstanceRules;

/// A rule an amendment changed, named as `amendStatutes` names it.
#[derive(SimpleObject)]
pub struct RuleChange {
    pub rule: String,
    pub before: String,
    pub after: String,
}

/// One version of the statutes: its rules (named as the `StatutesInput`
/// of `adoptStatutes` and `amendStatutes` names them), the decision that
/// made it, and what it changed from the version before.
#[derive(SimpleObject)]
pub struct StatutesVersion {
    /// 1 for the adoption, then one more per amendment.
    pub version: u32,
    /// Decisions dated on or after this day are judged under this version.
    pub effective_from: NaiveDate,
    /// The decision that adopted or amended the statutes.
    pub reference: String,
    /// Position of its event in the log.
    pub position: u64,
    /// Whether the event was corrected since.
    pub corrected: bool,
    pub notice_days_ordinary: u32,
    pub notice_days_extraordinary: u32,
    pub quorum_numerator: u32,
    pub quorum_denominator: u32,
    pub second_convocation_without_quorum: bool,
    pub second_convocation_min_delay_days: u32,
    pub majority_ordinary: Majority,
    pub majority_election: Majority,
    pub majority_exclusion: Majority,
    pub majority_statute_amendment: Majority,
    pub majority_dissolution: Majority,
    pub proxy_cap_per_delegate: u32,
    pub mandate_years: u32,
    pub unpaid_years_lose_vote: u32,
    pub unpaid_years_before_suspension: u32,
    pub exclusion_hearing_notice_days: u32,
    /// Election rounds decided by an absolute majority of the valid
    /// ballots; the later ones by the most votes.
    pub election_absolute_majority_rounds: u32,
    /// One commune may hold several posts of one body at a time.
    pub election_several_posts: bool,
    /// The rules of each statutory body; a body left out follows the
    /// general quorum and majorities above.
    pub instances: Vec<InstanceRules>,
    /// The rules this version changed (none for the adoption).
    pub changes: Vec<RuleChange>,
}

impl StatutesVersion {
    fn of(register: &StatutesRegister, v: &Recorded) -> Self {
        let s = &v.statutes;
        StatutesVersion {
            version: s.version,
            effective_from: s.effective_from,
            reference: v.reference.clone(),
            position: v.position,
            corrected: !v.corrections.is_empty(),
            notice_days_ordinary: s.notice_days_ordinary,
            notice_days_extraordinary: s.notice_days_extraordinary,
            quorum_numerator: s.quorum.numerator,
            quorum_denominator: s.quorum.denominator,
            second_convocation_without_quorum: s.second_convocation.allowed_without_quorum,
            second_convocation_min_delay_days: s.second_convocation.min_delay_days,
            majority_ordinary: s.majorities.ordinary.into(),
            majority_election: s.majorities.election.into(),
            majority_exclusion: s.majorities.exclusion.into(),
            majority_statute_amendment: s.majorities.statute_amendment.into(),
            majority_dissolution: s.majorities.dissolution.into(),
            proxy_cap_per_delegate: s.proxy_cap_per_delegate,
            mandate_years: s.mandate_years,
            unpaid_years_lose_vote: s.arrears.unpaid_years_lose_vote,
            unpaid_years_before_suspension: s.arrears.unpaid_years_before_suspension,
            exclusion_hearing_notice_days: s.exclusion_hearing_notice_days,
            election_absolute_majority_rounds: s.elections.absolute_majority_rounds,
            election_several_posts: s.elections.several_posts,
            instances: s.instances.iter().map(|r| (*r).into()).collect(),
            changes: register
                .changes(s.version)
                .into_iter()
                .map(|c| RuleChange {
                    rule: c.rule,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct StatutesQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl StatutesQuery {
    /// The statutes in force on `on` (default today, or the day of the
    /// point `asOf` names); none before the first adoption.
    async fn statutes(
        &self,
        ctx: &Context<'_>,
        on: Option<NaiveDate>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Option<StatutesVersion>, ApiError> {
        let p = registers(ctx, min_position, as_of).await?;
        let on = on.unwrap_or_else(|| p.today());
        Ok(p.read(|rm, _| {
            rm.statutes
                .in_force(on)
                .map(|v| StatutesVersion::of(&rm.statutes, v))
        }))
    }

    /// Every version of the statutes, the adoption first.
    async fn statutes_versions(
        &self,
        ctx: &Context<'_>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Vec<StatutesVersion>, ApiError> {
        let p = registers(ctx, min_position, as_of).await?;
        Ok(p.read(|rm, _| {
            rm.statutes
                .versions
                .iter()
                .map(|v| StatutesVersion::of(&rm.statutes, v))
                .collect()
        }))
    }
}
