//! Changes to the registers, live: after the read models have applied an
//! event, which registers it changed and which entities to read again.
//! For every role that reads the read models (dashboards refresh from it).
//!
//! The feed is the raw log's (`events::feed`: backlog from a position,
//! then live, no gap), so a dashboard that read the registers at position
//! P and subscribes from P + 1 misses no change. Each change is sent only
//! once the read models include its event: a query sent on receipt sees
//! it.

use async_graphql::{Context, Enum, SimpleObject, Subscription};
use futures::stream::{Stream, StreamExt};
use registre_projections::audit_timeline::{EntityKey, EntityKind};
use registre_schema::{DomainEvent, RecordedEvent};
use uuid::Uuid;

use super::errors::ApiError;
use super::events::feed;
use super::guard::{Policy, RootKind};
use super::read_models::applied;
use super::schema::app;

/// A register of the read models.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Register {
    /// `members`, `member`, `memberCounts`.
    Membership,
    /// `dues` (payments, schedules, and what judges good standing:
    /// members' status and the statutes).
    Dues,
    /// `sessions`, `session`.
    Sessions,
    /// `resolutions`, `motion`.
    Resolutions,
    /// `bodies`, `body`.
    Bodies,
    /// `minutesRegister`, `minutes`.
    Minutes,
}

/// What one event changed in the registers.
#[derive(SimpleObject)]
pub struct RegisterChange {
    /// Position of the event: the read models include it when this is sent.
    pub position: u64,
    pub event_type: String,
    /// The registers it changed (among those subscribed to).
    pub registers: Vec<Register>,
    /// The entities to read again, as `kind:uuid` (`member:…`,
    /// `session:…`, `motion:…`, `body:…`, `post:…`, `mandate:…`,
    /// `minutes:…`, `correction:…`, or `stream:…` for a stream without an
    /// entity id such as the statutes or the dues schedules).
    pub entity_ids: Vec<String>,
}

/// The registers an event changes and the entities it is about.
fn change_of(e: &RecordedEvent) -> Option<(Vec<Register>, Vec<EntityKey>)> {
    use DomainEvent as E;
    use EntityKind as K;
    use Register as R;
    if !DomainEvent::is_domain_type(&e.event_type) {
        return None;
    }
    let event = DomainEvent::decode_ref(&e.event_type, e.schema_version, &e.payload).ok()?;
    let mut keys = vec![EntityKey::of_stream(e.stream_id.as_str())];
    let mut add = |k, id: Uuid| keys.push(EntityKey::new(k, id));
    let registers = match &event {
        E::TerritorialUnitRegistered(_) | E::TerritorialUnitsReorganised(_) => vec![R::Membership],
        E::CommuneAdmitted(_) | E::MemberSuspended(_) | E::MemberReinstated(_) => {
            vec![R::Membership, R::Dues]
        }
        // A commune that leaves ends its mandates.
        E::MemberExcluded(_) | E::MemberWithdrew(_) => vec![R::Membership, R::Dues, R::Bodies],
        E::MemberContactsRecorded(_) => vec![R::Membership],
        E::MembershipSucceeded(x) => {
            add(K::Member, x.predecessor_member_id);
            add(K::Member, x.successor_member_id);
            vec![R::Membership, R::Dues, R::Bodies]
        }
        // A member's record shows its dues and good standing, which these
        // change: membership readers must re-read too.
        E::DuesScheduleSet(_)
        | E::DuesPaid(_)
        | E::DuesPaymentReversed(_)
        | E::StatutesAdopted(_)
        | E::StatutesAmended(_) => vec![R::Dues, R::Membership],
        E::BodyEstablished(_) | E::StatutoryBodyNamed(_) => vec![R::Bodies],
        E::PostDefined(x) => {
            add(K::Post, x.post_id);
            vec![R::Bodies]
        }
        E::SessionConvened(x) => {
            add(K::Body, x.body_id);
            vec![R::Sessions]
        }
        E::AttendanceRecorded(x) => {
            add(K::Member, x.member_id);
            vec![R::Sessions]
        }
        E::ProxyRegistered(x) => {
            add(K::Member, x.grantor_member_id);
            add(K::Member, x.holder_member_id);
            vec![R::Sessions]
        }
        E::QuorumReached(_)
        | E::QuorumFailed(_)
        | E::SessionOpened(_)
        | E::SessionClosed(_)
        | E::SessionAdjourned(_) => vec![R::Sessions],
        E::MotionTabled(x) => {
            add(K::Motion, x.motion_id);
            vec![R::Resolutions, R::Sessions]
        }
        E::VoteRecorded(x) => {
            add(K::Motion, x.motion_id);
            add(K::Member, x.member_id);
            vec![R::Resolutions, R::Sessions]
        }
        E::MotionAdopted(x) => {
            add(K::Motion, x.motion_id);
            vec![R::Resolutions, R::Sessions]
        }
        E::MotionRejected(x) => {
            add(K::Motion, x.motion_id);
            vec![R::Resolutions, R::Sessions]
        }
        E::OfficerElected(x) => {
            add(K::Post, x.post_id);
            add(K::Mandate, x.mandate_id);
            add(K::Member, x.member_id);
            vec![R::Bodies]
        }
        E::MandateStarted(x) => {
            add(K::Post, x.post_id);
            add(K::Mandate, x.mandate_id);
            vec![R::Bodies]
        }
        E::MandateEnded(x) => {
            add(K::Post, x.post_id);
            add(K::Mandate, x.mandate_id);
            vec![R::Bodies]
        }
        E::ElectionOpened(x) => {
            add(K::Post, x.post_id);
            add(K::Session, x.session_id);
            vec![R::Bodies, R::Sessions]
        }
        E::CandidacyFiled(x) => {
            add(K::Member, x.member_id);
            vec![R::Bodies]
        }
        E::ElectionRoundCounted(x) => {
            x.votes.iter().for_each(|c| add(K::Member, c.member_id));
            vec![R::Bodies, R::Sessions]
        }
        E::MinutesDrafted(x) => {
            add(K::Session, x.session_id);
            vec![R::Minutes, R::Sessions]
        }
        E::MinutesAdopted(x) => {
            add(K::Session, x.adopted_in_session_id);
            vec![R::Minutes, R::Sessions]
        }
        E::MinutesSigned(_) => vec![R::Minutes, R::Sessions],
        E::RecordCorrected(x) => {
            let corrected = EntityKey::of_stream(&x.corrected_stream_id);
            keys.push(corrected);
            // A correction shows on the record of the stream it corrects.
            match corrected.kind {
                K::Member => vec![R::Membership],
                K::Body => vec![R::Bodies],
                K::Session => vec![R::Sessions, R::Resolutions],
                K::Minutes => vec![R::Minutes],
                _ => vec![R::Dues],
            }
        }
    };
    keys.sort();
    keys.dedup();
    Some((registers, keys))
}

/// Live changes to the registers.
#[derive(Default)]
pub struct RegisterSubscription;

#[Subscription(guard = "Policy(RootKind::Subscription)")]
impl RegisterSubscription {
    /// What each event from position `from` on changed in the registers
    /// (the backlog), then each new change as the read models apply it,
    /// with no gap and no repeat. Without `from`, only changes committed
    /// after the subscription started; without `registers`, changes to
    /// any register. Events that change none of them (access tokens) are
    /// not sent. Ends when the caller's token is revoked.
    async fn register_changed(
        &self,
        ctx: &Context<'_>,
        registers: Option<Vec<Register>>,
        from: Option<u64>,
    ) -> Result<impl Stream<Item = Result<RegisterChange, ApiError>> + use<>, ApiError> {
        if registers
            .as_ref()
            .is_some_and(|r| r.is_empty() || r.len() > 16)
        {
            return Err(ApiError::bad_input(
                "registers : au moins un registre, seize au plus.",
                "registers: at least one register, at most sixteen.",
            ));
        }
        let models = app(ctx)
            .read_models()
            .cloned()
            .ok_or_else(|| ApiError::Internal("read models are not served here".into()))?;
        let feed = feed(ctx, from).await?.filter_map(move |item| {
            let (models, wanted) = (models.clone(), registers.clone());
            async move {
                let e = match item {
                    Ok(e) => e,
                    Err(err) => return Some(Err(err)),
                };
                let (mut changed, keys) = change_of(&e)?;
                if let Some(wanted) = &wanted {
                    changed.retain(|r| wanted.contains(r));
                }
                if changed.is_empty() {
                    return None;
                }
                if let Err(err) = applied(&models, e.position).await {
                    return Some(Err(err));
                }
                Some(Ok(RegisterChange {
                    position: e.position,
                    event_type: e.event_type,
                    registers: changed,
                    entity_ids: keys.iter().map(ToString::to_string).collect(),
                }))
            }
        });
        Ok(feed)
    }
}
