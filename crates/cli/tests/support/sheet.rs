//! Writing the test and benchmark files: shared by `tests/golive.rs` and `benches/import_roster.rs`.

use std::path::Path;

use rust_xlsxwriter::Workbook;

/// Write a workbook whose first row is the headings; every cell is text, blanks left empty.
pub fn xlsx<R: AsRef<[String]>>(path: &Path, headers: &[&str], rows: impl IntoIterator<Item = R>) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.into_iter().enumerate() {
        for (c, v) in row.as_ref().iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}
