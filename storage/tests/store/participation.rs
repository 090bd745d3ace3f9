//! Citizens' questions, comments on consultations and the mail outbox, on every backend:
//! folding, the order staff see, compare-and-swap on decisions, the window of a
//! consultation by the clock, moderation counts, the report, retention and erasure.

use crate::support::each_backend;
use chrono::Duration;
use portico_engine::Clock;
use portico_engine::{
    Actor, AnswerInput, CommentInput, CommentStatus, ModerationInput, NewItemInput, QuestionInput,
    QuestionStatus, ResponseInput, SiteSettings, TransitionInput,
};
use serde_json::json;

fn admin(f: &crate::support::Fixture) -> Actor {
    Actor {
        network_admin: true,
        ..f.approver.clone()
    }
}

fn asked(title: &str, email: &str) -> QuestionInput {
    QuestionInput {
        name: "Nguyễn Văn A".into(),
        email: email.into(),
        phone: "0912345678".into(),
        title: title.into(),
        body: format!("Nội dung: {title}"),
        field: "Đất đai".into(),
        website: String::new(),
    }
}

fn step(e: &portico_engine::Engine, who: &Actor, id: portico_engine::ItemId, action: &str) {
    e.transition(
        who,
        id,
        TransitionInput {
            action: action.into(),
            comment: None,
            at: None,
        },
    )
    .unwrap();
}

#[test]
fn questions_fold_order_decide_once_and_queue_their_mail() {
    each_backend(|f| {
        let e = f.engine.clone().with_mail(true);
        let admin = admin(&f);
        e.update_site_settings(
            &admin,
            "main",
            SiteSettings {
                confirm_questions: true,
                notify_email: Some("bien-tap@example.vn".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let first = e
            .ask_question("main", asked("Câu một", "a@example.vn"))
            .unwrap();
        assert_eq!(first.status, QuestionStatus::Unconfirmed);
        let again = e
            .ask_question("main", asked("Câu một", "A@example.vn"))
            .unwrap();
        assert_eq!(
            again.reference, first.reference,
            "folded (email case aside)"
        );
        assert!(
            e.questions(&f.author, "main", None).unwrap().is_empty(),
            "unconfirmed: staff do not see it"
        );
        let outbox = e.outbox(10, 100).unwrap();
        assert_eq!(outbox.len(), 1, "one confirmation, not two");
        assert_eq!(outbox[0].template, "question_confirm");
        assert_eq!(outbox[0].to, "a@example.vn");
        let token = outbox[0].data["token"].as_str().unwrap().to_owned();
        assert!(e.confirm_question("sai").is_err());
        let confirmed = e.confirm_question(&token).unwrap();
        assert_eq!(confirmed.status, QuestionStatus::New);
        assert_eq!(
            e.confirm_question(&token).unwrap().status,
            QuestionStatus::New,
            "twice is harmless"
        );
        let outbox = e.outbox(10, 100).unwrap();
        assert!(outbox
            .iter()
            .any(|m| m.template == "staff_question" && m.to == "bien-tap@example.vn"));

        // Failed sends are counted and retried until the cap; sent ones leave the outbox.
        let m = &outbox[0];
        e.mail_attempted(m.id, Some("connection refused")).unwrap();
        assert_eq!(e.outbox(10, 100).unwrap()[0].attempts, 1);
        assert!(
            e.outbox(1, 100).unwrap().iter().all(|x| x.id != m.id),
            "past its tries"
        );
        for x in e.outbox(10, 100).unwrap() {
            e.mail_attempted(x.id, None).unwrap();
        }
        assert!(e.outbox(10, 100).unwrap().is_empty());

        // Older first; the new before the decided.
        f.clock.advance(Duration::hours(25));
        let later = e
            .ask_question("main", asked("Câu một", "a@example.vn"))
            .unwrap();
        assert_ne!(
            later.reference, first.reference,
            "a day later it is a new question"
        );
        let token2 = e
            .outbox(10, 100)
            .unwrap()
            .into_iter()
            .find(|m| m.template == "question_confirm")
            .unwrap()
            .data["token"]
            .as_str()
            .unwrap()
            .to_owned();
        e.confirm_question(&token2).unwrap();
        let list = e.questions(&f.author, "main", None).unwrap();
        let refs: Vec<&str> = list.iter().map(|q| q.record.reference.as_str()).collect();
        assert_eq!(refs, [first.reference.as_str(), later.reference.as_str()]);
        assert!(
            e.questions(&f.outsider, "main", None).is_err(),
            "no role on main"
        );

        // Answered once; the answer's publication publishes the question and tells its asker.
        let q = list[0].record.id;
        let item = e
            .answer_question(
                &f.author,
                q,
                AnswerInput {
                    answer: "Trả lời.".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(e
            .answer_question(
                &f.author,
                q,
                AnswerInput {
                    answer: "Lần hai.".into(),
                    ..Default::default()
                }
            )
            .is_err());
        assert!(
            e.reject_question(&f.author, q, "muộn").is_err(),
            "decided: not rejected after"
        );
        let view = e.question(&f.author, q).unwrap();
        assert_eq!(view.record.status, QuestionStatus::Answered);
        assert_eq!(view.record.item_id, Some(item.id));
        step(&e, &f.author, item.id, "submit");
        step(&e, &f.editor, item.id, "forward");
        step(&e, &f.approver, item.id, "publish");
        assert_eq!(
            e.question(&f.author, q).unwrap().record.status,
            QuestionStatus::Published
        );
        let told: Vec<_> = e
            .outbox(10, 100)
            .unwrap()
            .into_iter()
            .filter(|m| m.template == "question_published")
            .collect();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].data["slug"], item.slug.as_str());

        // Forwarded: the other portal's, with where it came from.
        let other = list[1].record.id;
        let moved = e
            .forward_question(&f.author, other, "so-tai-chinh", "thẩm quyền")
            .unwrap();
        assert_eq!(moved.site, "so-tai-chinh");
        assert_eq!(moved.forwarded_from_site.as_deref(), Some("main"));
        assert_eq!(
            e.questions(&f.outsider, "so-tai-chinh", None)
                .unwrap()
                .len(),
            1
        );
        assert!(
            e.forward_question(&f.outsider, other, "main", "").is_ok(),
            "and back"
        );
        assert_eq!(
            e.waiting(&admin)
                .unwrap()
                .iter()
                .find(|(s, _)| s == "main")
                .unwrap()
                .1
                .questions,
            1
        );
    });
}

#[test]
fn comments_follow_the_window_moderation_and_the_report_and_personal_data_expires() {
    each_backend(|f| {
        let e = &f.engine;
        let admin = admin(&f);
        let now = f.clock.now();
        let made = e
            .create_item(
                &admin,
                "main",
                NewItemInput {
                    kind: "consultation".into(),
                    channels: vec![],
                    slug: None,
                    fields: json!({"title": "Dự thảo", "body": "# Điều 1. A\n\nMột.\n\n# Điều 2. B\n\nHai.",
                        "opens_at": (now + Duration::days(1)).to_rfc3339(),
                        "closes_at": (now + Duration::days(10)).to_rfc3339()}),
                },
            )
            .unwrap();
        for a in ["submit", "forward", "publish"] {
            step(e, &admin, made.id, a);
        }
        let say = |section: Option<&str>, email: &str, body: &str| {
            e.comment(
                made.id,
                CommentInput {
                    section: section.map(str::to_owned),
                    name: "Người góp ý".into(),
                    email: email.into(),
                    body: body.into(),
                    website: String::new(),
                },
            )
        };
        assert!(say(None, "a@example.vn", "sớm").is_err(), "before it opens");
        f.clock.advance(Duration::days(2));
        say(Some("dieu-1"), "a@example.vn", "Sửa Điều 1").unwrap();
        say(Some("dieu-1"), "a@example.vn", "Sửa Điều 1").unwrap();
        say(Some("dieu-2"), "b@example.vn", "Sửa Điều 2").unwrap();
        say(None, "c@example.vn", "Chung").unwrap();
        let all = e.comments(&f.editor, made.id, None).unwrap();
        assert_eq!(all.len(), 3, "the same comment twice is one");
        let waiting = e.waiting(&admin).unwrap();
        assert_eq!(
            waiting
                .iter()
                .find(|(s, _)| s == "main")
                .unwrap()
                .1
                .comments,
            3
        );
        assert!(e.public_comments(made.id).unwrap().is_empty());
        let moderate = |i: usize, d: &str| {
            e.moderate_comment(
                &f.editor,
                all[i].id,
                ModerationInput {
                    decision: d.into(),
                    reason: String::new(),
                },
            )
        };
        assert!(moderate(0, "approve").is_ok());
        assert!(moderate(0, "approve").is_err(), "already approved");
        moderate(1, "approve").unwrap();
        moderate(2, "reject").unwrap();
        assert!(
            e.moderate_comment(
                &f.author,
                all[1].id,
                ModerationInput {
                    decision: "reject".into(),
                    reason: String::new()
                }
            )
            .is_err(),
            "authors do not moderate"
        );
        e.respond_to_comment(
            &f.editor,
            all[0].id,
            ResponseInput {
                disposition: "accepted".into(),
                reply: "Đã sửa".into(),
            },
        )
        .unwrap();
        assert!(e
            .respond_to_comment(
                &f.editor,
                all[2].id,
                ResponseInput {
                    disposition: "accepted".into(),
                    reply: "x".into()
                }
            )
            .is_err());
        let public = e.public_comments(made.id).unwrap();
        assert_eq!(public.len(), 2);
        assert!(
            public.iter().all(|c| c.reply.is_none()),
            "answers wait for the report"
        );
        let report = e.comment_report(&f.editor, made.id).unwrap();
        let labels: Vec<(&str, usize)> = report
            .sections
            .iter()
            .map(|s| (s.label.as_str(), s.comments.len()))
            .collect();
        assert_eq!(labels, [("Ý kiến chung", 0), ("Điều 1", 1), ("Điều 2", 1)]);
        assert_eq!(
            (report.total, report.accepted, report.unanswered),
            (2, 1, 1)
        );
        assert_eq!(
            e.comments(&f.editor, made.id, Some(CommentStatus::Rejected))
                .unwrap()
                .len(),
            1
        );
        f.clock.advance(Duration::days(9));
        assert!(
            say(None, "d@example.vn", "muộn").is_err(),
            "after it closes"
        );

        // A site's retention period: older than it, the sender's data is erased.
        e.update_site_settings(
            &admin,
            "main",
            SiteSettings {
                retention_days: Some(30),
                ..Default::default()
            },
        )
        .unwrap();
        e.ask_question("main", asked("Câu mới", "moi@example.vn"))
            .unwrap();
        assert_eq!(
            e.erase_expired_personal_data().unwrap(),
            0,
            "nothing is 30 days old yet"
        );
        f.clock.advance(Duration::days(25));
        let erased = e.erase_expired_personal_data().unwrap();
        assert_eq!(erased, 3, "the three comments, not the newer question");
        assert!(e
            .comments(&f.editor, made.id, None)
            .unwrap()
            .iter()
            .all(|c| c.email.is_empty() && c.erased_at.is_some()));
        let q = &e.questions(&f.author, "main", None).unwrap()[0];
        assert_eq!(q.record.email, "moi@example.vn");
        f.clock.advance(Duration::days(30));
        assert_eq!(e.erase_expired_personal_data().unwrap(), 1);
        assert_eq!(e.erase_expired_personal_data().unwrap(), 0, "erased once");
        assert!(e.questions(&f.author, "main", None).unwrap()[0]
            .record
            .email
            .is_empty());
    });
}
