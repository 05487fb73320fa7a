//! The registers in the Popolo data model (popoloproject.com): the
//! association, its bodies and its member communes as organizations;
//! communes' memberships of the association and office holders'
//! memberships of bodies; posts; motions; vote events with counts.
//!
//! Ids are registre's UUIDs (members, bodies, posts, motions) so records
//! can be matched with the log; office holders are persons named by
//! their mandate (registre records holders by name, not as persons).

use registre_projections::ReadModels;
use registre_projections::membership::MemberStatus;
use registre_projections::resolutions::{MotionResult, ResolutionFilter};
use serde_json::{Value, json};

use super::name_of;

/// Id of the association's own organization.
pub const ASSOCIATION_ID: &str = "association";

/// The Popolo document of `models`, named `association_name`.
pub fn document(models: &ReadModels, association_name: &str) -> Value {
    let mut organizations = vec![json!({
        "id": ASSOCIATION_ID,
        "name": association_name,
        "classification": "association",
    })];
    for b in models.bodies.bodies.values() {
        organizations.push(json!({
            "id": b.body_id.to_string(),
            "name": b.name,
            "classification": name_of(&b.kind),
            "parent_id": b.parent_body_id.map(|p| p.to_string())
                .unwrap_or_else(|| ASSOCIATION_ID.to_owned()),
            "area_id": b.territorial_unit.as_ref().map(|u| u.code.clone()),
        }));
    }
    let mut memberships = Vec::new();
    for m in models.membership.members.values() {
        organizations.push(json!({
            "id": m.member_id.to_string(),
            "name": m.name,
            "classification": "commune",
            "area_id": m.unit.code,
        }));
        // A membership ends with the last step of a member no longer in.
        let ended = (!matches!(m.status, MemberStatus::Active | MemberStatus::Suspended))
            .then(|| m.history.last().map(|h| h.effective_on.to_string()))
            .flatten();
        memberships.push(json!({
            "id": format!("membership-{}", m.member_id),
            "member": { "@type": "Organization", "id": m.member_id.to_string() },
            "organization_id": ASSOCIATION_ID,
            "role": "membre",
            "start_date": m.member_since.to_string(),
            "end_date": ended,
        }));
    }
    let mut posts = Vec::new();
    let mut persons = Vec::new();
    for b in models.bodies.bodies.values() {
        for p in b.posts.values() {
            posts.push(json!({
                "id": p.post_id.to_string(),
                "label": p.title,
                "organization_id": b.body_id.to_string(),
            }));
        }
        for m in &b.mandates {
            let person = format!("person-{}", m.mandate_id);
            persons.push(json!({ "id": person, "name": m.holder_name }));
            memberships.push(json!({
                "id": m.mandate_id.to_string(),
                "person_id": person,
                "organization_id": b.body_id.to_string(),
                "post_id": m.post_id.to_string(),
                "role": b.posts.get(&m.post_id).map(|p| p.title.clone()),
                "on_behalf_of_id": m.member_id.to_string(),
                "start_date": m.starts_on.map(|d| d.to_string()),
                "end_date": m.ended().or(m.term_ends_on).map(|d| d.to_string()),
            }));
        }
    }
    let mut motions = Vec::new();
    let mut vote_events = Vec::new();
    for r in models.resolutions.list(&ResolutionFilter::default()) {
        let organization = r.body_id.map(|b| b.to_string());
        let result = match r.result {
            MotionResult::Pending => None,
            MotionResult::Adopted => Some("pass"),
            MotionResult::Rejected => Some("fail"),
        };
        motions.push(json!({
            "id": r.motion_id.to_string(),
            "organization_id": organization,
            "legislative_session_id": r.session_id.to_string(),
            "classification": name_of(&r.kind),
            "text": r.title,
            "date": r.session_date.map(|d| d.to_string()),
            "result": result,
        }));
        if r.result != MotionResult::Pending || r.votes_for + r.votes_against + r.abstentions > 0 {
            vote_events.push(json!({
                "id": format!("vote-{}", r.motion_id),
                "motion_id": r.motion_id.to_string(),
                "organization_id": organization,
                "legislative_session_id": r.session_id.to_string(),
                "start_date": r.session_date.map(|d| d.to_string()),
                "result": result,
                "counts": [
                    { "option": "yes", "value": r.votes_for },
                    { "option": "no", "value": r.votes_against },
                    { "option": "abstain", "value": r.abstentions },
                ],
            }));
        }
    }
    json!({
        "organizations": organizations,
        "persons": persons,
        "memberships": memberships,
        "posts": posts,
        "motions": motions,
        "vote_events": vote_events,
    })
}
