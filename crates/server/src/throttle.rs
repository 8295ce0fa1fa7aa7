//! Limits on attempts that can be abused: signing in (per account and per client address),
//! signing up (per address), redeeming invitation codes and sending forms (per account). Counted in the
//! database, so every instance shares them (`Store::throttle_attempt`).
//!
//! Why a growing wait and not a lock-out (ASVS 2.2.1): a lock-out lets anyone who knows an
//! e-mail address keep its owner out; a wait that doubles after the free attempts (1 s, 2 s,
//! 4 s …, capped) leaves an online guesser a few hundred tries a day while the owner, at worst,
//! waits the cap once.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest as _, Sha256};

use crate::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    SignInAccount,
    /// Sign-ins from a browser that signed in to that account before (its device cookie).
    SignInDevice,
    SignInAddress,
    SignUpAddress,
    Redeem,
    /// Forms sent by one signed-in account.
    Post,
    /// Password-reset links asked for one address.
    Reset,
}

impl Limit {
    /// Attempts per window that wait for nothing.
    fn free(self) -> i64 {
        match self {
            Limit::SignInAccount | Limit::SignInDevice | Limit::Redeem => 10,
            // A clinic's shared connection may sign many people up in an hour.
            Limit::SignUpAddress => 30,
            Limit::SignInAddress => 50,
            // A person who lost one e-mail asks again; more is someone filling their inbox.
            Limit::Reset => 3,
            // Far above what a person does by hand (a check-in, a dose and a questionnaire a day).
            Limit::Post => 600,
        }
    }

    fn window(self) -> SignedDuration {
        SignedDuration::from_hours(1)
    }

    /// The longest wait one attempt can cause.
    fn max_delay(self) -> SignedDuration {
        match self {
            Limit::SignUpAddress | Limit::Reset => SignedDuration::from_hours(1),
            Limit::Post => SignedDuration::from_mins(1),
            _ => SignedDuration::from_mins(15),
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Limit::SignInAccount => "signin:account",
            Limit::SignInDevice => "signin:device",
            Limit::SignInAddress => "signin:address",
            Limit::SignUpAddress => "signup:address",
            Limit::Redeem => "redeem:account",
            Limit::Post => "post:account",
            Limit::Reset => "reset:account",
        }
    }
}

/// An e-mail address as a throttle and log key: a hash, so neither the table nor the log holds
/// the address itself.
pub fn account_key(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// How long a browser that signed in is remembered as the owner's (OWASP's device cookies).
pub const DEVICE_DAYS: i64 = 90;

/// The earliest sign-in a device cookie may come from to still count at `now`.
pub fn devices_since(now: Timestamp) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(24 * DEVICE_DAYS)).unwrap_or(now)
}

fn device_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-taper-device" } else { "taper-device" }
}

/// A stored device cookie's key: its hash, so the table cannot be used to make one.
pub fn device_key(token: &str) -> String {
    crate::cookies::stored_hash(token)
}

/// The device cookie this request carries, if it is one Taper could have made.
pub fn device_cookie(headers: &axum::http::HeaderMap, secure: bool) -> Option<String> {
    crate::cookies::token(headers, device_cookie_name(secure))
}

/// A `Set-Cookie` value that gives this browser `token` as its device cookie.
pub fn set_device_cookie(token: &str, secure: bool) -> String {
    crate::cookies::set(device_cookie_name(secure), token, DEVICE_DAYS * 24 * 3600, secure)
}

/// Which counters a sign-in for `email` is judged on: a browser that signed in to this account
/// before, on its own (so a guesser elsewhere cannot keep the owner out, M2); anyone else, on
/// their address and the account.
pub async fn sign_in_keys(
    state: &AppState,
    email: &str,
    addr: ClientAddr,
    device: Option<&str>,
) -> taper_store::Result<SignInKeys> {
    if let Some(token) = device {
        let key = device_key(token);
        if state.store.device_known(&key, email, devices_since(Timestamp::now())).await? {
            return Ok(SignInKeys::Device(key));
        }
    }
    Ok(SignInKeys::Stranger { address: addr.key(), account: account_key(email) })
}

/// The counters one sign-in is judged on.
pub enum SignInKeys {
    /// A browser that signed in to this account before: its device cookie's key.
    Device(String),
    Stranger {
        address: String,
        account: String,
    },
}

impl SignInKeys {
    /// How long this sign-in must wait first, if a wait is running on any of its counters.
    /// Nothing is counted: only a wrong password is ([`SignInKeys::failed`]), so the right
    /// password never adds to a wait (walk-through N13), and a refused attempt adds no row (M1).
    pub async fn wait(&self, state: &AppState) -> taper_store::Result<Option<i64>> {
        let now = Timestamp::now();
        let mut longest = None;
        for full in self.full_keys() {
            if let Some(until) = state.store.throttle_wait(&full, now).await? {
                let secs = until.duration_since(now).as_secs().max(1);
                longest = longest.max(Some(secs));
            }
        }
        Ok(longest)
    }

    /// Counts a wrong password: on the device's counter, or on the address's and then — only
    /// when the address may go on — the account's.
    pub async fn failed(&self, state: &AppState) -> taper_store::Result<()> {
        match self {
            SignInKeys::Device(key) => {
                attempt(state, Limit::SignInDevice, key).await?;
            }
            SignInKeys::Stranger { address, account } => {
                if attempt(state, Limit::SignInAddress, address).await?.is_none() {
                    attempt(state, Limit::SignInAccount, account).await?;
                }
            }
        }
        Ok(())
    }

    /// The device cookie's key, when the browser is known.
    pub fn device(&self) -> Option<&str> {
        match self {
            SignInKeys::Device(k) => Some(k),
            SignInKeys::Stranger { .. } => None,
        }
    }

    fn full_keys(&self) -> Vec<String> {
        match self {
            SignInKeys::Device(key) => vec![format!("{}:{key}", Limit::SignInDevice.prefix())],
            SignInKeys::Stranger { address, account } => vec![
                format!("{}:{address}", Limit::SignInAddress.prefix()),
                format!("{}:{account}", Limit::SignInAccount.prefix()),
            ],
        }
    }
}

/// Counts an attempt; `Some(seconds)` when it must wait that long first (not counted then).
pub async fn attempt(state: &AppState, limit: Limit, key: &str) -> taper_store::Result<Option<i64>> {
    let now = Timestamp::now();
    let full = format!("{}:{key}", limit.prefix());
    let until = state.store.throttle_attempt(&full, now, limit.free(), limit.window(), limit.max_delay()).await?;
    if until.is_some() {
        state.metrics.refused(limit.prefix());
    }
    Ok(until.map(|t| t.duration_since(now).as_secs().max(1)))
}

/// Forgets an account's sign-in attempts after it signed in.
pub async fn clear(state: &AppState, limit: Limit, key: &str) -> taper_store::Result<()> {
    state.store.throttle_clear(&format!("{}:{key}", limit.prefix())).await?;
    Ok(())
}

/// What a refused person is told.
pub fn wait_words(seconds: i64) -> String {
    let wait = match seconds {
        ..=1 => "1 second".to_string(),
        2..90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    };
    format!(
        "Too many attempts in a short time. For safety, please wait {wait} and try again. Nothing is wrong with \
         your account: this only slows down anyone trying to guess."
    )
}

/// A page shown to someone made to wait, as a refusal: 429 with Retry-After in seconds, so
/// browsers and scripts alike know when to come back.
pub fn refused(mut page: axum::response::Response, wait: i64) -> axum::response::Response {
    *page.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string()) {
        page.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    page
}

/// The client's address as the connection saw it (`None` when the server was started without
/// connection info). Behind a reverse proxy every client shares the proxy's address, so the
/// per-address limit then limits the proxy as a whole: the per-account limit still holds.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    pub fn key(self) -> String {
        self.0.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_keys_hide_the_address_and_ignore_case() {
        let k = account_key(" Sam@Example.org ");
        assert_eq!(k, account_key("sam@example.org"));
        assert_eq!(k.len(), 24);
        assert!(!k.contains("sam"));
    }

    #[test]
    fn waits_are_said_in_words() {
        assert!(wait_words(4).contains("wait 4 seconds"));
        assert!(wait_words(900).contains("wait 15 minutes"));
    }
}
