//! The import page (`/import`, "Nhập dữ liệu"): download a template, upload a list, see the
//! preview (every problem by row and column, nothing written), then write it in one go.
//!
//! The uploaded bytes stay on the server, in memory, under a random token ([`ImportJobs`]),
//! never in the session cookie; only the user who uploaded may see or commit them, and they are
//! dropped 30 minutes after the last step. The preview and the commit run in a `tokio` task, so
//! a file of 10.000 rows does not hold the request: the page polls a small status fragment
//! (`/import/jobs/{token}`, htmx, every second) which shows the rows done and, at the end, the
//! result. Without JavaScript the same address shows the whole page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::extract::Query;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ketnap_domain::dates::format_vn;
use ketnap_domain::numfmt::group_thousands;
use ketnap_io::import::{self, ImportError, Kind, Options, Outcome};
use ketnap_io::sheet::{self, Limits};
use ketnap_store::{Role, Scope};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::layout::Crumb;

/// The largest file imported.
pub const MAX_IMPORT_BYTES: usize = 50 * 1024 * 1024;
/// The largest upload request: the file plus room for the other fields, so that a file just
/// over the limit still reaches the page that says so.
pub const MAX_IMPORT_UPLOAD: usize = MAX_IMPORT_BYTES + 1024 * 1024;
/// How long an uploaded file is kept after its last step.
pub const JOB_TTL: Duration = Duration::from_secs(30 * 60);
/// How long an upload or a commit waits for a small file to finish before showing the progress.
const SETTLE: Duration = Duration::from_millis(1500);

/// The roles that bring lists in: administrators and organisation staff.
pub fn may_import(role: Role) -> bool {
    matches!(role, Role::Admin | Role::OrgStaff)
}

/// `/import`, the templates, the upload, the job status and the commit.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route(
            "/import",
            get(index)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_UPLOAD)),
        )
        .route("/import/template/{file}", get(template))
        .route("/import/jobs/{token}", get(job))
        .route("/import/jobs/{token}/commit", post(commit))
}

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------

/// Rows done out of rows in all, written by the import task and read by the status fragment.
#[derive(Debug, Default)]
struct Counter {
    done: AtomicUsize,
    total: AtomicUsize,
}

/// Where a job is.
#[derive(Clone, Debug)]
enum Phase {
    /// The preview is running.
    Checking,
    /// The preview is done.
    Checked(Arc<Outcome>),
    /// The commit is running.
    Writing,
    /// The commit is done (written, or refused with problems and nothing written).
    Written(Arc<Outcome>),
    /// The file cannot be read, or the database failed: the Vietnamese message.
    Failed(String),
}

/// One uploaded file and what was done with it.
struct Job {
    user_id: i64,
    kind: Kind,
    file_name: String,
    uploaded_at: jiff::Timestamp,
    /// The file, until it is written.
    bytes: Option<Arc<Vec<u8>>>,
    /// The last step (upload, commit, end of a task), for eviction.
    touched: Instant,
    counter: Arc<Counter>,
    phase: Phase,
}

impl Job {
    fn running(&self) -> bool {
        matches!(self.phase, Phase::Checking | Phase::Writing)
    }
}

/// Uploaded files waiting for their preview or commit, by random token (in memory, never in the
/// session cookie). A job is dropped [`JOB_TTL`] after its last step (checked whenever jobs are
/// touched), or when its user uploads another file; a running job is never dropped.
#[derive(Default)]
pub struct ImportJobs {
    jobs: Mutex<HashMap<String, Job>>,
}

impl std::fmt::Debug for ImportJobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportJobs")
            .field("jobs", &self.lock().len())
            .finish()
    }
}

fn new_token() -> String {
    format!(
        "{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

impl ImportJobs {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Job>> {
        let mut map = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.retain(|_, j| j.running() || now.duration_since(j.touched) < JOB_TTL);
        map
    }

    /// Keep `job`; an earlier file of the same user that is not being processed is dropped.
    fn add(&self, job: Job) -> String {
        let token = new_token();
        let mut map = self.lock();
        map.retain(|_, j| j.user_id != job.user_id || j.running());
        map.insert(token.clone(), job);
        token
    }

    /// What the status shows, for the user who uploaded the file (`None` for anyone else).
    fn view(&self, token: &str, user_id: i64) -> Option<JobView> {
        let map = self.lock();
        let job = map.get(token).filter(|j| j.user_id == user_id)?;
        Some(JobView::of(token, job))
    }

    /// The end of a task.
    fn finish(&self, token: &str, phase: Phase) {
        let mut map = self.lock();
        if let Some(job) = map.get_mut(token) {
            if matches!(phase, Phase::Written(ref o) if o.committed) {
                job.bytes = None;
            }
            job.phase = phase;
            job.touched = Instant::now();
        }
    }

    /// Start the commit of a previewed file without problems: the file and a fresh counter.
    /// `Err(true)` when the job is the user's but cannot be committed (now), `Err(false)` when
    /// there is no such job of the user.
    fn begin_commit(&self, token: &str, user_id: i64) -> Result<Committing, bool> {
        let mut map = self.lock();
        let job = map
            .get_mut(token)
            .filter(|j| j.user_id == user_id)
            .ok_or(false)?;
        let ready = matches!(&job.phase, Phase::Checked(o) if o.ok());
        let bytes = job.bytes.clone().filter(|_| ready).ok_or(true)?;
        job.counter = Arc::new(Counter::default());
        job.phase = Phase::Writing;
        job.touched = Instant::now();
        Ok(Committing {
            kind: job.kind,
            file_name: job.file_name.clone(),
            bytes,
            counter: job.counter.clone(),
        })
    }

    /// Whether the job is still running (for the short wait after an upload or a commit).
    fn running(&self, token: &str) -> bool {
        self.lock().get(token).is_some_and(Job::running)
    }
}

/// What a commit needs from its job.
struct Committing {
    kind: Kind,
    file_name: String,
    bytes: Arc<Vec<u8>>,
    counter: Arc<Counter>,
}

/// One run of the importer, in its own task.
struct Run {
    token: String,
    scope: Scope,
    user_id: i64,
    kind: Kind,
    file_name: String,
    bytes: Arc<Vec<u8>>,
    counter: Arc<Counter>,
    dry_run: bool,
}

/// Run the importer in a task and record its end in the job (a panic of the task ends the job
/// as failed, so the page never waits forever).
fn spawn_run(state: AppState, run: Run) {
    let jobs = state.imports.clone();
    let token = run.token.clone();
    tokio::spawn(async move {
        let phase = match tokio::spawn(run_import(state, run)).await {
            Ok(phase) => phase,
            Err(e) => {
                tracing::error!(error = %e, "import task failed");
                Phase::Failed(SYSTEM_ERROR.to_string())
            }
        };
        jobs.finish(&token, phase);
    });
}

const SYSTEM_ERROR: &str =
    "Đã có lỗi hệ thống khi xử lý tệp; không có gì được lưu. Vui lòng thử lại sau.";

async fn run_import(state: AppState, run: Run) -> Phase {
    let ctx = state.write_ctx(Some(run.user_id));
    let options = Options {
        dry_run: run.dry_run,
        file_name: run.file_name.clone(),
        limits: Limits::default(),
    };
    let counter = run.counter.clone();
    let progress = move |done: usize, total: usize| {
        counter.total.store(total, Ordering::Relaxed);
        counter.done.store(done, Ordering::Relaxed);
    };
    let result = import::import(
        &state.store,
        &state.book,
        &run.scope,
        &ctx,
        run.kind,
        &run.bytes,
        &options,
        &progress,
    )
    .await;
    match result {
        Ok(outcome) => {
            tracing::info!(
                user.id = run.user_id,
                import.kind = run.kind.code(),
                import.rows = outcome.rows,
                import.problems = outcome.problems.len(),
                import.dry_run = run.dry_run,
                import.committed = outcome.committed,
                "import run"
            );
            let outcome = Arc::new(outcome);
            if run.dry_run {
                Phase::Checked(outcome)
            } else {
                Phase::Written(outcome)
            }
        }
        Err(ImportError::Sheet(e)) => {
            tracing::info!(user.id = run.user_id, import.kind = run.kind.code(), error = %e, "import file unreadable");
            Phase::Failed(e.message_vi())
        }
        Err(e) => {
            tracing::error!(user.id = run.user_id, import.kind = run.kind.code(), error = %e, "import failed");
            Phase::Failed(SYSTEM_ERROR.to_string())
        }
    }
}

/// Wait a little for a small file to finish, so that its result shows at once.
async fn settle(state: &AppState, token: &str) {
    let until = Instant::now() + SETTLE;
    while state.imports.running(token) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/// A number the Vietnamese way (`10.000`).
fn n(v: usize) -> String {
    group_thousands(v as u128)
}

/// One problem, as the table shows it.
pub struct ProblemRow {
    /// The spreadsheet row.
    pub line: String,
    /// The column heading, or "—" for the row as a whole.
    pub column: String,
    /// What is wrong.
    pub message: String,
    /// The rule and its citation, or "—".
    pub rule: String,
}

/// What an import did or would do.
pub struct OutcomeView {
    /// Data rows read.
    pub rows: String,
    /// Rows were written.
    pub committed: bool,
    /// The preview.
    pub dry_run: bool,
    /// What the rows make: (label, count), the kinds of record the file has none of left out.
    pub summary: Vec<(String, String)>,
    /// Every problem.
    pub problems: Vec<ProblemRow>,
    /// How many.
    pub problem_count: String,
    /// What the user should know before committing (blocks nothing).
    pub notices: Vec<String>,
}

impl OutcomeView {
    fn of(o: &Outcome) -> OutcomeView {
        OutcomeView {
            rows: n(o.rows),
            committed: o.committed,
            dry_run: o.dry_run,
            summary: o
                .summary
                .iter()
                .filter(|(_, c)| *c > 0)
                .map(|(l, c)| (l.clone(), n(*c)))
                .collect(),
            problems: o
                .problems
                .iter()
                .map(|p| ProblemRow {
                    line: n(p.line as usize),
                    column: p.column.clone().unwrap_or_else(|| "—".into()),
                    message: p.message_vi.clone(),
                    rule: p.rule.clone().unwrap_or_else(|| "—".into()),
                })
                .collect(),
            problem_count: n(o.problems.len()),
            notices: o.notices.clone(),
        }
    }
}

/// A link after a commit.
pub struct NextLink {
    /// Where.
    pub href: &'static str,
    /// Label.
    pub label: &'static str,
}

/// A job as the status shows it.
pub struct JobView {
    /// Its token (in the links).
    pub token: String,
    /// The list's name.
    pub kind_label: &'static str,
    /// The file's name as uploaded.
    pub file_name: String,
    /// When it was uploaded, `HH:MM dd/mm/yyyy` (Vietnam time).
    pub uploaded_at: String,
    /// The preview or the commit is running.
    pub running: bool,
    /// The commit is running.
    pub writing: bool,
    /// Rows done, rows in all (0 while the file is being read).
    pub done: usize,
    /// Rows in all.
    pub total: usize,
    /// Why it failed.
    pub failed: Option<String>,
    /// The result.
    pub outcome: Option<OutcomeView>,
    /// Where to go after a commit.
    pub next: Vec<NextLink>,
}

impl JobView {
    fn of(token: &str, job: &Job) -> JobView {
        let at = jiff::tz::Offset::constant(7).to_datetime(job.uploaded_at);
        let (outcome, failed) = match &job.phase {
            Phase::Checked(o) | Phase::Written(o) => (Some(OutcomeView::of(o)), None),
            Phase::Failed(m) => (None, Some(m.clone())),
            Phase::Checking | Phase::Writing => (None, None),
        };
        JobView {
            token: token.to_string(),
            kind_label: job.kind.label_vi(),
            file_name: job.file_name.clone(),
            uploaded_at: format!(
                "{:02}:{:02} {}",
                at.hour(),
                at.minute(),
                format_vn(at.date())
            ),
            running: job.running(),
            writing: matches!(job.phase, Phase::Writing),
            done: job.counter.done.load(Ordering::Relaxed),
            total: job.counter.total.load(Ordering::Relaxed),
            failed,
            outcome,
            next: next_links(job.kind),
        }
    }

    /// "3.200 / 10.000".
    pub fn progress_text(&self) -> String {
        format!("{} / {}", n(self.done), n(self.total))
    }
}

/// The lists to open after a commit: the overview, then the list the kind filled.
fn next_links(kind: Kind) -> Vec<NextLink> {
    let list = match kind {
        Kind::Orgs => NextLink {
            href: "/orgs",
            label: "Xem cây tổ chức",
        },
        Kind::Members | Kind::People => NextLink {
            href: "/members",
            label: "Xem danh sách đảng viên",
        },
        Kind::Candidates => NextLink {
            href: "/candidates",
            label: "Xem danh sách quần chúng",
        },
        Kind::Mentors => NextLink {
            href: "/mentors",
            label: "Xem phân công giúp đỡ",
        },
        Kind::Plans => NextLink {
            href: "/plans",
            label: "Xem kế hoạch",
        },
    };
    vec![
        NextLink {
            href: "/",
            label: "Về trang tổng quan",
        },
        list,
    ]
}

/// A kind offered by the page.
pub struct KindRow {
    /// Its code.
    pub code: &'static str,
    /// Its name.
    pub label: &'static str,
    /// The headings of its required columns.
    pub required: String,
    /// Selected in the upload form.
    pub selected: bool,
}

fn kind_rows(chosen: Option<Kind>) -> Vec<KindRow> {
    Kind::ALL
        .into_iter()
        .map(|k| KindRow {
            code: k.code(),
            label: k.label_vi(),
            required: k
                .columns()
                .iter()
                .filter(|c| c.required)
                .map(|c| c.heading)
                .collect::<Vec<_>>()
                .join(", "),
            selected: Some(k) == chosen,
        })
        .collect()
}

/// templates/import_index.html
#[derive(Template)]
#[template(path = "import_index.html")]
pub struct IndexPage {
    /// Layout.
    pub layout: crate::layout::Layout,
    /// The kinds.
    pub kinds: Vec<KindRow>,
    /// Why the last upload was refused.
    pub error: Option<String>,
    /// Just after the first-run setup.
    pub welcome: bool,
    /// The largest file, in MB.
    pub max_mb: String,
}

/// templates/import_job.html: the whole page.
#[derive(Template)]
#[template(path = "import_job.html")]
pub struct JobPage {
    /// Layout.
    pub layout: crate::layout::Layout,
    /// The job.
    pub job: JobView,
    /// The CSRF token of the commit form.
    pub csrf: String,
}

/// templates/import_job_status.html: the fragment the page polls.
#[derive(Template)]
#[template(path = "import_job_status.html")]
pub struct JobFragment {
    /// The job.
    pub job: JobView,
    /// The CSRF token of the commit form.
    pub csrf: String,
}

fn crumbs() -> Vec<Crumb> {
    vec![
        Crumb {
            href: "/".into(),
            label: "Tổng quan".into(),
        },
        Crumb {
            href: "/import".into(),
            label: "Nhập dữ liệu".into(),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// Query of `GET /import`.
#[derive(Deserialize)]
pub struct IndexQuery {
    /// `done` just after the first-run setup.
    #[serde(default)]
    setup: Option<String>,
}

fn index_page(
    auth: &Auth,
    chosen: Option<Kind>,
    error: Option<String>,
    welcome: bool,
) -> Result<String, AppError> {
    let page = IndexPage {
        layout: auth.layout("Nhập dữ liệu", "import").crumbs(crumbs()),
        kinds: kind_rows(chosen),
        error,
        welcome,
        max_mb: n(MAX_IMPORT_BYTES / (1024 * 1024)),
    };
    Ok(page.render()?)
}

/// `GET /import`
pub async fn index(auth: Auth, Query(q): Query<IndexQuery>) -> Result<Response, AppError> {
    if !may_import(auth.role) {
        return Err(AppError::Forbidden);
    }
    let welcome = q.setup.as_deref() == Some("done");
    Ok(Html(index_page(&auth, None, None, welcome)?).into_response())
}

/// The media type and extension of a template format.
fn format_of(ext: &str) -> Option<(&'static str, &'static str)> {
    match ext {
        "xlsx" => Some((
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )),
        "csv" => Some(("text/csv; charset=utf-8", "csv")),
        _ => None,
    }
}

/// The template of `kind` as a file of format `ext` (`xlsx`, `csv`): a download response.
pub fn template_file(kind: Kind, ext: &str) -> Result<Response, AppError> {
    let (mime, ext) = format_of(ext).ok_or(AppError::NotFound)?;
    let (headings, rows) = import::template(kind);
    let bytes = if ext == "xlsx" {
        sheet::write_xlsx("Mẫu nhập liệu", &headings, &rows).map_err(|e| {
            tracing::error!(error = %e, "template xlsx");
            AppError::BadRequest("Không tạo được tệp Excel.".into())
        })?
    } else {
        sheet::write_csv(&headings, &rows)
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"mau-nhap-{}.{ext}\"", kind.code()),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /import/template/{kind}.xlsx|.csv`: the kind's headings and an example row.
pub async fn template(auth: Auth, Path(file): Path<String>) -> Result<Response, AppError> {
    if !may_import(auth.role) {
        return Err(AppError::Forbidden);
    }
    let (code, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let kind = Kind::from_code(code).ok_or(AppError::NotFound)?;
    template_file(kind, ext)
}

/// The upload as read from the form.
#[derive(Default)]
struct Posted {
    kind: String,
    file_name: String,
    bytes: Vec<u8>,
    too_big: bool,
}

fn too_big_message() -> String {
    format!(
        "Tệp quá lớn: tối đa {} MB. Hãy chia danh sách thành nhiều tệp.",
        n(MAX_IMPORT_BYTES / (1024 * 1024))
    )
}

async fn read_upload(mut multipart: Multipart) -> Result<Posted, String> {
    let mut posted = Posted::default();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_big_message()
        } else {
            "Không đọc được dữ liệu gửi lên; vui lòng chọn lại tệp và gửi lại.".to_string()
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("kind") => posted.kind = field.text().await.map_err(unreadable)?.trim().into(),
            Some("file") => {
                posted.file_name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                posted.too_big = bytes.len() > MAX_IMPORT_BYTES;
                if !posted.too_big {
                    posted.bytes = bytes.to_vec();
                }
            }
            _ => {}
        }
    }
    Ok(posted)
}

/// `POST /import` (multipart: `_csrf`, `kind`, `file`): keep the file and start its preview; then
/// the job's page. A refusal (no kind, no file, too large) shows the form again.
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    multipart: Multipart,
) -> Result<Response, AppError> {
    if !may_import(auth.role) {
        return Err(AppError::Forbidden);
    }
    let refuse = |chosen: Option<Kind>, message: String| -> Result<Response, AppError> {
        let html = index_page(&auth, chosen, Some(message), false)?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };
    let posted = match read_upload(multipart).await {
        Ok(p) => p,
        Err(message) => return refuse(None, message),
    };
    let kind = Kind::from_code(&posted.kind);
    let Some(kind) = kind else {
        return refuse(None, "Chọn loại danh sách cần nhập.".into());
    };
    if posted.too_big {
        return refuse(Some(kind), too_big_message());
    }
    if posted.bytes.is_empty() {
        return refuse(
            Some(kind),
            "Chọn tệp cần nhập (XLSX hoặc CSV; tệp không được rỗng).".into(),
        );
    }
    let bytes = Arc::new(posted.bytes);
    let counter = Arc::new(Counter::default());
    let file_name: String = posted.file_name.chars().take(200).collect();
    let token = state.imports.add(Job {
        user_id: auth.user.user_id,
        kind,
        file_name: file_name.clone(),
        uploaded_at: state.clock.now(),
        bytes: Some(bytes.clone()),
        touched: Instant::now(),
        counter: counter.clone(),
        phase: Phase::Checking,
    });
    spawn_run(
        state.clone(),
        Run {
            token: token.clone(),
            scope: auth.scope.clone(),
            user_id: auth.user.user_id,
            kind,
            file_name,
            bytes,
            counter,
            dry_run: true,
        },
    );
    settle(&state, &token).await;
    Ok(Redirect::to(&format!("/import/jobs/{token}")).into_response())
}

/// `GET /import/jobs/{token}`: the job's page, or (for htmx) its status fragment. Only for the
/// user who uploaded the file; 404 for anyone else.
pub async fn job(
    State(state): State<AppState>,
    auth: Auth,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !may_import(auth.role) {
        return Err(AppError::Forbidden);
    }
    let view = state
        .imports
        .view(&token, auth.user.user_id)
        .ok_or(AppError::NotFound)?;
    let html = if headers.contains_key("hx-request") {
        JobFragment {
            job: view,
            csrf: auth.csrf.clone(),
        }
        .render()?
    } else {
        let title = if view.outcome.as_ref().is_some_and(|o| o.committed) {
            "Kết quả nhập dữ liệu"
        } else {
            "Kiểm tra tệp nhập"
        };
        JobPage {
            layout: auth.layout(title, "import").crumbs(crumbs()),
            job: view,
            csrf: auth.csrf.clone(),
        }
        .render()?
    };
    let mut res = Html(html).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /import/jobs/{token}/commit`: write the previewed file (its preview had no problem), as
/// the user's scope now; then the job's page. A second click changes nothing.
pub async fn commit(
    State(state): State<AppState>,
    auth: Auth,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !may_import(auth.role) {
        return Err(AppError::Forbidden);
    }
    let back = Redirect::to(&format!("/import/jobs/{token}")).into_response();
    let committing = match state.imports.begin_commit(&token, auth.user.user_id) {
        Ok(c) => c,
        Err(true) => return Ok(back),
        Err(false) => return Err(AppError::NotFound),
    };
    spawn_run(
        state.clone(),
        Run {
            token: token.clone(),
            scope: auth.scope.clone(),
            user_id: auth.user.user_id,
            kind: committing.kind,
            file_name: committing.file_name,
            bytes: committing.bytes,
            counter: committing.counter,
            dry_run: false,
        },
    );
    settle(&state, &token).await;
    Ok(back)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn job(user_id: i64, phase: Phase) -> Job {
        Job {
            user_id,
            kind: Kind::Members,
            file_name: "dang-vien.xlsx".into(),
            uploaded_at: "2026-11-23T03:05:00Z".parse().unwrap(),
            bytes: Some(Arc::new(b"x".to_vec())),
            touched: Instant::now(),
            counter: Arc::new(Counter::default()),
            phase,
        }
    }

    #[test]
    fn a_running_job_shows_rows_done_with_thousands_separators_and_polls_every_second() {
        let jobs = ImportJobs::default();
        let j = job(7, Phase::Checking);
        j.counter.done.store(3200, Ordering::Relaxed);
        j.counter.total.store(10_000, Ordering::Relaxed);
        let token = jobs.add(j);
        let view = jobs.view(&token, 7).unwrap();
        assert_eq!(
            view.uploaded_at, "10:05 23/11/2026",
            "Vietnam time, dd/mm/yyyy"
        );
        let html = JobFragment {
            job: view,
            csrf: "t".into(),
        }
        .render()
        .unwrap();
        assert!(html.contains("Đang xử lý: 3.200 / 10.000 dòng"), "{html}");
        assert!(html.contains(&format!("hx-get=\"/import/jobs/{token}\"")));
        assert!(html.contains("hx-trigger=\"every 1s\""));
    }

    #[test]
    fn a_job_is_seen_only_by_its_user_and_a_new_upload_replaces_the_idle_one() {
        let jobs = ImportJobs::default();
        let first = jobs.add(job(7, Phase::Failed("x".into())));
        assert!(jobs.view(&first, 8).is_none(), "another user");
        assert!(jobs.view(&first, 7).is_some());
        let running = jobs.add(job(7, Phase::Checking));
        assert!(jobs.view(&first, 7).is_none(), "the idle upload is dropped");
        jobs.add(job(7, Phase::Checking));
        assert!(jobs.view(&running, 7).is_some(), "a running job is kept");
    }

    #[test]
    fn a_job_untouched_for_thirty_minutes_is_dropped_unless_it_runs() {
        let Some(long_ago) = Instant::now().checked_sub(JOB_TTL + Duration::from_secs(1)) else {
            return;
        };
        let jobs = ImportJobs::default();
        let mut idle = job(7, Phase::Failed("x".into()));
        idle.touched = long_ago;
        let idle = jobs.add(idle);
        let mut busy = job(8, Phase::Writing);
        busy.touched = long_ago;
        let busy = jobs.add(busy);
        assert!(jobs.view(&idle, 7).is_none());
        assert!(jobs.view(&busy, 8).is_some());
    }

    #[test]
    fn only_a_preview_without_problems_may_be_committed_and_only_once() {
        let jobs = ImportJobs::default();
        let outcome = |problems: Vec<import::Problem>| {
            Arc::new(Outcome {
                kind: Kind::Members,
                rows: 1,
                problems,
                committed: false,
                dry_run: true,
                summary: Vec::new(),
                notices: Vec::new(),
            })
        };
        let bad = jobs.add(job(
            7,
            Phase::Checked(outcome(vec![import::Problem {
                line: 2,
                column: None,
                message_vi: "x".into(),
                rule: None,
            }])),
        ));
        assert!(matches!(jobs.begin_commit(&bad, 7), Err(true)));
        let good = jobs.add(job(7, Phase::Checked(outcome(Vec::new()))));
        assert!(
            matches!(jobs.begin_commit(&good, 8), Err(false)),
            "another user"
        );
        assert!(jobs.begin_commit(&good, 7).is_ok());
        assert!(matches!(jobs.begin_commit(&good, 7), Err(true)), "twice");
    }
}
