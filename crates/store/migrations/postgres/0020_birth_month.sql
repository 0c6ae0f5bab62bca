-- ketnap schema, version 20 (issue 19): the membership composition counters (`member_facet`)
-- also count birth months ('birth_month', 'YYYY-MM'), beside the birth days ('birth'): the ages
-- on a date are the months before the month of each age's last birthday plus that month's days
-- up to it, a few hundred rows a sum instead of every birth day of the subtree. Filled here from
-- the birth days.
INSERT INTO member_facet (org_id, facet, value, n)
SELECT org_id, 'birth_month', SUBSTR(value, 1, 7), SUM(n)
FROM member_facet WHERE facet = 'birth'
GROUP BY org_id, SUBSTR(value, 1, 7)
HAVING SUM(n) <> 0;
