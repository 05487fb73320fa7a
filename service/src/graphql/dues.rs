//! Dues: every member's position for a year, filtered by arrears and by
//! good standing at a date.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use registre_projections::membership::MemberFilter;

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::{AsOf, Conn, Page, id, page_cost, registers, short};

/// A member's dues for one year, judged at a date.
#[derive(SimpleObject)]
pub struct DuesPosition {
    pub member_id: ID,
    pub member_name: String,
    pub year: i32,
    /// Owed per the year's schedule and the member's category, with what it
    /// took over by succession, in francs CFA.
    pub due: i64,
    pub paid: i64,
    /// `due - paid`: positive is owed, negative paid in advance.
    pub balance: i64,
    /// Past the year's due date on the date asked with a positive balance.
    pub in_arrears: bool,
    /// In good standing on the date asked, by the statutes then in force.
    pub in_good_standing: bool,
}

/// A member that the statutes' arrears rule says is due for suspension.
#[derive(SimpleObject)]
pub struct SuspensionDue {
    pub member_id: ID,
    pub member_name: String,
    /// Past-due years not fully paid on the date asked.
    pub unpaid_years: u32,
}

#[derive(Default)]
pub struct DuesQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl DuesQuery {
    /// Every member's dues for `year`, judged on `judgedOn` (default
    /// today, or the day of the point `asOf` names); optionally only those
    /// in arrears (or not), in good standing (or not), or of one region
    /// (of `edition`, as `members` reads it).
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    #[allow(clippy::too_many_arguments)]
    async fn dues(
        &self,
        ctx: &Context<'_>,
        year: i32,
        judged_on: Option<NaiveDate>,
        in_arrears: Option<bool>,
        in_good_standing: Option<bool>,
        edition: Option<String>,
        region: Option<String>,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<DuesPosition>, ApiError> {
        if !(1900..=2200).contains(&year) {
            return Err(ApiError::bad_input(
                "year doit être compris entre 1900 et 2200.",
                "year must be between 1900 and 2200.",
            ));
        }
        let place = MemberFilter {
            edition: short(edition, "edition")?,
            region: short(region, "region")?,
            ..MemberFilter::default()
        };
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        let judged_on = judged_on.unwrap_or_else(|| p.today());
        Ok(p.read(|rm, pos| {
            // Judging good standing walks a member's whole dues history:
            // every member's only when the filter asks, else only the
            // page's.
            let good: Option<BTreeSet<_>> = in_good_standing.map(|_| {
                rm.dues
                    .members_in_good_standing(judged_on)
                    .into_iter()
                    .collect()
            });
            let is_good = |member| match &good {
                Some(set) => set.contains(&member),
                None => rm.dues.in_good_standing(member, judged_on),
            };
            let mut placer = rm.membership.placer();
            let items = rm
                .dues
                .positions_for_year(year, judged_on)
                .into_iter()
                .filter(|d| in_arrears.is_none_or(|a| d.in_arrears == a))
                .filter(|d| in_good_standing.is_none_or(|g| is_good(d.member_id) == g))
                .filter(|d| {
                    place.region.is_none()
                        || rm
                            .membership
                            .member(d.member_id)
                            .is_some_and(|m| placer.matches(m, &place))
                })
                .map(|d| (d.member_id.to_string(), d))
                .collect();
            page.cut(pos, items, |d| DuesPosition {
                member_id: id(d.member_id),
                member_name: rm
                    .membership
                    .member(d.member_id)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
                year: d.year,
                due: d.due,
                paid: d.paid,
                balance: d.balance,
                in_arrears: d.in_arrears,
                in_good_standing: is_good(d.member_id),
            })
        }))
    }

    /// The members active on `judgedOn` (default today, or the day of the
    /// point `asOf` names) whose unpaid years reach the threshold the
    /// statutes then in force set for suspension, in member id order.
    #[graphql(complexity = "child_complexity * page_cost(first)")]
    async fn members_due_for_suspension(
        &self,
        ctx: &Context<'_>,
        judged_on: Option<NaiveDate>,
        first: Option<u32>,
        after: Option<String>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Conn<SuspensionDue>, ApiError> {
        let page = Page::new(first, after)?;
        let p = registers(ctx, min_position, as_of).await?;
        let judged_on = judged_on.unwrap_or_else(|| p.today());
        Ok(p.read(|rm, pos| {
            let items = rm
                .dues
                .due_for_suspension(judged_on)
                .into_iter()
                .map(|(member, years)| (member.to_string(), (member, years)))
                .collect();
            page.cut(pos, items, |(member, years)| SuspensionDue {
                member_id: id(member),
                member_name: rm
                    .membership
                    .member(member)
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
                unpaid_years: years,
            })
        }))
    }
}
