//! Errors the API shows, and the masking of everything else.
//!
//! Architecture invariant: an error reaches a client with its own text
//! only if it carries a stable code in `extensions.code` (every
//! [`ApiError`] but `Internal` does). Any other error raised while
//! executing an operation (a store error, a `?` on a foreign error, a
//! panic-free bug) is replaced by [`MaskErrors`] with a generic message,
//! `extensions.code = "INTERNAL"` and the request id, and its text is
//! logged with that id for the operator.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextSubscribe,
};
use async_graphql::{ErrorExtensions, Response, ServerError};
use futures::StreamExt;
use futures::stream::BoxStream;
use registre_schema::Role;
use uuid::Uuid;

use super::translation::{ENGLISH, coercion};
use crate::application::StoreError;
use crate::health::Fault;
use crate::language::Message;

/// Identifies one HTTP request or one websocket connection in the logs and
/// in masked errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(pub Uuid);

impl RequestId {
    pub fn new() -> Self {
        RequestId(Uuid::now_v7())
    }
}

impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

/// What a resolver returns when it fails.
///
/// Every error with a code carries its message in French and in English;
/// the client's language picks one when the response is written
/// ([`super::translation`]). Domain errors carry the domain's stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// A rule of the domain refused the command.
    #[error("{message}")]
    Domain {
        code: &'static str,
        message: Message,
    },
    /// The caller's role does not allow this operation.
    #[error("Le rôle « {role} » ne permet pas cette opération.")]
    Forbidden { role: Role },
    /// No valid caller (should not happen behind the transports, which
    /// refuse unauthenticated requests first).
    #[error("Authentification requise.")]
    Unauthenticated,
    /// An argument is out of range or malformed.
    #[error("{0}")]
    BadInput(Message),
    /// No record has the id asked for.
    #[error("{0}")]
    NotFound(Message),
    /// The read models did not reach the position asked for in time.
    #[error("Les registres n'ont pas encore atteint la position {wanted} ; réessayez.")]
    Behind { wanted: u64 },
    /// Another writer changed the record first; the client may retry.
    #[error("L'enregistrement a été modifié entre-temps ; rechargez et réessayez.")]
    Conflict,
    /// The disk holding the log is full: nothing was written.
    #[error("Espace disque plein : la commande n'a pas été enregistrée.")]
    StorageFull,
    /// The store cannot be reached for now (connection lost): nothing was
    /// written; the same request may be sent again.
    #[error(
        "Le stockage des registres est momentanément indisponible ; rien n'a été enregistré, réessayez."
    )]
    StoreUnavailable,
    /// Anything else. Its text is logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The stable code in `extensions.code`; `None` for internal errors.
    pub fn code(&self) -> Option<&'static str> {
        Some(match self {
            ApiError::Domain { code, .. } => code,
            ApiError::Forbidden { .. } => "FORBIDDEN",
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::BadInput(_) => "BAD_USER_INPUT",
            ApiError::Conflict => "CONFLICT",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Behind { .. } => "READ_MODELS_BEHIND",
            ApiError::StorageFull => "STORAGE_FULL",
            ApiError::StoreUnavailable => "STORE_UNAVAILABLE",
            ApiError::Internal(_) => return None,
        })
    }
}

impl ApiError {
    /// An argument refused, said in both languages.
    pub fn bad_input(french: impl Into<String>, english: impl Into<String>) -> Self {
        ApiError::BadInput(Message::new(french, english))
    }

    /// The message in English (`Display` is French).
    pub fn english(&self) -> String {
        match self {
            ApiError::Domain { message, .. }
            | ApiError::BadInput(message)
            | ApiError::NotFound(message) => message.english.clone(),
            ApiError::Forbidden { role } => {
                format!("The role \"{role}\" does not allow this operation.")
            }
            ApiError::Unauthenticated => "Authentication required.".into(),
            ApiError::Behind { wanted } => {
                format!("The registers have not reached position {wanted} yet; retry.")
            }
            ApiError::Conflict => {
                "The record was changed in the meantime; reload and retry.".into()
            }
            ApiError::StorageFull => "The disk is full: the command was not recorded.".into(),
            ApiError::StoreUnavailable => {
                "The registers' store cannot be reached for now; nothing was recorded, retry."
                    .into()
            }
            ApiError::Internal(e) => e.clone(),
        }
    }
}

impl From<StoreError> for ApiError {
    /// A full disk and a lost store get their own codes (the client can
    /// tell the operator, or retry); other store errors stay internal.
    fn from(e: StoreError) -> Self {
        if let StoreError::WrongExpectedVersion { .. } = e {
            return ApiError::Conflict;
        }
        let api = match Fault::of_store(&e) {
            Some(Fault::StorageFull) => ApiError::StorageFull,
            Some(Fault::StoreUnavailable) => ApiError::StoreUnavailable,
            _ => return ApiError::Internal(e.to_string()),
        };
        // The client sees the code; the operator reads the cause here.
        tracing::warn!(error = %e, code = api.code(), "store fault");
        api
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let message = e.to_string();
        match e.code() {
            Some(code) => {
                let english = e.english();
                async_graphql::Error::new(message).extend_with(|_, x| {
                    x.set("code", code);
                    x.set(super::translation::ENGLISH, english);
                })
            }
            // No code: MaskErrors replaces it before it leaves the server.
            None => async_graphql::Error::new(message),
        }
    }
}

/// The generic message of a masked error.
pub fn internal_message(id: RequestId) -> Message {
    Message::new(
        format!(
            "Erreur interne. Communiquez l'identifiant de requête {} à l'administrateur.",
            id.0
        ),
        format!(
            "Internal error. Give the administrator the request id {}.",
            id.0
        ),
    )
}

fn has_code(e: &ServerError) -> bool {
    e.extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some())
}

fn mask(mut response: Response, id: RequestId) -> Response {
    for e in response.errors.iter_mut().filter(|e| !has_code(e)) {
        let field = match e.path.last() {
            Some(async_graphql::PathSegment::Field(f)) => Some(f.as_str()),
            _ => None,
        };
        if let Some(message) = coercion(&e.message, field) {
            tracing::info!(request_id = %id.0, path = ?e.path, error = %e.message, "argument refused");
            e.message = message.french;
            let ext = e.extensions.get_or_insert_with(Default::default);
            ext.set("code", "BAD_USER_INPUT");
            ext.set(ENGLISH, message.english);
            continue;
        }
        tracing::error!(request_id = %id.0, path = ?e.path, error = %e.message, "internal error");
        let message = internal_message(id);
        let mut masked = ServerError::new(message.french, None);
        masked.path = std::mem::take(&mut e.path);
        masked.locations = std::mem::take(&mut e.locations);
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", "INTERNAL");
        ext.set("requestId", id.0.to_string());
        ext.set(ENGLISH, message.english);
        masked.extensions = Some(ext);
        *e = masked;
    }
    response
}

/// The schema extension that masks errors without a code.
pub struct MaskErrors;

impl ExtensionFactory for MaskErrors {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MaskErrorsExtension)
    }
}

struct MaskErrorsExtension;

#[async_trait::async_trait]
impl Extension for MaskErrorsExtension {
    // Only execution is wrapped: parse and validation errors describe the
    // client's own query and are safe (and useful) to show as they are.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let id = ctx.data_opt::<RequestId>().copied().unwrap_or_default();
        mask(next.run(ctx, operation_name).await, id)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let id = ctx.data_opt::<RequestId>().copied().unwrap_or_default();
        next.run(ctx, stream).map(move |r| mask(r, id)).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins async-graphql's coercion messages: if they change, argument
    /// mistakes would be masked as internal errors again.
    #[tokio::test]
    async fn argument_coercion_errors_are_the_clients_and_name_the_field() {
        use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
        struct Q;
        #[Object]
        impl Q {
            // Registered first, it is the "Int" validation knows: negative
            // counts pass validation and fail while executing, as in
            // registre's schema.
            async fn signed(&self, n: i32) -> i32 {
                n
            }
            async fn count(&self, first: Option<u32>) -> u32 {
                first.unwrap_or(0)
            }
            async fn day(&self, on: chrono::NaiveDate) -> String {
                on.to_string()
            }
            async fn at(&self, at: chrono::DateTime<chrono::Utc>) -> String {
                at.to_string()
            }
        }
        let schema = Schema::build(Q, EmptyMutation, EmptySubscription)
            .extension(MaskErrors)
            .finish();
        for (query, field) in [
            ("{ count(first: -3) }", "count"),
            ("{ day(on: \"2024-02-30\") }", "day"),
            ("{ at(at: \"2024-01-01T00:00:00+25:00\") }", "at"),
        ] {
            let r = schema.execute(query).await;
            let e = &r.errors[0];
            assert_eq!(
                e.extensions.as_ref().unwrap().get("code"),
                Some(&async_graphql::Value::from("BAD_USER_INPUT")),
                "{query}: {e:?}"
            );
            assert!(
                e.message.contains(&format!("« {field} »")),
                "{query}: {e:?}"
            );
            assert!(e.message.starts_with("Argument invalide"), "{query}: {e:?}");
        }
    }

    #[test]
    fn errors_with_a_code_pass_and_others_are_masked() {
        let id = RequestId::new();
        let mut r = Response::new(async_graphql::Value::Null);
        let domain: async_graphql::Error = ApiError::Domain {
            code: "COMMUNE_DEJA_MEMBRE",
            message: Message::new("La commune est déjà membre.", "Already a member."),
        }
        .into();
        r.errors.push(domain.into_server_error(Default::default()));
        let internal: async_graphql::Error =
            ApiError::from(StoreError::Backend("disk I/O error at /var/x".into())).into();
        r.errors
            .push(internal.into_server_error(Default::default()));
        let r = mask(r, id);
        assert_eq!(r.errors[0].message, "La commune est déjà membre.");
        assert!(!r.errors[1].message.contains("disk"));
        let ext = r.errors[1].extensions.as_ref().unwrap();
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("INTERNAL"))
        );
        assert_eq!(
            ext.get("requestId"),
            Some(&async_graphql::Value::from(id.0.to_string()))
        );
    }

    #[test]
    fn a_full_disk_and_a_lost_store_have_their_own_codes() {
        let full = ApiError::from(StoreError::Backend("database or disk is full".into()));
        assert_eq!(full.code(), Some("STORAGE_FULL"));
        assert_eq!(
            full.to_string(),
            "Espace disque plein : la commande n'a pas été enregistrée."
        );
        let lost = ApiError::from(StoreError::Unavailable("the writer has stopped".into()));
        assert_eq!(lost.code(), Some("STORE_UNAVAILABLE"));
        assert!(!lost.to_string().contains("writer"));
        let other = ApiError::from(StoreError::Backend("no such table: events".into()));
        assert_eq!(other.code(), None);
    }
}
