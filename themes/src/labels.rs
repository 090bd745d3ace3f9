//! The interface's words for the portal pages that code (not templates) chooses, in one place
//! per language. Vietnamese only for now; an English catalogue would sit beside it.

/// The document register's title.
pub const DOCUMENTS: &str = "Văn bản";
/// The procedure register's title.
pub const PROCEDURES: &str = "Thủ tục hành chính";
/// The search page's title.
pub const SEARCH: &str = "Tìm kiếm";

/// A kind of item as readers call it.
pub fn kind(kind: &str) -> &str {
    match kind {
        "document" => DOCUMENTS,
        "procedure" => PROCEDURES,
        "article" => "Tin bài",
        "page" => "Trang",
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
