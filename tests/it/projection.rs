//! The projection runner: catch up, follow live, save with the position,
//! resume from the save, and always equal a rebuild from the log.

use std::sync::Arc;
use std::time::Duration;

use registre_projections::LogSummary;
use registre_service::projector::{Projector, save_now};
use registre_service::store::sqlite::SqliteStore;
use registre_service::store::{EventStore, ExpectedState};

use crate::support::{by_system, event_now};

async fn append(store: &dyn EventStore, stream: &str, n: usize) -> u64 {
    let out = store
        .append(by_system(
            stream,
            ExpectedState::Any,
            (0..n)
                .map(|i| event_now("Counted", serde_json::json!({"i": i})))
                .collect(),
        ))
        .await
        .unwrap();
    out.last_position
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_up_follows_live_and_resumes_from_its_save() {
    let dir = crate::support::scratch();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("registre.db"))
            .await
            .unwrap(),
    );
    let saves = dir.path().join("readmodels");
    for i in 0..20 {
        append(&*store, &format!("member-{}", i % 4), 5).await;
    }

    let projector = Projector::<LogSummary>::start(store.clone(), Some(saves.clone()))
        .await
        .unwrap();
    projector.wait_caught_up(WAIT).await.unwrap();
    assert_eq!(projector.read(|m, p| (m.events, p)), (100, 100));
    // Live: a write is visible once wait_for returns (read your writes).
    let last = append(&*store, "session-1", 3).await;
    projector.wait_for(last, WAIT).await.unwrap();
    assert_eq!(projector.read(|m, p| (m.events, p)), (103, 103));
    save_now(&projector, &saves).await.unwrap();
    drop(projector);

    // More events while no projector runs; a restart resumes from the save.
    let last = append(&*store, "member-9", 4).await;
    let resumed = Projector::<LogSummary>::start(store.clone(), Some(saves.clone()))
        .await
        .unwrap();
    assert!(
        resumed.read(|_, p| p) >= 103,
        "did not start from the saved position"
    );
    resumed.wait_for(last, WAIT).await.unwrap();

    let rebuilt = Projector::<LogSummary>::start(store.clone(), None)
        .await
        .unwrap();
    rebuilt.wait_for(last, WAIT).await.unwrap();
    let a = resumed.read(|m, _| m.clone());
    let b = rebuilt.read(|m, _| m.clone());
    assert_eq!(a, b, "resumed model differs from a rebuild");
    assert_eq!(a.events, 107);
    assert_eq!(a.streams_by_category["member"], 5);
}

#[tokio::test]
async fn an_unusable_save_is_ignored_and_the_model_rebuilt() {
    let dir = crate::support::scratch();
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("registre.db"))
            .await
            .unwrap(),
    );
    let last = append(&*store, "member-1", 7).await;
    let saves = dir.path().join("readmodels");
    std::fs::create_dir_all(&saves).unwrap();
    std::fs::write(
        saves.join("log_summary.v1.json"),
        b"{\"model\":\"log_summary\"",
    )
    .unwrap();
    let p = Projector::<LogSummary>::start(store, Some(saves))
        .await
        .unwrap();
    p.wait_for(last, WAIT).await.unwrap();
    assert_eq!(p.read(|m, _| m.events), 7);
}
