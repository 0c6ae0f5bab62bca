-- ketnap schema, version 15 (issue 19): the membership composition as counters — for every
-- organisation, how many members of its subtree (official and probationary, not left) have each
-- fact (gender, birth date, ethnicity, religion, education, qualification, theory level, source
-- category, Youth Union and trade-union membership, the kind of their cell), kept in the writing
-- transaction (`ketnap_store::member_facets`). A report reads its organisation's rows instead of
-- every member below it. Filled here from the members; `ketnap rebuild` checks them the same way.
CREATE TABLE member_facet (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, facet, value)
);
INSERT INTO member_facet (org_id, facet, value, n)
SELECT oc.ancestor_id AS org_id, x.facet, x.value, CAST(COUNT(*) AS BIGINT) AS n
FROM (
    SELECT m.cell_id AS cell_id, f.facet AS facet, CASE f.facet
        WHEN 'person' THEN ''
        WHEN 'gender' THEN p.gender
        WHEN 'birth' THEN CAST(p.birth_date AS TEXT)
        WHEN 'ethnicity' THEN p.ethnicity
        WHEN 'religion' THEN p.religion
        WHEN 'education' THEN p.education
        WHEN 'qualification' THEN p.qualification
        WHEN 'theory_level' THEN p.theory_level
        WHEN 'source' THEN p.source_category
        WHEN 'youth_union' THEN CASE WHEN p.youth_union_member THEN '1' ELSE '0' END
        WHEN 'trade_union' THEN CASE WHEN p.trade_union_member THEN '1' ELSE '0' END
        ELSE co.kind END AS value
    FROM member m JOIN person p ON p.person_id = m.person_id
    JOIN org co ON co.org_id = m.cell_id
    CROSS JOIN (SELECT 'person' AS facet UNION ALL SELECT 'gender' UNION ALL SELECT 'birth'
        UNION ALL SELECT 'ethnicity' UNION ALL SELECT 'religion' UNION ALL SELECT 'education'
        UNION ALL SELECT 'qualification' UNION ALL SELECT 'theory_level'
        UNION ALL SELECT 'source' UNION ALL SELECT 'youth_union'
        UNION ALL SELECT 'trade_union' UNION ALL SELECT 'cell_kind') f
    WHERE m.left_on IS NULL AND m.status IN ('official', 'probationary')
) x JOIN org_closure oc ON oc.descendant_id = x.cell_id
GROUP BY oc.ancestor_id, x.facet, x.value;
-- The members who joined or left after a date, per cell (a report's membership on a past date).
CREATE INDEX member_cell_admitted ON member (cell_id, admitted_on);
CREATE INDEX member_cell_left ON member (cell_id, left_on);
-- A report's admitted people: the admission decisions of each cell in the period, without
-- reading the cell's other steps.
CREATE INDEX candidacy_event_cell_kind ON candidacy_event (cell_id, kind, on_date);
