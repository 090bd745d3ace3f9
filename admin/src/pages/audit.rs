//! The network's audit log for network admins (`/admin/audit`): who did what, when and from
//! where, filtered and a page at a time, with the whole filtered log as a download.

use super::{blocking, page, refusal, Me};
use crate::Admin;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use portico_engine::{AuditQuery, EngineError};
use serde::{Deserialize, Serialize};

/// Entries shown on one page.
const PAGE: usize = 100;

/// The filters, as the form sends them (every field may be empty).
#[derive(Deserialize, Serialize, Default, Clone)]
pub(crate) struct Filters {
    #[serde(default)]
    user: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    before: Option<i64>,
}

/// The kinds of act the form offers, as action prefixes.
const ACTIONS: &[&str] = &[
    "auth.sign_in",
    "auth.sign_in_failed",
    "login.limited",
    "user.",
    "role.",
    "token.",
    "site.",
    "channel.",
    "webhook.",
    "media.",
];

impl Filters {
    fn query(&self, limit: usize) -> AuditQuery {
        let text = |v: &str| Some(v.trim().to_owned()).filter(|s| !s.is_empty() && s.len() <= 200);
        AuditQuery {
            user: text(&self.user),
            site: text(&self.site),
            action: text(&self.action),
            since: text(&self.since),
            until: text(&self.until),
            before: self.before,
            limit,
        }
    }

    /// The filters as a query string, for the next page and the download.
    fn encoded(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                [
                    ("user", &self.user),
                    ("site", &self.site),
                    ("action", &self.action),
                    ("since", &self.since),
                    ("until", &self.until),
                ]
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty()),
            )
            .finish()
    }
}

pub(crate) async fn log(State(admin): State<Admin>, me: Me, Query(f): Query<Filters>) -> Response {
    let engine = admin.engine.clone();
    let (actor, query) = (me.actor.clone(), f.query(PAGE));
    let (status, lines, error) = match blocking(move || engine.audit_log(&actor, &query)).await {
        Ok(lines) => (StatusCode::OK, lines, None),
        // A filter that cannot be read (a date, a name) is said on the page, with the form.
        Err(EngineError::Invalid { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Vec::new(), Some(message))
        }
        Err(e) => return refusal(&admin, Some(&me), &e),
    };
    let next = (lines.len() == PAGE)
        .then(|| lines.last().map(|l| l.id))
        .flatten();
    let rows: Vec<_> = lines
        .iter()
        .map(|l| {
            context! {
                at => l.at, user => l.user, site => l.site, item_id => l.item_id,
                action => l.action, comment => l.comment, source => l.source,
                failed => l.action.ends_with("_failed") || l.action == "login.limited",
            }
        })
        .collect();
    let encoded = f.encoded();
    let ctx = context! {
        me => me.view(),
        filters => f,
        actions => ACTIONS,
        rows,
        error,
        next,
        encoded,
        first_page => f.before.is_none(),
    };
    page(&admin, status, "audit.html", ctx)
}

/// The whole filtered log as CSV, through the same export as the API's.
pub(crate) async fn export(
    State(admin): State<Admin>,
    me: Me,
    Query(f): Query<Filters>,
) -> Response {
    admin
        .gate
        .audit_export(me.actor.clone(), f.query(portico_engine::MAX_AUDIT_PAGE))
        .await
}

#[cfg(test)]
mod tests {
    use super::Filters;

    #[test]
    fn the_next_page_keeps_the_filters_but_not_the_empty_ones() {
        let f = Filters {
            user: "editor".into(),
            action: "auth.sign_in_failed".into(),
            since: " ".into(),
            ..Filters::default()
        };
        assert_eq!(f.encoded(), "user=editor&action=auth.sign_in_failed");
        let q = f.query(10);
        assert_eq!(q.since, None);
        assert_eq!(q.user.as_deref(), Some("editor"));
    }
}
