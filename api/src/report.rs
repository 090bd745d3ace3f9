//! The report of comments taken up and explained (báo cáo tiếp thu, giải trình) as files
//! staff hand on: CSV for spreadsheets, DOCX (through docx-rs) for the agency's paperwork,
//! one table per section of the draft.

use crate::error::ApiError;
use portico_engine::{Disposition, Report};

/// The Vietnamese words for an answer.
fn disposition(d: Option<Disposition>) -> &'static str {
    match d {
        Some(Disposition::Accepted) => "Tiếp thu",
        Some(Disposition::Partly) => "Tiếp thu một phần",
        Some(Disposition::NotAccepted) => "Không tiếp thu",
        None => "Chưa trả lời",
    }
}

fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&portico_engine::vietnam())
        .format("%d/%m/%Y")
        .to_string()
}

/// One row per approved comment, in the draft's order; a byte-order mark first, so that
/// spreadsheet programs read the Vietnamese as UTF-8.
pub(crate) fn csv(r: &Report) -> Result<Vec<u8>, ApiError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let row = |w: &mut csv::Writer<&mut Vec<u8>>, cells: &[&str]| {
            w.write_record(cells.iter().map(|c| formula_safe(c)))
                .map_err(ApiError::internal)
        };
        row(
            &mut w,
            &[
                "Mục",
                "Tiêu đề mục",
                "Người góp ý",
                "Ngày góp ý",
                "Nội dung góp ý",
                "Tiếp thu",
                "Giải trình",
            ],
        )?;
        for s in &r.sections {
            for c in &s.comments {
                row(
                    &mut w,
                    &[
                        &s.label,
                        &s.heading,
                        &c.name,
                        &day(c.received_at),
                        &c.body,
                        disposition(c.disposition),
                        c.reply.as_deref().unwrap_or(""),
                    ],
                )?;
            }
        }
        w.flush().map_err(ApiError::internal)?;
    }
    Ok(out)
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with
/// an apostrophe: comments are citizens' text, audit comments anyone's with a role. Every CSV
/// Portico writes passes its cells through this.
pub(crate) fn formula_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The report as a Word document: a title, the consultation's facts and counts, then per
/// section a table of comments, answers and explanations.
pub(crate) fn docx(r: &Report) -> Result<Vec<u8>, ApiError> {
    use docx_rs::{AlignmentType, Docx, Paragraph, Run, Table, TableCell, TableRow, WidthType};
    let text = |s: &str| Paragraph::new().add_run(Run::new().add_text(s));
    let bold = |s: &str| Paragraph::new().add_run(Run::new().add_text(s).bold());
    let cell = |p: Paragraph, w: usize| TableCell::new().add_paragraph(p).width(w, WidthType::Dxa);
    let mut doc = Docx::new()
        .add_paragraph(
            Paragraph::new()
                .add_run(
                    Run::new()
                        .add_text("BÁO CÁO TIẾP THU, GIẢI TRÌNH Ý KIẾN GÓP Ý")
                        .bold()
                        .size(28),
                )
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text(format!("Dự thảo: {}", r.title)).italic())
                .align(AlignmentType::Center),
        )
        .add_paragraph(text(&format!(
            "Cơ quan chủ trì soạn thảo: {}",
            if r.agency.is_empty() { "—" } else { &r.agency }
        )))
        .add_paragraph(text(&format!(
            "Thời gian lấy ý kiến: từ {} đến {}",
            day(r.opens_at),
            day(r.closes_at)
        )))
        .add_paragraph(text(&format!(
            "Tổng số ý kiến: {}; tiếp thu: {}; tiếp thu một phần: {}; không tiếp thu: {}; chưa trả lời: {}.",
            r.total, r.accepted, r.partly, r.not_accepted, r.unanswered
        )));
    for s in r.sections.iter().filter(|s| !s.comments.is_empty()) {
        let title = if s.heading.is_empty() {
            s.label.clone()
        } else {
            format!("{}. {}", s.label, s.heading)
        };
        doc =
            doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(title).bold().size(24)));
        let mut rows = vec![TableRow::new(vec![
            cell(bold("Người góp ý"), 1800),
            cell(bold("Nội dung góp ý"), 3600),
            cell(bold("Tiếp thu"), 1400),
            cell(bold("Giải trình"), 3200),
        ])];
        for c in &s.comments {
            let mut said = Paragraph::new();
            for (i, line) in c.body.lines().enumerate() {
                let run = if i > 0 {
                    Run::new().add_break(docx_rs::BreakType::TextWrapping)
                } else {
                    Run::new()
                };
                said = said.add_run(run.add_text(line));
            }
            rows.push(TableRow::new(vec![
                cell(text(&format!("{} ({})", c.name, day(c.received_at))), 1800),
                cell(said, 3600),
                cell(text(disposition(c.disposition)), 1400),
                cell(text(c.reply.as_deref().unwrap_or("")), 3200),
            ]));
        }
        doc = doc.add_table(Table::new(rows));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| ApiError::internal(format!("report.docx: {e}")))?;
    Ok(out.into_inner())
}
