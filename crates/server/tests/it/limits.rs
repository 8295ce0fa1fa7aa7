//! Issue 19, N8: a client that trickles its headers, or promises a body it never sends, is cut
//! off by the server instead of holding a connection for ever (the test app's limits are 1 s for
//! headers and 2 s for a body; the served app's are 10 s and 30 s).

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{TestApp, on_both, on_sqlite};

/// Everything the server sends before it closes the connection (bounded, so a server that never
/// closes fails the test rather than hanging it).
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut got)).await;
    read.ok().map(|_| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn slow_headers_and_missing_bodies_are_cut_off() {
    on_sqlite(2, |app: TestApp| async move {
        let addr = app.base.trim_start_matches("http://").to_string();
        // Headers that never end.
        let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
        slow.write_all(b"GET /health HTTP/1.1\r\nHost: taper\r\nX-Slow: 1\r\n").await.unwrap();
        let answer = until_closed(&mut slow).await;
        assert!(answer.is_some(), "the server kept a connection whose headers never ended");
        // A body promised and not sent: refused as too slow, with words for a person.
        let mut lying = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = "POST /login HTTP/1.1\r\nHost: taper\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                    Content-Length: 100\r\nConnection: close\r\n\r\nemail";
        lying.write_all(head.as_bytes()).await.unwrap();
        let answer = until_closed(&mut lying).await.expect("the server answers and closes");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("took too long to arrive"), "{answer}");
        // Everyone else is still served.
        assert_eq!(app.browser().get("/health").await.body, "ok");
        app
    })
    .await;
}

/// Issue 21: `/ready` answers "ready" while the database answers, and 503 once it cannot (here,
/// its connections closed), with no detail for whoever asks.
#[tokio::test]
async fn ready_says_whether_the_database_answers() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let ok = b.get("/ready").await;
        assert_eq!((ok.status, ok.body.as_str()), (reqwest::StatusCode::OK, "ready"));
        app.store.close().await;
        let down = b.get("/ready").await;
        assert_eq!(down.status, reqwest::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(b.get("/health").await.body, "ok", "alive, though not ready");
        app
    })
    .await;
}
