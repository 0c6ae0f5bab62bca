-- ketnap schema, version 27 (issue 19, B3 and B5): a stamp per subtree, moved on by every
-- transaction that writes into it. A transaction's commit adds one to the stamp of every
-- ancestor (itself included) of each organisation its audit rows and counter deltas name, and to
-- the stamp of row 0 — the whole database's — when it changes what is not one subtree's (the
-- tree itself, a person, a mass organisation, setup; `stamps::flush`). A view kept in memory
-- (the dashboard's figures, a report) is served again while the stamps of its organisation and
-- of row 0 stay where they were: one read of two rows instead of recomputing. A stamp only ever
-- grows (a subtree moved elsewhere moves row 0 on), so a stamp seen twice means nothing written
-- in between. Row 0 names no organisation: no foreign key. A stamp is the sum of its stripes:
-- a PostgreSQL writer adds to the stripe of its audit chain, whose head it already holds locked
-- to its commit, so writers of different chains never wait on each other's stamps (one row per
-- organisation would lock every writer of a province behind the one before until its commit);
-- SQLite has one writer and one stripe. On SQLite the rows are stored in their key's b-tree
-- (WITHOUT ROWID): a commit's upsert touches one b-tree, not two.
CREATE TABLE subtree_stamp (
    org_id BIGINT NOT NULL,
    stripe BIGINT NOT NULL,
    stamp BIGINT NOT NULL,
    PRIMARY KEY (org_id, stripe)
)
--sqlite: WITHOUT ROWID
;
