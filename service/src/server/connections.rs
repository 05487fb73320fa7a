//! Accepting and serving connections, with bounds on what a client may
//! hold without sending a request.
//!
//! `axum::serve` sets no timer on hyper, so a connection that sends its
//! header one byte at a time, or nothing at all, was kept open for ever and
//! a few hundred of them held as many sockets and tasks. Here each
//! connection is served by hyper's HTTP/1 builder with a header-read
//! timeout, and the number of open connections is capped.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};

/// How long a client has to send a request's whole header, counted from
/// the moment the server waits for it: on a new connection and between
/// requests on a kept-alive one. It is therefore also the idle bound of a
/// kept-alive connection. Past it, the connection is closed without an
/// answer.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once (websockets not counted once upgraded).
/// Beyond it, new connections wait in the system's accept queue until one
/// closes.
pub const MAX_CONNECTIONS: usize = 1024;

/// How long to wait before accepting again after the system refused
/// (out of file descriptors, say): retrying at once would spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The bounds of [`serve`]; the defaults are the constants above.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting, lets each connection finish the request in hand and returns
/// once they are all closed. (hyper closes a connection that has not sent
/// its first request only at the header timeout, so a stop may wait that
/// long.)
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Connections watch `stop`; each holds a clone of `open`, so `closed`
    // ends when the last one has gone.
    let (stop, _) = watch::channel(false);
    let (open, mut closed) = mpsc::channel::<Infallible>(1);
    futures::pin_mut!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop.subscribe();
        let open = open.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _open = open;
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let conn = builder
                .serve_connection(TokioIo::new(tcp), TowerToHyperService::new(app))
                .with_upgrades();
            futures::pin_mut!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    changed = stop.changed(), if !stopping => {
                        stopping = true;
                        if changed.is_ok() {
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    stop.send_replace(true);
    drop(open);
    let _ = closed.recv().await;
    Ok(())
}
