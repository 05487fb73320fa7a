//! Every refusal in the client's language, with its stable code.
//!
//! Resolvers' errors carry both languages: the French message, and the
//! English one under [`ENGLISH`] in their extensions. async-graphql's own
//! refusals of a request (validation, argument coercion, the operation
//! asked for) come in English without a code: [`refusal`] recognises them
//! by their text, which tests pin. The [`Translation`] extension runs
//! last, on every response: it gives each error without a code its code,
//! keeps the message in the language the client asked for and removes the
//! other.
//!
//! Architecture invariant: no error leaves the schema without a code, and
//! its message is in the client's language.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest, NextSubscribe,
};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{Response, ServerError, ServerResult};
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::language::{Language, Message};

/// The extension key under which an error carries its English message
/// until [`Translation`] picks the client's language.
pub const ENGLISH: &str = "messageEn";

/// What async-graphql's coercion of an argument value says when it fails
/// (a negative count, a number out of range, an impossible date), in both
/// languages. The client's mistake, raised without a code while
/// validating a literal or while executing. `None`: not such an error.
pub fn coercion(message: &str, field: Option<&str>) -> Option<Message> {
    let rest = message
        .strip_prefix("Failed to parse \"")
        .or_else(|| message.strip_prefix("Expected input type \""))
        .or_else(|| {
            message
                .strip_prefix("Invalid value for argument ")
                .and_then(|r| r.split_once("expected type \"").map(|(_, t)| t))
        })?;
    let ty = rest.split('"').next().unwrap_or("");
    let (french, english) = match ty {
        "Int" => (
            "un entier dans les bornes admises (un nombre d'éléments, une position ou un effectif n'est jamais négatif)".to_owned(),
            "an integer within bounds (a count, a position or a number of members is never negative)".to_owned(),
        ),
        "NaiveDate" => (
            "une date existante au format AAAA-MM-JJ (par exemple 2025-01-15)".to_owned(),
            "an existing date as YYYY-MM-DD (for example 2025-01-15)".to_owned(),
        ),
        "DateTime" => (
            "une date-heure RFC 3339 existante (décalage entre -23:59 et +23:59)".to_owned(),
            "an existing RFC 3339 date-time (offset between -23:59 and +23:59)".to_owned(),
        ),
        "Float" => ("un nombre".to_owned(), "a number".to_owned()),
        "String" => ("une chaîne".to_owned(), "a string".to_owned()),
        "Boolean" => ("un booléen (true ou false)".to_owned(), "a boolean".to_owned()),
        "ID" => ("un identifiant".to_owned(), "an identifier".to_owned()),
        other => (
            format!("une valeur valide de type {other}"),
            format!("a valid value of type {other}"),
        ),
    };
    Some(match field {
        Some(f) => Message::new(
            format!("Argument invalide pour « {f} » : il faut {french}."),
            format!("Invalid value for \"{f}\": expected {english}."),
        ),
        None => Message::new(
            format!("Argument invalide : il faut {french}."),
            format!("Invalid argument: expected {english}."),
        ),
    })
}

/// The strings between double quotes in one of async-graphql's messages.
fn quoted(message: &str) -> Vec<&str> {
    message.split('"').skip(1).step_by(2).collect()
}

/// The values of an enumeration, or the fields of an input object, as a
/// list to show.
fn accepted(registry: &Registry, ty: &str) -> Option<String> {
    let names: Vec<&str> = match registry.types.get(ty.trim_end_matches('!'))? {
        MetaType::Enum { enum_values, .. } => enum_values.keys().map(String::as_str).collect(),
        MetaType::InputObject { input_fields, .. } => {
            input_fields.keys().map(String::as_str).collect()
        }
        _ => return None,
    };
    Some(names.join(", "))
}

/// The arguments a field takes, as a list to show.
fn arguments(registry: &Registry, ty: &str, field: &str) -> Option<String> {
    let f = registry.types.get(ty)?.fields()?.get(field)?;
    Some(
        f.args
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The code and message for one of async-graphql's refusals of a request,
/// recognised by its text. Anything not recognised is still the client's
/// request refused: `GRAPHQL_VALIDATION_FAILED`, its text kept as a
/// detail.
pub fn refusal(message: &str, registry: &Registry) -> (&'static str, Message, bool) {
    let q = quoted(message);
    let at = |i: usize| q.get(i).copied().unwrap_or("");
    let recognised =
        |code, french: String, english: String| (code, Message::new(french, english), false);
    if let Some(rest) = message.strip_prefix("Invalid value for argument ") {
        let (arg, reason) = (at(0), rest.split_once(", ").map_or("", |(_, r)| r));
        if let Some(m) = coercion(message, Some(arg)) {
            return ("BAD_USER_INPUT", m, false);
        }
        if reason.starts_with("enumeration type ") {
            let (ty, value) = (at(1), at(2));
            let list = accepted(registry, ty).unwrap_or_default();
            return recognised(
                "UNKNOWN_ENUM_VALUE",
                format!("Valeur « {value} » inconnue pour « {arg} » ; valeurs admises : {list}."),
                format!("Unknown value \"{value}\" for \"{arg}\"; accepted values: {list}."),
            );
        }
        if reason.starts_with("field ") && reason.ends_with("is required but not provided") {
            let (field, ty) = (at(1), at(2));
            return recognised(
                "MISSING_ARGUMENT",
                format!("Le champ « {field} » de « {arg} » est obligatoire (type {ty})."),
                format!("Field \"{field}\" of \"{arg}\" is required (type {ty})."),
            );
        }
        if reason.starts_with("unknown field ") {
            let (field, ty) = (at(1), at(2));
            let list = accepted(registry, ty).unwrap_or_default();
            return recognised(
                "UNKNOWN_ARGUMENT",
                format!("« {arg} » n'a pas de champ « {field} » ; champs admis : {list}."),
                format!("\"{arg}\" has no field \"{field}\"; accepted fields: {list}."),
            );
        }
        return (
            "BAD_USER_INPUT",
            Message::new(
                format!("Argument invalide pour « {arg} »."),
                format!("Invalid value for \"{arg}\"."),
            ),
            true,
        );
    }
    if message.starts_with("Field \"") && message.ends_with("is required but not provided") {
        let (field, arg, ty) = (at(0), at(1), at(2));
        return recognised(
            "MISSING_ARGUMENT",
            format!("L'argument « {arg} » de « {field} » est obligatoire (type {ty})."),
            format!("Argument \"{arg}\" of \"{field}\" is required (type {ty})."),
        );
    }
    if message.starts_with("Unknown argument \"") && message.contains("\" on field \"") {
        let (arg, field, ty) = (at(0), at(1), at(2));
        let list = arguments(registry, ty, field).unwrap_or_default();
        return recognised(
            "UNKNOWN_ARGUMENT",
            format!("« {field} » n'a pas d'argument « {arg} » ; arguments admis : {list}."),
            format!("\"{field}\" has no argument \"{arg}\"; accepted arguments: {list}."),
        );
    }
    if message.starts_with("Unknown field \"") {
        let (field, ty) = (at(0), at(1));
        return recognised(
            "UNKNOWN_FIELD",
            format!("Le type « {ty} » n'a pas de champ « {field} » (voir le schéma)."),
            format!("Type \"{ty}\" has no field \"{field}\" (see the schema)."),
        );
    }
    if message.starts_with("Field \"") && message.ends_with("must have a selection of subfields") {
        let (field, ty) = (at(0), at(1));
        return recognised(
            "SELECTION_REQUIRED",
            format!(
                "Le champ « {field} » (type {ty}) demande une sélection de sous-champs entre accolades."
            ),
            format!("Field \"{field}\" (type {ty}) needs a selection of subfields in braces."),
        );
    }
    if message.starts_with("Field \"") && message.contains("must not have a selection") {
        let (field, ty) = (at(0), at(1));
        return recognised(
            "SELECTION_NOT_ALLOWED",
            format!(
                "Le champ « {field} » (type {ty}) n'a pas de sous-champs : retirez les accolades."
            ),
            format!("Field \"{field}\" (type {ty}) has no subfields: remove the braces."),
        );
    }
    if message.starts_with("Variable \"") {
        let name = at(0).trim_start_matches('$');
        return (
            "VARIABLE_INVALID",
            Message::new(
                format!("La variable « ${name} » est mal déclarée ou mal employée."),
                format!("Variable \"${name}\" is badly declared or used."),
            ),
            true,
        );
    }
    if message.starts_with("Unknown type \"") {
        let ty = at(0);
        return recognised(
            "UNKNOWN_TYPE",
            format!("Le type « {ty} » n'existe pas dans le schéma."),
            format!("Type \"{ty}\" is not in the schema."),
        );
    }
    if message.starts_with("Unknown operation named \"") {
        let name = at(0);
        return recognised(
            "UNKNOWN_OPERATION",
            format!("Le document n'a pas d'opération nommée « {name} »."),
            format!("The document has no operation named \"{name}\"."),
        );
    }
    if message.starts_with("Operation name required") {
        return recognised(
            "OPERATION_NAME_REQUIRED",
            "Le document a plusieurs opérations : nommez celle à exécuter (operationName).".into(),
            "The document has several operations: name the one to run (operationName).".into(),
        );
    }
    (
        "GRAPHQL_VALIDATION_FAILED",
        Message::new(
            "La requête GraphQL n'est pas valide.",
            "The GraphQL request is not valid.",
        ),
        true,
    )
}

/// Gives one error its code and its message in `language`.
fn translate(e: &mut ServerError, language: Language, registry: &Registry) {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_some() {
        if let Some(async_graphql::Value::String(english)) = ext.get(ENGLISH).cloned() {
            ext.unset(ENGLISH);
            if language == Language::English {
                e.message = english;
            }
        }
        return;
    }
    let (code, message, keep_detail) = refusal(&e.message, registry);
    ext.set("code", code);
    if keep_detail {
        ext.set("detail", e.message.clone());
    }
    e.message = message.in_language(language).to_owned();
}

fn translated(mut response: Response, language: Language, registry: &Registry) -> Response {
    for e in &mut response.errors {
        translate(e, language, registry);
    }
    response
}

/// The schema extension that writes every error in the client's language
/// with its code. Registered first, so that its `request` runs last.
pub struct Translation;

impl ExtensionFactory for Translation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TranslationExtension::default())
    }
}

#[derive(Default)]
struct TranslationExtension {
    /// The client's language, read from the request's data (HTTP) or the
    /// connection's (websocket) when the request is prepared.
    language: Mutex<Option<Language>>,
}

impl TranslationExtension {
    fn language(&self, ctx: &ExtensionContext<'_>) -> Language {
        let set = *self.language.lock().unwrap_or_else(|p| p.into_inner());
        set.or_else(|| ctx.data_opt::<Language>().copied())
            .unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl Extension for TranslationExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        let language = request
            .data
            .get(&std::any::TypeId::of::<Language>())
            .and_then(|d| d.downcast_ref::<Language>())
            .copied()
            .or_else(|| ctx.data_opt::<Language>().copied());
        *self.language.lock().unwrap_or_else(|p| p.into_inner()) = language;
        next.run(ctx, request).await
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        translated(response, self.language(ctx), &ctx.schema_env.registry)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let language = ctx.data_opt::<Language>().copied().unwrap_or_default();
        let registry = ctx.schema_env.clone();
        next.run(ctx, stream)
            .map(move |r| translated(r, language, &registry.registry))
            .boxed()
    }
}
