-- ketnap schema, version 5: course classes (lớp bồi dưỡng nhận thức về Đảng; lớp bồi dưỡng đảng
-- viên mới) with their proposals, attendees, results and certificates (issue 17).
-- A class is run by an organisation (the committee whose political centre teaches it); its
-- attendees come from that organisation's subtree.
CREATE TABLE course_class (
    class_id {ID},
    pub_id TEXT NOT NULL UNIQUE,
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    starts_on {DATE} NOT NULL,
    ends_on {DATE} NOT NULL,
    place TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    lecturers TEXT NOT NULL,
    issuer TEXT NOT NULL,
    certified_on {DATE},
    created_at {TS} NOT NULL
);
CREATE INDEX course_class_org_start ON course_class (org_id, starts_on);
CREATE INDEX course_class_start ON course_class (starts_on);

-- A sympathizer proposed for a course by the cell or committee (one standing proposal per
-- candidacy), approved by the committee above; `class_id` once enrolled.
CREATE TABLE course_proposal (
    candidacy_id BIGINT PRIMARY KEY REFERENCES candidacy (candidacy_id),
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    proposed_on {DATE} NOT NULL,
    approved_on {DATE},
    class_id BIGINT REFERENCES course_class (class_id),
    recorded_at {TS} NOT NULL
);
CREATE INDEX course_proposal_org ON course_proposal (org_id, proposed_on);

-- Who attends a class: enrolled on a day; the result once recorded (passed, failed, absent);
-- the certificate's number and date once issued.
CREATE TABLE course_attendee (
    class_id BIGINT NOT NULL REFERENCES course_class (class_id),
    candidacy_id BIGINT NOT NULL REFERENCES candidacy (candidacy_id),
    cell_id BIGINT NOT NULL REFERENCES org (org_id),
    enrolled_on {DATE} NOT NULL,
    result TEXT,
    cert_no TEXT,
    cert_on {DATE},
    PRIMARY KEY (class_id, candidacy_id)
);
CREATE INDEX course_attendee_candidacy ON course_attendee (candidacy_id);
CREATE INDEX course_attendee_cell_enrolled ON course_attendee (cell_id, enrolled_on);
CREATE INDEX course_attendee_cell_cert ON course_attendee (cell_id, cert_on);

-- The verification desk: every verification request of every candidacy as a row staff work as a
-- queue, written in the transaction of the step that sends or answers it (the candidacy's
-- history stays the source; `ketnap rebuild` compares the two). `destination_key` is the
-- destination folded (no diacritics, lower case, single spaces) to group the same place
-- written differently; `reminded_on` is the last reminder letter sent (not a lifecycle step).
CREATE TABLE verification_request (
    candidacy_id BIGINT NOT NULL REFERENCES candidacy (candidacy_id),
    request_no BIGINT NOT NULL,
    cell_id BIGINT NOT NULL REFERENCES org (org_id),
    subject TEXT NOT NULL,
    destination TEXT NOT NULL,
    destination_key TEXT NOT NULL,
    sent_on {DATE} NOT NULL,
    sent_by BIGINT,
    answered_on {DATE},
    outcome TEXT,
    reminded_on {DATE},
    PRIMARY KEY (candidacy_id, request_no)
);
CREATE INDEX verification_request_cell_open ON verification_request (cell_id, answered_on, sent_on);
