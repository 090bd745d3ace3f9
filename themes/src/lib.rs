//! Server-side presentation for the portals. Today: Markdown rendered to sanitised HTML,
//! which the engine stores with a revision when it is published ([`MarkdownRenderer`]).
//! The minijinja themes (DESIGN.md, "Themes") come with the delivery issue's pages.

mod markdown;

pub use markdown::MarkdownRenderer;
