//! The paper each step produces, printed from what is recorded (issue 17): one [`Paper`] model —
//! heading block, number and place-and-date line, title, addressee, paragraphs, an optional
//! table, recipients and the signature block, laid out as HD 36-HD/VPTW (2018) sets a party
//! document — rendered as an A4 print page (the web's `paper.html`) and as a DOCX that staff can
//! edit before signing ([`Paper::to_docx`], with the `docx-rs` crate). What the data does not
//! know stays a dotted blank; nothing is invented.

use docx_rs::{
    AlignmentType, Docx, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType, Table, TableCell,
    TableRow, WidthType,
};
use jiff::civil::Date;
use ketnap_domain::dates::format_vn;
use ketnap_domain::lifecycle::{Action, Authority, Candidacy, CommitteeTally, Tally};
use ketnap_store::candidacies::StoredEvent;
use ketnap_store::orgs::Org;
use serde::Serialize;

/// A blank to fill by hand.
pub const BLANK: &str = "…………";

/// One paragraph of the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Para {
    /// A bold lead ("Điều 1.").
    pub lead: Option<String>,
    /// The text.
    pub text: String,
    /// Centred (a heading inside the body) rather than justified with a first-line indent.
    pub centred: bool,
}

impl Para {
    /// A justified paragraph.
    pub fn text(t: impl Into<String>) -> Para {
        Para {
            lead: None,
            text: t.into(),
            centred: false,
        }
    }

    /// A paragraph with a bold lead.
    pub fn led(lead: impl Into<String>, t: impl Into<String>) -> Para {
        Para {
            lead: Some(lead.into()),
            text: t.into(),
            centred: false,
        }
    }

    /// A centred bold line.
    pub fn centred(t: impl Into<String>) -> Para {
        Para {
            lead: None,
            text: t.into(),
            centred: true,
        }
    }
}

/// A document laid out as a party document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Paper {
    /// The file's name without extension.
    pub file_name: String,
    /// The form code printed top right ("Mẫu 6-KNĐ"), if any.
    pub form_code: Option<String>,
    /// The committee above the issuer, upper case (may be empty).
    pub superior: String,
    /// The issuer, upper case.
    pub issuer: String,
    /// "Số 12-NQ/CB" or with a blank number.
    pub number: String,
    /// A letter's subject ("V/v …"), under the number.
    pub about: Option<String>,
    /// "Hòa Lâm, ngày 06 tháng 05 năm 2025" or with blanks.
    pub place_date: String,
    /// The kind in capitals ("NGHỊ QUYẾT"), none for a letter.
    pub title: Option<String>,
    /// What it is about, under the title.
    pub subtitle: Option<String>,
    /// "Kính gửi: …" for a letter.
    pub to: Option<String>,
    /// The body.
    pub body: Vec<Para>,
    /// What follows the body: tables, section headings, more paragraphs (a report's parts).
    pub blocks: Vec<Block>,
    /// "Nơi nhận" lines.
    pub recipients: Vec<String>,
    /// "T/M CHI BỘ".
    pub sign_for: String,
    /// "BÍ THƯ".
    pub sign_title: String,
    /// The signer's name; empty prints a dotted blank.
    pub signer: String,
}

/// A table in a paper: an optional title line, headings, rows, which columns are numbers
/// (right-aligned) and a note under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaperTable {
    /// "1. Kết quả thực hiện chỉ tiêu".
    pub title: Option<String>,
    /// The column headings.
    pub heads: Vec<String>,
    /// The rows, as printed.
    pub rows: Vec<Vec<String>>,
    /// Per column: a number (right-aligned). Shorter than `heads`: the rest are text.
    pub numeric: Vec<bool>,
    /// A note in small print under the table.
    pub note: Option<String>,
}

impl PaperTable {
    /// The rows with, for each cell, whether it is a number (for right alignment).
    pub fn marked_rows(&self) -> Vec<Vec<(&str, bool)>> {
        self.rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str(), self.numeric.get(i).copied().unwrap_or(false)))
                    .collect()
            })
            .collect()
    }
}

/// A part of a paper after its body paragraphs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A section heading ("I. KẾT QUẢ ĐẠT ĐƯỢC"), bold, flush left.
    Heading {
        /// The heading.
        text: String,
    },
    /// A paragraph.
    Para {
        /// The paragraph.
        para: Para,
    },
    /// Dotted lines to write on by hand, where nothing is written yet.
    Blank {
        /// How many lines.
        lines: usize,
    },
    /// A table.
    Table(PaperTable),
}

impl Block {
    /// The kind of block, for the print template (`heading`, `para`, `blank`, `table`).
    pub fn kind(&self) -> &'static str {
        match self {
            Block::Heading { .. } => "heading",
            Block::Para { .. } => "para",
            Block::Blank { .. } => "blank",
            Block::Table(_) => "table",
        }
    }

    /// The paragraphs of `text`, one per non-empty line; dotted lines when it is empty.
    pub fn written(text: &str, blank_lines: usize) -> Vec<Block> {
        let paras: Vec<Block> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Block::Para {
                para: Para::text(l),
            })
            .collect();
        if paras.is_empty() {
            vec![Block::Blank { lines: blank_lines }]
        } else {
            paras
        }
    }
}

/// A line of dots the width of the text column, to write on.
pub const DOTTED_LINE: &str = "……………………………………………………………………………………………………………";

const FONT: &str = "Times New Roman";
/// Half-points: 14 pt for the body, 13 pt for the heading block, 12 pt for small print.
const BODY: usize = 28;
const HEAD: usize = 26;
const SMALL: usize = 24;

fn run(text: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size)
}

fn line(text: &str, size: usize, bold: bool, italic: bool, align: AlignmentType) -> Paragraph {
    let mut r = run(text, size);
    if bold {
        r = r.bold();
    }
    if italic {
        r = r.italic();
    }
    Paragraph::new().add_run(r).align(align)
}

fn cell(paragraphs: Vec<Paragraph>, width: usize) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new(), TableCell::add_paragraph)
        .width(width, WidthType::Dxa)
}

/// A body paragraph: centred bold, or justified with a first-line indent and its bold lead.
fn body_para(p: &Para) -> Paragraph {
    if p.centred {
        return line(&p.text, BODY, true, false, AlignmentType::Center);
    }
    let mut para = Paragraph::new().align(AlignmentType::Both).indent(
        None,
        Some(SpecialIndentType::FirstLine(709)),
        None,
        None,
    );
    if let Some(lead) = &p.lead {
        para = para.add_run(run(&format!("{lead} "), BODY).bold());
    }
    para.add_run(run(&p.text, BODY))
}

/// A bordered table across the text column; the first column twice as wide as the others.
fn docx_table(t: &PaperTable) -> Table {
    let n = t.heads.len().max(1);
    let unit = 9200 / (n + 1);
    let width = |i: usize| if i == 0 && n > 1 { unit * 2 } else { unit };
    let align = |i: usize| {
        if t.numeric.get(i).copied().unwrap_or(false) {
            AlignmentType::Right
        } else {
            AlignmentType::Left
        }
    };
    let mut trs = vec![TableRow::new(
        t.heads
            .iter()
            .enumerate()
            .map(|(i, h)| {
                cell(
                    vec![line(h, SMALL, true, false, AlignmentType::Center)],
                    width(i),
                )
            })
            .collect(),
    )];
    for r in &t.rows {
        trs.push(TableRow::new(
            r.iter()
                .enumerate()
                .map(|(i, v)| cell(vec![line(v, SMALL, false, false, align(i))], width(i)))
                .collect(),
        ));
    }
    Table::new(trs).width(9200, WidthType::Dxa)
}

impl Paper {
    /// The document as a DOCX file: A4, margins 20/15/20/30 mm, Times New Roman 14 pt.
    pub fn to_docx(&self) -> Result<Vec<u8>, std::io::Error> {
        let c = AlignmentType::Center;
        let mut left = Vec::new();
        if !self.superior.is_empty() {
            left.push(line(&self.superior, HEAD, false, false, c));
        }
        left.push(line(&self.issuer, HEAD, true, false, c));
        left.push(line("*", HEAD, false, false, c));
        left.push(line(&self.number, HEAD, false, false, c));
        if let Some(a) = &self.about {
            left.push(line(a, SMALL, false, true, c));
        }
        let mut right = Vec::new();
        if let Some(f) = &self.form_code {
            right.push(line(f, SMALL, false, true, AlignmentType::Right));
        }
        right.push(line("ĐẢNG CỘNG SẢN VIỆT NAM", HEAD, true, false, c));
        right.push(line(&self.place_date, HEAD, false, true, c));
        let head = Table::new(vec![TableRow::new(vec![
            cell(left, 4300),
            cell(right, 4900),
        ])])
        .clear_all_border()
        .width(9200, WidthType::Dxa);
        let mut doc = Docx::new()
            .page_size(11906, 16838)
            .page_margin(
                PageMargin::new()
                    .top(1134)
                    .bottom(1134)
                    .left(1701)
                    .right(850),
            )
            .default_fonts(
                RunFonts::new()
                    .ascii(FONT)
                    .hi_ansi(FONT)
                    .cs(FONT)
                    .east_asia(FONT),
            )
            .default_size(BODY)
            .add_table(head)
            .add_paragraph(Paragraph::new());
        if let Some(t) = &self.title {
            doc = doc.add_paragraph(line(t, BODY + 2, true, false, c));
        }
        if let Some(s) = &self.subtitle {
            doc = doc.add_paragraph(line(s, BODY, true, false, c));
        }
        if let Some(to) = &self.to {
            doc = doc.add_paragraph(line(to, BODY, false, false, AlignmentType::Left).indent(
                Some(1134),
                None,
                None,
                None,
            ));
        }
        for p in &self.body {
            doc = doc.add_paragraph(body_para(p));
        }
        for b in &self.blocks {
            match b {
                Block::Heading { text } => {
                    doc = doc.add_paragraph(line(text, BODY, true, false, AlignmentType::Left));
                }
                Block::Para { para } => doc = doc.add_paragraph(body_para(para)),
                Block::Blank { lines } => {
                    for _ in 0..*lines {
                        doc = doc.add_paragraph(line(
                            DOTTED_LINE,
                            BODY,
                            false,
                            false,
                            AlignmentType::Left,
                        ));
                    }
                }
                Block::Table(t) => {
                    if let Some(title) = &t.title {
                        doc = doc.add_paragraph(line(title, BODY, true, true, AlignmentType::Left));
                    }
                    doc = doc.add_table(docx_table(t));
                    if let Some(n) = &t.note {
                        doc = doc.add_paragraph(line(n, SMALL, false, true, AlignmentType::Left));
                    }
                }
            }
        }
        let mut recipients = vec![line("Nơi nhận:", SMALL, true, true, AlignmentType::Left)];
        let last = self.recipients.len().saturating_sub(1);
        recipients.extend(self.recipients.iter().enumerate().map(|(i, r)| {
            let end = if i == last { "." } else { "," };
            line(
                &format!("- {r}{end}"),
                SMALL,
                false,
                false,
                AlignmentType::Left,
            )
        }));
        let sign = vec![
            line(&self.sign_for, BODY, true, false, c),
            line(&self.sign_title, BODY, true, false, c),
            line("(Ký, ghi rõ họ tên)", SMALL, false, true, c),
            Paragraph::new(),
            Paragraph::new(),
            Paragraph::new(),
            line(
                if self.signer.trim().is_empty() {
                    BLANK
                } else {
                    self.signer.trim()
                },
                BODY,
                true,
                false,
                c,
            ),
        ];
        let foot = Table::new(vec![TableRow::new(vec![
            cell(recipients, 4300),
            cell(sign, 4900),
        ])])
        .clear_all_border()
        .width(9200, WidthType::Dxa);
        doc = doc.add_paragraph(Paragraph::new()).add_table(foot);
        let mut out = std::io::Cursor::new(Vec::new());
        doc.build()
            .pack(&mut out)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(out.into_inner())
    }
}

/// The documents ketnap prints for a candidacy, each once its step is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PaperKind {
    /// The cell committee's summary of the comments of the mass organisation and of the
    /// residence cell (5-KNĐ).
    CommentsSummary,
    /// The minutes of the cell meeting that voted (biên bản họp chi bộ).
    CellMinutes,
    /// The cell's resolution proposing admission (6-KNĐ).
    CellResolution,
    /// The grassroots committee's resolution (8-KNĐ).
    GrassrootsResolution,
    /// The admission decision (9-KNĐ).
    AdmissionDecision,
    /// The partial committee's appraisal (7-KNĐ).
    PartialAppraisal,
    /// The cell's resolution proposing recognition as an official member (13-KNĐ).
    RecognitionCellResolution,
    /// The grassroots committee's resolution proposing recognition (15-KNĐ).
    RecognitionGrassrootsResolution,
    /// The decision recognising an official member.
    RecognitionDecision,
}

impl PaperKind {
    /// Every kind, in the order of the steps.
    pub const ALL: [PaperKind; 9] = [
        PaperKind::CommentsSummary,
        PaperKind::CellMinutes,
        PaperKind::CellResolution,
        PaperKind::PartialAppraisal,
        PaperKind::GrassrootsResolution,
        PaperKind::AdmissionDecision,
        PaperKind::RecognitionCellResolution,
        PaperKind::RecognitionGrassrootsResolution,
        PaperKind::RecognitionDecision,
    ];

    /// The code in URLs.
    pub fn code(self) -> &'static str {
        match self {
            PaperKind::CommentsSummary => "5-KND",
            PaperKind::CellMinutes => "bien-ban-chi-bo",
            PaperKind::CellResolution => "6-KND",
            PaperKind::GrassrootsResolution => "8-KND",
            PaperKind::AdmissionDecision => "9-KND",
            PaperKind::PartialAppraisal => "7-KND",
            PaperKind::RecognitionCellResolution => "13-KND",
            PaperKind::RecognitionGrassrootsResolution => "15-KND",
            PaperKind::RecognitionDecision => "quyet-dinh-cong-nhan",
        }
    }

    /// From the URL code.
    pub fn from_code(s: &str) -> Option<PaperKind> {
        PaperKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The dossier form code, if the document has one.
    pub fn form_code(self) -> Option<&'static str> {
        match self {
            PaperKind::CommentsSummary => Some("5-KNĐ"),
            PaperKind::CellMinutes => None,
            PaperKind::CellResolution => Some("6-KNĐ"),
            PaperKind::GrassrootsResolution => Some("8-KNĐ"),
            PaperKind::AdmissionDecision => Some("9-KNĐ"),
            PaperKind::PartialAppraisal => Some("7-KNĐ"),
            PaperKind::RecognitionCellResolution => Some("13-KNĐ"),
            PaperKind::RecognitionGrassrootsResolution => Some("15-KNĐ"),
            PaperKind::RecognitionDecision => None,
        }
    }

    /// The document's name, from the dossier catalogue where it has a form code.
    pub fn label_vi(self) -> String {
        match self.form_code().and_then(ketnap_domain::dossier::form) {
            Some(f) => format!("{} ({})", f.title, f.code),
            None if self == PaperKind::RecognitionDecision => {
                "Quyết định công nhận đảng viên chính thức".to_string()
            }
            None => "Biên bản họp chi bộ xét kết nạp".to_string(),
        }
    }

    /// Whether the candidacy has recorded what the document needs.
    pub fn available(self, c: &Candidacy) -> bool {
        match self {
            PaperKind::CommentsSummary => c.comments_on.is_some(),
            PaperKind::CellMinutes | PaperKind::CellResolution => c.cell_resolution.is_some(),
            PaperKind::GrassrootsResolution => c.grassroots_resolution.is_some(),
            PaperKind::AdmissionDecision => c.admission_decision.is_some(),
            PaperKind::PartialAppraisal => c.partial_appraisal.is_some(),
            PaperKind::RecognitionCellResolution => c.recognition_resolution.is_some(),
            PaperKind::RecognitionGrassrootsResolution => c.recognition_grassroots.is_some(),
            PaperKind::RecognitionDecision => c.recognition_decision.is_some(),
        }
    }
}

/// What a candidacy's documents are made from.
pub struct Facts<'a> {
    /// The candidate's name.
    pub full_name: &'a str,
    /// Birth date.
    pub birth_date: Date,
    /// The candidacy's state.
    pub state: &'a Candidacy,
    /// Its history, oldest first.
    pub history: &'a [StoredEvent],
    /// The organisations from the root down to the cell.
    pub path: &'a [Org],
}

fn upper(s: &str) -> String {
    s.to_uppercase()
}

/// "Hòa Lâm, ngày 06 tháng 05 năm 2025": the place is the last word group of the issuer's
/// name after its kind ("Đảng ủy xã Hòa Lâm" → "Hòa Lâm"); a dotted blank where the name holds
/// none (and for the day when `on` is `None`).
pub fn place_date(issuer: &str, on: Option<Date>) -> String {
    let place = [
        "xã ",
        "phường ",
        "thị trấn ",
        "huyện ",
        "tỉnh ",
        "thành phố ",
        "thôn ",
        "Huyện ủy ",
        "Tỉnh ủy ",
        "Thành ủy ",
        "Quận ủy ",
        "Thị ủy ",
    ]
    .iter()
    .filter_map(|k| issuer.rfind(k).map(|i| &issuer[i + k.len()..]))
    .min_by_key(|s| s.len())
    .unwrap_or(BLANK);
    match on {
        Some(d) => crate::export::place_date(place, d),
        None => format!("{place}, ngày {BLANK} tháng {BLANK} năm {BLANK}"),
    }
}

fn last_action<'a, T>(
    history: &'a [StoredEvent],
    pick: impl Fn(&'a Action) -> Option<T>,
) -> Option<(Date, T)> {
    history
        .iter()
        .rev()
        .find_map(|e| pick(&e.event.action).map(|t| (e.event.on, t)))
}

/// "Số 25-BC/ĐU", or "Số …………-BC/ĐU" while no number is written.
pub fn number_or_blank(n: &str, symbol: &str) -> String {
    if n.trim().is_empty() {
        format!("Số {BLANK}-{symbol}")
    } else {
        format!("Số {}", n.trim())
    }
}

/// The index in `path` of the grassroots committee above the cell (or the cell's parent).
fn grassroots_at(path: &[Org]) -> usize {
    path.iter()
        .rposition(|o| {
            ketnap_domain::org::OrgKind::from_code(&o.kind)
                .is_some_and(|k| k.is_grassroots() || k.is_grassroots_cell())
        })
        .unwrap_or(path.len().saturating_sub(2))
}

/// The committee that decides (admission or recognition): the grassroots committee (at `g` in
/// `path`) when it was empowered, else the one above it; its name and its superior's, upper
/// case. A committee ketnap does not hold is named by its kind.
fn decider(path: &[Org], authority: Authority, g: usize) -> (String, String) {
    let at = match authority {
        Authority::GrassrootsCommittee => Some(g),
        _ => g.checked_sub(1),
    };
    match at.and_then(|i| path.get(i).map(|o| (i, o))) {
        Some((i, d)) => (
            d.name.clone(),
            i.checked_sub(1)
                .and_then(|j| path.get(j))
                .map(|o| upper(&o.name))
                .unwrap_or_default(),
        ),
        None => (authority.label_vi().to_string(), String::new()),
    }
}

/// The document `kind` of a candidacy, or `None` while its step is not recorded.
pub fn build(kind: PaperKind, f: &Facts<'_>) -> Option<Paper> {
    if !kind.available(f.state) {
        return None;
    }
    let cell = f.path.last()?;
    let above_cell = f.path.len().checked_sub(2).and_then(|i| f.path.get(i));
    let g = grassroots_at(f.path);
    let grassroots = f.path.get(g)?;
    let above_grassroots = g.checked_sub(1).and_then(|i| f.path.get(i));
    let who = format!(
        "quần chúng {}, sinh ngày {}",
        f.full_name,
        format_vn(f.birth_date)
    );
    let file = |s: &str| {
        format!(
            "{s}-{}",
            ketnap_domain::text::fold(f.full_name).replace(' ', "-")
        )
    };
    match kind {
        PaperKind::CommentsSummary => {
            let on = f.state.comments_on?;
            Some(Paper {
                file_name: file("5-KND"),
                form_code: Some("Mẫu 5-KNĐ".into()),
                superior: above_cell.map(|o| upper(&o.name)).unwrap_or_default(),
                issuer: upper(&cell.name),
                number: String::new(),
                about: None,
                place_date: place_date(&cell.name, Some(on)),
                title: Some("TỔNG HỢP Ý KIẾN NHẬN XÉT".into()),
                subtitle: Some(format!(
                    "của đoàn thể chính trị - xã hội và chi ủy, chi bộ nơi cư trú đối với {who}"
                )),
                to: None,
                body: vec![
                    Para::text(format!(
                        "Thực hiện quy định về việc lấy ý kiến nhận xét đối với người vào Đảng, ngày {} {} đã tổng hợp ý kiến nhận xét đối với {who}, như sau:",
                        format_vn(on),
                        cell.name
                    )),
                    Para::led(
                        "1.",
                        format!(
                            "Ý kiến nhận xét của đoàn thể chính trị - xã hội nơi người vào Đảng sinh hoạt: tổng số được hỏi ý kiến {BLANK}; số đồng ý {BLANK}; số không đồng ý {BLANK}. Ý kiến khác: {BLANK}"
                        ),
                    ),
                    Para::led(
                        "2.",
                        format!("Ý kiến nhận xét của chi ủy (chi bộ) nơi cư trú: {BLANK}"),
                    ),
                    Para::led(
                        "3.",
                        format!("Ý kiến của chi ủy (chi bộ) sau khi tổng hợp: {BLANK}"),
                    ),
                ],
                blocks: Vec::new(),
                signer: String::new(),
                recipients: vec!["Hồ sơ kết nạp đảng viên".into(), "Lưu chi bộ".into()],
                sign_for: "T/M CHI ỦY (CHI BỘ)".into(),
                sign_title: "BÍ THƯ".into(),
            })
        }
        PaperKind::CellMinutes | PaperKind::CellResolution => {
            let (on, (no, tally)) = last_action(f.history, |a| match a {
                Action::CellVote {
                    resolution_no,
                    tally,
                    ..
                } => Some((resolution_no.clone(), *tally)),
                _ => None,
            })?;
            let Tally {
                official_members,
                present,
                in_favour,
                ..
            } = tally;
            let against = present.saturating_sub(in_favour);
            let counts = format!(
                "Tổng số đảng viên chính thức của chi bộ: {official_members}; có mặt: {present}; tán thành: {in_favour} ({}); không tán thành: {against}.",
                ketnap_domain::numfmt::percent_vi(in_favour, official_members, 2)
                    .unwrap_or_default()
            );
            let base = Paper {
                file_name: String::new(),
                form_code: None,
                superior: above_cell.map(|o| upper(&o.name)).unwrap_or_default(),
                issuer: upper(&cell.name),
                number: String::new(),
                about: None,
                place_date: place_date(&cell.name, Some(on)),
                title: None,
                subtitle: None,
                to: None,
                body: Vec::new(),
                blocks: Vec::new(),
                signer: String::new(),
                recipients: Vec::new(),
                sign_for: "T/M CHI BỘ".into(),
                sign_title: "BÍ THƯ".into(),
            };
            Some(if kind == PaperKind::CellMinutes {
                Paper {
                    file_name: file("bien-ban-chi-bo"),
                    number: String::new(),
                    title: Some("BIÊN BẢN".into()),
                    subtitle: Some(format!("Họp chi bộ xét, đề nghị kết nạp {who}")),
                    body: vec![
                        Para::text(format!(
                            "Hồi {BLANK} giờ {BLANK}, ngày {}, tại {BLANK}, {} họp xét, đề nghị kết nạp {who} vào Đảng.",
                            format_vn(on),
                            cell.name
                        )),
                        Para::text(format!("Chủ trì: {BLANK}. Thư ký: {BLANK}.")),
                        Para::text(counts),
                        Para::text(format!(
                            "Chi bộ đã nghe đọc đơn xin vào Đảng, lý lịch, giấy giới thiệu của đảng viên chính thức, ý kiến nhận xét của đoàn thể và nơi cư trú, kết quả thẩm tra lý lịch; ý kiến thảo luận: {BLANK}"
                        )),
                        Para::text(format!(
                            "Kết quả biểu quyết: {in_favour}/{official_members} đảng viên chính thức tán thành đề nghị kết nạp."
                        )),
                        Para::text(format!(
                            "Buổi họp kết thúc hồi {BLANK} giờ {BLANK} cùng ngày. Biên bản đã được đọc lại cho chi bộ nghe và nhất trí."
                        )),
                    ],
                    recipients: vec!["Hồ sơ kết nạp đảng viên".into(), "Lưu chi bộ".into()],
                    sign_for: "CHỦ TRÌ".into(),
                    sign_title: String::new(),
                    ..base
                }
            } else {
                Paper {
                    file_name: file("6-KND"),
                    form_code: Some("Mẫu 6-KNĐ".into()),
                    number: number_or_blank(&no, "NQ/CB"),
                    title: Some("NGHỊ QUYẾT".into()),
                    subtitle: Some(format!("Đề nghị kết nạp đảng viên ({})", f.full_name)),
                    body: vec![
                        Para::text(format!(
                            "Ngày {}, {} đã họp xét đề nghị kết nạp {who}.",
                            format_vn(on),
                            cell.name
                        )),
                        Para::text(counts),
                        Para::centred("CHI BỘ QUYẾT NGHỊ"),
                        Para::led(
                            "1.",
                            format!(
                                "Đề nghị {} xem xét, kết nạp {who} vào Đảng Cộng sản Việt Nam.",
                                grassroots.name
                            ),
                        ),
                        Para::led(
                            "2.",
                            "Phân công đảng viên chính thức tiếp tục giúp đỡ người được đề nghị kết nạp.",
                        ),
                    ],
                    recipients: vec![grassroots.name.clone(), "Lưu chi bộ".into()],
                    ..base
                }
            })
        }
        PaperKind::GrassrootsResolution => {
            let (on, (no, tally)) = last_action(f.history, |a| match a {
                Action::GrassrootsVote {
                    resolution_no,
                    tally,
                } => Some((resolution_no.clone(), *tally)),
                _ => None,
            })?;
            let CommitteeTally { members, in_favour } = tally;
            Some(Paper {
                file_name: file("8-KND"),
                form_code: Some("Mẫu 8-KNĐ".into()),
                superior: above_grassroots.map(|o| upper(&o.name)).unwrap_or_default(),
                issuer: upper(&grassroots.name),
                number: number_or_blank(&no, "NQ/ĐU"),
                about: None,
                place_date: place_date(&grassroots.name, Some(on)),
                title: Some("NGHỊ QUYẾT".into()),
                subtitle: Some(format!("Xét, đề nghị kết nạp đảng viên ({})", f.full_name)),
                to: None,
                body: vec![
                    Para::text(format!(
                        "Ngày {}, {} đã họp xét nghị quyết đề nghị kết nạp đảng viên của {} đối với {who}.",
                        format_vn(on),
                        grassroots.name,
                        cell.name
                    )),
                    Para::text(format!(
                        "Tổng số cấp ủy viên: {members}; tán thành: {in_favour} ({})",
                        ketnap_domain::numfmt::percent_vi(in_favour, members, 2)
                            .unwrap_or_default()
                    )),
                    Para::centred("ĐẢNG ỦY QUYẾT NGHỊ"),
                    Para::led(
                        "1.",
                        format!(
                            "Đề nghị cấp ủy có thẩm quyền xem xét, quyết định kết nạp {who} vào Đảng."
                        ),
                    ),
                ],
                blocks: Vec::new(),
                signer: String::new(),
                recipients: vec![
                    above_grassroots.map_or_else(|| BLANK.to_string(), |o| o.name.clone()),
                    cell.name.clone(),
                    "Lưu văn phòng".into(),
                ],
                sign_for: "T/M ĐẢNG ỦY".into(),
                sign_title: "BÍ THƯ".into(),
            })
        }
        PaperKind::PartialAppraisal => {
            let (on, no) = last_action(f.history, |a| match a {
                Action::PartialAppraisal {
                    report_no,
                    approved: true,
                } => Some(report_no.clone()),
                _ => None,
            })?;
            let partial = above_cell?;
            Some(Paper {
                file_name: file("7-KND"),
                form_code: Some("Mẫu 7-KNĐ".into()),
                superior: upper(&grassroots.name),
                issuer: upper(&partial.name),
                number: number_or_blank(&no, "BC/ĐU"),
                about: None,
                place_date: place_date(&partial.name, Some(on)),
                title: Some("BÁO CÁO".into()),
                subtitle: Some(format!(
                    "Thẩm định hồ sơ người xin vào Đảng ({})",
                    f.full_name
                )),
                to: Some(format!("Kính gửi: {}", grassroots.name)),
                body: vec![
                    Para::text(format!(
                        "Ngày {}, {} đã thẩm định nghị quyết đề nghị kết nạp đảng viên của {} đối với {who}.",
                        format_vn(on),
                        partial.name,
                        cell.name
                    )),
                    Para::text(format!(
                        "Ý kiến thẩm định về tiêu chuẩn, điều kiện và hồ sơ: {BLANK}"
                    )),
                    Para::text(format!(
                        "{} đề nghị {} xem xét, kết nạp {who} vào Đảng.",
                        partial.name, grassroots.name
                    )),
                ],
                blocks: Vec::new(),
                signer: String::new(),
                recipients: vec!["Như trên".into(), "Lưu".into()],
                sign_for: format!("T/M {}", upper(&partial.name)),
                sign_title: BLANK.into(),
            })
        }
        PaperKind::RecognitionCellResolution => {
            let (on, (no, tally)) = last_action(f.history, |a| match a {
                Action::RecognitionCellVote {
                    resolution_no,
                    tally,
                    ..
                } => Some((resolution_no.clone(), *tally)),
                _ => None,
            })?;
            Some(Paper {
                file_name: file("13-KND"),
                form_code: Some("Mẫu 13-KNĐ".into()),
                superior: above_cell.map(|o| upper(&o.name)).unwrap_or_default(),
                issuer: upper(&cell.name),
                number: number_or_blank(&no, "NQ/CB"),
                about: None,
                place_date: place_date(&cell.name, Some(on)),
                title: Some("NGHỊ QUYẾT".into()),
                subtitle: Some(format!(
                    "Đề nghị công nhận đảng viên chính thức ({})",
                    f.full_name
                )),
                to: None,
                body: vec![
                    Para::text(format!(
                        "Ngày {}, {} đã họp xét đề nghị công nhận đảng viên chính thức cho đồng chí {}, sinh ngày {}, kết nạp vào Đảng ngày {}, hết thời kỳ dự bị ngày {}.",
                        format_vn(on),
                        cell.name,
                        f.full_name,
                        format_vn(f.birth_date),
                        f.state
                            .ceremony_on
                            .map_or_else(|| BLANK.to_string(), format_vn),
                        f.state
                            .probation_end
                            .map_or_else(|| BLANK.to_string(), format_vn)
                    )),
                    Para::text(format!(
                        "Tổng số đảng viên chính thức của chi bộ: {}; có mặt: {}; tán thành: {} ({}).",
                        tally.official_members,
                        tally.present,
                        tally.in_favour,
                        ketnap_domain::numfmt::percent_vi(
                            tally.in_favour,
                            tally.official_members,
                            2
                        )
                        .unwrap_or_default()
                    )),
                    Para::centred("CHI BỘ QUYẾT NGHỊ"),
                    Para::led(
                        "1.",
                        format!(
                            "Đề nghị {} xem xét, công nhận đồng chí {} là đảng viên chính thức.",
                            grassroots.name, f.full_name
                        ),
                    ),
                ],
                blocks: Vec::new(),
                signer: String::new(),
                recipients: vec![grassroots.name.clone(), "Lưu chi bộ".into()],
                sign_for: "T/M CHI BỘ".into(),
                sign_title: "BÍ THƯ".into(),
            })
        }
        PaperKind::RecognitionGrassrootsResolution => {
            let (on, (no, tally)) = last_action(f.history, |a| match a {
                Action::RecognitionGrassrootsVote {
                    resolution_no,
                    tally,
                } => Some((resolution_no.clone(), *tally)),
                _ => None,
            })?;
            Some(Paper {
                file_name: file("15-KND"),
                form_code: Some("Mẫu 15-KNĐ".into()),
                superior: above_grassroots.map(|o| upper(&o.name)).unwrap_or_default(),
                issuer: upper(&grassroots.name),
                number: number_or_blank(&no, "NQ/ĐU"),
                about: None,
                place_date: place_date(&grassroots.name, Some(on)),
                title: Some("NGHỊ QUYẾT".into()),
                subtitle: Some(format!(
                    "Đề nghị công nhận đảng viên chính thức ({})",
                    f.full_name
                )),
                to: None,
                body: vec![
                    Para::text(format!(
                        "Ngày {}, {} đã xét nghị quyết của {} đề nghị công nhận đảng viên chính thức cho đồng chí {}, sinh ngày {}.",
                        format_vn(on),
                        grassroots.name,
                        cell.name,
                        f.full_name,
                        format_vn(f.birth_date)
                    )),
                    Para::text(format!(
                        "Tổng số cấp ủy viên: {}; tán thành: {}.",
                        tally.members, tally.in_favour
                    )),
                    Para::centred("ĐẢNG ỦY QUYẾT NGHỊ"),
                    Para::led(
                        "1.",
                        format!(
                            "Đề nghị cấp ủy có thẩm quyền xem xét, quyết định công nhận đồng chí {} là đảng viên chính thức.",
                            f.full_name
                        ),
                    ),
                ],
                blocks: Vec::new(),
                signer: String::new(),
                recipients: vec![
                    above_grassroots.map_or_else(|| BLANK.to_string(), |o| o.name.clone()),
                    cell.name.clone(),
                    "Lưu văn phòng".into(),
                ],
                sign_for: "T/M ĐẢNG ỦY".into(),
                sign_title: "BÍ THƯ".into(),
            })
        }
        PaperKind::RecognitionDecision => {
            let (on, (no, authority)) = last_action(f.history, |a| match a {
                Action::RecognitionDecision {
                    decision_no,
                    approved: true,
                    authority,
                } => Some((decision_no.clone(), *authority)),
                _ => None,
            })?;
            let (issuer, superior) = decider(f.path, authority, g);
            Some(Paper {
                file_name: file("quyet-dinh-cong-nhan"),
                form_code: None,
                superior,
                issuer: upper(&issuer),
                number: number_or_blank(&no, "QĐ"),
                about: None,
                place_date: place_date(&issuer, Some(on)),
                title: Some("QUYẾT ĐỊNH".into()),
                subtitle: Some("Công nhận đảng viên chính thức".into()),
                to: None,
                body: vec![
                    Para::text(
                        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam và các quy định, hướng dẫn thi hành Điều lệ Đảng;",
                    ),
                    Para::text(format!(
                        "Xét nghị quyết đề nghị công nhận đảng viên chính thức của {} và của {},",
                        cell.name, grassroots.name
                    )),
                    Para::centred(format!("{} QUYẾT ĐỊNH", upper(&issuer))),
                    Para::led(
                        "Điều 1.",
                        format!(
                            "Công nhận đồng chí {}, sinh ngày {}, là đảng viên chính thức kể từ ngày {}.",
                            f.full_name,
                            format_vn(f.birth_date),
                            f.state
                                .official_from
                                .or(f.state.probation_end)
                                .map_or_else(|| BLANK.to_string(), format_vn)
                        ),
                    ),
                    Para::led(
                        "Điều 2.",
                        format!(
                            "{}, {} và đồng chí có tên tại Điều 1 thi hành quyết định này.",
                            grassroots.name, cell.name
                        ),
                    ),
                ],
                blocks: Vec::new(),
                signer: String::new(),
                recipients: vec!["Như Điều 2".into(), "Lưu hồ sơ đảng viên".into()],
                sign_for: format!("T/M {}", upper(&issuer)),
                sign_title: BLANK.into(),
            })
        }
        PaperKind::AdmissionDecision => {
            let (on, (no, authority)) = last_action(f.history, |a| match a {
                Action::AdmissionDecision {
                    decision_no,
                    approved: true,
                    authority,
                    ..
                } => Some((decision_no.clone(), *authority)),
                _ => None,
            })?;
            let (issuer, superior) = decider(f.path, authority, g);
            Some(Paper {
                file_name: file("9-KND"),
                form_code: Some("Mẫu 9-KNĐ".into()),
                superior,
                issuer: upper(&issuer),
                number: number_or_blank(&no, "QĐ"),
                about: None,
                place_date: place_date(&issuer, Some(on)),
                title: Some("QUYẾT ĐỊNH".into()),
                subtitle: Some("Kết nạp đảng viên".into()),
                to: None,
                body: vec![
                    Para::text(
                        "Căn cứ Điều lệ Đảng Cộng sản Việt Nam và các quy định, hướng dẫn thi hành Điều lệ Đảng;",
                    ),
                    Para::text(format!(
                        "Xét nghị quyết đề nghị kết nạp đảng viên của {} và của {},",
                        cell.name, grassroots.name
                    )),
                    Para::centred(format!("{} QUYẾT ĐỊNH", upper(&issuer))),
                    Para::led(
                        "Điều 1.",
                        format!(
                            "Kết nạp {who} vào Đảng Cộng sản Việt Nam; thời gian dự bị 12 tháng kể từ ngày chi bộ tổ chức lễ kết nạp."
                        ),
                    ),
                    Para::led(
                        "Điều 2.",
                        format!(
                            "{}, {} và đồng chí có tên tại Điều 1 thi hành quyết định này.",
                            grassroots.name, cell.name
                        ),
                    ),
                ],
                blocks: Vec::new(),
                signer: String::new(),
                recipients: vec!["Như Điều 2".into(), "Lưu hồ sơ đảng viên".into()],
                sign_for: format!("T/M {}", upper(&issuer)),
                sign_title: BLANK.into(),
            })
        }
    }
}

/// Which verification letter: the request itself, or the reminder after `verification.stall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetterKind {
    /// Công văn đề nghị thẩm tra lý lịch, dated the day it was sent.
    Request,
    /// Công văn đôn đốc, dated by hand, counting the days waited until `today`.
    Reminder,
}

/// What a verification letter says about one request.
#[derive(Clone, Debug)]
pub struct LetterInput<'a> {
    /// The organisations from the root down to the cell.
    pub path: &'a [Org],
    /// The candidate.
    pub full_name: &'a str,
    /// The candidate's birth date.
    pub birth_date: Date,
    /// Whom the request verifies, in words.
    pub subject: &'a str,
    /// Where it goes.
    pub destination: &'a str,
    /// The request's number within the dossier.
    pub request_no: i64,
    /// When it was sent.
    pub sent_on: Date,
}

/// The grassroots committee's letter about one verification request: the request itself
/// (dated the day it was recorded as sent) or the reminder after `verification.stall` (dated by
/// hand, with the days waited until `today`); `None` without a cell.
pub fn verification_letter(kind: LetterKind, l: &LetterInput<'_>, today: Date) -> Option<Paper> {
    let path = l.path;
    let cell = path.last()?;
    let g = grassroots_at(path);
    let issuer = path.get(g)?;
    let superior = g.checked_sub(1).and_then(|i| path.get(i));
    let symbol = match ketnap_domain::org::OrgKind::from_code(&issuer.kind) {
        Some(ketnap_domain::org::OrgKind::GrassrootsCell(_)) => "CV/CB",
        Some(ketnap_domain::org::OrgKind::District) => "CV/HU",
        _ => "CV/ĐU",
    };
    let (full_name, destination, subject) = (l.full_name, l.destination, l.subject);
    let (stem, about, place_date_line, body) = match kind {
        LetterKind::Request => (
            "de-nghi-tham-tra",
            "V/v thẩm tra lý lịch người vào Đảng",
            place_date(&issuer.name, Some(l.sent_on)),
            vec![
                Para::text(format!(
                    "Thực hiện quy định về thẩm tra lý lịch người vào Đảng, {} đề nghị {destination} thẩm tra, xác minh lý lịch — {subject} — của quần chúng {full_name}, sinh ngày {}, đang được {} xem xét đề nghị kết nạp vào Đảng (công văn số thứ tự {} trong hồ sơ).",
                    issuer.name,
                    format_vn(l.birth_date),
                    cell.name,
                    l.request_no
                )),
                Para::text(
                    "Nội dung thẩm tra: lịch sử chính trị, quan hệ xã hội; việc chấp hành chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước và quy định nơi cư trú, nơi công tác.",
                ),
                Para::text(format!(
                    "Kết quả thẩm tra xin gửi về {} trước ngày {BLANK}.",
                    issuer.name
                )),
                Para::text("Trân trọng cảm ơn."),
            ],
        ),
        LetterKind::Reminder => {
            let days = (today - l.sent_on).get_days();
            (
                "don-doc-tham-tra",
                "V/v đôn đốc trả lời thẩm tra lý lịch",
                place_date(&issuer.name, None),
                vec![
                    Para::text(format!(
                        "Ngày {}, {} đã gửi công văn (số thứ tự {} trong hồ sơ) đề nghị thẩm tra, xác minh lý lịch — {subject} — của quần chúng {full_name}, sinh ngày {}, đang được {} xem xét đề nghị kết nạp vào Đảng.",
                        format_vn(l.sent_on),
                        issuer.name,
                        l.request_no,
                        format_vn(l.birth_date),
                        cell.name
                    )),
                    Para::text(format!(
                        "Đến ngày {} ({days} ngày sau khi gửi) {} chưa nhận được kết quả thẩm tra. Để kịp xem xét kết nạp theo đúng quy định, {} đề nghị {destination} quan tâm, sớm có văn bản trả lời kết quả thẩm tra, xác minh.",
                        format_vn(today),
                        issuer.name,
                        issuer.name
                    )),
                    Para::text("Trân trọng cảm ơn."),
                ],
            )
        }
    };
    Some(Paper {
        file_name: format!(
            "{stem}-{}-{}",
            ketnap_domain::text::fold(full_name).replace(' ', "-"),
            l.request_no
        ),
        form_code: None,
        superior: superior.map(|o| upper(&o.name)).unwrap_or_default(),
        issuer: upper(&issuer.name),
        number: format!("Số {BLANK}-{symbol}"),
        about: Some(about.into()),
        place_date: place_date_line,
        title: None,
        subtitle: None,
        to: Some(format!("Kính gửi: {destination}")),
        body,
        blocks: Vec::new(),
        signer: String::new(),
        recipients: vec!["Như trên".into(), "Lưu hồ sơ, văn phòng".into()],
        sign_for: format!("T/M {}", upper(&issuer.name)),
        sign_title: BLANK.into(),
    })
}

/// A list issued by an organisation as a party document: who issues it (`path`: the root down to
/// the issuer), its title and subtitle, an opening paragraph, the table (a first column "STT" is
/// added), the recipients and the signature. Dated `dated`, or with dotted blanks.
#[derive(Clone, Debug)]
pub struct ListSpec<'a> {
    /// The root down to the issuing organisation.
    pub path: &'a [Org],
    /// File name without extension.
    pub file_name: String,
    /// "DANH SÁCH …".
    pub title: String,
    /// Under the title.
    pub subtitle: String,
    /// The opening paragraph.
    pub intro: Option<String>,
    /// Column headings after "STT".
    pub heads: Vec<&'a str>,
    /// The rows, as printed (without the running number).
    pub rows: Vec<Vec<String>>,
    /// "Nơi nhận".
    pub recipients: Vec<String>,
    /// The date of the list.
    pub dated: Option<Date>,
    /// The signature's second line ("BÍ THƯ"), or a dotted blank when empty.
    pub sign_title: &'a str,
}

/// [`ListSpec`] laid out as a party document; `None` without an issuer.
pub fn list_paper(l: ListSpec<'_>) -> Option<Paper> {
    let org = l.path.last()?;
    let superior = l.path.len().checked_sub(2).and_then(|i| l.path.get(i));
    let kind = ketnap_domain::org::OrgKind::from_code(&org.kind);
    let mut heads = vec!["STT".to_string()];
    heads.extend(l.heads.iter().map(|h| (*h).to_string()));
    let rows = l
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![(i + 1).to_string()];
            row.extend(r);
            row
        })
        .collect::<Vec<_>>();
    let count = rows.len();
    Some(Paper {
        file_name: l.file_name,
        form_code: None,
        superior: superior.map(|o| upper(&o.name)).unwrap_or_default(),
        issuer: upper(&org.name),
        number: format!("Số {BLANK}"),
        about: None,
        place_date: place_date(&org.name, l.dated),
        title: Some(l.title),
        subtitle: Some(l.subtitle),
        to: None,
        body: l.intro.into_iter().map(Para::text).collect(),
        blocks: if count == 0 {
            vec![Block::Para {
                para: Para::text("Chưa có người nào trong danh sách."),
            }]
        } else {
            vec![
                Block::Table(PaperTable {
                    title: None,
                    heads,
                    rows,
                    numeric: vec![true],
                    note: None,
                }),
                Block::Para {
                    para: Para::text(format!("Danh sách có {count} người.")),
                },
            ]
        },
        signer: String::new(),
        recipients: l.recipients,
        sign_for: crate::report::issuer_sign_for(kind).to_string(),
        sign_title: if l.sign_title.is_empty() {
            BLANK.to_string()
        } else {
            l.sign_title.to_string()
        },
    })
}

/// The roster of a course class with results and certificates, issued by the organisation
/// that runs it (`path`: root down to it); the list the centre signs and files.
pub fn class_roster(
    path: &[Org],
    sheet: &ketnap_store::classes::ClassSheet,
    today: Date,
) -> Option<Paper> {
    let c = &sheet.class;
    let kind = c
        .class_kind()
        .map_or("", ketnap_store::classes::ClassKind::label_vi);
    let rows = sheet
        .attendees
        .iter()
        .map(|a| {
            vec![
                a.full_name.clone(),
                format_vn(a.birth_date.to_jiff()),
                a.cell_name.clone(),
                a.result
                    .as_deref()
                    .and_then(ketnap_store::classes::Outcome::from_code)
                    .map_or(BLANK, ketnap_store::classes::Outcome::label_vi)
                    .to_string(),
                match (&a.cert_no, a.cert_on) {
                    (Some(n), Some(on)) => format!("{n} ({})", format_vn(on.to_jiff())),
                    _ => BLANK.to_string(),
                },
            ]
        })
        .collect();
    let mut p = list_paper(ListSpec {
        path,
        file_name: format!(
            "danh-sach-lop-{}",
            ketnap_domain::text::fold(&c.number).replace([' ', '/'], "-")
        ),
        title: "DANH SÁCH HỌC VIÊN".into(),
        subtitle: format!("{kind} — {}", c.number),
        intro: Some(format!(
            "Thời gian: từ ngày {} đến ngày {}; địa điểm: {}. Số học viên: {}; hoàn thành: {}; đã cấp giấy chứng nhận: {}.",
            format_vn(c.starts_on.to_jiff()),
            format_vn(c.ends_on.to_jiff()),
            c.place,
            c.enrolled,
            c.passed,
            c.certified
        )),
        heads: vec![
            "Họ và tên",
            "Ngày sinh",
            "Chi bộ",
            "Kết quả",
            "Giấy chứng nhận",
        ],
        rows,
        recipients: vec!["Các chi bộ có học viên".into(), "Lưu".into()],
        dated: Some(today),
        sign_title: "",
    })?;
    p.sign_for = format!("T/M {}", p.issuer);
    Some(p)
}

/// The sympathizer list of an organisation (danh sách quần chúng cảm tình Đảng) as of `today`.
pub fn sympathizer_list(
    path: &[Org],
    listed: &[ketnap_store::classes::Listed],
    today: Date,
) -> Option<Paper> {
    let org = path.last()?;
    let superior = path.len().checked_sub(2).and_then(|i| path.get(i));
    let rows = listed
        .iter()
        .map(|l| {
            vec![
                l.full_name.clone(),
                format_vn(l.birth_date.to_jiff()),
                l.cell_name.clone(),
                l.listed_on
                    .map_or_else(|| BLANK.to_string(), |d| format_vn(d.to_jiff())),
                ketnap_store::counters::stage_from_code(&l.stage)
                    .map_or("", |s| s.label_vi())
                    .to_string(),
            ]
        })
        .collect();
    list_paper(ListSpec {
        path,
        file_name: format!(
            "danh-sach-cam-tinh-dang-{}",
            ketnap_domain::text::fold(&org.name).replace(' ', "-")
        ),
        title: "DANH SÁCH".into(),
        subtitle: format!("Quần chúng cảm tình Đảng (đến ngày {})", format_vn(today)),
        intro: Some(format!(
            "Những quần chúng ưu tú đã được {} đưa vào danh sách cảm tình Đảng và đang được bồi dưỡng, xem xét kết nạp:",
            org.name
        )),
        heads: vec![
            "Họ và tên",
            "Ngày sinh",
            "Chi bộ",
            "Vào danh sách ngày",
            "Đang ở bước",
        ],
        rows,
        recipients: vec![
            superior.map_or_else(|| "Lưu".to_string(), |o| format!("{} (để báo cáo)", o.name)),
            "Lưu".into(),
        ],
        dated: Some(today),
        sign_title: "BÍ THƯ",
    })
}

/// The list of those an organisation proposes for a course (danh sách đề nghị cử đi học lớp
/// bồi dưỡng), from its standing proposals, to the committee above.
pub fn proposal_list(
    path: &[Org],
    kind: ketnap_store::classes::ClassKind,
    proposed: &[ketnap_store::classes::Waiting],
    today: Date,
) -> Option<Paper> {
    let org = path.last()?;
    let superior = path.len().checked_sub(2).and_then(|i| path.get(i));
    let rows = proposed
        .iter()
        .map(|w| {
            vec![
                w.full_name.clone(),
                format_vn(w.birth_date.to_jiff()),
                w.cell_name.clone(),
                w.proposed_on
                    .map_or_else(|| BLANK.to_string(), |d| format_vn(d.to_jiff())),
                w.approved_on.map_or_else(
                    || "Chờ duyệt".to_string(),
                    |d| format!("Đã duyệt ngày {}", format_vn(d.to_jiff())),
                ),
            ]
        })
        .collect();
    let whom = match kind {
        ketnap_store::classes::ClassKind::Awareness => "quần chúng",
        ketnap_store::classes::ClassKind::NewMember => "đảng viên dự bị",
    };
    list_paper(ListSpec {
        path,
        file_name: format!(
            "de-nghi-cu-di-hoc-{}",
            ketnap_domain::text::fold(&org.name).replace(' ', "-")
        ),
        title: "DANH SÁCH".into(),
        subtitle: format!(
            "{} đề nghị cử đi học {}",
            upper_first(whom),
            lower_first(kind.label_vi())
        ),
        intro: Some(format!(
            "{} đề nghị {} xem xét, cử những {whom} có tên sau đây đi học {}:",
            org.name,
            superior.map_or("cấp ủy cấp trên", |o| o.name.as_str()),
            lower_first(kind.label_vi())
        )),
        heads: vec![
            "Họ và tên",
            "Ngày sinh",
            "Chi bộ",
            "Đề nghị ngày",
            "Cấp trên duyệt",
        ],
        rows,
        recipients: vec![
            superior.map_or_else(|| "Cấp ủy cấp trên".to_string(), |o| o.name.clone()),
            "Lưu".into(),
        ],
        dated: Some(today),
        sign_title: "BÍ THƯ",
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_place_is_read_from_the_issuers_name_and_a_missing_date_stays_blank() {
        assert_eq!(
            place_date("Đảng ủy xã Hòa Lâm", Some(date(2025, 5, 6))),
            "Hòa Lâm, ngày 06 tháng 05 năm 2025"
        );
        assert_eq!(
            place_date("Chi bộ thôn Đông", None),
            format!("Đông, ngày {BLANK} tháng {BLANK} năm {BLANK}")
        );
        assert!(place_date("Đảng ủy Công ty Gạch", None).starts_with(BLANK));
        assert!(place_date("Huyện ủy Hòa Lâm", None).starts_with("Hòa Lâm, ngày"));
    }

    #[test]
    fn a_paper_becomes_a_docx_that_holds_its_words() {
        let p = Paper {
            file_name: "x".into(),
            form_code: Some("Mẫu 6-KNĐ".into()),
            superior: "ĐẢNG ỦY XÃ HÒA LÂM".into(),
            issuer: "CHI BỘ THÔN ĐÔNG".into(),
            number: "Số 05-NQ/CB".into(),
            about: None,
            place_date: place_date("Chi bộ thôn Đông", Some(date(2025, 5, 6))),
            title: Some("NGHỊ QUYẾT".into()),
            subtitle: Some("Đề nghị kết nạp đảng viên".into()),
            to: None,
            body: vec![Para::text("Nguyễn Thị Mai"), Para::led("1.", "Đề nghị")],
            blocks: vec![Block::Table(PaperTable {
                title: Some("Bảng 1".into()),
                heads: vec!["STT".into()],
                rows: vec![vec!["1".into()]],
                numeric: vec![true],
                note: None,
            })],
            signer: "Lê Văn Bình".into(),
            recipients: vec!["Lưu".into()],
            sign_for: "T/M CHI BỘ".into(),
            sign_title: "BÍ THƯ".into(),
        };
        let bytes = p.to_docx().unwrap();
        assert_eq!(&bytes[..2], b"PK", "a zip file");
        let text = docx_text(&bytes);
        for part in [
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Nguyễn Thị Mai",
            "Số 05-NQ/CB",
            "06 tháng 05 năm 2025",
        ] {
            assert!(text.contains(part), "{part}");
        }
        assert!(part_of(&bytes, "word/styles.xml").contains("Times New Roman"));
    }

    /// `word/document.xml` of a DOCX, read back with the zip crate.
    fn docx_text(bytes: &[u8]) -> String {
        part_of(bytes, "word/document.xml")
    }

    fn part_of(bytes: &[u8], name: &str) -> String {
        use std::io::Read;
        let mut z = zip_reader(bytes);
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    fn zip_reader(bytes: &[u8]) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
        zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap()
    }
}
