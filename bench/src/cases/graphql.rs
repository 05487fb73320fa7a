//! The GraphQL case: cached, computed, lookup and mutation requests against
//! a running server, with a token issued for them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use registre_schema::Role;
use registre_service::store::sqlite::SqliteStore;

use super::server::{self, Server};
use super::{GraphqlArgs, http};

pub(super) async fn issue_token(db: &Path) -> anyhow::Result<String> {
    let store = SqliteStore::open(db).await?;
    let commands = registre_service::commands::CommandHandler::new(std::sync::Arc::new(store));
    let (secret, _) = registre_service::auth::issue_token(
        &commands,
        "bench",
        Role::Secretariat,
        registre_service::auth::operator(),
    )
    .await?;
    Ok(secret.expose().to_string())
}

pub(super) async fn graphql(server: &Server, token: &str, a: &GraphqlArgs) -> anyhow::Result<()> {
    let limit = Duration::from_secs(a.seconds);
    println!(
        "GraphQL over loopback, {} connections, at most {} requests or {} s per query:",
        a.connections, a.requests, a.seconds
    );
    use server::Texts::{Distinct, Members, Same};
    let mut cases = vec![
        (
            "dashboard, same text (cached)",
            a.dashboard_query.clone(),
            Same,
        ),
        (
            "dashboard, distinct texts (computed)",
            a.dashboard_query.clone(),
            Distinct,
        ),
        ("lookup", a.lookup_query.clone(), Same),
    ];
    let members = Arc::new(active_members(server.addr, token).await?);
    anyhow::ensure!(
        !members.is_empty(),
        "no active member to record payments for"
    );
    cases.push((
        "mutation (recordPayment, members in turn)",
        a.mutation.clone(),
        Members(members),
    ));
    for (label, query, texts) in cases {
        let r = server::load(
            server.addr,
            token,
            label,
            &query,
            texts,
            a.connections,
            a.requests,
            limit,
        )
        .await?;
        println!("  {r}");
    }
    Ok(())
}

/// Ids of up to 500 active members, asked over GraphQL.
async fn active_members(addr: std::net::SocketAddr, token: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = http::Conn::connect(addr).await?;
    let body = serde_json::to_vec(&serde_json::json!({
        "query": "{ members(status: ACTIVE, first: 500) { nodes { id } } }"
    }))?;
    let r = conn.request("POST", "/graphql", Some(token), &body).await?;
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    Ok(v["data"]["members"]["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| n["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}
