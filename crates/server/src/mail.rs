//! E-mail (issue 20): messages are queued in the database (`Store::enqueue`) by the request that
//! wants them and sent by a worker (`run`), never from the request itself: two instances never
//! send one message twice, a restart loses nothing, a failure is retried with a growing wait and,
//! after the last attempt, kept with its error for the operator (`taper mail-queue`). Off, and
//! said so on the pages that would use it, when the server has no SMTP URL.

use jiff::{SignedDuration, Timestamp};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use taper_store::Store;

/// The kind of job that sends one e-mail.
pub const EMAIL_JOB: &str = "email";

/// How many times a message is tried before it is kept as failed.
pub const MAX_ATTEMPTS: u32 = 8;

/// The longest line SMTP carries (RFC 5321 §4.5.3.1.6: 1000 octets with CRLF), less a margin.
const SMTP_LINE: usize = 990;

/// How long a worker holds a claimed message before another may take it (a worker that died
/// mid-send): longer than any SMTP exchange takes.
const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// What the server needs to send e-mail: the SMTP server, the sender, and the address people
/// open links at.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, for a relay on this machine or a test sink), `smtps://…`
    /// (TLS) or `smtp://…?tls=required` (STARTTLS); user and password in the URL.
    pub smtp_url: String,
    pub from: String,
    /// Where this server is reached, without a trailing slash: links in messages start with it.
    pub public_url: String,
    /// How often an idle worker looks for due messages.
    pub poll: std::time::Duration,
}

impl MailConfig {
    /// Checks the sender and the public address once, at start.
    pub fn check(&self) -> Result<(), String> {
        self.from.parse::<Mailbox>().map_err(|e| format!("--mail-from '{}': {e}", self.from))?;
        if !(self.public_url.starts_with("https://") || self.public_url.starts_with("http://")) {
            return Err(format!(
                "--public-url '{}': give the address people open Taper at, such as https://taper.example.org",
                self.public_url
            ));
        }
        Ok(())
    }
}

/// One message as queued: plain text, no health detail (the subject and body say what to do on
/// the site, never what was recorded there).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Where the person turns these messages off (a reminder's List-Unsubscribe, RFC 2369).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
}

/// The List-Unsubscribe header (RFC 2369): the page where reminders are turned off.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.trim().trim_start_matches('<').trim_end_matches('>').to_string()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// Queues `email` to go out now, to the account `to` (deleted with it) where it is one.
pub async fn queue(
    store: &Store,
    email: &Email,
    to: Option<taper_store::UserId>,
    now: Timestamp,
) -> taper_store::Result<()> {
    let payload = serde_json::to_string(email).map_err(|e| taper_store::StoreError::Corrupt(e.to_string()))?;
    let people = taper_store::JobPeople { to, about: None };
    store.enqueue(EMAIL_JOB, None, &payload, people, now, now).await?;
    Ok(())
}

/// The wait before attempt `attempt + 1`: a minute, doubling, at most an hour.
pub fn backoff(attempt: u32) -> SignedDuration {
    let minutes = 1_i64 << attempt.saturating_sub(1).min(6);
    SignedDuration::from_mins(minutes.min(60))
}

/// Sends queued messages until the process ends.
pub async fn run(store: Store, config: MailConfig, worker: String) {
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url) {
        Ok(b) => b.build(),
        Err(e) => {
            tracing::error!(error = %e, "the SMTP URL cannot be used: no e-mail will be sent");
            return;
        }
    };
    let Ok(from) = config.from.parse::<Mailbox>() else { return };
    loop {
        match step(&store, &transport, &from, &worker).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "the mail queue could not be read"),
        }
        tokio::time::sleep(config.poll).await;
    }
}

/// Claims and sends one due message; false when none was due.
async fn step(
    store: &Store,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    worker: &str,
) -> taper_store::Result<bool> {
    let now = Timestamp::now();
    let Some(job) = store.claim_job(worker, now, LEASE).await? else { return Ok(false) };
    let sent = match crate::error::AppError::stored::<Email>("queued message", &job.payload) {
        Ok(email) => send(transport, from, &email).await,
        Err(e) => Err(e.to_string()),
    };
    match sent {
        Ok(()) => {
            tracing::info!(job = %job.id, "e-mail sent");
            store.job_done(&job.id, worker, Timestamp::now()).await?;
        }
        Err(error) => {
            let retry = (job.attempt < MAX_ATTEMPTS).then(|| now.checked_add(backoff(job.attempt)).ok()).flatten();
            if retry.is_some() {
                tracing::warn!(job = %job.id, attempt = job.attempt, error = %error, "e-mail not sent; tried again later");
            } else {
                tracing::error!(job = %job.id, attempt = job.attempt, error = %error, "e-mail not sent, for good: see `taper mail-queue`");
            }
            store.job_failed(&job.id, worker, &error, retry, Timestamp::now()).await?;
        }
    }
    Ok(true)
}

/// A Message-ID in the sender's own domain (lettre's default names "localhost", which spam
/// filters distrust; a walk).
fn message_id(from: &Mailbox) -> String {
    format!("<{}@{}>", uuid::Uuid::new_v4().simple(), from.email.domain())
}

async fn send(transport: &AsyncSmtpTransport<Tokio1Executor>, from: &Mailbox, email: &Email) -> Result<(), String> {
    use lettre::message::header::{ContentTransferEncoding, ContentType};
    use lettre::message::{Body, SinglePart};
    let to: Mailbox = email.to.parse().map_err(|e| format!("address: {e}"))?;
    // Plain UTF-8 text sent as 8bit, so a link is never split across lines by quoted-printable
    // (a walk: the reset link broke at 76 characters); lines stay far below SMTP's limit.
    let crlf = email.body.replace("\r\n", "\n").replace('\n', "\r\n");
    let body = if crlf.split("\r\n").all(|line| line.len() < SMTP_LINE) && !crlf.contains('\0') {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(email.body.clone())
    };
    let part = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body);
    let mut builder =
        Message::builder().from(from.clone()).to(to).subject(email.subject.clone()).message_id(Some(message_id(from)));
    if let Some(url) = &email.unsubscribe {
        builder = builder.header(ListUnsubscribe(url.clone()));
    }
    let message = builder.singlepart(part).map_err(|e| format!("building the message: {e}"))?;
    transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_a_minute_to_an_hour() {
        let waits: Vec<i64> = (1..=MAX_ATTEMPTS).map(|a| backoff(a).as_mins()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn a_bad_sender_or_public_address_is_refused_at_start() {
        let good = MailConfig {
            smtp_url: "smtp://127.0.0.1:25".into(),
            from: "Taper <taper@example.org>".into(),
            public_url: "https://taper.example.org".into(),
            poll: std::time::Duration::from_secs(5),
        };
        assert!(good.check().is_ok());
        assert!(MailConfig { from: "not an address".into(), ..good.clone() }.check().is_err());
        assert!(MailConfig { public_url: "taper.example.org".into(), ..good }.check().is_err());
    }
}
