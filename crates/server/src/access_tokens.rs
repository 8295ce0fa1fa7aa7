//! Personal access tokens for the JSON API (issue 22): how one looks, how it is found, and what a
//! person may choose for one. Shared by the page that makes them (`pages::tokens`) and the API
//! that takes them (`api`), so neither imports the other.

use jiff::Timestamp;
use taper_core::consent::Scope;

/// Every token starts with this, so one pasted in the wrong place is recognised (secret
/// scanners look for such prefixes) and the API can say "this is not a Taper token".
pub const PREFIX: &str = "taper_pat_";

/// How long a token may work, in days, as the form offers; the first is the default.
pub const LIFETIMES: [i64; 3] = [30, 90, 365];

/// Tokens that still work, per person: a runaway script cannot make them without end.
pub const MAX_WORKING: i64 = 20;

/// The longest name a token may have.
pub const MAX_LABEL: usize = 80;

/// A new token: the prefix and 256 random bits (base64url).
pub fn fresh() -> String {
    format!("{PREFIX}{}", taper_report::shl::fresh_token())
}

/// What is kept to find `token` again: its SHA-256. The token is random, so a fast hash is as
/// good as a slow one, and a lookup needs no secret.
pub fn stored_hash(token: &str) -> String {
    crate::cookies::stored_hash(token)
}

/// Whether `text` has the shape of a token [`fresh`] makes.
pub fn looks_like_token(text: &str) -> bool {
    text.strip_prefix(PREFIX).is_some_and(taper_report::shl::is_token)
}

/// Why a token no longer works at `now`, if it does not: said to whoever sent it.
pub fn stopped(t: &taper_store::ApiToken, now: Timestamp) -> Option<String> {
    if let Some(at) = t.revoked {
        return Some(format!("This token was stopped on {}. Make a new one on Account, API tokens.", day_of(at)));
    }
    (t.expires <= now)
        .then(|| format!("This token ran out on {}. Make a new one on Account, API tokens.", day_of(t.expires)))
}

fn day_of(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

/// The parts of the record a token reads.
pub fn scope_of(t: &taper_store::ApiToken) -> Scope {
    Scope::from_bits(t.scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_has_its_prefix_and_is_recognised() {
        let t = fresh();
        assert!(t.starts_with(PREFIX) && looks_like_token(&t), "{t}");
        assert!(!looks_like_token("taper_pat_short") && !looks_like_token(&t[PREFIX.len()..]));
        assert_ne!(fresh(), t);
        assert_eq!(stored_hash(&t).len(), 64);
    }
}
