//! Citizens taking part, on the demo's main portal: questions answered and published, a few
//! still waiting (one overdue), one rejected; a draft open for comment with approved,
//! pending and answered comments, and a closed one whose report is public.

use super::{step, Crew};
use chrono::{DateTime, Duration, Utc};
use portico_engine::{
    AnswerInput, CommentInput, Engine, EngineError, ManualClock, ModerationInput, NewItemInput,
    QuestionInput, ResponseInput,
};
use serde_json::json;

/// (asker, field, title, question, answer).
const ANSWERED: [(&str, &str, &str, &str, &str); 5] = [
    (
        "Nguyễn Văn Hùng, phường Cốc Lếu",
        "Đất đai",
        "Thủ tục cấp đổi giấy chứng nhận quyền sử dụng đất bị mờ, rách",
        "Giấy chứng nhận quyền sử dụng đất của gia đình tôi cấp năm 2005 nay đã bị mờ và rách. Xin hỏi thủ tục cấp đổi gồm những giấy tờ gì, nộp ở đâu và mất bao lâu?",
        "Ông thực hiện thủ tục **cấp đổi Giấy chứng nhận** tại Bộ phận một cửa cấp xã hoặc Chi nhánh Văn phòng đăng ký đất đai.\n\nHồ sơ gồm:\n\n1. Đơn đề nghị cấp đổi (Mẫu số 11/ĐK);\n2. Bản gốc Giấy chứng nhận đã cấp.\n\nThời gian giải quyết không quá 7 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    ),
    (
        "Lò Thị Mai, xã Tả Van",
        "Giáo dục",
        "Chế độ hỗ trợ tiền ăn cho học sinh bán trú",
        "Con tôi học lớp 7 ở trường phổ thông dân tộc bán trú, nhà cách trường 12 km. Cháu có được hỗ trợ tiền ăn và gạo không?",
        "Theo Nghị định số 116/2016/NĐ-CP, học sinh trung học cơ sở có nhà cách trường từ 7 km trở lên được hỗ trợ **tiền ăn bằng 40% mức lương cơ sở** mỗi tháng và **15 kg gạo** mỗi tháng, tối đa 9 tháng một năm học.\n\nBà liên hệ nhà trường để lập hồ sơ đề nghị đầu năm học.",
    ),
    (
        "Phạm Quốc Bảo",
        "Đầu tư – kinh doanh",
        "Đăng ký hộ kinh doanh qua mạng",
        "Tôi muốn đăng ký hộ kinh doanh bán tạp hóa. Có thể nộp hồ sơ trực tuyến không?",
        "Có. Ông nộp hồ sơ đăng ký hộ kinh doanh trực tuyến trên Cổng Dịch vụ công quốc gia hoặc Cổng Dịch vụ công của tỉnh; kết quả được trả trong 3 ngày làm việc.",
    ),
    (
        "Vàng A Sử, xã Bản Hồ",
        "Nông nghiệp",
        "Hỗ trợ giống cây trồng sau thiên tai",
        "Lũ quét tháng 9 làm mất trắng 3 sào lúa của gia đình tôi. Gia đình có được hỗ trợ giống không?",
        "Hộ bị thiệt hại trên 70% diện tích lúa được hỗ trợ theo Nghị định số 02/2017/NĐ-CP. Ông báo cáo thiệt hại với UBND xã để được tổng hợp, đề nghị hỗ trợ.",
    ),
    (
        "Trần Thu Hà",
        "Y tế",
        "Thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi",
        "Con tôi 3 tuổi nhưng chưa được cấp thẻ bảo hiểm y tế. Tôi cần làm gì?",
        "Trẻ dưới 6 tuổi được cấp thẻ bảo hiểm y tế miễn phí khi đăng ký khai sinh (liên thông). Nếu chưa có thẻ, bà liên hệ UBND cấp xã nơi cư trú để được lập danh sách cấp thẻ.",
    ),
];

const DRAFT: &str = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;\n\nCăn cứ Nghị định số 42/2022/NĐ-CP ngày 24 tháng 6 năm 2022 của Chính phủ quy định về việc cung cấp thông tin và dịch vụ công trực tuyến của cơ quan nhà nước trên môi trường mạng.\n\n# Chương I. QUY ĐỊNH CHUNG\n\n## Điều 1. Phạm vi điều chỉnh\n\nQuy chế này quy định việc quản lý, vận hành, cung cấp thông tin trên Cổng Thông tin điện tử tỉnh và các trang thành phần.\n\n## Điều 2. Đối tượng áp dụng\n\n1. Các sở, ban, ngành tỉnh.\n2. Ủy ban nhân dân các xã, phường.\n3. Tổ chức, cá nhân có liên quan.\n\n# Chương II. CUNG CẤP THÔNG TIN\n\n## Điều 3. Thông tin phải công khai\n\nCơ quan, đơn vị công khai trên trang thành phần các thông tin theo Điều 4 Nghị định số 42/2022/NĐ-CP.\n\n## Điều 4. Thời hạn cập nhật\n\nThông tin được cập nhật chậm nhất 05 ngày làm việc kể từ ngày văn bản được ban hành.\n\n# Chương III. TỔ CHỨC THỰC HIỆN\n\n## Điều 5. Trách nhiệm thi hành\n\nThủ trưởng các cơ quan, đơn vị chịu trách nhiệm thi hành Quy chế này.\n";

/// Builds it on `site` (the main portal).
pub(super) fn seed(
    engine: &Engine,
    crew: &Crew,
    clock: &ManualClock,
    site: &str,
    now: DateTime<Utc>,
) -> Result<usize, EngineError> {
    let mut made = 0;
    for (i, (asker, field, title, question, answer)) in ANSWERED.iter().enumerate() {
        clock.set(now - Duration::days(60 - 9 * i64::try_from(i).unwrap_or(0)));
        let asked = engine.ask_question(
            site,
            QuestionInput {
                name: (*asker).to_owned(),
                email: format!("nguoi-hoi-{i}@example.vn"),
                title: (*title).to_owned(),
                body: (*question).to_owned(),
                field: (*field).to_owned(),
                ..Default::default()
            },
        )?;
        clock.advance(Duration::days(3));
        let id = question_id(engine, crew, site, &asked.reference)?;
        let item = engine.answer_question(
            &crew.author,
            id,
            AnswerInput {
                answer: (*answer).to_owned(),
                ..Default::default()
            },
        )?;
        step(engine, &crew.author, clock, item.id, "submit", None, None)?;
        step(engine, &crew.editor, clock, item.id, "forward", None, None)?;
        step(
            engine,
            &crew.approver,
            clock,
            item.id,
            "publish",
            None,
            None,
        )?;
        made += 1;
    }
    // Waiting: one overdue, one fresh; and one declined.
    for (days, title, body) in [
        (
            20,
            "Cấp phép xây dựng nhà ở riêng lẻ ở nông thôn",
            "Nhà tôi ở thôn, xây nhà 2 tầng có phải xin giấy phép xây dựng không?",
        ),
        (
            1,
            "Lịch tiếp công dân tháng 12",
            "Xin hỏi lịch tiếp công dân của Chủ tịch UBND tỉnh tháng 12?",
        ),
        (5, "Quảng cáo", "Mua bán hàng giá rẻ, liên hệ..."),
    ] {
        clock.set(now - Duration::days(days));
        let asked = engine.ask_question(
            site,
            QuestionInput {
                name: "Người dân".to_owned(),
                email: format!("cho-tra-loi-{days}@example.vn"),
                title: title.to_owned(),
                body: body.to_owned(),
                field: "Khác".to_owned(),
                ..Default::default()
            },
        )?;
        if title == "Quảng cáo" {
            let id = question_id(engine, crew, site, &asked.reference)?;
            engine.reject_question(&crew.editor, id, "Nội dung quảng cáo, không phải câu hỏi.")?;
        }
    }

    // A draft open for comment, and one closed with its report public.
    for (open, title) in [
        (
            true,
            "Dự thảo Quy chế quản lý, vận hành Cổng Thông tin điện tử tỉnh",
        ),
        (false, "Dự thảo Quy định về bảo vệ môi trường nơi công cộng"),
    ] {
        let (opens, closes) = if open {
            (now - Duration::days(10), now + Duration::days(20))
        } else {
            (now - Duration::days(90), now - Duration::days(30))
        };
        clock.set(opens - Duration::days(2));
        let item = engine.create_item(
            &crew.author,
            site,
            NewItemInput {
                kind: "consultation".to_owned(),
                channels: Vec::new(),
                slug: None,
                fields: json!({"title": title,
                    "summary": "Văn phòng UBND tỉnh lấy ý kiến rộng rãi của cơ quan, tổ chức, cá nhân đối với dự thảo.",
                    "agency": "Văn phòng UBND tỉnh", "field": "Công nghệ thông tin",
                    "opens_at": opens.to_rfc3339(), "closes_at": closes.to_rfc3339(),
                    "body": DRAFT}),
            },
        )?;
        step(engine, &crew.author, clock, item.id, "submit", None, None)?;
        step(engine, &crew.editor, clock, item.id, "forward", None, None)?;
        step(
            engine,
            &crew.approver,
            clock,
            item.id,
            "publish",
            None,
            None,
        )?;
        clock.set(opens + Duration::days(1));
        for (n, (section, name, body)) in [
            (Some("dieu-4"), "Hoàng Minh Tuấn", "Đề nghị rút ngắn thời hạn cập nhật xuống 03 ngày làm việc để người dân nắm thông tin kịp thời."),
            (Some("dieu-2"), "Sở Tư pháp", "Đề nghị bổ sung đối tượng là các đơn vị sự nghiệp công lập."),
            (None, "Nguyễn Thị Lan", "Dự thảo cần quy định rõ trách nhiệm khi thông tin đăng sai."),
            (Some("dieu-3"), "Đỗ Văn Khánh", "Mua bán hàng giá rẻ tại..."),
        ]
        .into_iter()
        .enumerate()
        {
            clock.advance(Duration::hours(7));
            engine.comment(
                item.id,
                CommentInput {
                    section: section.map(str::to_owned),
                    name: name.to_owned(),
                    email: format!("gop-y-{n}@example.vn"),
                    body: body.to_owned(),
                    ..Default::default()
                },
            )?;
        }
        let comments = engine.comments(&crew.editor, item.id, None)?;
        for c in &comments {
            let spam = c.body.starts_with("Mua bán");
            // On the open draft, the last real comment still waits for moderation.
            if open && c.section.is_none() {
                continue;
            }
            engine.moderate_comment(
                &crew.editor,
                c.id,
                ModerationInput {
                    decision: if spam { "reject" } else { "approve" }.to_owned(),
                    reason: if spam {
                        "Quảng cáo".to_owned()
                    } else {
                        String::new()
                    },
                },
            )?;
            if !open && !spam {
                let (disposition, reply) = match c.section.as_deref() {
                    Some("dieu-4") => ("partly", "Tiếp thu: rút ngắn xuống 03 ngày làm việc đối với thông tin chỉ đạo, điều hành."),
                    Some("dieu-2") => ("accepted", "Đã bổ sung khoản 4 Điều 2."),
                    _ => ("not_accepted", "Trách nhiệm đã được quy định tại Luật Tiếp cận thông tin; không nhắc lại."),
                };
                engine.respond_to_comment(
                    &crew.editor,
                    c.id,
                    ResponseInput {
                        disposition: disposition.to_owned(),
                        reply: reply.to_owned(),
                    },
                )?;
            }
        }
        if !open {
            let current = engine.item(&crew.author, item.id)?;
            let edit = engine.patch_item(
                &crew.author,
                item.id,
                portico_engine::SaveInput {
                    base_revision: current.revision.0,
                    fields: json!({"report_published": true}),
                    channels: None,
                },
            )?;
            step(engine, &crew.author, clock, edit.id, "submit", None, None)?;
            step(engine, &crew.editor, clock, edit.id, "forward", None, None)?;
            step(
                engine,
                &crew.approver,
                clock,
                edit.id,
                "publish",
                None,
                None,
            )?;
        }
        made += 1;
    }
    Ok(made)
}

fn question_id(
    engine: &Engine,
    crew: &Crew,
    site: &str,
    reference: &str,
) -> Result<portico_engine::QuestionId, EngineError> {
    engine
        .questions(&crew.editor, site, None)?
        .into_iter()
        .find(|q| q.record.reference == reference)
        .map(|q| q.record.id)
        .ok_or_else(|| EngineError::internal(format!("question {reference} vanished")))
}
