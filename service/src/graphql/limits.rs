//! What one GraphQL request may cost, bounded before the work is done.
//!
//! async-graphql's parser recurses once per nested bracket and its own
//! checks run on the parsed document, so a few kilobytes of `[[[[…` can
//! exhaust a worker's stack before any limit applies; and its first walks
//! of a document (`limit_recursive_depth`, then validation) expand every
//! fragment spread anew, so fragments that each spread the previous twice
//! cost time and memory exponential in their number. Hence, in this order
//! and before anything else, for every transport:
//! 1. the text's bracket nesting is counted without parsing
//!    ([`MAX_NESTING`]); the variables' nesting too ([`MAX_VALUE_DEPTH`]);
//! 2. the document is parsed and its size with every fragment expanded is
//!    computed once per fragment ([`MAX_SELECTIONS`]); a fragment that
//!    spreads itself, directly or not, is refused.
//!
//! [`check_text`] and [`check_variables`] are what a transport calls before
//! it looks into a document (POST and GET do); [`RequestLimits`], a schema
//! extension, runs all of it for every request, the websocket's included.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::Pos;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Value, Variables};

use crate::language::Message;

use super::translation::{ENGLISH, coercion};

/// Deepest nesting of brackets (`{`, `[`, `(`) in a document's text,
/// outside strings and comments. A selection at the deepest depth allowed
/// (`schema::MAX_DEPTH`) with an argument of a few levels stays far below.
pub const MAX_NESTING: usize = 32;
/// Deepest nesting of lists and objects in the variables.
pub const MAX_VALUE_DEPTH: usize = 16;
/// Most selections (fields, `__typename` included, fragment spreads and
/// inline fragments) in a document once every fragment is expanded where
/// it is spread. The standard introspection query has about 200.
pub const MAX_SELECTIONS: usize = 2_000;

/// Why a request is refused before it runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "Document GraphQL trop imbriqué : {MAX_NESTING} niveaux d'accolades, de crochets ou de parenthèses au plus."
    )]
    DocumentTooDeep,
    #[error("Variables trop imbriquées : {MAX_VALUE_DEPTH} niveaux de listes ou d'objets au plus.")]
    VariablesTooDeep,
    #[error(
        "Requête trop vaste : {MAX_SELECTIONS} sélections au plus une fois les fragments développés."
    )]
    TooManySelections,
    #[error("Fragments trop imbriqués : {MAX_NESTING} niveaux au plus.")]
    FragmentsTooDeep,
    #[error("Le fragment « {0} » se contient lui-même.")]
    FragmentCycle(String),
    #[error("Document GraphQL illisible à la ligne {line}, colonne {column}.")]
    Syntax {
        line: usize,
        column: usize,
        /// The parser's own words (English), kept as a detail.
        detail: String,
    },
}

impl Refusal {
    /// The stable code in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::DocumentTooDeep => "DOCUMENT_TOO_DEEP",
            Refusal::VariablesTooDeep => "VARIABLES_TOO_DEEP",
            Refusal::TooManySelections => "QUERY_TOO_LARGE",
            Refusal::FragmentsTooDeep => "FRAGMENTS_TOO_DEEP",
            Refusal::FragmentCycle(_) => "FRAGMENT_CYCLE",
            Refusal::Syntax { .. } => "GRAPHQL_PARSE_FAILED",
        }
    }

    /// The message for a client that reads English.
    pub fn english(&self) -> String {
        match self {
            Refusal::DocumentTooDeep => format!(
                "GraphQL document nested too deep: at most {MAX_NESTING} levels of braces, brackets or parentheses."
            ),
            Refusal::VariablesTooDeep => {
                format!(
                    "Variables nested too deep: at most {MAX_VALUE_DEPTH} levels of lists or objects."
                )
            }
            Refusal::TooManySelections => format!(
                "Request too large: at most {MAX_SELECTIONS} selections once fragments are expanded."
            ),
            Refusal::FragmentsTooDeep => {
                format!("Fragments nested too deep: at most {MAX_NESTING} levels.")
            }
            Refusal::FragmentCycle(name) => format!("Fragment \"{name}\" contains itself."),
            Refusal::Syntax { line, column, .. } => {
                format!("Unreadable GraphQL document at line {line}, column {column}.")
            }
        }
    }

    pub fn into_server_error(self) -> ServerError {
        let mut e = with_code(ServerError::new(self.to_string(), None), self.code());
        let ext = e.extensions.get_or_insert_with(Default::default);
        ext.set(ENGLISH, self.english());
        if let Refusal::Syntax { detail, .. } = self {
            ext.set("detail", detail);
        }
        e
    }
}

fn with_code(mut e: ServerError, code: &str) -> ServerError {
    let has_code = e
        .extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some());
    if !has_code {
        e.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
    e
}

/// Refuses a text whose brackets nest deeper than [`MAX_NESTING`].
/// Strings, block strings and comments are skipped, as the parser would.
pub fn check_text(text: &str) -> Result<(), Refusal> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped delimiter inside a block string.
                    i += if b[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                // A string cannot span lines: where it stops, so does the
                // parser, so nothing is hidden from this count.
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' && b[i] != b'\r' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Refusal::DocumentTooDeep);
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Refuses variables nested deeper than [`MAX_VALUE_DEPTH`] (walked
/// without recursion: they may come from anywhere).
pub fn check_variables(variables: &Variables) -> Result<(), Refusal> {
    let mut stack: Vec<(&Value, usize)> = variables.values().map(|v| (v, 1)).collect();
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::List(items) => Box::new(items.iter()),
            Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        if depth >= MAX_VALUE_DEPTH {
            return Err(Refusal::VariablesTooDeep);
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    Ok(())
}

/// Refuses a document larger than [`MAX_SELECTIONS`] once its fragments
/// are expanded, or whose fragments spread themselves.
pub fn check_document(doc: &ExecutableDocument) -> Result<(), Refusal> {
    let mut e = Expansion {
        doc,
        sizes: HashMap::new(),
        open: Vec::new(),
    };
    let mut total = 0usize;
    for (_, op) in doc.operations.iter() {
        total += e.set(&op.node.selection_set.node)?;
        if total > MAX_SELECTIONS {
            return Err(Refusal::TooManySelections);
        }
    }
    for (name, _) in doc.fragments.iter() {
        e.fragment(name.as_str())?;
    }
    Ok(())
}

/// Every check, then the parsed document.
pub fn check_request(query: &str, variables: &Variables) -> Result<ExecutableDocument, Refusal> {
    check_text(query)?;
    check_variables(variables)?;
    let doc = async_graphql::parser::parse_query(query).map_err(|e| {
        let at = e.positions().next().unwrap_or_default();
        Refusal::Syntax {
            line: at.line,
            column: at.column,
            detail: e.to_string(),
        }
    })?;
    check_document(&doc)?;
    Ok(doc)
}

/// The expanded size of selection sets, each fragment's computed once.
struct Expansion<'a> {
    doc: &'a ExecutableDocument,
    sizes: HashMap<&'a str, usize>,
    /// The fragments being expanded, outermost first.
    open: Vec<&'a str>,
}

impl<'a> Expansion<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Result<usize, Refusal> {
        let mut total = 0usize;
        for item in &set.items {
            total += 1 + match &item.node {
                Selection::Field(f) => self.set(&f.node.selection_set.node)?,
                Selection::InlineFragment(i) => self.set(&i.node.selection_set.node)?,
                Selection::FragmentSpread(s) => {
                    self.fragment(s.node.fragment_name.node.as_str())?
                }
            };
            if total > MAX_SELECTIONS {
                return Err(Refusal::TooManySelections);
            }
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a str) -> Result<usize, Refusal> {
        if let Some(&n) = self.sizes.get(name) {
            return Ok(n);
        }
        if self.open.contains(&name) {
            return Err(Refusal::FragmentCycle(name.to_owned()));
        }
        if self.open.len() >= MAX_NESTING {
            return Err(Refusal::FragmentsTooDeep);
        }
        // An unknown fragment is validation's to report.
        let Some((key, def)) = self.doc.fragments.get_key_value(name) else {
            return Ok(0);
        };
        let key = key.as_str();
        self.open.push(key);
        let n = self.set(&def.node.selection_set.node);
        self.open.pop();
        let n = n?;
        self.sizes.insert(key, n);
        Ok(n)
    }
}

/// async-graphql's refusals of the schema's depth and complexity limits,
/// in both languages.
fn limit_message(message: &str) -> Option<Message> {
    use super::schema::{MAX_COMPLEXITY, MAX_DEPTH};
    match message {
        "Query is nested too deep." => Some(Message::new(
            format!("Requête trop profonde : {MAX_DEPTH} niveaux de champs au plus."),
            format!("Query nested too deep: at most {MAX_DEPTH} levels of fields."),
        )),
        "Query is too complex." => Some(Message::new(
            format!(
                "Requête trop coûteuse : complexité {MAX_COMPLEXITY} au plus (un champ compte 1, multiplié par la taille des pages demandées)."
            ),
            format!(
                "Query too complex: at most {MAX_COMPLEXITY} (a field counts 1, multiplied by the page sizes asked for)."
            ),
        )),
        _ => None,
    }
}

/// The schema extension that applies these limits to every request, and
/// gives async-graphql's own refusals (parse, depth, validation) a code.
pub struct RequestLimits;

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimitsExtension::default())
    }
}

#[derive(Default)]
struct RequestLimitsExtension {
    /// Where each field with arguments is, to name it in a refusal that
    /// only gives its position (a page size that is not a number when
    /// validation computes the complexity), and each argument's value, to
    /// name the argument a value refused while executing belongs to.
    fields: Mutex<Vec<(Pos, String)>>,
}

/// The fields with arguments of a document and their arguments' values,
/// where they are written.
fn fields_with_arguments(doc: &ExecutableDocument) -> Vec<(Pos, String)> {
    fn walk(set: &SelectionSet, out: &mut Vec<(Pos, String)>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    if !f.node.arguments.is_empty() {
                        out.push((f.pos, f.node.name.node.to_string()));
                    }
                    for (name, value) in &f.node.arguments {
                        out.push((value.pos, name.node.to_string()));
                    }
                    walk(&f.node.selection_set.node, out);
                }
                Selection::InlineFragment(i) => walk(&i.node.selection_set.node, out),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    for (_, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, &mut out);
    }
    for f in doc.fragments.values() {
        walk(&f.node.selection_set.node, &mut out);
    }
    out
}

impl RequestLimitsExtension {
    /// What is written at `at`: an argument's name for its value, or a
    /// field's.
    fn named(&self, at: Option<&Pos>) -> Option<String> {
        let fields = self.fields.lock().unwrap_or_else(|p| p.into_inner());
        let at = at?;
        fields.iter().find(|(p, _)| p == at).map(|(_, n)| n.clone())
    }
}

#[async_trait::async_trait]
impl Extension for RequestLimitsExtension {
    /// A value an argument refused while executing (a date that does not
    /// exist): the client's, named by its argument. Runs inside
    /// `MaskErrors`, which would otherwise only know the field.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        let mut response = next.run(ctx, operation_name).await;
        for e in &mut response.errors {
            let coded = e
                .extensions
                .as_ref()
                .is_some_and(|x| x.get("code").is_some());
            if coded {
                continue;
            }
            let named = self.named(e.locations.first());
            if let Some(message) = coercion(&e.message, named.as_deref()) {
                e.message = message.french;
                let ext = e.extensions.get_or_insert_with(Default::default);
                ext.set("code", "BAD_USER_INPUT");
                ext.set(ENGLISH, message.english);
            }
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: async_graphql::Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<async_graphql::Request> {
        let doc = check_request(&request.query, &request.variables)
            .map_err(Refusal::into_server_error)?;
        *self.fields.lock().unwrap_or_else(|p| p.into_inner()) = fields_with_arguments(&doc);
        // async-graphql uses this document instead of parsing again.
        request.set_parsed_query(doc);
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            let fields = self.fields.lock().unwrap_or_else(|p| p.into_inner());
            errors
                .into_iter()
                .map(|mut e| {
                    let named = e
                        .message
                        .strip_prefix("Invalid value for argument \"")
                        .and_then(|r| r.split('"').next())
                        .or_else(|| {
                            let at = e.locations.first()?;
                            fields
                                .iter()
                                .find(|(p, _)| p == at)
                                .map(|(_, n)| n.as_str())
                        })
                        .map(str::to_owned);
                    // Other refusals are named and translated last, by
                    // the translation extension.
                    let (code, message) = match coercion(&e.message, named.as_deref()) {
                        Some(message) => ("BAD_USER_INPUT", message),
                        None => match limit_message(&e.message) {
                            Some(message) => ("GRAPHQL_VALIDATION_FAILED", message),
                            None => return e,
                        },
                    };
                    e.message = message.french;
                    let mut e = with_code(e, code);
                    if let Some(ext) = e.extensions.as_mut() {
                        ext.set(ENGLISH, message.english);
                    }
                    e
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Result<(), Refusal> {
        check_request(text, &Variables::default()).map(|_| ())
    }

    /// `{ ...F<n> }` where each fragment spreads the previous one twice.
    fn fan_out(levels: usize) -> String {
        let mut s = format!("{{ ...F{levels} }} fragment F0 on Query {{ __typename }}");
        for i in 1..=levels {
            s.push_str(&format!(
                " fragment F{i} on Query {{ ...F{p} ...F{p} }}",
                p = i - 1
            ));
        }
        s
    }

    #[test]
    fn given_deeply_nested_literals_when_checked_then_refused_before_parsing() {
        let list = format!(
            "{{ members(region: {}1{}) {{ totalCount }} }}",
            "[".repeat(1_750),
            "]".repeat(1_750)
        );
        assert_eq!(check_text(&list), Err(Refusal::DocumentTooDeep));
        let object = format!(
            "{{ members(region: {}1{}) {{ totalCount }} }}",
            "{a: ".repeat(1_500),
            "}".repeat(1_500)
        );
        assert_eq!(check_text(&object), Err(Refusal::DocumentTooDeep));
    }

    #[test]
    fn given_brackets_in_strings_and_comments_when_checked_then_not_counted() {
        let deep = "[".repeat(100);
        assert_eq!(check_text(&format!("{{ a(s: \"{deep}\") }}")), Ok(()));
        assert_eq!(
            check_text(&format!("{{ a(s: \"\"\"{deep} \\\"\"\" \"\"\") }}")),
            Ok(())
        );
        assert_eq!(check_text(&format!("{{ a # {deep}\n }}")), Ok(()));
        assert_eq!(check_text(&format!("{{ a(s: \"\\\"{deep}\") }}")), Ok(()));
        // A string stops at the end of a line, as the parser's does.
        assert_eq!(
            check_text(&format!("{{ a(s: \"x\r{deep}) }}")),
            Err(Refusal::DocumentTooDeep)
        );
    }

    #[test]
    fn given_nesting_at_the_limit_when_checked_then_accepted() {
        let at = format!("{}{}", "{".repeat(MAX_NESTING), "}".repeat(MAX_NESTING));
        assert_eq!(check_text(&at), Ok(()));
        let over = format!("[{at}]");
        assert_eq!(check_text(&over), Err(Refusal::DocumentTooDeep));
    }

    #[test]
    fn given_deep_variables_when_checked_then_refused() {
        let mut v = serde_json::json!(1);
        for _ in 0..MAX_VALUE_DEPTH {
            v = serde_json::json!([v]);
        }
        let vars = Variables::from_json(serde_json::json!({ "x": v }));
        assert_eq!(check_variables(&vars), Err(Refusal::VariablesTooDeep));
        let shallow = Variables::from_json(serde_json::json!({ "x": [[{"a": [1]}]] }));
        assert_eq!(check_variables(&shallow), Ok(()));
    }

    #[test]
    fn given_fragments_fanning_out_when_checked_then_refused_at_once() {
        // Over two million selections once expanded, under 1 KB as text.
        assert_eq!(doc(&fan_out(21)), Err(Refusal::TooManySelections));
        assert_eq!(doc(&fan_out(30)), Err(Refusal::TooManySelections));
        // 1,535 selections once expanded: under the limit.
        assert_eq!(doc(&fan_out(9)), Ok(()));
    }

    #[test]
    fn given_many_typenames_when_checked_then_counted() {
        let many = format!("{{ {} }}", "__typename ".repeat(MAX_SELECTIONS + 1));
        assert_eq!(doc(&many), Err(Refusal::TooManySelections));
    }

    #[test]
    fn given_fragment_cycles_or_long_chains_when_checked_then_refused() {
        assert_eq!(
            doc("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A ...A }"),
            Err(Refusal::FragmentCycle("A".into()))
        );
        assert_eq!(
            doc("{ head } fragment A on Query { ...A }"),
            Err(Refusal::FragmentCycle("A".into()))
        );
        let mut chain = String::from("{ ...F0 } fragment F40 on Query { head }");
        for i in 0..40 {
            chain.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
        }
        assert_eq!(doc(&chain), Err(Refusal::FragmentsTooDeep));
    }

    #[test]
    fn given_bad_syntax_when_checked_then_a_coded_refusal() {
        let e = doc("{ head").unwrap_err();
        assert_eq!(e.code(), "GRAPHQL_PARSE_FAILED");
        let s = e.into_server_error();
        assert_eq!(
            s.extensions.unwrap().get("code"),
            Some(&Value::from("GRAPHQL_PARSE_FAILED"))
        );
    }
}
