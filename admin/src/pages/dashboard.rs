//! The desk (`/admin/`): what waits for me, per site and state; recent activity on my sites;
//! a site switcher that finds a portal by its name typed with or without diacritics.

use super::{blocking, page, refusal, Me};
use crate::Admin;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use portico_engine::text::fold;
use portico_engine::State as ItemState;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
pub(crate) struct DeskQuery {
    /// Narrows the site list: words of a site's name or slug, diacritics optional.
    #[serde(default)]
    site: Option<String>,
}

#[derive(Serialize)]
struct SiteRow {
    slug: String,
    name: String,
    /// Folded name, for the script's filter.
    folded: String,
    roles: Vec<String>,
    /// Counts of draft, in review, in approval, scheduled, in that order.
    counts: [u64; 4],
    waiting: u64,
    for_me: u64,
}

const WAITING: [ItemState; 4] = [
    ItemState::Draft,
    ItemState::InReview,
    ItemState::InApproval,
    ItemState::Scheduled,
];

pub(crate) async fn desk(
    State(admin): State<Admin>,
    me: Me,
    Query(q): Query<DeskQuery>,
) -> Response {
    let engine = admin.engine.clone();
    let actor = me.actor.clone();
    let (desk, waiting) =
        match blocking(move || Ok((engine.desk(&actor, 15)?, engine.waiting(&actor)?))).await {
            Ok(d) => d,
            Err(e) => return refusal(&admin, Some(&me), &e),
        };
    let filter = q
        .site
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| fold(s).chars().take(100).collect::<String>());
    let total_sites = desk.sites.len();
    let mut rows: Vec<SiteRow> = desk
        .sites
        .into_iter()
        .map(|s| {
            let mut counts = [0u64; 4];
            for (state, n) in &s.counts {
                if let Some(i) = WAITING.iter().position(|w| w == state) {
                    if let Some(c) = counts.get_mut(i) {
                        *c = *n;
                    }
                }
            }
            SiteRow {
                folded: format!("{} {}", fold(&s.name), s.slug),
                roles: s.roles.iter().map(|r| format!("role.{r}")).collect(),
                waiting: counts.iter().sum(),
                counts,
                for_me: s.for_me,
                slug: s.slug,
                name: s.name,
            }
        })
        .filter(|r| {
            filter
                .as_ref()
                .is_none_or(|f| f.split_whitespace().all(|w| r.folded.contains(w)))
        })
        .collect();
    // What waits for my step first, then what waits at all, then by name.
    rows.sort_by(|a, b| {
        b.for_me
            .cmp(&a.for_me)
            .then(b.waiting.cmp(&a.waiting))
            .then(a.name.cmp(&b.name))
    });
    let for_me: u64 = rows.iter().map(|r| r.for_me).sum();
    let ctx = context! {
        me => me.view(),
        sites => rows,
        total_sites,
        site_filter => q.site.unwrap_or_default(),
        for_me,
        recent => desk.recent,
        // What citizens sent that waits for staff, per site.
        participation => waiting.into_iter().map(|(slug, w)| {
            let name = rows.iter().find(|r| r.slug == slug).map(|r| r.name.clone()).unwrap_or_else(|| slug.clone());
            context! { slug, name, questions => w.questions, comments => w.comments }
        }).collect::<Vec<_>>(),
        states => WAITING.iter().map(|s| format!("state.{s}")).collect::<Vec<_>>(),
    };
    page(&admin, StatusCode::OK, "desk.html", ctx)
}
