//! The RuleSet: every number the regulations set, as a named parameter with its citation.
//!
//! Ids are the ones of `shared/domain/lifecycle-and-rules.md` (and `plans-and-reports.md` for the
//! quota rates). A [`RuleBook`] holds versions of the [`RuleSet`] by effective-from date: a guard is
//! judged under the version in force on the date of the act it checks, and the event it produces
//! names that version, so history imported from 2022 is judged by the 2022 rules.
//!
//! A deployment overrides values (and citations) from a TOML file, see [`RuleBook::from_toml`].

use std::borrow::Cow;
use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;

/// How sure we are that a value is what the regulation says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Confidence {
    /// C: read in the regulation text or a verbatim quotation of it.
    Confirmed,
    /// S: seen in secondary material (paraphrase, training material, local guide).
    Secondary,
    /// U: unconfirmed; implemented as a parameter with the spec's default.
    Unconfirmed,
    /// No central rule exists; the value is the deployment's choice.
    DeploymentChoice,
}

impl Confidence {
    /// The one-letter mark used in the spec.
    pub fn mark(self) -> &'static str {
        match self {
            Confidence::Confirmed => "C",
            Confidence::Secondary => "S",
            Confidence::Unconfirmed => "U",
            Confidence::DeploymentChoice => "D",
        }
    }

    /// How sure the source is, in words for a clerk ("" when read in the text itself); explained
    /// once on each page by [`Confidence::EXPLAINED_VI`].
    pub fn label_vi(self) -> &'static str {
        match self {
            Confidence::Confirmed => "",
            Confidence::Secondary => "theo tài liệu hướng dẫn",
            Confidence::Unconfirmed => "chưa xác nhận",
            Confidence::DeploymentChoice => "do đơn vị quy định",
        }
    }

    /// What the words of [`Confidence::label_vi`] mean.
    pub const EXPLAINED_VI: &'static str = "“Theo tài liệu hướng dẫn”: căn cứ đọc ở tài liệu hướng dẫn, tập huấn trích lại văn bản, chưa đối chiếu nguyên văn. “Chưa xác nhận”: chưa tìm được văn bản, hệ thống dùng mức thường áp dụng. “Do đơn vị quy định”: không có quy định chung, đơn vị tự đặt.";
}

/// A value of the rule set with the id and the source that set it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cited<T> {
    /// Rule id, as in the spec (`age.min`).
    pub id: &'static str,
    /// The value in force.
    pub value: T,
    /// Where the value comes from, in the words a clerk can look up.
    pub citation: Cow<'static, str>,
    /// How sure the citation is.
    pub confidence: Confidence,
}

impl<T> Cited<T> {
    fn new(id: &'static str, value: T, confidence: Confidence, citation: &'static str) -> Self {
        Cited {
            id,
            value,
            citation: Cow::Borrowed(citation),
            confidence,
        }
    }

    /// The citation as the texts in force from `from` word it: before QĐ 294-QĐ/TW (1/7/2025)
    /// neither it nor HD 06-HD/TW (2025) is cited (HD 01-HD/TW (2021) guided then, its section
    /// not known here, so none is given); before QĐ 232-QĐ/TW (20/01/2025), QĐ 24-QĐ/TW (2021)
    /// is cited in its place, as the spec reads the rules unchanged between them.
    fn cited_as_of(mut self, from: Date) -> Self {
        self.citation = Cow::Owned(citation_as_of(&self.citation, from));
        self
    }

    /// The citation as shown beside a violation: the source and the confidence mark.
    pub fn cite(&self) -> String {
        match self.confidence {
            Confidence::Unconfirmed => format!("{} (chưa xác nhận)", self.citation),
            _ => self.citation.to_string(),
        }
    }

    /// A violation of this rule with the given Vietnamese message.
    pub fn violation(&self, message_vi: impl Into<String>) -> Violation {
        Violation {
            rule_id: Cow::Borrowed(self.id),
            citation: self.cite(),
            message_vi: message_vi.into(),
        }
    }
}

/// See [`Cited::cited_as_of`].
fn citation_as_of(citation: &str, from: Date) -> String {
    let mut out = citation.to_string();
    if from < Date::constant(2025, 7, 1) {
        let mut kept: Vec<String> = Vec::new();
        for seg in out.split("; ") {
            if seg.contains("294-QĐ/TW") {
                // Keep the words after the sources, joined to the sources before.
                if let Some((_, text)) = seg.split_once(": ")
                    && !text.contains("294-QĐ/TW")
                    && let Some(last) = kept.last_mut()
                {
                    last.push_str(": ");
                    last.push_str(text);
                }
                continue;
            }
            kept.push(seg.to_string());
        }
        out = kept.join("; ");
        for hd06 in ["Hướng dẫn 06-HD/TW (09/6/2025)", "Hướng dẫn 06-HD/TW"] {
            while let Some(at) = out.find(hd06) {
                let rest = &out[at + hd06.len()..];
                // The section of HD 06 is not HD 01's: drop it.
                let skip = rest
                    .strip_prefix(" §")
                    .map(|r| " §".len() + r.find([' ', ':', ';']).unwrap_or(r.len()))
                    .unwrap_or(0);
                out = format!(
                    "{}Hướng dẫn 01-HD/TW (28/9/2021){}",
                    &out[..at],
                    &out[at + hd06.len() + skip..]
                );
            }
        }
    }
    if from < Date::constant(2025, 1, 20) {
        for (old, new) in [
            ("Quy định 24-QĐ/TW và 232-QĐ/TW", "Quy định 24-QĐ/TW"),
            ("Quy định 29-QĐ/TW và 232-QĐ/TW", "Quy định 24-QĐ/TW"),
            (
                "Quy định 232-QĐ/TW (20/01/2025)",
                "Quy định 24-QĐ/TW (30/7/2021)",
            ),
            ("Quy định 232-QĐ/TW", "Quy định 24-QĐ/TW"),
        ] {
            out = out.replace(old, new);
        }
    }
    out
}

/// A rule that a command breaks: a value, never a panic or a bare string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule id (`cert.validity`).
    pub rule_id: Cow<'static, str>,
    /// The source of the rule.
    pub citation: String,
    /// What a clerk reads: what is wrong, in Vietnamese.
    pub message_vi: String,
}

impl Violation {
    /// A check of the data itself (a date in the future, a vote count that does not add up),
    /// not a rule of the regulations: no citation.
    pub fn input(rule_id: &'static str, message_vi: impl Into<String>) -> Violation {
        Violation {
            rule_id: Cow::Borrowed(rule_id),
            citation: String::new(),
            message_vi: message_vi.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {} ({})",
            self.rule_id, self.message_vi, self.citation
        )
    }
}

/// Whole years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Years(pub u32);
/// Whole months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Months(pub u32);
/// Calendar days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Days(pub u32);
/// Working days (Monday–Friday less days off, by the [`WorkCalendar`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct WorkingDays(pub u32);
/// A count of people or things.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Count(pub u32);

/// A share such as 2/3, compared exactly with integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Ratio {
    /// Numerator.
    pub num: u32,
    /// Denominator (> 0).
    pub den: u32,
}

impl Ratio {
    /// `part / whole >= self`, exactly. An empty whole is never reached.
    pub fn reached(self, part: u32, whole: u32) -> bool {
        whole > 0 && u64::from(part) * u64::from(self.den) >= u64::from(whole) * u64::from(self.num)
    }

    /// The smallest count of `whole` that reaches the ratio.
    pub fn needed(self, whole: u32) -> u32 {
        let n = u64::from(whole) * u64::from(self.num);
        let d = u64::from(self.den);
        u32::try_from(n.div_ceil(d)).unwrap_or(u32::MAX)
    }
}

/// A range of percentages in basis points (1 % = 100), exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PercentRange {
    /// Low end, basis points.
    pub low_bp: u32,
    /// High end, basis points.
    pub high_bp: u32,
}

/// An inclusive range of counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CountRange {
    /// Lowest.
    pub low: u32,
    /// Highest.
    pub high: u32,
}

/// A rule with no number: enforced or not (a deployment may turn a guard off when a newer text drops it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Enforced(pub bool);

/// General-education grade as party forms write it (`9/12`): the minimum grade in the 12-year system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Grade(pub u8);

/// Shown in Vietnamese by `ketnap rules` and in messages.
pub trait RuleValue: fmt::Display {
    /// Parse an override from TOML.
    fn from_toml(v: &toml::Value) -> Option<Self>
    where
        Self: Sized;
}

fn toml_u32(v: &toml::Value) -> Option<u32> {
    v.as_integer().and_then(|i| u32::try_from(i).ok())
}

macro_rules! unit_value {
    ($t:ident, $fmt:literal) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $fmt, self.0)
            }
        }
        impl RuleValue for $t {
            fn from_toml(v: &toml::Value) -> Option<Self> {
                toml_u32(v).map($t)
            }
        }
    };
}
unit_value!(Years, "{} năm");
unit_value!(Months, "{} tháng");
unit_value!(Days, "{} ngày");
unit_value!(WorkingDays, "{} ngày làm việc");
unit_value!(Count, "{}");

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/12", self.0)
    }
}
impl RuleValue for Grade {
    fn from_toml(v: &toml::Value) -> Option<Self> {
        toml_u32(v)
            .and_then(|g| u8::try_from(g).ok())
            .filter(|g| (1..=12).contains(g))
            .map(Grade)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}
impl RuleValue for Ratio {
    /// `"2/3"`.
    fn from_toml(v: &toml::Value) -> Option<Self> {
        let (n, d) = v.as_str()?.split_once('/')?;
        let (num, den) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
        (den > 0 && num <= den).then_some(Ratio { num, den })
    }
}

/// Basis points as a Vietnamese percentage: `350` → `3,5 %`.
pub fn format_bp(bp: u32) -> String {
    crate::numfmt::decimal_vi(u128::from(bp), 2)
}

impl fmt::Display for PercentRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low_bp == self.high_bp {
            write!(f, "{} %", format_bp(self.low_bp))
        } else {
            write!(
                f,
                "{}–{} %",
                format_bp(self.low_bp),
                format_bp(self.high_bp)
            )
        }
    }
}
impl RuleValue for PercentRange {
    /// `[3, 4]` or `[3.5, 4]` (percent), or a single number.
    fn from_toml(v: &toml::Value) -> Option<Self> {
        let bp = |v: &toml::Value| -> Option<u32> {
            let f = v.as_float().or_else(|| v.as_integer().map(|i| i as f64))?;
            (0.0..=100.0)
                .contains(&f)
                .then(|| (f * 100.0).round() as u32)
        };
        match v {
            toml::Value::Array(a) if a.len() == 2 => {
                let (low_bp, high_bp) = (bp(&a[0])?, bp(&a[1])?);
                (low_bp <= high_bp).then_some(PercentRange { low_bp, high_bp })
            }
            other => bp(other).map(|b| PercentRange {
                low_bp: b,
                high_bp: b,
            }),
        }
    }
}

impl fmt::Display for CountRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}–{}", self.low, self.high)
        }
    }
}
impl RuleValue for CountRange {
    /// `[1, 2]`.
    fn from_toml(v: &toml::Value) -> Option<Self> {
        match v {
            toml::Value::Array(a) if a.len() == 2 => {
                let (low, high) = (toml_u32(&a[0])?, toml_u32(&a[1])?);
                (low <= high).then_some(CountRange { low, high })
            }
            other => toml_u32(other).map(|n| CountRange { low: n, high: n }),
        }
    }
}

impl fmt::Display for Enforced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 {
            "áp dụng"
        } else {
            "không áp dụng"
        })
    }
}
impl RuleValue for Enforced {
    fn from_toml(v: &toml::Value) -> Option<Self> {
        v.as_bool().map(Enforced)
    }
}

/// One line of `ketnap rules`: id, value as text, citation, confidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleLine {
    /// Rule id.
    pub id: &'static str,
    /// Value shown in Vietnamese.
    pub value: String,
    /// Citation.
    pub citation: String,
    /// Confidence mark (C, S, U, D).
    pub confidence: &'static str,
}

/// Errors loading a rule book from TOML.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RulesError {
    /// The file is not TOML of the expected shape.
    #[error("rules file is not valid: {0}")]
    Parse(String),
    /// An id the RuleSet does not know.
    #[error("unknown rule id `{0}`")]
    UnknownId(String),
    /// A value of the wrong type or out of range.
    #[error("bad value for rule `{id}`: {value}")]
    BadValue {
        /// The rule id.
        id: String,
        /// The rejected value, as written.
        value: String,
    },
    /// A date that is not `YYYY-MM-DD`.
    #[error("bad date `{0}`")]
    BadDate(String),
}

macro_rules! rule_set {
    ($( $field:ident : $ty:ty = $id:literal, $value:expr, $conf:ident, $cite:literal; )*) => {
        /// Every parameter of the regulations, each with its id and citation.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        pub struct RuleSet {
            /// Short name of this version, recorded in each event it judged (`QĐ 294-QĐ/TW`).
            pub version: Cow<'static, str>,
            /// First day this version is in force.
            pub effective_from: Date,
            $(
                #[doc = concat!("`", $id, "` — ", $cite)]
                pub $field: Cited<$ty>,
            )*
        }

        impl RuleSet {
            /// The defaults of the spec (`shared/domain/lifecycle-and-rules.md`), as in force from `effective_from`.
            pub fn spec_default(version: &'static str, effective_from: Date) -> RuleSet {
                RuleSet {
                    version: Cow::Borrowed(version),
                    effective_from,
                    $( $field: Cited::new($id, $value, Confidence::$conf, $cite).cited_as_of(effective_from), )*
                }
            }

            /// Every rule as a printable line, in the spec's order.
            pub fn lines(&self) -> Vec<RuleLine> {
                vec![$(
                    RuleLine {
                        id: $id,
                        value: self.$field.value.to_string(),
                        citation: self.$field.cite(),
                        confidence: self.$field.confidence.mark(),
                    },
                )*]
            }

            /// All rule ids known.
            pub const IDS: &'static [&'static str] = &[$($id),*];

            /// Override one value (and optionally its citation) by id.
            pub fn set(&mut self, id: &str, value: &toml::Value, citation: Option<String>) -> Result<(), RulesError> {
                match id {
                    $( $id => {
                        let v = <$ty as RuleValue>::from_toml(value).ok_or_else(|| RulesError::BadValue {
                            id: id.to_string(),
                            value: value.to_string(),
                        })?;
                        self.$field.value = v;
                        if let Some(c) = citation {
                            self.$field.citation = Cow::Owned(c);
                            self.$field.confidence = Confidence::DeploymentChoice;
                        }
                        Ok(())
                    } )*
                    other => Err(RulesError::UnknownId(other.to_string())),
                }
            }
        }
    };
}

rule_set! {
    // §3 eligibility
    age_min: Years = "age.min", Years(18), Confirmed,
        "Quy định 232-QĐ/TW (20/01/2025) §1.1.1; Quy định 294-QĐ/TW (26/5/2025) §1.1.1 (S): đủ 18 tuổi, tính theo tháng, tại ngày chi bộ xét";
    age_max: Years = "age.max", Years(60), Confirmed,
        "Quy định 232-QĐ/TW §1.1.2: không quá 60 tuổi, tính theo tháng; điều kiện ngoại lệ theo Hướng dẫn 01-HD/TW (2021) §1.1 (S)";
    age_over_max_authority: Enforced = "age.over_max_authority", Enforced(true), Secondary,
        "Quy định 232-QĐ/TW §1.1.2; Hướng dẫn 01-HD/TW (2021) §1.1: trên 60 tuổi do cấp ủy trực thuộc Trung ương quyết định, có văn bản đồng ý của ban thường vụ trước";
    edu_min: Grade = "edu.min", Grade(9), Confirmed,
        "Quy định 232-QĐ/TW §1.2: tốt nghiệp trung học cơ sở (9/12) trở lên";
    edu_exception_primary: Grade = "edu.exception_primary", Grade(5), Secondary,
        "Hướng dẫn 01-HD/TW (2021) §1.2: vùng cao, biên giới, hải đảo, dân tộc thiểu số, đặc biệt khó khăn, ngư dân bám biển: tối thiểu tốt nghiệp tiểu học";
    edu_exception_literate: Enforced = "edu.exception_literate", Enforced(true), Secondary,
        "Hướng dẫn 01-HD/TW (2021) §1.2: già làng, trưởng bản, người có uy tín: biết đọc, biết viết tiếng Việt, có văn bản đồng ý của ban thường vụ cấp ủy trực thuộc Trung ương";
    intro_count: Count = "intro.count", Count(2), Confirmed,
        "Điều lệ Đảng (2011) Điều 4.1: hai đảng viên chính thức giới thiệu";
    intro_cowork: Months = "intro.cowork", Months(12), Confirmed,
        "Quy định 24-QĐ/TW (2021) §3.2.1; Quy định 294-QĐ/TW §3.2.1 (S): cùng công tác, học tập, cư trú ít nhất 12 tháng trong cùng đơn vị";
    intro_replacement: Enforced = "intro.replacement", Enforced(true), Secondary,
        "Quy định 24-QĐ/TW §3.2.2: người giới thiệu thay thế do chi bộ phân công, không áp dụng điều kiện 12 tháng";
    intro_youth_union: Enforced = "intro.youth_union", Enforced(true), Confirmed,
        "Điều lệ Đảng Điều 4.1: người trong độ tuổi thanh niên phải là đoàn viên, do ban chấp hành đoàn cơ sở và một đảng viên chính thức giới thiệu; nơi không có Đoàn: công đoàn cơ sở";
    youth_age_max: Years = "intro.youth_age_max", Years(30), Secondary,
        "Điều lệ Đoàn TNCS Hồ Chí Minh: độ tuổi đoàn viên từ 16 đến 30";
    cert_validity: Months = "cert.validity", Months(60), Secondary,
        "Hướng dẫn 06-HD/TW (09/6/2025) §5.4 (dẫn lại): giấy chứng nhận bồi dưỡng nhận thức về Đảng có giá trị 60 tháng kể từ ngày cấp";
    cert_issuer: Enforced = "cert.issuer", Enforced(true), Unconfirmed,
        "Hướng dẫn 01-HD/TW §3.1 (dẫn lại): trung tâm chính trị cấp huyện hoặc tương đương, nơi không có thì cấp ủy có thẩm quyền kết nạp; đơn vị cấp sau sắp xếp 2025";
    background_validity: Months = "background.validity", Months(12), Secondary,
        "Danh mục hồ sơ kết nạp (chưa thấy điều khoản hướng dẫn): lý lịch đã chứng nhận có giá trị 12 tháng đến ngày chi bộ xét";
    comments_validity: Months = "comments.validity", Months(12), Secondary,
        "Hướng dẫn 01-HD/TW (dẫn lại): quá 12 tháng chưa xét thì làm lại giấy giới thiệu, nghị quyết giới thiệu của đoàn, tổng hợp nhận xét";
    vote_cell: Ratio = "vote.cell", Ratio { num: 2, den: 3 }, Confirmed,
        "Điều lệ Đảng Điều 4.3: ít nhất hai phần ba đảng viên chính thức tán thành; cách tính: Quy định 294-QĐ/TW §9.3.2 (S)";
    vote_committee: Ratio = "vote.committee", Ratio { num: 2, den: 3 }, Secondary,
        "Hướng dẫn 06-HD/TW §3.7a (dẫn lại): ít nhất hai phần ba tổng số cấp ủy viên tán thành";
    vote_max_attempts: Count = "vote.max_attempts", Count(3), Confirmed,
        "Quy định 24-QĐ/TW §4.2.3: sau 3 lần biểu quyết không đủ hai phần ba, báo cáo cấp ủy cấp trên";
    religious: Enforced = "religious", Enforced(true), Secondary,
        "Quy định 06-QĐ/TW (28/8/2018) thay Quy định 123-QĐ/TW (2004): người có đạo cần thẩm tra thêm các nội dung về hoạt động tôn giáo";
    ethnic_chinese: Enforced = "ethnic_chinese", Enforced(true), Secondary,
        "Thông tri 06-TT/TW (2004), Hướng dẫn 42-HD/BTCTW (2005): người dân tộc Hoa cần thẩm tra thêm";
    readmit_gap: Months = "readmit.gap", Months(36), Confirmed,
        "Quy định 24-QĐ/TW và 232-QĐ/TW §3.5.1: ít nhất 36 tháng kể từ khi ra khỏi Đảng";
    readmit_gap_crime: Months = "readmit.gap_crime", Months(60), Confirmed,
        "Quy định 24-QĐ/TW và 232-QĐ/TW §3.5.1: 60 tháng kể từ khi được xóa án tích (tội ít nghiêm trọng)";
    readmit_excluded: Enforced = "readmit.excluded", Enforced(true), Confirmed,
        "Quy định 29-QĐ/TW và 232-QĐ/TW §3.5.2: không kết nạp lại người tự bỏ sinh hoạt, xin ra Đảng, gây mất đoàn kết nghiêm trọng, bị kết án tham nhũng hoặc tội nghiêm trọng trở lên";
    readmit_once: Count = "readmit.once", Count(1), Confirmed,
        "Quy định 29-QĐ/TW §3.5.1–3.5.4; Quy định 24-QĐ/TW §3.5.1: chỉ kết nạp lại một lần, ban thường vụ tỉnh ủy đồng ý bằng văn bản";
    application_first: Enforced = "application.first", Enforced(true), Secondary,
        "Hướng dẫn 06-HD/TW §3: đơn xin vào Đảng viết trước khi khai lý lịch";
    mentor_official: Enforced = "mentor.official", Enforced(true), Confirmed,
        "Điều lệ Đảng Điều 5.1: đảng viên chính thức được phân công giúp đỡ, cùng chi bộ";
    verify_scope: Enforced = "verify.scope", Enforced(true), Confirmed,
        "Hướng dẫn 01-HD/TW (2021) §3.4a: thẩm tra người vào Đảng, cha mẹ đẻ, cha mẹ vợ (chồng) hoặc người nuôi dưỡng, vợ (chồng), con đủ năng lực hành vi dân sự";
    verify_content: Enforced = "verify.content", Enforced(true), Confirmed,
        "Hướng dẫn 01-HD/TW (2021) §3.4b: thẩm tra lịch sử chính trị, quan điểm chính trị, chấp hành đường lối và pháp luật, phẩm chất, đạo đức, lối sống; kết quả chưa rõ phải thẩm tra làm rõ";
    verify_exempt: Enforced = "verify.exempt", Enforced(true), Confirmed,
        "Hướng dẫn 01-HD/TW (2021) §3.4c: không thẩm tra nếu cha, mẹ, anh chị em ruột, con là đảng viên và lý lịch khai đầy đủ, rõ ràng";
    verify_order: Enforced = "verify.order", Enforced(true), Confirmed,
        "Hướng dẫn 01-HD/TW (2021) §3.3; Hướng dẫn 06-HD/TW §3.4d (S): đóng dấu giáp lai trước khi gửi thẩm tra; chi ủy nhận xét, đảng ủy chứng nhận sau khi có kết quả";
    verification_stall: Days = "verification.stall", Days(30), DeploymentChoice,
        "Lựa chọn của đơn vị triển khai: không thấy thời hạn trả lời thẩm tra ở cấp Trung ương";
    partial_appraisal: Enforced = "partial.appraisal", Enforced(true), Secondary,
        "Hướng dẫn 12-HD/BTCTW (2022), danh mục hồ sơ: đảng ủy bộ phận thẩm định trước đảng ủy cơ sở";
    authority_decide: Enforced = "authority.decide", Enforced(true), Confirmed,
        "Quy định 29-QĐ/TW §4.3.2; cấp quyết định sau 2025: Quy định 294-QĐ/TW (S)";
    decision_notify: Enforced = "decision.notify", Enforced(true), Confirmed,
        "Quy định 29-QĐ/TW §4.3.1: đồng ý hay không đều thông báo cho chi bộ đề nghị";
    political_standard: Enforced = "political.standard", Enforced(true), Secondary,
        "Quy định 232-QĐ/TW §3.3: tiêu chuẩn chính trị theo Quy định 58-QĐ/TW (08/02/2022)";
    students: Enforced = "students", Enforced(true), Secondary,
        "Không có quy định riêng ở Trung ương; tiêu chuẩn học lực, hạnh kiểm (rèn luyện) của học sinh, sinh viên do hướng dẫn của tỉnh ủy hoặc đảng ủy cơ sở quy định (ví dụ học lực khá trở lên, hạnh kiểm tốt), ghi ở tổ chức";
    // Deadlines
    deadline_grassroots_review: WorkingDays = "deadline.grassroots_review", WorkingDays(0), DeploymentChoice,
        "Không có thời hạn riêng ở Trung ương; nằm trong thời hạn quyết định kết nạp (0 = không đặt mốc nội bộ)";
    deadline_decision: WorkingDays = "deadline.decision", WorkingDays(60), Confirmed,
        "Quy định 29-QĐ/TW và 232-QĐ/TW §4.3.1: 60 ngày làm việc kể từ ngày chi bộ ra nghị quyết";
    deadline_decision_extension: WorkingDays = "deadline.decision_extension", WorkingDays(30), Confirmed,
        "Quy định 29-QĐ/TW và 232-QĐ/TW §4.3.1: gia hạn tối đa 30 ngày làm việc, ghi rõ lý do";
    deadline_recognition_decision: WorkingDays = "deadline.recognition_decision", WorkingDays(30), Confirmed,
        "Quy định 29-QĐ/TW và 232-QĐ/TW §4.3.1: 30 ngày làm việc kể từ nghị quyết công nhận của chi bộ";
    deadline_ceremony: WorkingDays = "deadline.ceremony", WorkingDays(30), Confirmed,
        "Quy định 232-QĐ/TW §4.1; Quy định 294-QĐ/TW (S): lễ kết nạp trong 30 ngày làm việc kể từ khi nhận quyết định";
    deadline_recognition: WorkingDays = "deadline.recognition", WorkingDays(30), Confirmed,
        "Quy định 24-QĐ/TW §4.2.1; Quy định 294-QĐ/TW §4.2 (S): chi bộ xét công nhận trong 30 ngày làm việc khi hết 12 tháng dự bị";
    probation_months: Months = "probation.months", Months(12), Confirmed,
        "Điều lệ Đảng Điều 5.1: thời kỳ dự bị 12 tháng kể từ ngày kết nạp";
    probation_course: Enforced = "probation.course", Enforced(true), Secondary,
        "Hướng dẫn 01-HD/TW (2021) §4: hoàn thành lớp bồi dưỡng lý luận chính trị cho đảng viên mới trước khi công nhận";
    recognition_effective: Enforced = "recognition.effective_at_probation_end", Enforced(true), Confirmed,
        "Quy định 24-QĐ/TW §4.2.2: công nhận chính thức tính từ ngày hết 12 tháng dự bị, kể cả khi xét muộn";
    party_age_from_decision: Enforced = "party_age.from_decision", Enforced(true), Confirmed,
        "Điều lệ Đảng Điều 5.4: tuổi đảng tính từ ngày ghi trong quyết định kết nạp";
    removal: Enforced = "removal", Enforced(true), Confirmed,
        "Điều lệ Đảng Điều 5.2: đảng viên dự bị không đủ tư cách thì xóa tên";
    records_member_background: WorkingDays = "records.member_background", WorkingDays(30), Secondary,
        "Hướng dẫn 12-HD/BTCTW (2022) §2.2: khai lý lịch đảng viên trong 30 ngày làm việc sau lễ kết nạp";
    mentor_note_interval: Months = "mentor.note_interval", Months(1), Secondary,
        "Hạt giống 000, 003; chi bộ sinh hoạt hằng tháng (Điều lệ Đảng Điều 24.2): đảng viên giúp đỡ báo cáo hằng tháng";
    cell_committee_threshold: Count = "cell.committee_threshold", Count(9), Confirmed,
        "Điều lệ Đảng Điều 24.4: chi bộ có từ 9 đảng viên chính thức trở lên bầu chi ủy";
    cell_committee_max: Count = "cell.committee_max", Count(7), Confirmed,
        "Điều lệ Đảng Điều 24.4: chi ủy không quá 7 thành viên";
    // Plans (plans-and-reports.md)
    plan_sources_rate: PercentRange = "plan.sources_rate", PercentRange { low_bp: 600, high_bp: 800 }, Secondary,
        "Hạt giống 000: nguồn cảm tình Đảng 6–8 % so với đảng số";
    plan_admissions_rate: PercentRange = "plan.admissions_rate", PercentRange { low_bp: 300, high_bp: 400 }, Confirmed,
        "Nghị quyết 21-NQ/TW (16/6/2022); chỉ thị cấp huyện (hạt giống 004): kết nạp 3–4 % so với đảng số đầu năm";
    plan_cell_course_min: Count = "plan.cell_course_min", Count(2), Secondary,
        "Hạt giống 000: mỗi chi bộ ít nhất 2 quần chúng đi học lớp nhận thức về Đảng mỗi năm";
    plan_cell_admissions: CountRange = "plan.cell_admissions", CountRange { low: 1, high: 2 }, Secondary,
        "Hạt giống 000: mỗi chi bộ kết nạp 1–2 đảng viên mỗi năm";
}

/// The versions of the RuleSet by effective date, and the working-day calendar.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleBook {
    versions: Vec<RuleSet>,
    /// The working-day calendar used for every "N working days" deadline.
    pub calendar: WorkCalendar,
}

fn date(y: i16, m: i8, d: i8) -> Date {
    // Constant, valid dates only.
    Date::constant(y, m, d)
}

impl RuleBook {
    /// The book built from the spec: the same values under QĐ 24 (30/7/2021), QĐ 232 (20/01/2025)
    /// and QĐ 294 (1/7/2025); events name the version that judged them.
    pub fn spec_default() -> RuleBook {
        let versions = vec![
            RuleSet::spec_default("QĐ 24-QĐ/TW", date(2021, 7, 30)),
            RuleSet::spec_default("QĐ 232-QĐ/TW", date(2025, 1, 20)),
            RuleSet::spec_default("QĐ 294-QĐ/TW", date(2025, 7, 1)),
        ];
        RuleBook {
            versions,
            calendar: WorkCalendar::vietnam(),
        }
    }

    /// A book of the given versions (sorted by date here) and calendar.
    pub fn new(mut versions: Vec<RuleSet>, calendar: WorkCalendar) -> RuleBook {
        versions.sort_by_key(|v| v.effective_from);
        RuleBook { versions, calendar }
    }

    /// The version in force on `on`. Acts before the earliest version are judged by the earliest
    /// (the oldest rules ketnap carries).
    pub fn in_force(&self, on: Date) -> &RuleSet {
        self.versions
            .iter()
            .rev()
            .find(|v| v.effective_from <= on)
            .or_else(|| self.versions.first())
            .unwrap_or_else(|| unreachable_empty())
    }

    /// The newest version.
    pub fn latest(&self) -> &RuleSet {
        self.versions.last().unwrap_or_else(|| unreachable_empty())
    }

    /// All versions, oldest first.
    pub fn versions(&self) -> &[RuleSet] {
        &self.versions
    }

    /// The spec's book with a deployment's overrides:
    ///
    /// ```toml
    /// [[version]]
    /// name = "Hướng dẫn tỉnh X 2026"
    /// effective_from = "2026-01-01"
    /// [version.values]
    /// "cert.validity" = 48
    /// "vote.cell" = "2/3"
    /// [version.citations]
    /// "cert.validity" = "Hướng dẫn 99-HD/TU (2026) §2"
    ///
    /// [[calendar.year]]   # see WorkCalendar
    /// ```
    /// Each `[[version]]` starts from the version in force on its date and changes what it names.
    pub fn from_toml(text: &str) -> Result<RuleBook, RulesError> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| RulesError::Parse(e.to_string()))?;
        let mut book = RuleBook::spec_default();
        if let Some(versions) = doc.get("version") {
            let arr = versions
                .as_array()
                .ok_or_else(|| RulesError::Parse("`version` must be an array of tables".into()))?;
            // Oldest first, so that a later version of the file overrides an earlier one.
            let mut tables = Vec::with_capacity(arr.len());
            for v in arr {
                let t = v
                    .as_table()
                    .ok_or_else(|| RulesError::Parse("`version` entries must be tables".into()))?;
                let from = t
                    .get("effective_from")
                    .and_then(|d| d.as_str())
                    .ok_or_else(|| RulesError::Parse("`effective_from` missing".into()))?;
                let from: Date = from
                    .parse()
                    .map_err(|_| RulesError::BadDate(from.to_string()))?;
                tables.push((from, t));
            }
            tables.sort_by_key(|(from, _)| *from);
            for (from, t) in tables {
                let name = t
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("ghi đè của đơn vị")
                    .to_string();
                let mut set = book.in_force(from).clone();
                set.version = Cow::Owned(name);
                set.effective_from = from;
                let cites = t.get("citations").and_then(|c| c.as_table());
                let mut changes = Vec::new();
                if let Some(values) = t.get("values").and_then(|v| v.as_table()) {
                    for (id, value) in values {
                        // A value changed without its own citation is cited to the version that
                        // changed it, never to the text whose number it replaced.
                        let cite = cites
                            .and_then(|c| c.get(id))
                            .and_then(|c| c.as_str())
                            .map(str::to_string)
                            .unwrap_or_else(|| {
                                format!(
                                    "{} (áp dụng từ {})",
                                    set.version,
                                    crate::dates::format_vn(from)
                                )
                            });
                        set.set(id, value, Some(cite.clone()))?;
                        changes.push((id.clone(), value.clone(), cite));
                    }
                }
                // A deployment's value stays in force under the later versions of the spec
                // (QĐ 294 from 1/7/2025 does not undo a province's rule of June 2025).
                for later in book.versions.iter_mut().filter(|v| v.effective_from > from) {
                    for (id, value, cite) in &changes {
                        later.set(id, value, Some(cite.clone()))?;
                    }
                }
                book.versions.retain(|v| v.effective_from != from);
                book.versions.push(set);
                book.versions.sort_by_key(|v| v.effective_from);
            }
        }
        if let Some(cal) = doc.get("calendar") {
            book.calendar.apply_toml(cal).map_err(RulesError::Parse)?;
        }
        Ok(book)
    }
}

impl Default for RuleBook {
    fn default() -> Self {
        RuleBook::spec_default()
    }
}

#[cold]
fn unreachable_empty() -> ! {
    // A RuleBook is built only by `spec_default`, `new` with the spec's versions, or `from_toml`
    // which starts from `spec_default`; `new` with an empty list is a programming error.
    panic!("a RuleBook has at least one version")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_default_has_a_citation_for_every_rule() {
        let set = RuleBook::spec_default();
        for line in set.latest().lines() {
            assert!(!line.citation.is_empty(), "{} has no citation", line.id);
        }
        assert_eq!(set.latest().lines().len(), RuleSet::IDS.len());
    }

    #[test]
    fn the_version_in_force_is_chosen_by_the_date_of_the_act() {
        let book = RuleBook::spec_default();
        assert_eq!(book.in_force(date(2022, 3, 1)).version, "QĐ 24-QĐ/TW");
        assert_eq!(book.in_force(date(2025, 6, 30)).version, "QĐ 232-QĐ/TW");
        assert_eq!(book.in_force(date(2025, 7, 1)).version, "QĐ 294-QĐ/TW");
        assert_eq!(book.in_force(date(2019, 1, 1)).version, "QĐ 24-QĐ/TW");
    }

    #[test]
    fn a_deployment_overrides_a_value_from_its_date_only() {
        let book = RuleBook::from_toml(
            r#"
            [[version]]
            name = "HD tỉnh 2026"
            effective_from = "2026-01-01"
            [version.values]
            "cert.validity" = 48
            "vote.cell" = "3/4"
            "plan.admissions_rate" = [3.5, 5]
            [version.citations]
            "cert.validity" = "Hướng dẫn 99-HD/TU (2026)"
            "#,
        )
        .unwrap();
        assert_eq!(
            book.in_force(date(2025, 12, 31)).cert_validity.value,
            Months(60)
        );
        let new = book.in_force(date(2026, 1, 1));
        assert_eq!(new.cert_validity.value, Months(48));
        assert_eq!(new.cert_validity.citation, "Hướng dẫn 99-HD/TU (2026)");
        assert_eq!(new.vote_cell.value, Ratio { num: 3, den: 4 });
        assert_eq!(
            new.plan_admissions_rate.value,
            PercentRange {
                low_bp: 350,
                high_bp: 500
            }
        );
        assert_eq!(new.version, "HD tỉnh 2026");
    }

    #[test]
    fn an_unknown_rule_id_or_a_bad_value_is_refused() {
        let e = RuleBook::from_toml(
            "[[version]]\neffective_from = \"2026-01-01\"\n[version.values]\n\"age.mni\" = 18\n",
        );
        assert_eq!(e.unwrap_err(), RulesError::UnknownId("age.mni".into()));
        let e = RuleBook::from_toml(
            "[[version]]\neffective_from = \"2026-01-01\"\n[version.values]\n\"vote.cell\" = \"3/2\"\n",
        );
        assert!(matches!(e, Err(RulesError::BadValue { .. })));
        let e = RuleBook::from_toml("[[version]]\neffective_from = \"2026-13-01\"\n");
        assert!(matches!(e, Err(RulesError::BadDate(_))));
    }

    #[test]
    fn ratios_compare_exactly() {
        let r = Ratio { num: 2, den: 3 };
        assert!(r.reached(6, 9));
        assert!(!r.reached(5, 9));
        assert!(r.reached(7, 10));
        assert!(!r.reached(6, 10));
        assert!(!r.reached(0, 0));
        assert_eq!(r.needed(10), 7);
        assert_eq!(r.needed(9), 6);
    }

    #[test]
    fn percentages_print_with_a_decimal_comma() {
        assert_eq!(
            PercentRange {
                low_bp: 300,
                high_bp: 400
            }
            .to_string(),
            "3–4 %"
        );
        assert_eq!(
            PercentRange {
                low_bp: 350,
                high_bp: 350
            }
            .to_string(),
            "3,5 %"
        );
        assert_eq!(format_bp(14375), "143,75");
    }
}

#[cfg(test)]
mod citation_tests {
    use super::*;

    #[test]
    fn each_version_is_cited_from_the_texts_in_force_then() {
        let book = RuleBook::spec_default();
        let of = |y, m, d| book.in_force(Date::constant(y, m, d));
        for line in of(2022, 3, 1).lines() {
            assert!(
                !line.citation.contains("294")
                    && !line.citation.contains("06-HD/TW")
                    && !line.citation.contains("232-QĐ/TW"),
                "{}: {}",
                line.id,
                line.citation
            );
        }
        for line in of(2025, 3, 1).lines() {
            assert!(
                !line.citation.contains("294") && !line.citation.contains("06-HD/TW"),
                "{}: {}",
                line.id,
                line.citation
            );
        }
        // The words stay; only the sources change.
        let age = &of(2022, 3, 1).age_min;
        assert!(
            age.citation
                .starts_with("Quy định 24-QĐ/TW (30/7/2021) §1.1.1: đủ 18 tuổi"),
            "{}",
            age.citation
        );
        assert!(
            of(2025, 3, 1)
                .cert_validity
                .citation
                .starts_with("Hướng dẫn 01-HD/TW (28/9/2021) (dẫn lại): giấy chứng nhận"),
            "{}",
            of(2025, 3, 1).cert_validity.citation
        );
        assert!(of(2025, 8, 1).cert_validity.citation.contains("06-HD/TW"));
        assert!(of(2025, 8, 1).age_min.citation.contains("294-QĐ/TW"));
        assert!(
            of(2025, 3, 1)
                .deadline_ceremony
                .citation
                .starts_with("Quy định 232-QĐ/TW §4.1: lễ kết nạp")
        );
        assert!(
            of(2022, 3, 1)
                .deadline_decision
                .citation
                .starts_with("Quy định 24-QĐ/TW §4.3.1: 60 ngày")
        );
    }

    #[test]
    fn a_deployment_value_stays_in_force_under_later_versions_of_the_spec() {
        let book = RuleBook::from_toml(
            "[[version]]\nname = \"HD tỉnh\"\neffective_from = \"2025-06-01\"\n[version.values]\n\"cert.validity\" = 48\n",
        )
        .unwrap();
        assert_eq!(
            book.in_force(Date::constant(2025, 5, 31))
                .cert_validity
                .value
                .0,
            60
        );
        for on in [
            Date::constant(2025, 6, 1),
            Date::constant(2025, 7, 1),
            Date::constant(2026, 1, 1),
        ] {
            let r = &book.in_force(on).cert_validity;
            assert_eq!(r.value.0, 48, "{on}");
            assert_eq!(r.citation, "HD tỉnh (áp dụng từ 01/06/2025)");
        }
    }
}
