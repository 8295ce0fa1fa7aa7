//! Field-level encryption of what people write in their own words (check-in notes, the safety
//! plan, withdrawal-or-return notes, supporters' notes on flags, medication background,
//! invitation labels, supporters' suggestions and their reasons), so a copied database file
//! alone does not reveal them. The key lives outside the database (a key file the server is
//! started with).
//!
//! XChaCha20-Poly1305 with a random 192-bit nonce per value; stored as `enc1:` and the hex of
//! nonce and ciphertext. A value without the prefix is read as it is (rows written before
//! sealing existed, sealed at the first start with a key).

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::{Result, StoreError};

const PREFIX: &str = "enc1:";
const NONCE: usize = 24;

/// A 256-bit key.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// A new random key.
    pub fn generate() -> Key {
        let k = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut out = [0u8; 32];
        out.copy_from_slice(&k);
        Key(out)
    }

    /// A fingerprint that names the key without revealing it (for an operator's emergency kit:
    /// which key file goes with which backups): the first 16 hex characters of the SHA-256 of
    /// the key, in groups of four.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(self.0);
        let h = hex(&digest[..8]);
        h.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
    }

    /// The key as 64 hex characters, for its file.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// A key from its file's contents: 64 hex characters, surrounding space ignored.
    pub fn from_hex(text: &str) -> Result<Key> {
        let bytes = unhex(text.trim()).filter(|b| b.len() == 32).ok_or_else(|| {
            StoreError::Config("the key file must hold 64 hexadecimal characters (a 256-bit key)".into())
        })?;
        let mut out = [0u8; 32];
        out.copy_from_slice(&bytes);
        Ok(Key(out))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok())).collect()
}

pub(crate) struct Sealer(XChaCha20Poly1305);

impl Sealer {
    pub(crate) fn new(key: &Key) -> Sealer {
        Sealer(XChaCha20Poly1305::new(&key.0.into()))
    }

    pub(crate) fn seal(&self, plain: &str) -> Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .0
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| StoreError::Config("could not encrypt a value".into()))?;
        Ok(format!("{PREFIX}{}{}", hex(&nonce), hex(&ct)))
    }

    pub(crate) fn open(&self, stored: &str) -> Result<String> {
        let Some(body) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let bytes = unhex(body).filter(|b| b.len() > NONCE).ok_or_else(corrupt)?;
        let (nonce, ct) = bytes.split_at(NONCE);
        let mut n = XNonce::default();
        n.copy_from_slice(nonce);
        let plain = self.0.decrypt(&n, ct).map_err(|_| corrupt())?;
        String::from_utf8(plain).map_err(|_| corrupt())
    }
}

fn corrupt() -> StoreError {
    StoreError::Corrupt("an encrypted value cannot be read with this key".into())
}

/// Reads a stored value with the sealer, or as it is when the store has none (then a sealed
/// value is an error that says what is missing).
pub(crate) fn open(sealer: Option<&Sealer>, stored: String) -> Result<String> {
    match sealer {
        Some(s) => s.open(&stored),
        None if stored.starts_with(PREFIX) => {
            Err(StoreError::Config("this value is encrypted: start Taper with its key file".into()))
        }
        None => Ok(stored),
    }
}

pub(crate) fn seal(sealer: Option<&Sealer>, plain: &str) -> Result<String> {
    match sealer {
        Some(s) => s.seal(plain),
        None => Ok(plain.to_string()),
    }
}

pub(crate) fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_the_wrong_key_cannot_read_them() {
        let k = Key::generate();
        let s = Sealer::new(&k);
        let sealed = s.seal("brain zaps since Tuesday").unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("zaps"));
        assert_ne!(sealed, s.seal("brain zaps since Tuesday").unwrap(), "a fresh nonce each time");
        assert_eq!(s.open(&sealed).unwrap(), "brain zaps since Tuesday");
        assert_eq!(s.open("written before sealing").unwrap(), "written before sealing");
        assert!(Sealer::new(&Key::generate()).open(&sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(s.open(&tampered).is_err(), "tampering is detected");
        assert_eq!(Key::from_hex(&k.to_hex()).unwrap().to_hex(), k.to_hex());
        assert!(Key::from_hex("abc").is_err());
        assert!(open(None, sealed).unwrap_err().to_string().contains("key file"));
    }
}
