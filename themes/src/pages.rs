//! The portal pages: minijinja templates with auto-escaping and inheritance.
//!
//! The default theme is compiled into the binary (`themes/default`), so one file runs a
//! portal. A themes folder adds more, read at start-up:
//!
//! ```text
//! themes/
//!   <theme>/templates/*.html     pages of that theme; any page it lacks comes from default
//!   <theme>/static/*             its stylesheet and images, at /static/<theme>/...
//!   sites/<site>/*.html          one site's own pages, over its theme's
//! ```
//!
//! A page is looked up in the site's own folder, then in its theme, then in the default
//! theme; `{% extends "base.html" %}` follows the same order, so a theme that replaces only
//! `base.html` restyles every page.

use chrono::DateTime;
use minijinja::{Environment, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Every template of the default theme, by name.
const DEFAULT: &[(&str, &str)] = &[
    (
        "questions.html",
        include_str!("../default/templates/questions.html"),
    ),
    (
        "question.html",
        include_str!("../default/templates/question.html"),
    ),
    (
        "question_status.html",
        include_str!("../default/templates/question_status.html"),
    ),
    (
        "consultations.html",
        include_str!("../default/templates/consultations.html"),
    ),
    (
        "consultation.html",
        include_str!("../default/templates/consultation.html"),
    ),
    (
        "comment_sent.html",
        include_str!("../default/templates/comment_sent.html"),
    ),
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

/// The default theme's emblem: the portals' mark in the header and the browser's tab icon.
pub const DEFAULT_EMBLEM: &str = include_str!("../default/static/emblem.svg");

/// Why the themes could not be loaded, or a page not rendered (a template bug: a 500, logged).
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("template {template}: {source}")]
    Template {
        template: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The compiled themes: one environment per theme (its pages over the default ones), and one
/// per site with pages of its own, made when the site is first shown.
pub struct Themes {
    themes: HashMap<String, Arc<Environment<'static>>>,
    /// Each theme's own templates (name, source), to build site environments on top of.
    theme_sources: HashMap<String, Vec<(String, String)>>,
    static_dirs: HashMap<String, PathBuf>,
    site_sources: HashMap<String, Vec<(String, String)>>,
    site_envs: RwLock<HashMap<(String, String), Arc<Environment<'static>>>>,
}

/// The name every built-in page falls back to.
pub const DEFAULT_THEME: &str = "default";

/// Largest template file read from a themes folder.
const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ThemeError + '_ {
    move |source| ThemeError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The `*.html` files of a folder, as (file name, source).
fn read_templates(dir: &Path) -> Result<Vec<(String, String)>, ThemeError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !name.ends_with(".html") || !path.is_file() {
            continue;
        }
        let len = std::fs::metadata(&path).map_err(io(&path))?.len();
        if len > MAX_TEMPLATE_BYTES {
            return Err(ThemeError::Invalid {
                path,
                message: format!("larger than {MAX_TEMPLATE_BYTES} bytes"),
            });
        }
        let source = std::fs::read_to_string(&path).map_err(io(&path))?;
        out.push((name, source));
    }
    out.sort();
    Ok(out)
}

fn environment(layers: &[&[(String, String)]]) -> Result<Environment<'static>, ThemeError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.add_filter("date_vn", date_vn);
    env.add_filter("label", label);
    for (name, source) in DEFAULT {
        env.add_template(name, source)
            .map_err(|source| ThemeError::Template {
                template: (*name).to_owned(),
                source,
            })?;
    }
    // Later layers replace earlier ones under the same name.
    for layer in layers {
        for (name, source) in layer.iter() {
            env.add_template_owned(name.clone(), source.clone())
                .map_err(|source| ThemeError::Template {
                    template: name.clone(),
                    source,
                })?;
        }
    }
    Ok(env)
}

/// `2026-11-23T01:00:00Z` → `23/11/2026` (Asia/Ho_Chi_Minh); `2018-10-02` → `02/10/2018`.
fn date_vn(v: String) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(&v) {
        return t
            .with_timezone(&portico_engine::vietnam())
            .format("%d/%m/%Y")
            .to_string();
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
        "question" => "Hỏi – đáp",
        "consultation" => "Lấy ý kiến dự thảo",
        "new" | "unconfirmed" => "Đang chờ trả lời",
        "answered" => "Đang soạn trả lời",
        "published" => "Đã trả lời",
        "rejected" => "Không tiếp nhận",
        "accepted" => "Tiếp thu",
        "partly" => "Tiếp thu một phần",
        "not_accepted" => "Không tiếp thu",
        "not_yet_open" => "Sắp lấy ý kiến",
        "open" => "Đang lấy ý kiến",
        "closed" => "Đã hết hạn góp ý",
        other => return other.to_owned(),
    }
    .to_owned()
}

impl Themes {
    /// The built-in default theme alone.
    pub fn new() -> Result<Themes, ThemeError> {
        let mut themes = HashMap::new();
        themes.insert(DEFAULT_THEME.to_owned(), Arc::new(environment(&[])?));
        Ok(Themes {
            themes,
            theme_sources: HashMap::new(),
            static_dirs: HashMap::new(),
            site_sources: HashMap::new(),
            site_envs: RwLock::new(HashMap::new()),
        })
    }

    /// The default theme and every theme and site folder under `dir`; every template is
    /// compiled now, so a broken one stops the start with its name and line.
    pub fn load(dir: &Path) -> Result<Themes, ThemeError> {
        let mut out = Themes::new()?;
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            if !path.is_dir() {
                continue;
            }
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            names.push((name, path));
        }
        names.sort();
        for (name, path) in names {
            if name == "sites" {
                for entry in std::fs::read_dir(&path).map_err(io(&path))? {
                    let site_dir = entry.map_err(io(&path))?.path();
                    let Some(slug) = site_dir.file_name().and_then(|n| n.to_str()) else {
                        continue;
                    };
                    if !site_dir.is_dir() {
                        continue;
                    }
                    let templates = read_templates(&site_dir)?;
                    // Compile once now, over the default theme, to fail early.
                    environment(&[&templates])?;
                    out.site_sources.insert(slug.to_owned(), templates);
                }
                continue;
            }
            if !is_name(&name) {
                return Err(ThemeError::Invalid {
                    path,
                    message: "a theme's folder name must be lower-case letters, digits, - or _"
                        .into(),
                });
            }
            let templates_dir = path.join("templates");
            let templates = if templates_dir.is_dir() {
                read_templates(&templates_dir)?
            } else {
                Vec::new()
            };
            out.themes
                .insert(name.clone(), Arc::new(environment(&[&templates])?));
            out.theme_sources.insert(name.clone(), templates);
            let static_dir = path.join("static");
            if static_dir.is_dir() {
                out.static_dirs.insert(name, static_dir);
            }
        }
        Ok(out)
    }

    /// The themes there are, the default first.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.themes.keys().cloned().collect();
        names.sort_by_key(|n| (n != DEFAULT_THEME, n.clone()));
        names
    }

    /// Whether a theme of that name is loaded.
    pub fn has(&self, theme: &str) -> bool {
        self.themes.contains_key(theme)
    }

    /// The environment for a site shown with `theme` (the default theme when unknown).
    fn env_for(
        &self,
        site: Option<&str>,
        theme: &str,
    ) -> Result<Arc<Environment<'static>>, ThemeError> {
        let theme = if self.themes.contains_key(theme) {
            theme
        } else {
            DEFAULT_THEME
        };
        let base = self
            .themes
            .get(theme)
            .or_else(|| self.themes.get(DEFAULT_THEME))
            .cloned()
            .ok_or_else(|| ThemeError::Invalid {
                path: PathBuf::from(DEFAULT_THEME),
                message: "the default theme is missing".into(),
            })?;
        let Some((slug, own)) = site.and_then(|s| self.site_sources.get_key_value(s)) else {
            return Ok(base);
        };
        let key = (slug.clone(), theme.to_owned());
        if let Some(env) = self
            .site_envs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(env.clone());
        }
        let empty = Vec::new();
        let theme_own = self.theme_sources.get(theme).unwrap_or(&empty);
        let env = Arc::new(environment(&[theme_own, own])?);
        self.site_envs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, env.clone());
        Ok(env)
    }

    /// Renders `page` for `site` (slug and theme): the site's own template first, then its
    /// theme's, then the default one.
    pub fn render(
        &self,
        site: Option<(&str, &str)>,
        page: &str,
        ctx: &serde_json::Value,
    ) -> Result<String, ThemeError> {
        let (slug, theme) = match site {
            Some((s, t)) => (Some(s), t),
            None => (None, DEFAULT_THEME),
        };
        let env = self.env_for(slug, theme)?;
        let err = |source| ThemeError::Template {
            template: page.to_owned(),
            source,
        };
        env.get_template(page)
            .map_err(err)?
            .render(Value::from_serialize(ctx))
            .map_err(err)
    }

    /// A static file of a theme (`portico.css`, `img/logo.svg`), from its folder, or the
    /// default theme's stylesheet. `None` for anything else, and for any path that tries to
    /// leave the folder.
    pub fn static_file(&self, theme: &str, file: &str) -> Option<(Vec<u8>, &'static str)> {
        let safe = !file.is_empty()
            && file.len() <= 200
            && file.split('/').all(|seg| {
                !seg.is_empty()
                    && !seg.starts_with('.')
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            });
        if !safe {
            return None;
        }
        let kind = match file.rsplit('.').next() {
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("webp") => "image/webp",
            Some("ico") => "image/x-icon",
            Some("woff2") => "font/woff2",
            Some("js") => "text/javascript; charset=utf-8",
            _ => return None,
        };
        if let Some(dir) = self.static_dirs.get(theme) {
            if let Ok(bytes) = std::fs::read(dir.join(file)) {
                return Some((bytes, kind));
            }
        }
        match file {
            "portico.css" => Some((DEFAULT_CSS.as_bytes().to_vec(), kind)),
            "emblem.svg" => Some((DEFAULT_EMBLEM.as_bytes().to_vec(), kind)),
            _ => None,
        }
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

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_theme_and_a_site_folder_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            &d.join("xanh/templates/base.html"),
            "XANH[{% block main %}{% endblock %}]",
        );
        write(&d.join("xanh/static/portico.css"), "body{color:green}");
        write(
            &d.join("sites/so-tai-chinh/page.html"),
            "{% extends \"base.html\" %}{% block main %}STC {{ title }}{% endblock %}",
        );
        let t = Themes::load(d).unwrap();
        assert_eq!(t.names(), ["default", "xanh"]);
        let ctx = serde_json::json!({"title": "Giới thiệu <b>"});
        // The site's own page, inside its theme's base.
        let html = t
            .render(Some(("so-tai-chinh", "xanh")), "page.html", &ctx)
            .unwrap();
        assert_eq!(html, "XANH[STC Giới thiệu &lt;b&gt;]");
        // Another site of the same theme: the default page inside the theme's base.
        let html = t
            .render(Some(("so-xay-dung", "xanh")), "page.html", &ctx)
            .unwrap();
        assert!(html.starts_with("XANH["), "{html}");
        // The default theme is untouched; an unknown theme falls back to it.
        for theme in ["default", "khong-co"] {
            let html = t
                .render(Some(("so-xay-dung", theme)), "page.html", &ctx)
                .unwrap();
            assert!(
                html.starts_with("<!doctype html>") && !html.contains("XANH"),
                "{html}"
            );
        }
        assert_eq!(
            t.static_file("xanh", "portico.css").unwrap().0,
            b"body{color:green}"
        );
        assert_eq!(
            t.static_file("default", "portico.css").unwrap().0,
            DEFAULT_CSS.as_bytes()
        );
        for bad in [
            "../xanh/static/portico.css",
            "/etc/passwd",
            ".hidden.css",
            "a//b.css",
            "x.exe",
        ] {
            assert!(t.static_file("xanh", bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_broken_template_stops_loading_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("do/templates/article.html"), "{% if %}");
        let err = Themes::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("article.html"), "{err}");
        write(&dir.path().join("Hoa Sen/templates/a.html"), "x");
        std::fs::remove_file(dir.path().join("do/templates/article.html")).unwrap();
        let err = Themes::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("lower-case"), "{err}");
    }
}
