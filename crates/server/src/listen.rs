//! Accepting connections with limits a slow or hostile client cannot get round (issue 19, N8):
//! a bounded number of connections at once (more wait to be accepted), a deadline for a
//! request's headers, and one for its body. `axum::serve` offers none of these, so the accept
//! loop is ours, on hyper's own HTTP/1 connection builder.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::{Service as _, ServiceExt as _};

/// What one client may take of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; the next waits to be accepted until one closes.
    pub connections: usize,
    /// How long a client may take to send a request's headers (also while a kept-alive
    /// connection waits for its next request).
    pub headers: Duration,
    /// How long a client may take to send a request's body.
    pub body: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        // Far above what people with phones need, far below the process's file limit.
        Limits { connections: 1024, headers: Duration::from_secs(10), body: Duration::from_secs(30) }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then lets the
/// connections in flight finish.
pub async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let router = router.layer(tower_http::timeout::RequestBodyDeadlineLayer::new(limits.body));
    let mut make = router.into_make_service_with_connect_info::<SocketAddr>();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s { Ok(s) => s, Err(_) => break },
            () = &mut shutdown => break,
        };
        let (stream, addr) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(service) = make.call(addr).await;
        let hyper_service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            service.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.headers)
            .serve_connection(TokioIo::new(stream), hyper_service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
