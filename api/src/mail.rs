//! Mail to citizens and staff: the engine queues what is to be said in its outbox (in the
//! same transaction as the change), and the leading node words each message in Vietnamese,
//! with links to the public address, and sends it over SMTP with lettre. A message that
//! fails is tried again later, up to [`MAX_ATTEMPTS`] times.

use crate::follow::Loop;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use portico_engine::{Engine, Mail};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::watch;

/// Tries per message before it is left in the outbox for an operator to look at.
pub const MAX_ATTEMPTS: u32 = 10;

/// Where and as whom mail is sent.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, or STARTTLS when the server offers it),
    /// `smtps://host:port` (TLS from the start); user and password in the URL when needed.
    pub smtp_url: String,
    /// The sender, `Cổng TTĐT tỉnh <no-reply@laocai.gov.vn>`.
    pub from: String,
    /// How often the outbox is looked at.
    pub interval: Duration,
}

/// Why mail settings cannot work.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("--smtp-url: {0}")]
    Url(String),
    #[error("--mail-from '{0}' is not an address such as 'Cổng TTĐT <no-reply@example.vn>'")]
    From(String),
}

/// A ready transport and sender.
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Checks the settings; the server is first contacted when there is something to send.
    pub fn new(c: &MailConfig) -> Result<Mailer, MailError> {
        let from: Mailbox = c
            .from
            .parse()
            .map_err(|_| MailError::From(c.from.clone()))?;
        let url = url::Url::parse(&c.smtp_url).map_err(|e| MailError::Url(e.to_string()))?;
        let host = url
            .host_str()
            .ok_or_else(|| MailError::Url("no host".to_owned()))?
            .to_owned();
        let mut b = match url.scheme() {
            "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                .map_err(|e| MailError::Url(e.to_string()))?,
            "smtp" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host),
            s => {
                return Err(MailError::Url(format!(
                    "scheme '{s}': use smtp:// or smtps://"
                )))
            }
        };
        if let Some(port) = url.port() {
            b = b.port(port);
        }
        if !url.username().is_empty() {
            let user = percent_encoding::percent_decode_str(url.username())
                .decode_utf8_lossy()
                .into_owned();
            let pass = percent_encoding::percent_decode_str(url.password().unwrap_or(""))
                .decode_utf8_lossy()
                .into_owned();
            b = b.credentials(Credentials::new(user, pass));
        }
        Ok(Mailer {
            transport: b.timeout(Some(Duration::from_secs(20))).build(),
            from,
        })
    }

    async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("address '{to}': {e}"))?;
        let m = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(m)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Sends the outbox while this node leads, until `stop`.
pub(crate) async fn run(
    engine: Engine,
    mailer: Mailer,
    public_url: Option<String>,
    every: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut task = Loop::new("mail", stop);
    let base = public_url.unwrap_or_default();
    let mut limit = RecipientLimit::default();
    loop {
        let e = engine.clone();
        let due = task
            .blocking(move || {
                if e.lead()? {
                    e.outbox(MAX_ATTEMPTS, 50)
                } else {
                    Ok(Vec::new())
                }
            })
            .await
            .unwrap_or_default();
        for m in due {
            if !limit.admit(&m.to, &m.template, std::time::Instant::now()) {
                // Whoever typed this address into a form is not to be mailed without end: the
                // message is dropped, not kept to be tried again.
                tracing::warn!(mail = m.id.0, template = %m.template, "not sent: too many messages to this address lately");
                let e = engine.clone();
                let id = m.id;
                task.blocking(move || e.mail_attempted(id, None)).await;
                continue;
            }
            let (subject, body) = words(&m, &base);
            let outcome = mailer.send(&m.to, &subject, body).await;
            if let Err(err) = &outcome {
                tracing::warn!(mail = m.id.0, attempts = m.attempts + 1, error = %err, "could not send mail");
            }
            let e = engine.clone();
            task.blocking(move || e.mail_attempted(m.id, outcome.err().as_deref()))
                .await;
        }
        if !task.sleep(every).await {
            return;
        }
    }
}

/// Messages to one citizen's address: a few at once, then one every few minutes. A question
/// or comment mails the address typed into its form, and anyone can type anyone's; the
/// per-address submission limit bounds a sender, this bounds what one recipient gets from
/// many senders. Staff addresses (the sites' own) are not limited here.
#[derive(Default)]
struct RecipientLimit {
    buckets: std::collections::HashMap<String, (f64, std::time::Instant)>,
}

impl RecipientLimit {
    /// Messages at once.
    const BURST: f64 = 5.0;
    /// Seconds for one more.
    const EVERY: f64 = 600.0;

    fn admit(&mut self, to: &str, template: &str, now: std::time::Instant) -> bool {
        if template.starts_with("staff_") {
            return true;
        }
        if self.buckets.len() > 100_000 {
            self.buckets.retain(|_, (_, at)| {
                now.duration_since(*at).as_secs_f64() < Self::EVERY * Self::BURST
            });
        }
        let key = to.trim().to_lowercase();
        let (tokens, at) = self.buckets.entry(key).or_insert((Self::BURST, now));
        let refill = now.saturating_duration_since(*at).as_secs_f64() / Self::EVERY;
        *tokens = (*tokens + refill).min(Self::BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn s<'a>(d: &'a Value, k: &str) -> &'a str {
    d.get(k).and_then(Value::as_str).unwrap_or("")
}

/// The subject and text of a message.
pub(crate) fn words(m: &Mail, base: &str) -> (String, String) {
    let d = &m.data;
    let site = s(d, "site");
    let portal = s(d, "site_name");
    let reference = s(d, "reference");
    let title = s(d, "title");
    let qa = format!("{base}/{site}/hoi-dap");
    let sign = format!("\n\n--\n{portal}\nThư này được gửi tự động; xin đừng trả lời thư.");
    match m.template.as_str() {
        "question_confirm" => (
            format!("Xác nhận câu hỏi gửi {portal}"),
            format!(
                "Chúng tôi đã nhận câu hỏi \"{title}\".\n\nĐể câu hỏi được chuyển đến cơ quan trả lời, xin bấm vào đường dẫn sau trong 7 ngày:\n{qa}/xac-nhan?ma={}\n\nNếu bạn không gửi câu hỏi này, xin bỏ qua thư.\nMã tra cứu: {reference}{sign}",
                s(d, "token")
            ),
        ),
        "question_received" => (
            format!("Đã nhận câu hỏi {reference}"),
            format!(
                "Chúng tôi đã nhận câu hỏi \"{title}\" và chuyển đến cơ quan có thẩm quyền trả lời.\n\nMã tra cứu: {reference}\nTheo dõi tại: {qa}/tra-cuu?ma={reference}{sign}"
            ),
        ),
        "question_rejected" => (
            format!("Câu hỏi {reference} không được tiếp nhận"),
            format!(
                "Câu hỏi \"{title}\" không được tiếp nhận để trả lời.\n\nLý do: {}\n\nMã tra cứu: {reference}{sign}",
                s(d, "reason")
            ),
        ),
        "question_published" => {
            let link = match d.get("slug").and_then(Value::as_str) {
                Some(slug) => format!("{qa}/{slug}"),
                None => format!("{qa}/tra-cuu?ma={reference}"),
            };
            (
                format!("Câu hỏi {reference} đã được trả lời"),
                format!("Câu hỏi \"{title}\" đã có câu trả lời:\n{link}{sign}"),
            )
        }
        "staff_question" => (
            format!("Câu hỏi mới: {title}"),
            format!(
                "{portal} có câu hỏi mới{} cần trả lời: \"{title}\" ({reference}).\n\nXem tại: {base}/admin/sites/{site}/questions{sign}",
                match s(d, "from") {
                    "" => String::new(),
                    from => format!(" do {from} chuyển đến"),
                }
            ),
        ),
        "staff_comment" => (
            format!("Ý kiến mới về dự thảo: {title}"),
            format!(
                "Dự thảo \"{title}\" có ý kiến góp ý mới{} chờ duyệt.\n\nXem tại: {base}/admin/items/{}/comments{sign}",
                match s(d, "section") {
                    "" => String::new(),
                    sec => format!(" ({sec})"),
                },
                d.get("item").and_then(Value::as_i64).unwrap_or(0)
            ),
        ),
        other => (
            format!("Thông báo từ {portal}"),
            format!("({other}){sign}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::RecipientLimit;
    use std::time::{Duration, Instant};

    #[test]
    fn one_recipient_gets_a_few_messages_then_one_every_ten_minutes() {
        let mut l = RecipientLimit::default();
        let t = Instant::now();
        let sent = (0..50)
            .filter(|_| l.admit("Nan.Nhan@example.vn", "question_confirm", t))
            .count();
        assert_eq!(sent, 5);
        // The same address however it is written; another address is untouched.
        assert!(!l.admit(" nan.nhan@EXAMPLE.vn", "question_received", t));
        assert!(l.admit("khac@example.vn", "question_confirm", t));
        // Staff mail is not limited here.
        assert!((0..20).all(|_| l.admit("nan.nhan@example.vn", "staff_question", t)));
        assert!(l.admit(
            "nan.nhan@example.vn",
            "question_confirm",
            t + Duration::from_secs(601)
        ));
        assert!(!l.admit(
            "nan.nhan@example.vn",
            "question_confirm",
            t + Duration::from_secs(602)
        ));
    }
}
