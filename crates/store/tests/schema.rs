//! The schema itself, on both backends: migration 0013 rebuilt four tables to give their status
//! columns `CHECK`s; rows written before it must survive it, and a value the code never writes
//! is refused by the database (issue 13); later migrations' checks and clean-ups likewise.
#![allow(clippy::unwrap_used)]

use jiff::civil::date;
use sqlx::Executor as _;
use taper_store::scratch::Scratch;
use taper_store::{PlanId, RevisionId, Store, UserId};

const USER: &str = "0195d000-0000-7000-8000-000000000001";
const PLAN: &str = "0195d000-0000-7000-8000-000000000002";
const REVISION: &str = "0195d000-0000-7000-8000-000000000003";

/// Rows as the app wrote them at schema 0012, one per rebuilt table.
const BEFORE: &[&str] = &[
    "INSERT INTO users (id, email, display_name, password_hash, time_zone, created_at) \
     VALUES ('0195d000-0000-7000-8000-000000000001', 'a@example.org', 'Sam', '$argon2id$x', 'Europe/London', 1)",
    "INSERT INTO plans (id, user_id, drug, created_at) \
     VALUES ('0195d000-0000-7000-8000-000000000002', '0195d000-0000-7000-8000-000000000001', 'citalopram', 1)",
    "INSERT INTO plan_revisions (id, plan_id, number, effective_date, day_offset, hold, settings, steps, reason, \
     created_at) VALUES ('0195d000-0000-7000-8000-000000000003', '0195d000-0000-7000-8000-000000000002', 1, \
     '2026-11-01', 0, 0, '{}', '{}', 'Plan created', 1)",
    "INSERT INTO doses (id, user_id, plan_id, date, status, dose_mg, recorded_at) \
     VALUES ('0195d000-0000-7000-8000-000000000004', '0195d000-0000-7000-8000-000000000001', \
     '0195d000-0000-7000-8000-000000000002', '2026-11-02', 'taken', 17.5625, 2)",
    "INSERT INTO proposals (id, plan_id, revision_id, rule, status, title, reason, details, created_at, \
     proposed_by, proposer_name) VALUES ('0195d000-0000-7000-8000-000000000005', \
     '0195d000-0000-7000-8000-000000000002', '0195d000-0000-7000-8000-000000000003', 'hold', 'pending', \
     'Hold', 'Symptoms rose', '{}', 3, NULL, NULL)",
    // The same suggestion again, as a page viewed in two tabs once made it: 0027 keeps the first.
    "INSERT INTO proposals (id, plan_id, revision_id, rule, status, title, reason, details, created_at, \
     proposed_by, proposer_name) VALUES ('0195d000-0000-7000-8000-000000000008', \
     '0195d000-0000-7000-8000-000000000002', '0195d000-0000-7000-8000-000000000003', 'hold', 'pending', \
     'Hold', 'Symptoms rose', '{}', 4, NULL, NULL)",
    "INSERT INTO questionnaires (id, user_id, instrument, date, answers, total, item9, created_at, difficulty) \
     VALUES ('0195d000-0000-7000-8000-000000000006', '0195d000-0000-7000-8000-000000000001', 'phq9', \
     '2026-11-03', '[0,1,0,0,0,0,0,0,2]', 3, 2, 4, 1)",
    "INSERT INTO med_events (id, user_id, date, drug, kind, abrupt, created_at) \
     VALUES ('0195d000-0000-7000-8000-000000000007', '0195d000-0000-7000-8000-000000000001', '2019-01-01', \
     'paroxetine', 'stop', 1, 5)",
];

/// Values no code path writes, one per checked column.
const REFUSED: &[&str] = &[
    "UPDATE doses SET status = 'skipped'",
    "UPDATE proposals SET status = 'maybe'",
    "UPDATE proposals SET rule = 'anything'",
    "UPDATE questionnaires SET instrument = 'bdi'",
    "UPDATE med_events SET kind = 'paused'",
    // 0017: a dose time is a minute of the day, or -1 for the whole day.
    "UPDATE doses SET dose_time = 1440",
    // 0027: one pending suggestion of a rule per plan and revision.
    "INSERT INTO proposals (id, plan_id, revision_id, rule, status, title, reason, details, created_at) \
     VALUES ('p2', '0195d000-0000-7000-8000-000000000002', '0195d000-0000-7000-8000-000000000003', 'hold', \
     'pending', 'Hold', 'x', '{}', 9)",
    // 0018: a count is never negative; the pharmacy's days are 0 to 90.
    "INSERT INTO supplies (id, user_id, product_id, unit, amount, counted_on, lead_days, updated_at) \
     VALUES ('s1', '0195d000-0000-7000-8000-000000000001', 'x', 'mL', -1, '2026-11-01', 14, 1)",
    "INSERT INTO supplies (id, user_id, product_id, unit, amount, counted_on, lead_days, updated_at) \
     VALUES ('s2', '0195d000-0000-7000-8000-000000000001', 'x', 'mL', 1, '2026-11-01', 91, 1)",
];

async fn check(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::migrate!("./migrations").run_to(12, &pool).await.unwrap();
    for sql in BEFORE {
        pool.execute(*sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    pool.close().await;

    // Opening the store runs 0013 on the old rows.
    let store = Store::connect(url).await.unwrap();
    let (user, plan): (UserId, PlanId) = (USER.parse().unwrap(), PLAN.parse().unwrap());
    let doses = store.doses(user).await.unwrap();
    assert_eq!((doses.len(), doses[0].dose_mg, doses[0].date), (1, 17.5625, date(2026, 11, 2)));
    assert_eq!(doses[0].time, None, "0017 keeps an old record as the whole day's");
    let proposals = store.proposals(user, plan).await.unwrap();
    assert_eq!(
        (proposals.len(), proposals[0].rule.key(), proposals[0].revision),
        (1, "hold", REVISION.parse::<RevisionId>().unwrap())
    );
    assert_eq!(proposals[0].id.to_string(), "0195d000-0000-7000-8000-000000000005", "the earlier one is kept");
    let q = store.questionnaires(user).await.unwrap();
    assert_eq!((q.len(), q[0].item9, q[0].difficulty), (1, Some(2), Some(1)));
    let ev = store.med_events(user).await.unwrap();
    assert_eq!((ev.len(), ev[0].kind.as_str(), ev[0].abrupt), (1, "stop", true));
    store.close().await;

    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for sql in REFUSED {
        assert!(pool.execute(*sql).await.is_err(), "the database accepted: {sql}");
    }
    // The checks refuse only what is wrong: a real status change still goes through.
    pool.execute("UPDATE proposals SET status = 'declined'").await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn status_checks_keep_old_rows_and_refuse_unknown_values() {
    let s = Scratch::sqlite();
    check(&format!("{}?mode=rwc", s.url)).await;
    s.remove().await;
    match Scratch::postgres().await {
        Ok(p) => {
            check(&p.url).await;
            p.remove().await;
        }
        Err(e) if taper_store::scratch::postgres_required() => panic!("no PostgreSQL ({e}); CI needs one"),
        Err(e) => eprintln!("\n!!! SKIPPED the PostgreSQL half of this test: {e} !!!\n"),
    }
}
