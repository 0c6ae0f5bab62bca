-- ketnap schema, version 14 (issue 19): the counters summed over each organisation's subtree
-- (the organisation itself included), kept in the step's transaction beside `counter` and moved
-- with a subtree when the tree changes. A dashboard, a plan or a report of an organisation reads
-- its own rows instead of summing every cell below it. Filled here from `counter`.
CREATE TABLE counter_sum (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    period TEXT NOT NULL,
    metric TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (org_id, period, metric)
);
INSERT INTO counter_sum (org_id, period, metric, value)
SELECT oc.ancestor_id, k.period, k.metric, SUM(k.value)
FROM org_closure oc JOIN counter k ON k.org_id = oc.descendant_id
GROUP BY oc.ancestor_id, k.period, k.metric;
