//! `taper backup` and `taper restore` as a person runs them: copy, refuse to overwrite, put back
//! with the replaced file kept, and point PostgreSQL users at pg_dump.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn taper() -> Command {
    Command::cargo_bin("taper").expect("binary built")
}

#[test]
fn a_backup_is_made_refuses_to_overwrite_and_restores_with_the_old_file_kept() {
    let dir = std::env::temp_dir().join(format!("taper-cli-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    let copy = dir.join("copy.db");
    taper()
        .args(["backup", "--data-dir"])
        .arg(&data)
        .arg("--to")
        .arg(&copy)
        .assert()
        .success()
        .stdout(contains("Backed up").and(contains("keep it safe")));
    assert!(copy.is_file());
    taper()
        .args(["backup", "--data-dir"])
        .arg(&data)
        .arg("--to")
        .arg(&copy)
        .assert()
        .code(2)
        .stderr(contains("already exists"));
    taper()
        .args(["restore", "--data-dir"])
        .arg(&data)
        .arg("--from")
        .arg(&copy)
        .assert()
        .success()
        .stdout(contains("Restored").and(contains("before-restore")));
    taper()
        .args(["restore", "--data-dir"])
        .arg(&data)
        .arg("--from")
        .arg(dir.join("nothing.db"))
        .assert()
        .code(2)
        .stderr(contains("no backup file"));
    taper()
        .args(["backup", "--database", "postgres://x@localhost/taper", "--to"])
        .arg(dir.join("pg.db"))
        .assert()
        .code(2)
        .stderr(contains("pg_dump"));
    let _ = std::fs::remove_dir_all(&dir);
}
