-- ketnap schema, version 11 (issue 19): the index the coverage reads walk without — the people of a
-- residential unit (its key-position holders and residents). `member (candidacy_id)` has had its
-- index since version 3.
CREATE INDEX person_residential_unit ON person (residential_unit_id);
