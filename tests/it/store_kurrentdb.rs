//! The conformance suite on a KurrentDB server, run when
//! `REGISTRE_TEST_KURRENTDB` holds a connection string (for example
//! `kurrentdb://localhost:2113?tls=false`); each test says it was skipped
//! otherwise. Every test keeps its streams under a prefix of its own, so it
//! starts from an empty log even on a server other runs have used.
#![cfg(feature = "kurrentdb")]

use std::io::Write;
use std::sync::Arc;

use registre_service::store::EventStore;
use registre_service::store::kurrentdb::KurrentDbStore;

const ENV: &str = "REGISTRE_TEST_KURRENTDB";

async fn fresh() -> Option<Arc<dyn EventStore>> {
    let Ok(url) = std::env::var(ENV) else {
        // Written past the test harness's capture, so the skip is seen.
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a KurrentDB test");
        let _ = writeln!(
            std::io::stderr().lock(),
            "skipped {test}: {ENV} is not set (a KurrentDB connection string)"
        );
        return None;
    };
    let prefix = format!("rt{}-", uuid::Uuid::now_v7().simple());
    let store = KurrentDbStore::connect_with_prefix(&url, &prefix)
        .await
        .expect("connect to the KurrentDB server named by REGISTRE_TEST_KURRENTDB");
    Some(Arc::new(store))
}

mod conformance {
    use super::fresh;
    registre_store::conformance_tests!(fresh());
}
