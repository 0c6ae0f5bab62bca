-- ketnap schema, version 23 (issue 19): a report's introductions by mass organisation read each
-- organisation's introductions of the period through an index; without it SQLite built a
-- temporary index over every introduction of the database for each report (160 ms at national
-- scale, 464,000 introductions) and PostgreSQL read them all.
CREATE INDEX introduction_mass_org ON introduction (mass_org_id, introduced_on);
