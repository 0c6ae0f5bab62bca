-- ketnap schema, version 4: the congresses that open each organisation's terms, and the rates
-- organisations decide for their subtree.
-- A term "2020–2025" runs from the congress of 2020 to the next one (plans-and-reports.md), so
-- each grassroots or higher organisation keeps the dates its congresses sat.
CREATE TABLE org_congress (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    held_on DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, held_on)
);

-- The admission and source rates an organisation's directive or resolution sets for its subtree
-- from a plan year on (plans-and-reports.md, "Rates are decided by the organisations"), in basis
-- points; inherited down the tree.
CREATE TABLE rate_decision (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    year_from BIGINT NOT NULL,
    document_no TEXT NOT NULL,
    document_on DATE NOT NULL,
    admissions_low_bp BIGINT,
    admissions_high_bp BIGINT,
    sources_low_bp BIGINT,
    sources_high_bp BIGINT,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, year_from)
);

-- The thresholds a provincial or grassroots guidance sets for student candidates (the `students`
-- rule): minimum academic result and conduct of the last school year; inherited down the tree.
CREATE TABLE student_threshold (
    org_id BIGINT PRIMARY KEY REFERENCES org (org_id),
    min_grade TEXT NOT NULL,
    min_conduct TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
