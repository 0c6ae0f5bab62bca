-- ketnap schema, version 17 (issue 19): the members' status (official or probationary) joins the
-- composition counters, so the roster counts of an organisation (dashboard, organisation pages)
-- read its two rows instead of every member below it. Filled here from the members.
INSERT INTO member_facet (org_id, facet, value, n)
SELECT oc.ancestor_id, 'status', m.status, CAST(COUNT(*) AS BIGINT)
FROM member m JOIN org_closure oc ON oc.descendant_id = m.cell_id
WHERE m.left_on IS NULL AND m.status IN ('official', 'probationary')
GROUP BY oc.ancestor_id, m.status;
