-- ketnap schema, version 19 (issue 19): how long each candidacy under way has stood in its
-- stage, kept instead of read per candidacy. `candidacy.stage_since` is the date its current
-- stage was entered (its latest stage spell), written with the step; the counters keep, beside
-- each stage's gauge, the same count by that date (period 'since', metric '<stage>:<YYYYMMDD>',
-- stages under way only), summed per subtree in `counter_sum` like every counter. The pipeline
-- of a report reads its organisation's rows — one per stage and day entered, however many
-- candidacies — instead of one spell per candidacy of the subtree. Filled here from the spells.
ALTER TABLE candidacy ADD COLUMN stage_since {DATE};
UPDATE candidacy SET stage_since = (SELECT s.entered_on FROM stage_spell s
    WHERE s.candidacy_id = candidacy.candidacy_id ORDER BY s.seq DESC LIMIT 1);
-- The count goes where the stage's gauge went: the cell the step entering the stage was
-- recorded in.
INSERT INTO counter (org_id, period, metric, value)
SELECT e.cell_id, 'since', c.stage || ':' || REPLACE(CAST(c.stage_since AS TEXT), '-', ''), COUNT(*)
FROM candidacy c
JOIN stage_spell s ON s.candidacy_id = c.candidacy_id
    AND s.seq = (SELECT MAX(x.seq) FROM stage_spell x WHERE x.candidacy_id = c.candidacy_id)
JOIN candidacy_event e ON e.candidacy_id = s.candidacy_id AND e.seq = s.seq
WHERE c.stage NOT IN ('official', 'withdrawn', 'rejected', 'removed', 'transferred_out',
    'deceased', 'annulled')
GROUP BY e.cell_id, c.stage, c.stage_since;
INSERT INTO counter_sum (org_id, period, metric, value)
SELECT oc.ancestor_id, k.period, k.metric, SUM(k.value)
FROM org_closure oc JOIN counter k ON k.org_id = oc.descendant_id
WHERE k.period = 'since'
GROUP BY oc.ancestor_id, k.period, k.metric;
