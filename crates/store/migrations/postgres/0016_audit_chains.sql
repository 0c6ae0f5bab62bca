-- ketnap schema, version 16 (issue 19): the audit trail as 64 hash chains instead of one, so
-- writes in different organisations no longer wait on one head row. A transaction appends to one
-- chain, chosen by the organisation of its first audit row (organisation id mod 64; rows without
-- an organisation go to chain 0). `seq` stays unique over the whole trail (the order rows are
-- listed in); each row's `prev_hash` is the hash of the previous row of its chain, and
-- `audit_chain` holds each chain's last seq and hash. The rows recorded before are chain 0,
-- continuing from the old head.
ALTER TABLE audit ADD COLUMN chain_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX audit_chain_seq ON audit (chain_id, seq);
CREATE TABLE audit_chain (
    chain_id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain (chain_id, seq, hash) SELECT 0, seq, hash FROM audit_head WHERE id = 1;
INSERT INTO audit_chain (chain_id, seq, hash)
WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 63)
SELECT i, 0, '0000000000000000000000000000000000000000000000000000000000000000' FROM n;
DROP TABLE audit_head;
