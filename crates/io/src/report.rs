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
use crate::export::{Cell, Document, Heading, Section};
use crate::paper::{Block, Paper, PaperTable, number_or_blank, place_date};
use ketnap_domain::org::OrgKind;
use ketnap_store::report_texts::ReportText;

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
    /// What staff wrote for the report (number, date, narrative, recipients, signature).
    pub text: ReportText,
    /// The issuing organisation's kind (for the symbol and the signature), if known.
    #[serde(skip)]
    pub issuer_kind: Option<OrgKind>,
    /// The committee above the issuer, as named (for the default recipients).
    #[serde(skip)]
    pub superior_name: Option<String>,
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
/// above it, upper case, and the place (read from the name) and the date (dotted when `None`).
pub async fn heading(
    conn: &mut Conn,
    org_id: i64,
    name: &str,
    on: Option<Date>,
) -> Result<Heading> {
    let path = orgs::path(conn, org_id).await?;
    Ok(Heading {
        superior: superior_of(&path).map(upper).unwrap_or_default(),
        issuer: upper(name),
        number: String::new(),
        place_date: place_date(name, on),
    })
}

fn superior_of(path: &[orgs::Org]) -> Option<&str> {
    path.len()
        .checked_sub(2)
        .and_then(|i| path.get(i))
        .map(|o| o.name.as_str())
}

/// The symbol of the issuing committee in a document's number ("BC/ĐU"): TU for a province,
/// HU for a district, CB for a cell, ĐU for the committees between.
pub fn issuer_symbol(kind: Option<OrgKind>) -> &'static str {
    match kind {
        Some(OrgKind::Provincial) => "TU",
        Some(OrgKind::District) => "HU",
        Some(OrgKind::Cell(_) | OrgKind::GrassrootsCell(_)) => "CB",
        _ => "ĐU",
    }
}

/// Who signs for the issuer ("T/M BAN THƯỜNG VỤ", "T/M ĐẢNG ỦY", "T/M CHI BỘ").
pub fn issuer_sign_for(kind: Option<OrgKind>) -> &'static str {
    match kind {
        Some(OrgKind::Provincial | OrgKind::District) => "T/M BAN THƯỜNG VỤ",
        Some(OrgKind::Cell(_) | OrgKind::GrassrootsCell(_)) => "T/M CHI BỘ",
        _ => "T/M ĐẢNG ỦY",
    }
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

/// Cumulative admissions over the months of a report's period from `from` through `through`
/// (the period's last day, or today while it runs), from the monthly counts of each year it
/// touches (`years`: the year and its twelve months). Labels are months ("T4"; "T4/26" across
/// years); a period longer than two years is drawn by year. A year `plan` adds its cumulative
/// target for the months shown. Nothing outside the period is drawn.
pub fn period_trend(
    years: &[(i16, [u32; 12])],
    from: Date,
    through: Date,
    plan: Option<&ketnap_domain::plan::Plan>,
) -> String {
    let by_year = through.year() - from.year() >= 2;
    let across = through.year() != from.year();
    let mut points: Vec<(String, u32)> = Vec::new();
    let mut target: Vec<u32> = Vec::new();
    let month_targets = plan.map(|p| p.month_targets(&Line::Admissions));
    let (mut run, mut run_target) = (0u32, 0u32);
    for (year, months) in years {
        for (i, v) in months.iter().enumerate() {
            let m = i8::try_from(i + 1).unwrap_or(12);
            let Ok(first) = Date::new(*year, m, 1) else {
                continue;
            };
            if first > through || first.last_of_month() < from {
                continue;
            }
            run = run.saturating_add(*v);
            if let Some(t) = &month_targets {
                run_target += t.get(i).copied().unwrap_or(0);
            }
            if !by_year {
                let label = if across {
                    format!("T{}/{:02}", i + 1, year % 100)
                } else {
                    format!("T{}", i + 1)
                };
                points.push((label, run));
                target.push(run_target);
            }
        }
        if by_year && (from.year()..=through.year()).contains(year) {
            points.push((year.to_string(), run));
        }
    }
    let target = (month_targets.is_some() && !by_year).then_some(target);
    charts::monthly_trend(&points, target.as_deref())
}

/// Build the report of the subtree of `org_id` for `period` as of `today`.
///
/// `small_below`: for readers of aggregates only (leaders), every breakdown row of the
/// composition tables counting 1 to `small_below − 1` people prints as "dưới N" with no share,
/// so that a small organisation's one believer or one minority member cannot be singled out
/// (Decree 13/2023/NĐ-CP); totals stay exact. 0 suppresses nothing.
pub async fn build(
    conn: &mut Conn,
    scope: &Scope,
    org_id: i64,
    period: Period,
    today: Date,
    small_below: u32,
) -> Result<Report> {
    let periodic = reports::periodic(conn, scope, org_id, &period, today).await?;
    let pva = reports::plan_vs_actual(conn, scope, org_id, &period).await?;
    let text = ketnap_store::report_texts::get(conn, scope, org_id, &period).await?;
    let path = orgs::path(conn, org_id).await?;
    let issuer_kind = path.last().and_then(|o| OrgKind::from_code(&o.kind));
    let heading = Heading {
        superior: superior_of(&path).map(upper).unwrap_or_default(),
        issuer: upper(&periodic.org.name),
        number: number_or_blank(&text.number, &format!("BC/{}", issuer_symbol(issuer_kind))),
        place_date: place_date(&periodic.org.name, text.dated_on),
    };
    let document = layout(&periodic, &pva, heading, small_below);
    Ok(Report {
        periodic,
        plan_vs_actual: pva,
        document,
        text,
        issuer_kind,
        superior_name: superior_of(&path).map(str::to_string),
    })
}

impl Report {
    /// The report as a finished party document (HD 36-HD/VPTW): the heading block with number
    /// and symbol and the place-and-date line, the title in capitals, "I. Kết quả đạt được"
    /// (staff's words, then the figures as numbered tables), "II. Hạn chế, khuyết điểm và
    /// nguyên nhân", "III. Phương hướng, nhiệm vụ thời gian tới", "Nơi nhận" and the signature
    /// block. A section nobody has written yet prints as dotted lines to write on.
    pub fn paper(&self, file_name: String) -> Paper {
        let doc = &self.document;
        let t = &self.text;
        let mut blocks = vec![Block::Heading {
            text: "I. KẾT QUẢ ĐẠT ĐƯỢC".into(),
        }];
        blocks.extend(Block::written(&t.results, 4));
        blocks.push(Block::Para {
            para: crate::paper::Para::text(format!(
                "Số liệu chủ yếu trong kỳ, từ ngày {} đến ngày {}:",
                ketnap_domain::dates::format_vn(self.periodic.current.from),
                ketnap_domain::dates::format_vn(self.periodic.current.through)
            )),
        });
        for (i, s) in doc.sections.iter().enumerate() {
            // "III. Quần chúng…" → "Biểu 3. Quần chúng…": the narrative owns the roman numerals.
            let title = s
                .title
                .split_once(". ")
                .map_or(s.title.as_str(), |(_, t)| t);
            let (heads, printed, numeric) = s.printed();
            let mut note = s.note.clone();
            let rows: Vec<Vec<String>> = if printed.is_empty() {
                let mut r = vec!["Không có trường hợp nào trong kỳ".to_string()];
                r.extend((1..heads.len()).map(|_| "0".to_string()));
                vec![r]
            } else {
                if printed.len() < s.rows.len() {
                    note = Some(format!(
                        "{}Không in {} tổ chức không có số liệu trong kỳ.",
                        note.map(|n| format!("{n} ")).unwrap_or_default(),
                        s.rows.len() - printed.len()
                    ));
                }
                printed
                    .iter()
                    .map(|r| r.iter().map(|c| c.shown()).collect())
                    .collect()
            };
            blocks.push(Block::Table(PaperTable {
                title: Some(format!("Biểu {}. {title}", i + 1)),
                heads,
                rows,
                numeric,
                note,
            }));
        }
        blocks.push(Block::Heading {
            text: "II. HẠN CHẾ, KHUYẾT ĐIỂM VÀ NGUYÊN NHÂN".into(),
        });
        blocks.extend(Block::written(&t.shortcomings, 4));
        blocks.push(Block::Heading {
            text: "III. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI".into(),
        });
        blocks.extend(Block::written(&t.tasks, 4));
        let recipients = if t.recipients.is_empty() {
            self.default_recipients()
        } else {
            t.recipients.clone()
        };
        Paper {
            file_name,
            form_code: None,
            superior: doc.heading.superior.clone(),
            issuer: doc.heading.issuer.clone(),
            number: doc.heading.number.clone(),
            about: None,
            place_date: doc.heading.place_date.clone(),
            title: Some(doc.title.clone()),
            subtitle: Some(doc.subtitle.clone()),
            to: None,
            body: Vec::new(),
            blocks,
            recipients,
            sign_for: if t.sign_for.trim().is_empty() {
                issuer_sign_for(self.issuer_kind).to_string()
            } else {
                t.sign_for.trim().to_uppercase()
            },
            sign_title: if t.sign_title.trim().is_empty() {
                "BÍ THƯ".to_string()
            } else {
                t.sign_title.trim().to_uppercase()
            },
            signer: t.signer.trim().to_string(),
        }
    }

    /// The recipients when staff have written none: the committee above (to report to) and the
    /// issuer's own file.
    pub fn default_recipients(&self) -> Vec<String> {
        let mut r: Vec<String> = self
            .superior_name
            .iter()
            .map(|s| format!("{s} (để báo cáo)"))
            .collect();
        r.push("Lưu Văn phòng".into());
        r
    }
}

fn layout(
    r: &PeriodicReport,
    pva: &PlanVsActualReport,
    heading: Heading,
    small_below: u32,
) -> Document {
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
        small_below,
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
        small_below,
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
    s.print_nonzero_rows = true;
    s.note = Some(
        "Tính theo ngày giới thiệu trong kỳ; \"đã vào danh sách nguồn\": trong số người được giới thiệu, người đã có tên trong danh sách nguồn (đến ngày báo cáo). Số lập danh sách cảm tình Đảng ở mục II tính mọi nguồn, theo ngày lập danh sách.".into(),
    );
    // A year earlier's counts by organisation (a province lists thousands of them).
    let earlier: std::collections::HashMap<&str, i64> = prev
        .map(|p| {
            p.introductions
                .iter()
                .map(|x| (x.mass_org_pub_id.as_str(), x.introduced))
                .collect()
        })
        .unwrap_or_default();
    for i in &cur.introductions {
        let before = earlier
            .get(i.mass_org_pub_id.as_str())
            .map_or(Cell::Empty, |x| n(*x));
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
    s.print_nonzero_rows = true;
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
            "KẾT QUẢ CÔNG TÁC PHÁT TRIỂN ĐẢNG VIÊN {}",
            period_phrase(&cur.period)
        ),
        sections,
    }
}

/// The period in a title, in capitals: "NĂM 2026", "QUÝ IV/2026", "6 THÁNG ĐẦU NĂM 2026",
/// "THÁNG 3/2026", "NHIỆM KỲ 2025–2030", "TỪ 01/01/2026 ĐẾN 15/03/2026".
pub fn period_phrase(p: &Period) -> String {
    match p {
        Period::Year(y) => format!("NĂM {y}"),
        Period::Term { .. } => format!("NHIỆM KỲ {p}"),
        _ => p.to_string().to_uppercase(),
    }
}

fn composition(
    title: &str,
    c: &Composition,
    before: Option<&Composition>,
    small_below: u32,
) -> Section {
    let mut s = Section::new(
        title,
        &["Tiêu chí", "Số người", "Tỷ lệ", "Cùng kỳ năm trước"],
    );
    let total = c.total();
    let small = |v: u32| v > 0 && v < small_below;
    let count = |v: u32| {
        if small(v) {
            Cell::text(format!("dưới {small_below}"))
        } else {
            u(v)
        }
    };
    s.row(vec![
        Cell::text("Tổng số"),
        u(total),
        share(total, total),
        before.map_or(Cell::Empty, |b| u(b.total())),
    ]);
    let mut suppressed = false;
    let mut row = |label: String, part: u32, prev: Option<u32>| {
        suppressed |= small(part) || prev.is_some_and(small);
        s.row(vec![
            Cell::text(label),
            count(part),
            if small(part) {
                Cell::Empty
            } else {
                share(part, total)
            },
            prev.map_or(Cell::Empty, count),
        ]);
    };
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
    s.note = Some(if suppressed {
        format!(
            "Tỷ lệ tính trên tổng số của bảng. Các dòng dưới {small_below} người không ghi số cụ thể để không lộ thông tin cá nhân."
        )
    } else {
        "Tỷ lệ tính trên tổng số của bảng.".into()
    });
    s
}
