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

/// The field (lĩnh vực) a topic belongs to, so an article's tag agrees with its text.
pub fn field_of(topic: &str) -> &'static str {
    const BY_WORD: &[(&str, &str)] = &[
        ("chuyển đổi số", "Công nghệ thông tin"),
        ("điện tử", "Công nghệ thông tin"),
        ("giáo dục", "Giáo dục"),
        ("đào tạo nghề", "Giáo dục"),
        ("sức khỏe", "Y tế"),
        ("dịch bệnh", "Y tế"),
        ("tiêm chủng", "Y tế"),
        ("du lịch", "Du lịch"),
        ("văn hóa", "Văn hóa"),
        ("đất đai", "Đất đai"),
        ("mặt bằng", "Đất đai"),
        ("ngân sách", "Tài chính"),
        ("vốn đầu tư", "Tài chính"),
        ("đầu tư", "Tài chính"),
        ("giao thông", "Giao thông"),
        ("thủ tục hành chính", "Tư pháp"),
        ("dân chủ", "Nội vụ"),
        ("Đảng", "Nội vụ"),
        ("Hồ Chí Minh", "Nội vụ"),
        ("thiên tai", "Nội vụ"),
    ];
    BY_WORD
        .iter()
        .find(|(word, _)| topic.contains(word))
        .map_or("Nông nghiệp", |(_, field)| field)
}

/// One generated news story: its headline, summary and body all speak of one topic, as a
/// real story does.
pub struct Story {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub field: &'static str,
}

/// A story about one topic, set in `place`.
pub fn story<R: Rng>(rng: &mut R, place: &str) -> Story {
    let topic = pick(rng, TOPICS);
    let lead = pick(rng, LEADS);
    let period = pick(rng, PERIODS);
    let on = [topic];
    let (title, summary) = match rng.gen_range(0..4) {
        0 => (
            format!("{lead} về {topic} {period}"),
            format!(
                "{lead} về {topic} {period} được tổ chức tại {place}, với sự tham gia của {}.",
                pick(rng, SUBJECTS).to_lowercase()
            ),
        ),
        1 => {
            let verb = pick(rng, VERBS);
            (
                format!("{place} {verb} {topic}"),
                format!(
                    "{place} {verb} {topic} {}, coi đây là nhiệm vụ trọng tâm {period}.",
                    pick(rng, COMPLEMENTS)
                ),
            )
        }
        2 => (
            format!("Đẩy mạnh {topic} {period}"),
            format!(
                "Để đẩy mạnh {topic} {period}, {} đã đề ra nhiều giải pháp cụ thể.",
                pick(rng, SUBJECTS).to_lowercase()
            ),
        ),
        _ => (
            format!("{place}: {} {topic}", lead.to_lowercase()),
            format!(
                "{lead} {topic} tại {place} thu hút đông đảo cán bộ và nhân dân tham gia {}.",
                pick(rng, COMPLEMENTS)
            ),
        ),
    };
    // The summary stands above the body on the page; the body goes on from it.
    let mut body = paragraph_on(rng, 3, &on);
    body.push_str("\n\n## Những kết quả nổi bật\n\n");
    for _ in 0..3 {
        body.push_str(&format!("- {}\n", sentence_on(rng, &on)));
    }
    for _ in 0..rng.gen_range(2..4) {
        let n = rng.gen_range(2..4);
        body.push('\n');
        body.push_str(&paragraph_on(rng, n, &on));
        body.push('\n');
    }
    body.push_str(&format!(
        "\nThời gian tới, {place} tiếp tục thực hiện {topic}, {}.\n",
        pick(rng, COMPLEMENTS)
    ));
    Story {
        title,
        summary,
        body,
        field: field_of(topic),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_story_keeps_to_its_topic() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..50 {
            let s = story(&mut rng, "Sa Pa");
            let topic = TOPICS
                .iter()
                .find(|t| s.title.contains(*t))
                .expect("the headline names a topic");
            assert!(s.summary.contains(topic), "{} / {}", s.title, s.summary);
            // Every sentence of the body is about the same topic.
            for other in TOPICS.iter().filter(|t| *t != topic && !topic.contains(*t)) {
                assert!(
                    !s.body.contains(other),
                    "{}: body strays to {other}",
                    s.title
                );
            }
            assert_eq!(s.field, field_of(topic));
        }
    }

    #[test]
    fn fields_follow_topics() {
        assert_eq!(field_of("tiêm chủng mở rộng cho trẻ em"), "Y tế");
        assert_eq!(
            field_of("chuyển đổi số trong cơ quan nhà nước"),
            "Công nghệ thông tin"
        );
        assert_eq!(field_of("phát triển cây ăn quả ôn đới"), "Nông nghiệp");
    }
}
