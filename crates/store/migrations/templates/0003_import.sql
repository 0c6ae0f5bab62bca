-- ketnap schema, version 3: going live from existing lists.
-- An import batch is one file brought in by `ketnap import`, the web import page or the API; the
-- events it wrote carry its id (imported history, dated with the acts' own dates), so the
-- timeline can say which steps were taken before ketnap and which were recorded in it.
CREATE TABLE import_batch (
    import_batch_id {ID},
    pub_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    actor_id BIGINT,
    recorded_at {TS} NOT NULL
);

ALTER TABLE candidacy_event ADD COLUMN import_batch_id BIGINT REFERENCES import_batch (import_batch_id);

-- Số thẻ đảng viên: how offices name a member in their lists (mentors, introducers).
ALTER TABLE member ADD COLUMN card_no TEXT;
CREATE INDEX member_card_no ON member (card_no);
CREATE INDEX member_candidacy ON member (candidacy_id);
