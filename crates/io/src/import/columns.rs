//! The columns of every list, in one table: the importer recognises them (the heading or any
//! alias, with or without diacritics), the exporter writes them in this order with these
//! headings, and the downloadable templates are built from them with their example row. One
//! source, so an export imports back unchanged.

use super::Kind;

/// One column of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Stable key used in code.
    pub key: &'static str,
    /// The heading written in exports and templates.
    pub heading: &'static str,
    /// Other headings offices use for it.
    pub aliases: &'static [&'static str],
    /// A value must be given on every row.
    pub required: bool,
    /// The template's example value.
    pub example: &'static str,
}

const fn col(
    key: &'static str,
    heading: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    example: &'static str,
) -> Column {
    Column {
        key,
        heading,
        aliases,
        required,
        example,
    }
}

/// The person's profile, shared by the roster, people and candidates lists.
macro_rules! person_columns {
    () => {
        [
            col(
                "full_name",
                "Họ và tên",
                &["Họ tên", "Tên", "Họ, chữ đệm và tên"],
                true,
                "Nguyễn Thị Mai",
            ),
            col(
                "birth_date",
                "Ngày sinh",
                &["Ngày, tháng, năm sinh", "Sinh ngày", "Ngày tháng năm sinh"],
                true,
                "07/03/1998",
            ),
            col("gender", "Giới tính", &["Nam/Nữ", "Phái"], true, "Nữ"),
            col("ethnicity", "Dân tộc", &[], false, "Kinh"),
            col("religion", "Tôn giáo", &[], false, "Không"),
            col(
                "education",
                "Giáo dục phổ thông",
                &[
                    "Trình độ giáo dục phổ thông",
                    "Học vấn",
                    "Trình độ học vấn",
                    "Văn hóa",
                ],
                false,
                "12/12",
            ),
            col(
                "qualification",
                "Chuyên môn, nghiệp vụ",
                &["Trình độ chuyên môn", "Chuyên môn"],
                false,
                "Đại học",
            ),
            col(
                "theory_level",
                "Lý luận chính trị",
                &["Trình độ lý luận chính trị", "LLCT"],
                false,
                "Không",
            ),
            col(
                "source_category",
                "Đối tượng",
                &["Nghề nghiệp", "Đối tượng nguồn", "Nhóm đối tượng"],
                false,
                "Giáo viên",
            ),
            col(
                "id_number",
                "Số định danh cá nhân",
                &[
                    "Số định danh",
                    "Số CCCD",
                    "CCCD",
                    "Căn cước công dân",
                    "Số căn cước",
                    "Số CMND",
                ],
                false,
                "001198012345",
            ),
            col(
                "youth_union",
                "Đoàn viên",
                &["Đoàn viên TNCS", "Là đoàn viên"],
                false,
                "Có",
            ),
            col(
                "trade_union",
                "Công đoàn viên",
                &["Đoàn viên công đoàn"],
                false,
                "Không",
            ),
            col(
                "unit",
                "Thôn, tổ dân phố",
                &["Thôn", "Tổ dân phố", "Nơi cư trú", "Thôn/Tổ dân phố"],
                false,
                "Thôn Đông",
            ),
        ]
    };
}

const ORGS: &[Column] = &[
    // Required of party organisations only: a thôn or a mass organisation has no code.
    col(
        "code",
        "Mã tổ chức",
        &["Mã", "Mã đơn vị", "Mã TCĐ"],
        false,
        "CB-XA-DONG",
    ),
    col(
        "name",
        "Tên tổ chức",
        &["Tên", "Tên đơn vị", "Tổ chức"],
        true,
        "Chi bộ thôn Đông",
    ),
    col("kind", "Loại", &["Loại tổ chức", "Cấp"], true, "Chi bộ"),
    col(
        "sector",
        "Lĩnh vực",
        &["Loại hình", "Khối"],
        false,
        "Thôn, tổ dân phố",
    ),
    col(
        "parent_code",
        "Mã tổ chức cấp trên",
        &["Mã cấp trên", "Trực thuộc", "Cấp trên"],
        false,
        "DU-XA",
    ),
    col(
        "cell_code",
        "Mã chi bộ phụ trách",
        &["Chi bộ phụ trách"],
        false,
        "",
    ),
    col(
        "authority",
        "Cấp quyết định kết nạp",
        &["Thẩm quyền kết nạp"],
        false,
        "",
    ),
    col(
        "youth_union_exists",
        "Có tổ chức Đoàn",
        &["Có Đoàn"],
        false,
        "Có",
    ),
    col(
        "trade_union_instead",
        "Công đoàn giới thiệu thay Đoàn",
        &["Công đoàn giới thiệu"],
        false,
        "Không",
    ),
];

const MEMBERS_TAIL: &[Column] = &[
    col(
        "cell_code",
        "Mã chi bộ",
        &["Chi bộ", "Mã tổ chức", "Sinh hoạt tại chi bộ"],
        true,
        "CB-XA-DONG",
    ),
    col(
        "status",
        "Loại đảng viên",
        &["Chính thức/Dự bị", "Trạng thái"],
        false,
        "Chính thức",
    ),
    col(
        "admitted_on",
        "Ngày vào Đảng",
        &["Ngày kết nạp", "Ngày vào đảng"],
        true,
        "19/05/2015",
    ),
    col(
        "official_on",
        "Ngày chính thức",
        &["Ngày công nhận chính thức"],
        false,
        "19/05/2016",
    ),
    col(
        "card_no",
        "Số thẻ đảng viên",
        &["Số thẻ", "Số thẻ ĐV", "Thẻ đảng"],
        false,
        "01234567",
    ),
    col(
        "posts",
        "Chức vụ ở thôn, tổ dân phố",
        &["Chức vụ", "Chức vụ đang giữ"],
        false,
        "Trưởng thôn",
    ),
];

const PEOPLE_TAIL: &[Column] = &[
    col(
        "org_code",
        "Mã tổ chức",
        &["Mã đảng bộ xã", "Xã, phường"],
        true,
        "DU-XA",
    ),
    col(
        "posts",
        "Chức vụ ở thôn, tổ dân phố",
        &["Chức vụ", "Chức vụ đang giữ"],
        false,
        "Chi hội trưởng phụ nữ",
    ),
];

const CANDIDATES_TAIL: &[Column] = &[
    col(
        "cell_code",
        "Mã chi bộ",
        &["Chi bộ", "Mã tổ chức"],
        true,
        "CB-XA-DONG",
    ),
    col(
        "stage",
        "Giai đoạn",
        &["Giai đoạn hiện tại", "Bước hiện tại", "Tình trạng"],
        false,
        "Chờ quyết định kết nạp",
    ),
    col(
        "married",
        "Đã kết hôn",
        &["Có vợ/chồng", "Tình trạng hôn nhân"],
        false,
        "Không",
    ),
    col(
        "proposed_by",
        "Đoàn thể giới thiệu",
        &["Tổ chức đoàn thể giới thiệu"],
        false,
        "",
    ),
    col(
        "source_on",
        "Ngày đưa vào nguồn",
        &["Ngày vào nguồn", "Ngày tạo nguồn"],
        true,
        "10/01/2025",
    ),
    col(
        "sympathizer_on",
        "Ngày vào danh sách cảm tình Đảng",
        &["Ngày cảm tình Đảng"],
        false,
        "20/02/2025",
    ),
    col(
        "sympathizer_no",
        "Số nghị quyết cảm tình Đảng",
        &[],
        false,
        "05-NQ/CB",
    ),
    col(
        "mentor",
        "Đảng viên giúp đỡ",
        &["Người giúp đỡ", "Số thẻ đảng viên giúp đỡ"],
        false,
        "01234567",
    ),
    col(
        "course_on",
        "Ngày học lớp nhận thức",
        &["Ngày dự lớp", "Ngày học lớp bồi dưỡng nhận thức về Đảng"],
        false,
        "10/03/2025",
    ),
    col(
        "course_name",
        "Lớp bồi dưỡng nhận thức",
        &["Tên lớp", "Khóa học"],
        false,
        "Khóa 1/2025",
    ),
    col(
        "cert_no",
        "Số giấy chứng nhận",
        &["Số GCN", "Số giấy chứng nhận học lớp"],
        false,
        "0123/CN-TTCT",
    ),
    col(
        "cert_on",
        "Ngày cấp giấy chứng nhận",
        &["Ngày cấp GCN"],
        false,
        "20/03/2025",
    ),
    col(
        "cert_issuer",
        "Nơi cấp giấy chứng nhận",
        &["Nơi cấp GCN", "Đơn vị cấp"],
        false,
        "Trung tâm Chính trị",
    ),
    col(
        "application_on",
        "Ngày làm đơn",
        &["Ngày đơn xin vào Đảng", "Ngày nộp đơn"],
        false,
        "01/04/2025",
    ),
    col(
        "background_on",
        "Ngày khai lý lịch",
        &["Ngày lý lịch"],
        false,
        "05/04/2025",
    ),
    col(
        "introducers",
        "Người giới thiệu",
        &["Đảng viên giới thiệu", "Số thẻ người giới thiệu"],
        false,
        "01234567; 01234568",
    ),
    col(
        "introduction_on",
        "Ngày giấy giới thiệu",
        &[],
        false,
        "10/04/2025",
    ),
    col(
        "union_resolution_no",
        "Số nghị quyết Đoàn giới thiệu",
        &["Số nghị quyết đoàn thể giới thiệu"],
        false,
        "03-NQ/ĐTN",
    ),
    col(
        "union_resolution_on",
        "Ngày nghị quyết Đoàn giới thiệu",
        &["Ngày nghị quyết đoàn thể giới thiệu"],
        false,
        "10/04/2025",
    ),
    col(
        "comments_on",
        "Ngày tổng hợp nhận xét",
        &["Ngày tổng hợp ý kiến nhận xét", "Ngày 5-KNĐ"],
        false,
        "15/04/2025",
    ),
    col(
        "verification_sent_on",
        "Ngày gửi thẩm tra lý lịch",
        &["Ngày gửi thẩm tra"],
        false,
        "20/04/2025",
    ),
    col(
        "verification_on",
        "Ngày có kết quả thẩm tra",
        &["Ngày kết quả thẩm tra", "Ngày thẩm tra xong"],
        false,
        "20/05/2025",
    ),
    col(
        "cell_vote_on",
        "Ngày chi bộ xét kết nạp",
        &["Ngày chi bộ biểu quyết", "Ngày nghị quyết chi bộ"],
        false,
        "01/06/2025",
    ),
    col(
        "cell_resolution_no",
        "Số nghị quyết chi bộ",
        &[],
        false,
        "12-NQ/CB",
    ),
    col(
        "cell_officials",
        "Số đảng viên chính thức",
        &["Tổng số đảng viên chính thức"],
        false,
        "20",
    ),
    col(
        "cell_present",
        "Số đảng viên có mặt",
        &["Có mặt"],
        false,
        "18",
    ),
    col(
        "cell_in_favour",
        "Số tán thành",
        &["Tán thành"],
        false,
        "18",
    ),
    col(
        "cell_base_note",
        "Lý do số đảng viên chính thức khác danh sách",
        &["Lý do chênh lệch"],
        false,
        "",
    ),
    col(
        "partial_on",
        "Ngày đảng bộ bộ phận thẩm định",
        &["Ngày thẩm định"],
        false,
        "",
    ),
    col("partial_no", "Số báo cáo thẩm định", &[], false, ""),
    col(
        "grassroots_vote_on",
        "Ngày đảng ủy xét kết nạp",
        &["Ngày đảng ủy biểu quyết", "Ngày nghị quyết đảng ủy"],
        false,
        "15/06/2025",
    ),
    col(
        "grassroots_resolution_no",
        "Số nghị quyết đảng ủy",
        &[],
        false,
        "45-NQ/ĐU",
    ),
    col(
        "committee_members",
        "Số đảng ủy viên",
        &["Tổng số cấp ủy viên"],
        false,
        "15",
    ),
    col(
        "committee_in_favour",
        "Số đảng ủy viên tán thành",
        &["Cấp ủy tán thành"],
        false,
        "15",
    ),
    col(
        "consent_no",
        "Số văn bản đồng ý của cấp trên",
        &["Số văn bản đồng ý"],
        false,
        "",
    ),
    col(
        "consent_on",
        "Ngày văn bản đồng ý của cấp trên",
        &["Ngày văn bản đồng ý"],
        false,
        "",
    ),
    col(
        "consent_grounds",
        "Trường hợp được đồng ý",
        &["Trường hợp đặc biệt"],
        false,
        "",
    ),
    col(
        "decision_no",
        "Số quyết định kết nạp",
        &["Số QĐ kết nạp"],
        false,
        "",
    ),
    col(
        "decision_on",
        "Ngày quyết định kết nạp",
        &["Ngày QĐ kết nạp"],
        false,
        "",
    ),
    col(
        "decision_received_on",
        "Ngày chi bộ nhận quyết định",
        &["Ngày nhận quyết định"],
        false,
        "",
    ),
    col(
        "ceremony_on",
        "Ngày lễ kết nạp",
        &["Ngày kết nạp"],
        false,
        "",
    ),
];

const MENTORS: &[Column] = &[
    col(
        "candidate_id_number",
        "Số định danh cá nhân",
        &["Số định danh", "Số CCCD", "CCCD"],
        false,
        "001198012345",
    ),
    col(
        "full_name",
        "Họ và tên",
        &["Họ tên"],
        true,
        "Nguyễn Thị Mai",
    ),
    col(
        "birth_date",
        "Ngày sinh",
        &["Sinh ngày"],
        true,
        "07/03/1998",
    ),
    col("cell_code", "Mã chi bộ", &["Chi bộ"], true, "CB-XA-DONG"),
    col(
        "mentor",
        "Đảng viên giúp đỡ",
        &["Người giúp đỡ", "Số thẻ đảng viên giúp đỡ"],
        true,
        "01234567",
    ),
    col(
        "assigned_on",
        "Ngày phân công",
        &["Ngày phân công giúp đỡ"],
        true,
        "01/03/2026",
    ),
];

const PLANS: &[Column] = &[
    col(
        "org_code",
        "Mã tổ chức",
        &["Mã", "Mã đơn vị"],
        true,
        "DU-XA",
    ),
    col(
        "period",
        "Kỳ kế hoạch",
        &["Năm", "Kỳ", "Nhiệm kỳ"],
        true,
        "2026",
    ),
    col(
        "sources",
        "Chỉ tiêu cảm tình Đảng",
        &["Chỉ tiêu nguồn", "Chỉ tiêu tạo nguồn"],
        false,
        "30",
    ),
    col(
        "course_attendees",
        "Chỉ tiêu học lớp nhận thức",
        &["Chỉ tiêu bồi dưỡng nhận thức"],
        false,
        "25",
    ),
    col(
        "admissions",
        "Chỉ tiêu kết nạp",
        &["Chỉ tiêu kết nạp đảng viên", "Chỉ tiêu"],
        true,
        "16",
    ),
];

/// The columns of `kind`, in export order.
pub fn of(kind: Kind) -> Vec<Column> {
    let person: [Column; 13] = person_columns!();
    match kind {
        Kind::Orgs => ORGS.to_vec(),
        Kind::Members => person.iter().chain(MEMBERS_TAIL).copied().collect(),
        Kind::People => person.iter().chain(PEOPLE_TAIL).copied().collect(),
        Kind::Candidates => person.iter().chain(CANDIDATES_TAIL).copied().collect(),
        Kind::Mentors => MENTORS.to_vec(),
        Kind::Plans => PLANS.to_vec(),
    }
}

/// The headings of `kind`, in export order.
pub fn headings(kind: Kind) -> Vec<&'static str> {
    of(kind).iter().map(|c| c.heading).collect()
}
