//! The login back-off (issue 18): failed logins counted per account (`user:<name>`) and per
//! address (`addr:<ip>`), in the database so every server process and the CLI see the same
//! counts. After [`FREE_FAILURES`] failures each further attempt waits twice as long as the last,
//! capped: an account waits at most [`ACCOUNT_CAP_SECS`] (the owner is never locked out for
//! long, and `ketnap user unlock` clears it at once), an address at most [`ADDRESS_CAP_SECS`].
//! Counts fade after a quiet day; a successful login clears the account's count.

use crate::{Conn, Result, Tx};

/// Failures allowed before any wait.
pub const FREE_FAILURES: i64 = 3;
/// The longest wait for one account, in seconds.
pub const ACCOUNT_CAP_SECS: i64 = 5 * 60;
/// The longest wait for one address, in seconds.
pub const ADDRESS_CAP_SECS: i64 = 15 * 60;
/// Counts older than this are forgotten, in seconds.
pub const FORGET_SECS: i64 = 24 * 60 * 60;

/// The throttle key of an account.
pub fn account_key(name: &str) -> String {
    format!("user:{}", name.trim().to_ascii_lowercase())
}

/// The throttle key of an address.
pub fn address_key(ip: &str) -> String {
    format!("addr:{ip}")
}

/// The wait after `failures` failures, capped at `cap` seconds.
pub fn backoff_secs(failures: i64, cap: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = u32::try_from((failures - FREE_FAILURES).min(30)).unwrap_or(30);
    (1i64 << doublings).min(cap)
}

fn cap_of(key: &str) -> i64 {
    if key.starts_with("addr:") {
        ADDRESS_CAP_SECS
    } else {
        ACCOUNT_CAP_SECS
    }
}

/// How many seconds the caller must still wait before trying `keys` again at `now` (unix
/// seconds); 0 when free.
pub async fn wait_secs(conn: &mut Conn, keys: &[String], now: i64) -> Result<i64> {
    let mut wait = 0;
    for key in keys {
        let row: Option<(i64, i64)> = fetch_optional!(
            conn.ex(),
            (i64, i64),
            "SELECT failures, last_at FROM login_throttle WHERE throttle_key = $1",
            key.as_str()
        )?;
        if let Some((failures, last_at)) = row {
            if now - last_at >= FORGET_SECS {
                continue;
            }
            let until = last_at + backoff_secs(failures, cap_of(key));
            wait = wait.max(until - now);
        }
    }
    Ok(wait.max(0))
}

/// Count a failure against each key at `now`.
pub async fn fail(tx: &mut Tx, keys: &[String], now: i64) -> Result<()> {
    for key in keys {
        exec!(
            tx.ex(),
            "INSERT INTO login_throttle (throttle_key, failures, last_at) VALUES ($1, 1, $2) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
             failures = CASE WHEN $2 - login_throttle.last_at >= $3 THEN 1 \
                             ELSE login_throttle.failures + 1 END, \
             last_at = $2",
            key.as_str(),
            now,
            FORGET_SECS
        )?;
    }
    Ok(())
}

/// Forget the failures of `key` (a successful login, or `ketnap user unlock`); whether any.
pub async fn clear(tx: &mut Tx, key: &str) -> Result<bool> {
    Ok(exec!(
        tx.ex(),
        "DELETE FROM login_throttle WHERE throttle_key = $1",
        key
    )? > 0)
}

/// Forget failures older than a day (a housekeeping pass).
pub async fn purge(tx: &mut Tx, now: i64) -> Result<u64> {
    Ok(exec!(
        tx.ex(),
        "DELETE FROM login_throttle WHERE last_at < $1",
        now - FORGET_SECS
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_three_failures_and_stops_at_its_cap() {
        let waits: Vec<i64> = (0..12).map(|f| backoff_secs(f, ACCOUNT_CAP_SECS)).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256]);
        assert_eq!(backoff_secs(40, ACCOUNT_CAP_SECS), ACCOUNT_CAP_SECS);
        assert_eq!(backoff_secs(40, ADDRESS_CAP_SECS), ADDRESS_CAP_SECS);
    }
}
