//! Stream names: one stream per consistency boundary.
//!
//! Architecture invariant: each invariant is checked inside one stream,
//! because the store offers optimistic concurrency per stream only.
//! - one commune = one member stream whose id derives from its territorial
//!   key, so two racing admissions collide on one stream;
//! - a body's posts and holders share the body's stream (seat limits);
//! - a session's attendance, proxies, motions and votes share the session's
//!   stream (one vote per eligible member).

use registre_schema::events::TerritorialUnitKey;
use uuid::Uuid;

/// Namespace of member ids derived from territorial keys.
pub const MEMBER_NAMESPACE: Uuid = Uuid::from_u128(0x6d2f_1c8e_4b7a_5e21_9a3c_0f4d_8b6e_2a10);

/// The member id of a commune: the same key always gives the same id.
pub fn member_id_for(unit: &TerritorialUnitKey) -> Uuid {
    let name = format!("{}/{}/{}", unit.scheme, unit.edition, unit.code);
    Uuid::new_v5(&MEMBER_NAMESPACE, name.as_bytes())
}

pub fn territory(scheme: &str, edition: &str) -> String {
    format!("territory-{scheme}-{edition}")
}
pub fn member(member_id: Uuid) -> String {
    format!("member-{member_id}")
}
pub const DUES_SCHEDULE: &str = "dues-schedule";
pub const STATUTES: &str = "statutes";
pub fn body(body_id: Uuid) -> String {
    format!("body-{body_id}")
}
pub fn session(session_id: Uuid) -> String {
    format!("session-{session_id}")
}
pub fn minutes(minutes_id: Uuid) -> String {
    format!("minutes-{minutes_id}")
}
pub fn correction(correction_id: Uuid) -> String {
    format!("correction-{correction_id}")
}
