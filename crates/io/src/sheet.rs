//! Tables of text in and out of spreadsheet files: what the importer reads and the exporter
//! writes, with no knowledge of what the columns mean.
//!
//! **Reading** ([`read_rows`]) takes the bytes of an upload and returns its non-empty rows as
//! trimmed text, each with the row number the user sees in Excel. XLSX is recognised by its ZIP
//! signature and read with calamine (the first worksheet, cell by cell, so a sheet with a stray
//! cell far to the right costs nothing); an old `.xls` file, a password-protected workbook and an
//! HTML page saved with an Excel name are refused with a message saying what to do; anything
//! else is read as CSV (UTF-8, or UTF-16 with a byte-order mark as Excel's "Unicode Text"
//! writes it; the delimiter guessed among `,`, `;` and tab). Every value becomes text the way the
//! user typed it: a number keeps its digits (`1234567890` stays `1234567890`, not `1.23e9`), a
//! date becomes `dd/mm/yyyy`. [`Limits`] bound the bytes, rows and cell lengths, and every
//! malformed input gives a [`SheetError`], never a panic.
//!
//! **Splitting** ([`split_header`]) finds the heading row under any title rows, matched with
//! [`fold_heading`] so that "Ngày vào Đảng (dd/mm/yyyy)*" and "ngay vao dang" are the same column.
//!
//! **Writing** ([`write_csv`], [`write_xlsx`]) puts every cell out as text, so an ID number's
//! leading zeros survive, and neutralises cells a spreadsheet would run as a formula
//! ([`neutralise`]; in XLSX with Excel's own "quote prefix" style instead, so the text read back
//! is the original text).
//!
//! Error messages for users are Vietnamese ([`SheetError::message_vi`]); the `Display` text is
//! English for logs and never holds cell contents, which are personal data.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx};
use jiff::civil::Date;
use ketnap_domain::numfmt::group_thousands;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// How many rows from the top [`split_header`] searches for the heading row (and how many title
/// rows [`read_rows`] tolerates on top of [`Limits::max_rows`]).
pub const HEADER_SEARCH_ROWS: usize = 30;

/// At most this many cells in one table, counting the empty cells between filled ones: bounds
/// the memory a crafted file (one cell in column 1 and one in column 16.384 on every row) can
/// make the reader allocate.
pub const MAX_CELLS: usize = 10_000_000;

/// The first characters that make a spreadsheet treat a cell as a formula (OWASP "CSV
/// injection"): `=`, `+`, `-`, `@`, tab and carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The signature of a ZIP local file header, which every XLSX file starts with.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The signature of an empty ZIP archive.
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
/// The signature of an OLE compound file: Excel 97–2003 `.xls`, and also any Office file saved
/// with a password.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Limits on what is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest file accepted, in bytes (default 50 MiB).
    pub max_bytes: usize,
    /// The most data rows accepted (default 200.000); up to [`HEADER_SEARCH_ROWS`] more rows
    /// (titles and the heading row) are allowed above them.
    pub max_rows: usize,
    /// The longest cell accepted, in characters after trimming (default 2.000).
    pub max_cell_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_rows: 200_000,
            max_cell_chars: 2_000,
        }
    }
}

/// One row as the file has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    /// The 1-based row number the user sees in Excel; for CSV the line on which the record
    /// starts (the heading line of a plain CSV is 1).
    pub line: u32,
    /// The cells as trimmed text, empty cells as `""`; trailing empty cells are dropped, so rows
    /// of one table may differ in length.
    pub cells: Vec<String>,
}

/// A table: the heading row's headings and the data rows after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    /// The row number of the heading row.
    pub header_line: u32,
    /// The headings as written (trimmed, not folded).
    pub headers: Vec<String>,
    /// The non-empty rows below the heading row.
    pub rows: Vec<RawRow>,
}

/// Why a file could not be read or written.
///
/// `Display` is English for logs and holds no cell contents; [`SheetError::message_vi`] is what
/// the user reads.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Not an XLSX or CSV file, or a damaged one (a truncated download, a ZIP that is not a
    /// workbook).
    #[error("the file is not a readable XLSX or CSV table ({reason})")]
    Unreadable {
        /// What went wrong, in words of ours (never text from the file).
        reason: &'static str,
    },
    /// An Excel 97–2003 `.xls` file.
    #[error("legacy .xls (OLE) workbooks are not supported")]
    LegacyXls,
    /// An Office file protected with a password (encrypted, so unreadable).
    #[error("the workbook is encrypted with a password")]
    Encrypted,
    /// An HTML or XML page saved under a spreadsheet name, as many web systems export "Excel".
    #[error("the file is an HTML or XML page, not a spreadsheet")]
    HtmlOrXml,
    /// A CSV file that is not UTF-8 (a legacy Vietnamese code page, most likely).
    #[error("the CSV file is not UTF-8 (first invalid byte on line {line})")]
    NotUtf8 {
        /// The line of the first byte that is not UTF-8.
        line: u32,
    },
    /// No data at all.
    #[error("the file holds no data")]
    Empty,
    /// Larger than [`Limits::max_bytes`].
    #[error("the file is larger than {max_bytes} bytes")]
    TooLarge {
        /// The limit.
        max_bytes: usize,
    },
    /// More rows than [`Limits::max_rows`].
    #[error("the table has more than {max} data rows")]
    TooManyRows {
        /// The limit.
        max: usize,
    },
    /// More cells than [`MAX_CELLS`].
    #[error("the table has more than {max} cells")]
    TooManyCells {
        /// The limit.
        max: usize,
    },
    /// A cell longer than [`Limits::max_cell_chars`].
    #[error("the cell at line {line}, column {column} has {chars} characters (limit {max})")]
    CellTooLong {
        /// The row number.
        line: u32,
        /// The 1-based column number.
        column: usize,
        /// The cell's length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A cell holding an Excel error value (`#REF!`, `#N/A`, `#DIV/0!`…).
    #[error("the cell at line {line}, column {column} holds an Excel error value")]
    CellError {
        /// The row number.
        line: u32,
        /// The 1-based column number.
        column: usize,
    },
    /// No heading row among the first [`HEADER_SEARCH_ROWS`] rows.
    #[error("no heading row among the first {HEADER_SEARCH_ROWS} rows")]
    NoHeader,
    /// Writing a file failed.
    #[error("writing the spreadsheet failed: {0}")]
    Write(String),
}

impl SheetError {
    /// The message shown to the user.
    pub fn message_vi(&self) -> String {
        match self {
            SheetError::Unreadable { .. } => "Không đọc được tệp: tệp không phải bảng tính Excel \
                 (.xlsx) hay CSV, hoặc đã bị hỏng (tải lên chưa hết?). Hãy mở tệp bằng Excel, lưu \
                 lại thành .xlsx rồi tải lên lại."
                .into(),
            SheetError::LegacyXls => "Tệp Excel cũ (.xls) chưa được hỗ trợ; hãy mở bằng Excel và \
                 lưu lại thành .xlsx."
                .into(),
            SheetError::Encrypted => "Tệp Excel đang được đặt mật khẩu nên không đọc được; hãy mở \
                 bằng Excel, bỏ mật khẩu, lưu lại rồi tải lên lại."
                .into(),
            SheetError::HtmlOrXml => "Tệp này là trang web (HTML/XML) mang đuôi của Excel, không \
                 phải bảng tính thật; hãy mở bằng Excel và lưu lại thành .xlsx."
                .into(),
            SheetError::NotUtf8 { line } => format!(
                "Tệp CSV không dùng bảng mã UTF-8 (lỗi từ dòng {}). Trong Excel, hãy lưu lại bằng \
                 kiểu “CSV UTF-8 (Comma delimited)”, hoặc lưu thành .xlsx.",
                group_thousands(u128::from(*line))
            ),
            SheetError::Empty => "Tệp không có dữ liệu.".into(),
            SheetError::TooLarge { max_bytes } => {
                const MIB: usize = 1024 * 1024;
                let size = if *max_bytes >= MIB && max_bytes % MIB == 0 {
                    format!("{} MB", group_thousands((max_bytes / MIB) as u128))
                } else {
                    format!("{} byte", group_thousands(*max_bytes as u128))
                };
                format!("Tệp lớn hơn giới hạn {size}; hãy chia thành nhiều tệp nhỏ hơn.")
            }
            SheetError::TooManyRows { max } => format!(
                "Bảng có hơn {} dòng dữ liệu, vượt giới hạn; hãy chia thành nhiều tệp nhỏ hơn.",
                group_thousands(*max as u128)
            ),
            SheetError::TooManyCells { max } => format!(
                "Bảng có hơn {} ô (tính cả các ô trống nằm giữa các ô có dữ liệu), vượt giới hạn; \
                 hãy xóa các cột, dòng thừa hoặc chia thành nhiều tệp.",
                group_thousands(*max as u128)
            ),
            SheetError::CellTooLong {
                line,
                column,
                chars,
                max,
            } => format!(
                "Dòng {line}, cột {column}: ô dài {} ký tự, vượt giới hạn {} ký tự.",
                group_thousands(*chars as u128),
                group_thousands(*max as u128)
            ),
            SheetError::CellError { line, column } => format!(
                "Dòng {line}, cột {column}: ô chứa lỗi công thức của Excel (như #REF!, #N/A); \
                 hãy sửa hoặc xóa giá trị này."
            ),
            SheetError::NoHeader => format!(
                "Không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu của bảng: dòng \
                 tiêu đề cần có ít nhất hai cột mang tên như trong tệp mẫu."
            ),
            SheetError::Write(_) => "Không tạo được tệp bảng tính.".into(),
        }
    }
}

/// Read a whole file into its non-empty rows.
///
/// XLSX (recognised by the ZIP signature `PK\x03\x04`): the first visible worksheet (the first
/// worksheet if all are hidden). An OLE file (`D0 CF 11 E0`) is refused as [`SheetError::LegacyXls`]
/// (or [`SheetError::Encrypted`] for a password-protected workbook), an HTML or XML page as
/// [`SheetError::HtmlOrXml`]. Anything else is CSV: UTF-8 with or without a byte-order mark (or
/// UTF-16 with one), the delimiter the one among `,`, `;` and tab that occurs most on the first
/// non-empty line (the first line having any of them, if that line has none), quotes per
/// RFC 4180, records of any length.
///
/// Cells are trimmed; a text cell starting with an apostrophe followed by a formula character
/// loses the apostrophe (undoing [`neutralise`]); rows whose cells are all empty are skipped.
pub fn read_rows(bytes: &[u8], limits: &Limits) -> Result<Vec<RawRow>, SheetError> {
    if bytes.len() > limits.max_bytes {
        return Err(SheetError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SheetError::Empty);
    }
    let rows = if bytes.starts_with(ZIP_MAGIC) {
        read_xlsx_guarded(bytes, limits)?
    } else if bytes.starts_with(ZIP_EMPTY_MAGIC) {
        return Err(SheetError::Unreadable {
            reason: "empty zip archive",
        });
    } else if bytes.starts_with(OLE_MAGIC) {
        return Err(if is_encrypted_ole(bytes) {
            SheetError::Encrypted
        } else {
            SheetError::LegacyXls
        });
    } else {
        read_csv(bytes, limits)?
    };
    if rows.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(rows)
}

/// Split off the heading row: the first row among the first [`HEADER_SEARCH_ROWS`] in which at
/// least two non-empty cells satisfy `is_heading` (so title rows such as "DANH SÁCH ĐẢNG VIÊN"
/// above the table are skipped with the rows above the heading row); the rows after it are the
/// data.
pub fn split_header(
    rows: Vec<RawRow>,
    is_heading: impl Fn(&str) -> bool,
) -> Result<Sheet, SheetError> {
    let at = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| {
            r.cells
                .iter()
                .filter(|c| !c.is_empty() && is_heading(c))
                .count()
                >= 2
        })
        .ok_or(SheetError::NoHeader)?;
    let mut rows = rows.into_iter().skip(at);
    let header = rows.next().ok_or(SheetError::NoHeader)?;
    Ok(Sheet {
        header_line: header.line,
        headers: header.cells,
        rows: rows.collect(),
    })
}

/// A heading folded for matching: every `(…)` part dropped (the hints forms put in headings),
/// then [`ketnap_domain::text::fold`] (no diacritics, `đ` → `d`, lower case), then every run of
/// characters other than letters and digits (punctuation, `*`, line breaks) turned into one
/// space, trimmed. `"Ngày vào Đảng (dd/mm/yyyy)*"` → `"ngay vao dang"`.
pub fn fold_heading(s: &str) -> String {
    let mut kept = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    let folded = ketnap_domain::text::fold(&kept);
    let mut out = String::with_capacity(folded.len());
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A date as offices type it, or `None`:
/// - `dd/mm/yyyy` and `d/m/yyyy`, with `/`, `-` or `.` between the parts;
/// - eight digits `ddmmyyyy` (`07031998`);
/// - ISO `yyyy-mm-dd`;
/// - an Excel serial day number, an integer `1..=2958465` in the 1900 date system (a date cell
///   that lost its format): `n ≥ 61` is 30/12/1899 + n days, `n ≤ 59` is 31/12/1899 + n days,
///   and 60, Excel's fictitious 29/02/1900, is refused.
///
/// Beware that a bare year such as `1998` is a serial number (20/06/1905); callers that accept
/// dates of birth may want to check the result is plausible.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        if s.len() == 8 {
            let d: i8 = s.get(0..2)?.parse().ok()?;
            let m: i8 = s.get(2..4)?.parse().ok()?;
            let y: i16 = s.get(4..8)?.parse().ok()?;
            return Date::new(y, m, d).ok();
        }
        if s.len() > 8 {
            return None;
        }
        let n: i64 = s.parse().ok()?;
        return excel_serial_date(n);
    }
    if let Some(d) = ketnap_domain::dates::parse_vn(s) {
        return Some(d);
    }
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4
                && (1..=2).contains(&m.len())
                && (1..=2).contains(&d.len())
                && [y, m, d]
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
        }
        _ => None,
    }
}

/// The date of an Excel serial day number in the 1900 date system (see [`parse_date`]).
fn excel_serial_date(n: i64) -> Option<Date> {
    let (base, days) = match n {
        1..=59 => (jiff::civil::date(1899, 12, 31), n),
        61..=2_958_465 => (jiff::civil::date(1899, 12, 30), n),
        _ => return None,
    };
    base.checked_add(jiff::Span::new().try_days(days).ok()?)
        .ok()
}

/// `dd/mm/yyyy`.
pub fn format_date(d: Date) -> String {
    ketnap_domain::dates::format_vn(d)
}

/// A cell a spreadsheet would run as a formula (its first character one of `=`, `+`, `-`, `@`,
/// tab, carriage return) with an apostrophe put in front; other cells unchanged.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if looks_like_formula(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

fn looks_like_formula(s: &str) -> bool {
    s.starts_with(FORMULA_STARTS)
}

/// A table as CSV: UTF-8 with a byte-order mark (so Excel reads the diacritics), comma-separated,
/// CRLF line ends, fields quoted only where needed, every cell (headings too) [`neutralise`]d.
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        UTF8_BOM.len()
            + rows
                .iter()
                .map(|r| r.iter().map(|c| c.len() + 1).sum::<usize>() + 1)
                .sum::<usize>(),
    );
    out.extend_from_slice(UTF8_BOM);
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(&mut out);
    let mut write = || -> csv::Result<()> {
        for h in headers {
            w.write_field(neutralise(h).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
        for r in rows {
            for c in r {
                w.write_field(neutralise(c).as_bytes())?;
            }
            w.write_record(None::<&[u8]>)?;
        }
        w.flush()?;
        Ok(())
    };
    // Writing into a Vec cannot fail, and a flexible writer accepts records of any length; the
    // branch is kept so a future change that breaks this is seen in the logs.
    if let Err(e) = write() {
        tracing::error!(error = %e, "writing csv into memory");
    }
    drop(w);
    out
}

/// A table as an XLSX workbook: one worksheet named `sheet_name` (cut to Excel's 31 characters,
/// without the characters Excel forbids), the heading row bold, bordered and frozen, an
/// autofilter over the table, column widths fitted to the longest text (at most 60), Times New
/// Roman 12. Every data cell is written as text, in cells formatted as text (`@`), so an ID
/// number's leading zeros stay and so do those typed into the file later; a cell that looks like
/// a formula gets Excel's quote-prefix style rather than an apostrophe, so its text reads back
/// unchanged.
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, SheetError> {
    write_xlsx_inner(sheet_name, headers, rows).map_err(|e| SheetError::Write(e.to_string()))
}

fn write_xlsx_inner(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, XlsxError> {
    const MAX_WIDTH: usize = 60;
    const MIN_WIDTH: usize = 8;
    let font = |f: Format| f.set_font_name("Times New Roman").set_font_size(12);
    let head = font(Format::new())
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let text = font(Format::new()).set_num_format("@");
    let quoted = text.clone().set_quote_prefix();

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    if ws.set_name(sheet_title(sheet_name)).is_err() {
        // A name Excel reserves ("History") or one left empty by the cleaning: the default
        // name is better than no file.
        ws.set_name("Danh sách")?;
    }
    let ncols = rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(headers.len()))
        .max()
        .unwrap_or(0);
    let mut widths = vec![MIN_WIDTH; ncols];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, col_num(c)?, *h, &head)?;
        widths[c] = widths[c].max(text_width(h));
    }
    for (r, cells) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, v) in cells.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let f = if looks_like_formula(v) {
                &quoted
            } else {
                &text
            };
            ws.write_string_with_format(r, col_num(c)?, v, f)?;
            widths[c] = widths[c].max(text_width(v));
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let c = col_num(c)?;
        // Widths are at most 62: exact as f64.
        #[allow(clippy::cast_precision_loss)]
        let w = (*w).min(MAX_WIDTH) as f64 + 2.0;
        ws.set_column_width(c, w)?;
        ws.set_column_format(c, &text)?;
    }
    if ncols > 0 {
        let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, last_row, col_num(ncols - 1)?)?;
    }
    wb.save_to_buffer()
}

/// A worksheet name Excel accepts: without `[ ] : * ? / \`, no apostrophe at either end, at most
/// 31 UTF-16 units.
fn sheet_title(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    let mut out = String::new();
    let mut units = 0;
    for c in cleaned.trim().trim_matches('\'').chars() {
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        out.push(c);
    }
    out.trim_end().trim_end_matches('\'').to_string()
}

/// The width of a cell's text in characters: its longest line.
fn text_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

fn col_num(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// The rows being read, sparse: only non-empty cells are held until the end.
struct Rows<'l> {
    limits: &'l Limits,
    rows: BTreeMap<u32, Vec<(usize, String)>>,
    cells: usize,
}

impl<'l> Rows<'l> {
    fn new(limits: &'l Limits) -> Self {
        Rows {
            limits,
            rows: BTreeMap::new(),
            cells: 0,
        }
    }

    /// Add the cell at `line`, 0-based column `col`, with the text as the file has it.
    fn push(&mut self, line: u32, col: usize, raw: &str) -> Result<(), SheetError> {
        let text = undo_neutralise(raw.trim());
        if text.is_empty() {
            return Ok(());
        }
        let chars = text.chars().count();
        if chars > self.limits.max_cell_chars {
            return Err(SheetError::CellTooLong {
                line,
                column: col.saturating_add(1),
                chars,
                max: self.limits.max_cell_chars,
            });
        }
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(SheetError::TooManyCells { max: MAX_CELLS });
        }
        if !self.rows.contains_key(&line)
            && self.rows.len() >= self.limits.max_rows.saturating_add(HEADER_SEARCH_ROWS)
        {
            return Err(SheetError::TooManyRows {
                max: self.limits.max_rows,
            });
        }
        self.rows
            .entry(line)
            .or_default()
            .push((col, text.to_string()));
        Ok(())
    }

    /// The rows in order, each as wide as its last non-empty cell.
    fn finish(self) -> Result<Vec<RawRow>, SheetError> {
        let mut budget = MAX_CELLS;
        let mut out = Vec::with_capacity(self.rows.len());
        for (line, mut cells) in self.rows {
            cells.sort_by_key(|(c, _)| *c);
            let width = cells.last().map_or(0, |(c, _)| c.saturating_add(1));
            budget = budget
                .checked_sub(width)
                .ok_or(SheetError::TooManyCells { max: MAX_CELLS })?;
            let mut row = vec![String::new(); width];
            // A cell given twice (a malformed file) keeps its last value.
            for (c, v) in cells {
                row[c] = v;
            }
            out.push(RawRow { line, cells: row });
        }
        Ok(out)
    }
}

/// A text cell without the apostrophe [`neutralise`] put in front of it.
fn undo_neutralise(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest,
        _ => s,
    }
}

/// [`read_xlsx`], with a panic in the parser (a crafted cell reference can overflow its
/// arithmetic) turned into an error: an upload must not take the server's worker down.
fn read_xlsx_guarded(bytes: &[u8], limits: &Limits) -> Result<Vec<RawRow>, SheetError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_xlsx(bytes, limits)))
        .unwrap_or_else(|_| {
            tracing::warn!(bytes = bytes.len(), "the xlsx reader panicked on an upload");
            Err(SheetError::Unreadable {
                reason: "xlsx parser failure",
            })
        })
}

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Vec<RawRow>, SheetError> {
    let unreadable = |reason: &'static str| move |_| SheetError::Unreadable { reason };
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(unreadable("not an xlsx workbook"))?;
    let is_1904 = book.has_1904_epoch();
    let sheets = book.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    let name = worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .map(|s| s.name.clone())
        .ok_or(SheetError::Empty)?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(unreadable("worksheet missing or damaged"))?;
    let mut rows = Rows::new(limits);
    while let Some(cell) = cells.next_cell().map_err(unreadable("worksheet damaged"))? {
        let (r, c) = cell.get_position();
        let line = r.saturating_add(1);
        let col = usize::try_from(c).unwrap_or(usize::MAX);
        let text: Cow<'_, str> = match cell.get_value() {
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Cow::Borrowed(s.as_str())
            }
            DataRef::SharedString(s) => Cow::Borrowed(*s),
            DataRef::Int(i) => Cow::Owned(i.to_string()),
            DataRef::Float(f) => Cow::Owned(float_text(*f)),
            DataRef::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
            DataRef::DateTime(dt) => Cow::Owned(datetime_text(dt, is_1904)),
            DataRef::Error(_) => {
                return Err(SheetError::CellError {
                    line,
                    column: col.saturating_add(1),
                });
            }
            DataRef::Empty => continue,
        };
        rows.push(line, col, &text)?;
    }
    rows.finish()
}

/// A number as the user typed it: whole numbers without `.0` (an ID number typed as a number keeps
/// its digits, not `1.2e11`), others in Rust's shortest round-trip form.
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Whole and below 10^15: exact as i64.
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        i.to_string()
    } else {
        format!("{f}")
    }
}

/// An Excel date cell as `dd/mm/yyyy` (`dd/mm/yyyy HH:MM` with a time of day, `HH:MM` for a time
/// alone); a duration as `h:mm:ss`.
fn datetime_text(dt: &ExcelDateTime, is_1904: bool) -> String {
    let v = dt.as_f64();
    if dt.is_duration() {
        if !v.is_finite() {
            return format!("{v}");
        }
        // Durations of a spreadsheet cell are far below i64 seconds.
        #[allow(clippy::cast_possible_truncation)]
        let secs = (v * 86_400.0).round() as i64;
        let sign = if secs < 0 { "-" } else { "" };
        let secs = secs.unsigned_abs();
        return format!(
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }
    if !(0.0..2_958_466.0).contains(&v) {
        return format!("{v}");
    }
    let (y, m, d, h, min, s, _) = dt.to_ymd_hms_milli();
    if v < 1.0 && !is_1904 {
        format!("{h:02}:{min:02}")
    } else if h == 0 && min == 0 && s == 0 {
        format!("{d:02}/{m:02}/{y:04}")
    } else {
        format!("{d:02}/{m:02}/{y:04} {h:02}:{min:02}")
    }
}

/// Whether an OLE file is an encrypted Office document (it holds an `EncryptedPackage` stream,
/// whose directory entry names are UTF-16LE).
fn is_encrypted_ole(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Vec<RawRow>, SheetError> {
    let text = decode_text(bytes)?;
    if text.contains('\0') {
        return Err(SheetError::Unreadable {
            reason: "binary data",
        });
    }
    let start = text.trim_start();
    let cut = start
        .char_indices()
        .nth(512)
        .map_or(start.len(), |(i, _)| i);
    let head = start[..cut].to_ascii_lowercase();
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.starts_with("<?xml")
        || head.starts_with("<table")
        || head.contains("<html")
    {
        return Err(SheetError::HtmlOrXml);
    }
    if head.starts_with("%pdf-") {
        return Err(SheetError::Unreadable { reason: "pdf" });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut rows = Rows::new(limits);
    // Line numbers are counted here: a record's position is where the reader started looking for
    // it, before the blank lines it skipped.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1u32);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => {
                return Err(SheetError::Unreadable {
                    reason: "csv syntax",
                });
            }
        }
        let mut start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(counted_to)
            .clamp(counted_to, bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let newlines = bytes[counted_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        counted_to = start;
        for (c, field) in record.iter().enumerate() {
            rows.push(line, c, field)?;
        }
    }
    rows.finish()
}

/// The text of a CSV file: UTF-8 (its byte-order mark dropped), or UTF-16 with a byte-order mark.
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, SheetError> {
    let utf16 = |le: bool| -> Result<Cow<'_, str>, SheetError> {
        let body = &bytes[2..];
        let units = body.chunks(2).map(|p| match p {
            [a, b] if le => u16::from_le_bytes([*a, *b]),
            [a, b] => u16::from_be_bytes([*a, *b]),
            // An odd byte at the end: not a code unit; decoding turns it into an error below.
            _ => 0xD800,
        });
        let mut out = String::with_capacity(body.len() / 2);
        let mut line: u32 = 1;
        for c in char::decode_utf16(units) {
            match c {
                Ok(c) => {
                    if c == '\n' {
                        line = line.saturating_add(1);
                    }
                    out.push(c);
                }
                Err(_) => return Err(SheetError::NotUtf8 { line }),
            }
        }
        Ok(Cow::Owned(out))
    };
    if bytes.starts_with(b"\xFF\xFE") {
        return utf16(true);
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return utf16(false);
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    std::str::from_utf8(body).map(Cow::Borrowed).map_err(|e| {
        let newlines = body[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        SheetError::NotUtf8 {
            line: u32::try_from(newlines)
                .unwrap_or(u32::MAX)
                .saturating_add(1),
        }
    })
}

/// The delimiter among `,`, `;` and tab occurring most (outside quotes) on the first non-empty
/// line, or on the first of the next lines having any if that line has none (a title above the
/// table); `,` on a tie or when none occurs.
fn sniff_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(HEADER_SEARCH_ROWS)
    {
        let mut counts = [0usize; 3];
        let mut quoted = false;
        for b in line.bytes() {
            if b == b'"' {
                quoted = !quoted;
            } else if !quoted && let Some(i) = CANDIDATES.iter().position(|c| *c == b) {
                counts[i] += 1;
            }
        }
        let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
        if counts[best] > 0 {
            return CANDIDATES[best];
        }
    }
    b','
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn table() -> (Vec<&'static str>, Vec<Vec<String>>) {
        let headers = vec![
            "Họ và tên",
            "Số CCCD",
            "Ghi chú",
            "Điện thoại",
            "Mã",
            "Nơi ở",
        ];
        let rows = [
            [
                "Nguyễn Thị Hồng Nhung",
                "0012345",
                "=1+1",
                "+84 912",
                "-",
                "Xã Hòa Bình",
            ],
            [
                "Đặng Văn Ưng",
                "",
                "@x",
                "",
                "0",
                "Thôn Đắk Lơ, \"Làng\"; xã Ia Grai\nGia Lai",
            ],
            ["Y Bhăm Êban", "079098001234", "", "", "", "Buôn Ma Thuột"],
        ];
        let rows = rows
            .iter()
            .map(|r| r.iter().map(|c| (*c).to_string()).collect())
            .collect();
        (headers, rows)
    }

    /// The rows `read_rows` should give for `table()`: the headings on line 1, then the data.
    fn expected() -> Vec<RawRow> {
        let (headers, rows) = table();
        let mut out = vec![RawRow {
            line: 1,
            cells: headers.iter().map(|h| (*h).to_string()).collect(),
        }];
        for (i, r) in rows.into_iter().enumerate() {
            out.push(RawRow {
                line: u32::try_from(i).unwrap() + 2,
                cells: r,
            });
        }
        out
    }

    fn workbook(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut wb = Workbook::new();
        build(wb.add_worksheet());
        wb.save_to_buffer().unwrap()
    }

    /// Bytes from a fixed-seed generator (xorshift), so a failure can be replayed.
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn an_xlsx_written_by_write_xlsx_reads_back_identically() {
        let (headers, rows) = table();
        let bytes = write_xlsx("Danh sách", &headers, &rows).unwrap();
        assert!(bytes.starts_with(ZIP_MAGIC));
        let back = read_rows(&bytes, &Limits::default()).unwrap();
        assert_eq!(back, expected());
    }

    #[test]
    fn a_csv_written_by_write_csv_reads_back_identically() {
        let (headers, rows) = table();
        let bytes = write_csv(&headers, &rows);
        assert!(bytes.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.contains(",'=1+1,'+84 912,'-,"), "{text}");
        assert!(text.contains(",'@x,"), "{text}");
        assert!(text.contains("\r\n"));
        let back = read_rows(&bytes, &Limits::default()).unwrap();
        // The quoted cell with a line break spans two lines; the next record starts after it.
        let mut want = expected();
        want[3].line = 5;
        assert_eq!(back, want);
    }

    #[test]
    fn the_xlsx_file_marks_formula_looking_cells_with_a_quote_prefix_not_an_apostrophe() {
        let bytes = write_xlsx("T", &["A", "B"], &[vec!["=1+1".into(), "x".into()]]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(&bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(
            range.get_value((1, 0)),
            Some(&calamine::Data::String("=1+1".into()))
        );
    }

    #[test]
    fn a_csv_with_semicolons_and_a_byte_order_mark_is_read() {
        let bytes =
            "\u{feff}Họ và tên;Ngày sinh;Ghi chú\r\nLê Văn Tám;07/03/1998;\"a;b\"\r\n".as_bytes();
        let rows = read_rows(bytes, &Limits::default()).unwrap();
        assert_eq!(
            rows,
            vec![
                RawRow {
                    line: 1,
                    cells: vec!["Họ và tên".into(), "Ngày sinh".into(), "Ghi chú".into()],
                },
                RawRow {
                    line: 2,
                    cells: vec!["Lê Văn Tám".into(), "07/03/1998".into(), "a;b".into()],
                },
            ]
        );
    }

    #[test]
    fn a_tab_separated_utf16_file_as_excel_saves_unicode_text_is_read() {
        let text = "Họ và tên\tSố CCCD\r\nPhạm Thị Ánh\t0012345\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let rows = read_rows(&bytes, &Limits::default()).unwrap();
        assert_eq!(rows[1].cells, vec!["Phạm Thị Ánh", "0012345"]);
    }

    #[test]
    fn a_csv_title_line_without_delimiters_does_not_decide_the_delimiter() {
        let bytes = b"DANH SACH\n\nHo ten;Ngay sinh\nA;01/01/2000\n";
        let rows = read_rows(bytes, &Limits::default()).unwrap();
        assert_eq!(rows[1].cells, vec!["Ho ten", "Ngay sinh"]);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[2].line, 4);
    }

    #[test]
    fn title_rows_above_the_heading_row_are_skipped() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "ĐẢNG BỘ XÃ HÒA BÌNH").unwrap();
            ws.write_string(1, 2, "DANH SÁCH ĐẢNG VIÊN").unwrap();
            ws.write_string(2, 2, "(Kèm theo công văn số 12-CV/ĐU)")
                .unwrap();
            for (c, h) in ["STT", "Họ và tên", "Ngày vào Đảng (dd/mm/yyyy)*"]
                .iter()
                .enumerate()
            {
                ws.write_string(4, u16::try_from(c).unwrap(), *h).unwrap();
            }
            ws.write_number(5, 0, 1).unwrap();
            ws.write_string(5, 1, "Trần Văn An").unwrap();
            ws.write_string(5, 2, "03/02/2010").unwrap();
        });
        let rows = read_rows(&bytes, &Limits::default()).unwrap();
        let known = ["stt", "ho va ten", "ngay vao dang"];
        let sheet = split_header(rows, |h| known.contains(&fold_heading(h).as_str())).unwrap();
        assert_eq!(sheet.header_line, 5);
        assert_eq!(sheet.headers[1], "Họ và tên");
        assert_eq!(
            sheet.rows,
            vec![RawRow {
                line: 6,
                cells: vec!["1".into(), "Trần Văn An".into(), "03/02/2010".into()],
            }]
        );
    }

    #[test]
    fn a_table_without_a_heading_row_is_refused() {
        let rows = read_rows(b"a,b\nc,d\n", &Limits::default()).unwrap();
        assert_eq!(split_header(rows, |h| h == "x"), Err(SheetError::NoHeader));
    }

    #[test]
    fn a_truncated_xlsx_is_an_error_not_a_panic() {
        let (headers, rows) = table();
        let bytes = write_xlsx("Danh sách", &headers, &rows).unwrap();
        for cut in [bytes.len() / 2, bytes.len() - 1, 10, 4] {
            let err = read_rows(&bytes[..cut], &Limits::default()).unwrap_err();
            assert!(
                matches!(err, SheetError::Unreadable { .. }),
                "cut at {cut}: {err:?}"
            );
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for seed in 1..200u64 {
            let len = usize::try_from(seed * 37 % 5000).unwrap() + 1;
            let mut bytes = noise(seed, len);
            assert!(
                read_rows(&bytes, &Limits::default()).is_err(),
                "seed {seed}"
            );
            // The same behind the signatures the reader dispatches on.
            bytes.splice(0..0, ZIP_MAGIC.iter().copied());
            assert!(
                read_rows(&bytes, &Limits::default()).is_err(),
                "zip seed {seed}"
            );
        }
        let (headers, rows) = table();
        let good = write_xlsx("T", &headers, &rows).unwrap();
        for seed in 1..50u64 {
            // A workbook with bytes flipped in its middle.
            let mut bytes = good.clone();
            let at = usize::try_from(seed * 97).unwrap() % bytes.len();
            let end = (at + 64).min(bytes.len());
            bytes[at..end].copy_from_slice(&noise(seed, end - at));
            let _ = read_rows(&bytes, &Limits::default());
        }
    }

    #[test]
    fn an_old_xls_file_and_a_password_protected_one_are_refused_with_what_to_do() {
        let mut xls = OLE_MAGIC.to_vec();
        xls.extend(noise(7, 1000));
        let err = read_rows(&xls, &Limits::default()).unwrap_err();
        assert_eq!(err, SheetError::LegacyXls);
        assert_eq!(
            err.message_vi(),
            "Tệp Excel cũ (.xls) chưa được hỗ trợ; hãy mở bằng Excel và lưu lại thành .xlsx."
        );
        xls.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            read_rows(&xls, &Limits::default()),
            Err(SheetError::Encrypted)
        );
    }

    #[test]
    fn an_html_page_named_xls_is_refused() {
        let page = b"<html><body><table><tr><td>Ho ten</td></tr></table></body></html>";
        assert_eq!(
            read_rows(page, &Limits::default()),
            Err(SheetError::HtmlOrXml)
        );
    }

    #[test]
    fn a_csv_in_a_legacy_code_page_is_refused_naming_the_line() {
        // "Hà" in Windows-1258 on line 2.
        let bytes = b"Ho ten,Que\nH\xe0,x\n";
        let err = read_rows(bytes, &Limits::default()).unwrap_err();
        assert_eq!(err, SheetError::NotUtf8 { line: 2 });
        assert!(err.message_vi().contains("UTF-8"));
    }

    #[test]
    fn empty_files_and_files_of_empty_cells_are_empty() {
        assert_eq!(read_rows(b"", &Limits::default()), Err(SheetError::Empty));
        assert_eq!(
            read_rows(b",,\n , \n\r\n", &Limits::default()),
            Err(SheetError::Empty)
        );
        let bytes = workbook(|ws| {
            ws.write_string(3, 3, "   ").unwrap();
        });
        assert_eq!(
            read_rows(&bytes, &Limits::default()),
            Err(SheetError::Empty)
        );
    }

    #[test]
    fn a_hundred_thousand_character_cell_is_too_long_naming_its_line_and_column() {
        let mut csv = String::from("Họ và tên,Ghi chú\r\nA,b\r\nC,");
        csv.push_str(&"x".repeat(100_000));
        csv.push_str("\r\n");
        let err = read_rows(csv.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(
            err,
            SheetError::CellTooLong {
                line: 3,
                column: 2,
                chars: 100_000,
                max: 2_000
            }
        );
        assert_eq!(
            err.message_vi(),
            "Dòng 3, cột 2: ô dài 100.000 ký tự, vượt giới hạn 2.000 ký tự."
        );
        assert!(!err.to_string().contains("xxx"));
    }

    #[test]
    fn a_long_cell_in_an_xlsx_is_too_long_naming_its_excel_row_and_column() {
        // Excel cells hold at most 32.767 characters.
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "a").unwrap();
            ws.write_string(6, 3, "ệ".repeat(30_000)).unwrap();
        });
        assert_eq!(
            read_rows(&bytes, &Limits::default()),
            Err(SheetError::CellTooLong {
                line: 7,
                column: 4,
                chars: 30_000,
                max: 2_000
            })
        );
    }

    #[test]
    fn limits_on_bytes_and_rows_are_enforced() {
        let limits = Limits {
            max_bytes: 100,
            max_rows: 3,
            max_cell_chars: 10,
        };
        assert_eq!(
            read_rows(&[b'a'; 101], &limits),
            Err(SheetError::TooLarge { max_bytes: 100 })
        );
        let many: String = (0..40).map(|i| format!("{i}\n")).collect();
        let limits = Limits {
            max_bytes: 1000,
            ..limits
        };
        assert_eq!(
            read_rows(many.as_bytes(), &limits),
            Err(SheetError::TooManyRows { max: 3 })
        );
        let enough: String = (0..33).map(|i| format!("{i}\n")).collect();
        assert_eq!(read_rows(enough.as_bytes(), &limits).unwrap().len(), 33);
    }

    #[test]
    fn a_cell_far_to_the_right_costs_no_more_than_its_row() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "a").unwrap();
            ws.write_string(0, 16_383, "b").unwrap();
        });
        let rows = read_rows(&bytes, &Limits::default()).unwrap();
        assert_eq!(rows[0].cells.len(), 16_384);
        assert_eq!(rows[0].cells[16_383], "b");
    }

    #[test]
    fn numbers_dates_and_booleans_in_an_xlsx_read_as_the_user_sees_them() {
        let bytes = workbook(|ws| {
            let d = Format::new().set_num_format("dd/mm/yyyy");
            let dt = Format::new().set_num_format("dd/mm/yyyy hh:mm");
            ws.write_number(0, 0, 79_098_001_234.0).unwrap();
            ws.write_number(0, 1, 1.5).unwrap();
            ws.write_number(0, 2, -3.0).unwrap();
            ws.write_number_with_format(0, 3, 35_861.0, &d).unwrap();
            ws.write_number_with_format(0, 4, 35_861.5, &dt).unwrap();
            ws.write_boolean(0, 5, true).unwrap();
            ws.write_string(0, 6, "'=SUM(A1)").unwrap();
            ws.write_string(0, 7, "'quoted").unwrap();
        });
        let rows = read_rows(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            rows[0].cells,
            vec![
                "79098001234",
                "1.5",
                "-3",
                "07/03/1998",
                "07/03/1998 12:00",
                "TRUE",
                "=SUM(A1)",
                "'quoted"
            ]
        );
    }

    #[test]
    fn the_first_visible_worksheet_is_read() {
        let mut wb = Workbook::new();
        wb.add_worksheet()
            .set_name("Ẩn")
            .unwrap()
            .write_string(0, 0, "hidden")
            .unwrap()
            .set_hidden(true);
        // Excel shows the active sheet, which cannot be the hidden one.
        wb.add_worksheet()
            .write_string(0, 0, "shown")
            .unwrap()
            .set_active(true);
        wb.add_worksheet().write_string(0, 0, "third").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let rows = read_rows(&bytes, &Limits::default()).unwrap();
        assert_eq!(rows[0].cells, vec!["shown"]);
    }

    #[test]
    fn sheet_names_are_made_acceptable_to_excel() {
        assert_eq!(
            sheet_title("Danh sách: [2026]/Quý I?*"),
            "Danh sách 2026Quý I"
        );
        assert_eq!(sheet_title("'abc'"), "abc");
        assert_eq!(sheet_title(&"Đ".repeat(40)).chars().count(), 31);
        for name in ["", "History", "[]", &"ư".repeat(40)] {
            assert!(write_xlsx(name, &["a"], &[]).is_ok(), "{name}");
        }
    }

    #[test]
    fn dates_are_read_as_offices_type_them() {
        let d = Some(date(1998, 3, 7));
        for s in [
            "07/03/1998",
            "7/3/1998",
            "07-03-1998",
            "7.3.1998",
            "07031998",
            "1998-03-07",
            "1998-3-7",
            " 35861 ",
        ] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("1"), Some(date(1900, 1, 1)));
        assert_eq!(parse_date("59"), Some(date(1900, 2, 28)));
        assert_eq!(parse_date("61"), Some(date(1900, 3, 1)));
        assert_eq!(parse_date("2958465"), Some(date(9999, 12, 31)));
        for s in [
            "60",
            "0",
            "2958466",
            "abc",
            "",
            "31/02/2026",
            "32011998",
            "19980307x",
            "1998-03",
            "98-03-07",
            "123456789",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn dates_are_written_day_first() {
        assert_eq!(format_date(date(1998, 3, 7)), "07/03/1998");
    }

    #[test]
    fn headings_fold_without_diacritics_hints_or_punctuation() {
        assert_eq!(
            fold_heading("Ngày vào Đảng (dd/mm/yyyy)*"),
            fold_heading("ngay vao dang")
        );
        assert_eq!(fold_heading("Ngày vào Đảng (dd/mm/yyyy)*"), "ngay vao dang");
        assert_eq!(fold_heading("Số CCCD/CMND:"), "so cccd cmnd");
        assert_eq!(fold_heading("  Họ và\ntên  "), "ho va ten");
        assert_eq!(fold_heading("Nơi ở (ghi rõ (thôn) xã)-"), "noi o");
    }

    #[test]
    fn formula_looking_cells_are_neutralised_and_others_left_alone() {
        for s in ["=1+1", "+84 912", "-", "-5", "@x", "\tx", "\rx"] {
            assert_eq!(neutralise(s), format!("'{s}"), "{s:?}");
            assert_eq!(undo_neutralise(&neutralise(s)), s);
        }
        for s in ["", "Nguyễn", "0012345", "a=b", "'quoted", " =x"] {
            assert!(matches!(neutralise(s), Cow::Borrowed(b) if b == s), "{s:?}");
        }
    }

    #[test]
    fn messages_do_not_carry_cell_contents_and_vietnamese_ones_name_the_limit() {
        assert_eq!(
            SheetError::TooLarge {
                max_bytes: 50 * 1024 * 1024
            }
            .message_vi(),
            "Tệp lớn hơn giới hạn 50 MB; hãy chia thành nhiều tệp nhỏ hơn."
        );
        assert!(
            SheetError::TooManyRows { max: 200_000 }
                .message_vi()
                .contains("200.000")
        );
    }
}
