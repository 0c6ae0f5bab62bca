-- ketnap schema, version 21 (issue 19): the overdue alert rows counted as counters per cell
-- (period 'alert', metrics 'overdue' and 'overdue_acts': decisions, votes, the ceremony and the
-- verification, rank 5 or less) and summed per subtree in `counter_sum`, moved by every write of
-- the rows in its transaction. The dashboard's overdue figures for a scope of any size read its
-- roots' rows instead of counting the rows of every cell of the scope. Filled here from the rows.
-- The whole queue in its order (status, rank, due): a scope holding a large share of it (a
-- province's staff, the country's admin) finds its most urgent rows among the first ones.
CREATE INDEX alert_due_order ON alert_due (status, rank, due);
INSERT INTO counter (org_id, period, metric, value)
SELECT cell_id, 'alert', 'overdue', COUNT(*) FROM alert_due WHERE status = 0 GROUP BY cell_id;
INSERT INTO counter (org_id, period, metric, value)
SELECT cell_id, 'alert', 'overdue_acts', COUNT(*) FROM alert_due WHERE status = 0 AND rank <= 5
GROUP BY cell_id;
INSERT INTO counter_sum (org_id, period, metric, value)
SELECT oc.ancestor_id, k.period, k.metric, SUM(k.value)
FROM org_closure oc JOIN counter k ON k.org_id = oc.descendant_id
WHERE k.period = 'alert'
GROUP BY oc.ancestor_id, k.period, k.metric;
