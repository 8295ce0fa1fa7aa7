//! `/metrics` in the Prometheus text format (issue 21): how long each route takes (a histogram
//! per method and route, the route as written in the router, never the address asked), answers
//! by status class, the planners in use, the e-mail queue, the database pool and refusals by the
//! attempt limits. Off unless the operator gives a token (`--metrics-token`); asked with
//! `Authorization: Bearer <token>`. Nothing in it names a person.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds (the Prometheus clients' defaults).
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default, Clone)]
struct Histogram {
    /// Observations at or below each bound (not yet cumulative).
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What the server counts while it runs (lost at restart, as Prometheus expects of counters).
#[derive(Default)]
pub struct Metrics {
    /// (method, route) → latency.
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    /// (method, route, status class such as "2xx") → answers.
    answers: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    /// Attempt-limit refusals by limit.
    refusals: Mutex<BTreeMap<&'static str, u64>>,
    planners_total: AtomicU64,
    /// The automatic backups: when the last one was taken (Unix seconds; 0 none yet), and how
    /// many tries failed (an operator walk: a failing backup showed only in an hourly log line).
    backup_taken_at: AtomicU64,
    backup_failures: AtomicU64,
}

fn class(status: StatusCode) -> &'static str {
    if status.is_informational() {
        "1xx"
    } else if status.is_success() {
        "2xx"
    } else if status.is_redirection() {
        "3xx"
    } else if status.is_client_error() {
        "4xx"
    } else {
        "5xx"
    }
}

impl Metrics {
    pub fn with_planners(planners: usize) -> Metrics {
        let m = Metrics::default();
        m.planners_total.store(planners as u64, Ordering::Relaxed);
        m
    }

    fn observe(&self, method: &str, route: &str, status: StatusCode, seconds: f64) {
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry((method.to_string(), route.to_string())).or_default();
            if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
                h.counts[i] += 1;
            }
            h.count += 1;
            h.sum += seconds;
        }
        if let Ok(mut a) = self.answers.lock() {
            *a.entry((method.to_string(), route.to_string(), class(status))).or_default() += 1;
        }
    }

    /// An automatic backup taken at `at`.
    pub fn backup_taken(&self, at: jiff::Timestamp) {
        self.backup_taken_at.store(u64::try_from(at.as_second()).unwrap_or_default(), Ordering::Relaxed);
    }

    /// An automatic backup that failed.
    pub fn backup_failed(&self) {
        self.backup_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// One refusal by the attempt limit named `limit`.
    pub fn refused(&self, limit: &'static str) {
        if let Ok(mut r) = self.refusals.lock() {
            *r.entry(limit).or_default() += 1;
        }
    }
}

/// Times every request to a route of the router (a `route_layer`, so the route is known).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    if let Some(route) = route {
        state.metrics.observe(&method, &route, response.status(), started.elapsed().as_secs_f64());
    }
    response
}

/// A label value as the text format writes it.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Whether `given` is the token, compared in time that does not depend on where they differ.
fn same(given: &[u8], token: &[u8]) -> bool {
    given.len() == token.len() && given.iter().zip(token).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// GET /metrics: 404 while off (no token set), 401 without the token, else the text format.
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.metrics_token.as_deref() else {
        return crate::pages::not_found().await;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        // The scheme's name is case-insensitive (RFC 9110 11.1).
        .and_then(|v| v.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, t)| t))
        .unwrap_or_default();
    if !same(given.trim().as_bytes(), token.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "A token is needed.\n")
            .into_response();
    }
    match render(&state).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics could not be read");
            (StatusCode::SERVICE_UNAVAILABLE, "The database does not answer.\n").into_response()
        }
    }
}

/// Everything, in the text exposition format.
pub async fn render(state: &AppState) -> taper_store::Result<String> {
    let m = &state.metrics;
    let mut out = String::new();
    let _ = writeln!(out, "# HELP taper_http_request_duration_seconds Time to answer a request, by method and route.");
    let _ = writeln!(out, "# TYPE taper_http_request_duration_seconds histogram");
    let latency = m.latency.lock().map(|l| l.clone()).unwrap_or_default();
    for ((method, route), h) in &latency {
        let labels = format!("method=\"{}\",route=\"{}\"", label(method), label(route));
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(h.counts) {
            cumulative += n;
            let _ = writeln!(out, "taper_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(out, "taper_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "taper_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
        let _ = writeln!(out, "taper_http_request_duration_seconds_count{{{labels}}} {}", h.count);
    }
    let _ = writeln!(out, "# HELP taper_http_responses_total Answers by method, route and status class.");
    let _ = writeln!(out, "# TYPE taper_http_responses_total counter");
    let answers = m.answers.lock().map(|a| a.clone()).unwrap_or_default();
    for ((method, route, class), n) in &answers {
        let _ = writeln!(
            out,
            "taper_http_responses_total{{method=\"{}\",route=\"{}\",status=\"{class}\"}} {n}",
            label(method),
            label(route)
        );
    }
    let _ = writeln!(out, "# HELP taper_throttle_refusals_total Requests refused by an attempt limit.");
    let _ = writeln!(out, "# TYPE taper_throttle_refusals_total counter");
    for (limit, n) in m.refusals.lock().map(|r| r.clone()).unwrap_or_default() {
        let _ = writeln!(out, "taper_throttle_refusals_total{{limit=\"{limit}\"}} {n}");
    }
    let total = m.planners_total.load(Ordering::Relaxed);
    let free = state.planners.available_permits() as u64;
    gauge(&mut out, "taper_planners", "Planners that may work out a plan at once.", total);
    gauge(&mut out, "taper_planners_busy", "Planners working out a plan now.", total.saturating_sub(free));
    let jobs = state.store.jobs_pending().await?;
    let failed = jobs.iter().filter(|j| j.failed_at.is_some()).count() as u64;
    gauge(&mut out, "taper_jobs_waiting", "Messages queued to send, or to try again.", jobs.len() as u64 - failed);
    gauge(&mut out, "taper_jobs_failed", "Messages that failed for good and wait for the operator.", failed);
    gauge(
        &mut out,
        "taper_backup_last_taken_seconds",
        "When the last automatic backup was taken (Unix time; 0: none since start).",
        m.backup_taken_at.load(Ordering::Relaxed),
    );
    let _ = writeln!(out, "# HELP taper_backup_failures_total Automatic backups that failed since start.");
    let _ = writeln!(out, "# TYPE taper_backup_failures_total counter");
    let _ = writeln!(out, "taper_backup_failures_total {}", m.backup_failures.load(Ordering::Relaxed));
    let (size, idle) = state.store.pool_use();
    gauge(&mut out, "taper_db_connections", "Database connections open.", size);
    gauge(&mut out, "taper_db_connections_idle", "Database connections open and idle.", idle);
    Ok(out)
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    let _ = writeln!(out, "{name} {value}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_its_bucket_and_the_buckets_add_up() {
        let m = Metrics::default();
        m.observe("GET", "/today", StatusCode::OK, 0.003);
        m.observe("GET", "/today", StatusCode::OK, 0.2);
        m.observe("GET", "/today", StatusCode::NOT_FOUND, 20.0);
        let l = m.latency.lock().unwrap();
        let h = &l[&("GET".to_string(), "/today".to_string())];
        assert_eq!((h.count, h.counts[0], h.counts[5], h.counts.iter().sum::<u64>()), (3, 1, 1, 2));
        let a = m.answers.lock().unwrap();
        assert_eq!(a[&("GET".to_string(), "/today".to_string(), "4xx")], 1);
    }

    #[test]
    fn the_token_must_match_whole() {
        assert!(same(b"abc", b"abc") && !same(b"abd", b"abc") && !same(b"ab", b"abc") && !same(b"", b"abc"));
        assert_eq!(label("a\"b\\c"), "a\\\"b\\\\c");
    }
}
