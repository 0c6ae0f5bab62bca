-- ketnap schema, version 12 (issue 19): the alert queue. Every open candidacy's alerts as of a
-- day (kind, rank in the work queue, status, due date, who acts), rewritten by each step in its
-- transaction and by the daily pass; `alert_pass` records the day and the rule book of the last
-- pass. A view reads the most urgent alerts of its cells through the index instead of parsing
-- every candidacy (see crates/store/src/alert_queue.rs). Filled by the first pass.
CREATE TABLE alert_due (
    candidacy_id BIGINT NOT NULL REFERENCES candidacy (candidacy_id),
    cell_id BIGINT NOT NULL REFERENCES org (org_id),
    kind_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    rank SMALLINT NOT NULL,
    status SMALLINT NOT NULL,
    due DATE NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (candidacy_id, kind_key)
);
CREATE INDEX alert_due_cell ON alert_due (cell_id, status, rank, due);
CREATE TABLE alert_pass (
    pass_id SMALLINT PRIMARY KEY,
    computed_on DATE NOT NULL,
    book TEXT NOT NULL
);
