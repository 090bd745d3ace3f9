//! The interface's words for the portal pages that code (not templates) chooses, in one place
//! per language. Vietnamese only for now; an English catalogue would sit beside it.

/// The document register's title.
pub const DOCUMENTS: &str = "Văn bản";
/// The procedure register's title.
pub const PROCEDURES: &str = "Thủ tục hành chính";
/// The questions-and-answers page's title.
pub const QUESTIONS: &str = "Hỏi – đáp";
/// The consultations page's title.
pub const CONSULTATIONS: &str = "Lấy ý kiến dự thảo văn bản";
/// The fields (lĩnh vực) a citizen picks a question's from, and filters answers by.
pub const QUESTION_FIELDS: [&str; 12] = [
    "Đất đai",
    "Xây dựng",
    "Tư pháp – hộ tịch",
    "Lao động – việc làm",
    "Bảo hiểm xã hội",
    "Giáo dục",
    "Y tế",
    "Thuế – tài chính",
    "Nông nghiệp",
    "Giao thông",
    "Đầu tư – kinh doanh",
    "Khác",
];
/// The search page's title.
pub const SEARCH: &str = "Tìm kiếm";

/// A kind of item as readers call it.
pub fn kind(kind: &str) -> &str {
    match kind {
        "document" => DOCUMENTS,
        "procedure" => PROCEDURES,
        "article" => "Tin bài",
        "page" => "Trang",
        "question" => QUESTIONS,
        "consultation" => "Lấy ý kiến",
        other => other,
    }
}

/// The heading of a search facet (`kind`, `doc_type`, `year`, `site`).
pub fn facet(name: &str) -> &str {
    match name {
        "kind" => "Loại nội dung",
        "doc_type" => "Loại văn bản",
        "year" => "Năm",
        "site" => "Cổng thông tin",
        other => other,
    }
}
