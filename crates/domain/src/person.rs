//! A person's profile as the party forms hold it, parsed once at the edge into newtypes.
//!
//! Every field of a form has a type here with a `parse(&str)` that either returns a value that is
//! valid from then on or a [`PersonError`] whose [`PersonError::message_vi`] tells the user what
//! to fix. Nothing past the edge holds a raw `String`: a [`Person`] is made of these values only.
//!
//! Reference lists (ethnic groups, religions, levels, source categories) follow
//! `shared/domain/reference-data.md`; the 54 ethnic groups are data (`data/ethnicities.toml`).
//! Enum parsers accept the spellings seen in documents: text is folded with [`crate::text::fold`]
//! (marks dropped, `đ` → `d`, lowercase), and spaces, hyphens, apostrophes and brackets are
//! ignored, so "Ê Đê", "Ê-đê", "ê đê" and "EDE" are the same group.
//!
//! **Sensitive data.** Religion, ethnicity and the citizen ID number are sensitive personal data
//! (Decree 13/2023/NĐ-CP). [`IdNumber`] shows only its last four digits in `Display` and `Debug`
//! ([`IdNumber::reveal`] gives the full number), the `Debug` of a [`Person`] redacts all three,
//! and [`PublicView`] is the profile without them for roles that see aggregates only. Errors never
//! carry the rejected value, so they can be logged.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use icu_normalizer::ComposingNormalizerBorrowed;
use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};

use crate::{dates, text};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a value of a person's profile was rejected.
///
/// `Display` is English for logs; [`PersonError::message_vi`] is the Vietnamese message for the
/// user; [`PersonError::field`] names the form field. None of them includes the rejected value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    /// The full name is blank.
    #[error("full name is empty")]
    NameEmpty,
    /// The full name has fewer than [`FullName::MIN_CHARS`] characters.
    #[error("full name is shorter than 2 characters")]
    NameTooShort,
    /// The full name has more than [`FullName::MAX_CHARS`] characters.
    #[error("full name is longer than 100 characters")]
    NameTooLong,
    /// The full name has a character other than letters, spaces, apostrophes and hyphens.
    #[error("full name contains a character that is not allowed")]
    NameInvalidCharacter,
    /// The full name has no letter.
    #[error("full name contains no letter")]
    NameWithoutLetter,
    /// An apostrophe or hyphen does not stand between letters.
    #[error("full name has an apostrophe or hyphen that is not between letters")]
    NameMisplacedPunctuation,
    /// The birth date is not a dd/mm/yyyy date.
    #[error("birth date is not a valid dd/mm/yyyy date")]
    BirthDateFormat,
    /// The birth date is after today.
    #[error("birth date is in the future")]
    BirthDateInFuture,
    /// The birth date is before 01/01/1900.
    #[error("birth date is before 1900")]
    BirthDateTooEarly,
    /// The gender is neither Nam nor Nữ.
    #[error("unknown gender")]
    UnknownGender,
    /// The ethnic group is not one of the 54 (by name, known alias or code).
    #[error("unknown ethnic group")]
    UnknownEthnicity,
    /// The religion is not in the list.
    #[error("unknown religion")]
    UnknownReligion,
    /// The general education is not written `grade/system`.
    #[error("general education is not written grade/system")]
    EducationFormat,
    /// The school system is neither the 10-year nor the 12-year one.
    #[error("school system is neither 10 nor 12 years")]
    EducationSystem,
    /// The grade is higher than the system's last grade.
    #[error("grade is higher than the school system allows")]
    EducationGrade,
    /// The professional qualification is not in the list.
    #[error("unknown professional qualification")]
    UnknownQualification,
    /// The political-theory level is not in the list.
    #[error("unknown political theory level")]
    UnknownTheoryLevel,
    /// The source category is not in the list.
    #[error("unknown source category")]
    UnknownSourceCategory,
    /// The citizen ID number does not have exactly 12 digits.
    #[error("citizen ID number is not 12 digits")]
    IdNumberFormat,
    /// The first three digits of the citizen ID number are not a province code.
    #[error("citizen ID number has an unknown province code")]
    IdNumberProvince,
    /// The fourth digit (century and gender) cannot belong to someone born 1900–2099.
    #[error("citizen ID number has an invalid century/gender digit")]
    IdNumberCenturyDigit,
    /// The residential unit reference is empty, too long or has characters not allowed.
    #[error("residential unit reference is invalid")]
    UnitRefInvalid,
}

impl PersonError {
    /// The message for the user, in Vietnamese.
    pub fn message_vi(self) -> &'static str {
        use PersonError::*;
        match self {
            NameEmpty => "Họ và tên không được để trống.",
            NameTooShort => "Họ và tên phải có ít nhất 2 ký tự.",
            NameTooLong => "Họ và tên không được dài quá 100 ký tự.",
            NameInvalidCharacter => {
                "Họ và tên chỉ được gồm chữ cái, dấu cách, dấu nháy (') và dấu gạch nối (-)."
            }
            NameWithoutLetter => "Họ và tên phải có chữ cái.",
            NameMisplacedPunctuation => {
                "Dấu nháy (') và dấu gạch nối (-) trong họ và tên chỉ được đứng giữa hai chữ cái."
            }
            BirthDateFormat => {
                "Ngày sinh phải là một ngày có thật, viết theo dạng ngày/tháng/năm, ví dụ 05/03/2004."
            }
            BirthDateInFuture => "Ngày sinh không được sau ngày hôm nay.",
            BirthDateTooEarly => "Ngày sinh không được trước năm 1900.",
            UnknownGender => "Giới tính phải là Nam hoặc Nữ.",
            UnknownEthnicity => {
                "Không nhận ra dân tộc; hãy chọn một trong 54 dân tộc theo danh mục các dân tộc Việt Nam."
            }
            UnknownReligion => {
                "Không nhận ra tôn giáo; hãy chọn trong danh sách, hoặc chọn “Khác”."
            }
            EducationFormat => {
                "Trình độ giáo dục phổ thông phải viết dạng lớp/hệ, ví dụ 9/12, 12/12 hoặc 7/10."
            }
            EducationSystem => "Hệ giáo dục phổ thông chỉ có thể là hệ 10 năm hoặc hệ 12 năm.",
            EducationGrade => "Lớp không được lớn hơn số năm của hệ giáo dục (ví dụ 9/12, 7/10).",
            UnknownQualification => {
                "Không nhận ra trình độ chuyên môn; hãy chọn: Không, Sơ cấp, Trung cấp, Cao đẳng, \
                 Đại học, Thạc sĩ, Tiến sĩ hoặc Tiến sĩ khoa học."
            }
            UnknownTheoryLevel => {
                "Không nhận ra trình độ lý luận chính trị; hãy chọn: Không, Sơ cấp, Trung cấp, \
                 Cao cấp hoặc Cử nhân."
            }
            UnknownSourceCategory => {
                "Không nhận ra nhóm đối tượng nguồn; hãy chọn trong danh sách, hoặc chọn “Khác”."
            }
            IdNumberFormat => "Số căn cước công dân phải gồm đúng 12 chữ số.",
            IdNumberProvince => {
                "Ba chữ số đầu của số căn cước công dân không phải mã tỉnh, thành phố nơi đăng ký khai sinh."
            }
            IdNumberCenturyDigit => {
                "Chữ số thứ tư của số căn cước công dân (mã thế kỷ và giới tính) không hợp lệ."
            }
            UnitRefInvalid => "Mã thôn, tổ dân phố không hợp lệ.",
        }
    }

    /// The form field the error belongs to (the field names of [`PersonForm`]).
    pub fn field(self) -> &'static str {
        use PersonError::*;
        match self {
            NameEmpty
            | NameTooShort
            | NameTooLong
            | NameInvalidCharacter
            | NameWithoutLetter
            | NameMisplacedPunctuation => "full_name",
            BirthDateFormat | BirthDateInFuture | BirthDateTooEarly => "birth_date",
            UnknownGender => "gender",
            UnknownEthnicity => "ethnicity",
            UnknownReligion => "religion",
            EducationFormat | EducationSystem | EducationGrade => "education",
            UnknownQualification => "qualification",
            UnknownTheoryLevel => "theory_level",
            UnknownSourceCategory => "source_category",
            IdNumberFormat | IdNumberProvince | IdNumberCenturyDigit => "id_number",
            UnitRefInvalid => "residential_unit",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Matching spellings
// ---------------------------------------------------------------------------------------------

/// The matching key of a spelling: folded, then letters and digits only ("Ê-đê" → "ede",
/// "H'Mông" → "hmong", "Phật giáo Hoà Hảo" → "phatgiaohoahao").
fn key(s: &str) -> String {
    text::fold(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// An index from matching keys to values: every value's label and code, then the aliases.
fn build_index<T: Copy>(
    all: &[T],
    label: fn(T) -> &'static str,
    code: fn(T) -> &'static str,
    aliases: &[(T, &[&str])],
) -> HashMap<String, T> {
    let mut index = HashMap::new();
    for &v in all {
        index.insert(key(label(v)), v);
        index.insert(key(code(v)), v);
    }
    for (v, spellings) in aliases {
        for s in *spellings {
            index.insert(key(s), *v);
        }
    }
    index
}

/// `impl Display` as the Vietnamese label.
macro_rules! labelled_enum {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Full name
// ---------------------------------------------------------------------------------------------

/// NFC from compiled data: names are stored precomposed whatever the keyboard produced.
const NFC: ComposingNormalizerBorrowed<'static> = ComposingNormalizerBorrowed::new_nfc();

/// A full name (họ và tên) as written on the forms: "Nguyễn Thị Minh Khai", "Ksor H'Ben".
///
/// Parsing normalises to NFC, trims, collapses runs of whitespace to one space and maps typographic
/// apostrophes (`’`, `ʼ`, `‘`) to `'` and Unicode hyphens to `-`. The result has 2–100 characters:
/// Latin letters (all Vietnamese letters, and letters such as `ĕ`, `ŏ` of ethnic-minority
/// orthographies), spaces, and apostrophes and hyphens between letters. One word is allowed (some
/// ethnic-minority names have one). Letter case is kept as typed.
///
/// `Ord` compares the stored text byte by byte (for maps and sets); to list names the Vietnamese
/// way, sort by [`FullName::sort_key`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FullName(String);

impl FullName {
    /// Fewest characters.
    pub const MIN_CHARS: usize = 2;
    /// Most characters.
    pub const MAX_CHARS: usize = 100;

    /// Parse a full name typed in a form.
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        // Generous bound before any work: a valid name is at most 100 characters of ≤ 4 bytes,
        // plus some stray whitespace.
        if s.len() > 1024 {
            return Err(PersonError::NameTooLong);
        }
        let nfc = NFC.normalize(s);
        let mut name = String::with_capacity(nfc.len());
        for word in nfc.split_whitespace() {
            if !name.is_empty() {
                name.push(' ');
            }
            name.extend(word.chars().map(|c| match c {
                '\u{2019}' | '\u{02BC}' | '\u{2018}' => '\'',
                '\u{2010}' | '\u{2011}' => '-',
                other => other,
            }));
        }
        if name.is_empty() {
            return Err(PersonError::NameEmpty);
        }
        if !name
            .chars()
            .all(|c| c == ' ' || c == '\'' || c == '-' || is_name_letter(c) || is_mark(c))
        {
            return Err(PersonError::NameInvalidCharacter);
        }
        if !name.chars().any(is_name_letter) {
            return Err(PersonError::NameWithoutLetter);
        }
        for word in name.split(' ') {
            let starts_with_letter = word.chars().next().is_some_and(is_name_letter);
            let ends_well = word
                .chars()
                .next_back()
                .is_some_and(|c| is_name_letter(c) || is_mark(c));
            let doubled = word
                .chars()
                .zip(word.chars().skip(1))
                .any(|(a, b)| matches!(a, '\'' | '-') && matches!(b, '\'' | '-'));
            if !starts_with_letter || !ends_well || doubled {
                return Err(PersonError::NameMisplacedPunctuation);
            }
        }
        let n = name.chars().count();
        if n < Self::MIN_CHARS {
            return Err(PersonError::NameTooShort);
        }
        if n > Self::MAX_CHARS {
            return Err(PersonError::NameTooLong);
        }
        Ok(FullName(name))
    }

    /// The name as stored (NFC, single spaces).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The family name (họ): the first word; `None` for a one-word name.
    pub fn family(&self) -> Option<&str> {
        Some(text::split_name(&self.0).0).filter(|s| !s.is_empty())
    }

    /// The middle names (tên đệm): the words between the first and the last; `None` when there
    /// are fewer than three words.
    pub fn middle(&self) -> Option<&str> {
        Some(text::split_name(&self.0).1).filter(|s| !s.is_empty())
    }

    /// The given name (tên): the last word (the whole name when it has one word).
    pub fn given(&self) -> &str {
        text::split_name(&self.0).2
    }

    /// The key that sorts names the Vietnamese way under byte order ([`text::name_sort_key`]).
    pub fn sort_key(&self) -> String {
        text::name_sort_key(&self.0)
    }

    /// The folded name for search ([`text::fold`]).
    pub fn search_text(&self) -> String {
        text::fold(&self.0)
    }
}

/// A Latin letter (ASCII, Latin-1, Latin Extended-A/B, Latin Extended Additional, where the
/// precomposed Vietnamese letters live).
fn is_name_letter(c: char) -> bool {
    c.is_alphabetic() && (c <= '\u{024F}' || ('\u{1E00}'..='\u{1EFF}').contains(&c))
}

/// A combining diacritic left after NFC (a letter with a mark that has no precomposed form).
fn is_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

impl fmt::Display for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FullName({:?})", self.0)
    }
}

impl AsRef<str> for FullName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FullName {
    type Error = PersonError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        FullName::parse(&s)
    }
}

impl From<FullName> for String {
    fn from(n: FullName) -> String {
        n.0
    }
}

// ---------------------------------------------------------------------------------------------
// Birth date
// ---------------------------------------------------------------------------------------------

/// A birth date: a civil date from 01/01/1900, not after the `today` it was parsed against.
///
/// Ages are counted in full months by [`dates::full_months`] (Bộ luật Dân sự 2015, Điều 147–148),
/// so someone born on 29/02/2008 has 18 full years on 28/02/2026.
///
/// Deserialising checks the 1900 bound only (there is no `today` there); values come from storage
/// that was written through [`BirthDate::parse`] or [`BirthDate::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Date", into = "Date")]
pub struct BirthDate(Date);

impl BirthDate {
    /// The earliest birth date accepted.
    pub const EARLIEST: Date = date(1900, 1, 1);

    /// Parse `dd/mm/yyyy` (also `d/m/yyyy`, `-` or `.` separators), not after `today`.
    pub fn parse(s: &str, today: Date) -> Result<Self, PersonError> {
        let d = dates::parse_vn(s).ok_or(PersonError::BirthDateFormat)?;
        BirthDate::new(d, today)
    }

    /// Check a date already parsed.
    pub fn new(d: Date, today: Date) -> Result<Self, PersonError> {
        if d < Self::EARLIEST {
            Err(PersonError::BirthDateTooEarly)
        } else if d > today {
            Err(PersonError::BirthDateInFuture)
        } else {
            Ok(BirthDate(d))
        }
    }

    /// The date.
    pub fn date(self) -> Date {
        self.0
    }

    /// Full months of age on `on` (0 before the birth date).
    pub fn age_in_full_months(self, on: Date) -> u32 {
        dates::full_months(self.0, on)
    }

    /// Full years of age on `on`: full months ÷ 12, rounded down.
    pub fn age_in_full_years(self, on: Date) -> u32 {
        self.age_in_full_months(on) / 12
    }
}

impl fmt::Display for BirthDate {
    /// `dd/mm/yyyy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&dates::format_vn(self.0))
    }
}

impl TryFrom<Date> for BirthDate {
    type Error = PersonError;
    fn try_from(d: Date) -> Result<Self, Self::Error> {
        if d < Self::EARLIEST {
            Err(PersonError::BirthDateTooEarly)
        } else {
            Ok(BirthDate(d))
        }
    }
}

impl From<BirthDate> for Date {
    fn from(b: BirthDate) -> Date {
        b.0
    }
}

// ---------------------------------------------------------------------------------------------
// Gender
// ---------------------------------------------------------------------------------------------

/// Gender as the forms record it (giới tính).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Gender {
    /// Both, in form order.
    pub const ALL: [Gender; 2] = [Gender::Male, Gender::Female];

    /// Parse "Nam" / "Nữ" (any case, with or without marks; also "nam giới", "nữ giới", and the
    /// codes `male` / `female`).
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        match key(s).as_str() {
            "nam" | "namgioi" | "male" => Ok(Gender::Male),
            "nu" | "nugioi" | "female" => Ok(Gender::Female),
            _ => Err(PersonError::UnknownGender),
        }
    }

    /// "Nam" or "Nữ".
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "Nam",
            Gender::Female => "Nữ",
        }
    }

    /// Stable code: `male`, `female`.
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}
labelled_enum!(Gender);

// ---------------------------------------------------------------------------------------------
// Ethnicity
// ---------------------------------------------------------------------------------------------

/// The 54 ethnic groups, embedded from `data/ethnicities.toml`.
const ETHNICITIES_TOML: &str = include_str!("../data/ethnicities.toml");

#[derive(Deserialize)]
struct EthnicityFile {
    ethnicity: Vec<EthnicGroup>,
}

#[derive(Deserialize)]
struct EthnicGroup {
    code: u8,
    name: String,
    aliases: Vec<String>,
}

/// The groups in code order. The file is compiled in and checked by the tests (54 groups, codes
/// 01–54 in order, no alias shared by two groups); should it ever fail to parse, the table is
/// empty and every lookup fails visibly rather than the program stopping.
static ETHNIC_GROUPS: LazyLock<Vec<EthnicGroup>> = LazyLock::new(|| {
    toml::from_str::<EthnicityFile>(ETHNICITIES_TOML)
        .map(|f| f.ethnicity)
        .unwrap_or_default()
});

static ETHNICITY_INDEX: LazyLock<HashMap<String, Ethnicity>> = LazyLock::new(|| {
    let mut index = HashMap::new();
    for g in ETHNIC_GROUPS.iter() {
        index.insert(ethnicity_key(&g.name), Ethnicity(g.code));
        for a in &g.aliases {
            index.insert(ethnicity_key(a), Ethnicity(g.code));
        }
    }
    index
});

/// The matching key of an ethnic group's name, without a leading "dân tộc" or "người".
fn ethnicity_key(s: &str) -> String {
    let k = key(s);
    for prefix in ["dantoc", "nguoi"] {
        if let Some(rest) = k.strip_prefix(prefix).filter(|r| !r.is_empty()) {
            return rest.to_string();
        }
    }
    k
}

/// One of the 54 ethnic groups of Vietnam (dân tộc), by its official code 01–54.
///
/// Serialised as the two-digit code (`"08"`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ethnicity(u8);

impl Ethnicity {
    /// 01 Kinh.
    pub const KINH: Ethnicity = Ethnicity(1);
    /// 04 Hoa (candidates follow extra rules: Thông tri 06-TT/TW, HD 42-HD/BTCTW).
    pub const HOA: Ethnicity = Ethnicity(4);
    /// The number of groups.
    pub const COUNT: u8 = 54;

    /// Parse a name in any common spelling ("H'Mông", "Mông", "Hmong", "Khmer", "Ê Đê", "Bahnar",
    /// "Dân tộc Tày", "Người Hoa"), or a code ("8", "08").
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        let t = s.trim();
        if !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()) {
            return t
                .parse::<u8>()
                .ok()
                .and_then(Ethnicity::from_code)
                .ok_or(PersonError::UnknownEthnicity);
        }
        ETHNICITY_INDEX
            .get(&ethnicity_key(t))
            .copied()
            .ok_or(PersonError::UnknownEthnicity)
    }

    /// The group with this code, if it is one of 1–54.
    pub fn from_code(code: u8) -> Option<Self> {
        let i = usize::from(code).checked_sub(1)?;
        ETHNIC_GROUPS
            .get(i)
            .filter(|g| g.code == code)
            .map(|_| Ethnicity(code))
    }

    /// The official code, 1–54 (written with two digits: `{:02}`).
    pub fn code(self) -> u8 {
        self.0
    }

    /// The name ketnap shows ("HMông", "Ê-đê").
    pub fn name(self) -> &'static str {
        usize::from(self.0)
            .checked_sub(1)
            .and_then(|i| ETHNIC_GROUPS.get(i))
            .map_or("(không rõ)", |g| g.name.as_str())
    }

    /// Whether the group is an ethnic minority (dân tộc thiểu số): any group but 01 Kinh.
    pub fn is_minority(self) -> bool {
        self != Ethnicity::KINH
    }

    /// Whether the group is 04 Hoa.
    pub fn is_hoa(self) -> bool {
        self == Ethnicity::HOA
    }

    /// All 54 groups in code order.
    pub fn all() -> impl ExactSizeIterator<Item = Ethnicity> {
        ETHNIC_GROUPS.iter().map(|g| Ethnicity(g.code))
    }
}

impl fmt::Display for Ethnicity {
    /// The name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Ethnicity {
    /// The code only: a debug print of a record is no place for a sensitive value in clear.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ethnicity({:02})", self.0)
    }
}

impl TryFrom<String> for Ethnicity {
    type Error = PersonError;
    /// Only a code (`"08"`), as stored.
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.trim()
            .parse::<u8>()
            .ok()
            .and_then(Ethnicity::from_code)
            .ok_or(PersonError::UnknownEthnicity)
    }
}

impl From<Ethnicity> for String {
    fn from(e: Ethnicity) -> String {
        format!("{:02}", e.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Religion
// ---------------------------------------------------------------------------------------------

/// Religion for statistics (tôn giáo), in the order of `reference-data.md`.
///
/// The State recognises more religious organisations than these; anything else is
/// [`Religion::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Religion {
    /// Không: no religion.
    None,
    /// Phật giáo.
    Buddhism,
    /// Công giáo (also written "Thiên Chúa giáo").
    Catholicism,
    /// Tin Lành.
    Protestantism,
    /// Cao Đài.
    CaoDai,
    /// Phật giáo Hòa Hảo.
    HoaHao,
    /// Hồi giáo.
    Islam,
    /// Bà-la-môn.
    Brahmanism,
    /// Baha'i.
    Bahai,
    /// Tịnh độ Cư sĩ Phật hội Việt Nam.
    TinhDoCuSi,
    /// Bửu Sơn Kỳ Hương.
    BuuSonKyHuong,
    /// Tứ Ân Hiếu Nghĩa.
    TuAnHieuNghia,
    /// Minh Sư đạo.
    MinhSuDao,
    /// Minh Lý đạo – Tam Tông Miếu.
    MinhLyDao,
    /// Cơ đốc Phục lâm.
    SeventhDayAdventist,
    /// Các Thánh hữu Ngày sau.
    LatterDaySaints,
    /// Khác: a religion not in the list.
    Other,
}

impl Religion {
    /// All, in list order.
    pub const ALL: [Religion; 17] = [
        Religion::None,
        Religion::Buddhism,
        Religion::Catholicism,
        Religion::Protestantism,
        Religion::CaoDai,
        Religion::HoaHao,
        Religion::Islam,
        Religion::Brahmanism,
        Religion::Bahai,
        Religion::TinhDoCuSi,
        Religion::BuuSonKyHuong,
        Religion::TuAnHieuNghia,
        Religion::MinhSuDao,
        Religion::MinhLyDao,
        Religion::SeventhDayAdventist,
        Religion::LatterDaySaints,
        Religion::Other,
    ];

    const ALIASES: &[(Religion, &[&str])] = &[
        (
            Religion::None,
            &[
                "Không có",
                "Không tôn giáo",
                "Không theo tôn giáo",
                "Không theo tôn giáo nào",
            ],
        ),
        (Religion::Buddhism, &["Phật", "Đạo Phật"]),
        (
            Religion::Catholicism,
            &[
                "Thiên Chúa giáo",
                "Thiên Chúa",
                "Đạo Thiên Chúa",
                "Đạo Công giáo",
                "Công giáo La Mã",
                "Catholic",
            ],
        ),
        (
            Religion::Protestantism,
            &["Đạo Tin Lành", "Cơ đốc Tin Lành", "Protestant"],
        ),
        (Religion::CaoDai, &["Đạo Cao Đài", "Cao Đài giáo"]),
        (
            Religion::HoaHao,
            &["Hòa Hảo", "Đạo Hòa Hảo", "Phật giáo Hòa Hảo"],
        ),
        (
            Religion::Islam,
            &["Hồi", "Đạo Hồi", "Hồi giáo Bà-ni", "Bà-ni", "Islam"],
        ),
        (
            Religion::Brahmanism,
            &[
                "Bà-la-môn giáo",
                "Đạo Bà-la-môn",
                "Chăm Bà-la-môn",
                "Ấn Độ giáo",
                "Hindu",
            ],
        ),
        (Religion::Bahai, &["Baha'i giáo", "Bahá'í"]),
        (
            Religion::TinhDoCuSi,
            &["Tịnh độ Cư sĩ", "Tịnh độ Cư sĩ Phật hội"],
        ),
        (Religion::BuuSonKyHuong, &["Phật giáo Bửu Sơn Kỳ Hương"]),
        (Religion::TuAnHieuNghia, &["Phật giáo Tứ Ân Hiếu Nghĩa"]),
        (Religion::MinhSuDao, &["Minh Sư"]),
        (
            Religion::MinhLyDao,
            &["Minh Lý", "Minh Lý đạo", "Tam Tông Miếu"],
        ),
        (
            Religion::SeventhDayAdventist,
            &[
                "Phục lâm",
                "Cơ đốc Phục lâm An thất nhật",
                "Giáo hội Cơ đốc Phục lâm Việt Nam",
                "Adventist",
            ],
        ),
        (
            Religion::LatterDaySaints,
            &[
                "Mormon",
                "Giáo hội Các Thánh hữu Ngày sau của Chúa Giê-su Ky-tô",
            ],
        ),
        (Religion::Other, &["Tôn giáo khác"]),
    ];

    /// Parse a religion in any common spelling ("Thiên Chúa giáo" → Công giáo, "Phật giáo Hoà
    /// Hảo" with the old tone placement, "tin lanh"), or its code (`hoa_hao`).
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        static INDEX: LazyLock<HashMap<String, Religion>> = LazyLock::new(|| {
            build_index(
                &Religion::ALL,
                Religion::label,
                Religion::code,
                Religion::ALIASES,
            )
        });
        INDEX
            .get(&key(s))
            .copied()
            .ok_or(PersonError::UnknownReligion)
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Religion::None => "Không",
            Religion::Buddhism => "Phật giáo",
            Religion::Catholicism => "Công giáo",
            Religion::Protestantism => "Tin Lành",
            Religion::CaoDai => "Cao Đài",
            Religion::HoaHao => "Phật giáo Hòa Hảo",
            Religion::Islam => "Hồi giáo",
            Religion::Brahmanism => "Bà-la-môn",
            Religion::Bahai => "Baha'i",
            Religion::TinhDoCuSi => "Tịnh độ Cư sĩ Phật hội Việt Nam",
            Religion::BuuSonKyHuong => "Bửu Sơn Kỳ Hương",
            Religion::TuAnHieuNghia => "Tứ Ân Hiếu Nghĩa",
            Religion::MinhSuDao => "Minh Sư đạo",
            Religion::MinhLyDao => "Minh Lý đạo – Tam Tông Miếu",
            Religion::SeventhDayAdventist => "Cơ đốc Phục lâm",
            Religion::LatterDaySaints => "Các Thánh hữu Ngày sau",
            Religion::Other => "Khác",
        }
    }

    /// Stable snake_case code (as serialised).
    pub fn code(self) -> &'static str {
        match self {
            Religion::None => "none",
            Religion::Buddhism => "buddhism",
            Religion::Catholicism => "catholicism",
            Religion::Protestantism => "protestantism",
            Religion::CaoDai => "cao_dai",
            Religion::HoaHao => "hoa_hao",
            Religion::Islam => "islam",
            Religion::Brahmanism => "brahmanism",
            Religion::Bahai => "bahai",
            Religion::TinhDoCuSi => "tinh_do_cu_si",
            Religion::BuuSonKyHuong => "buu_son_ky_huong",
            Religion::TuAnHieuNghia => "tu_an_hieu_nghia",
            Religion::MinhSuDao => "minh_su_dao",
            Religion::MinhLyDao => "minh_ly_dao",
            Religion::SeventhDayAdventist => "seventh_day_adventist",
            Religion::LatterDaySaints => "latter_day_saints",
            Religion::Other => "other",
        }
    }

    /// Whether the person is a religious believer (người có đạo): any religion but none, including
    /// [`Religion::Other`].
    pub fn is_believer(self) -> bool {
        self != Religion::None
    }
}
labelled_enum!(Religion);

// ---------------------------------------------------------------------------------------------
// General education
// ---------------------------------------------------------------------------------------------

/// General education as forms write it (trình độ giáo dục phổ thông): the last grade completed
/// and the school system, `9/12`, `12/12`, or `7/10` in older records of the 10-year system.
///
/// The 10-year system (North, 1956–1981) had primary school in grades 1–4, lower secondary in
/// 5–7 and upper secondary in 8–10; the 12-year system has 1–5, 6–9 and 10–12. [`Education::grade12`]
/// maps one onto the other at the ends of the levels: `4/10` (primary done) → 5, `7/10` → 9,
/// `10/10` → 12. Grade 0 (no grade completed) is allowed.
///
/// Serialised as the text (`"9/12"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Education {
    grade: u8,
    system: u8,
}

impl Education {
    /// Parse `grade/system` ("9/12", " 7 / 10 ").
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        let (g, sys) = s.split_once('/').ok_or(PersonError::EducationFormat)?;
        let number = |t: &str| -> Result<u8, PersonError> {
            let t = t.trim();
            if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(PersonError::EducationFormat);
            }
            t.parse().map_err(|_| PersonError::EducationFormat)
        };
        Education::new(number(g)?, number(sys)?)
    }

    /// From numbers: `system` is 10 or 12, `grade` at most `system`.
    pub fn new(grade: u8, system: u8) -> Result<Self, PersonError> {
        if system != 10 && system != 12 {
            return Err(PersonError::EducationSystem);
        }
        if grade > system {
            return Err(PersonError::EducationGrade);
        }
        Ok(Education { grade, system })
    }

    /// The last grade completed, in its own system.
    pub fn grade(self) -> u8 {
        self.grade
    }

    /// The school system: 10 or 12.
    pub fn system(self) -> u8 {
        self.system
    }

    /// The grade in the 12-year system. For the 10-year system: grades 1–3 keep their number,
    /// grade 4 (the end of primary) is 5, and grades 5–10 add 2 (7/10 → 9, 10/10 → 12).
    pub fn grade12(self) -> u8 {
        match (self.system, self.grade) {
            (10, 4) => 5,
            (10, g) if g >= 5 => g + 2,
            (_, g) => g,
        }
    }

    /// Primary school completed (grade12 ≥ 5).
    pub fn primary_done(self) -> bool {
        self.grade12() >= 5
    }

    /// Lower secondary school completed (tốt nghiệp THCS; grade12 ≥ 9).
    pub fn lower_secondary_done(self) -> bool {
        self.grade12() >= 9
    }

    /// Upper secondary school completed (tốt nghiệp THPT; grade12 = 12).
    pub fn upper_secondary_done(self) -> bool {
        self.grade12() == 12
    }
}

impl fmt::Display for Education {
    /// `9/12`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.grade, self.system)
    }
}

impl TryFrom<String> for Education {
    type Error = PersonError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Education::parse(&s)
    }
}

impl From<Education> for String {
    fn from(e: Education) -> String {
        e.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Professional qualification, political theory
// ---------------------------------------------------------------------------------------------

/// Professional qualification (trình độ chuyên môn), ordered from none to Doctor of Science.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    /// Không: no professional training.
    None,
    /// Sơ cấp.
    Elementary,
    /// Trung cấp.
    Intermediate,
    /// Cao đẳng.
    College,
    /// Đại học.
    University,
    /// Thạc sĩ.
    Master,
    /// Tiến sĩ.
    Doctor,
    /// Tiến sĩ khoa học.
    DoctorOfScience,
}

impl Qualification {
    /// All, from lowest to highest.
    pub const ALL: [Qualification; 8] = [
        Qualification::None,
        Qualification::Elementary,
        Qualification::Intermediate,
        Qualification::College,
        Qualification::University,
        Qualification::Master,
        Qualification::Doctor,
        Qualification::DoctorOfScience,
    ];

    const ALIASES: &[(Qualification, &[&str])] = &[
        (
            Qualification::None,
            &["Không có", "Chưa có", "Chưa qua đào tạo"],
        ),
        (Qualification::Elementary, &["Sơ cấp nghề"]),
        (
            Qualification::Intermediate,
            &[
                "Trung cấp nghề",
                "Trung cấp chuyên nghiệp",
                "Trung học chuyên nghiệp",
            ],
        ),
        (Qualification::College, &["Cao đẳng nghề", "CĐ"]),
        (
            Qualification::University,
            &["ĐH", "Cử nhân", "Kỹ sư", "Kĩ sư", "Bác sĩ", "Bác sỹ"],
        ),
        (Qualification::Master, &["Thạc sỹ", "ThS"]),
        (Qualification::Doctor, &["Tiến sỹ", "TS"]),
        (
            Qualification::DoctorOfScience,
            &["Tiến sỹ khoa học", "TSKH"],
        ),
    ];

    /// Parse a label ("Đại học", "thạc sỹ", "ThS", "cử nhân") or a code (`university`).
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        static INDEX: LazyLock<HashMap<String, Qualification>> = LazyLock::new(|| {
            build_index(
                &Qualification::ALL,
                Qualification::label,
                Qualification::code,
                Qualification::ALIASES,
            )
        });
        INDEX
            .get(&key(s))
            .copied()
            .ok_or(PersonError::UnknownQualification)
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Qualification::None => "Không",
            Qualification::Elementary => "Sơ cấp",
            Qualification::Intermediate => "Trung cấp",
            Qualification::College => "Cao đẳng",
            Qualification::University => "Đại học",
            Qualification::Master => "Thạc sĩ",
            Qualification::Doctor => "Tiến sĩ",
            Qualification::DoctorOfScience => "Tiến sĩ khoa học",
        }
    }

    /// Stable snake_case code (as serialised).
    pub fn code(self) -> &'static str {
        match self {
            Qualification::None => "none",
            Qualification::Elementary => "elementary",
            Qualification::Intermediate => "intermediate",
            Qualification::College => "college",
            Qualification::University => "university",
            Qualification::Master => "master",
            Qualification::Doctor => "doctor",
            Qualification::DoctorOfScience => "doctor_of_science",
        }
    }

    /// Cao đẳng or higher (the "college or higher" share of the reports).
    pub fn is_college_or_higher(self) -> bool {
        self >= Qualification::College
    }
}
labelled_enum!(Qualification);

/// Political-theory level (trình độ lý luận chính trị), ordered from none to Cử nhân.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TheoryLevel {
    /// Không: none.
    None,
    /// Sơ cấp.
    Elementary,
    /// Trung cấp.
    Intermediate,
    /// Cao cấp.
    Advanced,
    /// Cử nhân.
    Bachelor,
}

impl TheoryLevel {
    /// All, from lowest to highest.
    pub const ALL: [TheoryLevel; 5] = [
        TheoryLevel::None,
        TheoryLevel::Elementary,
        TheoryLevel::Intermediate,
        TheoryLevel::Advanced,
        TheoryLevel::Bachelor,
    ];

    const ALIASES: &[(TheoryLevel, &[&str])] = &[(
        TheoryLevel::None,
        &["Không có", "Chưa có", "Chưa qua đào tạo"],
    )];

    /// Parse a label, with or without "lý luận chính trị" / "LLCT" / "chính trị" after it
    /// ("Trung cấp lý luận chính trị", "Cao cấp LLCT", "Cử nhân chính trị"), or a code.
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        static INDEX: LazyLock<HashMap<String, TheoryLevel>> = LazyLock::new(|| {
            build_index(
                &TheoryLevel::ALL,
                TheoryLevel::label,
                TheoryLevel::code,
                TheoryLevel::ALIASES,
            )
        });
        let k = key(s);
        let k = ["lyluanchinhtri", "llct", "chinhtri", "lyluan"]
            .iter()
            .find_map(|suffix| k.strip_suffix(suffix).filter(|r| !r.is_empty()))
            .unwrap_or(&k);
        INDEX.get(k).copied().ok_or(PersonError::UnknownTheoryLevel)
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            TheoryLevel::None => "Không",
            TheoryLevel::Elementary => "Sơ cấp",
            TheoryLevel::Intermediate => "Trung cấp",
            TheoryLevel::Advanced => "Cao cấp",
            TheoryLevel::Bachelor => "Cử nhân",
        }
    }

    /// Stable snake_case code (as serialised).
    pub fn code(self) -> &'static str {
        match self {
            TheoryLevel::None => "none",
            TheoryLevel::Elementary => "elementary",
            TheoryLevel::Intermediate => "intermediate",
            TheoryLevel::Advanced => "advanced",
            TheoryLevel::Bachelor => "bachelor",
        }
    }
}
labelled_enum!(TheoryLevel);

// ---------------------------------------------------------------------------------------------
// Source category
// ---------------------------------------------------------------------------------------------

/// The group a source (candidate in the pool) is counted in (đối tượng nguồn): the categories the
/// seeds name, plus [`SourceCategory::Other`].
///
/// The list is meant to grow: add a variant with a new code, never change a code (stored records
/// and reports refer to it). Other crates must match with a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceCategory {
    /// Cán bộ, công chức cấp xã.
    CommuneCadre,
    /// Người hoạt động không chuyên trách ở cấp xã, thôn, tổ dân phố.
    NonSpecialisedWorker,
    /// Đoàn viên thanh niên.
    YouthUnionMember,
    /// Hội viên các đoàn thể chính trị – xã hội.
    MassOrgMember,
    /// Giáo viên.
    Teacher,
    /// Học sinh trung học phổ thông.
    UpperSecondaryStudent,
    /// Sinh viên.
    UniversityStudent,
    /// Thanh niên chuẩn bị nhập ngũ.
    PreMilitaryService,
    /// Quân nhân xuất ngũ.
    DemobilisedSoldier,
    /// Dân quân tự vệ.
    Militia,
    /// Công an xã.
    CommunePolice,
    /// Nhân viên y tế.
    HealthWorker,
    /// Người lao động trong doanh nghiệp ngoài nhà nước.
    PrivateEnterpriseWorker,
    /// Trưởng, phó thôn, tổ dân phố.
    HamletHead,
    /// Trưởng ban công tác Mặt trận, chi hội trưởng các đoàn thể.
    FrontUnionBranchHead,
    /// Quần chúng ở khu dân cư (residents of a residential area, reference-data.md).
    Resident,
    /// Khác.
    Other,
}

impl SourceCategory {
    /// All, in list order.
    pub const ALL: [SourceCategory; 17] = [
        SourceCategory::CommuneCadre,
        SourceCategory::NonSpecialisedWorker,
        SourceCategory::YouthUnionMember,
        SourceCategory::MassOrgMember,
        SourceCategory::Teacher,
        SourceCategory::UpperSecondaryStudent,
        SourceCategory::UniversityStudent,
        SourceCategory::PreMilitaryService,
        SourceCategory::DemobilisedSoldier,
        SourceCategory::Militia,
        SourceCategory::CommunePolice,
        SourceCategory::HealthWorker,
        SourceCategory::PrivateEnterpriseWorker,
        SourceCategory::HamletHead,
        SourceCategory::FrontUnionBranchHead,
        SourceCategory::Resident,
        SourceCategory::Other,
    ];

    const ALIASES: &[(SourceCategory, &[&str])] = &[
        (
            SourceCategory::CommuneCadre,
            &["Cán bộ, công chức xã", "Cán bộ xã", "Công chức xã"],
        ),
        (
            SourceCategory::NonSpecialisedWorker,
            &["Người hoạt động không chuyên trách", "Không chuyên trách"],
        ),
        (
            SourceCategory::YouthUnionMember,
            &["Đoàn viên", "Đoàn viên ưu tú"],
        ),
        (
            SourceCategory::MassOrgMember,
            &["Hội viên", "Hội viên đoàn thể", "Hội viên các đoàn thể"],
        ),
        (SourceCategory::Teacher, &["Nhà giáo"]),
        (
            SourceCategory::UpperSecondaryStudent,
            &["Học sinh THPT", "Học sinh"],
        ),
        (
            SourceCategory::UniversityStudent,
            &["Sinh viên đại học, cao đẳng"],
        ),
        (
            SourceCategory::PreMilitaryService,
            &["Thanh niên trước khi nhập ngũ", "Chuẩn bị nhập ngũ"],
        ),
        (
            SourceCategory::DemobilisedSoldier,
            &[
                "Bộ đội xuất ngũ",
                "Xuất ngũ",
                "Quân nhân hoàn thành nghĩa vụ",
            ],
        ),
        (SourceCategory::Militia, &["Dân quân", "Tự vệ"]),
        (
            SourceCategory::CommunePolice,
            &["Công an xã, phường", "Công an chính quy xã"],
        ),
        (
            SourceCategory::HealthWorker,
            &["Y tế", "Cán bộ y tế", "Y tế thôn bản"],
        ),
        (
            SourceCategory::PrivateEnterpriseWorker,
            &[
                "Người lao động trong doanh nghiệp tư nhân",
                "Công nhân",
                "Người lao động",
            ],
        ),
        (
            SourceCategory::HamletHead,
            &[
                "Trưởng thôn",
                "Phó thôn",
                "Trưởng ấp",
                "Trưởng bản",
                "Tổ trưởng tổ dân phố",
            ],
        ),
        (
            SourceCategory::FrontUnionBranchHead,
            &[
                "Trưởng ban công tác Mặt trận",
                "Chi hội trưởng",
                "Bí thư chi đoàn",
            ],
        ),
        (
            SourceCategory::Resident,
            &[
                "Quần chúng khu dân cư",
                "Nhân dân",
                "Người dân",
                "Quần chúng nhân dân",
            ],
        ),
    ];

    /// Parse a label or a known alias ("Trưởng thôn", "Học sinh THPT") or a code (`teacher`).
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        static INDEX: LazyLock<HashMap<String, SourceCategory>> = LazyLock::new(|| {
            build_index(
                &SourceCategory::ALL,
                SourceCategory::label,
                SourceCategory::code,
                SourceCategory::ALIASES,
            )
        });
        INDEX
            .get(&key(s))
            .copied()
            .ok_or(PersonError::UnknownSourceCategory)
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            SourceCategory::CommuneCadre => "Cán bộ, công chức cấp xã",
            SourceCategory::NonSpecialisedWorker => {
                "Người hoạt động không chuyên trách ở cấp xã, thôn, tổ dân phố"
            }
            SourceCategory::YouthUnionMember => "Đoàn viên thanh niên",
            SourceCategory::MassOrgMember => "Hội viên các đoàn thể chính trị – xã hội",
            SourceCategory::Teacher => "Giáo viên",
            SourceCategory::UpperSecondaryStudent => "Học sinh trung học phổ thông",
            SourceCategory::UniversityStudent => "Sinh viên",
            SourceCategory::PreMilitaryService => "Thanh niên chuẩn bị nhập ngũ",
            SourceCategory::DemobilisedSoldier => "Quân nhân xuất ngũ",
            SourceCategory::Militia => "Dân quân tự vệ",
            SourceCategory::CommunePolice => "Công an xã",
            SourceCategory::HealthWorker => "Nhân viên y tế",
            SourceCategory::PrivateEnterpriseWorker => {
                "Người lao động trong doanh nghiệp ngoài nhà nước"
            }
            SourceCategory::HamletHead => "Trưởng, phó thôn, tổ dân phố",
            SourceCategory::FrontUnionBranchHead => {
                "Trưởng ban công tác Mặt trận, chi hội trưởng các đoàn thể"
            }
            SourceCategory::Resident => "Quần chúng ở khu dân cư",
            SourceCategory::Other => "Khác",
        }
    }

    /// Stable snake_case code (as serialised).
    pub fn code(self) -> &'static str {
        match self {
            SourceCategory::CommuneCadre => "commune_cadre",
            SourceCategory::NonSpecialisedWorker => "non_specialised_worker",
            SourceCategory::YouthUnionMember => "youth_union_member",
            SourceCategory::MassOrgMember => "mass_org_member",
            SourceCategory::Teacher => "teacher",
            SourceCategory::UpperSecondaryStudent => "upper_secondary_student",
            SourceCategory::UniversityStudent => "university_student",
            SourceCategory::PreMilitaryService => "pre_military_service",
            SourceCategory::DemobilisedSoldier => "demobilised_soldier",
            SourceCategory::Militia => "militia",
            SourceCategory::CommunePolice => "commune_police",
            SourceCategory::HealthWorker => "health_worker",
            SourceCategory::PrivateEnterpriseWorker => "private_enterprise_worker",
            SourceCategory::HamletHead => "hamlet_head",
            SourceCategory::FrontUnionBranchHead => "front_union_branch_head",
            SourceCategory::Resident => "resident",
            SourceCategory::Other => "other",
        }
    }
}
labelled_enum!(SourceCategory);

// ---------------------------------------------------------------------------------------------
// Citizen ID number
// ---------------------------------------------------------------------------------------------

/// Province codes of the 12-digit personal identification number (mã tỉnh, Thông tư
/// 59/2021/TT-BCA, Phụ lục): the 63 provinces before the 2025 merger, whose codes stay on every
/// number already issued.
const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// The 12-digit personal identification number on the citizen ID card (số định danh cá nhân,
/// CCCD): a 3-digit province code (where the birth was registered), a century/gender digit
/// (0/1: born 1900–1999, male/female; 2/3: 2000–2099), the last two digits of the birth year and
/// 6 random digits. The old 9-digit identity card numbers (CMND) are not accepted.
///
/// **Sensitive.** `Display` and `Debug` show only the last four digits (`********1234`); the full
/// number comes only from [`IdNumber::reveal`], and serialisation writes it in full for storage:
/// serialise a [`PublicView`], not a [`Person`], for roles that see aggregates only.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    /// Parse 12 digits; spaces between groups are ignored ("001 208 012345").
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PersonError::IdNumberFormat);
        }
        let province: u16 = digits.get(..3).and_then(|p| p.parse().ok()).unwrap_or(0);
        if !PROVINCE_CODES.contains(&province) {
            return Err(PersonError::IdNumberProvince);
        }
        let id = IdNumber(digits);
        if id.century_gender_digit() > 3 {
            return Err(PersonError::IdNumberCenturyDigit);
        }
        Ok(id)
    }

    /// The full number. Call it only where the number is shown to a role allowed to see it, or
    /// written to storage; the access is the caller's to audit.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The masked form: eight asterisks and the last four digits.
    pub fn masked(&self) -> String {
        format!("********{}", self.0.get(8..).unwrap_or(""))
    }

    /// The province code (first three digits), 1–96.
    pub fn province_code(&self) -> u16 {
        self.0.get(..3).and_then(|p| p.parse().ok()).unwrap_or(0)
    }

    fn digit(&self, i: usize) -> u8 {
        self.0.as_bytes().get(i).map_or(0, |b| b.wrapping_sub(b'0'))
    }

    fn century_gender_digit(&self) -> u8 {
        self.digit(3)
    }

    /// Whether the century/gender digit and the two birth-year digits agree with a birth date and
    /// gender (a mismatch is a typing error in one of the three).
    pub fn matches(&self, birth: Date, gender: Gender) -> bool {
        let year = birth.year();
        let century_base = match year {
            1900..=1999 => 0,
            2000..=2099 => 2,
            _ => return false,
        };
        let expected = century_base + u8::from(gender == Gender::Female);
        let yy = self.digit(4) * 10 + self.digit(5);
        self.century_gender_digit() == expected && i16::from(yy) == year % 100
    }
}

impl fmt::Display for IdNumber {
    /// Masked: `********1234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for IdNumber {
    /// Masked: `IdNumber(********1234)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl TryFrom<String> for IdNumber {
    type Error = PersonError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(id: IdNumber) -> String {
        id.0
    }
}

// ---------------------------------------------------------------------------------------------
// Residential unit reference
// ---------------------------------------------------------------------------------------------

/// An opaque reference to the residential unit (thôn, tổ dân phố…) or place the person lives in,
/// as the organisation module issues it: 1–64 printable ASCII characters, no spaces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitRef(String);

impl UnitRef {
    /// Parse a reference (surrounding whitespace trimmed).
    pub fn parse(s: &str) -> Result<Self, PersonError> {
        let t = s.trim();
        if t.is_empty() || t.len() > 64 || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(PersonError::UnitRefInvalid);
        }
        Ok(UnitRef(t.to_string()))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UnitRef {
    type Error = PersonError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UnitRef::parse(&s)
    }
}

impl From<UnitRef> for String {
    fn from(u: UnitRef) -> String {
        u.0
    }
}

// ---------------------------------------------------------------------------------------------
// Person
// ---------------------------------------------------------------------------------------------

/// A person's profile (sơ yếu): every field already parsed.
///
/// `Debug` redacts the sensitive fields (ethnicity, religion, ID number).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Họ và tên.
    pub full_name: FullName,
    /// Ngày sinh.
    pub birth_date: BirthDate,
    /// Giới tính.
    pub gender: Gender,
    /// Dân tộc (sensitive).
    pub ethnicity: Ethnicity,
    /// Tôn giáo (sensitive).
    pub religion: Religion,
    /// Trình độ giáo dục phổ thông.
    pub education: Education,
    /// Trình độ chuyên môn.
    pub qualification: Qualification,
    /// Trình độ lý luận chính trị.
    pub theory_level: TheoryLevel,
    /// Nghề nghiệp / đối tượng nguồn.
    pub source_category: SourceCategory,
    /// Số định danh cá nhân (sensitive), when known.
    pub id_number: Option<IdNumber>,
    /// Đoàn viên Đoàn TNCS Hồ Chí Minh.
    pub youth_union_member: bool,
    /// Đoàn viên công đoàn.
    pub trade_union_member: bool,
    /// The residential unit or place the person lives in, when known.
    pub residential_unit: Option<UnitRef>,
}

impl Person {
    /// The profile without the sensitive fields, for roles that see aggregates only.
    pub fn public_view(&self) -> PublicView {
        PublicView {
            full_name: self.full_name.clone(),
            birth_date: self.birth_date,
            gender: self.gender,
            education: self.education,
            qualification: self.qualification,
            theory_level: self.theory_level,
            source_category: self.source_category,
            youth_union_member: self.youth_union_member,
            trade_union_member: self.trade_union_member,
            residential_unit: self.residential_unit.clone(),
        }
    }

    /// Full years of age on `on`.
    pub fn age_on(&self, on: Date) -> u32 {
        self.birth_date.age_in_full_years(on)
    }

    /// Whether the ID number agrees with the birth date and gender; `None` without an ID number.
    pub fn id_number_consistent(&self) -> Option<bool> {
        self.id_number
            .as_ref()
            .map(|id| id.matches(self.birth_date.date(), self.gender))
    }
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "<redacted>";
        f.debug_struct("Person")
            .field("full_name", &self.full_name)
            .field("birth_date", &self.birth_date)
            .field("gender", &self.gender)
            .field("ethnicity", &REDACTED)
            .field("religion", &REDACTED)
            .field("education", &self.education)
            .field("qualification", &self.qualification)
            .field("theory_level", &self.theory_level)
            .field("source_category", &self.source_category)
            .field("id_number", &self.id_number.as_ref().map(|_| REDACTED))
            .field("youth_union_member", &self.youth_union_member)
            .field("trade_union_member", &self.trade_union_member)
            .field("residential_unit", &self.residential_unit)
            .finish()
    }
}

/// A [`Person`] without religion, ethnicity and ID number: what roles that see aggregates only
/// may be shown or sent (ARCHITECTURE.md, "Sensitive fields by role").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicView {
    /// Họ và tên.
    pub full_name: FullName,
    /// Ngày sinh.
    pub birth_date: BirthDate,
    /// Giới tính.
    pub gender: Gender,
    /// Trình độ giáo dục phổ thông.
    pub education: Education,
    /// Trình độ chuyên môn.
    pub qualification: Qualification,
    /// Trình độ lý luận chính trị.
    pub theory_level: TheoryLevel,
    /// Nghề nghiệp / đối tượng nguồn.
    pub source_category: SourceCategory,
    /// Đoàn viên Đoàn TNCS Hồ Chí Minh.
    pub youth_union_member: bool,
    /// Đoàn viên công đoàn.
    pub trade_union_member: bool,
    /// The residential unit or place the person lives in, when known.
    pub residential_unit: Option<UnitRef>,
}

/// The profile form as submitted: text fields as typed, parsed in one go by [`PersonForm::parse`].
///
/// No `Debug`: it holds sensitive values in clear.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    /// Họ và tên.
    pub full_name: String,
    /// Ngày sinh, dd/mm/yyyy.
    pub birth_date: String,
    /// Nam / Nữ.
    pub gender: String,
    /// Dân tộc: a name or code.
    pub ethnicity: String,
    /// Tôn giáo.
    pub religion: String,
    /// Giáo dục phổ thông, `9/12`.
    pub education: String,
    /// Trình độ chuyên môn.
    pub qualification: String,
    /// Lý luận chính trị.
    pub theory_level: String,
    /// Đối tượng nguồn: a label or code.
    pub source_category: String,
    /// Số định danh cá nhân; blank when unknown.
    pub id_number: String,
    /// Đoàn viên.
    pub youth_union_member: bool,
    /// Công đoàn viên.
    pub trade_union_member: bool,
    /// Residential unit reference; blank when unknown.
    pub residential_unit: String,
}

impl PersonForm {
    /// The form filled with `p` as it stands, in the text each field parses back to the same
    /// value (to correct one field and keep the others).
    pub fn of(p: &Person) -> PersonForm {
        PersonForm {
            full_name: p.full_name.as_str().to_string(),
            birth_date: crate::dates::format_vn(p.birth_date.date()),
            gender: p.gender.code().to_string(),
            ethnicity: format!("{:02}", p.ethnicity.code()),
            religion: p.religion.code().to_string(),
            education: p.education.to_string(),
            qualification: p.qualification.code().to_string(),
            theory_level: p.theory_level.code().to_string(),
            source_category: p.source_category.code().to_string(),
            id_number: p
                .id_number
                .as_ref()
                .map(|i| i.reveal().to_string())
                .unwrap_or_default(),
            youth_union_member: p.youth_union_member,
            trade_union_member: p.trade_union_member,
            residential_unit: p
                .residential_unit
                .as_ref()
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
        }
    }

    /// Parse every field; on failure, every error at once (each names its field via
    /// [`PersonError::field`]), in form order.
    pub fn parse(&self, today: Date) -> Result<Person, Vec<PersonError>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let full_name = collect(FullName::parse(&self.full_name), e);
        let birth_date = collect(BirthDate::parse(&self.birth_date, today), e);
        let gender = collect(Gender::parse(&self.gender), e);
        let ethnicity = collect(Ethnicity::parse(&self.ethnicity), e);
        let religion = collect(Religion::parse(&self.religion), e);
        let education = collect(Education::parse(&self.education), e);
        let qualification = collect(Qualification::parse(&self.qualification), e);
        let theory_level = collect(TheoryLevel::parse(&self.theory_level), e);
        let source_category = collect(SourceCategory::parse(&self.source_category), e);
        let id_number = collect(optional(&self.id_number, IdNumber::parse), e);
        let residential_unit = collect(optional(&self.residential_unit, UnitRef::parse), e);
        match (
            full_name,
            birth_date,
            gender,
            ethnicity,
            religion,
            education,
            qualification,
            theory_level,
            source_category,
            id_number,
            residential_unit,
        ) {
            (
                Some(full_name),
                Some(birth_date),
                Some(gender),
                Some(ethnicity),
                Some(religion),
                Some(education),
                Some(qualification),
                Some(theory_level),
                Some(source_category),
                Some(id_number),
                Some(residential_unit),
            ) if errors.is_empty() => Ok(Person {
                full_name,
                birth_date,
                gender,
                ethnicity,
                religion,
                education,
                qualification,
                theory_level,
                source_category,
                id_number,
                youth_union_member: self.youth_union_member,
                trade_union_member: self.trade_union_member,
                residential_unit,
            }),
            _ => Err(errors),
        }
    }
}

/// The value, or `None` with the error pushed onto `errors`.
fn collect<T>(r: Result<T, PersonError>, errors: &mut Vec<PersonError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// A blank field is `None`; anything else must parse.
fn optional<T>(
    s: &str,
    parse: fn(&str) -> Result<T, PersonError>,
) -> Result<Option<T>, PersonError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse(s).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 5, 20);

    // ---- full name ----

    #[test]
    fn a_vietnamese_full_name_is_trimmed_and_split_into_family_middle_and_given() {
        let n = FullName::parse("  Nguyễn   Thị Minh\tKhai ").unwrap();
        assert_eq!(n.as_str(), "Nguyễn Thị Minh Khai");
        assert_eq!(n.family(), Some("Nguyễn"));
        assert_eq!(n.middle(), Some("Thị Minh"));
        assert_eq!(n.given(), "Khai");
        let two = FullName::parse("Lò Ánh").unwrap();
        assert_eq!(
            (two.family(), two.middle(), two.given()),
            (Some("Lò"), None, "Ánh")
        );
    }

    #[test]
    fn ethnic_minority_names_with_apostrophes_hyphens_or_one_word_are_accepted() {
        assert_eq!(FullName::parse("Ksor H'Ben").unwrap().given(), "H'Ben");
        assert_eq!(
            FullName::parse("Ksor H’Ben").unwrap().as_str(),
            "Ksor H'Ben"
        );
        assert_eq!(
            FullName::parse("Y-Moan Ênuôl").unwrap().family(),
            Some("Y-Moan")
        );
        assert_eq!(FullName::parse("Hơ Ŏk").unwrap().given(), "Ŏk");
        let one = FullName::parse("Thào").unwrap();
        assert_eq!(
            (one.family(), one.middle(), one.given()),
            (None, None, "Thào")
        );
    }

    #[test]
    fn a_decomposed_name_is_stored_precomposed() {
        let nfd = "Tr\u{0061}\u{0302}\u{0300}n Th\u{0069}\u{0323} Ha\u{0300}"; // Trần Thị Hà typed in NFD
        assert_eq!(FullName::parse(nfd).unwrap().as_str(), "Trần Thị Hà");
        assert_eq!(
            FullName::parse(nfd).unwrap(),
            FullName::parse("Trần Thị Hà").unwrap()
        );
    }

    #[test]
    fn bad_full_names_are_rejected_with_their_reason() {
        assert_eq!(FullName::parse("   "), Err(PersonError::NameEmpty));
        assert_eq!(FullName::parse("A"), Err(PersonError::NameTooShort));
        assert_eq!(
            FullName::parse(&"a".repeat(101)),
            Err(PersonError::NameTooLong)
        );
        assert!(FullName::parse(&"a".repeat(100)).is_ok());
        assert_eq!(
            FullName::parse(&"Nguyễn Văn ".repeat(200)),
            Err(PersonError::NameTooLong)
        );
        assert_eq!(
            FullName::parse("Nguyễn Văn 3"),
            Err(PersonError::NameInvalidCharacter)
        );
        assert_eq!(
            FullName::parse("Lê Văn A."),
            Err(PersonError::NameInvalidCharacter)
        );
        assert_eq!(
            FullName::parse("王小明"),
            Err(PersonError::NameInvalidCharacter)
        );
        assert_eq!(FullName::parse("' -"), Err(PersonError::NameWithoutLetter));
        assert_eq!(
            FullName::parse("Ksor 'Ben"),
            Err(PersonError::NameMisplacedPunctuation)
        );
        assert_eq!(
            FullName::parse("Ksor H'"),
            Err(PersonError::NameMisplacedPunctuation)
        );
        assert_eq!(
            FullName::parse("Y--Moan"),
            Err(PersonError::NameMisplacedPunctuation)
        );
    }

    #[test]
    fn a_full_name_sorts_by_given_name_first() {
        let a = FullName::parse("Trần Văn Bình").unwrap();
        let b = FullName::parse("Nguyễn Thị An").unwrap();
        assert!(b.sort_key() < a.sort_key());
        assert_eq!(b.search_text(), "nguyen thi an");
    }

    // ---- birth date ----

    #[test]
    fn a_birth_date_is_parsed_from_dd_mm_yyyy_and_not_in_the_future() {
        let b = BirthDate::parse("20/05/2008", TODAY).unwrap();
        assert_eq!(b.date(), date(2008, 5, 20));
        assert_eq!(b.to_string(), "20/05/2008");
        assert!(BirthDate::parse("20/05/2026", TODAY).is_ok(), "born today");
        assert_eq!(
            BirthDate::parse("21/05/2026", TODAY),
            Err(PersonError::BirthDateInFuture)
        );
        assert_eq!(
            BirthDate::parse("31/12/1899", TODAY),
            Err(PersonError::BirthDateTooEarly)
        );
        assert!(BirthDate::parse("01/01/1900", TODAY).is_ok());
        assert_eq!(
            BirthDate::parse("30/02/2000", TODAY),
            Err(PersonError::BirthDateFormat)
        );
        assert_eq!(
            BirthDate::parse("2008-05-20", TODAY),
            Err(PersonError::BirthDateFormat)
        );
        assert_eq!(
            BirthDate::parse("", TODAY),
            Err(PersonError::BirthDateFormat)
        );
    }

    #[test]
    fn the_18th_birthday_completes_216_full_months() {
        let b = BirthDate::parse("20/05/2008", TODAY).unwrap();
        assert_eq!(b.age_in_full_months(date(2026, 5, 19)), 215);
        assert_eq!(b.age_in_full_years(date(2026, 5, 19)), 17);
        assert_eq!(b.age_in_full_months(date(2026, 5, 20)), 216);
        assert_eq!(b.age_in_full_years(date(2026, 5, 20)), 18);
        assert_eq!(b.age_in_full_years(date(2000, 1, 1)), 0, "before birth");
    }

    #[test]
    fn someone_born_on_29_february_turns_18_on_28_february() {
        let b = BirthDate::parse("29/02/2008", TODAY).unwrap();
        assert_eq!(b.age_in_full_years(date(2026, 2, 27)), 17);
        assert_eq!(b.age_in_full_years(date(2026, 2, 28)), 18);
        assert_eq!(
            b.age_in_full_years(date(2028, 2, 28)),
            19,
            "leap year: not yet 20"
        );
        assert_eq!(b.age_in_full_years(date(2028, 2, 29)), 20);
        assert_eq!(
            BirthDate::parse("29/02/2007", TODAY),
            Err(PersonError::BirthDateFormat)
        );
    }

    // ---- gender ----

    #[test]
    fn gender_is_nam_or_nu_with_or_without_marks() {
        assert_eq!(Gender::parse("Nam"), Ok(Gender::Male));
        assert_eq!(Gender::parse(" NỮ "), Ok(Gender::Female));
        assert_eq!(Gender::parse("nu"), Ok(Gender::Female));
        assert_eq!(Gender::parse("female"), Ok(Gender::Female));
        assert_eq!(Gender::parse("x"), Err(PersonError::UnknownGender));
        assert_eq!(Gender::Female.to_string(), "Nữ");
    }

    // ---- ethnicity ----

    #[test]
    fn the_ethnicity_table_has_54_groups_with_codes_01_to_54_in_order() {
        let all: Vec<Ethnicity> = Ethnicity::all().collect();
        assert_eq!(all.len(), 54);
        for (i, e) in all.iter().enumerate() {
            assert_eq!(usize::from(e.code()), i + 1);
        }
        assert_eq!(Ethnicity::from_code(1).map(Ethnicity::name), Some("Kinh"));
        assert_eq!(Ethnicity::from_code(8).map(Ethnicity::name), Some("HMông"));
        assert_eq!(
            Ethnicity::from_code(23).map(Ethnicity::name),
            Some("Bru-Vân Kiều")
        );
        assert_eq!(
            Ethnicity::from_code(54).map(Ethnicity::name),
            Some("Rơ-măm")
        );
        assert_eq!(Ethnicity::from_code(0), None);
        assert_eq!(Ethnicity::from_code(55), None);
    }

    #[test]
    fn every_name_and_alias_finds_its_own_group_and_no_other() {
        let mut seen: HashMap<String, u8> = HashMap::new();
        for g in ETHNIC_GROUPS.iter() {
            for spelling in std::iter::once(&g.name).chain(&g.aliases) {
                let k = ethnicity_key(spelling);
                if let Some(other) = seen.insert(k.clone(), g.code) {
                    assert_eq!(other, g.code, "key {k} shared by {other} and {}", g.code);
                }
                assert_eq!(
                    Ethnicity::parse(spelling).map(Ethnicity::code),
                    Ok(g.code),
                    "{spelling}"
                );
            }
        }
    }

    #[test]
    fn ethnicity_spellings_of_documents_are_recognised() {
        let code = |s: &str| Ethnicity::parse(s).map(Ethnicity::code);
        for s in ["H'Mông", "HMông", "Mông", "Hmong", "hmông", "Mèo"] {
            assert_eq!(code(s), Ok(8), "{s}");
        }
        for s in ["Khmer", "Khơ-me", "Khơ Me", "khome"] {
            assert_eq!(code(s), Ok(5), "{s}");
        }
        for s in ["Ê Đê", "Ê-đê", "Êđê", "ede"] {
            assert_eq!(code(s), Ok(12), "{s}");
        }
        assert_eq!(code("Ba Na"), Ok(13));
        assert_eq!(code("Bahnar"), Ok(13));
        assert_eq!(code("Giarai"), Ok(10));
        assert_eq!(code("Gia Rai"), Ok(10));
        assert_eq!(code("M'Nông"), Ok(20));
        assert_eq!(code("Mnông"), Ok(20));
        assert_eq!(code("Xơ Đăng"), Ok(14));
        assert_eq!(code("Bru - Vân Kiều"), Ok(23));
        assert_eq!(code("Pà Thẻn"), Ok(46));
        assert_eq!(code("Cơ Lao"), Ok(47));
        assert_eq!(code("Dân tộc Tày"), Ok(2));
        assert_eq!(code("người Hoa"), Ok(4));
        assert_eq!(code("08"), Ok(8));
        assert_eq!(code("1"), Ok(1));
        assert_eq!(code("55"), Err(PersonError::UnknownEthnicity));
        assert_eq!(code("Klingon"), Err(PersonError::UnknownEthnicity));
        assert_eq!(code(""), Err(PersonError::UnknownEthnicity));
    }

    #[test]
    fn only_kinh_is_not_a_minority_and_hoa_is_code_04() {
        let kinh = Ethnicity::parse("Kinh").unwrap();
        assert!(!kinh.is_minority());
        assert!(Ethnicity::parse("Tày").unwrap().is_minority());
        let hoa = Ethnicity::parse("Hoa").unwrap();
        assert!(hoa.is_hoa() && hoa.is_minority());
        assert_eq!(Ethnicity::all().filter(|e| e.is_minority()).count(), 53);
        assert_eq!(format!("{hoa:?}"), "Ethnicity(04)");
    }

    #[test]
    fn ethnicity_serialises_as_its_two_digit_code() {
        let e = Ethnicity::parse("Mông").unwrap();
        assert_eq!(String::from(e), "08");
        assert_eq!(Ethnicity::try_from("08".to_string()), Ok(e));
        assert!(Ethnicity::try_from("Mông".to_string()).is_err());
    }

    // ---- religion ----

    #[test]
    fn religions_are_recognised_in_their_common_spellings() {
        assert_eq!(Religion::parse("Không"), Ok(Religion::None));
        assert_eq!(Religion::parse("không tôn giáo"), Ok(Religion::None));
        assert_eq!(
            Religion::parse("Thiên Chúa giáo"),
            Ok(Religion::Catholicism)
        );
        assert_eq!(Religion::parse("Công giáo"), Ok(Religion::Catholicism));
        assert_eq!(Religion::parse("Tin lành"), Ok(Religion::Protestantism));
        assert_eq!(Religion::parse("Hòa Hảo"), Ok(Religion::HoaHao));
        assert_eq!(Religion::parse("Phật giáo Hoà Hảo"), Ok(Religion::HoaHao));
        assert_eq!(Religion::parse("Phật giáo"), Ok(Religion::Buddhism));
        assert_eq!(
            Religion::parse("Minh Lý đạo - Tam Tông Miếu"),
            Ok(Religion::MinhLyDao)
        );
        assert_eq!(Religion::parse("Bà La Môn"), Ok(Religion::Brahmanism));
        assert_eq!(Religion::parse("Bahai"), Ok(Religion::Bahai));
        assert_eq!(Religion::parse("hoa_hao"), Ok(Religion::HoaHao));
        assert_eq!(Religion::parse("Khác"), Ok(Religion::Other));
        assert_eq!(Religion::parse(""), Err(PersonError::UnknownReligion));
        assert_eq!(
            Religion::parse("Thần đạo"),
            Err(PersonError::UnknownReligion)
        );
    }

    #[test]
    fn every_religion_label_code_and_alias_parses_to_itself() {
        for r in Religion::ALL {
            assert_eq!(Religion::parse(r.label()), Ok(r));
            assert_eq!(Religion::parse(r.code()), Ok(r));
        }
        for (r, aliases) in Religion::ALIASES {
            for a in *aliases {
                assert_eq!(Religion::parse(a), Ok(*r), "{a}");
            }
        }
    }

    #[test]
    fn anyone_with_a_religion_including_other_is_a_believer() {
        assert!(!Religion::None.is_believer());
        assert!(Religion::Other.is_believer());
        assert_eq!(Religion::ALL.iter().filter(|r| r.is_believer()).count(), 16);
        assert_eq!(Religion::HoaHao.to_string(), "Phật giáo Hòa Hảo");
    }

    // ---- education ----

    #[test]
    fn education_is_parsed_from_grade_over_system() {
        let e = Education::parse("9/12").unwrap();
        assert_eq!((e.grade(), e.system(), e.grade12()), (9, 12, 9));
        assert!(e.lower_secondary_done() && !e.upper_secondary_done());
        assert_eq!(
            Education::parse(" 12 / 12 ").map(Education::upper_secondary_done),
            Ok(true)
        );
        assert_eq!(
            Education::parse("0/12").map(Education::primary_done),
            Ok(false)
        );
        assert_eq!(Education::parse("13/12"), Err(PersonError::EducationGrade));
        assert_eq!(Education::parse("11/10"), Err(PersonError::EducationGrade));
        assert_eq!(Education::parse("9/11"), Err(PersonError::EducationSystem));
        assert_eq!(Education::parse("9"), Err(PersonError::EducationFormat));
        assert_eq!(
            Education::parse("9/12/1"),
            Err(PersonError::EducationFormat)
        );
        assert_eq!(Education::parse("-1/12"), Err(PersonError::EducationFormat));
        assert_eq!(
            Education::parse("lớp 9/12"),
            Err(PersonError::EducationFormat)
        );
        assert_eq!(e.to_string(), "9/12");
    }

    #[test]
    fn the_10_year_system_maps_onto_the_12_year_system_at_the_end_of_each_level() {
        let g12 = |s: &str| Education::parse(s).map(Education::grade12);
        assert_eq!(g12("3/10"), Ok(3));
        assert_eq!(
            g12("4/10"),
            Ok(5),
            "end of primary (cấp I) in the 10-year system"
        );
        assert_eq!(g12("5/10"), Ok(7));
        assert_eq!(g12("7/10"), Ok(9), "end of lower secondary (cấp II)");
        assert_eq!(g12("10/10"), Ok(12), "end of upper secondary (cấp III)");
        let e = Education::parse("7/10").unwrap();
        assert!(e.primary_done() && e.lower_secondary_done() && !e.upper_secondary_done());
        assert!(Education::parse("4/10").unwrap().primary_done());
        assert!(!Education::parse("6/10").unwrap().lower_secondary_done());
        assert!(Education::parse("10/10").unwrap().upper_secondary_done());
    }

    // ---- qualification, theory level ----

    #[test]
    fn qualifications_are_ordered_and_parsed_from_labels_and_variants() {
        assert_eq!(
            Qualification::parse("Đại học"),
            Ok(Qualification::University)
        );
        assert_eq!(
            Qualification::parse("dai hoc"),
            Ok(Qualification::University)
        );
        assert_eq!(Qualification::parse("Thạc sỹ"), Ok(Qualification::Master));
        assert_eq!(Qualification::parse("ThS"), Ok(Qualification::Master));
        assert_eq!(
            Qualification::parse("Tiến sĩ khoa học"),
            Ok(Qualification::DoctorOfScience)
        );
        assert_eq!(Qualification::parse("Không"), Ok(Qualification::None));
        assert_eq!(
            Qualification::parse("Phó giáo sư"),
            Err(PersonError::UnknownQualification)
        );
        assert!(Qualification::Intermediate < Qualification::College);
        assert!(!Qualification::Intermediate.is_college_or_higher());
        assert!(Qualification::College.is_college_or_higher());
        for q in Qualification::ALL {
            assert_eq!(Qualification::parse(q.label()), Ok(q));
            assert_eq!(Qualification::parse(q.code()), Ok(q));
        }
        for (q, aliases) in Qualification::ALIASES {
            for a in *aliases {
                assert_eq!(Qualification::parse(a), Ok(*q), "{a}");
            }
        }
        assert_eq!(
            Qualification::DoctorOfScience.to_string(),
            "Tiến sĩ khoa học"
        );
    }

    #[test]
    fn theory_levels_are_ordered_and_accept_the_llct_suffix() {
        assert_eq!(TheoryLevel::parse("Sơ cấp"), Ok(TheoryLevel::Elementary));
        assert_eq!(
            TheoryLevel::parse("Trung cấp lý luận chính trị"),
            Ok(TheoryLevel::Intermediate)
        );
        assert_eq!(
            TheoryLevel::parse("Cao cấp LLCT"),
            Ok(TheoryLevel::Advanced)
        );
        assert_eq!(
            TheoryLevel::parse("Cử nhân chính trị"),
            Ok(TheoryLevel::Bachelor)
        );
        assert_eq!(TheoryLevel::parse("không"), Ok(TheoryLevel::None));
        assert_eq!(
            TheoryLevel::parse("Lý luận chính trị"),
            Err(PersonError::UnknownTheoryLevel)
        );
        assert_eq!(
            TheoryLevel::parse("Đại học"),
            Err(PersonError::UnknownTheoryLevel)
        );
        assert!(
            TheoryLevel::None < TheoryLevel::Elementary
                && TheoryLevel::Advanced < TheoryLevel::Bachelor
        );
        for t in TheoryLevel::ALL {
            assert_eq!(TheoryLevel::parse(t.label()), Ok(t));
            assert_eq!(TheoryLevel::parse(t.code()), Ok(t));
        }
        assert_eq!(TheoryLevel::Advanced.to_string(), "Cao cấp");
    }

    // ---- source category ----

    #[test]
    fn source_categories_parse_from_labels_aliases_and_codes() {
        for c in SourceCategory::ALL {
            assert_eq!(SourceCategory::parse(c.label()), Ok(c), "{}", c.label());
            assert_eq!(SourceCategory::parse(c.code()), Ok(c));
        }
        for (c, aliases) in SourceCategory::ALIASES {
            for a in *aliases {
                assert_eq!(SourceCategory::parse(a), Ok(*c), "{a}");
            }
        }
        assert_eq!(
            SourceCategory::parse("trưởng thôn"),
            Ok(SourceCategory::HamletHead)
        );
        assert_eq!(
            SourceCategory::parse("Học sinh THPT"),
            Ok(SourceCategory::UpperSecondaryStudent)
        );
        assert_eq!(
            SourceCategory::parse("phi hành gia"),
            Err(PersonError::UnknownSourceCategory)
        );
    }

    #[test]
    fn source_category_codes_are_stable_snake_case() {
        let codes: Vec<&str> = SourceCategory::ALL.iter().map(|c| c.code()).collect();
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
        for c in SourceCategory::ALL {
            let v = toml::Value::try_from(Wrapper { c }).unwrap();
            assert_eq!(v.get("c").and_then(|v| v.as_str()), Some(c.code()));
        }
    }

    #[derive(Serialize)]
    struct Wrapper {
        c: SourceCategory,
    }

    // ---- ID number ----

    // Fictional numbers: province 001, century/gender digit, birth year digits, random part.
    const MALE_2008: &str = "001208012345";
    const FEMALE_1985: &str = "079185067890";

    #[test]
    fn a_citizen_id_number_has_12_digits_and_a_province_code() {
        assert!(IdNumber::parse(MALE_2008).is_ok());
        assert_eq!(
            IdNumber::parse("001 208 012345").map(|i| i.reveal().to_string()),
            Ok(MALE_2008.to_string())
        );
        assert_eq!(
            IdNumber::parse("00120801234"),
            Err(PersonError::IdNumberFormat)
        );
        assert_eq!(
            IdNumber::parse("0012080123456"),
            Err(PersonError::IdNumberFormat)
        );
        assert_eq!(
            IdNumber::parse("00120801234x"),
            Err(PersonError::IdNumberFormat)
        );
        assert_eq!(
            IdNumber::parse("123456789"),
            Err(PersonError::IdNumberFormat),
            "old 9-digit CMND"
        );
        assert_eq!(
            IdNumber::parse("000208012345"),
            Err(PersonError::IdNumberProvince)
        );
        assert_eq!(
            IdNumber::parse("003208012345"),
            Err(PersonError::IdNumberProvince)
        );
        assert_eq!(
            IdNumber::parse("097208012345"),
            Err(PersonError::IdNumberProvince)
        );
        assert_eq!(
            IdNumber::parse("096408012345"),
            Err(PersonError::IdNumberCenturyDigit)
        );
        assert_eq!(
            IdNumber::parse("096308012345").map(|i| i.province_code()),
            Ok(96)
        );
    }

    #[test]
    fn the_century_gender_digit_and_year_must_match_the_birth_date_and_gender() {
        let m = IdNumber::parse(MALE_2008).unwrap();
        assert!(m.matches(date(2008, 5, 20), Gender::Male));
        assert!(!m.matches(date(2008, 5, 20), Gender::Female));
        assert!(!m.matches(date(1908, 5, 20), Gender::Male));
        assert!(!m.matches(date(2009, 5, 20), Gender::Male));
        let f = IdNumber::parse(FEMALE_1985).unwrap();
        assert!(f.matches(date(1985, 1, 1), Gender::Female));
        assert!(!f.matches(date(1985, 1, 1), Gender::Male));
        let girl_2000 = IdNumber::parse("048300123456").unwrap();
        assert!(girl_2000.matches(date(2000, 2, 29), Gender::Female));
    }

    #[test]
    fn an_id_number_is_masked_unless_revealed() {
        let id = IdNumber::parse(MALE_2008).unwrap();
        assert_eq!(id.to_string(), "********2345");
        assert_eq!(format!("{id:?}"), "IdNumber(********2345)");
        assert_eq!(id.reveal(), MALE_2008);
        assert!(!format!("{:?}", Some(&id)).contains("0012080"));
    }

    #[test]
    fn error_messages_never_carry_the_rejected_value() {
        let input = "0012080123X5";
        let e = IdNumber::parse(input).unwrap_err();
        assert!(!e.to_string().contains(input));
        assert!(!e.message_vi().contains(input));
        assert_eq!(e.field(), "id_number");
        let e = FullName::parse("Nguyễn Văn 3").unwrap_err();
        assert!(!e.to_string().contains("Nguyễn"));
        assert_eq!(e.field(), "full_name");
        assert!(e.message_vi().starts_with("Họ và tên"));
    }

    #[test]
    fn unit_refs_are_opaque_printable_ascii() {
        assert_eq!(
            UnitRef::parse(" thon-3 ").map(|u| u.as_str().to_string()),
            Ok("thon-3".to_string())
        );
        assert_eq!(UnitRef::parse(""), Err(PersonError::UnitRefInvalid));
        assert_eq!(UnitRef::parse("thôn 3"), Err(PersonError::UnitRefInvalid));
        assert_eq!(
            UnitRef::parse(&"x".repeat(65)),
            Err(PersonError::UnitRefInvalid)
        );
    }

    // ---- person ----

    fn form() -> PersonForm {
        PersonForm {
            full_name: "Ksor H'Ben".into(),
            birth_date: "20/05/2008".into(),
            gender: "Nữ".into(),
            ethnicity: "Gia Rai".into(),
            religion: "Tin lành".into(),
            education: "12/12".into(),
            qualification: "Không".into(),
            theory_level: "Không".into(),
            source_category: "Đoàn viên thanh niên".into(),
            id_number: "064308001122".into(),
            youth_union_member: true,
            trade_union_member: false,
            residential_unit: "buon-ia-ho".into(),
        }
    }

    #[test]
    fn a_form_parses_into_a_person() {
        let p = form().parse(TODAY).unwrap();
        assert_eq!(p.full_name.given(), "H'Ben");
        assert_eq!(p.ethnicity.code(), 10);
        assert_eq!(p.religion, Religion::Protestantism);
        assert_eq!(p.age_on(TODAY), 18);
        assert_eq!(p.id_number_consistent(), Some(true));
        let blank_id = PersonForm {
            id_number: " ".into(),
            residential_unit: String::new(),
            ..form()
        };
        let p = blank_id.parse(TODAY).unwrap();
        assert_eq!(
            (p.id_number_consistent(), p.id_number, p.residential_unit),
            (None, None, None)
        );
    }

    #[test]
    fn a_form_reports_every_bad_field_at_once() {
        let bad = PersonForm {
            full_name: "".into(),
            birth_date: "32/01/2000".into(),
            education: "9".into(),
            id_number: "12345".into(),
            ..form()
        };
        let errors = bad.parse(TODAY).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field()).collect();
        assert_eq!(
            fields,
            ["full_name", "birth_date", "education", "id_number"]
        );
    }

    #[test]
    fn the_public_view_and_debug_output_leave_out_sensitive_fields() {
        let p = form().parse(TODAY).unwrap();
        let debug = format!("{p:?}");
        assert!(!debug.contains("064308001122") && !debug.contains("1122"));
        assert!(!debug.contains("Protestantism") && !debug.contains("Ethnicity"));
        let view = p.public_view();
        let text = toml::to_string(&view).unwrap();
        assert!(
            !text.contains("religion")
                && !text.contains("ethnicity")
                && !text.contains("id_number")
        );
        assert!(text.contains("full_name = \"Ksor H'Ben\""));
    }

    #[test]
    fn a_person_round_trips_through_the_form_of_it() {
        let p = form().parse(TODAY).unwrap();
        assert_eq!(PersonForm::of(&p).parse(TODAY).unwrap(), p);
    }

    #[test]
    fn a_person_round_trips_through_serde() {
        let p = form().parse(TODAY).unwrap();
        let text = toml::to_string(&p).unwrap();
        assert!(text.contains("ethnicity = \"10\""));
        assert!(text.contains("education = \"12/12\""));
        assert!(text.contains("religion = \"protestantism\""));
        let back: Person = toml::from_str(&text).unwrap();
        assert_eq!(back, p);
        let bad = text.replace("12/12", "13/12");
        assert!(toml::from_str::<Person>(&bad).is_err());
    }

    proptest::proptest! {
        #[test]
        fn full_name_parsing_is_idempotent(s in "[ a-zA-Zàáạảãăắằẳẵặâấầẩẫậđèéẹẻẽêếềểễệìíịỉĩòóọỏõôốồổỗộơớờởỡợùúụủũưứừửữựỳýỵỷỹ'-]{0,40}") {
            if let Ok(n) = FullName::parse(&s) {
                proptest::prop_assert_eq!(FullName::parse(n.as_str()), Ok(n.clone()));
            }
        }

        #[test]
        fn grade12_is_monotonic_within_a_system(g in 0u8..10) {
            let a = Education::new(g, 10).unwrap().grade12();
            let b = Education::new(g + 1, 10).unwrap().grade12();
            proptest::prop_assert!(a < b && b <= 12);
        }
    }
}
