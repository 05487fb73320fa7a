//! The registers as they stood at a past point (`asOf`) and what changed
//! between two dates (`diff`). Every role that reads the read models may
//! ask; the answers are folds of the log up to the point (see
//! `projection::as_of`), so they equal `registre replay --as-of`.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use chrono::{NaiveDate, Utc};
use registre_projections::ReadModels;
use registre_projections::membership::{MemberFilter, MemberStatus};
use registre_projections::resolutions::{MotionResult, ResolutionFilter};
use registre_schema::Position;

use super::errors::ApiError;
use super::guard::{Policy, RootKind};
use super::read_models::AsOf;
use super::schema::app;
use crate::application::AsOfService;
use crate::application::{AsOfDate, AsOfError};

/// Most rows one list returns.
pub const MAX_FIRST: usize = 500;
/// Rows returned when `first` is not given.
pub const DEFAULT_FIRST: usize = 100;
/// Longest date argument accepted.
const MAX_DATE_LEN: usize = 64;

fn service<'a>(ctx: &Context<'a>) -> Result<&'a AsOfService, ApiError> {
    app(ctx)
        .past_states()
        .ok_or_else(|| ApiError::Internal("no as-of service in this server".into()))
}

fn as_of_error(e: AsOfError) -> ApiError {
    match e {
        AsOfError::BeyondHead { asked, head } => ApiError::bad_input(
            format!("La position {asked} est au-delà de la fin du journal ({head})."),
            format!("Position {asked} is beyond the end of the log ({head})."),
        ),
        other => ApiError::Internal(other.to_string()),
    }
}

fn parse_date(s: &str) -> Result<AsOfDate, ApiError> {
    if s.len() > MAX_DATE_LEN {
        return Err(ApiError::bad_input("Date trop longue.", "Date too long."));
    }
    AsOfDate::parse(s).map_err(|_| {
        ApiError::bad_input(
            format!("« {s} » n'est pas une date (AAAA-MM-JJ) ou une date-heure RFC 3339."),
            format!("\"{s}\" is not a date (YYYY-MM-DD) or an RFC 3339 date-time."),
        )
    })
}

fn check_first(first: Option<usize>) -> Result<usize, ApiError> {
    let first = first.unwrap_or(DEFAULT_FIRST);
    if first == 0 || first > MAX_FIRST {
        return Err(ApiError::bad_input(
            format!("first doit être compris entre 1 et {MAX_FIRST}."),
            format!("first must be between 1 and {MAX_FIRST}."),
        ));
    }
    Ok(first)
}

fn parse_status(s: &str) -> Result<MemberStatus, ApiError> {
    Ok(match s {
        "active" => MemberStatus::Active,
        "suspended" => MemberStatus::Suspended,
        "excluded" => MemberStatus::Excluded,
        "withdrawn" => MemberStatus::Withdrawn,
        "succeeded" => MemberStatus::Succeeded,
        _ => {
            return Err(ApiError::bad_input(
                "status : active, suspended, excluded, withdrawn ou succeeded.",
                "status: active, suspended, excluded, withdrawn or succeeded.",
            ));
        }
    })
}

/// The day a point of the log stands for: the day asked, or the day the
/// event at the position was recorded (today for an empty log).
fn day_of(date: Option<AsOfDate>) -> Option<NaiveDate> {
    date.map(|d| match d {
        AsOfDate::Before(next) => next.date_naive().pred_opt().unwrap_or(next.date_naive()),
        AsOfDate::AtOrBefore(t) => t.date_naive(),
    })
}

async fn resolve(
    ctx: &Context<'_>,
    position: Option<u64>,
    date: Option<String>,
) -> Result<(Position, NaiveDate, Arc<ReadModels>), ApiError> {
    let svc = service(ctx)?;
    let (position, date) = match (position, date) {
        (Some(p), None) => (p, None),
        (None, Some(d)) => {
            let d = parse_date(&d)?;
            (svc.position_at(d).await.map_err(as_of_error)?, Some(d))
        }
        _ => {
            return Err(ApiError::bad_input(
                "Donnez soit position, soit date.",
                "Give either position or date.",
            ));
        }
    };
    let models = svc.at(position).await.map_err(as_of_error)?;
    let day = match day_of(date) {
        Some(d) => d,
        None => match app(ctx).log().event(position).await? {
            Some(e) => e.recorded_at.date_naive(),
            None => Utc::now().date_naive(),
        },
    };
    Ok((position, day, models))
}

/// The registers at a point given as an `asOf` argument.
pub(crate) async fn resolve_point(
    ctx: &Context<'_>,
    point: AsOf,
) -> Result<(Position, NaiveDate, Arc<ReadModels>), ApiError> {
    match point {
        AsOf::Position(p) => resolve(ctx, Some(p), None).await,
        AsOf::Date(d) => resolve(ctx, None, Some(d)).await,
        AsOf::InForceOn(day) => {
            let (position, models) = service(ctx)?.in_force_on(day).await.map_err(as_of_error)?;
            Ok((position, day, models))
        }
    }
}

/// Members in one status.
#[derive(SimpleObject)]
pub struct AsOfStatusCount {
    pub status: String,
    pub count: u32,
}

/// A member commune as it stood.
#[derive(SimpleObject)]
pub struct AsOfMember {
    pub member_id: String,
    pub name: String,
    pub unit_code: String,
    pub status: String,
    pub member_since: NaiveDate,
}

/// A member's dues for one year as they stood.
#[derive(SimpleObject)]
pub struct AsOfDuesPosition {
    pub member_id: String,
    pub year: i32,
    pub due: i64,
    pub paid: i64,
    pub balance: i64,
    pub in_arrears: bool,
}

/// A motion and its outcome as they stood.
#[derive(SimpleObject)]
pub struct AsOfResolution {
    pub motion_id: String,
    pub session_date: Option<NaiveDate>,
    pub title: String,
    pub result: String,
    pub votes_for: u32,
    pub votes_against: u32,
    pub abstentions: u32,
}

fn result_str(r: MotionResult) -> &'static str {
    match r {
        MotionResult::Pending => "pending",
        MotionResult::Adopted => "adopted",
        MotionResult::Rejected => "rejected",
    }
}

/// A read model's digest, as `registre replay` prints it.
#[derive(SimpleObject)]
pub struct AsOfDigest {
    pub model: String,
    pub digest: String,
}

/// The registers at one point of the log.
pub struct AsOfView {
    position: Position,
    day: NaiveDate,
    models: Arc<ReadModels>,
}

#[Object]
impl AsOfView {
    /// The last event included.
    async fn position(&self) -> u64 {
        self.position
    }
    /// The day this state stands for (dues are judged on it).
    async fn date(&self) -> NaiveDate {
        self.day
    }
    /// Every read model's digest at this point: compare with
    /// `registre replay --to POSITION` on a copy of the log.
    async fn digests(&self) -> Vec<AsOfDigest> {
        self.models
            .digests()
            .into_iter()
            .map(|(model, digest)| AsOfDigest {
                model: model.to_owned(),
                digest,
            })
            .collect()
    }
    /// Members in the register, by status.
    async fn member_counts(&self) -> Vec<AsOfStatusCount> {
        let counts = self.models.membership.counts(&MemberFilter::default());
        counts
            .by_status
            .into_iter()
            .map(|(s, count)| AsOfStatusCount {
                status: s.as_str().to_owned(),
                count,
            })
            .collect()
    }
    /// Members in the register (optionally of one status), by id.
    #[graphql(
        complexity = "child_complexity * (1 + first.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST) / 50)"
    )]
    async fn members(
        &self,
        status: Option<String>,
        first: Option<usize>,
    ) -> Result<Vec<AsOfMember>, ApiError> {
        let first = check_first(first)?;
        let filter = MemberFilter {
            status: status.as_deref().map(parse_status).transpose()?,
            ..MemberFilter::default()
        };
        Ok(self
            .models
            .membership
            .members(&filter)
            .into_iter()
            .take(first)
            .map(|m| AsOfMember {
                member_id: m.member_id.to_string(),
                name: m.name.clone(),
                unit_code: m.unit.code.clone(),
                status: m.status.as_str().to_owned(),
                member_since: m.member_since,
            })
            .collect())
    }
    /// Dues positions for `year`, judged on this state's day.
    #[graphql(
        complexity = "child_complexity * (1 + first.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST) / 50)"
    )]
    async fn dues_positions(
        &self,
        year: i32,
        first: Option<usize>,
    ) -> Result<Vec<AsOfDuesPosition>, ApiError> {
        let first = check_first(first)?;
        Ok(self
            .models
            .dues
            .positions_for_year(year, self.day)
            .into_iter()
            .take(first)
            .map(|p| AsOfDuesPosition {
                member_id: p.member_id.to_string(),
                year: p.year,
                due: p.due,
                paid: p.paid,
                balance: p.balance,
                in_arrears: p.in_arrears,
            })
            .collect())
    }
    /// Motions and their outcomes.
    #[graphql(
        complexity = "child_complexity * (1 + first.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST) / 50)"
    )]
    async fn resolutions(&self, first: Option<usize>) -> Result<Vec<AsOfResolution>, ApiError> {
        let first = check_first(first)?;
        Ok(self
            .models
            .resolutions
            .list(&ResolutionFilter::default())
            .into_iter()
            .take(first)
            .map(|r| AsOfResolution {
                motion_id: r.motion_id.to_string(),
                session_date: r.session_date,
                title: r.title.clone(),
                result: result_str(r.result).to_owned(),
                votes_for: r.votes_for,
                votes_against: r.votes_against,
                abstentions: r.abstentions,
            })
            .collect())
    }
}

/// A member whose standing changed (`before` null: it joined the
/// register in between).
#[derive(SimpleObject)]
pub struct MemberDiff {
    pub member_id: String,
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A motion tabled or decided in between.
#[derive(SimpleObject)]
pub struct ResolutionDiff {
    pub motion_id: String,
    pub title: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What changed in the membership register and the resolutions between
/// two points.
#[derive(SimpleObject)]
pub struct RegisterDiff {
    pub from_position: u64,
    pub to_position: u64,
    /// All changed members (the list may be cut at `first`).
    pub member_changes: u32,
    pub members: Vec<MemberDiff>,
    pub resolution_changes: u32,
    pub resolutions: Vec<ResolutionDiff>,
}

fn register_diff(a: &ReadModels, b: &ReadModels) -> (Vec<MemberDiff>, Vec<ResolutionDiff>) {
    let before_of = |id: &uuid::Uuid| a.membership.members.get(id).map(|m| m.status);
    let mut members: Vec<MemberDiff> = b
        .membership
        .members
        .iter()
        .filter(|(id, m)| before_of(id) != Some(m.status))
        .map(|(id, m)| MemberDiff {
            member_id: id.to_string(),
            name: m.name.clone(),
            before: before_of(id).map(|s| s.as_str().to_owned()),
            after: Some(m.status.as_str().to_owned()),
        })
        .collect();
    // The log never removes a member, but a diff must not hide it if a
    // correction ever did.
    members.extend(
        a.membership
            .members
            .iter()
            .filter(|(id, _)| !b.membership.members.contains_key(*id))
            .map(|(id, m)| MemberDiff {
                member_id: id.to_string(),
                name: m.name.clone(),
                before: Some(m.status.as_str().to_owned()),
                after: None,
            }),
    );
    let was = |id: &uuid::Uuid| a.resolutions.motions.get(id).map(|r| r.result);
    let resolutions = b
        .resolutions
        .motions
        .iter()
        .filter(|(id, r)| was(id) != Some(r.result))
        .map(|(id, r)| ResolutionDiff {
            motion_id: id.to_string(),
            title: r.title.clone(),
            before: was(id).map(|x| result_str(x).to_owned()),
            after: Some(result_str(r.result).to_owned()),
        })
        .collect();
    (members, resolutions)
}

/// As-of queries.
#[derive(Default)]
pub struct AsOfQuery;

#[Object(guard = "Policy(RootKind::Query)")]
impl AsOfQuery {
    /// The registers after the event at `position`, or as they stood at
    /// the end of `date` (YYYY-MM-DD, UTC) or at an RFC 3339 instant.
    /// Give one of the two.
    #[graphql(complexity = "10 + child_complexity")]
    async fn as_of(
        &self,
        ctx: &Context<'_>,
        position: Option<u64>,
        date: Option<String>,
    ) -> Result<AsOfView, ApiError> {
        let (position, day, models) = resolve(ctx, position, date).await?;
        Ok(AsOfView {
            position,
            day,
            models,
        })
    }

    /// What changed in the membership register and the resolutions from
    /// the end of `from` to the end of `to` (dates or RFC 3339 instants).
    #[graphql(
        complexity = "20 + child_complexity * (1 + first.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST) / 50)"
    )]
    async fn diff(
        &self,
        ctx: &Context<'_>,
        from: String,
        to: String,
        first: Option<usize>,
    ) -> Result<RegisterDiff, ApiError> {
        let first = check_first(first)?;
        let (from_position, _, a) = resolve(ctx, None, Some(from)).await?;
        let (to_position, _, b) = resolve(ctx, None, Some(to)).await?;
        if from_position > to_position {
            return Err(ApiError::bad_input(
                "from doit précéder ou égaler to.",
                "from must come before or equal to.",
            ));
        }
        let (mut members, mut resolutions) = register_diff(&a, &b);
        let (member_changes, resolution_changes) = (members.len() as u32, resolutions.len() as u32);
        members.truncate(first);
        resolutions.truncate(first);
        Ok(RegisterDiff {
            from_position,
            to_position,
            member_changes,
            members,
            resolution_changes,
            resolutions,
        })
    }
}
