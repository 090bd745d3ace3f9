//! Relevance: what a citizen types, and what must come first. The five real documents of
//! `../shared/corpus/van-ban` plus items written to test one thing each (tone placements,
//! decomposed text, the `Ð` look-alike, codes, filters, recency).

// Test code: a panic is a failed test with its message, which is what we want.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use chrono::TimeZone;
use portico_search::{Filters, IndexDoc, SearchIndex, SearchRequest, SearchResults, Sort};
use std::path::PathBuf;
use unicode_normalization::UnicodeNormalization;

fn corpus(file: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/van-ban");
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| {
        panic!("the shared corpus is missing ({}): {e}; tests need ../shared/corpus beside the repository", dir.display())
    })
}

fn at(y: i32, m: u32, d: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, m, d, 8, 0, 0)
        .unwrap()
        .timestamp_micros()
}

#[allow(clippy::too_many_arguments)]
fn doc(
    slug: &str,
    site: &str,
    kind: &str,
    title: &str,
    body: &str,
    number: &str,
    doc_type: &str,
    issuer: &str,
    year: u64,
    published: i64,
) -> IndexDoc {
    IndexDoc {
        id: 0,
        site: site.into(),
        kind: kind.into(),
        slug: slug.into(),
        channels: vec![],
        title: title.into(),
        summary: String::new(),
        body: body.into(),
        attachments: vec![],
        number: number.into(),
        doc_type: doc_type.into(),
        issuer: issuer.into(),
        field: "Công nghệ thông tin".into(),
        status: if kind == "document" {
            "in_force".into()
        } else {
            String::new()
        },
        level: String::new(),
        code: String::new(),
        year,
        published_at: published,
    }
}

fn article(slug: &str, site: &str, title: &str, body: &str, published: i64) -> IndexDoc {
    let year = chrono::DateTime::from_timestamp_micros(published)
        .map(|d| chrono::Datelike::year(&d) as u64)
        .unwrap_or(2026);
    doc(
        slug, site, "article", title, body, "", "", "", year, published,
    )
}

fn procedure(slug: &str, site: &str, title: &str, code: &str, level: &str) -> IndexDoc {
    let mut d = doc(
        slug,
        site,
        "procedure",
        title,
        "Bước 1: Nộp hồ sơ tại Bộ phận Một cửa. Bước 2: Nhận kết quả.",
        "",
        "",
        "UBND cấp xã",
        2025,
        at(2025, 3, 1),
    );
    d.code = code.into();
    d.level = level.into();
    d.field = "Hộ tịch".into();
    d
}

fn network() -> SearchIndex {
    let lao_cai = "UBND tỉnh Lào Cai";
    let mut docs = vec![
        doc("kh-thue-phan-mem-2021", "main", "document", "Phê duyệt kế hoạch thuê dịch vụ công nghệ thông tin: phần mềm Dịch vụ hành chính công, phần mềm Cổng thông tin điện tử tỉnh Lào Cai và các Cổng thành phần, giai đoạn 2021-2024", &corpus("000_f2c0b5f22ea2d6d1.txt"), "", "Quyết định", lao_cai, 2021, at(2021, 3, 1)),
        doc("qd-3006", "so-giao-duc", "document", "Phê duyệt kế hoạch thuê dịch vụ CNTT: Cổng thông tin điện tử trong ngành Giáo dục và Đào tạo tỉnh Lào Cai", &corpus("001_4dab54e12cf3cf0a.txt"), "3006/QĐ-UBND", "Quyết định", lao_cai, 2018, at(2018, 9, 18)),
        doc("kh-2200-ha-nam", "main", "document", "Thực hiện Chương trình mục tiêu công nghệ thông tin giai đoạn 2019-2020", &corpus("002_eafa8511836245c8.txt"), "2200/KH-UBND", "Kế hoạch", "UBND tỉnh Hà Nam", 2018, at(2018, 8, 8)),
        doc("qd-3055", "main", "document", "Ban hành Kiến trúc Chính quyền điện tử tỉnh Lào Cai", &corpus("003_d05d9bcd70603be5.txt"), "3055/QĐ-UBND", "Quyết định", lao_cai, 2018, at(2018, 10, 2)),
        doc("kh-dong-nai-2020", "main", "document", "Thực hiện Chương trình mục tiêu công nghệ thông tin năm 2020", &corpus("004_02f28ebb8eeb30dd.txt"), "", "Kế hoạch", "UBND tỉnh Đồng Nai", 2019, at(2019, 12, 1)),
        article("trung-tam-dieu-hanh", "main", "Khai trương Trung tâm điều hành thông minh tỉnh", "Sáng nay, tỉnh chính thức đưa vào vận hành trung tâm.", at(2026, 11, 1)),
        article("ban-vuoc-lam-duong", "xa-ban-vuoc", "Xã Bản Vược ra quân làm đường giao thông nông thôn", "Nhân dân các thôn góp ngày công.", at(2025, 6, 1)),
        article("hoa-nhap", "huyen-bat-xat", "Hoà nhập cộng đồng cho người khuyết tật", "Chương trình hỗ trợ sinh kế.", at(2025, 5, 1)),
        article("ho-tro-vung-lu", "main", &"Hỗ trợ đồng bào vùng lũ".nfd().collect::<String>(), &"Các đoàn thể quyên góp, hỗ trợ đồng bào bị ảnh hưởng bởi lũ quét.".nfd().collect::<String>(), at(2025, 9, 1)),
        article("dai-hoi-ta-van", "main", "ÐẠI HỘI ÐẢNG BỘ XÃ TẢ VAN", "Ðại hội đã bầu Ban Chấp hành nhiệm kỳ mới.", at(2025, 7, 1)),
        article("thuy-loi", "main", "Công trình thuỷ lợi Nậm Pung hoàn thành", "Công trình tưới cho 50 ha lúa.", at(2025, 4, 1)),
        article("ma-tuy-cu", "main", "Tuyên truyền phòng chống ma túy", "Tuyên truyền tại trường học.", at(2019, 1, 1)),
        article("ma-tuy-moi", "main", "Tuyên truyền phòng chống ma túy", "Tuyên truyền tại trường học.", at(2026, 1, 1)),
        article("lua-mua", "main", "Thu hoạch lúa mùa", "Nông dân phấn khởi.", at(2025, 10, 1)),
        article("lua-cho", "main", "Phiên chợ lụa: mua sắm ngày hội", "Làng nghề dệt.", at(2025, 10, 1)),
        article("an-toan-thong-tin", "main", "Bảo đảm an toàn thông tin mạng trong cơ quan nhà nước", "Diễn tập ứng cứu sự cố.", at(2025, 2, 1)),
        article("quyet-dinh-trong-than", "main", "Họp báo thường kỳ tháng 10", "Người phát ngôn công bố quyết định về nhân sự.", at(2026, 10, 1)),
        procedure("dang-ky-khai-sinh", "so-tu-phap", "Đăng ký khai sinh", "1.001193", "commune"),
        procedure("dang-ky-ket-hon", "xa-ban-vuoc", "Đăng ký kết hôn", "1.000894", "commune"),
        procedure("giay-phep-xay-dung", "huyen-bat-xat", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "1.009994", "district"),
        doc("ct-12-chay-rung", "main", "document", "Về tăng cường công tác phòng, chống cháy rừng mùa khô", "Các sở, ngành, địa phương tổ chức trực cháy rừng 24/24.", "12/CT-UBND", "Chỉ thị", lao_cai, 2024, at(2024, 1, 15)),
    ];
    let mut j = doc(
        "qd-45-gia-dinh-van-hoa",
        "xa-ban-vuoc",
        "document",
        "Công nhận gia đình văn hóa năm 2023",
        "Công nhận 120 hộ gia đình đạt danh hiệu.",
        "45/QĐ-UBND",
        "Quyết định",
        "UBND xã Bản Vược",
        2023,
        at(2023, 12, 20),
    );
    j.status = "expired".into();
    docs.push(j);
    for (i, d) in docs.iter_mut().enumerate() {
        d.id = i as i64 + 1;
    }
    let index = SearchIndex::in_memory().unwrap();
    index.apply(&docs, &[], 1).unwrap();
    index
}

fn run(index: &SearchIndex, q: &str, filters: Filters) -> SearchResults {
    index
        .search(&SearchRequest {
            q: q.into(),
            filters,
            sort: Sort::Relevance,
            page: 1,
            per_page: 10,
            facets: true,
        })
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// Filters as a query string would give them.
fn content(params: &[(&str, &str)]) -> Filters {
    Filters {
        sites: Vec::new(),
        content: portico_engine::ContentFilters::from_params(|k| {
            params.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
        })
        .unwrap(),
    }
}

fn slugs(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.slug.as_str()).collect()
}

/// (query, filters, the slug that must come first)
fn first_cases() -> Vec<(&'static str, Filters, &'static str)> {
    let none = Filters::default;
    let kind = |k: &str| content(&[("kind", k)]);
    let level = |l: &str| content(&[("level", l)]);
    vec![
        ("quyết định 3055", none(), "qd-3055"),
        ("quyet dinh 3055", none(), "qd-3055"),
        ("3055", none(), "qd-3055"),
        ("3055/QĐ-UBND", none(), "qd-3055"),
        ("3055/qd-ubnd", none(), "qd-3055"),
        ("3055 QĐ UBND", none(), "qd-3055"),
        ("3055/QÐ-UBND", none(), "qd-3055"), // typed with the look-alike Ð
        ("3006", none(), "qd-3006"),
        ("3006/QĐ-UBND", none(), "qd-3006"),
        ("2200/KH-UBND", none(), "kh-2200-ha-nam"),
        ("kế hoạch 2200", none(), "kh-2200-ha-nam"),
        ("kien truc chinh quyen dien tu", none(), "qd-3055"),
        ("kiến trúc chính quyền điện tử", none(), "qd-3055"),
        (
            "\"kiến trúc chính quyền điện tử\" lào cai",
            none(),
            "qd-3055",
        ),
        ("cong thong tin dien tu nganh giao duc", none(), "qd-3006"),
        (
            "thuê dịch vụ hành chính công 2021-2024",
            none(),
            "kh-thue-phan-mem-2021",
        ),
        ("hà nam", none(), "kh-2200-ha-nam"),
        ("ha nam", none(), "kh-2200-ha-nam"),
        ("dong nai", none(), "kh-dong-nai-2020"),
        ("Đồng Nai", none(), "kh-dong-nai-2020"),
        ("hoà nhập cộng đồng", none(), "hoa-nhap"),
        ("hòa nhập cộng đồng", none(), "hoa-nhap"),
        ("hoa nhap", none(), "hoa-nhap"),
        ("thủy lợi nậm pung", none(), "thuy-loi"),
        ("thuỷ lợi", none(), "thuy-loi"),
        ("thuy loi", none(), "thuy-loi"),
        ("hỗ trợ đồng bào vùng lũ", none(), "ho-tro-vung-lu"),
        ("ho tro dong bao vung lu", none(), "ho-tro-vung-lu"),
        ("đảng bộ tả van", none(), "dai-hoi-ta-van"),
        ("dai hoi dang bo", none(), "dai-hoi-ta-van"),
        ("đăng ký khai sinh", none(), "dang-ky-khai-sinh"),
        ("dang ky khai sinh", none(), "dang-ky-khai-sinh"),
        ("1.001193", none(), "dang-ky-khai-sinh"),
        ("dang ky ket hon", level("commune"), "dang-ky-ket-hon"),
        (
            "giấy phép xây dựng",
            level("district"),
            "giay-phep-xay-dung",
        ),
        ("chong chay rung", kind("document"), "ct-12-chay-rung"),
        ("chỉ thị 12", none(), "ct-12-chay-rung"),
        ("12/CT-UBND", none(), "ct-12-chay-rung"),
        ("xa ban vuoc lam duong", none(), "ban-vuoc-lam-duong"),
        (
            "trung tâm điều hành thông minh",
            none(),
            "trung-tam-dieu-hanh",
        ),
        ("tuyen truyen phong chong ma tuy", none(), "ma-tuy-moi"),
        ("lúa mùa", none(), "lua-mua"),
        ("lụa mua", none(), "lua-cho"),
        ("an toàn thông tin", none(), "an-toan-thong-tin"),
        ("quyết định", kind("document"), "qd-3055"),
    ]
}

#[test]
fn the_expected_item_comes_first() {
    let index = network();
    let mut wrong = Vec::new();
    let cases = first_cases();
    for (q, filters, expected) in &cases {
        let r = run(&index, q, filters.clone());
        if slugs(&r).first() != Some(expected) {
            wrong.push(format!(
                "{q:?} {filters:?}: expected {expected} first, got {:?}",
                slugs(&r)
            ));
        }
    }
    assert!(cases.len() >= 40);
    assert!(
        wrong.is_empty(),
        "{} of {} queries wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn filters_narrow_and_descendants_reach_down() {
    let index = network();
    let status = |s: &str| content(&[("status", s)]);
    assert_eq!(
        slugs(&run(&index, "gia dinh van hoa", status("expired"))),
        ["qd-45-gia-dinh-van-hoa"]
    );
    let in_force = run(&index, "gia dinh van hoa", status("in_force"));
    assert!(!slugs(&in_force).contains(&"qd-45-gia-dinh-van-hoa"));
    let sites = |s: &[&str]| Filters {
        sites: s.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(
        slugs(&run(
            &index,
            "gia dinh van hoa",
            sites(&["huyen-bat-xat", "xa-ban-vuoc"])
        )),
        ["qd-45-gia-dinh-van-hoa"]
    );
    assert!(run(&index, "gia dinh van hoa", sites(&["huyen-bat-xat"]))
        .hits
        .is_empty());
    assert!(slugs(&run(&index, "gia dinh van hoa", sites(&["main"])))
        .iter()
        .all(|s| *s != "qd-45-gia-dinh-van-hoa"));
    let from_2021 = content(&[("year_from", "2021"), ("kind", "document")]);
    let r = run(&index, "ke hoach thue dich vu", from_2021);
    assert_eq!(slugs(&r), ["kh-thue-phan-mem-2021"]);
    let plans = content(&[("doc_type", "Kế hoạch")]);
    let r = run(&index, "cong nghe thong tin", plans);
    assert_eq!(r.total, 2);
    assert!(r
        .hits
        .iter()
        .all(|h| h.doc_type.as_deref() == Some("Kế hoạch")));
    let ha_nam = content(&[("issuer", "UBND tỉnh Hà Nam")]);
    assert_eq!(slugs(&run(&index, "", ha_nam)), ["kh-2200-ha-nam"]);
    let procs = run(&index, "dang ky", content(&[("kind", "procedure")]));
    assert_eq!(procs.total, 2);
}

#[test]
fn facets_count_what_matched() {
    let index = network();
    let r = run(&index, "", content(&[("kind", "document")]));
    assert_eq!(r.total, 7);
    let doc_types = &r.facets["doc_type"];
    let count = |v: &str| doc_types.iter().find(|f| f.value == v).map(|f| f.count);
    assert_eq!(count("Quyết định"), Some(4));
    assert_eq!(count("Kế hoạch"), Some(2));
    assert_eq!(count("Chỉ thị"), Some(1));
    assert!(
        r.facets["year"]
            .iter()
            .any(|f| f.value == "2018" && f.count == 3),
        "{:?}",
        r.facets["year"]
    );
}

/// Counts from several segments add up, the most frequent value comes first, equal counts
/// in the values' order, and a value no hit has is not listed.
#[test]
fn facets_add_up_across_segments() {
    let index = SearchIndex::in_memory().unwrap();
    let mut id = 0;
    for (round, issuers) in [
        &["UBND tỉnh Lào Cai", "Sở Tài chính"][..],
        &["UBND tỉnh Lào Cai", "Sở Xây dựng", "UBND tỉnh Lào Cai"][..],
        &["Sở Tài chính"][..],
    ]
    .into_iter()
    .enumerate()
    {
        let docs: Vec<IndexDoc> = issuers
            .iter()
            .map(|issuer| {
                id += 1;
                let mut d = doc(
                    &format!("vb-{id}"),
                    "main",
                    "document",
                    "Quyết định về quy hoạch",
                    "Nội dung quy hoạch",
                    &format!("{id}/QĐ-UBND"),
                    "Quyết định",
                    issuer,
                    2020 + u64::try_from(id % 2).unwrap(),
                    at(2024, 1, 1),
                );
                d.id = id;
                d
            })
            .collect();
        // One commit a round: a segment each.
        index
            .apply(&docs, &[], i64::try_from(round).unwrap() + 1)
            .unwrap();
    }
    index.apply(&[], &[], 10).unwrap();
    assert!(
        index.searcher().segment_readers().len() >= 2,
        "the test needs several segments"
    );
    let r = run(&index, "quy hoach", Filters::default());
    assert_eq!(r.total, 6);
    let issuers: Vec<(&str, u64)> = r.facets["issuer"]
        .iter()
        .map(|f| (f.value.as_str(), f.count))
        .collect();
    assert_eq!(
        issuers,
        [
            ("UBND tỉnh Lào Cai", 3),
            ("Sở Tài chính", 2),
            ("Sở Xây dựng", 1)
        ]
    );
    let years: Vec<(&str, u64)> = r.facets["year"]
        .iter()
        .map(|f| (f.value.as_str(), f.count))
        .collect();
    assert_eq!(years, [("2020", 3), ("2021", 3)]);
    let narrowed = run(&index, "quy hoach", content(&[("issuer", "Sở Xây dựng")]));
    assert_eq!(narrowed.facets["issuer"].len(), 1);
    assert_eq!(narrowed.facets["site"][0].count, 1);
}

#[test]
fn snippets_highlight_the_original_spelling() {
    let index = network();
    let r = run(&index, "quyet dinh 3055", Filters::default());
    let hit = &r.hits[0];
    assert!(
        hit.title_html.contains("<b>Quyết</b> <b>định</b>")
            || hit.title_html.contains("<b>3055</b>"),
        "{}",
        hit.title_html
    );
    assert!(hit.snippet_html.contains("<b>"), "{}", hit.snippet_html);
    let r = run(&index, "ha nam", Filters::default());
    assert!(
        r.hits[0].snippet_html.contains("<b>Hà</b> <b>Nam</b>"),
        "{}",
        r.hits[0].snippet_html
    );
}

#[test]
fn sort_by_date_and_paging() {
    let index = network();
    let all = index
        .search(&SearchRequest {
            q: String::new(),
            filters: Filters::default(),
            sort: Sort::Date,
            page: 1,
            per_page: 50,
            facets: false,
        })
        .unwrap();
    assert_eq!(all.total, 22);
    let times: Vec<_> = all.hits.iter().map(|h| h.published_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let page2 = index
        .search(&SearchRequest {
            q: String::new(),
            filters: Filters::default(),
            sort: Sort::Date,
            page: 2,
            per_page: 5,
            facets: false,
        })
        .unwrap();
    assert_eq!(page2.hits[0].slug, all.hits[5].slug);
    let too_deep = index.search(&SearchRequest {
        q: "x".into(),
        filters: Filters::default(),
        sort: Sort::Relevance,
        page: 10_000,
        per_page: 50,
        facets: false,
    });
    assert!(too_deep.is_err());
}

#[test]
fn odd_queries_give_results_not_errors() {
    let index = network();
    for q in [
        "\"unbalanced",
        "AND OR NOT",
        "+-!(){}[]^~*?:\\/",
        "🙂 🚀",
        "a\u{0}\u{7}b",
        "\"\"",
        "   ",
        "ÐÐÐ",
        &"dài ".repeat(100),
    ] {
        index
            .search(&SearchRequest {
                q: q.to_string(),
                filters: Filters::default(),
                sort: Sort::Relevance,
                page: 1,
                per_page: 10,
                facets: false,
            })
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    let long = "a".repeat(501);
    assert!(index
        .search(&SearchRequest {
            q: long,
            ..Default::default()
        })
        .is_err());
}

#[test]
fn suggestions_complete_titles_as_typed() {
    let index = network();
    let titles = |q: &str| -> Vec<String> {
        index
            .suggest(q, &Filters::default(), 5)
            .unwrap()
            .into_iter()
            .map(|h| h.slug)
            .collect()
    };
    assert_eq!(titles("dang ky kh"), ["dang-ky-khai-sinh"]);
    assert!(titles("đăng ký k").contains(&"dang-ky-ket-hon".to_string()));
    assert_eq!(titles("kien truc chinh q"), ["qd-3055"]);
    assert!(titles("thuy").contains(&"thuy-loi".to_string()));
    assert!(titles("").is_empty());
}

/// A phrase that exists only in a document's attached file (a scan's recognised text, deep
/// in a long file) finds the document, below one whose own text has it, with a snippet
/// cut from the attached text around the match.
#[test]
fn attached_files_are_searched_with_their_documents() {
    let mut scanned = doc(
        "qd-88-ban-giao",
        "main",
        "document",
        "Về việc bàn giao tài sản",
        "",
        "88/QĐ-UBND",
        "Quyết định",
        "UBND tỉnh Lào Cai",
        2024,
        at(2024, 5, 1),
    );
    // Several chunks of text before the phrase: the snippet must come from the right one.
    let filler = "Điều khoản chung về quản lý tài sản công. ".repeat(400);
    scanned.attachments = vec![
        filler.clone(),
        "Giao cho Trung tâm Quan trắc tài nguyên và môi trường tiếp nhận trạm đo mưa Sa Pả."
            .to_owned(),
    ];
    scanned.id = 100;
    let mut own = article(
        "tram-do-mua",
        "main",
        "Tin vắn",
        "Tỉnh lắp đặt trạm đo mưa Sa Pả phục vụ cảnh báo lũ.",
        at(2024, 6, 1),
    );
    own.id = 101;
    let index = SearchIndex::in_memory().unwrap();
    index.apply(&[scanned, own], &[], 1).unwrap();

    let r = run(&index, "\"trạm đo mưa Sa Pả\"", Filters::default());
    assert_eq!(slugs(&r), ["tram-do-mua", "qd-88-ban-giao"]);
    let hit = &r.hits[1];
    assert!(hit.snippet_in_attachment, "{hit:?}");
    assert!(
        hit.snippet_html
            .contains("<b>trạm</b> <b>đo</b> <b>mưa</b>"),
        "{}",
        hit.snippet_html
    );
    assert!(!r.hits[0].snippet_in_attachment);
    // A phrase with more words beside it.
    let r = run(&index, "\"trạm đo mưa\" tiếp nhận", Filters::default());
    assert_eq!(slugs(&r), ["qd-88-ban-giao"]);
    // Without diacritics, as citizens type on a phone.
    let r = run(&index, "tiep nhan tram do mua", Filters::default());
    assert_eq!(slugs(&r), ["qd-88-ban-giao"]);
    // Words only in the filler and the metadata do not drag it in for other queries.
    let r = run(&index, "cảnh báo lũ", Filters::default());
    assert_eq!(slugs(&r), ["tram-do-mua"]);
}
