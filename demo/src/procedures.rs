//! The administrative procedures (thủ tục hành chính) of the demo network: each one at the
//! level that carries it out, with the body that does it and its fee as the national
//! procedure database states them (birth registration on time is free; a judicial record
//! costs 200,000 đồng). A portal lists the procedures it carries out: a commune its
//! commune-level ones, a department those in its field, the main portal the province's.

use portico_engine::SiteKind;

/// Who carries a procedure out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    /// The engine's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }
}

/// One procedure, as the national database describes it.
#[derive(Debug, Clone, Copy)]
pub struct ProcedureSpec {
    /// The national code (mã thủ tục).
    pub code: &'static str,
    pub title: &'static str,
    pub field: &'static str,
    pub level: Level,
    /// The department that carries out a province-level procedure (its portal lists it);
    /// empty for district and commune procedures, which the local people's committee does.
    pub department: &'static str,
    pub fees: &'static str,
    pub duration: &'static str,
    pub papers: &'static str,
    pub legal_basis: &'static str,
    /// "full", "partial" or "none".
    pub online: &'static str,
}

#[allow(
    clippy::too_many_arguments,
    reason = "one row of the table, in its columns' order"
)]
const fn p(
    code: &'static str,
    title: &'static str,
    field: &'static str,
    level: Level,
    department: &'static str,
    fees: &'static str,
    duration: &'static str,
    papers: &'static str,
    legal_basis: &'static str,
    online: &'static str,
) -> ProcedureSpec {
    ProcedureSpec {
        code,
        title,
        field,
        level,
        department,
        fees,
        duration,
        papers,
        legal_basis,
        online,
    }
}

use Level::{Commune, District, Province};

/// The catalogue, one entry per procedure.
pub const CATALOGUE: &[ProcedureSpec] = &[
    p(
        "1.001193",
        "Đăng ký khai sinh",
        "Hộ tịch",
        Commune,
        "",
        "Miễn lệ phí (đăng ký khai sinh đúng hạn)",
        "Ngay trong ngày tiếp nhận hồ sơ",
        "- Tờ khai đăng ký khai sinh theo mẫu;\n- Giấy chứng sinh (hoặc văn bản của người làm chứng xác nhận về việc sinh);\n- Giấy tờ tùy thân của người đi đăng ký.",
        "Luật Hộ tịch năm 2014; Nghị định số 123/2015/NĐ-CP.",
        "full",
    ),
    p(
        "1.000894",
        "Đăng ký kết hôn",
        "Hộ tịch",
        Commune,
        "",
        "Miễn lệ phí",
        "Ngay trong ngày; trường hợp cần xác minh thêm không quá 05 ngày làm việc",
        "- Tờ khai đăng ký kết hôn theo mẫu;\n- Giấy tờ tùy thân của hai bên nam, nữ;\n- Giấy xác nhận tình trạng hôn nhân (nếu đăng ký tại nơi không phải nơi thường trú).",
        "Luật Hôn nhân và gia đình năm 2014; Luật Hộ tịch năm 2014.",
        "partial",
    ),
    p(
        "1.000656",
        "Đăng ký khai tử",
        "Hộ tịch",
        Commune,
        "",
        "Miễn lệ phí",
        "Ngay trong ngày tiếp nhận hồ sơ",
        "- Tờ khai đăng ký khai tử theo mẫu;\n- Giấy báo tử hoặc giấy tờ thay thế giấy báo tử.",
        "Luật Hộ tịch năm 2014; Nghị định số 123/2015/NĐ-CP.",
        "full",
    ),
    p(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Chứng thực",
        Commune,
        "",
        "2.000 đồng/trang; từ trang thứ ba trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản",
        "Trong ngày tiếp nhận yêu cầu",
        "- Bản chính giấy tờ, văn bản;\n- Bản sao cần chứng thực.",
        "Nghị định số 23/2015/NĐ-CP; Thông tư số 226/2016/TT-BTC.",
        "partial",
    ),
    p(
        "1.001022",
        "Đăng ký hoạt động tín ngưỡng",
        "Tín ngưỡng, tôn giáo",
        Commune,
        "",
        "Không thu phí",
        "15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Văn bản đăng ký hoạt động tín ngưỡng hằng năm;\n- Danh mục hoạt động tín ngưỡng.",
        "Luật Tín ngưỡng, tôn giáo năm 2016.",
        "none",
    ),
    p(
        "2.000575",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        District,
        "",
        "100.000 đồng/lần",
        "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Giấy đề nghị đăng ký hộ kinh doanh;\n- Bản sao giấy tờ pháp lý của cá nhân chủ hộ kinh doanh.",
        "Nghị định số 01/2021/NĐ-CP.",
        "full",
    ),
    p(
        "1.009794",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Xây dựng",
        District,
        "",
        "75.000 đồng/giấy phép",
        "15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Đơn đề nghị cấp giấy phép xây dựng theo mẫu;\n- Bản sao giấy tờ chứng minh quyền sử dụng đất;\n- Hai bộ bản vẽ thiết kế xây dựng.",
        "Luật Xây dựng năm 2014, sửa đổi năm 2020; Nghị định số 15/2021/NĐ-CP.",
        "partial",
    ),
    p(
        "1.001776",
        "Giải quyết trợ cấp xã hội hằng tháng",
        "Bảo trợ xã hội",
        District,
        "",
        "Không thu phí",
        "22 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Tờ khai đề nghị trợ giúp xã hội theo mẫu;\n- Bản sao giấy khai sinh (với trẻ em).",
        "Nghị định số 20/2021/NĐ-CP.",
        "partial",
    ),
    p(
        "2.000488",
        "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam",
        "Lý lịch tư pháp",
        Province,
        "Sở Tư pháp",
        "200.000 đồng/lần/người; sinh viên, người có công với cách mạng 100.000 đồng",
        "10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Tờ khai yêu cầu cấp phiếu lý lịch tư pháp theo mẫu;\n- Bản chụp giấy tờ tùy thân.",
        "Luật Lý lịch tư pháp năm 2009; Thông tư số 244/2016/TT-BTC.",
        "full",
    ),
    p(
        "1.004227",
        "Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        "Đất đai",
        Province,
        "Sở Tài nguyên và Môi trường",
        "Lệ phí cấp giấy chứng nhận theo mức Hội đồng nhân dân tỉnh quy định",
        "20 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Đơn đăng ký, cấp giấy chứng nhận theo mẫu;\n- Giấy tờ về quyền sử dụng đất (nếu có);\n- Chứng từ thực hiện nghĩa vụ tài chính.",
        "Luật Đất đai năm 2024; Nghị định số 101/2024/NĐ-CP.",
        "partial",
    ),
    p(
        "1.001432",
        "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa",
        "Du lịch",
        Province,
        "Sở Du lịch",
        "3.000.000 đồng/giấy phép",
        "10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Đơn đề nghị cấp giấy phép theo mẫu;\n- Giấy chứng nhận ký quỹ kinh doanh dịch vụ lữ hành nội địa;\n- Bản sao văn bằng của người phụ trách kinh doanh dịch vụ lữ hành.",
        "Luật Du lịch năm 2017; Thông tư số 33/2018/TT-BTC.",
        "full",
    ),
    p(
        "1.004253",
        "Cấp giấy phép khai thác, sử dụng nước mặt",
        "Tài nguyên nước",
        Province,
        "Sở Tài nguyên và Môi trường",
        "Phí thẩm định theo mức Hội đồng nhân dân tỉnh quy định",
        "30 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Đơn đề nghị cấp giấy phép theo mẫu;\n- Đề án khai thác, sử dụng nước;\n- Kết quả phân tích chất lượng nguồn nước.",
        "Luật Tài nguyên nước năm 2023.",
        "partial",
    ),
    p(
        "1.003986",
        "Cấp giấy phép hành nghề khám bệnh, chữa bệnh",
        "Khám bệnh, chữa bệnh",
        Province,
        "Sở Y tế",
        "360.000 đồng/hồ sơ",
        "30 ngày kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Đơn đề nghị cấp giấy phép hành nghề theo mẫu;\n- Bản sao văn bằng chuyên môn;\n- Giấy chứng nhận đủ sức khỏe để hành nghề.",
        "Luật Khám bệnh, chữa bệnh năm 2023; Thông tư số 59/2023/TT-BTC.",
        "partial",
    ),
    p(
        "1.009972",
        "Thẩm định thiết kế xây dựng triển khai sau thiết kế cơ sở",
        "Hoạt động xây dựng",
        Province,
        "Sở Xây dựng",
        "Phí thẩm định theo Thông tư số 27/2023/TT-BTC",
        "30 ngày kể từ ngày nhận đủ hồ sơ hợp lệ (công trình cấp I)",
        "- Tờ trình thẩm định thiết kế theo mẫu;\n- Hồ sơ thiết kế xây dựng;\n- Báo cáo kết quả khảo sát xây dựng.",
        "Luật Xây dựng năm 2014, sửa đổi năm 2020; Nghị định số 175/2024/NĐ-CP.",
        "partial",
    ),
    p(
        "1.002804",
        "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "Đường bộ",
        Province,
        "Sở Giao thông vận tải",
        "135.000 đồng/lần",
        "05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Đơn đề nghị đổi giấy phép lái xe theo mẫu;\n- Bản sao giấy phép lái xe;\n- Giấy khám sức khỏe của người lái xe.",
        "Luật Trật tự, an toàn giao thông đường bộ năm 2024; Thông tư số 37/2023/TT-BTC.",
        "full",
    ),
    p(
        "2.001612",
        "Cấp giấy chứng nhận đủ điều kiện kinh doanh thuốc",
        "Dược phẩm",
        Province,
        "Sở Y tế",
        "Phí thẩm định theo Thông tư số 41/2023/TT-BTC",
        "20 ngày kể từ ngày nhận đủ hồ sơ hợp lệ",
        "- Đơn đề nghị cấp giấy chứng nhận theo mẫu;\n- Tài liệu kỹ thuật về cơ sở kinh doanh thuốc.",
        "Luật Dược năm 2016; Nghị định số 54/2017/NĐ-CP.",
        "partial",
    ),
];

/// The procedures a portal of `kind` named `name` lists: its own level's, and for a
/// department those it carries out. The network's bodies with no procedures get none.
pub fn for_portal(kind: SiteKind, name: &str) -> Vec<&'static ProcedureSpec> {
    CATALOGUE
        .iter()
        .filter(|p| match kind {
            SiteKind::Main => p.level == Province,
            SiteKind::Department => p.level == Province && p.department == name,
            SiteKind::District => p.level == District,
            SiteKind::Commune => p.level == Commune,
            _ => false,
        })
        .collect()
}

/// Who carries out `spec` as listed on a portal named `portal`: the department, or the
/// people's committee of the district or commune the portal is.
pub fn agency(spec: &ProcedureSpec, portal: &str) -> String {
    match spec.level {
        Province => spec.department.to_owned(),
        District | Commune => format!("Ủy ban nhân dân {}", lower_first(portal)),
    }
}

/// `Xã Tả Van` → `xã Tả Van`, as the name reads inside a sentence.
pub fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().chain(chars).collect::<String>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_titles_are_unique() {
        let codes: HashSet<_> = CATALOGUE.iter().map(|p| p.code).collect();
        let titles: HashSet<_> = CATALOGUE.iter().map(|p| p.title).collect();
        assert_eq!(codes.len(), CATALOGUE.len());
        assert_eq!(titles.len(), CATALOGUE.len());
    }

    #[test]
    fn each_portal_lists_its_own_level() {
        let commune = for_portal(SiteKind::Commune, "Xã Tả Van");
        assert!(commune.iter().all(|p| p.level == Commune));
        assert!(commune.iter().any(|p| p.title == "Đăng ký khai sinh"));
        let justice = for_portal(SiteKind::Department, "Sở Tư pháp");
        assert_eq!(justice.len(), 1);
        assert!(for_portal(SiteKind::Party, "Ban Tổ chức Tỉnh ủy").is_empty());
        let birth = CATALOGUE
            .iter()
            .find(|p| p.title == "Đăng ký khai sinh")
            .unwrap();
        assert!(birth.fees.starts_with("Miễn"));
        assert_eq!(agency(birth, "Xã Tả Van"), "Ủy ban nhân dân xã Tả Van");
    }

    #[test]
    fn every_department_named_runs_a_portal() {
        for p in CATALOGUE.iter().filter(|p| p.level == Province) {
            assert!(
                crate::COMPONENTS.iter().any(|s| s.name == p.department),
                "{} names {}, which has no portal",
                p.title,
                p.department
            );
        }
    }
}
