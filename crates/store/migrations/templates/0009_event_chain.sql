-- ketnap schema, version 9: the recorded steps join the audit chain (issue 18, R5). Each
-- candidacy's events form a hash chain (`chain` = SHA-256 of the previous event's chain and this
-- row's content), and the audit row of each step carries its event's chain, so editing,
-- deleting or reordering an event row is found by `ketnap audit verify`. Rows from before are
-- sealed when the database is migrated.
ALTER TABLE candidacy_event ADD COLUMN chain TEXT;
