//! Reading Taper's own cookies besides the session's: the anonymous form token and the device
//! cookie. Only values Taper could have made (64 hex digits) are read; anything else is ignored.

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
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
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
