//! `registre serve`: the HTTP service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use registre_service::accounts::CredentialFile;
use registre_service::application::documents::DocumentSettings;
use registre_service::audit_trail::trail::TrailSettings;
use registre_service::audit_trail::{AuditDir, AuditTrail};
use registre_service::config::{self, FileSettings};
use registre_service::projector::{Projector, save_now};
use registre_service::server::connections::{self, ConnectionLimits};
use registre_service::server::{self, AppState};
use registre_service::store::EventStore;

/// What `registre serve` prints, followed by the address, once it listens.
pub const LISTENING: &str = "registre: listening on http://";

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "REGISTRE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Seconds a client has to send a request's header; also how long a
    /// kept-alive connection may stay idle (lowered by the tests)
    #[arg(long, env = "REGISTRE_HEADER_READ_TIMEOUT", value_name = "SECONDS",
          default_value_t = connections::HEADER_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,
    /// Connections served at once; more wait to be accepted
    #[arg(long, env = "REGISTRE_MAX_CONNECTIONS", value_name = "N",
          default_value_t = connections::MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
}

/// Where the server keeps what is not the log.
pub struct Places {
    pub audit_dir: AuditDir,
    pub state_dir: PathBuf,
    pub credentials: CredentialFile,
}

pub async fn run(
    store: Arc<dyn EventStore>,
    args: ServeArgs,
    file: &FileSettings,
    places: Places,
) -> anyhow::Result<()> {
    let Places {
        audit_dir,
        state_dir,
        credentials,
    } = places;
    let default: SocketAddr = config::DEFAULT_LISTEN
        .parse()
        .expect("valid default address");
    let listen = config::pick(args.listen, file.listen, default);
    // The audit trail first: a server whose events would go unrecorded
    // must not start. The handle is for the API (proofs, sign now).
    // The audit tree (rebuilt from the leaf record) and the saved read
    // models (decoded) load on blocking threads: side by side, start-up
    // takes the longer of the two rather than their sum.
    let (trail, read_models) = tokio::join!(
        async {
            AuditTrail::start(store.clone(), audit_dir, TrailSettings::default())
                .await
                .context("starting the audit trail")
        },
        async {
            Projector::<registre_projections::ReadModels>::start(
                store.clone(),
                Some(state_dir.clone()),
            )
            .await
            .context("starting the read models")
        }
    );
    let (trail, trail_task): (AuditTrail, _) = trail?;
    let read_models = read_models?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    tracing::info!(address = %address, store = %store.describe(), "registre is serving");
    // The address bound, on standard output: with `--listen 127.0.0.1:0`
    // the system picks a free port, and whoever started the server (a
    // script, the integration tests) learns it here, without the race of
    // choosing a port for it beforehand.
    say!("{LISTENING}{address}");
    let documents = document_settings(file, address)?;
    // Readiness waits for the read models to catch up (see /readyz).
    let (state, follower) = AppState::start_in(
        store.clone(),
        Some(read_models.clone()),
        Some(trail),
        Some(&state_dir),
        Some(credentials),
        documents,
    )
    .await
    .context("loading the access tokens")?;
    // As-of checkpoints are written in the background, so that a query
    // replays at most one interval even on a long log.
    let checkpoints = tokio::spawn({
        let as_of = state.as_of.clone();
        async move {
            loop {
                match store.head().await {
                    Ok(head) => {
                        if let Err(e) = as_of.checkpoint_to(head).await {
                            tracing::warn!(error = %e, "as-of checkpoints not written");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "as-of checkpoints: no head"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
        }
    });
    let limits = ConnectionLimits {
        header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout),
        max_connections: args.max_connections,
    };
    server::serve(state, listener, limits, shutdown_signal()).await?;
    follower.abort();
    checkpoints.abort();
    trail_task.stop().await;
    if let Err(e) = save_now(&read_models, &state_dir).await {
        tracing::warn!(error = %e, "could not save the read models on shutdown");
    }
    tracing::info!("registre stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The documents' letterhead and public address: `[documents]` of the
/// settings file over the AMM's defaults.
fn document_settings(file: &FileSettings, address: SocketAddr) -> anyhow::Result<DocumentSettings> {
    let mut settings = DocumentSettings {
        public_url: format!("http://{address}"),
        ..DocumentSettings::default()
    };
    let Some(d) = &file.documents else {
        return Ok(settings);
    };
    let head = &mut settings.letterhead;
    if let Some(name) = &d.name {
        head.name = name.clone();
    }
    if let Some(town) = &d.town {
        head.town = town.clone();
    }
    if let Some(address) = &d.address {
        head.address = address.clone();
    }
    if let Some(path) = &d.emblem {
        let svg = std::fs::read(path)
            .with_context(|| format!("cannot read the emblem {}", path.display()))?;
        anyhow::ensure!(
            svg.len() <= 1 << 20,
            "the emblem {} is over 1 MiB",
            path.display()
        );
        head.emblem_svg = Some(svg);
        registre_documents::check_letterhead(head)
            .with_context(|| format!("the emblem {} cannot be drawn", path.display()))?;
    }
    if let Some(url) = &d.public_url {
        anyhow::ensure!(
            url.starts_with("http://") || url.starts_with("https://"),
            "documents.public_url must start with http:// or https://"
        );
        settings.public_url = url.trim_end_matches('/').to_owned();
    }
    Ok(settings)
}
