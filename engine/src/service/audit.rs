//! Reading the audit log: who did what, when and from where, for network admins.

use super::Engine;
use crate::error::{EngineError, InvalidKind};
use crate::ids::{ItemId, RevisionNo};
use crate::policy::Actor;
use crate::store::AuditFilter;
use crate::user::Username;
use crate::workflow::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// The longest page of the audit log one request reads.
pub const MAX_AUDIT_PAGE: usize = 1000;

/// Which entries to read (`GET /api/v1/audit`); every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Who acted (a username).
    pub user: Option<String>,
    /// On which site (a slug).
    pub site: Option<String>,
    /// Actions starting with this: `user.`, `auth.sign_in_failed`, `token.`.
    pub action: Option<String>,
    /// From this time on (RFC 3339, or a day: `2026-11-30`, from its start in UTC).
    pub since: Option<String>,
    /// Before this time (same forms).
    pub until: Option<String>,
    /// Entries older than this id: the next page after one that ended at it.
    pub before: Option<i64>,
    pub limit: usize,
}

/// One entry of the log as the API and its export show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditLine {
    /// Its place in the log; pass the last one as `before` for the next page.
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who acted; `None` when the system did (the scheduler, a sign-in limit).
    pub user: Option<String>,
    pub site: Option<String>,
    pub item_id: Option<ItemId>,
    pub action: String,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub revision: Option<RevisionNo>,
    pub comment: Option<String>,
    /// The client's address the act came from; `None` for the CLI and the system.
    pub source: Option<String>,
}

fn time(field: &str, v: &str) -> Result<DateTime<Utc>, EngineError> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            EngineError::invalid(
                InvalidKind::InvalidDate,
                field.to_owned(),
                format!("{field} '{v}' is neither a day (2026-11-30) nor an RFC 3339 time"),
            )
        })
}

impl Engine {
    /// A page of the audit log, newest first (network admins only).
    pub fn audit_log(&self, actor: &Actor, q: &AuditQuery) -> Result<Vec<AuditLine>, EngineError> {
        if !actor.network_admin {
            return Err(EngineError::Forbidden(
                "the network's audit log needs the network_admin role".to_owned(),
            ));
        }
        let actor_id = match q.user.as_deref() {
            None | Some("") => None,
            Some(name) => Some(
                self.store
                    .user_by_name(Username::parse(name)?.as_str())?
                    .ok_or_else(|| EngineError::not_found(format!("user '{name}'")))?
                    .user
                    .id,
            ),
        };
        let site = match q.site.as_deref() {
            None | Some("") => None,
            Some(slug) => Some(self.site_by_slug(slug)?.id),
        };
        let filter = AuditFilter {
            actor: actor_id,
            site,
            action: q.action.clone().filter(|a| !a.is_empty()),
            since: q.since.as_deref().map(|v| time("since", v)).transpose()?,
            until: q.until.as_deref().map(|v| time("until", v)).transpose()?,
        };
        let catalog = self.catalog()?;
        Ok(self
            .store
            .audit_log(&filter, q.before, q.limit.clamp(1, MAX_AUDIT_PAGE))?
            .into_iter()
            .map(|(id, row)| AuditLine {
                id,
                at: row.entry.at,
                user: row.username,
                site: row
                    .entry
                    .site_id
                    .and_then(|s| catalog.by_id(s))
                    .map(|s| s.slug.clone()),
                item_id: row.entry.item_id,
                action: row.entry.action,
                from_state: row.entry.from_state,
                to_state: row.entry.to_state,
                revision: row.entry.revision,
                comment: row.entry.comment,
                source: row.entry.source,
            })
            .collect())
    }
}
