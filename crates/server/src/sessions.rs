//! tower-sessions' `SessionStore` kept in Taper's own database (the published sqlx store
//! targets an older sqlx), so sessions survive restarts and are deleted with the account. Ids
//! are stored hashed.

use async_trait::async_trait;
use taper_store::Store;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessions(pub Store);

/// How a session id is stored: its SHA-256, so the table cannot be used to take over a session
/// (security probe, low: ids stored as they are).
pub fn stored_key(id: &Id) -> String {
    crate::cookies::stored_hash(&id.to_string())
}

/// Where a signed-in session keeps its account.
pub const USER_KEY: &str = "user";
/// When the person signed in, in seconds (kept in the session by sign-in).
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// When the session was last saved because the person was active, in milliseconds.
pub const SEEN_AT: &str = "seen_at";
/// The browser and device that signed in, in words ("Firefox on Windows").
pub const DEVICE: &str = "device";

/// A browser's User-Agent in words, for the list of places an account is signed in (walk-through
/// N17: the list showed only times). Coarse on purpose: the browser's family and the system.
pub fn device_of(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS", "Firefox"),
        ("CriOS", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map_or("A browser", |(_, name)| name);
    let system = [
        ("iPhone", "an iPhone"),
        ("iPad", "an iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("CrOS", "ChromeOS"),
        ("Macintosh", "a Mac"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| *name);
    match system {
        Some(s) => format!("{browser} on {s}"),
        None => browser.to_string(),
    }
}

/// The device a stored session signed in from, where it was kept.
pub fn session_device(data: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    v.get(DEVICE).and_then(serde_json::Value::as_str).map(str::to_string)
}

/// When a stored session's browser signed in and was last active, in seconds, read from the
/// session's stored data; last active falls back to the sign-in.
pub fn session_times(data: &str) -> (Option<i64>, Option<i64>) {
    let v: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    let signed_in = v.get(SIGNED_IN_AT).and_then(serde_json::Value::as_i64);
    let seen = v.get(SEEN_AT).and_then(serde_json::Value::as_i64).map(|ms| ms / 1000).or(signed_in);
    (signed_in, seen)
}

/// The stored key of the browser's own session, or empty before it has one.
pub fn this_browser(session: &tower_sessions::Session) -> String {
    session.id().map(|id| stored_key(&id)).unwrap_or_default()
}

fn backend(e: taper_store::StoreError) -> Error {
    Error::Backend(e.to_string())
}

fn expiry(r: &Record) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_second(r.expiry_date.unix_timestamp()).map_err(|e| Error::Encode(e.to_string()))
}

fn encode(r: &Record) -> Result<String> {
    serde_json::to_string(&r.data).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessions {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A 128-bit random id colliding is astronomically unlikely; if it happens, draw again.
        loop {
            if self
                .0
                .session_create(&stored_key(&record.id), &encode(record)?, expiry(record)?)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.0.session_save(&stored_key(&record.id), &encode(record)?, expiry(record)?).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some((data, expires)) =
            self.0.session_load(&stored_key(id), jiff::Timestamp::now()).await.map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp(expires.as_second()).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.0.session_delete(&stored_key(id)).await.map_err(backend)
    }
}

/// Removes expired sessions, old throttle keys and old form tokens every ten minutes.
pub async fn sweep_expired(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = jiff::Timestamp::now();
        if let Err(e) = store.sessions_delete_expired(now).await {
            tracing::warn!("could not sweep expired sessions: {e}");
        }
        // Throttle keys whose window ended a day ago and that hold nobody back.
        let day_ago = now.checked_sub(jiff::SignedDuration::from_hours(24)).unwrap_or(now);
        if let Err(e) = store.throttle_sweep(day_ago, now).await {
            tracing::warn!("could not sweep old throttle keys: {e}");
        }
        if let Err(e) = store.form_owners_sweep(crate::lapsed::owned_since(now)).await {
            tracing::warn!("could not sweep old form tokens: {e}");
        }
        if let Err(e) = store.devices_sweep(crate::throttle::devices_since(now)).await {
            tracing::warn!("could not sweep old device cookies: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::device_of;

    #[test]
    fn a_user_agent_reads_as_browser_and_system() {
        let cases = [
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
                "Safari on an iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0",
                "Edge on Windows",
            ),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on a Mac"),
            ("", "A browser"),
        ];
        for (ua, words) in cases {
            assert_eq!(device_of(ua), words, "{ua}");
        }
    }
}
