//! The periodic report of an organisation's subtree as one [`Document`]: the page, the printable
//! page, the XLSX and CSV files and `ketnap report` all render this one value, so they hold the
//! same figures. The data comes from the store in a handful of grouped queries
//! ([`reports::periodic`], [`reports::plan_vs_actual`]); here it is only laid out.

use jiff::civil::Date;
use ketnap_domain::plan::{Line, Period};
use ketnap_domain::stats::{AgeBand, Composition};
use ketnap_store::reports::{self, PeriodFigures, PeriodicReport, PlanVsActualReport, StageAge};
use ketnap_store::{Conn, Result, Scope, orgs};
use serde::Serialize;

use crate::charts;
use crate::export::{Cell, Document, Heading, Section, place_date};

/// Everything a report holds: the data (for JSON) and its layout (for the page and the files).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The period's figures, the year-earlier ones and the pipeline.
    pub periodic: PeriodicReport,
    /// Plan against actual, with the children.
    pub plan_vs_actual: PlanVsActualReport,
    /// The laid-out tables.
    #[serde(skip)]
    pub document: Document,
}

/// A line of the flows table: its label and the flow it reads.
type FlowRow = (&'static str, fn(&reports::Flows) -> i64);

fn upper(s: &str) -> String {
    s.to_uppercase()
}

fn n(v: i64) -> Cell {
    Cell::count(v)
}

fn u(v: u32) -> Cell {
    Cell::count(i64::from(v))
}

fn share(part: u32, whole: u32) -> Cell {
    if whole == 0 {
        Cell::Empty
    } else {
        Cell::percent(part, whole)
    }
}

/// The heading block of a document issued by the organisation `org_id` named `name`: its parent
/// above it, upper case, and the place and date.
pub async fn heading(conn: &mut Conn, org_id: i64, name: &str, today: Date) -> Result<Heading> {
    let path = orgs::path(conn, org_id).await?;
    Ok(Heading {
        superior: path
            .len()
            .checked_sub(2)
            .and_then(|i| path.get(i))
            .map(|o| upper(&o.name))
            .unwrap_or_default(),
        issuer: upper(name),
        place_date: place_date(name, today),
    })
}

/// Admissions against the plan by child organisation (SVG); empty without children.
pub fn children_chart(pva: &PlanVsActualReport) -> String {
    let rows: Vec<(&str, u32, u32)> = pva
        .children
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.plan.as_ref().map_or(0, |p| p.admissions),
                c.actuals.admissions,
            )
        })
        .collect();
    if rows.is_empty() {
        String::new()
    } else {
        charts::plan_vs_actual_bars(&rows)
    }
}

/// Cumulative admissions by month (January through `through_month`) against the year plan's
/// cumulative target, each quarter's split spread evenly over its months (SVG).
pub fn admissions_trend(
    months: &[u32; 12],
    through_month: usize,
    plan: Option<&ketnap_domain::plan::Plan>,
) -> String {
    let mut run = 0u32;
    let points: Vec<(String, u32)> = months
        .iter()
        .take(through_month.clamp(1, 12))
        .enumerate()
        .map(|(i, v)| {
            run = run.saturating_add(*v);
            (format!("T{}", i + 1), run)
        })
        .collect();
    let target: Option<Vec<u32>> = plan.map(|p| {
        let mut run = 0u32;
        p.month_targets(&Line::Admissions)
            .iter()
            .map(|m| {
                run += m;
                run
            })
            .collect()
    });
    charts::monthly_trend(&points, target.as_deref())
}

/// Build the report of the subtree of `org_id` for `period` as of `today`.
pub async fn build(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: Period,
    today: Date,
) -> Result<Report> {
    let periodic = reports::periodic(conn, scope, org_id, &period, today).await?;
    let pva = reports::plan_vs_actual(conn, scope, org_id, &period).await?;
    let heading = heading(conn, org_id, &periodic.org.name, today).await?;
    let document = layout(&periodic, &pva, heading);
    Ok(Report {
        periodic,
        plan_vs_actual: pva,
        document,
    })
}

fn layout(r: &PeriodicReport, pva: &PlanVsActualReport, heading: Heading) -> Document {
    let cur = &r.current;
    let prev = r.year_earlier.as_ref();
    let mut sections = Vec::new();

    // I. Plan against actual.
    let mut s = Section::new(
        "I. Kết quả thực hiện chỉ tiêu",
        &[
            "Chỉ tiêu",
            "Kế hoạch",
            "Thực hiện",
            "Tỷ lệ đạt",
            "Cùng kỳ năm trước",
        ],
    );
    let admissions_target = pva.plan.as_ref().map_or(0, |p| p.admissions);
    let mut lines = vec![Line::Sources, Line::CourseAttendees, Line::Admissions];
    if let Some(p) = &pva.plan {
        lines.extend(p.sub_targets.keys().cloned().map(Line::SubGroup));
    }
    for line in lines {
        let actual = pva.actuals.get(&line);
        let (target, pct) = match (&pva.plan, &line) {
            (Some(_), Line::SubGroup(_)) => {
                (u(admissions_target), share(actual, admissions_target))
            }
            (Some(p), l) => (u(p.target(l)), share(actual, p.target(l))),
            (None, _) => (Cell::Empty, Cell::Empty),
        };
        let before = prev.map_or(Cell::Empty, |p| u(p.actuals.get(&line)));
        s.row(vec![
            Cell::text(line.label()),
            target,
            u(actual),
            pct,
            before,
        ]);
    }
    s.note = Some(format!(
        "{}Tỷ lệ đạt = thực hiện ÷ kế hoạch; các nhóm \"trong đó\" tính so với chỉ tiêu kết nạp.",
        // A term's days: from its congress, or the convention used without one.
        r.convention_vi
            .as_ref()
            .map(|c| format!("{c} "))
            .unwrap_or_default()
    ));
    sections.push(s);

    // II. Flows.
    let mut s = Section::new(
        "II. Biến động trong kỳ",
        &[
            "Nội dung",
            "Kỳ này",
            "Cùng kỳ năm trước",
            "Tăng (+), giảm (−)",
        ],
    );
    let f = &cur.flows;
    let pf = prev.map(|p| &p.flows);
    let rows: [FlowRow; 9] = [
        ("Lập danh sách cảm tình Đảng", |f| {
            f.sympathizers_listed
        }),
        (
            "Được cấp giấy chứng nhận học lớp nhận thức về Đảng",
            |f| f.course_certified,
        ),
        ("Kết nạp đảng viên", |f| f.admissions),
        ("Tổ chức lễ kết nạp", |f| f.ceremonies),
        ("Công nhận đảng viên chính thức", |f| {
            f.recognitions
        }),
        ("Xóa tên, khai trừ, ra khỏi Đảng", |f| f.removals),
        ("Quần chúng rút khỏi danh sách", |f| f.withdrawn),
        ("Không được kết nạp", |f| f.rejected),
        ("Hủy quyết định", |f| f.annulments),
    ];
    for (label, get) in rows {
        let now = get(f);
        let (before, delta) = match pf {
            Some(p) => (n(get(p)), n(now - get(p))),
            None => (Cell::Empty, Cell::Empty),
        };
        s.row(vec![Cell::text(label), n(now), before, delta]);
    }
    s.note = Some(format!(
        "Kỳ này: từ {} đến {}{}.",
        ketnap_domain::dates::format_vn(cur.from),
        ketnap_domain::dates::format_vn(cur.through),
        prev.map(|p| format!(
            "; cùng kỳ năm trước: từ {} đến {}",
            ketnap_domain::dates::format_vn(p.from),
            ketnap_domain::dates::format_vn(p.through)
        ))
        .unwrap_or_default()
    ));
    sections.push(s);

    // III. Pipeline with ageing.
    let mut cols = vec!["Đang ở bước", "Tổng số"];
    cols.extend(StageAge::ALL.iter().map(|a| a.label_vi()));
    let mut s = Section::new(
        format!(
            "III. Quần chúng đang trong quy trình (đến ngày {})",
            ketnap_domain::dates::format_vn(r.pipeline.as_of)
        ),
        &cols,
    );
    for row in &r.pipeline.rows {
        let mut cells = vec![Cell::text(row.stage.label_vi()), n(row.total)];
        cells.extend(StageAge::ALL.iter().map(|a| n(row.age(*a))));
        s.row(cells);
    }
    let mut total = vec![Cell::text("Cộng"), n(r.pipeline.total())];
    total.extend(
        StageAge::ALL
            .iter()
            .map(|a| n(r.pipeline.rows.iter().map(|row| row.age(*a)).sum())),
    );
    s.row(total);
    sections.push(s);

    // IV and V. Composition of the admitted and of the membership.
    let mut s = composition(
        "IV. Cơ cấu đảng viên mới kết nạp trong kỳ",
        &cur.admitted,
        prev.map(|p| &p.admitted),
    );
    s.note = Some(format!(
        "Tổng số bằng dòng \"Kết nạp đảng viên\" ở mục I và II (theo ngày quyết định, trừ quyết định bị hủy); tuổi tính đến ngày quyết định. {}",
        s.note.take().unwrap_or_default()
    ));
    sections.push(s);
    sections.push(composition(
        &format!(
            "V. Cơ cấu đội ngũ đảng viên (đến ngày {})",
            ketnap_domain::dates::format_vn(cur.through)
        ),
        &cur.membership,
        prev.map(|p| &p.membership),
    ));

    // VI. Introductions by mass organisations.
    let mut s = Section::new(
        "VI. Giới thiệu quần chúng của các tổ chức chính trị - xã hội",
        &[
            "Tổ chức",
            "Số người giới thiệu",
            "Trong đó đã vào danh sách nguồn",
            "Cùng kỳ năm trước",
        ],
    );
    s.note = Some(
        "Tính theo ngày giới thiệu trong kỳ; \"đã vào danh sách nguồn\": trong số người được giới thiệu, người đã có tên trong danh sách nguồn (đến ngày báo cáo). Số lập danh sách cảm tình Đảng ở mục II tính mọi nguồn, theo ngày lập danh sách.".into(),
    );
    for i in &cur.introductions {
        let before = prev
            .and_then(|p| {
                p.introductions
                    .iter()
                    .find(|x| x.mass_org_pub_id == i.mass_org_pub_id)
            })
            .map_or(Cell::Empty, |x| n(x.introduced));
        s.row(vec![
            Cell::text(&i.name),
            n(i.introduced),
            n(i.listed),
            before,
        ]);
    }
    sections.push(s);

    // VII. By child organisation.
    let mut s = Section::new(
        "VII. Kết quả kết nạp theo tổ chức trực thuộc",
        &["Tổ chức", "Chỉ tiêu kết nạp", "Đã kết nạp", "Tỷ lệ đạt"],
    );
    s.note = Some(
        "Đếm như dòng \"Kết nạp đảng viên\" ở mục I và II (theo ngày quyết định, trừ quyết định bị hủy), theo tổ chức trực thuộc hiện nay.".into(),
    );
    for c in &pva.children {
        let target = c.plan.as_ref().map(|p| p.admissions);
        s.row(vec![
            Cell::text(&c.name),
            target.map_or(Cell::Empty, u),
            u(c.actuals.admissions),
            target.map_or(Cell::Empty, |t| share(c.actuals.admissions, t)),
        ]);
    }
    sections.push(s);

    // VIII. Course classes: classes, people sent, people certified, as separate figures.
    let mut s = Section::new(
        "VIII. Lớp bồi dưỡng",
        &["Nội dung", "Kỳ này", "Cùng kỳ năm trước"],
    );
    type CourseRow = (&'static str, fn(&PeriodFigures) -> i64);
    let rows: [CourseRow; 6] = [
        ("Lớp nhận thức về Đảng mở trong kỳ", |f| {
            f.awareness_course.classes
        }),
        (
            "Người được cử học lớp nhận thức về Đảng",
            |f| f.awareness_course.enrolled,
        ),
        (
            "Người được cấp giấy chứng nhận qua các lớp",
            |f| f.awareness_course.certified,
        ),
        (
            "Lớp bồi dưỡng đảng viên mới mở trong kỳ",
            |f| f.new_member_course.classes,
        ),
        (
            "Đảng viên dự bị được cử học lớp đảng viên mới",
            |f| f.new_member_course.enrolled,
        ),
        (
            "Đảng viên dự bị hoàn thành lớp đảng viên mới",
            |f| f.new_member_course.certified,
        ),
    ];
    for (label, get) in rows {
        s.row(vec![
            Cell::text(label),
            n(get(cur)),
            prev.map_or(Cell::Empty, |p| n(get(p))),
        ]);
    }
    s.note = Some(
        "Lớp tính theo ngày khai giảng, do tổ chức này và các tổ chức trực thuộc mở; người đi học theo ngày ghi danh và người được cấp giấy theo ngày cấp, thuộc các chi bộ trực thuộc. Chỉ tính các lớp ghi trong hệ thống: số giấy chứng nhận ở mục II còn gồm các giấy ghi thẳng vào hồ sơ.".into(),
    );
    sections.push(s);

    Document {
        heading,
        title: "BÁO CÁO".into(),
        subtitle: format!(
            "Kết quả công tác phát triển đảng viên {}",
            period_phrase(&cur.period)
        ),
        sections,
    }
}

/// "năm 2026", "quý I năm 2026", "nhiệm kỳ 2025–2030"…
fn period_phrase(p: &Period) -> String {
    match p {
        Period::Year(y) => format!("năm {y}"),
        Period::Term { .. } => format!("nhiệm kỳ {p}"),
        _ => p.to_string().to_lowercase(),
    }
}

fn composition(title: &str, c: &Composition, before: Option<&Composition>) -> Section {
    let mut s = Section::new(
        title,
        &["Tiêu chí", "Số người", "Tỷ lệ", "Cùng kỳ năm trước"],
    );
    let total = c.total();
    let mut row = |label: String, part: u32, prev: Option<u32>| {
        s.row(vec![
            Cell::text(label),
            u(part),
            share(part, total),
            prev.map_or(Cell::Empty, u),
        ]);
    };
    row("Tổng số".into(), total, before.map(Composition::total));
    row("Nữ".into(), c.women(), before.map(Composition::women));
    row(
        "Trong độ tuổi đoàn viên (16–30)".into(),
        c.youth_age(),
        before.map(Composition::youth_age),
    );
    row(
        "Đoàn viên thanh niên".into(),
        c.youth_union_members(),
        before.map(Composition::youth_union_members),
    );
    row(
        "Người dân tộc thiểu số".into(),
        c.minority(),
        before.map(Composition::minority),
    );
    row(
        "Người có đạo".into(),
        c.believers(),
        before.map(Composition::believers),
    );
    row(
        "Tốt nghiệp trung học phổ thông".into(),
        c.upper_secondary_done(),
        before.map(Composition::upper_secondary_done),
    );
    row(
        "Cao đẳng trở lên".into(),
        c.college_or_higher(),
        before.map(Composition::college_or_higher),
    );
    for band in AgeBand::ALL {
        row(
            band.label().to_string(),
            c.age_band(band),
            before.map(|b| b.age_band(band)),
        );
    }
    for (q, k) in c.by_qualification() {
        row(
            format!("Chuyên môn: {}", q.label()),
            *k,
            before.map(|b| b.qualification(*q)),
        );
    }
    for (t, k) in c.by_theory_level() {
        row(
            format!("Lý luận chính trị: {}", t.label()),
            *k,
            before.map(|b| b.theory_level(*t)),
        );
    }
    for (src, k) in c.by_source() {
        row(
            format!("Nguồn: {}", src.label()),
            *k,
            before.map(|b| b.source(*src)),
        );
    }
    for (sector, k) in c.by_sector() {
        row(
            format!("Loại hình chi bộ: {}", sector.label_vi()),
            *k,
            before.map(|b| b.sector(*sector)),
        );
    }
    for (e, k) in c.by_ethnicity() {
        row(
            format!("Dân tộc: {}", e.name()),
            *k,
            before.map(|b| b.ethnicity(*e)),
        );
    }
    for (rel, k) in c.by_religion() {
        row(
            format!("Tôn giáo: {}", rel.label()),
            *k,
            before.map(|b| b.religion(*rel)),
        );
    }
    s.note = Some("Tỷ lệ tính trên tổng số của bảng.".into());
    s
}
