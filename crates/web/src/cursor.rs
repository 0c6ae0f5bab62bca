//! Opaque cursors (issue 18): the position of a list page — a person's name sort key, a row id,
//! an audit sequence — goes into a URL or an API answer only sealed: encrypted so it shows
//! nothing, and authenticated so it cannot be forged or edited. The keys are made at start-up;
//! a cursor from before a restart is refused and the list starts again from its first page.
//!
//! Construction: the nonce is an HMAC of the text (so the same position always seals to the same
//! token — a page asked twice gives the same link — and equality is all it can tell), a keystream
//! of SHA-256 blocks over (key, nonce, counter) XORed with the text, then HMAC-SHA-256 over nonce
//! and ciphertext (encrypt-then-MAC), truncated to 16 bytes; base64url without padding.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const NONCE: usize = 16;
const TAG: usize = 16;

/// The keys that seal and open cursors.
pub struct Sealer {
    enc: [u8; 32],
    mac: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Default for Sealer {
    fn default() -> Self {
        Sealer::new()
    }
}

impl Sealer {
    /// Fresh random keys.
    pub fn new() -> Sealer {
        Sealer {
            enc: rand::random(),
            mac: rand::random(),
        }
    }

    fn keystream(&self, nonce: &[u8], len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 32);
        let mut counter: u64 = 0;
        while out.len() < len {
            let mut h = Sha256::new();
            h.update(self.enc);
            h.update(nonce);
            h.update(counter.to_le_bytes());
            out.extend_from_slice(&h.finalize());
            counter += 1;
        }
        out.truncate(len);
        out
    }

    fn tag(&self, nonce: &[u8], ct: &[u8]) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        m.update(nonce);
        m.update(ct);
        m
    }

    /// The cursor `plain` sealed for a URL.
    pub fn seal(&self, plain: &str) -> String {
        let n = self.tag(b"nonce", plain.as_bytes()).finalize().into_bytes();
        let nonce: [u8; NONCE] = std::array::from_fn(|i| n[i]);
        let ct: Vec<u8> = plain
            .bytes()
            .zip(self.keystream(&nonce, plain.len()))
            .map(|(a, b)| a ^ b)
            .collect();
        let tag = self.tag(&nonce, &ct).finalize().into_bytes();
        let mut out = Vec::with_capacity(NONCE + ct.len() + TAG);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag[..TAG]);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The cursor inside `token`, or `None` when it was not sealed here (forged, edited, from
    /// before a restart).
    pub fn open(&self, token: &str) -> Option<String> {
        let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        if raw.len() < NONCE + TAG {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE);
        let (ct, tag) = rest.split_at(rest.len() - TAG);
        self.tag(nonce, ct).verify_truncated_left(tag).ok()?;
        let plain: Vec<u8> = ct
            .iter()
            .zip(self.keystream(nonce, ct.len()))
            .map(|(a, b)| a ^ b)
            .collect();
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_cursor_opens_hides_its_text_and_refuses_any_change() {
        let s = Sealer::new();
        let plain = "nguyen van an\u{1f}1234";
        let token = s.seal(plain);
        assert_eq!(s.open(&token).as_deref(), Some(plain));
        assert!(!token.contains("nguyen") && !token.contains("1234"));
        assert_eq!(s.seal(plain), token, "the same position, the same link");
        assert_ne!(s.seal("nguyen van an\u{1f}1235"), token);
        // One character changed anywhere: refused.
        for i in 0..token.len() {
            let mut b = token.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let edited = String::from_utf8(b).unwrap();
            if edited != token {
                assert_eq!(s.open(&edited), None, "edited at {i}");
            }
        }
        assert_eq!(Sealer::new().open(&token), None, "another server's key");
        assert_eq!(s.open("khong-phai"), None);
        assert_eq!(s.open(""), None);
    }
}
