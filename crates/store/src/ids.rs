//! Opaque public ids: what URLs and the API carry. Random 64 bits in Crockford base32 (13
//! characters), so a count never leaks across scopes. Integer keys stay inside the server.

use std::fmt;

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// An opaque public id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PubId(String);

impl PubId {
    /// A fresh random id.
    pub fn generate() -> PubId {
        PubId::from_u64(rand::random::<u64>())
    }

    /// The id of 64 given bits (a seeded generator uses this for deterministic demo data).
    pub fn from_u64(mut n: u64) -> PubId {
        let mut out = [b'0'; 13];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(n & 31) as usize];
            n >>= 5;
        }
        PubId(out.iter().map(|&b| char::from(b)).collect())
    }

    /// Parse an id from a URL or form: exactly 13 characters of the alphabet (case-insensitive).
    pub fn parse(s: &str) -> Option<PubId> {
        let s = s.trim().to_ascii_lowercase();
        (s.len() == 13 && s.bytes().all(|b| ALPHABET.contains(&b))).then_some(PubId(s))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PubId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_thirteen_characters_and_parse_back() {
        let id = PubId::generate();
        assert_eq!(id.as_str().len(), 13);
        assert_eq!(PubId::parse(&id.as_str().to_uppercase()), Some(id));
        assert_eq!(PubId::from_u64(0).as_str(), "0000000000000");
        assert_eq!(PubId::parse("123"), None);
        assert_eq!(
            PubId::parse("000000000000u"),
            None,
            "u is not in the alphabet"
        );
    }
}

/// Lowercase hexadecimal of `bytes` (hashes, tokens, ids in HTML).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod hex_tests {
    #[test]
    fn hex_is_two_lowercase_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(super::hex(&[]), "");
    }
}
