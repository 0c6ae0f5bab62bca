-- ketnap schema, version 22 (issue 19): the composition of the people admitted kept as
-- counters (crates/store/src/admitted_facets.rs). Every approved and not annulled admission
-- decision counts its person's facts, the person's age step on the decision's date, the
-- candidacy's source category (the person's when it has none) and the kind of the cell it was
-- recorded in, in that cell and the decision's month (period 'adm:YYYY-MM', metric
-- '<fact>:<value>'), summed per subtree in `counter_sum`. A report reads its organisation's rows
-- instead of every decision of the subtree with its person. Filled here from the decisions; the
-- age in full years as the domain counts it (a birthday on 29 February is reached on 28 February
-- in other years), then its step (0, 16, 31, 41, 51, 61: where the youth age or the age band
-- changes).
INSERT INTO counter (org_id, period, metric, value)
SELECT x.cell_id, 'adm:' || SUBSTR(x.on_d, 1, 7), x.facet || ':' || x.value, COUNT(*)
FROM (
    SELECT e.cell_id, CAST(e.on_date AS TEXT) AS on_d, f.facet, CASE f.facet
        WHEN 'person' THEN ''
        WHEN 'gender' THEN p.gender
        WHEN 'age' THEN CASE
            WHEN a.age >= 61 THEN '61' WHEN a.age >= 51 THEN '51' WHEN a.age >= 41 THEN '41'
            WHEN a.age >= 31 THEN '31' WHEN a.age >= 16 THEN '16' ELSE '0' END
        WHEN 'ethnicity' THEN p.ethnicity
        WHEN 'religion' THEN p.religion
        WHEN 'education' THEN p.education
        WHEN 'qualification' THEN p.qualification
        WHEN 'theory_level' THEN p.theory_level
        WHEN 'source' THEN CASE WHEN c.source_category = '' THEN p.source_category
            ELSE c.source_category END
        WHEN 'youth_union' THEN CASE WHEN p.youth_union_member THEN '1' ELSE '0' END
        WHEN 'trade_union' THEN CASE WHEN p.trade_union_member THEN '1' ELSE '0' END
        ELSE co.kind END AS value
    FROM candidacy_event e
    JOIN org co ON co.org_id = e.cell_id
    JOIN candidacy c ON c.candidacy_id = e.candidacy_id
    JOIN person p ON p.person_id = c.person_id
    JOIN (SELECT y.event_id, y.yo - y.yb - CASE WHEN y.mdo < (CASE WHEN y.mdb = '02-29'
              AND NOT ((y.yo % 4 = 0 AND y.yo % 100 <> 0) OR y.yo % 400 = 0)
              THEN '02-28' ELSE y.mdb END) THEN 1 ELSE 0 END AS age
          FROM (SELECT e2.event_id,
                  CAST(SUBSTR(CAST(e2.on_date AS TEXT), 1, 4) AS INTEGER) AS yo,
                  SUBSTR(CAST(e2.on_date AS TEXT), 6, 5) AS mdo,
                  CAST(SUBSTR(CAST(p2.birth_date AS TEXT), 1, 4) AS INTEGER) AS yb,
                  SUBSTR(CAST(p2.birth_date AS TEXT), 6, 5) AS mdb
                FROM candidacy_event e2 JOIN candidacy c2 ON c2.candidacy_id = e2.candidacy_id
                JOIN person p2 ON p2.person_id = c2.person_id
                WHERE e2.kind = 'admission_decision' AND e2.stage = 'awaiting_ceremony') y
         ) a ON a.event_id = e.event_id
    CROSS JOIN (SELECT 'person' AS facet UNION ALL SELECT 'gender' UNION ALL SELECT 'age'
        UNION ALL SELECT 'ethnicity' UNION ALL SELECT 'religion' UNION ALL SELECT 'education'
        UNION ALL SELECT 'qualification' UNION ALL SELECT 'theory_level' UNION ALL SELECT 'source'
        UNION ALL SELECT 'youth_union' UNION ALL SELECT 'trade_union'
        UNION ALL SELECT 'cell_kind') f
    WHERE e.kind = 'admission_decision' AND e.stage = 'awaiting_ceremony'
      AND NOT EXISTS (SELECT 1 FROM candidacy_event an WHERE an.candidacy_id = e.candidacy_id
          AND an.seq > e.seq AND an.kind = 'annul' AND an.stage = 'annulled')
) x
GROUP BY x.cell_id, SUBSTR(x.on_d, 1, 7), x.facet, x.value;
INSERT INTO counter_sum (org_id, period, metric, value)
SELECT oc.ancestor_id, k.period, k.metric, SUM(k.value)
FROM org_closure oc JOIN counter k ON k.org_id = oc.descendant_id
WHERE k.period LIKE 'adm:%'
GROUP BY oc.ancestor_id, k.period, k.metric;
