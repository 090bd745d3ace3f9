//! The templates, their helpers and the answer every page gets: HTML, never stored by a cache,
//! never framed, scripts only from our own origin.

use crate::assets::{self, Asset};
use crate::catalogue::Catalogue;
use crate::AdminError;
use chrono::{DateTime, NaiveDate};
use minijinja::{Environment, Value};
use std::sync::Arc;

/// The templates, compiled in: (name, source).
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    (
        "questions.html",
        include_str!("../templates/questions.html"),
    ),
    ("question.html", include_str!("../templates/question.html")),
    ("comments.html", include_str!("../templates/comments.html")),
    ("desk.html", include_str!("../templates/desk.html")),
    ("items.html", include_str!("../templates/items.html")),
    ("edit.html", include_str!("../templates/edit.html")),
    (
        "revisions.html",
        include_str!("../templates/revisions.html"),
    ),
    ("compare.html", include_str!("../templates/compare.html")),
    ("message.html", include_str!("../templates/message.html")),
    ("account.html", include_str!("../templates/account.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("network.html", include_str!("../templates/network.html")),
    ("settings.html", include_str!("../templates/settings.html")),
    (
        "deliveries.html",
        include_str!("../templates/deliveries.html"),
    ),
    ("media.html", include_str!("../templates/media.html")),
    (
        "media_file.html",
        include_str!("../templates/media_file.html"),
    ),
];

/// The rendering side of the interface.
pub(crate) struct Ui {
    env: Environment<'static>,
    pub(crate) assets: Vec<Asset>,
    pub(crate) words: Arc<Catalogue>,
}

/// `2026-11-23T01:00:00Z` → `23/11/2026 08:00` (Vietnam time).
fn datetime_vn(v: String) -> String {
    match DateTime::parse_from_rfc3339(&v) {
        Ok(t) => t
            .with_timezone(&portico_engine::vietnam())
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        Err(_) => date_vn(v),
    }
}

/// `2018-10-02` (or a time) → `02/10/2018`.
fn date_vn(v: String) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(&v) {
        return t
            .with_timezone(&portico_engine::vietnam())
            .format("%d/%m/%Y")
            .to_string();
    }
    match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => v,
    }
}

impl Ui {
    pub(crate) fn new() -> Result<Ui, AdminError> {
        let words = Arc::new(Catalogue::vi());
        let assets = assets::all();
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.add_filter("dt", datetime_vn);
        env.add_filter("d", date_vn);
        let w = words.clone();
        env.add_function("t", move |key: String| -> String { w.get(&key).to_owned() });
        let names: Vec<(String, String)> = assets
            .iter()
            .map(|a| (a.name.to_owned(), format!("/admin/static/{}", a.hashed)))
            .collect();
        // Our own paths, safe as they are (no escaping of their slashes).
        env.add_function("asset", move |name: String| -> Value {
            Value::from_safe_string(
                names
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, path)| path.clone())
                    .unwrap_or_default(),
            )
        });
        for &(name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|source| AdminError {
                    name: name.to_owned(),
                    source,
                })?;
        }
        Ok(Ui { env, assets, words })
    }

    /// Renders a page.
    pub(crate) fn render(&self, name: &str, ctx: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }

    /// A word of the catalogue.
    pub(crate) fn msg(&self, key: &str) -> String {
        self.words.get(key).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_of_every_kind_renders_new_and_edited() {
        #![allow(clippy::unwrap_used)]
        let ui = Ui::new().unwrap();
        let stored = serde_json::json!({"title": "Tiêu đề", "cover": "/media/3", "issued_on": "2024-03-05",
            "attachments": [{"name": "a.pdf", "href": "/media/4"}], "tags": ["x"], "status": "in_force"});
        for kind in portico_engine::ItemKind::ALL {
            let form = crate::fields::from_stored(kind, &stored);
            for mode in ["new", "edit"] {
                let ctx = minijinja::context! {
                    me => minijinja::context! { username => "u", csrf => "c" },
                    mode, kind => kind.as_str(), form => &form,
                    site => minijinja::context! { slug => "main", name => "Cổng" },
                    item => minijinja::context! { id => 1, site => "main", state => "draft", title => "T",
                        revision => 2, can_edit => true, actions => ["submit"], propose_to => Vec::<String>::new() },
                    cover_choices => vec![minijinja::context! { value => "/media/3", label => "Ảnh" }],
                    history => Vec::<String>::new(), channels => Vec::<String>::new(), base_revision => 2,
                };
                let html = ui.render("edit.html", ctx);
                assert!(html.is_ok(), "{kind} {mode}: {html:?}");
            }
        }
    }

    #[test]
    fn times_are_shown_in_vietnam_time_and_dates_day_first() {
        assert_eq!(
            datetime_vn("2026-11-23T01:00:00Z".into()),
            "23/11/2026 08:00"
        );
        assert_eq!(date_vn("2018-10-02".into()), "02/10/2018");
        assert_eq!(date_vn("not a date".into()), "not a date");
    }
}
