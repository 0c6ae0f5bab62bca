-- ketnap schema, version 25 (issue 19): the queue's rows not overdue yet and due by a day (the
-- dashboard's "this week") through an index by status and due date: a broad scope's walk read
-- every row not overdue (113,857 at national scale) to keep the few hundred due this week.
CREATE INDEX alert_due_soon ON alert_due (status, due);
