//! Rendering as a dependency: the engine renders a revision once, when it is published, and
//! stores the result; the `themes` crate supplies the Markdown renderer.

/// Turns an author's Markdown into safe HTML.
pub trait Renderer: Send + Sync {
    /// Renders `source`; the result must be safe to put into a page as it is.
    fn markdown(&self, source: &str) -> String;
}

/// Used when no renderer is configured: escapes everything and keeps paragraphs, so nothing
/// unsafe is ever stored.
#[derive(Debug, Default, Clone, Copy)]
pub struct EscapingRenderer;

impl Renderer for EscapingRenderer {
    fn markdown(&self, source: &str) -> String {
        source
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                let escaped = p
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('"', "&quot;");
                format!("<p>{}</p>\n", escaped.trim())
            })
            .collect()
    }
}
