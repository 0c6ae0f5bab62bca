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

/// A person's full name.
pub const PERSON_NAME: Limit = Limit {
    label_vi: "Họ và tên",
    max: 100,
};
/// A login name.
pub const USERNAME: Limit = Limit {
    label_vi: "Tên đăng nhập",
    max: 60,
};
/// A password (a longer one would only make hashing it a way to tie up the server).
pub const PASSWORD: Limit = Limit {
    label_vi: "Mật khẩu",
    max: 200,
};
/// One part of a report's words (results, shortcomings, tasks).
pub const REPORT_SECTION: Limit = Limit {
    label_vi: "Phần lời báo cáo",
    max: 20_000,
};
/// The recipients of a report, one a line.
pub const RECIPIENTS: Limit = Limit {
    label_vi: "Nơi nhận",
    max: 2_000,
};
/// Any other field a form, a query string or an API body carries (a number and symbol, a place,
/// a reason, a date, a code…).
pub const FIELD: Limit = Limit {
    label_vi: "Nội dung một trường",
    max: 1_000,
};

/// The limit of a field posted under `name` (a form field, a query parameter, an API body's
/// property): the one table the pages' and the API's extractors check every value against before
/// anything reads it. Fields without a row here get [`FIELD`]; write paths may check tighter
/// limits of their own (an organisation's code, a class's text).
pub fn of_field(name: &str) -> Limit {
    match name {
        "full_name" => PERSON_NAME,
        "name" | "root_name" => ORG_NAME,
        "code" | "root_code" => ORG_CODE,
        "content" => MENTOR_NOTE,
        "username" => USERNAME,
        "password" | "password_confirm" => PASSWORD,
        "results" | "shortcomings" | "tasks" => REPORT_SECTION,
        "recipients" => RECIPIENTS,
        "place" | "lecturers" | "issuer" => CLASS_TEXT,
        _ => FIELD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_limit_and_the_named_ones_their_own() {
        assert_eq!(of_field("full_name"), PERSON_NAME);
        assert_eq!(of_field("content"), MENTOR_NOTE);
        assert_eq!(of_field("results"), REPORT_SECTION);
        assert_eq!(of_field("anything_else"), FIELD);
        assert!(of_field("password").check(&"x".repeat(201)).is_err());
    }

    #[test]
    fn text_fits_up_to_its_limit_counted_in_characters() {
        let name = "Đ".repeat(ORG_NAME.max);
        assert!(ORG_NAME.check(&name).is_ok(), "200 letters with marks fit");
        let e = ORG_NAME.check(&format!("{name}x")).unwrap_err();
        assert!(e.contains("Tên tổ chức") && e.contains("200"), "{e}");
    }
}
