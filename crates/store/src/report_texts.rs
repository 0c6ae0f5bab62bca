//! The words of a periodic report (issue 17): what staff write for the report of an organisation
//! and a period — its number and symbol (số, ký hiệu), its date, the narrative sections (results,
//! shortcomings and causes, tasks ahead), the recipients (nơi nhận) and the signature block —
//! kept with the organisation and the period's code ([`Period::code`]), so the printed and DOCX
//! report is a finished party document. The figures are never stored here: they are computed.
//!
//! Reads follow the reports' rule (every role reads the reports of its scope); writes are for
//! the roles that issue reports ([`role_writes_reports`]), in the caller's transaction, audited
//! without the text itself.

use jiff::civil::Date;
use ketnap_domain::plan::Period;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::{Conn, Result, Role, Scope, StoreError, Tx, WriteCtx, d, ts};

/// The longest narrative section, in characters.
pub const MAX_SECTION: usize = 20_000;
/// The longest short field (number, signature lines), in characters.
pub const MAX_LINE: usize = 120;
/// The most recipients.
pub const MAX_RECIPIENTS: usize = 15;

/// What staff wrote for one report. Every field may be empty: the printed report shows a dotted
/// blank where nothing is written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReportText {
    /// "25-BC/ĐU" (without "Số").
    pub number: String,
    /// The date the report is signed.
    pub dated_on: Option<Date>,
    /// I. Results (kết quả đạt được).
    pub results: String,
    /// II. Shortcomings and their causes (hạn chế, khuyết điểm và nguyên nhân).
    pub shortcomings: String,
    /// III. Tasks ahead (phương hướng, nhiệm vụ thời gian tới).
    pub tasks: String,
    /// The recipients, one per line ("Ban Tổ chức Huyện ủy (để báo cáo)").
    pub recipients: Vec<String>,
    /// "T/M ĐẢNG ỦY".
    pub sign_for: String,
    /// "BÍ THƯ", "PHÓ BÍ THƯ".
    pub sign_title: String,
    /// The signer's name.
    pub signer: String,
}

impl ReportText {
    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        *self == ReportText::default()
    }

    /// Refuse what does not fit, with a Vietnamese message.
    pub fn check(&self) -> Result<()> {
        let long = |label: &str, v: &str, max: usize| -> Result<()> {
            if v.chars().count() > max {
                Err(StoreError::invalid(
                    format!("report text field too long: {label}"),
                    format!("«{label}» dài quá {max} ký tự."),
                ))
            } else {
                Ok(())
            }
        };
        long("Số, ký hiệu", &self.number, 40)?;
        long("Kết quả đạt được", &self.results, MAX_SECTION)?;
        long(
            "Hạn chế, khuyết điểm và nguyên nhân",
            &self.shortcomings,
            MAX_SECTION,
        )?;
        long("Phương hướng, nhiệm vụ", &self.tasks, MAX_SECTION)?;
        long("Thay mặt", &self.sign_for, MAX_LINE)?;
        long("Chức vụ người ký", &self.sign_title, MAX_LINE)?;
        long("Người ký", &self.signer, MAX_LINE)?;
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(StoreError::invalid(
                "too many recipients",
                format!("Nơi nhận ghi tối đa {MAX_RECIPIENTS} dòng."),
            ));
        }
        for r in &self.recipients {
            long("Nơi nhận", r, MAX_LINE)?;
        }
        Ok(())
    }
}

/// May this role write the words of a report? Those who issue reports: organisation staff and
/// administrators, and a cell's secretary for the cell's own.
pub fn role_writes_reports(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff | Role::CellSecretary)
}

type Row = (
    String,
    Option<jiff_sqlx::Date>,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// The words written for the report of `org_id` and `period` (empty when none), if the
/// organisation is in the scope.
pub async fn get(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: &Period,
) -> Result<ReportText> {
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT t.number, t.dated_on, t.results, t.shortcomings, t.tasks, t.recipients, \
         t.sign_for, t.sign_title, t.signer FROM report_text t \
         WHERE t.org_id = $1 AND t.period = $2 AND {}",
        scope.org_filter("t.org_id", 3)
    );
    let row: Option<Row> =
        fetch_optional!(conn.ex(), Row, &sql, org_id, period.code(), all, user, role)?;
    Ok(row.map_or_else(ReportText::default, |r| ReportText {
        number: r.0,
        dated_on: r.1.map(|v| v.to_jiff()),
        results: r.2,
        shortcomings: r.3,
        tasks: r.4,
        recipients: r
            .5
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        sign_for: r.6,
        sign_title: r.7,
        signer: r.8,
    }))
}

/// Keep `text` as the words of the report of `org_id` for `period` (replacing what was there),
/// with its audit row (which fields are filled, never the text).
pub async fn save(
    tx: &mut Tx,
    ctx: &WriteCtx,
    scope: &Scope,
    org_id: i64,
    period: &Period,
    text: &ReportText,
) -> Result<()> {
    if !role_writes_reports(scope.role) {
        return Err(StoreError::Forbidden("report text write"));
    }
    text.check()?;
    let (all, user, role) = scope.binds();
    let sql = format!(
        "SELECT o.pub_id FROM org o WHERE o.org_id = $1 AND {}",
        scope.org_filter("o.org_id", 2)
    );
    let (org_pub_id,): (String,) =
        fetch_optional!(tx.ex(), (String,), &sql, org_id, all, user, role)?
            .ok_or(StoreError::NotFound("org"))?;
    let code = period.code();
    exec!(
        tx.ex(),
        "INSERT INTO report_text (org_id, period, number, dated_on, results, shortcomings, tasks, \
         recipients, sign_for, sign_title, signer, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (org_id, period) DO UPDATE SET number = excluded.number, \
         dated_on = excluded.dated_on, results = excluded.results, \
         shortcomings = excluded.shortcomings, tasks = excluded.tasks, \
         recipients = excluded.recipients, sign_for = excluded.sign_for, \
         sign_title = excluded.sign_title, signer = excluded.signer, updated_at = excluded.updated_at",
        org_id,
        code.as_str(),
        text.number.trim(),
        text.dated_on.map(d),
        text.results.trim(),
        text.shortcomings.trim(),
        text.tasks.trim(),
        text.recipients.join("\n"),
        text.sign_for.trim(),
        text.sign_title.trim(),
        text.signer.trim(),
        ts(ctx.now)
    )?;
    let object_id = format!("{org_pub_id}/{code}");
    audit::append(
        tx,
        ctx,
        &AuditEntry {
            action: "report_text.save",
            object_kind: "report",
            object_id: &object_id,
            org_id: Some(org_id),
            detail: json!({
                "period": code,
                "number": !text.number.trim().is_empty(),
                "dated": text.dated_on.is_some(),
                "results": !text.results.trim().is_empty(),
                "shortcomings": !text.shortcomings.trim().is_empty(),
                "tasks": !text.tasks.trim().is_empty(),
                "recipients": text.recipients.len(),
            }),
        },
    )
    .await?;
    Ok(())
}
