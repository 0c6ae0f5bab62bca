//! `/members` — a cell's roster (Vietnamese name order, keyset-paged, status filter) and, for
//! staff, the roster changes: transfer to another cell, mark deceased or removed.

use crate::extract::Form;
use crate::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ketnap_domain::dates::{format_vn, parse_vn};
use ketnap_domain::person::{Gender, Qualification, SourceCategory, TheoryLevel};
use ketnap_store::members::{self, MemberStatus, NewMember, RosterFilter};
use ketnap_store::orgs::{self, Org};
use ketnap_store::people;
use ketnap_store::{Role, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::{Crumb, Layout};
use crate::pages::alerts::Choice;
use crate::pages::downloads;
use crate::pages::orgs::find_in_scope;
use crate::pages::person_input::PersonInput;

const PAGE: i64 = 50;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/members", get(index))
        .route("/members/new", get(new_form).post(create))
        .route("/members/{pub_id}/move", post(move_to_cell))
        .route("/members/{pub_id}/status", post(set_status))
}

/// Staff who may change the roster.
pub fn may_change_roster(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff)
}

/// The query string.
#[derive(Deserialize, Default)]
pub struct RosterQuery {
    /// The organisation's public id.
    #[serde(default)]
    pub org: Option<String>,
    /// `active` (default), `all` or a status code.
    #[serde(default)]
    pub status: Option<String>,
    /// Keyset cursor `member_id.name_key`.
    #[serde(default)]
    pub after: Option<String>,
    /// `xlsx` or `csv`: the roster as a file.
    #[serde(default)]
    pub format: Option<String>,
}

/// One roster row.
pub struct MemberRow {
    /// Member public id.
    pub pub_id: String,
    /// Name.
    pub name: String,
    /// Birth date.
    pub born: String,
    /// Status label.
    pub status: &'static str,
    /// Active (actions apply).
    pub active: bool,
    /// Admitted on.
    pub admitted: String,
    /// Official on.
    pub official: String,
}

/// A link to an organisation.
pub struct OrgLink {
    /// Public id.
    pub pub_id: String,
    /// Name.
    pub name: String,
}

/// templates/members_index.html
#[derive(Template)]
#[template(path = "members_index.html")]
pub struct MembersPage {
    /// Layout.
    pub layout: Layout,
    /// The organisation shown, if it is a cell.
    pub cell: Option<OrgLink>,
    /// Organisations to pick from (when no cell is chosen).
    pub choices: Vec<OrgLink>,
    /// Names shown.
    pub individuals: bool,
    /// Official members.
    pub official: i64,
    /// Probationary members.
    pub probationary: i64,
    /// Rows.
    pub rows: Vec<MemberRow>,
    /// Status choices.
    pub statuses: Vec<Choice>,
    /// Next page link.
    pub next: Option<String>,
    /// Staff forms shown.
    pub can_change: bool,
    /// A refused change.
    pub error: Option<String>,
    /// The "Tải về" links' prefix (roles that see individuals).
    pub download: Option<String>,
}

fn encode(s: &str) -> String {
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

const STATUS_CHOICES: [(&str, &str); 7] = [
    ("active", "Đang sinh hoạt"),
    ("official", "Đảng viên chính thức"),
    ("probationary", "Đảng viên dự bị"),
    ("transferred_out", "Đã chuyển đi"),
    ("deceased", "Đã từ trần"),
    ("removed", "Đã ra khỏi Đảng"),
    ("all", "Tất cả"),
];

async fn roster_page(
    state: &AppState,
    auth: &Auth,
    q: &RosterQuery,
    error: Option<String>,
) -> Result<MembersPage, AppError> {
    let mut conn = state.store.read().await?;
    let org: Option<Org> = match q.org.as_deref().filter(|s| !s.is_empty()) {
        Some(p) => Some(orgs::get(&mut conn, &auth.scope, p).await?),
        None => {
            let roots = orgs::scope_roots(&mut conn, &auth.scope).await?;
            if roots.len() == 1 {
                roots.into_iter().next()
            } else {
                None
            }
        }
    };
    let individuals = auth.role.sees_individuals();
    let status_code = q
        .status
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "active".into());
    let statuses = STATUS_CHOICES
        .iter()
        .map(|(c, l)| Choice {
            code: c,
            label: l,
            selected: status_code == *c,
        })
        .collect();
    let mut page = MembersPage {
        layout: auth.layout("Đảng viên", "members"),
        cell: None,
        choices: Vec::new(),
        individuals,
        official: 0,
        probationary: 0,
        rows: Vec::new(),
        statuses,
        next: None,
        can_change: may_change_roster(auth.role),
        error,
        download: None,
    };
    let Some(org) = org else {
        page.choices = orgs::scope_roots(&mut conn, &auth.scope)
            .await?
            .into_iter()
            .map(|o| OrgLink {
                pub_id: o.pub_id,
                name: o.name,
            })
            .collect();
        return Ok(page);
    };
    let counts = members::counts(&mut conn, &auth.scope, org.org_id).await?;
    page.official = counts.official;
    page.probationary = counts.probationary;
    page.layout = auth
        .layout(format!("Đảng viên — {}", org.name), "members")
        .crumbs(vec![
            Crumb {
                href: format!("/orgs/{}", org.pub_id),
                label: org.name.clone(),
            },
            Crumb {
                href: format!("/members?org={}", org.pub_id),
                label: "Đảng viên".into(),
            },
        ]);
    if !org.kind()?.is_cell() {
        page.choices = orgs::children(&mut conn, &auth.scope, org.org_id)
            .await?
            .into_iter()
            .map(|o| OrgLink {
                pub_id: o.pub_id,
                name: o.name,
            })
            .collect();
        return Ok(page);
    }
    let filter = match status_code.as_str() {
        "all" => RosterFilter::All,
        code => MemberStatus::from_code(code).map_or(RosterFilter::Active, RosterFilter::Only),
    };
    let after = q
        .after
        .as_deref()
        .and_then(|a| state.cursors.open(a))
        .and_then(|a| {
            let (id, key) = a.split_once('.')?;
            Some((key.to_string(), id.parse().ok()?))
        });
    let list =
        members::list_by_cell(&mut conn, &auth.scope, org.org_id, filter, after, PAGE).await?;
    page.rows = list
        .items
        .into_iter()
        .map(|m| MemberRow {
            pub_id: m.pub_id,
            name: m.full_name,
            born: format_vn(m.birth_date),
            status: m.status.label_vi(),
            active: m.status.is_active(),
            admitted: m.admitted_on.map(format_vn).unwrap_or_default(),
            official: m.official_on.map(format_vn).unwrap_or_default(),
        })
        .collect();
    page.next = list.next.map(|(key, id)| {
        format!(
            "/members?org={}&status={}&after={}",
            org.pub_id,
            encode(&status_code),
            encode(&state.cursors.seal(&format!("{id}.{key}")))
        )
    });
    page.download = downloads::link(
        auth,
        "/members",
        &format!("org={}&status={}", org.pub_id, encode(&status_code)),
    );
    page.cell = Some(OrgLink {
        pub_id: org.pub_id,
        name: org.name,
    });
    Ok(page)
}

/// `GET /members`
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RosterQuery>,
) -> Result<Response, AppError> {
    if let Some(format) = downloads::requested(q.format.as_deref())? {
        return roster_file(&state, &auth, &q, format).await;
    }
    let page = roster_page(&state, &auth, &q, None).await?;
    Ok(Html(page.render()?).into_response())
}

/// The roster the page shows (the chosen organisation's, with the status filter), every row, as
/// the importer reads it.
async fn roster_file(
    state: &AppState,
    auth: &Auth,
    q: &RosterQuery,
    format: ketnap_io::lists::Format,
) -> Result<Response, AppError> {
    downloads::allowed(state, auth, "Danh sách đảng viên", format).await?;
    let mut conn = state.store.read().await?;
    let org = match q.org.as_deref().filter(|s| !s.is_empty()) {
        Some(p) => orgs::get(&mut conn, &auth.scope, p).await?,
        None => {
            let mut roots = orgs::scope_roots(&mut conn, &auth.scope).await?;
            if roots.len() != 1 {
                return Err(AppError::BadRequest(
                    "Hãy chọn tổ chức để tải danh sách đảng viên.".into(),
                ));
            }
            roots.remove(0)
        }
    };
    let filter = match q.status.as_deref().unwrap_or("active") {
        "all" => RosterFilter::All,
        code => MemberStatus::from_code(code).map_or(RosterFilter::Active, RosterFilter::Only),
    };
    let filter = ketnap_io::lists::ListFilter {
        org: Some(org.org_id),
        roster: Some(filter),
        ..Default::default()
    };
    let table = ketnap_io::lists::export(
        &mut conn,
        &auth.scope,
        ketnap_io::import::Kind::Members,
        &filter,
    )
    .await?;
    downloads::file(&table, format, "Danh sách đảng viên", Some(&org.code))
}

/// After a roster change: back to the cell's roster, or the roster again with the refusal.
async fn answer(
    state: &AppState,
    auth: &Auth,
    cell_pub_id: &str,
    result: Result<(), AppError>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/members?org={cell_pub_id}")).into_response()),
        Err(
            e @ (AppError::BadRequest(_)
            | AppError::Store(StoreError::Invalid { .. } | StoreError::Conflict { .. })),
        ) => {
            let status = e.status();
            let q = RosterQuery {
                org: Some(cell_pub_id.to_string()),
                ..Default::default()
            };
            let page = roster_page(state, auth, &q, Some(e.message_vi().1)).await?;
            Ok((status, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The transfer form.
#[derive(Deserialize)]
pub struct MoveForm {
    cell: String,
    on: String,
}

/// `POST /members/{pub_id}/move`
pub async fn move_to_cell(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    if !may_change_roster(auth.role) {
        return Err(AppError::Forbidden);
    }
    let mut conn = state.store.read().await?;
    let (member, cell_id) = members::get(&mut conn, &auth.scope, &pub_id).await?;
    let cell = orgs::get_by_id(&mut conn, cell_id).await?;
    let target = find_in_scope(&mut conn, &auth.scope, &form.cell).await;
    drop(conn);
    let result = async {
        let on = parse_vn(&form.on).ok_or_else(|| {
            AppError::BadRequest(
                "Ngày chuyển phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into(),
            )
        })?;
        let target = target?;
        let mut tx = state.store.begin().await?;
        members::move_to_cell(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            member.member_id,
            target.org_id,
            on,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    answer(&state, &auth, &cell.pub_id, result).await
}

/// The status form.
#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    on: String,
}

/// `POST /members/{pub_id}/status`
pub async fn set_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    if !may_change_roster(auth.role) {
        return Err(AppError::Forbidden);
    }
    let mut conn = state.store.read().await?;
    let (member, cell_id) = members::get(&mut conn, &auth.scope, &pub_id).await?;
    let cell = orgs::get_by_id(&mut conn, cell_id).await?;
    drop(conn);
    let result = async {
        let status = match form.status.as_str() {
            "deceased" => MemberStatus::Deceased,
            "removed" => MemberStatus::Removed,
            _ => return Err(AppError::BadRequest("Trạng thái không hợp lệ.".into())),
        };
        let on = parse_vn(&form.on).ok_or_else(|| {
            AppError::BadRequest("Ngày phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into())
        })?;
        let mut tx = state.store.begin().await?;
        members::set_status(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            member.member_id,
            status,
            on,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    answer(&state, &auth, &cell.pub_id, result).await
}

/// The form adding an existing official member (chuyển đến, or a roster taken over on paper).
#[derive(Deserialize, Default, Clone)]
pub struct NewMemberInput {
    #[serde(default)]
    cell: String,
    #[serde(flatten)]
    person: PersonInput,
    #[serde(default)]
    admitted_on: String,
    #[serde(default)]
    official_on: String,
}

impl std::ops::Deref for NewMemberInput {
    type Target = PersonInput;

    /// The person fields, so the template reads `input.full_name` as before.
    fn deref(&self) -> &PersonInput {
        &self.person
    }
}

/// One option of a select.
pub struct Opt {
    /// Value.
    pub code: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

fn opts<'a>(items: impl Iterator<Item = (&'a str, &'a str)>, current: &str) -> Vec<Opt> {
    items
        .map(|(code, label)| Opt {
            code: code.to_string(),
            label: label.to_string(),
            selected: code == current,
        })
        .collect()
}

/// templates/members_new.html
#[derive(Template)]
#[template(path = "members_new.html")]
pub struct NewMemberPage {
    /// Layout.
    pub layout: Layout,
    /// The cell.
    pub cell: OrgLink,
    /// What was typed.
    pub input: NewMemberInput,
    /// Genders.
    pub genders: Vec<Opt>,
    /// Qualifications.
    pub qualifications: Vec<Opt>,
    /// Theory levels.
    pub theories: Vec<Opt>,
    /// Source categories (the person's background group).
    pub sources: Vec<Opt>,
    /// What is wrong, by field.
    pub errors: Vec<String>,
}

impl NewMemberPage {
    fn build(auth: &Auth, cell: &Org, input: NewMemberInput, errors: Vec<String>) -> NewMemberPage {
        NewMemberPage {
            layout: auth
                .layout("Thêm đảng viên vào danh sách", "members")
                .crumbs(vec![
                    Crumb {
                        href: format!("/orgs/{}", cell.pub_id),
                        label: cell.name.clone(),
                    },
                    Crumb {
                        href: format!("/members?org={}", cell.pub_id),
                        label: "Đảng viên".into(),
                    },
                    Crumb {
                        href: format!("/members/new?cell={}", cell.pub_id),
                        label: "Thêm đảng viên".into(),
                    },
                ]),
            cell: OrgLink {
                pub_id: cell.pub_id.clone(),
                name: cell.name.clone(),
            },
            genders: opts(
                Gender::ALL.iter().map(|g| (g.code(), g.label())),
                &input.gender,
            ),
            qualifications: opts(
                Qualification::ALL.iter().map(|g| (g.code(), g.label())),
                &input.qualification,
            ),
            theories: opts(
                TheoryLevel::ALL.iter().map(|g| (g.code(), g.label())),
                &input.theory_level,
            ),
            sources: opts(
                SourceCategory::ALL.iter().map(|g| (g.code(), g.label())),
                &input.source_category,
            ),
            input,
            errors,
        }
    }
}

/// The query of the new-member form.
#[derive(Deserialize)]
pub struct CellQuery {
    #[serde(default)]
    cell: String,
}

async fn cell_for_new(state: &AppState, auth: &Auth, cell: &str) -> Result<Org, AppError> {
    if !may_change_roster(auth.role) {
        return Err(AppError::Forbidden);
    }
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, cell.trim()).await?;
    if !org.kind()?.is_cell() {
        return Err(AppError::NotFound);
    }
    Ok(org)
}

/// `GET /members/new?cell=…`
pub async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<CellQuery>,
) -> Result<Response, AppError> {
    let cell = cell_for_new(&state, &auth, &q.cell).await?;
    let input = NewMemberInput {
        person: PersonInput {
            ethnicity: "Kinh".into(),
            religion: "Không".into(),
            education: "12/12".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    Ok(Html(NewMemberPage::build(&auth, &cell, input, Vec::new()).render()?).into_response())
}

/// `POST /members/new`: the person and the roster entry in one transaction.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Form(input): Form<NewMemberInput>,
) -> Result<Response, AppError> {
    let cell = cell_for_new(&state, &auth, &input.cell).await?;
    let form = input.person.to_form(false, false);
    let mut errors: Vec<String> = Vec::new();
    let person = form
        .parse(state.clock.today())
        .map_err(|es| errors.extend(es.into_iter().map(|e| e.message_vi().to_string())))
        .ok();
    let admitted = parse_vn(&input.admitted_on);
    let official = parse_vn(&input.official_on);
    if admitted.is_none() {
        errors.push("Ngày vào Đảng phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into());
    }
    if official.is_none() {
        errors.push("Ngày chính thức phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into());
    }
    if let (Some(person), Some(admitted), Some(official), true) =
        (person, admitted, official, errors.is_empty())
    {
        let result: Result<(), StoreError> = async {
            let mut tx = state.store.begin().await?;
            let ctx = state.write_ctx(Some(auth.user.user_id));
            let person_id =
                people::insert_scoped(&mut tx, &ctx, &auth.scope, &person, None).await?;
            let new = NewMember {
                person_id,
                cell_id: cell.org_id,
                status: MemberStatus::Official,
                admitted_on: Some(admitted),
                official_on: Some(official),
                party_age_from: Some(admitted),
                candidacy_id: None,
                pub_id: None,
            };
            members::insert(&mut tx, &ctx, new).await?;
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => {
                return Ok(Redirect::to(&format!("/members?org={}", cell.pub_id)).into_response());
            }
            Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
                errors.push(e.message_vi())
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = NewMemberPage::build(&auth, &cell, input, errors);
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        Html(page.render()?),
    )
        .into_response())
}
