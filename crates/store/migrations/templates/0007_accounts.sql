-- ketnap schema, version 7: accounts that can be shut (issue 18).
-- `session_epoch` rises when a password is reset, a role granted or taken away, or the account
-- disabled: every session started before it ends at its next request.
ALTER TABLE app_user ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- API tokens with a name and an expiry, listed and revocable; several per account. The old
-- single-token column is emptied: its tokens are carried over, named "cu" and expiring at the
-- end of March 2027, so integrations keep working while new tokens are issued.
CREATE TABLE api_token (
    token_id {ID},
    user_id BIGINT NOT NULL REFERENCES app_user (user_id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at {TS} NOT NULL,
    -- The default only dates the tokens carried over below; ketnap always writes the expiry.
    expires_on {DATE} NOT NULL DEFAULT '2027-03-31',
    revoked_at {TS},
    UNIQUE (user_id, name)
);
INSERT INTO api_token (user_id, name, token_hash, created_at)
    SELECT user_id, 'cu', api_token_hash, created_at FROM app_user
    WHERE api_token_hash IS NOT NULL;
UPDATE app_user SET api_token_hash = NULL;

-- Failed logins per account (`user:<name>`) and per address (`addr:<ip>`), for the back-off.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
