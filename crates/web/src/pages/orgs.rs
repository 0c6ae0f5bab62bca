//! `/orgs` — the organisation tree of the user's scope: the roots, one organisation with its
//! ancestors, children and (for a cell) its roster; for staff, forms to add a child, edit the name
//! and flags, and move the subtree.

use crate::extract::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ketnap_domain::dates::parse_vn;
use ketnap_domain::lifecycle::{Standing, StudentThresholds};
use ketnap_domain::org::{OrgKind, cell_committee_status};
use ketnap_store::members::{self, RosterFilter};
use ketnap_store::orgs::{self, NewOrg, Org, OrgEdit};
use ketnap_store::{Conn, Role, Scope, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Crumb;

/// Children shown with their roster counts (counted in one query; larger sets are cut here).
const MAX_CHILDREN: usize = 200;
/// Members listed on a cell's page (the full list is at `/members`).
const CELL_ROSTER: i64 = 50;

/// The routes of the area.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/orgs", get(index))
        .route("/orgs/{pub_id}", get(show))
        .route("/orgs/{pub_id}/children", post(create_child))
        .route("/orgs/{pub_id}/edit", post(edit))
        .route("/orgs/{pub_id}/move", post(move_subtree))
        .route("/orgs/{pub_id}/congress", post(add_congress))
        .route("/orgs/{pub_id}/students", post(set_students))
}

/// Staff who may change the tree.
pub fn may_edit_tree(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff)
}

/// One organisation in a list.
pub struct OrgLine {
    /// Public id.
    pub pub_id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind label.
    pub kind: String,
    /// Official members of the subtree.
    pub official: i64,
    /// Probationary members of the subtree.
    pub probationary: i64,
}

async fn line(conn: &mut Conn, scope: &Scope, org: Org) -> Result<OrgLine, AppError> {
    let counts = members::counts(conn, scope, org.org_id).await?;
    Ok(line_with(org, counts))
}

fn line_with(org: Org, counts: members::RosterCounts) -> OrgLine {
    OrgLine {
        kind: kind_label(&org),
        pub_id: org.pub_id,
        code: org.code,
        name: org.name,
        official: counts.official,
        probationary: counts.probationary,
    }
}

fn kind_label(org: &Org) -> String {
    org.kind()
        .map(|k| k.label())
        .unwrap_or_else(|_| org.kind.clone())
}

/// templates/orgs_index.html
#[derive(Template)]
#[template(path = "orgs_index.html")]
pub struct IndexPage {
    /// Layout.
    pub layout: crate::layout::Layout,
    /// The roots of the scope.
    pub roots: Vec<OrgLine>,
}

/// `GET /orgs`
pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let mut conn = state.store.read().await?;
    let mut roots = Vec::new();
    for org in orgs::scope_roots(&mut conn, &auth.scope).await? {
        roots.push(line(&mut conn, &auth.scope, org).await?);
    }
    let page = IndexPage {
        layout: auth.layout("Tổ chức đảng", "orgs"),
        roots,
    };
    Ok(Html(page.render()?).into_response())
}

/// A member line on a cell's page.
pub struct MemberLine {
    /// Name.
    pub name: String,
    /// Status label.
    pub status: &'static str,
    /// Admitted on, dd/mm/yyyy.
    pub admitted: String,
}

/// A mentor of the cell and the candidates they help.
pub struct MentorLine {
    /// The mentor's name.
    pub name: String,
    /// The candidates' names.
    pub candidates: Vec<String>,
}

/// The mentors of a cell's candidacies under way: one store query.
async fn cell_mentors(
    conn: &mut Conn,
    scope: &Scope,
    cell_id: i64,
) -> Result<Vec<MentorLine>, AppError> {
    Ok(members::cell_mentors(conn, scope, cell_id)
        .await?
        .into_iter()
        .map(|m| MentorLine {
            // A mentor from another cell outside the scope: not named.
            name: m
                .mentor_name
                .unwrap_or_else(|| "Đảng viên ngoài phạm vi".to_string()),
            candidates: m.candidates,
        })
        .collect())
}

/// One kind a child may have.
pub struct KindChoice {
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
}

/// templates/orgs_show.html
#[derive(Template)]
#[template(path = "orgs_show.html")]
pub struct ShowPage {
    /// Layout.
    pub layout: crate::layout::Layout,
    /// The organisation.
    pub org: OrgLine,
    /// Whether it is a cell.
    pub is_cell: bool,
    /// Has a chi ủy.
    pub has_cell_committee: bool,
    /// Youth Union exists.
    pub youth_union_exists: bool,
    /// Trade union introduces instead.
    pub trade_union_instead: bool,
    /// The chi ủy rule, for a cell.
    pub committee: Option<String>,
    /// The chi ủy rule is not met.
    pub committee_missing: bool,
    /// Children.
    pub children: Vec<OrgLine>,
    /// Children not shown (beyond [`MAX_CHILDREN`]).
    pub more_children: usize,
    /// Names shown.
    pub individuals: bool,
    /// The cell's members (first page).
    pub members: Vec<MemberLine>,
    /// More members follow.
    pub more_members: bool,
    /// The cell's mentors.
    pub mentors: Vec<MentorLine>,
    /// Staff forms shown.
    pub can_edit: bool,
    /// Kinds a child may have.
    pub kinds: Vec<KindChoice>,
    /// An error of a refused form.
    pub error: Option<String>,
    /// The "Tải về" links' prefix (roles that see individuals).
    pub download: Option<String>,
    /// Congress dates that open the terms (dd/mm/yyyy), this organisation's or the nearest above.
    pub congresses: Vec<String>,
    /// The organisation above whose congresses they are, when not this one's.
    pub congress_from: Option<String>,
    /// A grassroots or higher organisation: it holds congresses.
    pub holds_congress: bool,
    /// The student thresholds in force here, in words.
    pub student_rule: Option<String>,
    /// Academic results, highest first: (code, label).
    pub grade_options: Vec<(&'static str, &'static str)>,
    /// Conduct, highest first.
    pub conduct_options: Vec<(&'static str, &'static str)>,
}

async fn show_page(
    state: &AppState,
    auth: &Auth,
    pub_id: &str,
    error: Option<String>,
) -> Result<ShowPage, AppError> {
    let mut conn = state.store.read().await?;
    let org = orgs::get(&mut conn, &auth.scope, pub_id).await?;
    let roots: Vec<i64> = orgs::scope_roots(&mut conn, &auth.scope)
        .await?
        .into_iter()
        .map(|o| o.org_id)
        .collect();
    let path = orgs::path(&mut conn, org.org_id).await?;
    // Breadcrumbs from the scope's root down: ancestors above the scope are not the user's.
    let start = path
        .iter()
        .position(|o| roots.contains(&o.org_id) || auth.scope.is_system())
        .unwrap_or(path.len().saturating_sub(1));
    let mut crumbs = vec![Crumb {
        href: "/orgs".into(),
        label: "Tổ chức".into(),
    }];
    crumbs.extend(path[start..].iter().map(|o| Crumb {
        href: format!("/orgs/{}", o.pub_id),
        label: o.name.clone(),
    }));
    let kind = org.kind()?;
    let is_cell = kind.is_cell();
    let mut children = Vec::new();
    let all_children = orgs::children(&mut conn, &auth.scope, org.org_id).await?;
    let more_children = all_children.len().saturating_sub(MAX_CHILDREN);
    let counts = members::counts_of_children(&mut conn, &auth.scope, org.org_id).await?;
    for child in all_children.into_iter().take(MAX_CHILDREN) {
        let c = counts.get(&child.org_id).copied().unwrap_or_default();
        children.push(line_with(child, c));
    }
    // The roster and the mentors of a cell are for the roles that read rosters (SECURITY.md).
    let individuals = auth.role.reads(ketnap_store::Field::Roster);
    let (members, more_members) = if is_cell && individuals {
        let page = members::list_by_cell(
            &mut conn,
            &auth.scope,
            org.org_id,
            RosterFilter::Active,
            None,
            CELL_ROSTER,
        )
        .await?;
        let list = page
            .items
            .into_iter()
            .map(|m| MemberLine {
                name: m.full_name,
                status: m.status.label_vi(),
                admitted: m
                    .admitted_on
                    .map(ketnap_domain::dates::format_vn)
                    .unwrap_or_default(),
            })
            .collect();
        (list, page.next.is_some())
    } else {
        (Vec::new(), false)
    };
    let mentors = if is_cell && individuals {
        cell_mentors(&mut conn, &auth.scope, org.org_id).await?
    } else {
        Vec::new()
    };
    let (has_cell_committee, youth_union_exists, trade_union_instead) = (
        org.has_cell_committee,
        org.youth_union_exists,
        org.trade_union_instead,
    );
    let (org_id, org_kind) = (org.org_id, org.kind());
    let held = orgs::congresses(&mut conn, org_id).await?;
    let congress_from = match &held {
        Some((id, _)) if *id != org_id => Some(orgs::get_by_id(&mut conn, *id).await?.name),
        _ => None,
    };
    let congresses = held
        .map(|(_, ds)| {
            ds.into_iter()
                .map(ketnap_domain::dates::format_vn)
                .collect()
        })
        .unwrap_or_default();
    let holds_congress = !matches!(
        org_kind,
        Ok(ketnap_domain::org::OrgKind::Cell(_) | ketnap_domain::org::OrgKind::Partial)
    );
    let student_rule = orgs::student_thresholds(conn.ex(), org_id).await?.map(|t| {
        format!(
            "Học lực {} trở lên, hạnh kiểm (rèn luyện) {} trở lên năm học gần nhất — {}.",
            t.min_grade.grade_vi().to_lowercase(),
            t.min_conduct.conduct_vi().to_lowercase(),
            t.source
        )
    });
    let line = line(&mut conn, &auth.scope, org).await?;
    let (committee, committee_missing) = if is_cell {
        let rules = state.book.in_force(state.clock.today());
        let status = cell_committee_status(
            u32::try_from(line.official).unwrap_or(0),
            has_cell_committee,
            rules,
        );
        (
            Some(status.label().to_string()),
            status == ketnap_domain::org::CellCommitteeStatus::Missing,
        )
    } else {
        (None, false)
    };
    let kinds = OrgKind::all()
        .into_iter()
        .filter(|k| kind.may_contain(k))
        .map(|k| KindChoice {
            code: k.code(),
            label: k.label(),
        })
        .collect();
    Ok(ShowPage {
        layout: auth.layout(line.name.clone(), "orgs").crumbs(crumbs),
        org: line,
        is_cell,
        has_cell_committee,
        youth_union_exists,
        trade_union_instead,
        committee,
        committee_missing,
        children,
        more_children,
        individuals,
        members,
        more_members,
        mentors,
        can_edit: may_edit_tree(auth.role),
        kinds,
        error,
        download: crate::pages::downloads::link(auth, &format!("/orgs/{pub_id}/download"), ""),
        congresses,
        congress_from,
        holds_congress,
        student_rule,
        grade_options: Standing::ALL
            .iter()
            .rev()
            .map(|s| (s.code(), s.grade_vi()))
            .collect(),
        conduct_options: Standing::ALL
            .iter()
            .rev()
            .map(|s| (s.code(), s.conduct_vi()))
            .collect(),
    })
}

/// The form recording student thresholds.
#[derive(Deserialize)]
pub struct StudentsForm {
    min_grade: String,
    min_conduct: String,
    source: String,
}

/// `POST /orgs/{pub_id}/students`: the thresholds of a guidance for student candidates.
pub async fn set_students(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(form): Form<StudentsForm>,
) -> Result<Response, AppError> {
    if !may_edit_tree(auth.role) {
        return Err(AppError::Forbidden);
    }
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &pub_id).await?;
    let result: Result<(), AppError> = async {
        let pick = |code: &str| {
            Standing::from_code(code)
                .ok_or_else(|| AppError::BadRequest("Hãy chọn mức trong danh sách.".into()))
        };
        let t = StudentThresholds {
            min_grade: pick(&form.min_grade)?,
            min_conduct: pick(&form.min_conduct)?,
            source: form.source.clone(),
        };
        let mut tx = state.store.begin().await?;
        orgs::set_student_thresholds(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            org.org_id,
            &t,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{pub_id}#hoc-sinh")).into_response()),
        Err(e) if refusable(&e) => refused(&state, &auth, &pub_id, e).await,
        Err(e) => Err(e),
    }
}

/// The form recording a congress.
#[derive(Deserialize)]
pub struct CongressForm {
    held_on: String,
}

/// `POST /orgs/{pub_id}/congress`: the day a congress opened a term.
pub async fn add_congress(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(form): Form<CongressForm>,
) -> Result<Response, AppError> {
    if !may_edit_tree(auth.role) {
        return Err(AppError::Forbidden);
    }
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &pub_id).await?;
    let result: Result<(), AppError> = async {
        let held_on = ketnap_domain::dates::parse_vn(&form.held_on).ok_or_else(|| {
            AppError::BadRequest("Ngày đại hội: hãy ghi ngày/tháng/năm, ví dụ 17/06/2025.".into())
        })?;
        let mut tx = state.store.begin().await?;
        orgs::add_congress(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            org.org_id,
            held_on,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{pub_id}#dai-hoi")).into_response()),
        Err(e) if refusable(&e) => refused(&state, &auth, &pub_id, e).await,
        Err(e) => Err(e),
    }
}

/// `GET /orgs/{pub_id}`
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
) -> Result<Response, AppError> {
    let page = show_page(&state, &auth, &pub_id, None).await?;
    Ok(Html(page.render()?).into_response())
}

/// Re-render the organisation's page with a refused form's message (nothing saved).
async fn refused(
    state: &AppState,
    auth: &Auth,
    pub_id: &str,
    e: AppError,
) -> Result<Response, AppError> {
    let status = e.status();
    let (_, message) = e.message_vi();
    let page = show_page(state, auth, pub_id, Some(message)).await?;
    Ok((status, Html(page.render()?)).into_response())
}

fn refusable(e: &AppError) -> bool {
    matches!(
        e,
        AppError::BadRequest(_)
            | AppError::Store(
                StoreError::Invalid { .. } | StoreError::Conflict { .. } | StoreError::Refused(_)
            )
    )
}

/// An organisation in the scope named by its public id or its code.
pub async fn find_in_scope(
    conn: &mut Conn,
    scope: &Scope,
    id_or_code: &str,
) -> Result<Org, AppError> {
    let key = id_or_code.trim();
    match orgs::get(conn, scope, key).await {
        Ok(o) => Ok(o),
        Err(StoreError::NotFound(_)) => {
            let by_code = orgs::by_code(conn, key)
                .await
                .map_err(|_| not_found_org())?;
            orgs::get(conn, scope, &by_code.pub_id)
                .await
                .map_err(|_| not_found_org())
        }
        Err(e) => Err(e.into()),
    }
}

fn not_found_org() -> AppError {
    AppError::BadRequest(
        "Không tìm thấy tổ chức theo mã hoặc mã định danh đã nhập trong phạm vi của bạn.".into(),
    )
}

/// The form adding a child.
#[derive(Deserialize)]
pub struct ChildForm {
    code: String,
    name: String,
    kind: String,
}

/// `POST /orgs/{pub_id}/children`
pub async fn create_child(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(form): Form<ChildForm>,
) -> Result<Response, AppError> {
    if !may_edit_tree(auth.role) {
        return Err(AppError::Forbidden);
    }
    let parent = orgs::get(&mut state.store.read().await?, &auth.scope, &pub_id).await?;
    let result: Result<(), AppError> = async {
        let kind = OrgKind::from_code(&form.kind)
            .ok_or_else(|| AppError::BadRequest("Loại tổ chức không hợp lệ.".into()))?;
        if form.code.trim().is_empty() || form.name.trim().is_empty() {
            return Err(AppError::BadRequest("Cần nhập mã và tên tổ chức.".into()));
        }
        let mut tx = state.store.begin().await?;
        let new = NewOrg::new(
            form.code.trim(),
            form.name.trim(),
            kind,
            Some(parent.org_id),
        );
        orgs::create(&mut tx, &state.write_ctx(Some(auth.user.user_id)), &new).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{pub_id}")).into_response()),
        Err(e) if refusable(&e) => refused(&state, &auth, &pub_id, e).await,
        Err(e) => Err(e),
    }
}

/// The form editing name and flags (an unchecked box is absent).
#[derive(Deserialize)]
pub struct EditForm {
    name: String,
    #[serde(default)]
    has_cell_committee: Option<String>,
    #[serde(default)]
    youth_union_exists: Option<String>,
    #[serde(default)]
    trade_union_instead: Option<String>,
}

/// `POST /orgs/{pub_id}/edit`
pub async fn edit(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    if !may_edit_tree(auth.role) {
        return Err(AppError::Forbidden);
    }
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &pub_id).await?;
    let change = OrgEdit {
        name: form.name,
        has_cell_committee: form.has_cell_committee.is_some(),
        youth_union_exists: form.youth_union_exists.is_some(),
        trade_union_instead: form.trade_union_instead.is_some(),
    };
    let result: Result<(), AppError> = async {
        let mut tx = state.store.begin().await?;
        orgs::update(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            org.org_id,
            &change,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{pub_id}")).into_response()),
        Err(e) if refusable(&e) => refused(&state, &auth, &pub_id, e).await,
        Err(e) => Err(e),
    }
}

/// The form moving a subtree.
#[derive(Deserialize)]
pub struct MoveForm {
    new_parent: String,
    on: String,
    #[serde(default)]
    reason: String,
}

/// `POST /orgs/{pub_id}/move`
pub async fn move_subtree(
    State(state): State<AppState>,
    auth: Auth,
    Path(pub_id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    if !may_edit_tree(auth.role) {
        return Err(AppError::Forbidden);
    }
    let org = orgs::get(&mut state.store.read().await?, &auth.scope, &pub_id).await?;
    let result: Result<(), AppError> = async {
        let on = parse_vn(&form.on).ok_or_else(|| {
            AppError::BadRequest(
                "Ngày chuyển phải theo dạng ngày/tháng/năm, ví dụ 07/03/2026.".into(),
            )
        })?;
        let parent = find_in_scope(
            &mut state.store.read().await?,
            &auth.scope,
            &form.new_parent,
        )
        .await?;
        let mut tx = state.store.begin().await?;
        orgs::move_subtree(
            &mut tx,
            &state.write_ctx(Some(auth.user.user_id)),
            org.org_id,
            parent.org_id,
            on,
            form.reason.trim(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{pub_id}")).into_response()),
        Err(e) if refusable(&e) => refused(&state, &auth, &pub_id, e).await,
        Err(e) => Err(e),
    }
}
