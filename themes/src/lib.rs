//! Server-side presentation for the portals: Markdown rendered to sanitised HTML when a
//! revision is published ([`MarkdownRenderer`]), and the portal pages rendered from minijinja
//! templates ([`Themes`]); the default theme lives in `themes/default`.

// Unit tests build values from loop counters; the library code is held to the lint.
#![cfg_attr(test, allow(clippy::as_conversions))]

pub mod context;
pub mod labels;
mod markdown;
mod pages;
pub mod urls;

pub use markdown::MarkdownRenderer;
pub use pages::{ThemeError, Themes, DEFAULT_CSS, DEFAULT_THEME};
