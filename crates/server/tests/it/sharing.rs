//! Consented sharing, the caseload, questionnaires and item-9 routing, through the routes.

use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, on_both};
use crate::{days_ago, make_plan};

/// An invitation form as the browser sends it by default: every part of the record ticked.
pub fn with_everything<'a>(form: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = form.to_vec();
    v.extend(taper_core::consent::Category::ALL.iter().map(|c| ("share", c.key())));
    v
}

/// The invitation code shown on the page after making one.
pub fn invite_code(page: &crate::helpers::Page) -> String {
    let key = "id=\"invite-code\">";
    let i = page.body.find(key).expect("an invitation code on the page") + key.len();
    page.body[i..i + 14].to_string()
}

pub async fn share_with(owner: &Browser, supporter: &Browser) {
    let page = owner.invite(&with_everything(&[("can_propose", "yes")])).await;
    let code = invite_code(&page);
    assert!(page.has(&format!("/join/{code}")), "a link to send");
    let joined = supporter.submit("/join", "/join", &[("code", &code)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
}

pub async fn phq9(b: &Browser, answers: [&str; 9]) -> crate::helpers::Page {
    let names: Vec<String> = (1..=9).map(|n| format!("item{n}")).collect();
    let form: Vec<(&str, &str)> =
        names.iter().zip(answers.iter()).filter(|(_, a)| !a.is_empty()).map(|(n, a)| (n.as_str(), *a)).collect();
    b.submit("/questionnaires/phq9", "/questionnaires/phq9", &form).await
}

/// A PHQ-9 taken `days` ago, as the store keeps it (the form only takes today's).
pub async fn earlier_phq9(app: &TestApp, email: &str, days: i64, answers: [u8; 9]) {
    let user = app.store.user_by_email(email).await.unwrap().unwrap().id;
    let on: jiff::civil::Date = days_ago(days).parse().unwrap();
    let total = answers.iter().map(|a| u32::from(*a)).sum();
    let (item9, now) = (Some(answers[8]), jiff::Timestamp::now());
    app.store.save_questionnaire(user, "phq9", on, &answers, total, item9, None, now).await.unwrap();
}

#[tokio::test]
async fn item_9_shows_crisis_help_in_the_same_response_and_puts_an_urgent_flag_first() {
    on_both(|app: TestApp| async move {
        let calm = app.browser();
        calm.sign_up_as("calm@example.org", "Casey", "person").await;
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        make_plan(&sam, &days_ago(3), "28").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        share_with(&calm, &dr).await;
        share_with(&sam, &dr).await;

        // An unanswered question blocks saving, but never the crisis help.
        let partial = phq9(&sam, ["1", "1", "", "1", "0", "0", "0", "0", "1"]).await;
        assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(partial.has("Question 3 has no answer") && partial.has("href=\"tel:116123\""));
        assert!(partial.has("value=\"1\" checked"), "answers given are kept");

        let saved = phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        assert_eq!(saved.status, StatusCode::OK);
        assert!(saved.has("crisis-now") && saved.has("href=\"tel:116123\"") && saved.has("href=\"tel:999\""));
        assert!(saved.has("5 of 27") && saved.has("(mild)"));
        assert!(saved.has("Dr Lee will see an urgent note"));

        let caseload = dr.get("/caseload").await;
        let sam_at = caseload.body.find(">Sam</a>").unwrap();
        let casey_at = caseload.body.find(">Casey</a>").unwrap();
        assert!(sam_at < casey_at, "the person with an urgent flag comes first");
        assert!(caseload.has("urgent:</strong> PHQ-9 item 9 answered above zero"));
        // How long it has waited, and that no one has answered it (issue 20).
        assert!(caseload.has("Raised today; no one has answered it yet."), "{}", caseload.body);

        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let page = dr.get(&format!("/people/{sam_id}")).await;
        assert!(page.has("Question 9: Several days"), "{}", page.body);
        assert!(page.has("<p class=\"waited\">Raised today; no one has answered it yet.</p>"), "{}", page.body);
        let key = format!("item9:{}", crate::london_today());
        let resolved = dr
            .submit(
                &format!("/people/{sam_id}"),
                &format!("/people/{sam_id}/flags/resolve"),
                &[("key", &key), ("note", "Phoned Sam; safety plan reviewed"), ("kind", "resolved")],
            )
            .await;
        assert_eq!(resolved.status, StatusCode::SEE_OTHER);
        let after = dr.get(&format!("/people/{sam_id}?resolved=1")).await;
        assert!(!after.has("urgent: PHQ-9 item 9"), "resolved flags leave the open list");
        assert!(after.has("Phoned Sam; safety plan reviewed"));
        assert!(after.has(&format!("PHQ-9 item 9 above zero ({})", crate::london_today())), "resolved flags in words");
        let empty_note = dr
            .submit(
                &format!("/people/{sam_id}"),
                &format!("/people/{sam_id}/flags/resolve"),
                &[("key", "x"), ("note", " ")],
            )
            .await;
        assert_eq!(empty_note.status, StatusCode::BAD_REQUEST);

        let log = sam.get("/sharing").await;
        assert!(log.has("Dr Lee") && log.has("viewed your record") && log.has("resolved an urgent flag"));
        let export: serde_json::Value = serde_json::from_str(&sam.get("/account/export.json").await.body).unwrap();
        assert_eq!(export["questionnaires"][0]["item9"], 1);
        assert_eq!(export["sharing"][0]["with"], "Dr Lee");
        assert!(export["access_log"].as_array().unwrap().iter().any(|a| a["what"] == "viewed your record"));
        app
    })
    .await;
}

#[tokio::test]
async fn stopping_sharing_ends_access_at_once_and_codes_work_once_for_someone_else() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        let own = p.invite(&with_everything(&[])).await;
        let code = crate::sharing::invite_code(&own);
        // Shown once, after a redirect: a reload neither shows it again nor makes another (a walk).
        assert!(!p.get("/sharing").await.has("id=\"invite-code\""), "the code is shown once");
        let pat = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        assert_eq!(app.store.pending_invites(pat, jiff::Timestamp::now()).await.unwrap().len(), 1);
        let self_use = p.submit("/join", "/join", &[("code", &code)]).await;
        assert!(self_use.has("cannot accept an invitation code"), "{}", self_use.body);
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        assert_eq!(dr.submit("/join", "/join", &[("code", &code.to_lowercase())]).await.status, StatusCode::SEE_OTHER);
        let late = app.browser();
        late.sign_up_as("late@example.org", "Late", "peer").await;
        assert!(late.submit("/join", "/join", &[("code", &code)]).await.has("That code is not valid"));
        assert!(late.submit("/join", "/join", &[("code", "short")]).await.has("has 12 letters and digits"));

        let pid = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        assert_eq!(dr.get(&format!("/people/{pid}")).await.status, StatusCode::OK);
        assert_eq!(late.get(&format!("/people/{pid}")).await.status, StatusCode::NOT_FOUND);
        let share = app.store.shares_of(pid).await.unwrap()[0].id;
        let revoked = p.submit("/sharing", &format!("/sharing/{share}/revoke"), &[]).await;
        // Said after a redirect, so a reload changes nothing (a walk).
        assert_eq!(revoked.location.as_deref(), Some("/sharing?done=stopped"));
        assert!(p.get("/sharing?done=stopped").await.has("Sharing stopped"));
        assert_eq!(dr.get(&format!("/people/{pid}")).await.status, StatusCode::NOT_FOUND);
        let caseload = dr.get("/caseload").await;
        assert!(!caseload.has("Pat"));
        // Not "yet": someone stopped sharing (walkthrough minor 14).
        assert!(caseload.has("Nobody shares their record with you at the moment"), "{}", caseload.body);
        let log = app.store.access_log(pid).await.unwrap();
        assert_eq!(log.len(), 1, "one read, logged once");
        app
    })
    .await;
}

#[tokio::test]
async fn a_reliable_rise_in_phq9_is_flagged_with_the_dose_it_followed() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        make_plan(&p, &days_ago(17), "14").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        share_with(&p, &dr).await;
        earlier_phq9(&app, "p@example.org", 5, [0, 1, 1, 0, 0, 0, 0, 0, 0]).await;
        let second = phq9(&p, ["2", "2", "1", "1", "1", "1", "0", "0", "0"]).await;
        assert!(second.has("Up 6 from 2") && second.has("reliable worsening"));
        let caseload = dr.get("/caseload").await;
        assert!(caseload.has("high:</strong> Reliable deterioration on PHQ-9"), "{}", caseload.body);
        assert!(caseload.has("3 days after the dose changed from 20 mg to 12.5 mg"));
        // Clinical review W8: three days after a cut, citalopram is still settling (about 7 days):
        // the person and the supporter read that withdrawal raises these scores, and which items.
        assert!(second.has("Withdrawal raises PHQ-9 scores too") && second.has("sleep (item 3)"), "{}", second.body);
        assert!(second.has("id=\"withdrawal-aid\"") && second.has("href=\"/assess\""));
        // Most of that rise is on items 1, 2 and 6, which withdrawal raises less: said too.
        assert!(
            second.has("Most of this rise is on questions withdrawal raises less (item 1, 2, 6)"),
            "{}",
            second.body
        );
        assert!(caseload.has("Withdrawal raises PHQ-9 scores too"), "{}", caseload.body);
        // And it answers like a rise in check-ins: a hold is proposed (walk-through round 3:
        // "No suggestions right now" and the next cut still planned).
        let progress = p.get("/progress").await;
        assert!(progress.has("Consider holding at 12.5 mg") && progress.has("rose from 2 to 8"), "{}", progress.body);
        let history = p.get("/questionnaires").await;
        assert!(
            history.has("<td data-label=\"Score\">8 of 27</td><td data-label=\"Band\">mild</td>"),
            "{}",
            history.body
        );
        // A retake the same day answers for the same two weeks: read against the score before
        // that day, never against the one an hour ago (a walk read a retake as a change).
        let third = phq9(&p, ["2", "2", "1", "1", "1", "1", "1", "0", "0"]).await;
        assert!(third.has("Up 7 from 2 on ") && !third.has("from 8"), "{}", third.body);
        app
    })
    .await;
}

/// The first result promises comparison with the first score as well as the last: 2, then 8,
/// then 9 reads "no reliable change" since last time and "up 7, a reliable worsening" since the
/// first (walk-through round 3). A questionnaire retaken the same day as the first is not read
/// as a change at all, and raises no flag.
#[tokio::test]
async fn a_score_is_read_against_the_first_and_the_last_day_before_it() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        earlier_phq9(&app, "p@example.org", 30, [0, 1, 1, 0, 0, 0, 0, 0, 0]).await;
        earlier_phq9(&app, "p@example.org", 10, [2, 2, 1, 1, 1, 1, 0, 0, 0]).await;
        let third = phq9(&p, ["2", "2", "1", "1", "1", "1", "1", "0", "0"]).await;
        assert!(
            third.has("8 on ")
                && third.has("no reliable change. Since your first score, 2 on ")
                && third.has("up 7, a reliable worsening."),
            "{}",
            third.body
        );

        let q = app.browser();
        q.sign_up_as("q@example.org", "Quinn", "person").await;
        make_plan(&q, &days_ago(17), "14").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        share_with(&q, &dr).await;
        phq9(&q, ["0", "1", "1", "0", "0", "0", "0", "0", "0"]).await;
        let again = phq9(&q, ["2", "2", "1", "1", "1", "1", "0", "0", "0"]).await;
        assert!(again.has("Taken again the same day") && !again.has("reliable worsening"), "{}", again.body);
        let history = q.get("/questionnaires").await;
        assert!(history.has("Taken again the same day") && !history.has("reliable worsening"), "{}", history.body);
        let caseload = dr.get("/caseload").await;
        assert!(!caseload.has("Reliable deterioration"), "{}", caseload.body);
        // Their clinician reads the first as the first and the retake as a retake (a walk found
        // both called "first").
        let qid = app.store.user_by_email("q@example.org").await.unwrap().unwrap().id;
        let person = dr.get(&format!("/people/{qid}")).await;
        assert!(
            person.has("retaken the same day, not compared") && person.body.matches(">first<").count() == 1,
            "{}",
            person.body
        );
        app
    })
    .await;
}

#[tokio::test]
async fn the_invitation_says_what_is_shared_and_only_a_supporter_account_can_accept_it() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        make_plan(&sam, &days_ago(3), "28").await;
        sam.submit("/safety-plan", "/safety-plan", &[("warning_signs", "Pacing the kitchen at night")]).await;
        let form = sam.get("/sharing").await;
        for shared in
            ["current dose", "check-ins", "question 9", "medication history", "Withdrawal or return?", "flags"]
        {
            assert!(form.has(shared), "consent names {shared}");
        }
        assert!(form.has("will not see your safety plan"));
        let page = sam.invite(&with_everything(&[])).await;
        let code = crate::sharing::invite_code(&page);

        // Another person's own account is refused, and the code is not used up.
        let pat = app.browser();
        pat.sign_up_as("pat@example.org", "Pat", "person").await;
        let refused = pat.submit("/join", "/join", &[("code", &code)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.has("clinician or peer-supporter account"), "{}", refused.body);
        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        assert!(app.store.shares_of(sam_id).await.unwrap().is_empty());
        assert_eq!(pat.get(&format!("/people/{sam_id}")).await.status, StatusCode::NOT_FOUND);

        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        assert_eq!(dr.submit("/join", "/join", &[("code", &code)]).await.status, StatusCode::SEE_OTHER);
        // What the consent text promises is kept out, is.
        let seen = dr.get(&format!("/people/{sam_id}")).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(seen.has("Sam") && seen.has("Medication history"));
        assert!(!seen.has("Pacing the kitchen") && !seen.has("sam@example.org"));
        app
    })
    .await;
}

#[tokio::test]
async fn an_invitation_not_yet_accepted_is_listed_with_its_note_and_can_be_cancelled() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        let page = sam.invite(&with_everything(&[("label", "for Dr Lee at the surgery")])).await;
        let code = crate::sharing::invite_code(&page);
        assert!(page.has("Invitations not yet accepted") && page.has("for Dr Lee at the surgery"));
        // A note too long is refused by name, and nothing is made.
        let long = sam.invite(&with_everything(&[("label", &"x".repeat(81))])).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(long.has("up to 80 characters"));
        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let pending = app.store.pending_invites(sam_id, jiff::Timestamp::now()).await.unwrap();
        assert_eq!(pending.len(), 1);
        let cancel = sam.submit("/sharing", &format!("/sharing/invites/{}/cancel", pending[0].handle), &[]).await;
        assert_eq!(cancel.location.as_deref(), Some("/sharing?done=cancelled"));
        let cancelled = sam.get("/sharing?done=cancelled").await;
        assert!(cancelled.has("Invitation cancelled"), "{}", cancelled.body);
        assert!(!cancelled.has("for Dr Lee at the surgery"));
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        assert!(dr.submit("/join", "/join", &[("code", &code)]).await.has("That code is not valid"));
        assert!(app.store.shares_of(sam_id).await.unwrap().is_empty());
        app
    })
    .await;
}

/// Issue 11: the person chooses, per supporter, which parts of the record they see, and can
/// change it later; nothing kept back reaches the supporter's pages, flags included.
#[tokio::test]
async fn a_person_chooses_what_each_supporter_sees_and_can_change_it() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        make_plan(&sam, &days_ago(3), "28").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;

        let form = sam.get("/sharing").await;
        for c in taper_core::consent::Category::ALL {
            assert!(form.has(&format!("name=\"share\" value=\"{}\" checked", c.key())), "{c:?} ticked by default");
        }
        let none = sam.invite(&[("label", "nobody")]).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.has("Choose at least one part of your record to share."));
        let odd = sam.invite(&[("share", "passwords")]).await;
        assert!(odd.has("&#39;passwords&#39; is not something Taper can share"), "{}", odd.body);

        let page = sam.invite(&[("share", "plan"), ("share", "questionnaires")]).await;
        assert!(page.has("will see plan and doses, questionnaires"), "{}", page.body);
        let code = crate::sharing::invite_code(&page);
        assert_eq!(dr.submit("/join", "/join", &[("code", &code)]).await.status, StatusCode::SEE_OTHER);

        // Sam writes what Dr Lee was not given.
        let yesterday = days_ago(1);
        let saved = crate::check_in_with_note(&sam, &yesterday, "KEPT-BACK-NOTE about my sister").await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(crate::assess(&sam, "KEPT-BACK-ASSESSMENT").await.status, StatusCode::OK);
        let event = [("date", "2022-02-01"), ("drug", "citalopram"), ("kind", "stop"), ("abrupt", "yes")];
        assert_eq!(sam.submit("/history", "/history/events", &event).await.status, StatusCode::SEE_OTHER);

        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let seen = dr.get(&format!("/people/{sam_id}")).await;
        assert!(!seen.has("KEPT-BACK-NOTE") && !seen.has("KEPT-BACK-ASSESSMENT"), "{}", seen.body);
        assert!(seen.has("They have not shared their medication history with you."));
        assert!(seen.has("not shared"), "check-in rows say what is kept back");
        assert!(!seen.has("They have not shared their plan and doses"), "the plan was shared");
        // A walk: the clinician saw the dose today and charts, not the steps they are asked to
        // agree to. The shared plan is there step by step, with how each is prepared.
        assert!(seen.has("Citalopram: the plan step by step"), "{}", seen.body);
        assert!(seen.has("Citalopram: steps of the current revision") && seen.has("20 mg tablet"), "{}", seen.body);

        // Questionnaires shared: item 9 reaches Dr Lee.
        let answered = phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        assert!(answered.has("Dr Lee will see an urgent note"));
        assert!(dr.get("/caseload").await.has("urgent:</strong> PHQ-9 item 9"));
        // Dr Lee resolves it for themselves, with a note.
        let key = format!("item9:{}", days_ago(0));
        let form = [("key", key.as_str()), ("kind", "resolved"), ("note", "CRES-called, safe tonight")];
        let page = format!("/people/{sam_id}");
        dr.submit(&page, &format!("/people/{sam_id}/flags/resolve"), &form).await;
        assert!(dr.get(&page).await.has("CRES-called, safe tonight"), "listed under flags you resolved");

        // Sam changes it: notes yes, questionnaires no.
        let sharing = sam.get("/sharing").await;
        let at = sharing.body.find("/scope\"").unwrap();
        let share_id = &sharing.body[sharing.body[..at].rfind("/sharing/").unwrap() + 9..at];
        let scope = format!("/sharing/{share_id}/scope");
        let emptied = sam.submit("/sharing", &scope, &[]).await;
        assert_eq!(emptied.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(emptied.has("Stop sharing"), "nothing at all is what stopping is for");
        let change = sam.submit("/sharing", &scope, &[("share", "plan"), ("share", "checkin_notes")]).await;
        assert_eq!(change.location.as_deref(), Some("/sharing?done=saved"));
        let changed = sam.get("/sharing?done=saved").await;
        assert!(changed.has("Saved. From now on they see only what is ticked."));
        assert!(changed.has("sees plan and doses, check-in notes"));
        let seen = dr.get(&format!("/people/{sam_id}")).await;
        assert!(seen.has("KEPT-BACK-NOTE"), "notes now shared");
        for kept in ["item 9", "5 of 27"] {
            assert!(!seen.has(kept), "questionnaires, and their flag, kept back: {kept} in {}", seen.body);
        }
        assert!(!dr.get("/caseload").await.has("urgent:</strong>"), "no flag from what is kept back");
        assert!(!seen.has("CRES-called"), "a resolved flag about questionnaires is kept back too (N9)");
        // … and the clinician is told that flags about what is kept back are not shown.
        assert!(seen.has("They do not share their questionnaires") && seen.has("however urgent"), "{}", seen.body);
        assert!(dr.get("/caseload").await.has("They do not share their questionnaires"));
        let again = phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        assert!(again.has("Dr Lee cannot see your questionnaires, so was not alerted"), "{}", again.body);
        // Without the plan shared, its steps are not shown either.
        sam.submit("/sharing", &scope, &[("share", "checkin_notes")]).await;
        let seen = dr.get(&format!("/people/{sam_id}")).await;
        assert!(seen.has("They have not shared their plan and doses") && !seen.has("the plan step by step"));
        // A stranger cannot change someone else's share.
        let other = app.browser();
        other.sign_up_as("o@example.org", "O", "person").await;
        let refused = other.submit("/sharing", &scope, &[("share", "questionnaires")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

/// Security probe L5: every caseload view wrote one access-log row per person (1,078 rows a
/// second from one supporter) and the Sharing page showed the whole log. Now a supporter's
/// caseload views make one row an hour per person; every opening of the record is counted, a
/// minute's reads in one row; the page shows the newest entries and says where the rest are.
#[tokio::test]
async fn reloading_a_caseload_cannot_flood_the_access_log() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("flood-log@example.org", "Sam", "person").await;
        let dr = app.browser();
        dr.sign_up_as("flood-dr@example.org", "Dr Lee", "clinician").await;
        share_with(&sam, &dr).await;
        for _ in 0..20 {
            dr.get("/caseload").await;
        }
        let sam_id = app.store.user_by_email("flood-log@example.org").await.unwrap().unwrap().id;
        let log = app.store.access_log(sam_id).await.unwrap();
        assert_eq!(log.iter().filter(|a| a.action == "saw your flags on their caseload").count(), 1);
        // Issue 19, L5: a burst of reads of the record is one row a minute, counting every read.
        for _ in 0..30 {
            dr.get(&format!("/people/{sam_id}")).await;
        }
        let log = app.store.access_log(sam_id).await.unwrap();
        let reads: Vec<_> = log.iter().filter(|a| a.action == "viewed your record").collect();
        assert!(!reads.is_empty() && reads.len() <= 2, "{} rows for 30 reads", reads.len());
        assert_eq!(reads.iter().map(|a| a.times).sum::<u32>(), 30, "each read of the record is counted");
        assert!(sam.get("/sharing").await.has("times within a minute"));
        let dr_id = app.store.user_by_email("flood-dr@example.org").await.unwrap().unwrap().id;
        for k in 0..205 {
            app.store.audit(sam_id, dr_id, "Dr Lee", &format!("test entry {k}"), jiff::Timestamp::now()).await.unwrap();
        }
        let page = sam.get("/sharing").await;
        assert!(page.has("earlier entries: every one is in your download"), "{}", page.body.len());
        app
    })
    .await;
}

/// Issue 20: the caseload sorts and narrows by a plain form, and says when each person last
/// checked in; walk-through N9: an urgent flag a clinician resolved leaves a peer's open list
/// (the peer cannot resolve it, and it sat at the top for 90 days).
#[tokio::test]
async fn the_caseload_sorts_and_narrows_and_a_peer_sees_an_urgent_flag_a_clinician_resolved() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        let casey = app.browser();
        casey.sign_up_as("casey@example.org", "Casey", "person").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        let pat = app.browser();
        pat.sign_up_as("pat@example.org", "Pat", "peer").await;
        for supporter in [&dr, &pat] {
            share_with(&sam, supporter).await;
            share_with(&casey, supporter).await;
        }
        crate::check_in_with_note(&casey, &days_ago(1), "").await;
        phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;

        let all = dr.get("/caseload").await;
        assert!(all.has("Last check-in: yesterday.") && all.has("No check-in yet."), "{}", all.body);
        assert!(all.has("<option value=\"urgent\" selected>Most urgent first</option>"));
        let urgent = dr.get("/caseload?show=urgent").await;
        assert!(urgent.has(">Sam</a>") && !urgent.has(">Casey</a>"), "{}", urgent.body);
        assert!(urgent.has("1 person is not shown by this choice."));
        let by_name = dr.get("/caseload?sort=name").await;
        assert!(by_name.body.find(">Casey</a>").unwrap() < by_name.body.find(">Sam</a>").unwrap());
        // Longest since a check-in first: Sam never checked in.
        let by_checkin = dr.get("/caseload?sort=checkin").await;
        assert!(by_checkin.body.find(">Sam</a>").unwrap() < by_checkin.body.find(">Casey</a>").unwrap());
        // Anything else is the default order, never an error.
        assert_eq!(dr.get("/caseload?sort=%3Cscript%3E&show=x").await.status, StatusCode::OK);
        // The same list as a spreadsheet, in the order chosen, read back by a CSV reader.
        assert!(by_name.has("href=\"/caseload.csv?sort=name&#38;show=all\""), "{}", by_name.body);
        let csv = dr.client.get(format!("{}/caseload.csv?sort=name", dr.base)).send().await.unwrap();
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let text = csv.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(&reader.headers().unwrap()[0], "name");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let names: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        assert_eq!(names, ["Casey", "Sam"], "{text}");
        assert!(rows[1][4].contains("urgent: PHQ-9 item 9"), "{text}");
        assert_eq!(&rows[0][3], "0");
        // The day of the last check-in as a date, and empty for none (not the page's sentence).
        assert_eq!((&rows[0][2], &rows[1][2]), (days_ago(1).as_str(), ""), "{text}");

        // The peer reaches out: the flag stays open for them (they cannot resolve it).
        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let key = format!("item9:{}", crate::london_today());
        let person = format!("/people/{sam_id}");
        let resolve = format!("/people/{sam_id}/flags/resolve");
        let odd = pat.submit(&person, &resolve, &[("key", &key), ("note", "x"), ("kind", "zzz")]).await;
        assert_eq!(odd.status, StatusCode::BAD_REQUEST, "an unknown action is not a resolve");
        let noted =
            pat.submit(&person, &resolve, &[("key", &key), ("note", "Messaged Sam"), ("kind", "reached_out")]).await;
        let said = pat.get(noted.location.as_deref().unwrap()).await;
        assert!(said.has("the flag stays open") && !said.has("Flag resolved"), "{}", said.body);
        assert!(said.has("You: Messaged Sam"), "the peer reads their own note: {}", said.body);
        assert!(said.has("Only a clinician can resolve an urgent flag"), "and why they cannot resolve it");
        assert!(pat.get("/caseload").await.has("urgent:</strong> PHQ-9 item 9"), "open until a clinician resolves it");
        // Repeated choices are the default order, never an error page.
        assert_eq!(dr.get("/caseload?sort=urgent&sort=name").await.status, StatusCode::OK);
        // The clinician resolves it: it leaves the peer's open list, and the peer reads who did.
        dr.submit(&person, &resolve, &[("key", &key), ("note", "Phoned Sam"), ("kind", "resolved")]).await;
        let peer = pat.get("/caseload").await;
        assert!(!peer.has("urgent:</strong> PHQ-9 item 9"), "{}", peer.body);
        let page = pat.get(&person).await;
        assert!(page.has("Resolved flags") && page.has("Phoned Sam (resolved by Dr Lee)"), "{}", page.body);
        app
    })
    .await;
}

/// Issue 21: the caseload reads every person's tables at once. What it reads for each person must
/// be exactly what reading that person alone gives, so no one's plan, check-ins, answers or
/// notes can land on another's line; an id with no account is left out.
#[tokio::test]
async fn the_caseloads_reads_for_many_equal_each_persons_own() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("many-sam@example.org", "Sam", "person").await;
        let saved = make_plan(&sam, &days_ago(17), "14").await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        for d in (1..12).rev() {
            crate::check_in_with_note(&sam, &days_ago(d), "").await;
        }
        phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        let casey = app.browser();
        casey.sign_up_as("many-casey@example.org", "Casey", "person").await;
        crate::check_in_with_note(&casey, &days_ago(2), "").await;
        let robin = app.browser();
        robin.sign_up_as("many-robin@example.org", "Robin", "person").await;
        let dr = app.browser();
        dr.sign_up_as("many-dr@example.org", "Dr Lee", "clinician").await;
        share_with(&sam, &dr).await;
        let sam_id = app.store.user_by_email("many-sam@example.org").await.unwrap().unwrap().id;
        let key = format!("item9:{}", crate::london_today());
        let resolve = format!("/people/{sam_id}/flags/resolve");
        dr.submit(&format!("/people/{sam_id}"), &resolve, &[("key", &key), ("note", "Phoned"), ("kind", "resolved")])
            .await;

        let state = taper_server::AppState::new(app.store.clone()).unwrap();
        let mut ids = Vec::new();
        for email in ["many-sam@example.org", "many-casey@example.org", "many-robin@example.org"] {
            ids.push(app.store.user_by_email(email).await.unwrap().unwrap().id);
        }
        let nobody: taper_store::UserId = "00000000-0000-7000-8000-000000000000".parse().unwrap();
        let mut asked = ids.clone();
        asked.insert(1, nobody);
        let now = jiff::Timestamp::now();
        let many = taper_server::timeline::records_of(&state, &asked, now).await.unwrap();
        assert_eq!(many.iter().map(|r| r.owner.id).collect::<Vec<_>>(), ids);
        let shape = |r: &taper_server::timeline::Record| {
            format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                r.today,
                r.course.as_ref().map(|c| c.current().record.id),
                r.others.len(),
                r.last_checkin,
                r.flags,
                r.notes,
                r.switching
            )
        };
        for (id, batched) in ids.iter().zip(&many) {
            let alone = taper_server::timeline::record_of(&state, *id, now).await.unwrap();
            assert_eq!(shape(batched), shape(&alone));
            // The caseload reads scores, not answers; one person's page reads the answers.
            assert!(batched.questionnaires.is_none() && alone.questionnaires.is_some());
        }
        // Sam's PHQ-9 (item 9 above zero) reached the flags through the scores alone.
        assert!(many[0].flags.iter().any(|f| f.key.starts_with("item9:")), "{:?}", many[0].flags);
        // The readings differ between people, so the comparison above can fail.
        assert!(many[0].course.is_some() && many[1].course.is_none());
        assert!(!many[0].notes.is_empty() && many[1].notes.is_empty());
        // The caseload reads the latest check-in's day, not the check-ins (issue 21).
        let last: Vec<bool> = many.iter().map(|r| r.last_checkin.is_some()).collect();
        assert_eq!(last, [true, true, false]);
        assert!(many.iter().all(|r| r.history.is_none()));
        app
    })
    .await;
}

/// Shared notes alone show the notes, never the scores: not in the table, and not as points on
/// the chart (the chart drew every check-in's burden whenever notes were shared).
#[tokio::test]
async fn notes_shared_alone_never_draw_the_scores() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("notes@example.org").await;
        for d in 0..3 {
            crate::check_in_with_note(&sam, &crate::days_ago(d), "NOTE-SHARED").await;
        }
        let page = sam.invite(&[("share", "checkin_notes")]).await;
        let code = invite_code(&page);
        let dr = app.browser();
        dr.sign_up_as("notesdr@example.org", "Dr Lee", "clinician").await;
        dr.submit("/join", "/join", &[("code", &code)]).await;
        let user = app.store.user_by_email("notes@example.org").await.unwrap().unwrap().id;
        let shown = dr.get(&format!("/people/{user}")).await;
        assert!(shown.has("NOTE-SHARED"), "the notes are shared: {}", shown.body);
        // Nothing the chart draws is shared: no chart at all, so no check-in's burden is drawn.
        assert_eq!(shown.body.matches("<circle").count(), 0, "no burden point is drawn: {}", shown.body);
        assert!(shown.has("id=\"chart-not-shared\""), "{}", shown.body);
        // With the scores shared too, the points are drawn (so the check above can fail).
        let sam_shares = app.store.shares_of(user).await.unwrap();
        let scope = taper_core::consent::Scope::all();
        app.store.set_share_scope(user, sam_shares[0].id, scope).await.unwrap();
        assert_eq!(dr.get(&format!("/people/{user}")).await.body.matches("<circle").count(), 1 + 3);
        app
    })
    .await;
}

/// A walk reloaded a GAD-7 result page: the browser sent the answers again and a second score
/// was stored. The same answers again within minutes are the same submission, kept once and
/// read as the first time; different answers the same day are a retake.
#[tokio::test]
async fn a_reloaded_result_page_stores_the_answers_once() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("p@example.org", "Pat", "person").await;
        let answers = ["1", "1", "0", "0", "1", "0", "0", "0", "0"];
        let first = phq9(&p, answers).await;
        let again = phq9(&p, answers).await;
        assert!(first.has("Your first score") && again.has("Your first score"), "{}", again.body);
        let id = app.store.user_by_email("p@example.org").await.unwrap().unwrap().id;
        assert_eq!(app.store.questionnaires(id).await.unwrap().len(), 1, "kept once");
        let retake = phq9(&p, ["2", "1", "0", "0", "1", "0", "0", "0", "0"]).await;
        assert!(retake.has("Taken again the same day"), "{}", retake.body);
        assert_eq!(app.store.questionnaires(id).await.unwrap().len(), 2, "a retake is kept");
        app
    })
    .await;
}

/// A first check-in hard in itself reaches the clinician as a flag, with its burden and the dose
/// it followed (a walk: burden 20.7, "zaps, crying, could not work", reached the person only: no
/// baseline to rise above and no cut yet, so no wave).
#[tokio::test]
async fn a_hard_first_check_in_flags_the_clinician() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("hard@example.org", "Hana", "person").await;
        make_plan(&p, &days_ago(0), "14").await;
        let dr = app.browser();
        dr.sign_up_as("drh@example.org", "Dr Ho", "clinician").await;
        share_with(&p, &dr).await;
        assert!(!dr.get("/caseload").await.has("hard day"), "nothing before the check-in");
        let saved = crate::check_in(&p, &days_ago(0), 15, "2").await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let shown = p.get(&format!("/checkin?date={}&saved=1", days_ago(0))).await;
        assert!(shown.has("This day was a hard one"), "{}", shown.body);
        // Today says it again, not only "You have checked in today" (a walk).
        let today = p.get("/today").await;
        assert!(today.has("id=\"hard-day\"") && today.has("was a hard day (burden 30.0 of 51)."), "{}", today.body);
        assert!(today.has("href=\"/assess\"") && today.has("href=\"/crisis\""));
        let caseload = dr.get("/caseload").await;
        assert!(caseload.has("medium:</strong> A hard day in the check-ins"), "{}", caseload.body);
        // 15 of the 17 items answered "moderate": 30 / 17 × 17 = 30.0 on the 0–51 scale.
        assert!(
            caseload.has(&format!("Burden 30.0 on {} (of 51); Taper reads a day as hard from 17", days_ago(0))),
            "{}",
            caseload.body
        );
        app
    })
    .await;
}

/// An invitation link opened signed out says what it is and how to accept it, with the code
/// (a walk: it went to a bare sign-in page, and after signing up the clinician met an empty
/// caseload and had to find the link again).
#[tokio::test]
async fn an_invitation_link_opened_signed_out_says_how_to_accept_it() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        p.sign_up_as("inviter@example.org", "Ines", "person").await;
        let page = p.invite(&crate::sharing::with_everything(&[])).await;
        let code = invite_code(&page);
        // Shown as the form keeps it: letters and digits only.
        let bare = code.replace('-', "");
        let visitor = app.browser();
        let shown = visitor.get(&format!("/join/{code}")).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.has("Someone has invited you to see their Taper record"), "{}", shown.body);
        assert!(shown.has(&format!("id=\"invite-code-shown\">{bare}</strong>")), "{}", shown.body);
        assert!(shown.has("href=\"/login\"") && shown.has("href=\"/signup\""));
        // Nothing is accepted until the visitor is signed in as a supporter.
        assert!(!shown.has("action=\"/join\""));
        let dr = app.browser();
        dr.sign_up_as("drj@example.org", "Dr Jay", "clinician").await;
        let form = dr.get(&format!("/join/{code}")).await;
        assert!(form.has("action=\"/join\"") && form.has(&format!("value=\"{bare}\"")), "{}", form.body);
        app
    })
    .await;
}
