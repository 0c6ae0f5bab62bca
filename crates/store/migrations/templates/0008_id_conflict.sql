-- ketnap schema, version 8: an ID number typed for a new person that a person outside the
-- user's scope already holds (issue 18). The user is not told (that would reveal the other
-- person); the new person is kept without the number and the pair is flagged to the staff who
-- see both, on the new person's candidate page.
CREATE TABLE id_conflict (
    conflict_id {ID},
    person_id BIGINT NOT NULL REFERENCES person (person_id),
    other_person_id BIGINT NOT NULL REFERENCES person (person_id),
    id_number TEXT NOT NULL,
    found_at {TS} NOT NULL,
    resolved_at {TS}
);
CREATE INDEX id_conflict_person ON id_conflict (person_id);
