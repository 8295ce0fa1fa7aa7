//! Issue 11 through the routes: an item-9 answer is never lost (incomplete form, lapsed session),
//! every supporter is flagged, and no supporter can hide a flag from another.

use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, on_both};
use crate::sharing::with_everything;
use crate::sharing::{phq9, share_with};

/// Sam, a person, shares with Dr Lee, a clinician who may suggest changes.
pub async fn sam_shares_with_dr_lee(app: &TestApp) -> (Browser, Browser) {
    let sam = app.browser();
    sam.sign_up_as("sam@example.org", "Sam", "person").await;
    let dr = app.browser();
    dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
    share_with(&sam, &dr).await;
    (sam, dr)
}

#[tokio::test]
async fn item_9_alone_is_kept_and_flags_every_supporter() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        let val = app.browser();
        val.sign_up_as("val@example.org", "Val", "peer").await;
        share_with(&sam, &dr).await;
        share_with(&sam, &val).await;
        // Only question 9 answered: crisis help, the answer kept, and who was alerted, by name.
        let alone = phq9(&sam, ["", "", "", "", "", "", "", "", "2"]).await;
        assert_eq!(alone.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(alone.has("crisis-now") && alone.has("href=\"tel:116123\""));
        assert!(
            alone.has("Your answer to question 9 has been kept, and")
                && alone.has("Dr Lee")
                && alone.has("Val will see an urgent note")
                || alone.has("Dr Lee will see an urgent note"),
            "{}",
            alone.body
        );
        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        assert_eq!(app.store.signals(sam_id).await.unwrap().len(), 1);
        assert!(app.store.questionnaires(sam_id).await.unwrap().is_empty(), "an incomplete PHQ-9 is not scored");
        for b in [&dr, &val] {
            let caseload = b.get("/caseload").await;
            assert!(caseload.has("urgent:</strong> PHQ-9 item 9 answered above zero"), "{}", caseload.body);
        }
        // The person's own page shows it too (a walk found it only on the supporter's side).
        let own = sam.get("/questionnaires").await;
        assert!(own.has("Question 9 answered on its own") && own.has("\"More than half the days\""), "{}", own.body);
        let page = dr.get(&format!("/people/{sam_id}")).await;
        assert!(page.has("the rest of that PHQ-9 was not completed, and this answer was kept on its own"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_view_only_peer_cannot_close_a_clinicians_flag() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        let val = app.browser();
        val.sign_up_as("val@example.org", "Val", "peer").await;
        share_with(&sam, &dr).await;
        // Val is invited to view only.
        let page = sam.invite(&with_everything(&[("can_propose", "")])).await;
        val.submit("/join", "/join", &[("code", &crate::sharing::invite_code(&page))]).await;
        phq9(&sam, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let key = format!("item9:{}", crate::london_today());
        let person = format!("/people/{sam_id}");
        let resolve = format!("/people/{sam_id}/flags/resolve");
        // A completed PHQ-9's item 9 is said once, as completed (a walk: also as "not completed").
        let shown = val.get(&person).await;
        assert!(shown.has("in a completed PHQ-9 (total 5)") && !shown.has("not completed"), "{}", shown.body);
        let own = sam.get("/questionnaires").await;
        assert!(!own.has("Question 9 answered on its own"), "it was completed");
        // A walk: after the result page nothing marked question 9 on the person's own scores.
        assert!(own.has("<strong class=\"item9\">Question 9: Several days</strong>"), "{}", own.body);
        assert!(own.has("id=\"item9-note\"") && own.has("href=\"/crisis\">get help now</a>"), "{}", own.body);
        // The peer may not resolve an urgent flag, for anyone.
        let tried = val.submit(&person, &resolve, &[("key", &key), ("note", "all fine"), ("kind", "resolved")]).await;
        assert_eq!(tried.status, StatusCode::BAD_REQUEST);
        assert!(!val.get(&person).await.has("Resolve it for me"), "no button the peer cannot use");
        // The peer's "I reached out" note is shown to the clinician, whose flag stays open.
        let noted = val
            .submit(&person, &resolve, &[("key", &key), ("note", "Texted Sam, no reply yet"), ("kind", "reached_out")])
            .await;
        assert_eq!(noted.status, StatusCode::SEE_OTHER);
        let seen = dr.get(&person).await;
        assert!(seen.has("urgent: PHQ-9 item 9") && seen.has("Val: Texted Sam, no reply yet"), "{}", seen.body);
        // The clinician resolves it: the peer, who cannot, no longer sees it open, and reads who
        // resolved it and how (walk-through N9: it sat open on a peer's caseload for 90 days).
        let done = dr
            .submit(&person, &resolve, &[("key", &key), ("note", "Phoned; safety plan made"), ("kind", "resolved")])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert!(!dr.get(&person).await.has("urgent: PHQ-9 item 9"));
        let after = val.get(&person).await;
        assert!(!after.has("urgent: PHQ-9 item 9"), "{}", after.body);
        assert!(after.has("Phoned; safety plan made") && after.has("Dr Lee"), "{}", after.body);
        app
    })
    .await;
}

/// PHQ-9 answers 2,1,1,1,0,0,0,0,3 with the closing answer 3, sent with `token`.
async fn lapsed_phq9(b: &Browser, token: &str) -> crate::helpers::Page {
    let mut answers: Vec<(&str, &str)> = vec![("csrf", token)];
    let items: Vec<String> = (1..=9).map(|n| format!("item{n}")).collect();
    for (k, v) in items.iter().zip(["2", "1", "1", "1", "0", "0", "0", "0", "3"]) {
        answers.push((k.as_str(), v));
    }
    answers.push(("difficulty", "3"));
    b.post_raw("/questionnaires/phq9", &answers).await
}

/// The session ends as an idle one does: its row is gone, the browser still has the page.
async fn lapse(app: &TestApp, email: &str) -> taper_store::UserId {
    let id = app.store.user_by_email(email).await.unwrap().unwrap().id;
    app.store.sessions_delete_for_user(id).await.unwrap();
    id
}

/// Issue 19, N1 (a): an item-9 answer sent on a form whose session lapsed is saved at once for
/// the person the form was shown to — even when someone else signs in next in that browser —
/// with crisis help first, and without writing a session.
#[tokio::test]
async fn item_9_sent_after_the_session_lapsed_is_saved_for_the_person_the_form_was_shown_to() {
    on_both(|app: TestApp| async move {
        let (sam, dr) = sam_shares_with_dr_lee(&app).await;
        let bo = app.browser();
        bo.sign_up_as("bo@example.org", "Bo", "person").await;
        let form = sam.get("/questionnaires/phq9").await;
        let stale = form.csrf();
        let sam_id = lapse(&app, "sam@example.org").await;
        let sessions = app.store.sessions_count().await.unwrap();
        let held = lapsed_phq9(&sam, &stale).await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.body);
        // No browser language, no country: 112 and the international directory first.
        assert!(held.has("crisis-now") && held.has("href=\"tel:999\""), "Sam's own country (London time)");
        assert!(held.has("Your answers are saved") && held.has("Dr Lee will see an urgent note"), "{}", held.body);
        assert!(held.has("Your whole PHQ-9 was saved too"));
        assert_eq!(app.store.sessions_count().await.unwrap(), sessions, "no session written");
        assert_eq!(app.store.signals(sam_id).await.unwrap().len(), 1, "saved now, not at the next sign-in");
        let qs = app.store.questionnaires(sam_id).await.unwrap();
        assert_eq!((qs.len(), qs[0].item9, qs[0].difficulty), (1, Some(3), Some(3)), "the closing answer too");
        assert!(dr.get("/caseload").await.has("urgent:</strong> PHQ-9 item 9 answered above zero"));
        // Bo signs in next on that browser: nothing of Sam's becomes Bo's.
        let signed = sam.sign_in("bo@example.org").await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        let bo_id = app.store.user_by_email("bo@example.org").await.unwrap().unwrap().id;
        assert!(
            app.store.signals(bo_id).await.unwrap().is_empty()
                && app.store.questionnaires(bo_id).await.unwrap().is_empty()
        );
        // Sam's old form sent again from the browser Bo now uses is still Sam's, never Bo's.
        lapsed_phq9(&sam, &stale).await;
        assert_eq!(app.store.signals(sam_id).await.unwrap().len(), 2);
        assert!(app.store.signals(bo_id).await.unwrap().is_empty());
        // An unfinished lapsed form without an item-9 answer is refused as before, changing nothing;
        // a finished one is saved for Sam like a check-in.
        let other = sam.post_raw("/questionnaires/gad7", &[("csrf", stale.as_str()), ("item1", "1")]).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
        let mut gad7: Vec<(String, String)> = vec![("csrf".into(), stale.clone())];
        gad7.extend((1..=7).map(|n| (format!("item{n}"), "1".to_string())));
        let pairs: Vec<(&str, &str)> = gad7.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let whole = sam.post_raw("/questionnaires/gad7", &pairs).await;
        assert!(whole.has("Your GAD-7 was saved") && !whole.has("crisis-now"), "{}", whole.body);
        let kinds: Vec<String> =
            app.store.questionnaires(sam_id).await.unwrap().iter().map(|q| q.instrument.clone()).collect();
        assert_eq!(kinds.iter().filter(|k| *k == "gad7").count(), 1);
        app
    })
    .await;
}

/// Issue 19, N1 (b, c) and L6: a form no signed-in session was shown — a cookie-less,
/// token-less post, as a cross-site page would send — shows crisis help and keeps nothing that
/// anyone could inherit, and writes no session; a later sign-in in that browser saves nothing.
#[tokio::test]
async fn a_planted_self_harm_answer_is_never_saved_for_anyone() {
    on_both(|app: TestApp| async move {
        let (victim, dr) = sam_shares_with_dr_lee(&app).await;
        victim.submit("/account", "/account/daily-safety", &[("daily_safety", "on")]).await;
        victim.submit("/today", "/logout", &[]).await;
        let sessions = app.store.sessions_count().await.unwrap();
        let attacker = app.browser();
        let planted = lapsed_phq9(&attacker, "").await;
        assert_eq!(planted.status, StatusCode::OK);
        assert!(planted.has("crisis-now") && planted.has("Your answer could not be saved"), "{}", planted.body);
        let yes = attacker.post_raw("/checkin", &[("selfharm", "1"), ("date", "2026-01-01")]).await;
        assert!(yes.has("crisis-now") && yes.has("could not be saved"));
        // A made-up token is no better, and one the victim was shown in the browser says it
        // came from another site.
        assert!(lapsed_phq9(&attacker, "0123456789abcdef0123456789abcdef").await.has("could not be saved"));
        assert_eq!(app.store.sessions_count().await.unwrap(), sessions, "the anonymous posts stored no session");
        let signed = attacker.sign_in("sam@example.org").await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "an ordinary sign-in: {}", signed.body);
        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        assert!(app.store.signals(sam_id).await.unwrap().is_empty());
        assert!(app.store.questionnaires(sam_id).await.unwrap().is_empty());
        assert!(app.store.daily_safety_answers(sam_id).await.unwrap().is_empty());
        assert!(!dr.get("/caseload").await.has("urgent:</strong>"));
        // Sam's own token, but the browser says another site sent the form: not saved.
        let token = attacker.get("/questionnaires/phq9").await.csrf();
        lapse(&app, "sam@example.org").await;
        let mut answers = vec![("csrf", token.as_str()), ("item9", "2")];
        answers.push(("item1", "0"));
        let cross = attacker
            .client
            .post(format!("{}/questionnaires/phq9", attacker.base))
            .header("sec-fetch-site", "cross-site")
            .form(&answers)
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), StatusCode::OK);
        assert!(cross.text().await.unwrap().contains("could not be saved"));
        assert!(app.store.signals(sam_id).await.unwrap().is_empty());
        app
    })
    .await;
}

/// Issue 19, N10: signed in, with a token from another tab's earlier session, the answer is
/// saved for the person signed in (it was theirs); after a deliberate sign-out the old form no
/// longer speaks for them, and the page says the answer was not kept.
#[tokio::test]
async fn a_stale_token_in_a_signed_in_session_is_saved_and_sign_out_ends_old_forms() {
    on_both(|app: TestApp| async move {
        let (sam, _dr) = sam_shares_with_dr_lee(&app).await;
        let old = sam.get("/questionnaires/phq9").await.csrf();
        let sam_id = lapse(&app, "sam@example.org").await;
        let again = sam.sign_in("sam@example.org").await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_ne!(sam.get("/today").await.csrf(), old, "a new token in the new session");
        let sent = lapsed_phq9(&sam, &old).await;
        assert!(sent.has("Your answers are saved"), "{}", sent.body);
        assert_eq!(app.store.signals(sam_id).await.unwrap().len(), 1);
        // Signing out ends the power of that session's forms.
        let current = sam.get("/questionnaires/phq9").await.csrf();
        sam.post_raw("/logout", &[("csrf", &current)]).await;
        let after = lapsed_phq9(&sam, &current).await;
        assert!(after.has("crisis-now") && after.has("Your answer could not be saved"), "{}", after.body);
        assert_eq!(app.store.signals(sam_id).await.unwrap().len(), 1, "nothing more saved");
        app
    })
    .await;
}

/// Walk-through M14: a check-in with a long note sent after the session lapsed is saved for the
/// person it was shown to; one that cannot be saved as it is gives the note back to copy.
#[tokio::test]
async fn a_check_in_sent_after_the_session_lapsed_is_kept() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        let token = sam.get("/checkin").await.csrf();
        let sam_id = lapse(&app, "sam@example.org").await;
        let note = "Slept badly again; the brain zaps were worse in the afternoon. ".repeat(20);
        let yesterday = crate::days_ago(1);
        let names: Vec<String> = crate::CHECKLIST_KEYS.iter().map(|k| format!("s_{k}")).collect();
        let mut form: Vec<(&str, &str)> =
            vec![("csrf", &token), ("date", &yesterday), ("wellbeing", "4"), ("sleep_hours", "5"), ("note", &note)];
        form.extend(names.iter().map(|n| (n.as_str(), "2")));
        let sent = sam.post_raw("/checkin", &form).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        assert!(sent.has(&format!("Your check-in for {yesterday} is saved")) && !sent.has("crisis-now"));
        let saved = app.store.checkins(sam_id).await.unwrap();
        assert_eq!((saved.len(), saved[0].note.as_str()), (1, note.trim()));
        // Unreadable (no wellbeing): not saved, and the note comes back to copy.
        let today = crate::days_ago(0);
        let mut unfinished: Vec<(&str, &str)> = vec![("csrf", &token), ("date", &today), ("note", "keep me")];
        unfinished.extend(names.iter().map(|n| (n.as_str(), "1")));
        let back = sam.post_raw("/checkin", &unfinished).await;
        assert!(back.has("could not be saved as it was") && back.has("keep me") && back.has("Choose a number from 0"));
        assert_eq!(app.store.checkins(sam_id).await.unwrap().len(), 1);
        // Someone else's browser without Sam's token gets the ordinary refusal.
        let stranger = app.browser();
        assert_eq!(stranger.post_raw("/checkin", &form[1..]).await.status, StatusCode::FORBIDDEN);
        app
    })
    .await;
}

#[tokio::test]
async fn accepting_a_supporters_smaller_steps_says_it_ends_the_hold() {
    on_both(|app: TestApp| async move {
        let p = app.browser();
        let rising = crate::rising_after_a_step(&app, &p, "p@example.org").await;
        // The person accepts the hold their check-ins suggested.
        let accepted = p.submit("/progress", &format!("/proposals/{}/accept", rising.proposal), &[]).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER);
        let dr = app.browser();
        dr.sign_up_as("dr@example.org", "Dr Lee", "clinician").await;
        share_with(&p, &dr).await;
        let person = format!("/people/{}", rising.user);
        let sent = dr
            .submit(
                &person,
                &format!("{person}/proposals"),
                &[("kind", "slower"), ("step", "5"), ("reason", "Go gently")],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        let progress = p.get("/progress").await;
        assert!(progress.has("Suggested by Dr Lee.") && progress.has("Accepting ends your hold:"), "{}", progress.body);
        app
    })
    .await;
}

#[tokio::test]
async fn a_safety_plan_is_written_kept_private_and_offered_with_crisis_help() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up_as("sam@example.org", "Sam", "person").await;
        let form = sam.get("/safety-plan").await;
        assert!(form.has("1. My warning signs") && form.has("7. My reasons for living"));
        let saved = sam
            .submit(
                "/safety-plan",
                "/safety-plan",
                &[
                    ("warning_signs", "Not sleeping; pulling away from friends"),
                    ("reasons", "My daughter"),
                    ("contact_name", "Jo"),
                    ("contact_phone", "+44 7700 900123"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let page = sam.get("/safety-plan?saved=1").await;
        assert!(page.has("Not sleeping; pulling away from friends") && page.has("href=\"tel:+447700900123\""));
        // A bad number is named and nothing typed is lost.
        let bad = sam
            .submit("/safety-plan", "/safety-plan", &[("reasons", "Still my daughter"), ("contact_phone", "call me")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.has("digits, spaces") && bad.has("Still my daughter"));
        // Crisis help, and the help after an item-9 answer, point to it.
        assert!(sam.get("/crisis").await.has("href=\"/safety-plan\""));
        assert!(phq9(&sam, ["", "", "", "", "", "", "", "", "1"]).await.has("Open your safety plan"));
        // It is in the person's export, and no one else can read it.
        assert!(sam.get("/account/export.json").await.has("pulling away from friends"));
        let other = app.browser();
        other.sign_up_as("o@example.org", "O", "clinician").await;
        assert!(!other.get("/safety-plan").await.has("pulling away"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_person_in_berlin_tokyo_or_singapore_sees_help_that_works_where_they_are_first() {
    on_both(|app: TestApp| async move {
        for (zone, first) in [
            ("Europe/Berlin", "href=\"tel:112\""),
            ("Asia/Tokyo", "href=\"tel:119\""),
            // No file for Singapore yet: 112 and the international directory lead.
            ("Asia/Singapore", "https://findahelpline.com/"),
        ] {
            let p = app.browser();
            p.sign_up_as(&format!("{}@example.org", zone.replace('/', ".")), "Kim", "person").await;
            assert_eq!(
                p.submit("/account", "/account/time-zone", &[("time_zone", zone)]).await.status,
                StatusCode::SEE_OTHER
            );
            let answered = phq9(&p, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
            let at = |needle: &str| answered.body.find(needle).unwrap_or_else(|| panic!("{zone}: {needle} missing"));
            let panel = &answered.body[at("crisis-now")..at("Help in other countries")];
            assert!(panel.contains(first), "{zone}");
            assert!(!panel.contains("href=\"tel:116123\""), "{zone}: no foreign list to scroll past on a phone");
            let page = p.get("/crisis").await;
            assert!(page.body.find(first).unwrap() < page.body.find("href=\"tel:116123\"").unwrap(), "{zone}");
            // askama writes the & as &#38;, which the browser reads back as &.
            assert!(page.has("href=\"sms:85258?&#38;body=SHOUT\""), "text lines are sms: links");
            // Clinical review minor 26: only supporters who may see questionnaires are alerted.
            assert!(page.has("the supporters you let see your questionnaires are sent an urgent note"));
        }
        app
    })
    .await;
}

#[tokio::test]
async fn the_country_a_person_chooses_decides_whose_crisis_help_comes_first() {
    on_both(|app: TestApp| async move {
        // Chosen at sign-up: Ireland, though the clock says London.
        let p = app.browser();
        let form = p.get("/signup").await;
        assert!(form.has("Where you live") && form.has("Somewhere else"));
        let made = p
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", "ie@example.org"),
                    ("display_name", "Aoife"),
                    ("role", "person"),
                    ("password", "correct horse battery"),
                    ("confirm", "correct horse battery"),
                    ("time_zone", "Europe/London"),
                    ("country", "IE"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let first_heading = |body: &str| {
            let at = body.find("<h3>").or_else(|| body.find("class=\"country\"")).unwrap();
            body[at..at + 120].to_string()
        };
        let help = phq9(&p, ["1", "1", "1", "1", "0", "0", "0", "0", "1"]).await;
        assert!(first_heading(&help.body).contains("Ireland"), "{}", first_heading(&help.body));
        // Changed under Account to somewhere without its own list: 112 and the directory lead.
        assert_eq!(p.submit("/account", "/account/country", &[("country", "XX")]).await.status, StatusCode::SEE_OTHER);
        assert!(first_heading(&p.get("/crisis").await.body).contains("Wherever you are"));
        // A code not on the list is refused by name and nothing changes.
        let bad = p.submit("/account", "/account/country", &[("country", "ZZ")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.has("Choose where you live from the list"));
        let id = app.store.user_by_email("ie@example.org").await.unwrap().unwrap().id;
        assert_eq!(app.store.user(id).await.unwrap().country.as_deref(), Some("XX"));
        let export = p.get("/account/export.json").await;
        assert!(export.body.replace(' ', "").contains("\"country\":\"XX\""), "{}", &export.body[..300]);
        app
    })
    .await;
}

#[tokio::test]
async fn each_questionnaire_asks_its_unscored_closing_question_and_the_supporter_sees_the_answer() {
    on_both(|app: TestApp| async move {
        let (sam, dr) = sam_shares_with_dr_lee(&app).await;
        let form = sam.get("/questionnaires/phq9").await;
        assert!(form.has("how difficult have these problems made it") && form.has("Extremely difficult"));
        // GAD-7 ends with its own closing question, in its published form's words (N15).
        let gad7 = sam.get("/questionnaires/gad7").await;
        assert!(gad7.has("how difficult have these made it") && gad7.has("Extremely difficult"), "{}", gad7.body);
        let mut answers: Vec<(String, String)> = (1..=9).map(|n| (format!("item{n}"), "1".to_string())).collect();
        answers[8].1 = "0".into();
        answers.push(("difficulty".into(), "2".into()));
        let pairs: Vec<(&str, &str)> = answers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let saved = sam.submit("/questionnaires/phq9", "/questionnaires/phq9", &pairs).await;
        assert!(
            saved.has("id=\"score\">8 of 27") && saved.has("Very difficult (not part of the score)"),
            "{}",
            saved.body
        );
        let id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let q = &app.store.questionnaires(id).await.unwrap()[0];
        assert_eq!((q.total, q.difficulty), (8, Some(2)), "stored apart from the score");
        assert!(dr.get(&format!("/people/{id}")).await.has("<td data-label=\"Daily life\">Very difficult</td>"));
        // An answer outside the four is not kept (and the score is still saved).
        let mut odd = pairs.clone();
        *odd.last_mut().unwrap() = ("difficulty", "7");
        sam.submit("/questionnaires/phq9", "/questionnaires/phq9", &odd).await;
        assert_eq!(app.store.questionnaires(id).await.unwrap()[1].difficulty, None);
        // GAD-7's answer is kept the same way, apart from its score.
        let mut gad: Vec<(String, String)> = (1..=7).map(|n| (format!("item{n}"), "1".to_string())).collect();
        gad.push(("difficulty".into(), "1".into()));
        let pairs: Vec<(&str, &str)> = gad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let saved = sam.submit("/questionnaires/gad7", "/questionnaires/gad7", &pairs).await;
        assert!(saved.has("Somewhat difficult (not part of the score)"), "{}", saved.body);
        let kept = app.store.questionnaires(id).await.unwrap();
        let g = kept.iter().find(|q| q.instrument == "gad7").unwrap();
        assert_eq!((g.total, g.difficulty), (7, Some(1)));
        app
    })
    .await;
}

/// Issue 11: the optional daily question about self-harm is off until the person switches it
/// on; a "yes" shows help in the same response, is kept before anything can fail, and flags
/// every supporter who sees check-in scores (and the person is told who was not alerted).
#[tokio::test]
async fn the_daily_safety_question_is_the_persons_choice_and_a_yes_routes_like_item_9() {
    on_both(|app: TestApp| async move {
        let (sam, dr) = sam_shares_with_dr_lee(&app).await;
        let val = app.browser();
        val.sign_up_as("val@example.org", "Val", "peer").await;
        // Val is not given check-in scores.
        let page = sam.invite(&[("share", "plan"), ("share", "questionnaires")]).await;
        let code = crate::sharing::invite_code(&page);
        assert_eq!(val.submit("/join", "/join", &[("code", &code)]).await.status, StatusCode::SEE_OTHER);

        let question = "better off dead, or of hurting yourself";
        assert!(!sam.get("/checkin").await.has(question), "off unless the person switches it on");
        let account = sam.get("/account").await;
        assert!(account.has(question) && account.has("They are told that you answered yes and on which day"));
        assert!(account.has("name=\"daily_safety\" value=\"off\" checked"));
        let on = sam.submit("/account", "/account/daily-safety", &[("daily_safety", "on")]).await;
        assert_eq!(on.status, StatusCode::SEE_OTHER);
        let bad = sam.submit("/account", "/account/daily-safety", &[("daily_safety", "maybe")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(sam.get("/checkin").await.has(question));

        let sam_id = app.store.user_by_email("sam@example.org").await.unwrap().unwrap().id;
        let today = crate::london_today().to_string();
        let names: Vec<String> = crate::CHECKLIST_KEYS.iter().map(|k| format!("s_{k}")).collect();
        let mut form: Vec<(&str, &str)> = vec![("date", &today), ("sleep_hours", "7"), ("note", ""), ("selfharm", "1")];
        form.extend(names.iter().map(|n| (n.as_str(), "1")));
        // Unfinished (no wellbeing): help at once, and the answer kept all the same.
        let unfinished = sam.submit("/checkin", "/checkin", &form).await;
        assert_eq!(unfinished.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unfinished.has("crisis-now") && unfinished.has("href=\"tel:999\""), "help in the same response");
        assert_eq!(app.store.daily_safety_answers(sam_id).await.unwrap().len(), 1);
        form.push(("wellbeing", "5"));
        let done = sam.submit("/checkin", "/checkin", &form).await;
        assert_eq!(done.status, StatusCode::OK, "shown at once, not after a redirect");
        assert!(done.has("crisis-now") && done.has("Dr Lee will see an urgent note"), "{}", done.body);
        assert!(done.has("Val cannot see your check-in scores, so was not alerted"));
        assert!(dr.get("/caseload").await.has("urgent:</strong> Daily check-in: thoughts of self-harm"));
        assert!(!val.get("/caseload").await.has("Daily check-in: thoughts of self-harm"), "kept back from Val");
        let seen = dr.get(&format!("/people/{sam_id}")).await;
        assert!(seen.has("they answered &#34;Yes&#34;") || seen.has("they answered \"Yes\""), "{}", seen.body);

        // A lapsed check-in form with a yes: help first, saved for Sam at once.
        let stale = sam.get("/checkin").await.csrf();
        lapse(&app, "sam@example.org").await;
        let yesterday = crate::days_ago(1);
        let held = sam.post_raw("/checkin", &[("csrf", &stale), ("date", &yesterday), ("selfharm", "1")]).await;
        assert_eq!(held.status, StatusCode::OK);
        assert!(held.has("crisis-now") && held.has("Dr Lee will see an urgent note"), "{}", held.body);
        assert!(held.has("The rest of that check-in could not be saved as it was"));
        let kept = app.store.daily_safety_answers(sam_id).await.unwrap();
        assert!(kept.iter().any(|s| s.date.to_string() == yesterday), "kept for the day it was given");
        sam.sign_in("sam@example.org").await;
        // Switched off, the question is no longer asked.
        sam.submit("/account", "/account/daily-safety", &[("daily_safety", "off")]).await;
        assert!(!sam.get("/checkin").await.has(question));
        app
    })
    .await;
}

/// Not signed in, the crisis page and the held page after a lapsed form put first the country
/// the browser's language names (Accept-Language: de-AT → Austria), as issue 11 asks.
#[tokio::test]
async fn without_an_account_the_browsers_language_decides_whose_help_comes_first() {
    on_both(|app: TestApp| async move {
        let anon = app.browser();
        let page = anon
            .client
            .get(format!("{}/crisis", anon.base))
            .header("accept-language", "de-AT,de;q=0.9,en;q=0.8")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let austria = page.find("Austria").unwrap();
        assert!(austria < page.find("Germany").unwrap() && austria < page.find("Wherever you are").unwrap());
        assert!(page.find("href=\"tel:142\"").unwrap() < page.find("href=\"tel:08001110111\"").unwrap());
        app
    })
    .await;
}

/// Issue 13, one way for corrupt stored documents: a safety plan or medication background that
/// cannot be read is an error with a reference, never an empty form whose save would write over
/// what the person wrote.
#[tokio::test]
async fn an_unreadable_stored_document_is_an_error_not_an_empty_form() {
    on_both(|app: TestApp| async move {
        let sam = app.browser();
        sam.sign_up("corrupt@example.org").await;
        let id = app.store.user_by_email("corrupt@example.org").await.unwrap().unwrap().id;
        let now = jiff::Timestamp::now();
        app.store.save_safety_plan(id, "{\"reasons\": unreadable", now).await.unwrap();
        app.store.set_med_background(id, "[not a background", now).await.unwrap();
        for page in ["/safety-plan", "/history"] {
            let r = sam.get(page).await;
            assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{page}: {}", r.body);
            assert!(r.has("Reference"), "{page}: {}", r.body);
        }
        assert_eq!(app.store.safety_plan(id).await.unwrap().as_deref(), Some("{\"reasons\": unreadable"));
        app
    })
    .await;
}

/// New-user walk: sign-up left the country on "guess from my time zone" with the time zone at
/// UTC, so crisis help after item 9 was only the international fallback. The browser's language
/// (en-IE) now chooses Ireland on the form, where the person sees it and can change it.
#[tokio::test]
async fn sign_up_offers_the_country_the_browsers_language_names() {
    crate::helpers::on_sqlite(2, |app: TestApp| async move {
        let b = app.browser();
        let page = b
            .client
            .get(format!("{}/signup", b.base))
            .header("accept-language", "en-IE,en;q=0.8")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<option value=\"IE\" selected>"), "Ireland chosen");
        let plain = b.get("/signup").await;
        assert!(plain.has("<option value=\"\" selected>"), "no language, no guess: {}", plain.body.len());
        app
    })
    .await;
}

/// Walk: an en-US browser with the time zone Asia/Kolkata kept "United States" and would have
/// shown 911 and 988 first. Left at the browser's suggestion while the time zone lies elsewhere,
/// the time zone's country is taken and said where the account lands; a later walk (from Europe)
/// found that asking instead refused the form and emptied both passwords. What the person then
/// chooses themselves is kept.
#[tokio::test]
async fn sign_up_takes_the_time_zones_country_over_the_languages_suggestion() {
    on_both(|app: TestApp| async move {
        let b = app.browser();
        let page = b.get("/signup").await;
        let token = page.csrf();
        let form = |email: &'static str, tz: &'static str, country: &'static str, suggested: &'static str| {
            vec![
                ("csrf", token.clone()),
                ("email", email.to_string()),
                ("display_name", "Asha".to_string()),
                ("role", "person".to_string()),
                ("password", "correct horse battery".to_string()),
                ("confirm", "correct horse battery".to_string()),
                ("time_zone", tz.to_string()),
                ("country", country.to_string()),
                ("country_suggested", suggested.to_string()),
            ]
        };
        let post = |f: Vec<(&'static str, String)>| {
            let b = &b;
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                b.post_raw("/signup", &pairs).await
            }
        };
        let made = post(form("kolkata@example.org", "Asia/Kolkata", "US", "US")).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", crate::forms::visible(&made));
        assert_eq!(made.location.as_deref(), Some("/plan/new?country=from_zone"));
        let user = app.store.user_by_email("kolkata@example.org").await.unwrap().unwrap();
        assert_eq!(user.country.as_deref(), Some("IN"));
        let landed = b.get("/plan/new?country=from_zone").await;
        assert!(landed.has("Crisis help is set for India, the country of your time zone."), "{}", landed.body);
        b.post_raw("/logout", &[("csrf", &landed.csrf())]).await;

        // Another mistake on the form: it comes back with the time zone's country chosen and
        // said, and the passwords' message; the suggestion is spent.
        let page = b.get("/signup").await;
        let mut f = form("lisbon@example.org", "Europe/Lisbon", "US", "US");
        f[0].1 = page.csrf();
        f[5].1 = "not the same at all".into();
        let again = post(f).await;
        assert!(again.has("The two passwords are not the same."), "{}", crate::forms::visible(&again));
        assert!(again.has("<option value=\"PT\" selected>"), "{}", again.body);
        assert!(again.has("id=\"country-note\""), "{}", again.body);
        assert!(again.has("name=\"country_suggested\" value=\"\""), "{}", again.body);
        assert!(app.store.user_by_email("lisbon@example.org").await.unwrap().is_none(), "nothing made yet");
        // A missing time zone keeps the suggestion, so the time zone still decides once chosen (a
        // walk: a missing time zone cleared it, and 911 and 988 came first for someone in London).
        let mut f = form("london@example.org", "", "US", "US");
        f[0].1 = page.csrf();
        let no_zone = post(f).await;
        assert!(no_zone.has("Choose your time zone from the list"), "{}", crate::forms::visible(&no_zone));
        assert!(no_zone.has("name=\"country_suggested\" value=\"US\""), "{}", no_zone.body);
        // The person chooses the United States themselves: kept, and nothing is said on landing.
        let mut f = form("lisbon@example.org", "Europe/Lisbon", "US", "");
        f[0].1 = page.csrf();
        let chosen = post(f).await;
        assert_eq!(chosen.location.as_deref(), Some("/plan/new"), "{}", crate::forms::visible(&chosen));
        let user = app.store.user_by_email("lisbon@example.org").await.unwrap().unwrap();
        assert_eq!(user.country.as_deref(), Some("US"));
        app
    })
    .await;
}

/// Sign-up offers first the time zone of the browser language's country where it has one zone
/// of the list (en-GB → Europe/London), and none where it has several (en-US): never UTC by
/// default, which put "today" and reminders at the wrong hours for whoever kept it.
#[tokio::test]
async fn sign_up_starts_from_the_language_countrys_time_zone_or_asks() {
    on_both(|app: TestApp| async move {
        let anon = app.browser();
        let signup = |lang: &'static str| {
            let c = anon.client.get(format!("{}/signup", anon.base)).header("accept-language", lang).send();
            async move { c.await.unwrap().text().await.unwrap() }
        };
        let gb = signup("en-GB,en;q=0.8").await;
        assert!(gb.contains("<option value=\"Europe/London\" selected>"), "{gb}");
        let us = signup("en-US,en;q=0.8").await;
        assert!(us.contains("<option value=\"\" selected>Choose your time zone</option>"), "{us}");
        assert!(!us.contains("<option value=\"UTC\" selected>"));
        // Sent without one, the form says what to do and keeps the rest.
        let form = [
            ("email", "tz@example.org"),
            ("display_name", "Tz"),
            ("role", "person"),
            ("password", "correct horse battery"),
            ("confirm", "correct horse battery"),
            ("time_zone", ""),
        ];
        let refused = anon.submit("/signup", "/signup", &form).await;
        assert!(refused.has("Choose your time zone from the list."), "{}", refused.body);
        assert!(app.store.user_by_email("tz@example.org").await.unwrap().is_none());
        app
    })
    .await;
}
