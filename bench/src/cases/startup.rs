//! The start-up case: a spawned `registre serve` timed to `/readyz`,
//! without and then with saved read models.

use std::path::Path;

use super::server::{Server, StorePaths};

/// Time to `/readyz`: first with no saved read models (and a fresh audit
/// trail over the whole log), then, after a clean stop that saves them,
/// with saved read models. Returns the second server, still running.
pub(super) async fn startup(dir: &Path, db: &Path) -> anyhow::Result<Server> {
    let paths = StorePaths::beside(db);
    let (mut first, cold) = Server::start(&paths, &dir.join("serve-1.log")).await?;
    println!(
        "start-up to /readyz without saved read models: {:.2} s",
        cold.as_secs_f64()
    );
    first.stop()?;
    let (second, warm) = Server::start(&paths, &dir.join("serve-2.log")).await?;
    println!(
        "start-up to /readyz with saved read models: {:.2} s",
        warm.as_secs_f64()
    );
    Ok(second)
}
