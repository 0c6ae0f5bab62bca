//! One report model, four renderings: the page, the printable A4 page (both from the same
//! template), an XLSX file laid out like an official report table, CSV and JSON.
//!
//! A report is a [`Document`]: the heading of the issuing organisation as party documents set it
//! (the superior committee and the organisation on the left, "ĐẢNG CỘNG SẢN VIỆT NAM" and the place
//! and date on the right), a title, then [`Section`]s of tables. Every number in a cell is stored
//! once, with the text the page shows ([`Cell::text`]); the XLSX writer puts the number itself in
//! the cell and the same text format on it, so the file and the page hold the same figures.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Serialize;

/// The heading block of a party document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Heading {
    /// The committee above the issuing organisation, upper case ("ĐẢNG BỘ TỈNH GIA LAI");
    /// empty for a root.
    pub superior: String,
    /// The issuing organisation, upper case ("ĐẢNG ỦY XÃ HÒA BÌNH").
    pub issuer: String,
    /// "Số 25-BC/ĐU" under the issuer (empty: no number line).
    pub number: String,
    /// "Hòa Bình, ngày 23 tháng 11 năm 2026".
    pub place_date: String,
}

/// One cell of a report table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Cell {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A count of people or organisations.
    Count {
        /// The count.
        value: i64,
    },
    /// A percentage `part / whole`, with the text the page shows (`143,75 %`); `value` is the
    /// fraction (1.4375) for spreadsheets, absent when the whole is 0.
    Percent {
        /// The fraction, when defined.
        value: Option<f64>,
        /// The text shown ("143,75 %", or "—" when undefined).
        text: String,
        /// The percentage as shown, as a plain number (143.75): the same digits as the page,
        /// for CSV and JSON readers.
        #[serde(skip_serializing_if = "Option::is_none")]
        percent: Option<f64>,
    },
    /// Nothing.
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text { text: s.into() }
    }

    /// A count cell.
    pub fn count(n: impl Into<i64>) -> Cell {
        Cell::Count { value: n.into() }
    }

    /// A percentage `part / whole` shown with the domain's formatting (up to two decimals, comma).
    pub fn percent(part: u32, whole: u32) -> Cell {
        let a = ketnap_domain::plan::Achievement::of(part, whole);
        let text = a.pct_text();
        Cell::Percent {
            value: (whole > 0).then(|| f64::from(part) / f64::from(whole)),
            percent: plain_percent(&text).and_then(|p| p.parse().ok()),
            text,
        }
    }

    /// The text the page shows.
    pub fn shown(&self) -> String {
        match self {
            Cell::Text { text } => text.clone(),
            Cell::Count { value } => {
                let n = ketnap_domain::numfmt::group_thousands(u128::from(value.unsigned_abs()));
                if *value < 0 { format!("−{n}") } else { n }
            }
            Cell::Percent { text, .. } => text.clone(),
            Cell::Empty => String::new(),
        }
    }

    /// Whether the cell holds a number (right-aligned).
    pub fn is_number(&self) -> bool {
        matches!(self, Cell::Count { .. } | Cell::Percent { .. })
    }
}

/// A table of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Section {
    /// Heading ("I. Kết quả kết nạp đảng viên").
    pub title: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
    /// A note under the table (how a figure was computed).
    pub note: Option<String>,
    /// A list of organisations: the printed document leaves out the rows with nothing in them
    /// (every number zero or blank); the page and the files keep every row.
    #[serde(skip)]
    pub print_nonzero_rows: bool,
}

impl Section {
    /// An empty section with these columns.
    pub fn new(title: impl Into<String>, columns: &[&str]) -> Section {
        Section {
            title: title.into(),
            columns: columns.iter().map(|c| (*c).to_string()).collect(),
            rows: Vec::new(),
            note: None,
            print_nonzero_rows: false,
        }
    }

    /// The section as printed in a party document: columns with nothing in any row left out,
    /// and for a list of organisations ([`Section::print_nonzero_rows`]) the rows with nothing
    /// in them: the headings, the rows and which columns are numbers.
    pub fn printed(&self) -> (Vec<String>, Vec<Vec<&Cell>>, Vec<bool>) {
        let width = self.columns.len();
        let keep_col: Vec<bool> = (0..width)
            .map(|i| {
                i == 0
                    || self
                        .rows
                        .iter()
                        .any(|r| r.get(i).is_some_and(|c| *c != Cell::Empty))
            })
            .collect();
        let nothing = |c: &Cell| match c {
            Cell::Empty => true,
            Cell::Count { value } => *value == 0,
            _ => false,
        };
        let rows: Vec<Vec<&Cell>> = self
            .rows
            .iter()
            .filter(|r| !self.print_nonzero_rows || !r.iter().skip(1).all(nothing))
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(i, _)| keep_col.get(*i).copied().unwrap_or(true))
                    .map(|(_, c)| c)
                    .collect()
            })
            .collect();
        let heads = self
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| keep_col[*i])
            .map(|(_, h)| h.clone())
            .collect();
        let numeric = rows
            .first()
            .map(|r| r.iter().map(|c| c.is_number()).collect())
            .unwrap_or_default();
        (heads, rows, numeric)
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<Cell>) -> &mut Section {
        self.rows.push(cells);
        self
    }
}

/// A whole report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Document {
    /// The heading block.
    pub heading: Heading,
    /// "BÁO CÁO".
    pub title: String,
    /// "Kết quả công tác phát triển đảng viên năm 2026".
    pub subtitle: String,
    /// The tables.
    pub sections: Vec<Section>,
}

impl Document {
    /// The file name stem for downloads: ASCII letters, digits and dashes only.
    pub fn file_stem(&self, org_code: &str, period_code: &str) -> String {
        let clean = |s: &str| -> String {
            ketnap_domain::text::fold(s)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect()
        };
        format!("bao-cao-{}-{}", clean(org_code), clean(period_code))
    }

    /// The report as CSV (RFC 4180, UTF-8 with a byte-order mark so Excel reads the diacritics):
    /// each section as its title line, its header and its rows, a blank line between sections.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        let line = |cells: &mut dyn Iterator<Item = String>| -> String {
            let fields: Vec<String> = cells.map(|c| csv_field(&c)).collect();
            format!("{}\r\n", fields.join(","))
        };
        // Every text (names come from users: an organisation may be called "=…") is neutralised
        // so a spreadsheet never runs it; numbers stay numbers (a negative change is "-3").
        let text = |t: &str| crate::sheet::neutralise(t).into_owned();
        out.push_str(&line(&mut [text(&self.heading.issuer)].into_iter()));
        out.push_str(&line(
            &mut [text(&format!("{} — {}", self.title, self.subtitle))].into_iter(),
        ));
        for s in &self.sections {
            out.push_str("\r\n");
            out.push_str(&line(&mut [text(&s.title)].into_iter()));
            out.push_str(&line(&mut s.columns.iter().map(|c| text(c))));
            for r in &s.rows {
                out.push_str(&line(&mut r.iter().map(csv_value)));
            }
        }
        out
    }

    /// The report as an XLSX workbook: one sheet, the heading block, the title, each section as a
    /// bordered table (Times New Roman 13, as party documents are set), A4 portrait, fitted to
    /// the page width.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Báo cáo")?;
        self.write_sheet(ws)?;
        wb.save_to_buffer()
    }

    fn write_sheet(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        let font = |f: Format| f.set_font_name("Times New Roman").set_font_size(13);
        let plain = font(Format::new()).set_text_wrap();
        let bold_center = font(Format::new())
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_text_wrap();
        let italic_center = font(Format::new())
            .set_italic()
            .set_align(FormatAlign::Center);
        let title = font(Format::new())
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center);
        let head = font(Format::new())
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
        let cell_text = font(Format::new())
            .set_border(FormatBorder::Thin)
            .set_text_wrap();
        let cell_count = font(Format::new())
            .set_border(FormatBorder::Thin)
            .set_num_format("#,##0");
        let cell_pct = ["0%", "0.0%", "0.00%"].map(|f| {
            font(Format::new())
                .set_border(FormatBorder::Thin)
                .set_num_format(f)
        });
        let width = self
            .sections
            .iter()
            .map(|s| s.columns.len())
            .max()
            .unwrap_or(1)
            .max(4);
        let last_col = u16::try_from(width - 1).unwrap_or(3);
        let half = last_col / 2;
        ws.set_column_width(0, 36)?;
        for c in 1..=last_col {
            ws.set_column_width(c, 14)?;
        }
        // Heading block: left half the organisation, right half the party and the date.
        ws.merge_range(
            0,
            0,
            0,
            half,
            &self.heading.superior,
            &plain.clone().set_align(FormatAlign::Center),
        )?;
        ws.merge_range(1, 0, 1, half, &self.heading.issuer, &bold_center)?;
        ws.merge_range(
            2,
            0,
            2,
            half,
            "*",
            &plain.clone().set_align(FormatAlign::Center),
        )?;
        if !self.heading.number.is_empty() {
            ws.merge_range(
                3,
                0,
                3,
                half,
                &self.heading.number,
                &plain.clone().set_align(FormatAlign::Center),
            )?;
        }
        ws.merge_range(
            0,
            half + 1,
            0,
            last_col,
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            &bold_center,
        )?;
        ws.merge_range(
            2,
            half + 1,
            2,
            last_col,
            &self.heading.place_date,
            &italic_center,
        )?;
        ws.merge_range(4, 0, 4, last_col, &self.title, &title)?;
        ws.merge_range(5, 0, 5, last_col, &self.subtitle, &bold_center)?;
        let mut row: u32 = 7;
        for s in &self.sections {
            ws.merge_range(
                row,
                0,
                row,
                last_col,
                &s.title,
                &font(Format::new()).set_bold(),
            )?;
            row += 1;
            for (c, h) in s.columns.iter().enumerate() {
                ws.write_with_format(row, col(c), h, &head)?;
            }
            row += 1;
            for r in &s.rows {
                for (c, cell) in r.iter().enumerate() {
                    let c = col(c);
                    match cell {
                        Cell::Text { text } => {
                            ws.write_with_format(row, c, text, &cell_text)?;
                        }
                        Cell::Count { value } => {
                            // Counts are far below 2^53: exact as f64.
                            #[allow(clippy::cast_precision_loss)]
                            let v = *value as f64;
                            ws.write_number_with_format(row, c, v, &cell_count)?;
                        }
                        Cell::Percent {
                            value: Some(v),
                            text,
                            ..
                        } => {
                            // A percent format with the decimals the page shows: 80 %, 87,5 %,
                            // 93,75 % read 80%, 87.5%, 93.75% (Excel rounds half up too).
                            let f = &cell_pct[shown_decimals(text).min(2)];
                            ws.write_number_with_format(row, c, *v, f)?;
                        }
                        Cell::Percent {
                            value: None, text, ..
                        } => {
                            ws.write_with_format(row, c, text, &cell_text)?;
                        }
                        Cell::Empty => {
                            ws.write_blank(row, c, &cell_text)?;
                        }
                    }
                }
                row += 1;
            }
            if let Some(note) = &s.note {
                ws.merge_range(
                    row,
                    0,
                    row,
                    last_col,
                    note,
                    &font(Format::new()).set_italic().set_text_wrap(),
                )?;
                row += 1;
            }
            row += 1;
        }
        ws.set_paper_size(9); // A4
        ws.set_portrait();
        ws.set_print_fit_to_pages(1, 0);
        Ok(())
    }
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// The page's percentage text as a plain number with a dot: `1.234,5 %` → `1234.5`; `None` for
/// a text that is not a percentage ("—").
pub fn plain_percent(text: &str) -> Option<String> {
    let t = text.trim().strip_suffix('%')?.trim();
    let plain: String = t
        .chars()
        .filter(|c| *c != '.')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    (!plain.is_empty()
        && plain
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-'))
    .then_some(plain)
}

/// The decimals the page shows for a percentage (`87,5 %` → 1), so a spreadsheet shows the same
/// digits.
fn shown_decimals(text: &str) -> usize {
    plain_percent(text)
        .and_then(|p| p.split_once('.').map(|(_, f)| f.len()))
        .unwrap_or(0)
}

fn csv_value(cell: &Cell) -> String {
    match cell {
        // Machines read CSV: plain numbers, percentages as the exact fraction's percent with a
        // dot, undefined ones empty.
        Cell::Count { value } => value.to_string(),
        // The same digits as the page: `143.75`, `87.5`, `80`.
        Cell::Percent {
            value: Some(_),
            text,
            ..
        } => plain_percent(text).unwrap_or_default(),
        Cell::Percent { value: None, .. } | Cell::Empty => String::new(),
        Cell::Text { text } => crate::sheet::neutralise(text).into_owned(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// "Hòa Bình, ngày 23 tháng 11 năm 2026".
pub fn place_date(place: &str, on: jiff::civil::Date) -> String {
    format!(
        "{place}, ngày {:02} tháng {:02} năm {}",
        on.day(),
        on.month(),
        on.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Document {
        let mut s = Section::new(
            "I. Kết quả",
            &["Chỉ tiêu", "Kế hoạch", "Thực hiện", "Tỷ lệ"],
        );
        s.row(vec![
            Cell::text("Kết nạp đảng viên"),
            Cell::count(16),
            Cell::count(23),
            Cell::percent(23, 16),
        ]);
        s.row(vec![
            Cell::text("trong đó: nữ, \"ưu tú\""),
            Cell::Empty,
            Cell::count(15),
            Cell::percent(15, 16),
        ]);
        Document {
            heading: Heading {
                superior: "ĐẢNG BỘ TỈNH".into(),
                issuer: "ĐẢNG ỦY XÃ HÒA BÌNH".into(),
                number: "Số 25-BC/ĐU".into(),
                place_date: place_date("Hòa Bình", jiff::civil::date(2026, 11, 23)),
            },
            title: "BÁO CÁO".into(),
            subtitle: "Kết quả công tác phát triển đảng viên năm 2018".into(),
            sections: vec![s],
        }
    }

    /// The same figure everywhere (issue 16): the page's digits, rounded half up, at most two
    /// decimals (two when exact, else one, as the seeds write them), trailing zeros dropped; CSV and JSON the same digits with a dot; the spreadsheet
    /// a percent format with as many decimals as the page shows.
    #[test]
    fn a_percentage_has_the_same_digits_on_the_page_in_csv_json_and_xlsx() {
        for (part, whole, page, plain, decimals) in [
            (23, 16, "143,75 %", "143.75", 2),
            (7, 8, "87,5 %", "87.5", 1),
            (60, 75, "80 %", "80", 0),
            // Not exact within two decimals: one, as the seeds write 38,9 %.
            (7, 18, "38,9 %", "38.9", 1),
            (2, 3, "66,7 %", "66.7", 1),
            (1, 800, "0,1 %", "0.1", 1),
        ] {
            let c = Cell::percent(part, whole);
            assert_eq!(c.shown(), page);
            assert_eq!(csv_value(&c), plain);
            assert_eq!(shown_decimals(page), decimals);
            let json = serde_json::to_value(&c).unwrap();
            assert_eq!(
                json["percent"].as_f64(),
                plain.parse::<f64>().ok(),
                "{json}"
            );
        }
        assert_eq!(csv_value(&Cell::percent(1, 0)), "");
        assert_eq!(plain_percent("1.234,5 %").as_deref(), Some("1234.5"));
        assert_eq!(plain_percent("—"), None);
    }

    #[test]
    fn percent_cells_show_the_seed_figures_with_a_decimal_comma() {
        // plans-and-reports.md: 23/16 → 143,75 %, 15/16 → 93,75 %.
        assert_eq!(Cell::percent(23, 16).shown(), "143,75 %");
        assert_eq!(Cell::percent(15, 16).shown(), "93,75 %");
        assert_eq!(Cell::percent(0, 0).shown(), Cell::percent(3, 0).shown());
    }

    #[test]
    fn csv_quotes_fields_and_keeps_numbers_plain() {
        let csv = sample().to_csv();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("Kết nạp đảng viên,16,23,143.75\r\n"), "{csv}");
        assert!(
            csv.contains("\"trong đó: nữ, \"\"ưu tú\"\"\",,15,93.75\r\n"),
            "{csv}"
        );
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = sample().to_xlsx().unwrap();
        assert_eq!(&bytes[..2], b"PK");
        assert!(bytes.len() > 1000);
    }

    #[test]
    fn file_stems_are_ascii() {
        assert_eq!(
            sample().file_stem("XÃ-HB/01", "2026-Q1"),
            "bao-cao-xa-hb-01-2026-q1"
        );
    }

    #[test]
    fn a_csv_cell_a_spreadsheet_would_run_is_neutralised_and_numbers_stay_numbers() {
        let mut s = Section::new("=Tiêu đề", &["Tổ chức", "Tăng giảm"]);
        s.row(vec![
            Cell::text("=HYPERLINK(\"http://x\")"),
            Cell::count(-3),
        ]);
        s.row(vec![Cell::text("@SUM(A1)"), Cell::count(2)]);
        let mut d = sample();
        d.heading.issuer = "+ĐẢNG ỦY".into();
        d.sections = vec![s];
        let csv = d.to_csv();
        assert!(csv.contains("'+ĐẢNG ỦY"), "{csv}");
        assert!(csv.contains("'=Tiêu đề"), "{csv}");
        assert!(
            csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\",-3"),
            "{csv}"
        );
        assert!(csv.contains("'@SUM(A1),2"), "{csv}");
    }

    #[test]
    fn place_date_is_written_as_party_documents_write_it() {
        assert_eq!(
            place_date("Pleiku", jiff::civil::date(2026, 1, 5)),
            "Pleiku, ngày 05 tháng 01 năm 2026"
        );
    }
}
