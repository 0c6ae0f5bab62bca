//! How long free text may be, in one place (issue 18): every write path that stores text a user
//! typed checks it here, so a 100,000-character name never reaches a page, a file or a report.
//! Lengths are in characters (Vietnamese letters with their marks count as one).

/// A limit on one kind of text, with its Vietnamese label for the refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// What the field is called on the page.
    pub label_vi: &'static str,
    /// The most characters.
    pub max: usize,
}

impl Limit {
    /// `Ok` when `value` fits; else the Vietnamese reason.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let n = value.chars().count();
        if n > self.max {
            Err(format!(
                "«{}» dài quá {} ký tự (đang có {n}).",
                self.label_vi, self.max
            ))
        } else {
            Ok(())
        }
    }
}

/// An organisation's name ("Đảng ủy xã Hòa Lâm").
pub const ORG_NAME: Limit = Limit {
    label_vi: "Tên tổ chức",
    max: 200,
};
/// An organisation's code.
pub const ORG_CODE: Limit = Limit {
    label_vi: "Mã tổ chức",
    max: 60,
};
/// A mentor's monthly note.
pub const MENTOR_NOTE: Limit = Limit {
    label_vi: "Nội dung nhận xét",
    max: 5_000,
};
/// A class's number, place, lecturers or issuer.
pub const CLASS_TEXT: Limit = Limit {
    label_vi: "Thông tin lớp",
    max: 300,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fits_up_to_its_limit_counted_in_characters() {
        let name = "Đ".repeat(ORG_NAME.max);
        assert!(ORG_NAME.check(&name).is_ok(), "200 letters with marks fit");
        let e = ORG_NAME.check(&format!("{name}x")).unwrap_err();
        assert!(e.contains("Tên tổ chức") && e.contains("200"), "{e}");
    }
}
