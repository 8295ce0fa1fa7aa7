//! The operator's privacy notice and terms (issue 19, item 7): who runs this server and where the
//! data live are the operator's to say, in files given at start (`taper serve --privacy-notice
//! FILE --terms FILE`), shown as plain text at /privacy and /terms and linked from sign-up and
//! every page's footer. Without them the pages say so plainly, and what to ask.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::Ctx;
use crate::error::AppResult;
use askama::Template;
use askama_web::WebTemplate;

/// The largest notice file read (a long privacy notice is a few pages).
pub const MAX_NOTICE_BYTES: u64 = 64 * 1024;

/// What the operator published, as plain text.
#[derive(Debug, Clone, Default)]
pub struct Notices {
    pub privacy: Option<String>,
    pub terms: Option<String>,
}

impl Notices {
    /// Reads the operator's files: UTF-8 text of at most [`MAX_NOTICE_BYTES`].
    pub fn read(privacy: Option<&std::path::Path>, terms: Option<&std::path::Path>) -> Result<Notices, String> {
        let one = |p: Option<&std::path::Path>| -> Result<Option<String>, String> {
            let Some(p) = p else { return Ok(None) };
            let size = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?.len();
            if size > MAX_NOTICE_BYTES {
                return Err(format!("{}: {size} bytes; a notice may have at most {MAX_NOTICE_BYTES}", p.display()));
            }
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Ok(Some(text))
        };
        Ok(Notices { privacy: one(privacy)?, terms: one(terms)? })
    }
}

/// Paragraphs of a plain-text notice (separated by blank lines).
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// What Taper itself does with a person's data, said on the privacy page whoever runs it.
const WHAT_TAPER_DOES: [&str; 5] = [
    "What you write in your own words (notes, your safety plan, supporters' notes and suggestions) is sealed in the \
     database with a key kept outside it.",
    "Supporters see only what you choose under Sharing, and every time they look is in your access log.",
    "You can download everything as JSON or CSV, and delete your account, under Account; deleted means gone from \
     the database (backups hold it until they expire).",
    "Taper sends nothing to anyone else: no advertising, no analytics, no other company.",
    "Cookies: one for your session, one for the sign-in form, and one that remembers this browser signed in before \
     (so someone guessing your password elsewhere cannot keep you out). None of them tracks you.",
];

pub async fn privacy(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let published = state.notices.privacy.as_deref().map(paragraphs);
    Ok(NoticePage {
        chrome: ctx.chrome("privacy"),
        title: "Privacy notice",
        missing: "The people who run this Taper server have not published a privacy notice here yet. Before you \
                  write about your health, ask them who runs this server, where its data are kept, who can see \
                  them, and how long backups are kept.",
        published,
        taper: WHAT_TAPER_DOES.to_vec(),
    }
    .into_response())
}

pub async fn terms(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let published = state.notices.terms.as_deref().map(paragraphs);
    Ok(NoticePage {
        chrome: ctx.chrome("terms"),
        title: "Terms of use",
        missing: "The people who run this Taper server have not published terms of use here. Taper is decision \
                  support, not a prescriber: talk any change through with the person who prescribes for you.",
        published,
        taper: Vec::new(),
    }
    .into_response())
}

// View models: what this area's templates show.

#[derive(Template, WebTemplate)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub chrome: crate::views::Chrome,
    pub title: &'static str,
    pub missing: &'static str,
    /// The operator's text, paragraph by paragraph, when they published one.
    pub published: Option<Vec<String>>,
    /// What Taper does whoever runs it (the privacy page only).
    pub taper: Vec<&'static str>,
}
