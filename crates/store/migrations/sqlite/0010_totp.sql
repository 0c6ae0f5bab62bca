-- ketnap schema, version 10: optional second factor for administrators and organisation staff
-- (issue 18). `totp_secret`: the base32 secret of a time-based one-time code (RFC 6238, 30 s,
-- 6 digits), NULL when the account has none; `totp_last_step`: the last 30-second step whose
-- code was accepted, so that a code cannot be used twice.
ALTER TABLE app_user ADD COLUMN totp_secret TEXT;
ALTER TABLE app_user ADD COLUMN totp_last_step BIGINT;
