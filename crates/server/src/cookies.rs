//! Taper's own tokens and the cookies that carry them, besides the session's: the anonymous
//! form token and the device cookie. Made one way, stored only as a hash, read back only when
//! they are something Taper could have made (64 hex digits).

use sha2::{Digest as _, Sha256};

/// A new random token: 64 hex digits (256 bits).
pub fn fresh_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// `raw` (from a link's address) as a token, if it is one Taper could have made.
pub fn token_of(raw: &str) -> Option<&str> {
    is_token(raw).then_some(raw)
}

/// How a token is stored: its SHA-256 in hex, so a copied table cannot be used to act with it.
pub fn stored_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A `Set-Cookie` value for one of these cookies: the whole site, out of scripts' reach, never
/// sent by another site's request, `Secure` behind TLS; `max_age` 0 removes it.
pub fn set(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `response` with one more `Set-Cookie`.
pub fn append(mut response: axum::response::Response, cookie: &str) -> axum::response::Response {
    if let Ok(v) = axum::http::HeaderValue::from_str(cookie) {
        response.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    response
}

/// The value of the cookie `name`, when it is one of Taper's tokens (64 hex digits).
pub fn token(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| is_token(v))
}

/// Whether `raw` is something `fresh_token` could have made (64 hex digits): a link's token is
/// looked up only then.
pub fn is_token(raw: &str) -> bool {
    raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_taper_made_values_are_read() {
        let mut h = axum::http::HeaderMap::new();
        let good = "ab".repeat(32);
        h.append(axum::http::header::COOKIE, format!("other=1; taper-form={good}").parse().unwrap());
        h.append(axum::http::header::COOKIE, "taper-device=<script>".parse().unwrap());
        assert_eq!(token(&h, "taper-form").as_deref(), Some(good.as_str()));
        assert_eq!(token(&h, "taper-device"), None, "not 64 hex digits");
        assert_eq!(token(&h, "missing"), None);
    }
}
