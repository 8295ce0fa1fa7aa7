//! SMART Health Links (HL7 SMART Health Links IG v1.0.0, STU1): the `shlink:/` payload a person
//! hands on, the JWE each shared file is encrypted as, and the QR code that carries the link.
//!
//! What the specification fixes, and this module follows:
//! - the payload is JSON (`url`, `key`, `exp`, `flag`, `label`, `v`) in base64url without
//!   padding after `shlink:/`; it may follow a viewer's address and `#`;
//! - `key` is 32 random bytes in base64url (43 characters); the manifest `url` carries at
//!   least 256 bits of entropy; `label` is at most 80 characters; flag `P`: a passcode is needed;
//! - each file is a compact JWE with `alg: dir`, `enc: A256GCM` and `cty`, the file's type.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;

/// A label's length at most (the specification's limit).
pub const LABEL_MAX: usize = 80;

/// A file key: 32 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct FileKey([u8; 32]);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(…)")
    }
}

impl FileKey {
    pub fn generate() -> FileKey {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        FileKey(k)
    }

    /// A key from 32 bytes (one derived from a server's own secret).
    pub fn from_bytes(bytes: [u8; 32]) -> FileKey {
        FileKey(bytes)
    }

    /// As the payload carries it: 43 characters of base64url.
    pub fn encoded(&self) -> String {
        B64.encode(self.0)
    }

    /// From its encoded form; `None` unless it is 32 bytes of base64url.
    pub fn decode(text: &str) -> Option<FileKey> {
        let bytes = B64.decode(text).ok()?;
        Some(FileKey(bytes.try_into().ok()?))
    }
}

/// A token's length: 32 bytes in base64url.
pub const TOKEN_CHARS: usize = 43;

/// Whether `text` could be a token [`fresh_token`] made.
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_CHARS && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// 32 random bytes in base64url: a link's token, 256 bits as the manifest address needs.
pub fn fresh_token() -> String {
    FileKey::generate().encoded()
}

/// Letters and digits no one confuses when reading a passcode aloud (no 0/O, 1/I/L).
const PASSCODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A new passcode, "ABCD-2345": eight characters of 31 (about 40 bits), enough when a link stops
/// after a few wrong tries.
pub fn passcode() -> String {
    // A 32-bit draw per character: the remainder's bias is under one in a hundred million.
    let chars: String = (0..8)
        .map(|_| {
            let n = OsRng.next_u32() as usize;
            char::from(PASSCODE_ALPHABET[n % PASSCODE_ALPHABET.len()])
        })
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// A passcode as typed, made comparable: spaces and dashes dropped, capitals.
pub fn passcode_typed(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// What a `shlink:/` carries.
#[derive(Debug, Clone, Serialize)]
pub struct LinkPayload {
    /// The manifest's address.
    pub url: String,
    pub key: String,
    /// When the link stops, in seconds since 1970.
    pub exp: i64,
    pub flag: &'static str,
    pub label: String,
    pub v: u8,
}

impl LinkPayload {
    /// A link needing a passcode, labelled with at most [`LABEL_MAX`] characters of `label`.
    pub fn with_passcode(url: String, key: &FileKey, exp: i64, label: &str) -> LinkPayload {
        LinkPayload { url, key: key.encoded(), exp, flag: "P", label: label.chars().take(LABEL_MAX).collect(), v: 1 }
    }

    /// `shlink:/` and the payload, after `viewer#` where a viewer's address is given.
    pub fn uri(&self, viewer: Option<&str>) -> String {
        // A struct of strings and numbers always serialises.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let link = format!("shlink:/{}", B64.encode(json));
        match viewer {
            Some(v) => format!("{v}#{link}"),
            None => link,
        }
    }
}

/// `plain` as a compact JWE (`dir`, `A256GCM`) of content type `cty`, with a random IV.
pub fn encrypt(key: &FileKey, cty: &str, plain: &[u8]) -> String {
    let mut iv = [0u8; 12];
    OsRng.fill_bytes(&mut iv);
    encrypt_with_iv(key, cty, plain, iv)
}

/// As [`encrypt`], with the IV given (tests).
pub fn encrypt_with_iv(key: &FileKey, cty: &str, plain: &[u8], iv: [u8; 12]) -> String {
    let header = serde_json::json!({ "alg": "dir", "enc": "A256GCM", "cty": cty }).to_string();
    let protected = B64.encode(header);
    let cipher = Aes256Gcm::new((&key.0).into());
    // The additional data is the protected header as encoded (RFC 7516 §5.1, step 14). AES-GCM
    // refuses only a message over 64 GiB, far past any file Taper makes.
    let sealed =
        cipher.encrypt(&Nonce::from(iv), Payload { msg: plain, aad: protected.as_bytes() }).unwrap_or_default();
    // AES-GCM appends its 16-byte tag to the ciphertext.
    let (text, tag) = sealed.split_at(sealed.len().saturating_sub(16));
    format!("{protected}..{}.{}.{}", B64.encode(iv), B64.encode(text), B64.encode(tag))
}

/// The plain text of a compact JWE made by [`encrypt`], or `None` when it does not open with `key`.
pub fn decrypt(key: &FileKey, jwe: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = jwe.split('.').collect();
    let [protected, "", iv, text, tag] = parts.as_slice() else { return None };
    let iv: [u8; 12] = B64.decode(iv).ok()?.try_into().ok()?;
    let mut sealed = B64.decode(text).ok()?;
    sealed.extend(B64.decode(tag).ok()?);
    let cipher = Aes256Gcm::new((&key.0).into());
    cipher.decrypt(&Nonce::from(iv), Payload { msg: &sealed, aad: protected.as_bytes() }).ok()
}

/// `text` as a QR code (error correction M, as the specification asks), an SVG of dark modules
/// on white that scales to its container.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    // Drawn inside a page, where an XML declaration does not belong.
    Some(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_opens_with_its_key_and_not_with_another_nor_when_altered() {
        let key = FileKey::generate();
        let jwe = encrypt(&key, "application/fhir+json", b"{\"resourceType\":\"Bundle\"}");
        assert_eq!(decrypt(&key, &jwe).as_deref(), Some(&b"{\"resourceType\":\"Bundle\"}"[..]));
        assert_eq!(decrypt(&FileKey::generate(), &jwe), None);
        // The header is authenticated: changing its content type breaks the file.
        let (_, rest) = jwe.split_once('.').unwrap();
        let other = B64.encode(r#"{"alg":"dir","enc":"A256GCM","cty":"text/plain"}"#);
        assert_eq!(decrypt(&key, &format!("{other}.{rest}")), None);
        let header: serde_json::Value =
            serde_json::from_slice(&B64.decode(jwe.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header, serde_json::json!({"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json"}));
    }

    #[test]
    fn the_payload_has_the_fields_and_limits_the_specification_sets() {
        let key = FileKey::generate();
        assert_eq!(key.encoded().len(), 43);
        assert_eq!(FileKey::decode(&key.encoded()), Some(key.clone()));
        assert_eq!(FileKey::decode("too-short"), None);
        let long = "é".repeat(100);
        let p = LinkPayload::with_passcode("https://t.example/shl/abc".into(), &key, 1_800_000_000, &long);
        let uri = p.uri(Some("https://t.example/s/abc"));
        let encoded = uri.strip_prefix("https://t.example/s/abc#shlink:/").expect("viewer, #, shlink:/");
        let read: serde_json::Value = serde_json::from_slice(&B64.decode(encoded).unwrap()).unwrap();
        assert_eq!(read["url"], "https://t.example/shl/abc");
        assert_eq!(read["key"], key.encoded());
        assert_eq!(read["exp"], 1_800_000_000);
        assert_eq!(read["flag"], "P");
        assert_eq!(read["v"], 1);
        assert_eq!(read["label"].as_str().unwrap().chars().count(), LABEL_MAX);
        assert!(!encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'), "base64url, no padding");
        assert_eq!(fresh_token().len(), TOKEN_CHARS);
        assert!(is_token(&fresh_token()) && !is_token("abc") && !is_token(&"a/".repeat(22)[..43]));
        assert_ne!(fresh_token(), fresh_token());
    }

    #[test]
    fn a_passcode_reads_aloud_and_is_matched_however_typed() {
        let p = passcode();
        assert_eq!(p.len(), 9);
        assert_eq!(&p[4..5], "-");
        assert!(p.chars().filter(|c| *c != '-').all(|c| PASSCODE_ALPHABET.contains(&(c as u8))), "{p}");
        assert_eq!(passcode_typed(" abcd - 2345 "), "ABCD2345");
        assert_eq!(passcode_typed(&p), p.replace('-', ""));
        assert_ne!(passcode(), passcode());
    }

    #[test]
    fn a_link_draws_as_a_qr_code() {
        let svg = qr_svg(&format!("https://t.example/s/{}#shlink:/{}", fresh_token(), "A".repeat(300))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path"), "{}", &svg[..80]);
    }
}
