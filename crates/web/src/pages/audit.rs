//! `/audit` — who did what in the user's subtree, newest first (administrators and cán bộ tổ chức
//! only), filterable by action and date range, keyset-paged by seq.

use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ketnap_domain::dates::parse_vn;
use ketnap_store::{Role, audit};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::alerts::Choice;
use crate::pages::downloads;

const PAGE: i64 = 50;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new().route("/audit", get(index))
}

/// Actions with a Vietnamese name (others are shown as their code).
pub const ACTIONS: [(&str, &str); 47] = [
    ("org.create", "Tạo tổ chức"),
    ("org.update", "Sửa thông tin tổ chức"),
    ("org.move", "Chuyển tổ chức"),
    ("org.merge", "Hợp nhất tổ chức"),
    ("member.create", "Thêm đảng viên vào danh sách"),
    ("member.status", "Thay đổi trạng thái đảng viên"),
    ("member.move", "Chuyển sinh hoạt đảng"),
    ("person.create", "Thêm hồ sơ cá nhân"),
    ("person.update", "Sửa hồ sơ cá nhân"),
    ("candidacy.open", "Mở hồ sơ quần chúng"),
    ("candidacy.context", "Cập nhật thông tin hồ sơ"),
    ("candidacy.mentor_note", "Nhận xét của người giúp đỡ"),
    ("candidacy.document", "Thêm tài liệu"),
    ("introduction.create", "Đoàn thể giới thiệu quần chúng"),
    ("mass_org.create", "Tạo tổ chức đoàn thể"),
    ("residential_unit.create", "Tạo thôn, tổ dân phố"),
    (
        "residential_unit.cover",
        "Cập nhật chi bộ phụ trách thôn, tổ",
    ),
    ("membership.snapshot", "Chốt đảng số đầu năm"),
    ("user.create", "Tạo tài khoản"),
    ("user.grant", "Phân quyền"),
    ("user.revoke", "Thu hồi quyền"),
    ("user.password", "Đổi mật khẩu"),
    ("plan.create", "Lập kế hoạch"),
    ("plan.update", "Sửa kế hoạch"),
    (
        "key_position.set",
        "Ghi người giữ chức vụ ở thôn, tổ dân phố",
    ),
    ("key_position.clear", "Bỏ trống chức vụ ở thôn, tổ dân phố"),
    ("import.commit", "Nhập dữ liệu từ tệp"),
    ("user.disable", "Khóa tài khoản"),
    ("user.enable", "Mở lại tài khoản"),
    ("user.api_token_set", "Cấp khóa truy cập API"),
    ("user.api_token_clear", "Thu hồi khóa truy cập API"),
    ("user.api_token_issue", "Cấp khóa truy cập API có thời hạn"),
    (
        "user.api_token_revoke",
        "Thu hồi khóa truy cập API có thời hạn",
    ),
    ("class.open", "Mở lớp bồi dưỡng"),
    ("class.propose", "Đề nghị cử đi học"),
    ("class.approve", "Duyệt danh sách cử đi học"),
    ("class.enrol", "Ghi danh học viên"),
    ("class.results", "Ghi kết quả học tập"),
    ("class.certificates", "Cấp giấy chứng nhận"),
    ("verification.remind", "Nhắc trả lời thẩm tra"),
    ("org.congress", "Ghi nhiệm kỳ đại hội"),
    ("org.student_thresholds", "Ghi ngưỡng học sinh, sinh viên"),
    ("plan.rates", "Ghi tỷ lệ kế hoạch"),
    ("report_text.save", "Ghi phần lời báo cáo"),
    ("person.id_conflict", "Số định danh trùng cần đối chiếu"),
    ("person.reveal_id", "Xem đầy đủ số định danh"),
    ("list.download", "Tải danh sách về máy"),
];

/// Lifecycle steps (`candidacy.<code>`) with their Vietnamese name (`lifecycle::action_label_vi`).
const STEPS: [(&str, &str); 37] = [
    ("open", "Đưa vào danh sách nguồn"),
    (
        "list_as_sympathizer",
        "Đưa vào danh sách cảm tình Đảng, phân công đảng viên giúp đỡ",
    ),
    ("assign_mentor", "Phân công đảng viên giúp đỡ"),
    (
        "enrol_in_course",
        "Cử đi học lớp bồi dưỡng nhận thức về Đảng",
    ),
    ("fail_course", "Không hoàn thành lớp học"),
    (
        "record_certificate",
        "Ghi nhận giấy chứng nhận học lớp nhận thức về Đảng",
    ),
    ("submit_application", "Nộp đơn xin vào Đảng"),
    ("declare_background", "Khai lý lịch người xin vào Đảng"),
    ("add_introducer", "Thêm người giới thiệu"),
    ("withdraw_introducer", "Thôi người giới thiệu"),
    (
        "record_union_introduction",
        "Ghi nhận nghị quyết giới thiệu của Đoàn/Công đoàn",
    ),
    ("record_comments", "Ghi nhận tổng hợp ý kiến nhận xét"),
    (
        "stamp_background",
        "Đóng dấu giáp lai lý lịch, bắt đầu thẩm tra",
    ),
    ("send_verification", "Gửi công văn thẩm tra"),
    ("answer_verification", "Ghi nhận kết quả thẩm tra"),
    ("certify_background", "Chứng nhận lý lịch"),
    ("cell_vote", "Chi bộ xét, biểu quyết đề nghị kết nạp"),
    ("partial_appraisal", "Đảng ủy bộ phận thẩm định"),
    ("grassroots_vote", "Đảng ủy cơ sở xét, biểu quyết"),
    ("return_dossier", "Trả hồ sơ về chi bộ"),
    ("extend_deadline", "Gia hạn thời gian xem xét"),
    ("admission_decision", "Quyết định kết nạp"),
    ("hold_ceremony", "Tổ chức lễ kết nạp"),
    ("declare_member_background", "Khai lý lịch đảng viên"),
    (
        "complete_new_member_course",
        "Hoàn thành lớp bồi dưỡng đảng viên mới",
    ),
    ("submit_self_review", "Nộp bản tự kiểm điểm"),
    (
        "recognition_cell_vote",
        "Chi bộ xét công nhận đảng viên chính thức",
    ),
    (
        "recognition_grassroots_vote",
        "Đảng ủy cơ sở xét công nhận đảng viên chính thức",
    ),
    (
        "recognition_decision",
        "Quyết định công nhận đảng viên chính thức",
    ),
    (
        "superior_ruling",
        "Cấp ủy cấp trên quyết định sau ba lần biểu quyết",
    ),
    ("remove", "Xóa tên trong danh sách đảng viên dự bị"),
    ("withdraw", "Rút khỏi danh sách"),
    ("reject", "Dừng xem xét kết nạp"),
    ("transfer_out", "Chuyển sinh hoạt đi"),
    ("transfer_in", "Tiếp nhận chuyển sinh hoạt đến"),
    ("record_death", "Ghi nhận từ trần"),
    ("annul", "Hủy quyết định"),
];

/// The Vietnamese name of an action code.
pub fn action_label(code: &str) -> String {
    if let Some((_, l)) = ACTIONS.iter().find(|(c, _)| *c == code) {
        return (*l).to_string();
    }
    match code.split_once('.') {
        Some(("candidacy", step)) => match STEPS.iter().find(|(c, _)| *c == step) {
            Some((_, l)) => (*l).to_string(),
            None => "Bước khác của hồ sơ quần chúng".to_string(),
        },
        Some(("user", _)) => "Thay đổi tài khoản".to_string(),
        _ => "Thao tác khác".to_string(),
    }
}

fn object_label(kind: &str) -> &str {
    match kind {
        "org" => "Tổ chức",
        "member" => "Đảng viên",
        "person" => "Cá nhân",
        "candidacy" => "Hồ sơ quần chúng",
        "user" => "Tài khoản",
        "plan" => "Kế hoạch",
        "residential_unit" => "Thôn, tổ dân phố",
        "mass_org" => "Tổ chức đoàn thể",
        "introduction" => "Giới thiệu của đoàn thể",
        "import" => "Tệp nhập",
        "membership" => "Đảng số",
        "list" => "Tệp tải về",
        _ => "Đối tượng khác",
    }
}

/// The query string.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    /// Action code or prefix.
    #[serde(default)]
    pub action: Option<String>,
    /// From (dd/mm/yyyy).
    #[serde(default)]
    pub from: Option<String>,
    /// To, inclusive (dd/mm/yyyy).
    #[serde(default)]
    pub to: Option<String>,
    /// Keyset cursor (sealed): rows before a position of the chain.
    #[serde(default)]
    pub before: Option<String>,
    /// `xlsx` or `csv`: every row of the filter as a file.
    #[serde(default)]
    pub format: Option<String>,
}

/// One row.
pub struct AuditLineView {
    /// Time, dd/mm/yyyy HH:MM (Vietnam).
    pub at: String,
    /// Actor.
    pub actor: String,
    /// Action in Vietnamese.
    pub action: String,
    /// The action as the verb of a sentence after the actor's name ("ghi nhận…", "quyết định kết
    /// nạp"): the label with its first letter in lower case.
    pub verb: String,
    /// Action code.
    pub code: String,
    /// Object kind, in words.
    pub object_kind: String,
    /// The object's name (a person, organisation, unit, account), when ketnap knows it.
    pub object_name: Option<String>,
    /// Where the object's page is, when it has one.
    pub object_href: Option<String>,
    /// Organisation (public id, name).
    pub org: Option<(String, String)>,
}

/// templates/audit_index.html
#[derive(Template)]
#[template(path = "audit_index.html")]
pub struct AuditPage {
    /// Layout.
    pub layout: Layout,
    /// Rows.
    pub rows: Vec<AuditLineView>,
    /// The filter as typed.
    pub action: String,
    /// From as typed.
    pub from: String,
    /// To as typed.
    pub to: String,
    /// Link to the next page.
    pub next: Option<String>,
    /// Action choices.
    pub actions: Vec<Choice>,
    /// Every candidacy step selected.
    pub all_steps: bool,
    /// A bad filter.
    pub error: Option<String>,
    /// The "Tải về" links' prefix.
    pub download: Option<String>,
}

fn vn_offset() -> jiff::tz::Offset {
    jiff::tz::Offset::constant(7)
}

pub(crate) fn start_of(d: jiff::civil::Date) -> Option<jiff::Timestamp> {
    vn_offset()
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .ok()
}

fn query_part(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET /audit`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    if !matches!(auth.role, Role::Admin | Role::OrgStaff) {
        return Err(AppError::Forbidden);
    }
    let text = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or_default().to_string();
    let (action, from, to) = (text(&q.action), text(&q.from), text(&q.to));
    let mut error = None;
    let mut date = |s: &str, next_day: bool| -> Option<jiff::Timestamp> {
        if s.is_empty() {
            return None;
        }
        match parse_vn(s) {
            Some(d) => start_of(if next_day {
                d.tomorrow().unwrap_or(d)
            } else {
                d
            }),
            None => {
                error = Some("Ngày phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".to_string());
                None
            }
        }
    };
    let filter = audit::ListFilter {
        action: (!action.is_empty()).then(|| action.clone()),
        from: date(&from, false),
        until: date(&to, true),
    };
    let mut conn = state.store.read().await?;
    if let Some(format) = downloads::requested(q.format.as_deref())? {
        downloads::allowed(&state, &auth, "Nhật ký thao tác", format).await?;
        if let Some(e) = error {
            return Err(AppError::BadRequest(e));
        }
        let table = ketnap_io::lists::audit(&mut conn, &auth.scope, &filter, &action_label, &|k| {
            object_label(k).to_string()
        })
        .await?;
        return downloads::file(&table, format, "Nhật ký thao tác", None);
    }
    let before = q
        .before
        .as_deref()
        .and_then(|b| state.cursors.open(b))
        .and_then(|b| b.parse::<i64>().ok());
    let page = audit::list(&mut conn, &auth.scope, &filter, before, PAGE).await?;
    let objects: Vec<(String, String)> = page
        .items
        .iter()
        .map(|r| (r.object_kind.clone(), r.object_id.clone()))
        .collect();
    let names = audit::object_names(&mut conn, &objects).await?;
    let rows = page
        .items
        .into_iter()
        .map(|r| AuditLineView {
            object_name: names
                .get(&(r.object_kind.clone(), r.object_id.clone()))
                .cloned()
                // A downloaded list is named by its title.
                .or_else(|| (r.object_kind == "list").then(|| r.object_id.clone())),
            object_href: match r.object_kind.as_str() {
                "candidacy" => Some(format!("/candidates/{}", r.object_id)),
                "org" => Some(format!("/orgs/{}", r.object_id)),
                _ => None,
            },
            at: vn_offset()
                .to_datetime(r.at.to_jiff())
                .strftime("%d/%m/%Y %H:%M")
                .to_string(),
            actor: r.actor_name.unwrap_or_else(|| "Hệ thống".to_string()),
            verb: {
                let label = action_label(&r.action);
                let mut chars = label.chars();
                match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect(),
                    None => label,
                }
            },
            action: action_label(&r.action),
            code: r.action,
            object_kind: object_label(&r.object_kind).to_string(),
            org: r.org_pub_id.zip(r.org_name),
        })
        .collect();
    let next = page.next.map(|seq| {
        format!(
            "/audit?action={}&from={}&to={}&before={}",
            query_part(&action),
            query_part(&from),
            query_part(&to),
            state.cursors.seal(&seq.to_string())
        )
    });
    let actions = ACTIONS
        .iter()
        .map(|(c, l)| Choice {
            code: c,
            label: l,
            selected: action == *c,
        })
        .collect();
    let all_steps = action == "candidacy";
    let download = downloads::link(
        &auth,
        "/audit",
        &format!(
            "action={}&from={}&to={}",
            query_part(&action),
            query_part(&from),
            query_part(&to)
        ),
    );
    let page = AuditPage {
        layout: auth.layout("Nhật ký thao tác", "audit"),
        rows,
        action,
        from,
        to,
        next,
        actions,
        all_steps,
        error,
        download,
    };
    Ok(Html(page.render()?).into_response())
}
