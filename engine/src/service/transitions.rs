//! Workflow transitions and scheduled publication.

use super::items::{item_event, list_event};
use super::views::ItemView;
use super::{parse_enum, Engine};
use crate::error::{EngineError, InvalidKind};
use crate::event::{AuditEntry, EventKind};
use crate::ids::ItemId;
use crate::policy::{Actor, Permission};
use crate::store::{ItemRecord, ItemUpdate, StoreError};
use crate::workflow::{allowed_actions, next_state, Action, State};
use crate::ErrorCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A workflow step asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub action: String,
    /// Required for `return`: the author must learn what to change.
    #[serde(default)]
    pub comment: Option<String>,
    /// Required for `schedule`: when to publish (RFC 3339, e.g. `2026-12-01T07:00:00+07:00`).
    #[serde(default)]
    pub at: Option<String>,
}

pub(super) const COMMENT_MAX: usize = 2_000;

impl Engine {
    /// Moves an item through the workflow.
    pub fn transition(
        &self,
        actor: &Actor,
        id: ItemId,
        input: TransitionInput,
    ) -> Result<ItemView, EngineError> {
        let action: Action = parse_enum("action", &input.action)?;
        let (item, site) = self.visible_item(actor, id)?;
        self.allow(actor, &site, Permission::AnyTransition(action))?;
        let Some(to) = next_state(item.state, action, item.live) else {
            let allowed = allowed_actions(item.state, item.live);
            let allowed = if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(EngineError::Conflict {
                code: ErrorCode::InvalidTransition,
                message: format!(
                    "cannot '{action}' an item that is {}; allowed from {}: {allowed}",
                    item.state, item.state
                ),
                field: Some("action".to_owned()),
                current_revision: Some(item.current_rev.0),
            });
        };
        self.allow(
            actor,
            &site,
            Permission::Transition {
                action,
                from: item.state,
                owner: item.owner_id,
            },
        )?;
        let comment = match input.comment.as_deref().map(str::trim) {
            Some("") | None => None,
            Some(c) => Some(super::clean_comment(c)?),
        };
        if action == Action::Return && comment.is_none() {
            return Err(EngineError::invalid(
                InvalidKind::Required,
                "comment".to_owned(),
                "returning an item needs a comment that tells its author what to change",
            ));
        }
        let now = self.clock.now();
        let at = match (action, input.at.as_deref()) {
            (Action::Schedule, Some(at)) => Some(parse_future(at, now)?),
            (Action::Schedule, None) => {
                return Err(EngineError::invalid(
                    InvalidKind::Required,
                    "at".to_owned(),
                    "scheduling needs 'at', the time to publish (RFC 3339)",
                ))
            }
            (_, Some(_)) => {
                return Err(EngineError::invalid(
                    InvalidKind::InvalidValue,
                    "at".to_owned(),
                    "'at' belongs only to the 'schedule' action",
                ))
            }
            (_, None) => None,
        };
        let mut update = self.step(&item, action, to, Some(actor), comment, at, now);
        if action == Action::Publish {
            update.rendered = Some(self.render(&item)?);
        }
        let saved = self.store.update_item(&update).map_err(moved_meanwhile)?;
        if action == Action::Publish && saved.kind == crate::ItemKind::Question {
            self.tell_asker(saved.id);
        }
        self.view(actor, &site, saved)
    }

    /// Publishes every scheduled item whose time has come, including those that came due
    /// while the process was down. Returns how many were published.
    pub fn publish_due(&self) -> Result<usize, EngineError> {
        let now = self.clock.now();
        let mut published = 0;
        for id in self.store.due_scheduled(now, 500)? {
            let Some(item) = self.store.item(id)? else {
                continue;
            };
            let Some(due) = item.scheduled_at.filter(|t| *t <= now) else {
                continue;
            };
            if item.state != State::Scheduled {
                continue;
            }
            let comment = Some(scheduler_comment(due, now));
            let mut update = self.step(
                &item,
                Action::Publish,
                State::Published,
                None,
                comment,
                None,
                now,
            );
            update.rendered = Some(self.render(&item)?);
            match self.store.update_item(&update) {
                Ok(saved) => {
                    published += 1;
                    if saved.kind == crate::ItemKind::Question {
                        self.tell_asker(saved.id);
                    }
                }
                // Someone cancelled the schedule (or another node published) meanwhile.
                Err(StoreError::StaleState { .. } | StoreError::StaleRevision { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(published)
    }

    /// An answer went public: its question follows, and its asker hears. The publication
    /// stands whatever happens here; a failure is logged, and the question stays "answered".
    fn tell_asker(&self, item: ItemId) {
        if let Err(e) = self.answer_published(item) {
            tracing::warn!(item = item.0, error = %e, "could not mark the question of a published answer");
        }
    }

    /// Renders the Markdown fields of the item's working revision (the one being published).
    fn render(&self, item: &ItemRecord) -> Result<serde_json::Value, EngineError> {
        let rev = self.working_revision(item)?;
        let content = crate::Content::from_stored(item.kind, rev.fields)?;
        let html: serde_json::Map<String, serde_json::Value> = content
            .markdown_fields()
            .into_iter()
            .map(|(name, md)| {
                (
                    name.to_owned(),
                    serde_json::Value::String(self.renderer.markdown(md)),
                )
            })
            .collect();
        Ok(serde_json::Value::Object(html))
    }

    /// Builds the store update for one workflow step.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        item: &ItemRecord,
        action: Action,
        to: State,
        actor: Option<&Actor>,
        comment: Option<String>,
        at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> ItemUpdate {
        let mut u = ItemUpdate {
            item_id: item.id,
            expect_rev: item.current_rev,
            expect_state: item.state,
            new_revision: None,
            channels: None,
            state: to,
            owner_id: item.owner_id,
            published_rev: item.published_rev,
            live: item.live,
            scheduled_at: item.scheduled_at,
            first_published_at: item.first_published_at,
            published_at: item.published_at,
            at: now,
            audit: AuditEntry {
                at: now,
                source: actor.and_then(|a| a.from.clone()),
                actor: actor.map(|a| a.user_id),
                site_id: Some(item.site_id),
                item_id: Some(item.id),
                action: action.as_str().to_owned(),
                from_state: Some(item.state),
                to_state: Some(to),
                revision: Some(item.current_rev),
                comment,
            },
            events: Vec::new(),
            rendered: None,
            published_anew: action == Action::Publish,
        };
        if to != item.state {
            u.events
                .push(item_event(EventKind::ItemStateChanged, item, to));
        }
        match action {
            Action::Publish => {
                u.published_rev = Some(item.current_rev);
                u.live = true;
                u.scheduled_at = None;
                u.published_at = Some(now);
                u.first_published_at = item.first_published_at.or(Some(now));
                // The lists that change: those of the channels the item leaves and enters.
                let mut channels = item.channels.clone();
                let entering = self
                    .store
                    .revision(item.id, item.current_rev)
                    .ok()
                    .flatten()
                    .and_then(|r| r.channels);
                for c in entering.into_iter().flatten() {
                    if !channels.contains(&c) {
                        channels.push(c);
                    }
                }
                u.events
                    .push(list_event(EventKind::ItemPublished, item, to, &channels));
            }
            Action::Schedule => u.scheduled_at = at,
            Action::Unpublish if item.state == State::Scheduled => u.scheduled_at = None,
            Action::Unpublish => {
                u.live = false;
                u.events.push(list_event(
                    EventKind::ItemUnpublished,
                    item,
                    to,
                    &item.channels,
                ));
            }
            _ => {}
        }
        u
    }
}

fn parse_future(at: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, EngineError> {
    let t = DateTime::parse_from_rfc3339(at)
        .map_err(|_| {
            EngineError::invalid(
                InvalidKind::InvalidDate,
                "at".to_owned(),
                format!("'{at}' is not an RFC 3339 time such as 2026-12-01T07:00:00+07:00"),
            )
        })?
        .with_timezone(&Utc);
    if t <= now {
        return Err(EngineError::invalid(
            InvalidKind::InvalidDate,
            "at".to_owned(),
            format!("'{at}' is not in the future; publish now instead"),
        ));
    }
    Ok(t)
}

/// A compare-and-swap that failed because someone else moved the item first.
fn moved_meanwhile(e: StoreError) -> EngineError {
    match e {
        StoreError::StaleState { current } => EngineError::conflict(
            ErrorCode::InvalidTransition,
            format!("the item was moved to {current} meanwhile; reload it"),
        ),
        other => other.into(),
    }
}

/// What the history says of a scheduled publication: on time, or late (after downtime) with
/// when it was due and when it went out, in Vietnam's time, so nobody reads a late
/// publication as one made at the set time.
fn scheduler_comment(
    due: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let late = now - due;
    if late <= chrono::Duration::minutes(1) {
        return "published by the scheduler at the set time".to_owned();
    }
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&crate::vietnam())
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    format!(
        "published by the scheduler late: due {} (Vietnam time), published {}, {} minutes late (the scheduler was not running)",
        at(due),
        at(now),
        late.num_minutes()
    )
}

#[cfg(test)]
mod scheduler_tests {
    use super::scheduler_comment;
    use chrono::TimeZone;

    #[test]
    fn a_late_publication_says_when_it_was_due_and_when_it_went_out() {
        let due = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(
            scheduler_comment(due, due + chrono::Duration::seconds(20)),
            "published by the scheduler at the set time"
        );
        let late = scheduler_comment(due, due + chrono::Duration::minutes(95));
        assert!(late.contains("due 01/12/2026 07:00"), "{late}");
        assert!(late.contains("published 01/12/2026 08:35"), "{late}");
        assert!(late.contains("95 minutes late"), "{late}");
    }
}
