-- ketnap schema, version 2: who holds the key local positions of each residential unit (trưởng
-- thôn, trưởng ban công tác Mặt trận, bí thư chi đoàn, chi hội trưởng, thôn đội trưởng, tổ trưởng
-- tổ bảo vệ an ninh, trật tự), so coverage reports can list those held by non-members.
-- One holder per unit and kind; a vacant position has no row. The kind codes are
-- ketnap_store::coverage::KeyPositionKind::code.

CREATE TABLE key_position (
    residential_unit_id BIGINT NOT NULL REFERENCES residential_unit (residential_unit_id),
    kind TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES person (person_id),
    PRIMARY KEY (residential_unit_id, kind)
);
CREATE INDEX key_position_person ON key_position (person_id);
