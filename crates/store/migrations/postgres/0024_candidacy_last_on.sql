-- ketnap schema, version 24 (issue 19): the latest step's date in one index read (a
-- candidacy's steps are dated in order, so it is the latest `last_on`). A report of a period
-- running to today counts its last month as the month's counters less the days after today,
-- and walked the subtree's cells for those days' steps although none exist; it now asks first.
CREATE INDEX candidacy_last_on ON candidacy (last_on);
