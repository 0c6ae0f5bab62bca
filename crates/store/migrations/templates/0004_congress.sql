-- ketnap schema, version 4: the congresses that open each organisation's terms.
-- A term "2020–2025" runs from the congress of 2020 to the next one (plans-and-reports.md), so
-- each grassroots or higher organisation keeps the dates its congresses sat.
CREATE TABLE org_congress (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    held_on {DATE} NOT NULL,
    recorded_at {TS} NOT NULL,
    PRIMARY KEY (org_id, held_on)
);
