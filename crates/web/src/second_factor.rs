//! The optional second factor of administrators and organisation staff (issue 18): a time-based
//! one-time code (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits, one step of clock drift either
//! way), computed by [`totp_rs`]. `ketnap user totp NAME` gives an account its secret; the login
//! form then asks for the code, and a code is accepted once (`users::spend_totp_step`).

use totp_rs::{Algorithm, Secret, TOTP};

/// Length of a new secret in bytes (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;

/// The roles that may turn the second factor on (the accounts that reach the most).
pub fn offered_to(role: ketnap_store::Role) -> bool {
    matches!(
        role,
        ketnap_store::Role::Admin | ketnap_store::Role::OrgStaff
    )
}

fn totp(secret_base32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes).ok()
}

/// A new random secret, base32 (what an authenticator app is given by hand).
pub fn new_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded gives the encoded form"),
    }
}

/// The `otpauth://` address an authenticator app reads (as a QR code or pasted).
pub fn otpauth_uri(username: &str, secret_base32: &str) -> String {
    let label: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    format!(
        "otpauth://totp/ketnap:{label}?secret={secret_base32}&issuer=ketnap&algorithm=SHA1&digits=6&period=30"
    )
}

/// The 30-second step whose code `code` is, at `now` (Unix seconds), allowing one step of drift
/// either way; `None` when it is none of them (or the secret is unreadable).
pub fn step_of(secret_base32: &str, code: &str, now: i64) -> Option<i64> {
    let totp = totp(secret_base32)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now).ok()?;
    let step = now / 30;
    [step, step.saturating_sub(1), step + 1]
        .into_iter()
        .find(|s| totp.generate(s * 30) == code)
        .and_then(|s| i64::try_from(s).ok())
}

/// The code of `secret_base32` at `now` (tests and the CLI's check after turning it on).
pub fn code_at(secret_base32: &str, now: i64) -> Option<String> {
    Some(totp(secret_base32)?.generate(u64::try_from(now).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 test secret "12345678901234567890" at T = 59 s gives
    /// 94287082 (8 digits); its last 6 digits are the 6-digit code.
    #[test]
    fn the_codes_are_rfc_6238s() {
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(step_of(&secret, "287082", 59), Some(1));
        // One step of drift either way, not two.
        assert_eq!(step_of(&secret, "287082", 59 + 30), Some(1));
        assert_eq!(step_of(&secret, "287082", 59 + 60), None);
        assert_eq!(step_of(&secret, "28708", 59), None);
        assert_eq!(step_of(&secret, "abcdef", 59), None);
        assert_eq!(new_secret().len(), 32);
    }
}
