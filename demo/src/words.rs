//! Vietnamese building blocks for generated content (demo network and benchmark corpora). Written for this project; the
//! sentences they make read like portal news without copying any real text.

use rand::seq::SliceRandom;
use rand::Rng;

pub const LEADS: &[&str] = &[
    "Hội nghị",
    "Lễ ra quân",
    "Tọa đàm",
    "Hội thảo",
    "Đoàn công tác",
    "Lễ phát động",
    "Chương trình",
    "Buổi làm việc",
    "Phiên họp",
    "Lễ khánh thành",
    "Diễn đàn",
    "Kỳ họp",
];

pub const TOPICS: &[&str] = &[
    "chuyển đổi số trong cơ quan nhà nước",
    "xây dựng nông thôn mới kiểu mẫu",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "cải cách thủ tục hành chính",
    "phát triển du lịch cộng đồng ở vùng cao",
    "bảo vệ rừng đầu nguồn",
    "giảm nghèo bền vững cho đồng bào dân tộc thiểu số",
    "nâng cao chất lượng giáo dục vùng khó khăn",
    "phòng, chống dịch bệnh ở người và gia súc",
    "thu hút đầu tư vào khu kinh tế cửa khẩu",
    "xây dựng chính quyền điện tử",
    "giải phóng mặt bằng các dự án trọng điểm",
    "phát triển cây ăn quả ôn đới",
    "bảo đảm trật tự an toàn giao thông",
    "thực hiện quy chế dân chủ ở cơ sở",
    "đào tạo nghề cho lao động nông thôn",
    "chăm sóc sức khỏe ban đầu cho nhân dân",
    "bảo tồn văn hóa truyền thống các dân tộc",
    "quản lý đất đai và tài nguyên khoáng sản",
    "phát triển kinh tế tập thể, hợp tác xã",
    "tiêm chủng mở rộng cho trẻ em",
    "xây dựng Đảng và hệ thống chính trị trong sạch, vững mạnh",
    "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "thu ngân sách nhà nước",
    "giải ngân vốn đầu tư công",
    "phòng cháy, chữa cháy rừng mùa khô",
];

pub const SUBJECTS: &[&str] = &[
    "Ủy ban nhân dân tỉnh",
    "Ban Thường vụ Tỉnh ủy",
    "Các sở, ban, ngành",
    "Lãnh đạo địa phương",
    "Đoàn kiểm tra liên ngành",
    "Cán bộ, công chức",
    "Hội đồng nhân dân tỉnh",
    "Ủy ban Mặt trận Tổ quốc",
    "Người dân trong xã",
    "Đoàn viên thanh niên",
    "Hội viên phụ nữ",
    "Lực lượng công an xã",
];

pub const VERBS: &[&str] = &[
    "đã triển khai",
    "tiếp tục đẩy mạnh",
    "tập trung chỉ đạo",
    "nghiêm túc thực hiện",
    "đánh giá kết quả",
    "thống nhất các giải pháp về",
    "rà soát, tháo gỡ vướng mắc trong",
    "chủ động phối hợp thực hiện",
    "tổ chức tuyên truyền về",
    "kiểm tra tiến độ",
];

pub const COMPLEMENTS: &[&str] = &[
    "trong năm nay",
    "ở các xã vùng cao biên giới",
    "với nhiều kết quả tích cực",
    "theo đúng kế hoạch đã đề ra",
    "nhằm phục vụ người dân và doanh nghiệp tốt hơn",
    "bảo đảm tiến độ và chất lượng",
    "góp phần hoàn thành các chỉ tiêu của Nghị quyết Đại hội",
    "trong điều kiện thời tiết diễn biến phức tạp",
    "với sự tham gia tích cực của nhân dân",
    "tại trụ sở Ủy ban nhân dân",
];

pub const PERIODS: &[&str] = &[
    "6 tháng đầu năm",
    "quý III",
    "năm 2026",
    "giai đoạn 2026 – 2030",
    "tháng 11",
    "đợt cao điểm",
    "mùa mưa lũ",
    "dịp Tết Nguyên đán",
];

pub const PEOPLE: &[&str] = &[
    "Nguyễn Văn Hùng",
    "Trần Thị Thu Hà",
    "Lê Đức Thắng",
    "Phạm Minh Tuấn",
    "Hoàng Thị Lan",
    "Vũ Quốc Khánh",
    "Đặng Xuân Trường",
    "Giàng Seo Phử",
    "Lò Thị Mai",
    "Sùng A Chư",
];

pub const DOC_TYPES: &[(&str, &str)] = &[
    ("Quyết định", "QĐ"),
    ("Kế hoạch", "KH"),
    ("Công văn", ""),
    ("Thông báo", "TB"),
    ("Chỉ thị", "CT"),
    ("Nghị quyết", "NQ"),
    ("Báo cáo", "BC"),
];

pub const FIELDS: &[&str] = &[
    "Công nghệ thông tin",
    "Tài chính",
    "Đất đai",
    "Giáo dục",
    "Y tế",
    "Nông nghiệp",
    "Xây dựng",
    "Giao thông",
    "Văn hóa",
    "Nội vụ",
    "Tư pháp",
    "Du lịch",
];

pub const PROCEDURES: &[(&str, &str)] = &[
    ("Đăng ký khai sinh", "Hộ tịch"),
    ("Đăng ký kết hôn", "Hộ tịch"),
    ("Đăng ký khai tử", "Hộ tịch"),
    (
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Chứng thực",
    ),
    ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
    (
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
    ),
    ("Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp"),
    (
        "Thẩm định dự toán, thiết kế xây dựng công trình",
        "Xây dựng",
    ),
    ("Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
    ("Giải quyết trợ cấp xã hội hằng tháng", "Bảo trợ xã hội"),
    (
        "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa",
        "Du lịch",
    ),
    ("Công nhận gia đình văn hóa", "Văn hóa cơ sở"),
    ("Đăng ký hoạt động tín ngưỡng", "Tín ngưỡng, tôn giáo"),
    ("Cấp giấy phép khai thác tài nguyên nước", "Tài nguyên nước"),
    (
        "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
        "Khám bệnh, chữa bệnh",
    ),
];

/// Picks one entry.
pub fn pick<'a, R: Rng>(rng: &mut R, from: &'a [&'a str]) -> &'a str {
    from.choose(rng).copied().unwrap_or("")
}

/// A sentence of portal news.
pub fn sentence<R: Rng>(rng: &mut R) -> String {
    format!(
        "{} {} {} {}.",
        pick(rng, SUBJECTS),
        pick(rng, VERBS),
        pick(rng, TOPICS),
        pick(rng, COMPLEMENTS)
    )
}

/// A paragraph of `n` sentences.
pub fn paragraph<R: Rng>(rng: &mut R, n: usize) -> String {
    (0..n).map(|_| sentence(rng)).collect::<Vec<_>>().join(" ")
}

/// A sentence about one of `topics`: real documents keep to their subject.
pub fn sentence_on<R: Rng>(rng: &mut R, topics: &[&str]) -> String {
    format!(
        "{} {} {} {}.",
        pick(rng, SUBJECTS),
        pick(rng, VERBS),
        pick(rng, topics),
        pick(rng, COMPLEMENTS)
    )
}

/// A paragraph of `n` sentences about `topics`.
pub fn paragraph_on<R: Rng>(rng: &mut R, n: usize, topics: &[&str]) -> String {
    (0..n)
        .map(|_| sentence_on(rng, topics))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A headline.
pub fn headline<R: Rng>(rng: &mut R, place: &str) -> String {
    let topic = pick(rng, TOPICS);
    match rng.gen_range(0..4) {
        0 => format!("{} về {} {}", pick(rng, LEADS), topic, pick(rng, PERIODS)),
        1 => format!("{place} {} {}", pick(rng, VERBS), topic),
        2 => format!("Đẩy mạnh {topic} {}", pick(rng, PERIODS)),
        _ => format!("{}: {} {}", place, pick(rng, LEADS).to_lowercase(), topic),
    }
}

/// A Markdown article body: a lead paragraph, a sub-heading, a list and more paragraphs.
pub fn article_body<R: Rng>(rng: &mut R) -> String {
    let mut out = paragraph(rng, 3);
    out.push_str("\n\n## Những kết quả nổi bật\n\n");
    for _ in 0..3 {
        out.push_str(&format!("- {}\n", sentence(rng)));
    }
    for _ in 0..rng.gen_range(2..5) {
        out.push('\n');
        let n = rng.gen_range(2..5);
        out.push_str(&paragraph(rng, n));
        out.push('\n');
    }
    out
}
