-- ketnap schema, version 6: the words of a periodic report (issue 17). The figures of a report
-- are computed; what staff write for it — number and symbol, date, results, shortcomings and
-- causes, tasks ahead, recipients and the signature block — is kept with the organisation and
-- the period's code, so the printed and DOCX report is a finished party document.
CREATE TABLE report_text (
    org_id BIGINT NOT NULL REFERENCES org (org_id),
    period TEXT NOT NULL,
    number TEXT NOT NULL,
    dated_on {DATE},
    results TEXT NOT NULL,
    shortcomings TEXT NOT NULL,
    tasks TEXT NOT NULL,
    recipients TEXT NOT NULL,
    sign_for TEXT NOT NULL,
    sign_title TEXT NOT NULL,
    signer TEXT NOT NULL,
    updated_at {TS} NOT NULL,
    PRIMARY KEY (org_id, period)
);
