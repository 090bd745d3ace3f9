//! CommonMark (tables, footnotes, strikethrough, heading anchors) to HTML, then sanitised with
//! ammonia: whatever an author types, or pastes from a converted Word file, comes out inert.

use portico_engine::Renderer;
use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

/// Renders Markdown for publication.
#[derive(Debug, Clone, Default)]
pub struct MarkdownRenderer;

/// Prefix of every `id` in rendered content, so content can never clobber the page's own ids.
const ID_PREFIX: &str = "nd-";

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// The HTML before sanitising, with ids on headings made from their (folded) text.
fn to_html(source: &str) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut heading: Option<(usize, Vec<Event<'_>>, String)> = None;
    let mut used: Vec<String> = Vec::new();
    for ev in Parser::new_ext(source, options()) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((heading_level(level), Vec::new(), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, inner, text)) = heading.take() {
                    let mut id = portico_engine::text::slugify(&text, 60);
                    if id.is_empty() {
                        id = "muc".to_owned();
                    }
                    let base = id.clone();
                    let mut n = 1;
                    while used.contains(&id) {
                        n += 1;
                        id = format!("{base}-{n}");
                    }
                    used.push(id.clone());
                    events.push(Event::Html(format!("<h{level} id=\"{id}\">").into()));
                    events.extend(inner);
                    events.push(Event::Html(format!("</h{level}>\n").into()));
                }
            }
            other => match &mut heading {
                Some((_, inner, text)) => {
                    if let Event::Text(t) | Event::Code(t) = &other {
                        text.push_str(t);
                    }
                    inner.push(other);
                }
                None => events.push(other),
            },
        }
    }
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(["id"])
        .id_prefix(Some(ID_PREFIX))
        .add_tag_attributes("td", ["style"])
        .add_tag_attributes("th", ["style"])
        .filter_style_properties(["text-align"].into_iter().collect())
        .clean(html)
        .to_string()
}

impl Renderer for MarkdownRenderer {
    fn markdown(&self, source: &str) -> String {
        sanitize(&to_html(source))
    }
}

/// `h1`..`h6` as 1..6.
fn heading_level(level: pulldown_cmark::HeadingLevel) -> usize {
    use pulldown_cmark::HeadingLevel::*;
    match level {
        H1 => 1,
        H2 => 2,
        H3 => 3,
        H4 => 4,
        H5 => 5,
        H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(s: &str) -> String {
        MarkdownRenderer.markdown(s)
    }

    #[test]
    fn tables_footnotes_strikethrough_and_anchors() {
        let html = render("## Kết quả nổi bật\n\n| Chỉ tiêu | Kết quả |\n|---|--:|\n| Hồ sơ | 120 |\n\n~~cũ~~ mới[^1]\n\n[^1]: Ghi chú.\n");
        assert!(
            html.contains(r#"<h2 id="nd-ket-qua-noi-bat">Kết quả nổi bật</h2>"#),
            "{html}"
        );
        assert!(html.contains("<table>") && html.contains("<td"), "{html}");
        assert!(html.contains("<del>cũ</del>"), "{html}");
        assert!(html.contains("Ghi chú."), "{html}");
    }

    /// Classic payloads, in Markdown and in raw HTML inside Markdown.
    pub const PAYLOADS: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">bấm</a>",
        "[bấm](javascript:alert(1))",
        "[bấm](JaVaScRiPt:alert(1))",
        "[bấm](&#x6A;avascript:alert(1))",
        "![x](javascript:alert(1))",
        "<svg><script>alert(1)</script></svg>",
        "<svg onload=alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<body onload=alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<<script>script>alert(1)<</script>/script>",
        "<scr<script>ipt>alert(1)</script>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<form action=\"https://evil.example\"><input name=p></form>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
        "<p id=\"main\" onclick=\"alert(1)\">x</p>",
        "<img src=\"x\" alt=\"\" onerror=\"alert(1)\"",
        "<style>body{display:none}</style>",
        "<link rel=stylesheet href=https://evil.example/x.css>",
        "<base href=\"https://evil.example/\">",
    ];

    /// The real tags of sanitised output: ammonia escapes every `<` in text, so each literal
    /// `<` opens a tag, and text that merely *mentions* `onerror` is harmless.
    fn tags(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase())
            .collect()
    }

    #[test]
    fn classic_xss_payloads_come_out_inert() {
        const BAD_TAGS: [&str; 11] = [
            "script", "iframe", "svg", "style", "form", "object", "embed", "meta", "link", "base",
            "math",
        ];
        for p in PAYLOADS {
            let html = render(p);
            for tag in tags(&html) {
                let name = tag
                    .trim_start_matches('/')
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                assert!(
                    !BAD_TAGS.contains(&name.as_str()),
                    "{p:?} left a <{tag}> in {html:?}"
                );
                let attrs: Vec<&str> = tag.split_whitespace().skip(1).collect();
                for a in attrs {
                    assert!(
                        !a.starts_with("on"),
                        "{p:?} left an event handler {a:?} in {html:?}"
                    );
                    assert!(
                        !a.contains("javascript:") && !a.contains("data:"),
                        "{p:?} left a script URL in {html:?}"
                    );
                    assert!(
                        !a.starts_with("style"),
                        "{p:?} left a style attribute in {html:?}"
                    );
                }
            }
        }
        let linked = render("[Cổng](https://laocai.gov.vn)");
        assert!(
            linked.contains("href=\"https://laocai.gov.vn\""),
            "{linked}"
        );
        assert!(linked.contains("noopener"), "{linked}");
        assert!(render("<p id=\"main\">x</p>").contains("id=\"nd-main\""));
    }
}
