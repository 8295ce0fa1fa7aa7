//! `taper backup` and `taper restore` as a person runs them: copy, refuse to overwrite, put back
//! with the replaced file kept, and point PostgreSQL users at pg_dump.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn taper() -> Command {
    Command::cargo_bin("taper").expect("binary built")
}

/// A data directory as `taper serve` leaves it (a key file, an SQLite database URL), empty.
fn server_dir(name: &str) -> (std::path::PathBuf, taper_store::seal::Key, String) {
    let dir = std::env::temp_dir().join(format!("taper-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = taper_store::seal::Key::generate();
    std::fs::write(dir.join("taper.key"), key.to_hex()).unwrap();
    let url = format!("sqlite:{}", dir.join("taper.db").display());
    (dir, key, url)
}

/// A person's account, made in the database at `url`.
async fn account(url: &str, key: &taper_store::seal::Key, email: &str) -> taper_store::UserId {
    let store = taper_store::Store::connect_sealed(url, key).await.unwrap();
    let new = taper_store::NewUser {
        email,
        display_name: "New",
        password_hash: "$argon2id$x",
        time_zone: "UTC",
        role: taper_core::role::Role::Person,
        country: None,
    };
    let id = store.create_user(&new, jiff::Timestamp::now()).await.unwrap().id;
    store.close().await;
    id
}

#[test]
fn a_backup_is_made_refuses_to_overwrite_and_restores_with_the_old_file_kept() {
    let dir = std::env::temp_dir().join(format!("taper-cli-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    let copy = dir.join("copy.db");
    let backup = || taper().args(["backup", "--data-dir"]).arg(&data).arg("--to").arg(&copy).assert();
    let restore =
        |from: &std::path::Path| taper().args(["restore", "--data-dir"]).arg(&data).arg("--from").arg(from).assert();
    // Nothing to back up yet: refused, nothing made.
    backup().code(2).stderr(contains("there is no database at"));
    std::fs::create_dir_all(&data).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let url = format!("sqlite:{}", data.join("taper.db").display());
        taper_store::Store::connect(&url).await.unwrap().close().await;
    });
    backup().success().stdout(contains("Backed up").and(contains("keep it safe")));
    assert!(copy.is_file());
    // Restoring checks the copy opens with the server's key (issue 19, N7).
    restore(&copy).code(2).stderr(contains("reading the key file"));
    std::fs::write(data.join("taper.key"), taper_store::seal::Key::generate().to_hex()).unwrap();
    backup().code(2).stderr(contains("already exists"));
    restore(&copy).success().stdout(contains("Restored").and(contains("before-restore")));
    restore(&dir.join("nothing.db")).code(2).stderr(contains("no backup file"));
    std::fs::write(dir.join("notes.txt"), "not a database").unwrap();
    restore(&dir.join("notes.txt")).code(2).stderr(contains("is not a Taper backup"));
    taper()
        .args(["backup", "--database", "postgres://x@localhost/taper", "--to"])
        .arg(dir.join("pg.db"))
        .assert()
        .code(2)
        .stderr(contains("pg_dump"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_persons_export_is_imported_into_their_new_empty_account() {
    let (dir, key, url) = server_dir("import");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(account(&url, &key, "new@example.org"));
    let checklist: Vec<&str> = taper_core::symptoms::CHECKLIST.iter().map(|i| i.key).collect();
    let scores = vec![1u8; checklist.len()];
    let export = serde_json::json!({
        "format": "taper-export-1", "exported_at": "2026-11-24T00:00:00Z",
        "account": { "email": "old@example.org", "display_name": "Old", "time_zone": "Europe/Dublin", "country": "IE",
                     "created_at": "2026-01-01T00:00:00Z" },
        "plans": [], "doses": [], "checklist": checklist,
        "checkins": [{ "date": "2026-11-20", "burden": scores.len(), "scores": scores, "wellbeing": 6,
                       "sleep_hours": 7.0, "note": "moved with me" }],
        "questionnaires": [], "withdrawal_or_relapse": [], "safety_plan": null,
        "medication_history": { "events": [], "background": null }, "sharing": [], "access_log": [],
    });
    let file = dir.join("export.json");
    std::fs::write(&file, export.to_string()).unwrap();
    let run = |email: &str| {
        taper().args(["import", "--data-dir"]).arg(&dir).arg("--from").arg(&file).args(["--email", email]).assert()
    };
    run("new@example.org").success().stdout(contains("1 check-in(s)"));
    run("new@example.org").code(2).stderr(contains("empty account"));
    run("nobody@example.org").code(2).stderr(contains("sign up first"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 20: the operator sees e-mail that has not gone out, and why, without the message.
#[test]
fn the_mail_queue_shows_what_waits_and_what_failed_without_the_message() {
    let (dir, key, url) = server_dir("queue");
    let queue = || taper().args(["mail-queue", "--data-dir"]).arg(&dir).assert().success();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(taper_store::Store::connect_sealed(&url, &key)).unwrap();
    rt.block_on(store.close());
    queue().stdout(predicates::str::contains("Nothing waiting"));
    rt.block_on(async {
        let store = taper_store::Store::connect_sealed(&url, &key).await.unwrap();
        let now = jiff::Timestamp::now();
        store
            .enqueue("email", None, "{\"to\":\"secret@example.org\"}", taper_store::JobPeople::default(), now, now)
            .await
            .unwrap();
        let job = store.claim_job("w", now, jiff::SignedDuration::from_mins(5)).await.unwrap().unwrap();
        store.job_failed(&job.id, "w", "connection refused", None, now).await.unwrap();
        store.close().await;
    });
    queue()
        .stdout(predicates::str::contains("FAILED for good"))
        .stdout(predicates::str::contains("connection refused"))
        .stdout(predicates::str::contains("secret@example.org").not());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Walk: a server without e-mail left a person who forgot their password with no way back. The
/// operator makes a single-use link; the wrong address is refused.
#[test]
fn an_operator_makes_a_single_use_reset_link() {
    let (dir, key, url) = server_dir("reset");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let user = rt.block_on(account(&url, &key, "lost@example.org"));
    let out = taper()
        .args(["reset-link", "--email", "Lost@Example.org", "--public-url", "https://taper.example.org/", "--data-dir"])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let token =
        text.split("https://taper.example.org/password/reset/").nth(1).unwrap().split_whitespace().next().unwrap();
    let hash = taper_server::cookies::stored_hash(token);
    rt.block_on(async {
        let store = taper_store::Store::connect_sealed(&url, &key).await.unwrap();
        assert_eq!(store.reset_owner(&hash, jiff::Timestamp::now()).await.unwrap(), Some(user));
        store.close().await;
    });
    taper()
        .args(["reset-link", "--email", "nobody@example.org", "--data-dir"])
        .arg(&dir)
        .assert()
        .failure()
        .stderr(contains("no account"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 21: `taper serve` on SQLite takes a backup at start (none yet) into backups/ beside the
/// database, readable by its user only; the emergency kit names it and the key's fingerprint;
/// and the restore drill: the database lost, `taper restore` brings the account back from it.
#[test]
fn serve_backs_up_by_itself_and_the_backup_restores() {
    let (dir, key, url) = server_dir("auto");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let id = runtime.block_on(account(&url, &key, "drill@example.org"));
    // A key file left readable by others is made the owner's only at start.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir.join("taper.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("taper"))
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let backups = dir.join("backups");
    let mut found = None;
    for _ in 0..300 {
        found = std::fs::read_dir(&backups)
            .ok()
            .and_then(|mut e| e.find_map(|f| f.ok().map(|f| f.path())))
            .filter(|p| p.extension().is_some_and(|x| x == "db"));
        // Made empty first, then written by VACUUM INTO: ready once it reads as a database.
        let written =
            found.as_ref().and_then(|p| std::fs::read(p).ok()).is_some_and(|b| b.starts_with(b"SQLite format 3\0"));
        if written {
            std::thread::sleep(std::time::Duration::from_millis(200));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let backup = found.expect("a backup in backups/ within 30 s of starting");
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("taper-{}-schema", env!("CARGO_PKG_VERSION"))), "{name}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(dir.join("taper.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let kit = taper().args(["emergency-kit", "--data-dir"]).arg(&dir).assert().success();
    let text = String::from_utf8(kit.get_output().stdout.clone()).unwrap();
    assert!(text.contains(&key.fingerprint()) && text.contains(&name), "{text}");
    assert!(!text.contains(&key.to_hex()), "the kit never prints the key");

    // The kit checks the key against the database, and says when backups are off.
    let other = dir.join("other.key");
    std::fs::write(&other, taper_store::seal::Key::generate().to_hex()).unwrap();
    taper().args(["emergency-kit", "--data-dir"]).arg(&dir).arg("--key-file").arg(&other).assert().code(2);
    let off = taper().args(["emergency-kit", "--no-backups", "--data-dir"]).arg(&dir).assert().success();
    assert!(String::from_utf8_lossy(&off.get_output().stdout).contains("off (--no-backups)"));
    // A mistyped --data-dir backs nothing up, and makes no empty database to copy.
    let nowhere = dir.join("typo");
    let to = dir.join("typo-copy.db");
    taper()
        .args(["backup", "--data-dir"])
        .arg(&nowhere)
        .arg("--to")
        .arg(&to)
        .assert()
        .code(2)
        .stderr(contains("there is no database at"));
    assert!(!to.exists() && !nowhere.join("taper.db").exists());

    // Two restores one after the other keep both databases they replaced.
    taper().args(["restore", "--data-dir"]).arg(&dir).arg("--from").arg(&backup).assert().success();
    taper().args(["restore", "--data-dir"]).arg(&dir).arg("--from").arg(&backup).assert().success();
    let kept = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("before-restore"))
        .count();
    assert_eq!(kept, 2, "each replaced database kept");

    // The drill: the database is lost; the backup brings the account back.
    std::fs::remove_file(dir.join("taper.db")).unwrap();
    taper().args(["restore", "--data-dir"]).arg(&dir).arg("--from").arg(&backup).assert().success();
    let back = runtime.block_on(async {
        let store = taper_store::Store::connect_sealed(&url, &key).await.unwrap();
        let u = store.user(id).await.unwrap();
        store.close().await;
        u
    });
    assert_eq!(back.email, "drill@example.org");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 21, observability: `--log-format json` writes the log one JSON object a line (level,
/// time and the event's own fields), for a log collector; the default stays text.
#[test]
fn serve_writes_its_log_as_json_when_asked() {
    use std::io::BufRead as _;
    let (dir, _key, _url) = server_dir("jsonlog");
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("taper"))
        .args(["serve", "--port", "0", "--log-format", "json", "--data-dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The backup taken at start is logged; read until it is, or the server's log ends.
    let stderr = server.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let done = line.contains("backup taken");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    });
    let mut lines = None;
    for _ in 0..300 {
        if reader.is_finished() {
            lines = Some(reader.join().unwrap());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let lines = lines.unwrap_or_else(|| panic!("no 'backup taken' line within 30 s"));
    assert!(!lines.is_empty());
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{line}");
    }
    let taken: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(taken["message"], "backup taken", "{taken}");
    assert!(taken["file"].as_str().is_some_and(|f| f.ends_with(".db")), "the event's fields, flattened: {taken}");
    // Anything else is refused by name.
    taper()
        .args(["serve", "--log-format", "xml", "--data-dir"])
        .arg(&dir)
        .assert()
        .failure()
        .stderr(contains("--log-format").and(contains("json")));
    let _ = std::fs::remove_dir_all(&dir);
}
