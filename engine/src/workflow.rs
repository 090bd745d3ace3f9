//! The three-step workflow: which action leads from which state to which state.
//!
//! This file answers only "does the state allow it"; *who* may do it is `policy.rs`.

use crate::names::named;
use serde::{Deserialize, Serialize};

/// Where an item's working copy stands in the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    InReview,
    InApproval,
    Scheduled,
    Published,
    Unpublished,
    Archived,
}

named!(State, "state", {
    Draft => "draft",
    InReview => "in_review",
    InApproval => "in_approval",
    Scheduled => "scheduled",
    Published => "published",
    Unpublished => "unpublished",
    Archived => "archived",
});

impl State {
    /// Whether a save in this state starts a new draft instead of changing the working copy.
    pub fn edit_starts_new_draft(self) -> bool {
        matches!(self, State::Published | State::Unpublished)
    }
}

/// What a person asks the workflow to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Forward,
    Return,
    Publish,
    Schedule,
    Unpublish,
    Archive,
}

named!(Action, "action", {
    Submit => "submit",
    Forward => "forward",
    Return => "return",
    Publish => "publish",
    Schedule => "schedule",
    Unpublish => "unpublish",
    Archive => "archive",
});

/// The state an action leads to from `from`, or `None` when the state does not allow it.
///
/// `live` says whether a published revision is visible to the public right now: `unpublish`
/// withdraws it whatever the working copy is doing (an urgent withdrawal must not wait for a
/// pending edit), and leaves the working copy's state alone unless it was `published`.
/// `unpublish` on a `scheduled` item cancels the schedule and hands it back to the approver.
pub fn next_state(from: State, action: Action, live: bool) -> Option<State> {
    use Action as A;
    use State as S;
    Some(match (from, action) {
        (S::Draft, A::Submit) => S::InReview,
        (S::InReview, A::Forward) => S::InApproval,
        (S::InReview, A::Return) => S::Draft,
        (S::InApproval, A::Publish) => S::Published,
        (S::InApproval, A::Schedule) => S::Scheduled,
        (S::InApproval, A::Return) => S::Draft,
        (S::Scheduled, A::Unpublish) => S::InApproval,
        (S::Published, A::Unpublish) => S::Unpublished,
        (S::Unpublished, A::Archive) => S::Archived,
        (other, A::Unpublish) if live => other,
        _ => return None,
    })
}

/// The actions that the state allows, for error messages and for clients that draw buttons.
pub fn allowed_actions(from: State, live: bool) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| next_state(from, *a, live).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_path() {
        let s = next_state(State::Draft, Action::Submit, false);
        assert_eq!(s, Some(State::InReview));
        let s = next_state(State::InReview, Action::Forward, false);
        assert_eq!(s, Some(State::InApproval));
        let s = next_state(State::InApproval, Action::Publish, false);
        assert_eq!(s, Some(State::Published));
    }

    #[test]
    fn nothing_skips_a_step() {
        assert_eq!(next_state(State::Draft, Action::Publish, false), None);
        assert_eq!(next_state(State::Draft, Action::Forward, false), None);
        assert_eq!(next_state(State::InReview, Action::Publish, false), None);
        assert_eq!(next_state(State::Archived, Action::Submit, false), None);
    }

    #[test]
    fn unpublish_withdraws_a_live_item_with_a_pending_edit() {
        assert_eq!(
            next_state(State::Draft, Action::Unpublish, true),
            Some(State::Draft)
        );
        assert_eq!(next_state(State::Draft, Action::Unpublish, false), None);
        assert_eq!(
            next_state(State::Scheduled, Action::Unpublish, false),
            Some(State::InApproval)
        );
    }

    #[test]
    fn names_round_trip() {
        for s in State::ALL {
            assert_eq!(s.as_str().parse::<State>(), Ok(s));
        }
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        assert!("publish_now".parse::<Action>().is_err());
    }
}
