-- ketnap schema, version 13 (issue 19): the stage spells the forecast learns from — each
-- candidacy's entries into a stage (an event that keeps the stage is not one), written with the
-- event in the step's transaction. The forecast reads these instead of every event of the
-- subtree. Filled here from the events already recorded.
CREATE TABLE stage_spell (
    candidacy_id BIGINT NOT NULL REFERENCES candidacy (candidacy_id),
    seq BIGINT NOT NULL,
    stage TEXT NOT NULL,
    entered_on DATE NOT NULL,
    PRIMARY KEY (candidacy_id, seq)
);
INSERT INTO stage_spell (candidacy_id, seq, stage, entered_on)
SELECT candidacy_id, seq, stage, on_date FROM (
    SELECT e.candidacy_id, e.seq, e.stage, e.on_date,
           LAG(e.stage) OVER (PARTITION BY e.candidacy_id ORDER BY e.seq) AS prev
    FROM candidacy_event e
) x
WHERE prev IS NULL OR prev <> stage;
