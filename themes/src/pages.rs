//! The portal pages: minijinja templates with auto-escaping and inheritance. The default
//! theme is compiled into the binary (`themes/default/templates`), so one file runs a portal;
//! a site's own template overrides the theme's when one named `sites/<slug>/<page>` exists.

use chrono::{DateTime, FixedOffset, Offset, Utc};
use minijinja::{Environment, Value};

/// Every template of the default theme, by name.
const DEFAULT: &[(&str, &str)] = &[
    ("base.html", include_str!("../default/templates/base.html")),
    (
        "macros.html",
        include_str!("../default/templates/macros.html"),
    ),
    (
        "network.html",
        include_str!("../default/templates/network.html"),
    ),
    ("site.html", include_str!("../default/templates/site.html")),
    (
        "channel.html",
        include_str!("../default/templates/channel.html"),
    ),
    (
        "article.html",
        include_str!("../default/templates/article.html"),
    ),
    (
        "document.html",
        include_str!("../default/templates/document.html"),
    ),
    (
        "procedure.html",
        include_str!("../default/templates/procedure.html"),
    ),
    ("page.html", include_str!("../default/templates/page.html")),
    (
        "documents.html",
        include_str!("../default/templates/documents.html"),
    ),
    (
        "procedures.html",
        include_str!("../default/templates/procedures.html"),
    ),
    (
        "search.html",
        include_str!("../default/templates/search.html"),
    ),
    (
        "error.html",
        include_str!("../default/templates/error.html"),
    ),
];

/// The stylesheet of the default theme.
pub const DEFAULT_CSS: &str = include_str!("../default/static/portico.css");

/// Why a page could not be rendered (a template bug: a 500, logged).
#[derive(Debug, thiserror::Error)]
#[error("template {template}: {source}")]
pub struct ThemeError {
    template: String,
    #[source]
    source: minijinja::Error,
}

/// The compiled templates.
pub struct Themes {
    env: Environment<'static>,
}

/// Vietnam has had one offset, UTC+7, since 1975.
fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix())
}

/// `2026-11-23T01:00:00Z` → `23/11/2026` (Asia/Ho_Chi_Minh); `2018-10-02` → `02/10/2018`.
fn date_vn(v: String) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(&v) {
        return t.with_timezone(&vietnam()).format("%d/%m/%Y").to_string();
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
        return d.format("%d/%m/%Y").to_string();
    }
    v
}

/// The Vietnamese name of a stored value.
fn label(v: String) -> String {
    match v.as_str() {
        "article" => "Tin bài",
        "document" => "Văn bản",
        "procedure" => "Thủ tục hành chính",
        "page" => "Trang",
        "in_force" => "Còn hiệu lực",
        "not_yet_in_force" => "Chưa có hiệu lực",
        "partly_expired" => "Hết hiệu lực một phần",
        "expired" => "Hết hiệu lực",
        "unknown" => "Chưa xác định",
        "province" => "Cấp tỉnh",
        "district" => "Cấp huyện",
        "commune" => "Cấp xã",
        "full" => "Toàn trình",
        "partial" => "Một phần",
        "none" => "Không trực tuyến",
        other => return other.to_owned(),
    }
    .to_owned()
}

impl Themes {
    /// Compiles the default theme.
    pub fn new() -> Result<Themes, ThemeError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.add_filter("date_vn", date_vn);
        env.add_filter("label", label);
        for (name, source) in DEFAULT {
            env.add_template(name, source)
                .map_err(|source| ThemeError {
                    template: (*name).to_owned(),
                    source,
                })?;
        }
        Ok(Themes { env })
    }

    /// Renders `page` for the site `site` (its own template first, when it has one).
    pub fn render(
        &self,
        site: Option<&str>,
        page: &str,
        ctx: &serde_json::Value,
    ) -> Result<String, ThemeError> {
        let own = site.map(|s| format!("sites/{s}/{page}"));
        let name = match &own {
            Some(n) if self.env.get_template(n).is_ok() => n.as_str(),
            _ => page,
        };
        let err = |source| ThemeError {
            template: name.to_owned(),
            source,
        };
        self.env
            .get_template(name)
            .map_err(err)?
            .render(Value::from_serialize(ctx))
            .map_err(|source| ThemeError {
                template: name.to_owned(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_vietnam_time() {
        assert_eq!(date_vn("2026-11-22T18:30:00Z".into()), "23/11/2026");
        assert_eq!(date_vn("2018-10-02".into()), "02/10/2018");
        assert_eq!(date_vn("không phải ngày".into()), "không phải ngày");
    }

    #[test]
    fn every_template_compiles() {
        assert!(Themes::new().is_ok(), "{:?}", Themes::new().err());
    }
}
