//! Roles: what each may do, and the guard every root field goes through.
//!
//! Architecture invariant: each root field's permission is stated once, in
//! [`POLICY`]. Every root object carries `#[Object(guard = "Policy(…)")]`
//! (`#[Subscription(…)]`), which looks the field up there; a field missing
//! from the table is refused to everyone. A test fails when a field of the
//! schema is missing from the table, and the integration tests walk the
//! table for every role.
//!
//! Mutations also need the caller's [`Actor`] to record in their events; the
//! only way to get it is [`authorize_field`], which checks the field's
//! permission first, so a mutation cannot append anything its line in the
//! table does not allow.

use async_graphql::{Context, Guard};
use registre_schema::{Actor, Role};

use super::errors::ApiError;
use crate::auth::Principal;

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Raw events, streams and history: the secretariat and auditors.
    ReadEvents,
    /// Read models: every role.
    ReadModels,
    /// Commands: the secretariat only.
    Mutate,
}

impl Permission {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Permission::ReadEvents => matches!(role, Role::Secretariat | Role::Auditor),
            Permission::ReadModels => {
                matches!(role, Role::Secretariat | Role::Auditor | Role::Dashboard)
            }
            Permission::Mutate => matches!(role, Role::Secretariat),
        }
    }
}

/// Kind of root operation a field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    Query,
    Mutation,
    Subscription,
}

/// The permission of every root field. Add a line with each new field.
pub const POLICY: &[(RootKind, &str, Permission)] = &[
    (RootKind::Query, "head", Permission::ReadEvents),
    (RootKind::Query, "events", Permission::ReadEvents),
    (RootKind::Query, "event", Permission::ReadEvents),
    (RootKind::Query, "stream", Permission::ReadEvents),
    (RootKind::Query, "treeHead", Permission::ReadEvents),
    (RootKind::Query, "publicKey", Permission::ReadEvents),
    (RootKind::Query, "inclusionProof", Permission::ReadEvents),
    (RootKind::Query, "consistencyProof", Permission::ReadEvents),
    (RootKind::Query, "asOf", Permission::ReadModels),
    (RootKind::Query, "diff", Permission::ReadModels),
    (RootKind::Subscription, "events", Permission::ReadEvents),
    (
        RootKind::Subscription,
        "registerChanged",
        Permission::ReadModels,
    ),
    (RootKind::Query, "members", Permission::ReadModels),
    (RootKind::Query, "member", Permission::ReadModels),
    (RootKind::Query, "memberByCode", Permission::ReadModels),
    (RootKind::Query, "memberCounts", Permission::ReadModels),
    (RootKind::Query, "dues", Permission::ReadModels),
    (
        RootKind::Query,
        "membersDueForSuspension",
        Permission::ReadModels,
    ),
    (RootKind::Query, "statutes", Permission::ReadModels),
    (RootKind::Query, "statutesVersions", Permission::ReadModels),
    (RootKind::Query, "sessions", Permission::ReadModels),
    (RootKind::Query, "session", Permission::ReadModels),
    (RootKind::Query, "resolutions", Permission::ReadModels),
    (RootKind::Query, "motion", Permission::ReadModels),
    (RootKind::Query, "bodies", Permission::ReadModels),
    (RootKind::Query, "statutoryMeetings", Permission::ReadModels),
    (RootKind::Query, "body", Permission::ReadModels),
    (RootKind::Query, "minutesRegister", Permission::ReadModels),
    (RootKind::Query, "minutes", Permission::ReadModels),
    (RootKind::Query, "indicators", Permission::ReadModels),
    (RootKind::Query, "history", Permission::ReadEvents),
    (RootKind::Query, "latestEvents", Permission::ReadModels),
    (RootKind::Mutation, "admitCommune", Permission::Mutate),
    (RootKind::Mutation, "suspendMember", Permission::Mutate),
    (RootKind::Mutation, "reinstateMember", Permission::Mutate),
    (RootKind::Mutation, "withdrawMember", Permission::Mutate),
    (RootKind::Mutation, "excludeMember", Permission::Mutate),
    (RootKind::Mutation, "recordSuccession", Permission::Mutate),
    (RootKind::Mutation, "recordPayment", Permission::Mutate),
    (RootKind::Mutation, "reversePayment", Permission::Mutate),
    (RootKind::Mutation, "recordContacts", Permission::Mutate),
    (RootKind::Mutation, "setDuesSchedule", Permission::Mutate),
    (RootKind::Mutation, "adoptStatutes", Permission::Mutate),
    (RootKind::Mutation, "amendStatutes", Permission::Mutate),
    (RootKind::Mutation, "nameStatutoryBody", Permission::Mutate),
    (RootKind::Mutation, "establishBody", Permission::Mutate),
    (RootKind::Mutation, "definePost", Permission::Mutate),
    (RootKind::Mutation, "electOfficer", Permission::Mutate),
    (RootKind::Mutation, "openElection", Permission::Mutate),
    (
        RootKind::Mutation,
        "recordReorganisation",
        Permission::Mutate,
    ),
    (RootKind::Mutation, "fileCandidacy", Permission::Mutate),
    (RootKind::Mutation, "countElectionRound", Permission::Mutate),
    (RootKind::Mutation, "endMandate", Permission::Mutate),
    (RootKind::Mutation, "conveneSession", Permission::Mutate),
    (RootKind::Mutation, "recordAttendance", Permission::Mutate),
    (RootKind::Mutation, "registerProxy", Permission::Mutate),
    (RootKind::Mutation, "openSession", Permission::Mutate),
    (RootKind::Mutation, "tableMotion", Permission::Mutate),
    (RootKind::Mutation, "recordVote", Permission::Mutate),
    (RootKind::Mutation, "closeVote", Permission::Mutate),
    (RootKind::Mutation, "closeSession", Permission::Mutate),
    (RootKind::Mutation, "adjournSession", Permission::Mutate),
    (RootKind::Mutation, "draftMinutes", Permission::Mutate),
    (RootKind::Mutation, "adoptMinutes", Permission::Mutate),
    (RootKind::Mutation, "signMinutes", Permission::Mutate),
    (RootKind::Mutation, "correctRecord", Permission::Mutate),
];

/// The authenticated caller of a request or websocket connection, put in
/// the request's data by the transports.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// Checks that the caller may do what `permission` covers, and returns the
/// actor to record.
pub fn authorize(ctx: &Context<'_>, permission: Permission) -> Result<Actor, ApiError> {
    let Some(Caller(principal)) = ctx.data_opt::<Caller>() else {
        return Err(ApiError::Unauthenticated);
    };
    if !permission.allows(principal.role) {
        return Err(ApiError::Forbidden {
            role: principal.role,
        });
    }
    Ok(principal.actor())
}

/// The permission [`POLICY`] gives a root field, if it lists it.
pub fn permission(kind: RootKind, field: &str) -> Option<Permission> {
    POLICY
        .iter()
        .find(|(k, f, _)| *k == kind && *f == field)
        .map(|(_, _, p)| *p)
}

/// Checks the permission [`POLICY`] gives the field being resolved (by its
/// name, not its alias), and returns the actor to record. A root field
/// with no line in the table is refused.
pub fn authorize_field(ctx: &Context<'_>, kind: RootKind) -> Result<Actor, ApiError> {
    let field = ctx.field();
    match permission(kind, field.name()) {
        Some(p) => authorize(ctx, p),
        None => {
            tracing::error!(
                field = field.name(),
                ?kind,
                "a root field has no permission"
            );
            Err(ApiError::Internal(format!(
                "{kind:?} {} has no line in POLICY",
                field.name()
            )))
        }
    }
}

/// The guard of every root object: `#[Object(guard = "Policy(RootKind::Query)")]`.
pub struct Policy(pub RootKind);

impl Guard for Policy {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        authorize_field(ctx, self.0).map(|_| ()).map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_get_what_the_brief_says() {
        use Permission::*;
        use Role::*;
        let table = [
            (Secretariat, [true, true, true]),
            (Auditor, [true, true, false]),
            (Dashboard, [false, true, false]),
            // No token carries the system role; it may do nothing over HTTP.
            (System, [false, false, false]),
        ];
        for (role, expected) in table {
            let got = [ReadEvents, ReadModels, Mutate].map(|p| p.allows(role));
            assert_eq!(got, expected, "{role}");
        }
    }

    #[test]
    fn a_field_gets_the_permission_of_its_line_and_of_its_kind_only() {
        assert_eq!(
            permission(RootKind::Mutation, "admitCommune"),
            Some(Permission::Mutate)
        );
        assert_eq!(
            permission(RootKind::Subscription, "events"),
            Some(Permission::ReadEvents)
        );
        // A field is looked up under its own kind: no line, no access.
        assert_eq!(permission(RootKind::Query, "admitCommune"), None);
        assert_eq!(permission(RootKind::Mutation, "unknownField"), None);
    }
}
