//! What a viewer may see and act on: everything, or one region for an
//! account limited to it (a regional coordination). Each page asks its
//! viewer's scope about every member, commune, body and session it shows
//! or records for.

use registre_projections::ReadModels;
use registre_projections::sessions::SessionRecord;
use registre_schema::events::territory::TerritorialUnitKey;
use uuid::Uuid;

/// The region an account is limited to (its code), or none.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a>(pub Option<&'a str>);

impl Scope<'_> {
    pub fn is_whole(&self) -> bool {
        self.0.is_none()
    }

    /// Whether a territorial unit lies within the scope: the region
    /// where it stands now, in the latest edition of the territory.
    pub fn unit(&self, m: &ReadModels, unit: &TerritorialUnitKey) -> bool {
        match self.0 {
            None => true,
            Some(region) => m.membership.region_now(unit) == Some(region),
        }
    }

    /// Whether a member's commune lies within the scope.
    pub fn member(&self, m: &ReadModels, id: Uuid) -> bool {
        self.is_whole()
            || m.membership
                .member(id)
                .is_some_and(|r| self.unit(m, &r.unit))
    }

    /// The session, if it exists and its body works within the scope.
    pub fn session<'m>(&self, m: &'m ReadModels, id: Uuid) -> Option<&'m SessionRecord> {
        m.sessions.session(id).filter(|s| self.body(m, s.body_id))
    }

    /// The bodies within the scope, by name: each one's id and name (what
    /// a form's list of bodies offers).
    pub fn bodies(&self, m: &ReadModels) -> Vec<(String, String)> {
        let mut found: Vec<_> = m
            .bodies
            .bodies
            .values()
            .filter(|b| self.body(m, b.body_id))
            .map(|b| (b.body_id.to_string(), b.name.clone()))
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1));
        found
    }

    /// Whether a body works within the scope: a national body is outside
    /// every region; a regional or cercle body is within its unit's region.
    pub fn body(&self, m: &ReadModels, id: Uuid) -> bool {
        self.is_whole()
            || m.bodies
                .body(id)
                .and_then(|b| b.territorial_unit.as_ref())
                .is_some_and(|u| self.unit(m, u))
    }
}
