//! Issue 21: "automatic backups … taken by one instance when several share a database". Two
//! instances, each with its own backup folder, look at the same moment: one takes the day's
//! backup, the other nothing, until the day has passed.

use jiff::{SignedDuration, Timestamp};
use taper_server::backups::{BackupConfig, take_if_due};

use crate::helpers::{TestApp, on_both, on_sqlite};

#[tokio::test]
async fn of_two_instances_sharing_a_database_one_takes_the_days_backup() {
    on_sqlite(2, |app: TestApp| async move {
        let root = std::env::temp_dir().join(format!("taper-backups-{}", uuid::Uuid::now_v7()));
        let config =
            |name: &str| BackupConfig { dir: root.join(name), keep: 14, every: SignedDuration::from_hours(24) };
        let (a, b) = (config("a"), config("b"));
        let now = Timestamp::now();
        let first = take_if_due(&app.store, &a, now, "instance-a").await.unwrap();
        let second = take_if_due(&app.store, &b, now, "instance-b").await.unwrap();
        assert!(first.is_some() && second.is_none(), "{first:?} {second:?}");
        // An hour later the other still leaves it; a day later it is due again for whoever looks.
        let hour = now.checked_add(SignedDuration::from_hours(1)).unwrap();
        assert!(take_if_due(&app.store, &b, hour, "instance-b").await.unwrap().is_none());
        let day = now.checked_add(SignedDuration::from_hours(25)).unwrap();
        assert!(take_if_due(&app.store, &b, day, "instance-b").await.unwrap().is_some());
        let _ = std::fs::remove_dir_all(&root);
        app
    })
    .await;
}

/// The lease itself, on both databases: held, refused to another, given back, claimed again.
#[tokio::test]
async fn a_lease_is_held_by_one_instance_until_it_ends_or_is_given_back() {
    on_both(|app: TestApp| async move {
        let now = Timestamp::now();
        let later = |h: i64| now.checked_add(SignedDuration::from_hours(h)).unwrap();
        let s = &app.store;
        assert!(s.claim_lease("job", "a", now, later(24)).await.unwrap());
        assert!(!s.claim_lease("job", "b", later(1), later(25)).await.unwrap(), "held by a");
        assert!(s.claim_lease("job", "a", later(1), later(25)).await.unwrap(), "a holds it already");
        s.release_lease("job", "b").await.unwrap();
        assert!(!s.claim_lease("job", "b", later(2), later(26)).await.unwrap(), "only its holder gives it back");
        s.release_lease("job", "a").await.unwrap();
        assert!(s.claim_lease("job", "b", later(2), later(26)).await.unwrap(), "given back");
        assert!(s.claim_lease("job", "a", later(27), later(50)).await.unwrap(), "ended");
        app
    })
    .await;
}
