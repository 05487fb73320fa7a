//! Indicators for dashboards: good standing per region at a date,
//! attendance, quorum failures, unsigned minutes.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use registre_schema::events::TerritorialLevel;

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::{AsOf, Share, id, registers};

/// Members in good standing in one region.
#[derive(SimpleObject)]
pub struct RegionShare {
    /// The region's code (`?` when it is not in the reference list).
    pub region: String,
    pub region_name: Option<String>,
    pub share: Share,
}

/// Attendance at one session's quorum count.
#[derive(SimpleObject)]
pub struct SessionAttendance {
    pub session_id: ID,
    pub share: Share,
}

#[derive(SimpleObject)]
pub struct Indicators {
    /// Position of the log the read models were at for this answer.
    pub position: u64,
    /// The date good standing was judged on.
    pub on: NaiveDate,
    /// Members (active or suspended) in good standing, by region.
    pub good_standing_by_region: Vec<RegionShare>,
    /// The same over every region.
    pub good_standing: Share,
    /// Present or represented among the eligible, over every session
    /// that counted its quorum.
    pub attendance: Share,
    /// The same per session, in session id order.
    pub attendance_by_session: Vec<SessionAttendance>,
    pub sessions_convened: u32,
    pub second_convocations: u32,
    pub quorum_reached: u32,
    pub quorum_failed: u32,
    /// Minutes not signed by both signatories (adopted or not).
    pub unsigned_minutes: u32,
    /// Adopted minutes still waiting for a signature.
    pub adopted_unsigned_minutes: u32,
}

#[derive(Default)]
pub struct IndicatorsQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl IndicatorsQuery {
    /// The dashboards' indicators; good standing is judged on `on`
    /// (default today, or the day of the point `asOf` names).
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        on: Option<NaiveDate>,
        min_position: Option<u64>,
        as_of: Option<AsOf>,
    ) -> Result<Indicators, ApiError> {
        let p = registers(ctx, min_position, as_of).await?;
        let on = on.unwrap_or_else(|| p.today());
        Ok(p.read(|rm, pos| {
            let region_name = |code: &str| {
                rm.membership
                    .units
                    .values()
                    .find(|u| u.level == TerritorialLevel::Region && u.unit.code == code)
                    .map(|u| u.name.clone())
            };
            let by_region = rm.good_standing_by_region(on);
            let mut total = registre_projections::indicators::Share::default();
            for s in by_region.values() {
                total.part += s.part;
                total.whole += s.whole;
            }
            let i = &rm.indicators;
            Indicators {
                position: pos,
                on,
                good_standing_by_region: by_region
                    .into_iter()
                    .map(|(code, s)| RegionShare {
                        region_name: region_name(&code),
                        region: code,
                        share: s.into(),
                    })
                    .collect(),
                good_standing: total.into(),
                attendance: i.overall_attendance().into(),
                attendance_by_session: i
                    .attendance
                    .keys()
                    .filter_map(|s| {
                        i.attendance_rate(*s).map(|share| SessionAttendance {
                            session_id: id(*s),
                            share: share.into(),
                        })
                    })
                    .collect(),
                sessions_convened: i.sessions_convened,
                second_convocations: i.second_convocations,
                quorum_reached: i.quorum_reached,
                quorum_failed: i.quorum_failed,
                unsigned_minutes: i.unsigned_minutes(),
                adopted_unsigned_minutes: i.adopted_unsigned_minutes(),
            }
        }))
    }
}
