//! Every kind of bad input sent to every mutation, over HTTP on the real
//! server: each is refused with a stable code and a French message (an
//! English one when the client asks for it), never `INTERNAL`, and nothing
//! is written.

use std::net::SocketAddr;

use async_graphql::Name;
use async_graphql::Value as Literal;
use async_graphql::parser::types::{DocumentOperations, Selection};
use serde_json::Value;

use crate::mutation_examples::MUTATIONS;
use crate::support::{Answer, http, serve_new};

/// Words an English message has and a French one does not.
const ENGLISH_WORDS: &[&str] = &[
    " the ",
    " must ",
    " is ",
    " are ",
    " expected ",
    " required ",
    " invalid ",
    " unknown ",
    " value ",
    " argument \"",
];

/// One argument of a mutation, as introspection describes it.
struct Argument {
    name: String,
    /// The named type under any list and non-null wrappers.
    ty: String,
    kind: String,
    required: bool,
}

fn named(t: &Value) -> (String, String, bool) {
    let required = t["kind"] == "NON_NULL";
    let mut t = t;
    while t["name"].is_null() && !t["ofType"].is_null() {
        t = &t["ofType"];
    }
    (
        t["name"].as_str().unwrap_or("").to_owned(),
        t["kind"].as_str().unwrap_or("").to_owned(),
        required,
    )
}

fn arguments(addr: SocketAddr, token: &str) -> Vec<(String, Vec<Argument>)> {
    let wrappers = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";
    let q = format!(
        "{{ __type(name: \"Mutation\") {{ fields {{ name args {{ name defaultValue type {{ {wrappers} }} }} }} }} }}"
    );
    let v = post(addr, token, &q, None).json();
    v["data"]["__type"]["fields"]
        .as_array()
        .expect("the mutation type")
        .iter()
        .map(|f| {
            let args = f["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    let (ty, kind, non_null) = named(&a["type"]);
                    Argument {
                        name: a["name"].as_str().unwrap().to_owned(),
                        ty,
                        kind,
                        required: non_null && a["defaultValue"].is_null(),
                    }
                })
                .collect();
            (f["name"].as_str().unwrap().to_owned(), args)
        })
        .collect()
}

fn post(addr: SocketAddr, token: &str, query: &str, language: Option<&str>) -> Answer {
    let body = serde_json::json!({ "query": query }).to_string();
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    if let Some(l) = language {
        headers.push(("Accept-Language", l));
    }
    http(addr, "POST", "/graphql", &headers, body.as_bytes())
}

/// The arguments of the example of `field`, as literals.
fn example_arguments(example: &str) -> Vec<(String, Literal)> {
    let doc = async_graphql::parser::parse_query(example).expect("the example parses");
    let DocumentOperations::Single(op) = doc.operations else {
        panic!("one operation")
    };
    let Selection::Field(f) = &op.node.selection_set.node.items[0].node else {
        panic!("a field")
    };
    f.node
        .arguments
        .iter()
        .map(|(n, v)| {
            let value = v.node.clone().into_const().expect("no variables");
            (n.node.to_string(), value)
        })
        .collect()
}

fn mutation(field: &str, args: &[(String, Literal)]) -> String {
    let args: Vec<String> = args.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    format!(
        "mutation {{ {field}({}) {{ commandId }} }}",
        args.join(", ")
    )
}

fn with(args: &[(String, Literal)], name: &str, value: Literal) -> Vec<(String, Literal)> {
    let mut out: Vec<(String, Literal)> = args.iter().filter(|(n, _)| n != name).cloned().collect();
    out.push((name.to_owned(), value));
    out
}

/// Bad variants of one mutation's example: `(what, query, expected code)`.
fn variants(field: &str, example: &str, args: &[Argument]) -> Vec<(String, String, &'static str)> {
    let given = example_arguments(example);
    let mut out = Vec::new();
    for a in args {
        let n = &a.name;
        if a.required {
            let without: Vec<_> = given.iter().filter(|(g, _)| g != n).cloned().collect();
            out.push((
                format!("{n} missing"),
                mutation(field, &without),
                "MISSING_ARGUMENT",
            ));
        }
        let bad = |value: Literal| mutation(field, &with(&given, n, value));
        match (a.kind.as_str(), a.ty.as_str()) {
            (_, "NaiveDate") => {
                for d in ["15/01/2025", "2025-02-30", "2025-13-01", ""] {
                    out.push((
                        format!("{n} = {d:?}"),
                        bad(Literal::from(d)),
                        "BAD_USER_INPUT",
                    ));
                }
            }
            (_, "Int") => {
                out.push((
                    format!("{n} a word"),
                    bad(Literal::from("abc")),
                    "BAD_USER_INPUT",
                ));
                let huge = serde_json::Number::from_f64(1e30).expect("a finite number");
                out.push((
                    format!("{n} too large"),
                    bad(Literal::Number(huge)),
                    "BAD_USER_INPUT",
                ));
            }
            (_, "ID") => {
                out.push((
                    format!("{n} not a uuid"),
                    bad(Literal::from("pas-un-uuid")),
                    "BAD_USER_INPUT",
                ));
            }
            (_, "Boolean") => {
                out.push((
                    format!("{n} a word"),
                    bad(Literal::from("oui")),
                    "BAD_USER_INPUT",
                ));
            }
            ("ENUM", _) => {
                out.push((
                    format!("{n} unknown value"),
                    bad(Literal::Enum(Name::new("ORDINAIRE"))),
                    "UNKNOWN_ENUM_VALUE",
                ));
            }
            ("INPUT_OBJECT", _) => {
                if let Some((_, Literal::Object(fields))) = given.iter().find(|(g, _)| g == n) {
                    let mut extra = fields.clone();
                    extra.insert(Name::new("inconnu"), Literal::from(1));
                    out.push((
                        format!("{n} with an unknown field"),
                        bad(Literal::Object(extra)),
                        "UNKNOWN_ARGUMENT",
                    ));
                }
            }
            _ => {}
        }
    }
    out.push((
        "an unknown argument".into(),
        mutation(field, &with(&given, "inconnu", Literal::from(1))),
        "UNKNOWN_ARGUMENT",
    ));
    out
}

fn head(addr: SocketAddr, token: &str) -> u64 {
    post(addr, token, "{ head }", None).json()["data"]["head"]
        .as_u64()
        .expect("the log's head")
}

#[test]
fn every_bad_input_to_every_mutation_is_refused_in_french_with_its_code_and_writes_nothing() {
    let (_dir, _db, server, [secretariat, auditor]) =
        serve_new([("secretariat", "greffe"), ("auditor", "controle")]);
    let addr = server.addr;
    let before = head(addr, &auditor);
    let schema = arguments(addr, &secretariat);
    let mut sent = 0;
    for (field, args) in &schema {
        let example = MUTATIONS
            .iter()
            .find(|(f, _)| f == field)
            .unwrap_or_else(|| panic!("{field} has no example"))
            .1;
        for (what, query, code) in variants(field, example, args) {
            let a = post(addr, &secretariat, &query, None);
            let v = a.json();
            let errors = v["errors"]
                .as_array()
                .unwrap_or_else(|| panic!("{field}, {what}: accepted: {v}"));
            assert!(a.status < 500, "{field}, {what}: {} {v}", a.status);
            let e = &errors[0];
            let message = e["message"].as_str().unwrap_or("");
            assert_eq!(e["extensions"]["code"], code, "{field}, {what}: {v}");
            // A refusal of one argument names it.
            let argument = what.split(' ').next().unwrap_or("");
            if what != "an unknown argument" && !what.contains("unknown field") {
                assert!(message.contains(argument), "{field}, {what}: {message}");
            }
            let padded = format!(" {} ", message.to_lowercase());
            assert!(
                !ENGLISH_WORDS.iter().any(|w| padded.contains(w)),
                "{field}, {what}: not French: {message}"
            );
            assert!(e["extensions"].get("messageEn").is_none(), "{v}");
            sent += 1;
        }
    }
    assert!(sent > 150, "only {sent} bad inputs were sent");
    println!(
        "{sent} bad inputs to {} mutations, each refused",
        schema.len()
    );
    assert_eq!(head(addr, &auditor), before, "a bad input wrote to the log");
}

#[test]
fn a_client_that_reads_english_gets_each_refusal_in_english_with_the_same_code() {
    let (_dir, _db, server, [secretariat]) = serve_new([("secretariat", "greffe")]);
    let addr = server.addr;
    for (query, code, english, french) in [
        (
            r#"mutation { recordPayment(memberId: "00000000-0000-0000-0000-000000000001", year: 2024, amountXof: 1000, paidOn: "15/01/2025", receiptRef: "R1") { commandId } }"#,
            "BAD_USER_INPUT",
            "YYYY-MM-DD",
            "AAAA-MM-JJ",
        ),
        (
            r#"mutation { recordPayment(memberId: "00000000-0000-0000-0000-000000000001", year: 2024, paidOn: "2025-01-15", receiptRef: "R1") { commandId } }"#,
            "MISSING_ARGUMENT",
            "is required",
            "est obligatoire",
        ),
        (
            r#"mutation { establishBody(name: "Congrès", kind: ORDINAIRE, level: NATIONAL) { commandId } }"#,
            "UNKNOWN_ENUM_VALUE",
            "accepted values: INSTANCE",
            "valeurs admises : INSTANCE",
        ),
        (
            r#"{ members(nom: "Ségou") { pageInfo { hasNextPage } } }"#,
            "UNKNOWN_ARGUMENT",
            "accepted arguments:",
            "arguments admis :",
        ),
        (
            r#"mutation { recordPayment(memberId: "00000000-0000-0000-0000-000000000001", year: 2024, amountXof: 1000, paidOn: "2024-01-15", receiptRef: "R1") { commandId } }"#,
            "UNKNOWN_MEMBER",
            "Unknown member.",
            "n'est pas membre",
        ),
        ("{ members { ", "GRAPHQL_PARSE_FAILED", "line 1", "ligne 1"),
    ] {
        for (language, expected) in [(Some("en-GB,en;q=0.9,fr;q=0.5"), english), (None, french)] {
            let v = post(addr, &secretariat, query, language).json();
            let e = &v["errors"][0];
            assert_eq!(e["extensions"]["code"], code, "{query}: {v}");
            let message = e["message"].as_str().unwrap_or("");
            assert!(
                message.contains(expected),
                "{language:?} {query}: {message}"
            );
            assert!(e["extensions"].get("messageEn").is_none(), "{v}");
        }
    }
}
