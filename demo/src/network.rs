//! The shape of a province's portal network: the main portal and its 91 component portals,
//! named like the real bodies of Lào Cai province.

use portico_engine::SiteKind;

/// One portal of the demo network.
pub struct SiteSpec {
    pub name: &'static str,
    pub kind: SiteKind,
    /// The parent's name; `None` means the main portal.
    pub parent: Option<&'static str>,
    pub domains: &'static [&'static str],
}

const fn s(name: &'static str, kind: SiteKind) -> SiteSpec {
    SiteSpec {
        name,
        kind,
        parent: None,
        domains: &[],
    }
}

const fn under(name: &'static str, parent: &'static str) -> SiteSpec {
    SiteSpec {
        name,
        kind: SiteKind::Commune,
        parent: Some(parent),
        domains: &[],
    }
}

/// The main portal's name.
pub const MAIN: &str = "Cổng Thông tin điện tử tỉnh Lào Cai";
/// The main portal's host names.
pub const MAIN_DOMAINS: &[&str] = &["laocai.gov.vn", "www.laocai.gov.vn"];

use SiteKind::{Council, Department, District, Party, Union};

/// The 91 component portals, in the order the network lists them.
pub const COMPONENTS: &[SiteSpec] = &[
    s("Văn phòng Đoàn ĐBQH và HĐND tỉnh", Council),
    // 23 Party bodies
    s("Văn phòng Tỉnh ủy", Party),
    s("Ban Tổ chức Tỉnh ủy", Party),
    s("Ban Tuyên giáo Tỉnh ủy", Party),
    s("Ban Dân vận Tỉnh ủy", Party),
    s("Ban Nội chính Tỉnh ủy", Party),
    s("Ủy ban Kiểm tra Tỉnh ủy", Party),
    s("Đảng ủy Khối các cơ quan tỉnh", Party),
    s("Đảng ủy Khối doanh nghiệp tỉnh", Party),
    s("Trường Chính trị tỉnh", Party),
    s("Báo Lào Cai", Party),
    s("Ban Bảo vệ, chăm sóc sức khỏe cán bộ tỉnh", Party),
    s("Đảng ủy Quân sự tỉnh", Party),
    s("Đảng ủy Công an tỉnh", Party),
    s("Đảng ủy Bộ đội Biên phòng tỉnh", Party),
    s("Thành ủy Lào Cai", Party),
    s("Thị ủy Sa Pa", Party),
    s("Huyện ủy Bát Xát", Party),
    s("Huyện ủy Bảo Thắng", Party),
    s("Huyện ủy Bảo Yên", Party),
    s("Huyện ủy Bắc Hà", Party),
    s("Huyện ủy Mường Khương", Party),
    s("Huyện ủy Si Ma Cai", Party),
    s("Huyện ủy Văn Bàn", Party),
    // 29 departments and 9 districts and towns
    s("Văn phòng UBND tỉnh", Department),
    s("Sở Nội vụ", Department),
    s("Sở Tư pháp", Department),
    s("Sở Kế hoạch và Đầu tư", Department),
    SiteSpec {
        name: "Sở Tài chính",
        kind: Department,
        parent: None,
        domains: &["sotc.laocai.gov.vn"],
    },
    s("Sở Công Thương", Department),
    s("Sở Nông nghiệp và Phát triển nông thôn", Department),
    s("Sở Giao thông vận tải", Department),
    s("Sở Xây dựng", Department),
    s("Sở Tài nguyên và Môi trường", Department),
    SiteSpec {
        name: "Sở Thông tin và Truyền thông",
        kind: Department,
        parent: None,
        domains: &["sotttt.laocai.gov.vn"],
    },
    s("Sở Lao động – Thương binh và Xã hội", Department),
    s("Sở Văn hóa và Thể thao", Department),
    s("Sở Du lịch", Department),
    s("Sở Khoa học và Công nghệ", Department),
    s("Sở Giáo dục và Đào tạo", Department),
    s("Sở Y tế", Department),
    s("Sở Ngoại vụ", Department),
    s("Thanh tra tỉnh", Department),
    s("Ban Dân tộc tỉnh", Department),
    s("Ban Quản lý Khu kinh tế tỉnh", Department),
    s("Đài Phát thanh – Truyền hình tỉnh", Department),
    s("Bảo hiểm xã hội tỉnh", Department),
    s("Cục Thuế tỉnh", Department),
    s("Công an tỉnh", Department),
    s("Bộ Chỉ huy Quân sự tỉnh", Department),
    s("Kho bạc Nhà nước tỉnh", Department),
    s("Trung tâm Phục vụ hành chính công tỉnh", Department),
    s("Ban Quản lý dự án đầu tư xây dựng tỉnh", Department),
    s("Thành phố Lào Cai", District),
    s("Thị xã Sa Pa", District),
    s("Huyện Bát Xát", District),
    s("Huyện Bảo Thắng", District),
    s("Huyện Bảo Yên", District),
    s("Huyện Bắc Hà", District),
    s("Huyện Mường Khương", District),
    s("Huyện Si Ma Cai", District),
    s("Huyện Văn Bàn", District),
    // 9 unions and mass organisations
    s("Ủy ban MTTQ Việt Nam tỉnh", Union),
    s("Tỉnh đoàn Lào Cai", Union),
    s("Hội Liên hiệp Phụ nữ tỉnh", Union),
    s("Hội Nông dân tỉnh", Union),
    s("Hội Cựu chiến binh tỉnh", Union),
    s("Liên đoàn Lao động tỉnh", Union),
    s("Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh", Union),
    s("Hội Chữ thập đỏ tỉnh", Union),
    s("Liên minh Hợp tác xã tỉnh", Union),
    // 20 communes and wards, under their district or town
    under("Xã Bản Vược", "Huyện Bát Xát"),
    under("Xã Cốc San", "Huyện Bát Xát"),
    under("Xã Quang Kim", "Huyện Bát Xát"),
    under("Xã Bản Qua", "Huyện Bát Xát"),
    under("Xã Y Tý", "Huyện Bát Xát"),
    under("Xã Mường Hum", "Huyện Bát Xát"),
    under("Phường Cốc Lếu", "Thành phố Lào Cai"),
    under("Phường Kim Tân", "Thành phố Lào Cai"),
    under("Phường Duyên Hải", "Thành phố Lào Cai"),
    under("Phường Bắc Cường", "Thành phố Lào Cai"),
    under("Phường Nam Cường", "Thành phố Lào Cai"),
    under("Phường Pom Hán", "Thành phố Lào Cai"),
    under("Phường Xuân Tăng", "Thành phố Lào Cai"),
    under("Phường Bình Minh", "Thành phố Lào Cai"),
    under("Xã Tả Phời", "Thành phố Lào Cai"),
    under("Xã Hợp Thành", "Thành phố Lào Cai"),
    under("Xã Phong Niên", "Huyện Bảo Thắng"),
    under("Xã Xuân Quang", "Huyện Bảo Thắng"),
    under("Phường Sa Pa", "Thị xã Sa Pa"),
    under("Xã Tả Van", "Thị xã Sa Pa"),
];

/// The channels every portal gets: (name, parent name).
pub const CHANNELS: &[(&str, Option<&str>)] = &[
    ("Tin tức – Sự kiện", None),
    ("Hoạt động của lãnh đạo", Some("Tin tức – Sự kiện")),
    ("Tin địa phương", Some("Tin tức – Sự kiện")),
    ("Thông báo", None),
    ("Văn bản chỉ đạo điều hành", None),
    ("Thủ tục hành chính", None),
    ("Giới thiệu", None),
];

/// The initials of a body's name, as used in document symbols: `Sở Tài chính` → `STC`.
pub fn initials(name: &str) -> String {
    let folded = portico_engine::text::fold(name);
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !["va", "cac", "cua"].contains(w))
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_has_91_components_in_the_right_groups() {
        let count = |k: SiteKind| COMPONENTS.iter().filter(|s| s.kind == k).count();
        assert_eq!(COMPONENTS.len(), 91);
        assert_eq!(count(SiteKind::Council), 1);
        assert_eq!(count(SiteKind::Party), 23);
        assert_eq!(count(SiteKind::Department) + count(SiteKind::District), 38);
        assert_eq!(count(SiteKind::Union), 9);
        assert_eq!(count(SiteKind::Commune), 20);
    }

    #[test]
    fn initials_of_a_department() {
        assert_eq!(initials("Sở Tài chính"), "STC");
        assert_eq!(initials("Sở Kế hoạch và Đầu tư"), "SKHĐT".replace('Đ', "D"));
    }
}
