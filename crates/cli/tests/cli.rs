//! The `taper` binary as a person uses it: the example plans, JSON/CSV contracts, and a
//! clear error with exit code 2 for every kind of bad input.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use assert_cmd::Command;
use predicates::prelude::*;

fn taper() -> Command {
    Command::cargo_bin("taper").expect("binary built")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = taper().args(args).args(["--format", "json"]).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("valid JSON")
}

const CITALOPRAM: &[&str] = &[
    "plan",
    "--drug",
    "citalopram",
    "--from",
    "20mg",
    "--strategy",
    "hyperbolic",
    "--step",
    "10pp",
    "--every",
    "28d",
    "--have",
    "citalopram-oral-drops-40mg-ml",
    "--taken-as",
    "tablets",
];
const SERTRALINE: &[&str] = &[
    "plan",
    "--drug",
    "sertraline",
    "--from",
    "100mg",
    "--strategy",
    "proportional",
    "--step",
    "10%",
    "--have",
    "sertraline-tab-50mg",
    "--have",
    "sertraline-tab-25mg",
    "--have",
    "sertraline-concentrate-20mg-ml",
];

#[test]
fn citalopram_with_drops_is_a_complete_preparable_plan() {
    let plan = json(CITALOPRAM);
    assert_eq!(plan["drug"]["id"], "citalopram");
    assert_eq!(plan["strategy"]["name"], "hyperbolic");
    assert_eq!(plan["complete"], true);
    let steps = plan["steps"].as_array().unwrap();
    assert_eq!(steps.first().unwrap()["dose_mg"], 20.0);
    assert_eq!(steps.last().unwrap()["dose_mg"], 0.0);
    for pair in steps.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(b["dose_mg"].as_f64() < a["dose_mg"].as_f64());
        let drop = a["occupancy_percent"].as_f64().unwrap() - b["occupancy_percent"].as_f64().unwrap();
        assert!(drop <= 11.0 + 0.01, "step {} drops {drop} pp", b["index"]);
        assert_eq!(b["day"].as_u64().unwrap(), a["day"].as_u64().unwrap() + 28);
    }
    // Every non-final step says exactly how to measure it out with the drops, counted as tablet mg:
    // the SmPC doses 16 mg of drops like 20 mg of tablets (×1.25); 1 mL = 20 drops = 40 mg.
    for s in &steps[1..steps.len() - 1] {
        let items = s["preparation"]["items"].as_array().unwrap();
        assert!(!items.is_empty());
        for i in items {
            assert_eq!(i["product"], "citalopram-oral-drops-40mg-ml");
            let q = i["quantity"].as_f64().unwrap();
            let actual = match i["unit"].as_str().unwrap() {
                "mL" => q * i["dilution"]["mg_per_ml"].as_f64().unwrap_or(40.0),
                "drop" => q * 2.0,
                other => panic!("unit {other}"),
            };
            assert!((i["mg"].as_f64().unwrap() - actual * 1.25).abs() < 1e-3, "{i}");
        }
        let mg: f64 = items.iter().map(|i| i["mg"].as_f64().unwrap()).sum();
        assert!((mg - s["dose_mg"].as_f64().unwrap()).abs() < 1e-3);
    }
    assert!(plan["disclaimer"].as_str().unwrap().contains("not a prescription"));
    assert!(plan["occupancy_model"]["citation"].as_str().unwrap().contains("Sørensen"));
}

#[test]
fn sertraline_with_tablets_and_concentrate() {
    let plan = json(SERTRALINE);
    let steps = plan["steps"].as_array().unwrap();
    assert_eq!(plan["complete"], true);
    // 100 → 90 → 82: made from tablets plus concentrate, e.g. "1 × 50 mg tablet + 2 mL …". The
    // second step keeps the 50 mg tablet and the concentrate of the first (82 mg, a 9 % cut)
    // rather than change to the 25 mg tablet for 81 (clinical review minor 15).
    assert_eq!(steps[1]["dose_mg"], 90.0);
    assert_eq!(steps[2]["dose_mg"], 82.0);
    let second = steps[2]["preparation"]["instruction"].as_str().unwrap();
    assert!(second.contains("1 × 50 mg tablet") && !second.contains("25 mg tablet"), "{second}");
    let instruction = steps[1]["preparation"]["instruction"].as_str().unwrap();
    assert!(
        instruction.contains("50 mg tablet") && instruction.contains("2 mL (40 mg) of the oral concentrate 20 mg/mL"),
        "{instruction}"
    );
    for pair in steps.windows(2) {
        let (a, b) = (pair[0]["dose_mg"].as_f64().unwrap(), pair[1]["dose_mg"].as_f64().unwrap());
        if b > 0.0 {
            assert!((a - b) / a <= 0.11 + 1e-9, "{a} → {b}");
        } else {
            assert!(a <= plan["final_dose_mg"].as_f64().unwrap() + 1e-9);
        }
    }
}

#[test]
fn table_output_is_stable() {
    let out = taper().args(CITALOPRAM).assert().success().get_output().stdout.clone();
    insta::assert_snapshot!("citalopram_table", String::from_utf8(out).unwrap());
    let out = taper().args(SERTRALINE).assert().success().get_output().stdout.clone();
    insta::assert_snapshot!("sertraline_table", String::from_utf8(out).unwrap());
}

#[test]
fn csv_has_a_row_per_step() {
    let out = taper().args(CITALOPRAM).args(["--format", "csv"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    let plan = json(CITALOPRAM);
    assert!(text.starts_with("step,day,target_mg,dose_mg,error_mg,occupancy_percent,preparation,stock\n"));
    assert_eq!(text.lines().count(), 1 + plan["steps"].as_array().unwrap().len());
}

#[test]
fn drugs_lists_the_catalogue_with_sources() {
    taper()
        .arg("drugs")
        .assert()
        .success()
        .stdout(predicate::str::contains("citalopram").and(predicate::str::contains("chlordiazepoxide")));
    // Its help offers only the formats it writes (a re-run: it listed csv, then refused it).
    taper().args(["drugs", "--help"]).assert().success().stdout(predicate::str::contains("csv").not());
    taper().args(["drugs", "--format", "csv"]).assert().code(2).stderr(predicate::str::contains("table, json"));
    let out = taper().args(["drugs", "--format", "json"]).assert().success().get_output().stdout.clone();
    let drugs: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let drugs = drugs.as_array().unwrap();
    assert_eq!(drugs.len(), 26);
    for id in [
        "trazodone",
        "amitriptyline",
        "nortriptyline",
        "zolpidem",
        "zopiclone",
        "eszopiclone",
        "pregabalin",
        "gabapentin",
    ] {
        assert!(drugs.iter().any(|d| d["id"] == id && d["class"].is_string()), "{id} is listed");
    }
    for d in drugs {
        for key in ["id", "name", "class", "occupancy_model", "half_life_hours", "products"] {
            assert!(d.get(key).is_some(), "{} lacks {key}", d["id"]);
        }
        assert!(!d["products"].as_array().unwrap().is_empty());
    }
    let mirtazapine = drugs.iter().find(|d| d["id"] == "mirtazapine").unwrap();
    assert!(mirtazapine["occupancy_model"].is_null(), "mirtazapine has no SERT model");
    let alprazolam = drugs.iter().find(|d| d["id"] == "alprazolam").unwrap();
    assert_eq!(alprazolam["diazepam_equivalents"].as_array().unwrap().len(), 2, "Ashton and VA/DoD both kept");
}

#[test]
fn no_model_falls_back_to_proportional_and_says_so() {
    let plan = json(&[
        "plan",
        "--drug",
        "mirtazapine",
        "--from",
        "15mg",
        "--step",
        "10pp",
        "--have",
        "mirtazapine-oral-solution-15mg-ml",
    ]);
    assert_eq!(plan["strategy"]["name"], "proportional");
    assert_eq!(plan["strategy"]["requested"], "hyperbolic");
    assert!(plan["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "no-occupancy-model"));
}

#[test]
fn unpreparable_steps_stop_the_plan_with_a_suggestion() {
    let plan =
        json(&["plan", "--drug", "sertraline", "--from", "100mg", "--step", "10pp", "--have", "sertraline-tab-50mg"]);
    assert_eq!(plan["complete"], false);
    assert!(plan["suggestion"].as_str().unwrap().contains("sertraline-concentrate-20mg-ml"), "{}", plan["suggestion"]);
}

fn fails_with(args: &[&str], needles: &[&str]) {
    let assert = taper().args(args).assert().code(2);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    for needle in needles {
        assert!(err.contains(needle), "stderr {err:?} lacks {needle:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Clinical review minor 23: "20mg" typed by someone on citalopram drops was read as tablets, a
/// silent 20 % cut. With drops among the products the command asks which, and drops count × 1.25.
#[test]
fn the_dose_now_is_asked_as_drops_or_tablets() {
    let base = ["plan", "--drug", "citalopram", "--from", "20mg", "--have", "citalopram-oral-drops-40mg-ml"];
    fails_with(&base, &["--taken-as", "as tablets or as the oral drops 40 mg/mL", "1.25"]);
    let mut wrong = base.to_vec();
    wrong.extend(["--taken-as", "drops"]);
    fails_with(&wrong, &["--taken-as 'drops'", "tablets, or one of citalopram's products"]);
    let mut drops = base.to_vec();
    drops.extend(["--taken-as", "citalopram-oral-drops-40mg-ml"]);
    let plan = json(&drops);
    assert_eq!(plan["steps"][0]["dose_mg"].as_f64().unwrap(), 25.0, "20 mg of drops counts as 25 mg of tablets");
    let mut tablets = base.to_vec();
    tablets.extend(["--taken-as", "tablets"]);
    assert_eq!(json(&tablets)["steps"][0]["dose_mg"].as_f64().unwrap(), 20.0);
    // Tablets alone: nothing to ask.
    let only = json(&["plan", "--drug", "citalopram", "--from", "20mg", "--have", "citalopram-tab-20mg"]);
    assert_eq!(only["steps"][0]["dose_mg"].as_f64().unwrap(), 20.0);
}

#[test]
fn bad_input_gets_a_specific_error_and_exit_code_2() {
    let have = ["--have", "citalopram-oral-drops-40mg-ml", "--taken-as", "tablets"];
    let with = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> =
            ["plan", "--drug", "citalopram", "--from", "20mg"].iter().map(|s| s.to_string()).collect();
        v.extend(have.iter().map(|s| s.to_string()));
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&str], needles: &[&str]| {
        let args = with(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_with(&args, needles);
    };
    // Unknown drug, with the nearest names.
    fails_with(
        &["plan", "--drug", "citalopam", "--from", "20mg", "--have", "x"],
        &["--drug", "citalopam", "did you mean citalopram"],
    );
    // Negative, zero, absurd and unparsable doses.
    fails_with(
        &["plan", "--drug", "citalopram", "--from", "-5mg", "--have", "citalopram-tab-20mg"],
        &["--from", "negative"],
    );
    fails_with(
        &["plan", "--drug", "citalopram", "--from", "0mg", "--have", "citalopram-tab-20mg"],
        &["--from", "more than 0"],
    );
    fails_with(
        &["plan", "--drug", "citalopram", "--from", "20000mg", "--have", "citalopram-tab-20mg"],
        &["--from", "far above"],
    );
    fails_with(
        &["plan", "--drug", "citalopram", "--from", "20 mgs", "--have", "citalopram-tab-20mg"],
        &["--from", "unknown unit 'mgs'"],
    );
    // Unknown product, and a product of another drug.
    run(&["--have", "citalopram-drops"], &["--have", "no such product", "citalopram-oral-drops-40mg-ml"]);
    fails_with(
        &["plan", "--drug", "citalopram", "--from", "20mg", "--have", "sertraline-tab-50mg"],
        &["--have", "sertraline-tab-50mg", "not citalopram"],
    );
    // No products at all.
    fails_with(&["plan", "--drug", "citalopram", "--from", "20mg"], &["--have", "at least one product"]);
    // Step sizes of 0 or ≥ 100, and above the policy limit.
    run(&["--step", "0pp"], &["--step", "more than 0 and less than 100"]);
    run(&["--step", "100pp"], &["--step", "more than 0 and less than 100"]);
    run(&["--step", "30pp"], &["--step", "more than the limit of 20"]);
    // Contradictory options.
    run(&["--step", "10%"], &["--step", "hyperbolic plan takes percentage points"]);
    run(&["--to", "5mg", "--final", "0.2mg"], &["contradict"]);
    run(&["--strategy", "manual", "--step", "10pp"], &["--step does not apply"]);
    run(&["--doses", "10mg"], &["--doses only applies"]);
    run(&["--final", "1mg"], &["--final", "the last dose before zero must be at most 0.147 mg"]);
    run(&["--every", "3d"], &["--every", "minimum of 14 days"]);
    run(&["--every", "soon"], &["--every", "expected"]);
    run(&["--beads", "citalopram-oral-drops-40mg-ml=50"], &["--beads", "not a capsule"]);
    run(&["--fill", "x=300mg"], &["--fill", "scale"]);
    run(&["--region", "cortex"], &["--region", "striatum"]);
    // Benzodiazepines: never linear, never a large final step.
    fails_with(
        &["plan", "--drug", "diazepam", "--from", "10mg", "--strategy", "linear", "--have", "diazepam-tab-2mg"],
        &["linear", "unsafe for a benzodiazepine"],
    );
    fails_with(
        &[
            "plan",
            "--drug",
            "diazepam",
            "--from",
            "10mg",
            "--strategy",
            "manual",
            "--doses",
            "9mg,8mg,0mg",
            "--every",
            "14d",
            "--have",
            "diazepam-tab-2mg",
        ],
        &["--doses", "too large a final step"],
    );
}

/// Issue 9: a clinician trying to make the tool produce a dangerous plan gets a safe plan or a
/// refusal that says what to change.
#[test]
fn a_too_fast_antidepressant_plan_needs_a_recorded_justification() {
    let fast = [
        "plan",
        "--drug",
        "citalopram",
        "--from",
        "40mg",
        "--step",
        "20pp",
        "--every",
        "7d",
        "--have",
        "citalopram-oral-drops-40mg-ml",
        "--taken-as",
        "tablets",
    ];
    // The review's 20 pp every 7 days (A3): refused, naming the flag and the minimum.
    fails_with(&fast, &["--every", "minimum of 14 days", "justification"]);
    // A blank or one-word justification is no justification.
    let mut blank = fast.to_vec();
    blank.extend(["--override-pace", "  "]);
    fails_with(&blank, &["--override-pace", "cannot be blank"]);
    let mut word = fast.to_vec();
    word.extend(["--override-pace", "justifiedbecauseyes"]);
    fails_with(&word, &["--override-pace", "one word"]);
    // With a reason it is planned, warned, and the reason travels with the plan.
    let mut ok = fast.to_vec();
    ok.extend(["--override-pace", "switching to sertraline, agreed with Dr Lee"]);
    let plan = json(&ok);
    assert_eq!(plan["strategy"]["pace_override"], "switching to sertraline, agreed with Dr Lee");
    assert!(plan["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "pace-override"));
    // Even then no step removes more than half the dose: 40 mg never drops to 5.8 mg in a step.
    let doses: Vec<f64> = plan["steps"].as_array().unwrap().iter().map(|s| s["dose_mg"].as_f64().unwrap()).collect();
    for w in doses.windows(2).filter(|w| w[1] > 0.0) {
        assert!(w[1] >= w[0] / 2.0 - 1e-9, "{doses:?}");
    }
    // Faster than suggested but inside the limits: planned, with a warning that says so.
    let plan = json(&[
        "plan",
        "--drug",
        "citalopram",
        "--from",
        "20mg",
        "--step",
        "15pp",
        "--every",
        "14d",
        "--have",
        "citalopram-oral-drops-40mg-ml",
        "--taken-as",
        "tablets",
    ]);
    let faster = plan["warnings"].as_array().unwrap().iter().filter(|w| w["code"] == "faster-than-suggested").count();
    assert_eq!(faster, 2, "both the step and the interval are faster than suggested");
}

#[test]
fn an_implausible_dose_must_be_confirmed() {
    // 400 mg of citalopram (ten times its labelled maximum of 40 mg) is refused even confirmed.
    fails_with(
        &["plan", "--drug", "citalopram", "--from", "400mg", "--have", "citalopram-tab-20mg", "--confirm-dose"],
        &["--from", "more than 4 times the highest labelled daily dose", "does not plan from it"],
    );
    // 100 mg: a slip of the keyboard until confirmed.
    let args = ["plan", "--drug", "citalopram", "--from", "100mg", "--have", "citalopram-tab-20mg"];
    fails_with(&args, &["--from", "above the highest labelled daily dose", "40 mg", "--confirm-dose"]);
    let mut confirmed = args.to_vec();
    confirmed.push("--confirm-dose");
    let plan = json(&confirmed);
    assert_eq!(plan["dose_confirmed"], true);
    assert!(plan["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "dose-confirmed"));
    // Far below any product: 0.0001 mg is a hundredth of nothing anyone holds.
    fails_with(
        &["plan", "--drug", "citalopram", "--from", "0.0001mg", "--have", "citalopram-tab-20mg"],
        &["--from", "far below any Citalopram product", "--confirm-dose"],
    );
}

#[test]
fn big_cuts_at_high_doses_are_capped() {
    // Review A2: venlafaxine 225 mg went to 37.5 mg in one 10 pp step. An SNRI now loses at most
    // a quarter per step, below its usual dose too (second review minor 14: 56.25 → 31.75 mg).
    let plan = json(&[
        "plan",
        "--drug",
        "venlafaxine",
        "--from",
        "225mg",
        "--step",
        "10pp",
        "--compounded",
        "0.5mg",
        "--have",
        "venlafaxine-xr-cap-75mg",
    ]);
    let doses: Vec<f64> = plan["steps"].as_array().unwrap().iter().map(|s| s["dose_mg"].as_f64().unwrap()).collect();
    assert!(doses[1] >= 225.0 * 0.75 - 1e-9, "{doses:?}");
    for w in doses.windows(2).filter(|w| w[1] > 0.0) {
        assert!((w[0] - w[1]) / w[0] <= 0.25 + 1e-9, "{w:?} in {doses:?}");
    }
    assert!(plan["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "mg-cap"));
}

#[test]
fn brand_names_and_release_forms() {
    // The name on the box finds the drug (issue 10).
    let plan = json(&[
        "plan",
        "--drug",
        "Zoloft",
        "--from",
        "50mg",
        "--have",
        "sertraline-tab-50mg",
        "--have",
        "sertraline-concentrate-20mg-ml",
    ]);
    assert_eq!(plan["drug"]["id"], "sertraline");
    fails_with(&["plan", "--drug", "Zolof", "--from", "50mg", "--have", "x"], &["--drug", "did you mean Zoloft"]);
    // With both releases listed, which one is taken now is asked (a re-run: an XR user's step 0
    // was immediate-release tablets in two doses, with no change of release said).
    let both = [
        "plan",
        "--drug",
        "Effexor XR",
        "--from",
        "150mg",
        "--have",
        "venlafaxine-xr-cap-75mg",
        "--have",
        "venlafaxine-tab-37.5mg",
    ];
    fails_with(&both, &["--taken-as", "extended-release", "75 mg extended-release capsule", "immediate release"]);
    // "tablets" is immediate release: step 0 is made of the tablets, not the capsule (a re-run:
    // "--taken-as tablets" gave "now: 1 × 75 mg extended-release capsule").
    let tablets = json(&[both.as_slice(), &["--taken-as", "tablets"]].concat());
    let now = tablets["steps"][0]["preparation"]["items"].as_array().unwrap();
    assert!(!now.is_empty() && now.iter().all(|i| i["product"] == "venlafaxine-tab-37.5mg"), "{now:?}");
    // Mixing extended- and immediate-release venlafaxine is said; the IR label's divided doses too.
    let plan = json(&[both.as_slice(), &["--taken-as", "venlafaxine-xr-cap-75mg"]].concat());
    let warnings = plan["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w["code"] == "release-mix"), "{warnings:?}");
    assert!(warnings.iter().any(|w| w["message"].as_str().unwrap().contains("two or three doses a day")));
}

#[test]
fn oversized_product_inputs_are_refused_not_searched() {
    // Security probe H1/L10: many products made the solver's search explode; /dev/zero was read
    // until memory ran out. Now: duplicates and more than 20 products are refused, and a products
    // file over 1 MiB is not read.
    let many: Vec<String> = (0..25).map(|i| format!("[[products]]\nid = \"my-{i}\"\ndrug = \"citalopram\"\nform = \"tablet\"\nstrength_mg = {}\nsource = \"taper_policy\"\n", i + 1)).collect();
    let dir = std::env::temp_dir().join(format!("taper-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("many.toml");
    std::fs::write(&file, many.join("\n")).unwrap();
    let mut args: Vec<String> = ["plan", "--drug", "citalopram", "--from", "20mg", "--cutter", "--products"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(file.display().to_string());
    for i in 0..25 {
        args.extend(["--have".to_string(), format!("my-{i}")]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails_with(&args, &["--have", "at most 20"]);
    fails_with(
        &[
            "plan",
            "--drug",
            "citalopram",
            "--from",
            "20mg",
            "--have",
            "citalopram-tab-20mg",
            "--have",
            "citalopram-tab-20mg",
        ],
        &["--have", "given twice"],
    );
    if std::path::Path::new("/dev/zero").exists() {
        fails_with(
            &["plan", "--drug", "citalopram", "--from", "20mg", "--products", "/dev/zero", "--have", "x"],
            &["--products", "larger than 1 MiB"],
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn help_has_examples() {
    taper()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:").and(predicate::str::contains("taper plan --drug citalopram")));
}

#[test]
fn serve_refuses_a_database_it_cannot_use_and_a_busy_port() {
    taper()
        .args(["serve", "--database", "mysql://localhost/taper"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--database 'mysql:…': use a postgres:// URL"));
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = busy.local_addr().expect("address").port().to_string();
    let dir = std::env::temp_dir().join(format!("taper-cli-serve-{port}"));
    taper()
        .args(["serve", "--port", &port, "--data-dir"])
        .arg(&dir)
        .assert()
        .failure()
        .stderr(predicates::str::contains(format!("cannot listen on 127.0.0.1:{port}")));
    assert!(dir.join("taper.db").exists(), "the database was created and migrated before binding");
    // Issue 19, N6: the data directory, the database and the key are the owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for (f, want) in [(dir.clone(), 0o700), (dir.join("taper.db"), 0o600), (dir.join("taper.key"), 0o600)] {
            let mode = std::fs::metadata(&f).expect("exists").permissions().mode() & 0o777;
            assert_eq!(mode, want, "{} is {mode:o}", f.display());
        }
    }
    // N7: the key file gone, the sealed database is refused and no new key is written.
    std::fs::remove_file(dir.join("taper.key")).expect("the key file");
    taper()
        .args(["serve", "--port", &port, "--data-dir"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is missing, and the database was sealed with a key"));
    assert!(!dir.join("taper.key").exists(), "no new key written beside the database");
    let _ = std::fs::remove_dir_all(dir);
}

/// Issue 22: a plan made on the command line as a calendar: each change of dose on its day from
/// --first-day, with how to prepare it; read back by PyPI icalendar where scripts/test-deps
/// installed it. A first day that is not a date is refused by name.
#[test]
fn a_plan_exports_as_a_calendar_from_its_first_day() {
    let out = taper().args(CITALOPRAM).args(["--format", "ics", "--first-day", "2027-01-04"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let json = json(CITALOPRAM);
    let first_cut = json["steps"][1]["day"].as_u64().unwrap();
    let on = jiff::civil::date(2027, 1, 4).checked_add(jiff::Span::new().days(first_cut as i64)).unwrap();
    let stamp = format!("DTSTART;VALUE=DATE:{}", on.strftime("%Y%m%d"));
    assert!(text.contains(&stamp), "{stamp} in:\n{text}");
    assert!(text.contains("SUMMARY:Citalopram: 20 mg → ") && text.contains("How to prepa"), "{text}");
    assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'), "CRLF line ends");
    // In CI scripts/test-deps installs the parser, and a missing one fails here.
    let python = std::env::var("TAPER_TEST_SMTP_PYTHON");
    assert!(python.is_ok() || !taper_store::scratch::postgres_required(), "no icalendar parser in CI");
    if let Ok(python) = python {
        let file = std::env::temp_dir().join(format!("taper-cli-{}.ics", std::process::id()));
        std::fs::write(&file, &text).unwrap();
        let script = "import sys\nfrom icalendar import Calendar\n\
                      c = Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
                      print(len(list(c.walk('VEVENT'))))\n";
        let parsed = std::process::Command::new(python).arg("-c").arg(script).arg(&file).output().unwrap();
        let _ = std::fs::remove_file(&file);
        assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
        let events: usize = String::from_utf8_lossy(&parsed.stdout).trim().parse().unwrap();
        assert_eq!(events, text.matches("BEGIN:VEVENT").count());
    }
    let bad = taper().args(CITALOPRAM).args(["--format", "ics", "--first-day", "next monday"]).assert().failure();
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("--first-day 'next monday'"));
}

/// Issue 22: a plan made on the command line as a FHIR R4 Bundle: one MedicationRequest whose
/// dosage instructions follow the steps in order, each bounded to its days from --first-day with
/// its milligrams, and valid against the R4 models of PyPI fhir.resources 6.1 where
/// scripts/test-deps installed them (in CI, a missing validator fails here).
#[test]
fn a_plan_exports_as_a_fhir_r4_bundle_that_validates() {
    let out = taper().args(CITALOPRAM).args(["--format", "fhir", "--first-day", "2027-01-04"]).assert().success();
    let bundle: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let plan = json(CITALOPRAM);
    let request = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "MedicationRequest")
        .expect("a MedicationRequest");
    assert_eq!(request["intent"], "plan");
    let dosages = request["dosageInstruction"].as_array().unwrap();
    let dosed: Vec<&serde_json::Value> =
        plan["steps"].as_array().unwrap().iter().filter(|s| s["dose_mg"].as_f64().unwrap() > 0.0).collect();
    assert_eq!(dosages.len(), dosed.len(), "one dosage per step with a dose (taken once a day)");
    let mut in_words = 0;
    for (k, (d, step)) in dosages.iter().zip(&dosed).enumerate() {
        assert_eq!(d["sequence"], k + 1);
        let text = d["text"].as_str().unwrap();
        let dose = taper_core::units::trim_number(step["dose_mg"].as_f64().unwrap());
        if d["doseAndRate"].is_null() {
            // Drops count differently from tablets: never a quantity a pharmacy could dispense
            // as the drops' own milligrams.
            assert!(text.contains(" mg of the oral drops 40 mg/mL a day (the plan counts it as "), "step {k}: {text}");
            assert!(!text.contains(&format!(": {dose} mg a day")), "the plan's mg are not the drops' own: {text}");
            in_words += 1;
            continue;
        }
        assert!(text.contains(&format!(": {dose} mg a day")), "step {k}: {text}");
        assert_eq!(d["doseAndRate"][0]["doseQuantity"]["code"], "mg");
        let mg = d["doseAndRate"][0]["doseQuantity"]["value"].as_f64().unwrap();
        assert!((mg - step["dose_mg"].as_f64().unwrap()).abs() < 1e-6, "step {k}: {mg} mg");
        let start: jiff::civil::Date =
            d["timing"]["repeat"]["boundsPeriod"]["start"].as_str().unwrap().parse().unwrap();
        let day = step["day"].as_i64().unwrap();
        assert_eq!(start, jiff::civil::date(2027, 1, 4).checked_add(jiff::Span::new().days(day)).unwrap());
        assert!(!d["patientInstruction"].as_str().unwrap().is_empty());
    }
    assert!(in_words > 0, "the drops steps are said in words");
    // Each period ends the day before the next begins: no day without a dose, none with two.
    for pair in dosages.windows(2) {
        let end: jiff::civil::Date =
            pair[0]["timing"]["repeat"]["boundsPeriod"]["end"].as_str().unwrap().parse().unwrap();
        let next: jiff::civil::Date =
            pair[1]["timing"]["repeat"]["boundsPeriod"]["start"].as_str().unwrap().parse().unwrap();
        assert_eq!(end.tomorrow().unwrap(), next);
    }
    let python = std::env::var("TAPER_TEST_SMTP_PYTHON");
    assert!(python.is_ok() || !taper_store::scratch::postgres_required(), "no FHIR validator in CI");
    if let Ok(python) = python {
        let checked = fhir_check(&python, &out.get_output().stdout);
        assert_eq!(checked["resources"]["MedicationRequest"], 1, "{checked}");
        assert_eq!(checked["dosages"], dosages.len());
        // The validator is not a rubber stamp: a dosage whose sequence is not a number fails.
        let mut bad = bundle.clone();
        let at =
            bad["entry"].as_array().unwrap().iter().position(|e| e["resource"]["resourceType"] == "MedicationRequest");
        bad["entry"][at.unwrap()]["resource"]["dosageInstruction"][0]["sequence"] = "first".into();
        let refused = std::process::Command::new(&python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/fhir_check.py"))
            .arg("-")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                child.stdin.take().unwrap().write_all(bad.to_string().as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(!refused.status.success(), "an invalid bundle passed the validator");
    }
}

/// What scripts/fhir_check.py makes of `bundle`: it fails the test where the bundle is not
/// valid FHIR R4.
fn fhir_check(python: &str, bundle: &[u8]) -> serde_json::Value {
    let file = std::env::temp_dir().join(format!("taper-cli-{}.fhir.json", std::process::id()));
    std::fs::write(&file, bundle).unwrap();
    let out = std::process::Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/fhir_check.py"))
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Issue 22: the plan as a PDF to print or hand to the prescriber, read back by poppler's
/// `pdftotext` (scripts/test-deps installs it): every step dated from --first-day, with its dose.
#[test]
fn a_plan_exports_as_a_pdf_that_reads_back_with_every_step() {
    let out = taper().args(CITALOPRAM).args(["--format", "pdf", "--first-day", "2027-01-04"]).assert().success();
    let bytes = &out.get_output().stdout;
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let file = std::env::temp_dir().join(format!("taper-cli-{}.pdf", std::process::id()));
    std::fs::write(&file, bytes).unwrap();
    let read = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; scripts/test-deps installs it)");
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8(read.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Citalopram: a taper plan"), "{text}");
    let plan = json(CITALOPRAM);
    let first = jiff::civil::date(2027, 1, 4);
    for s in plan["steps"].as_array().unwrap().iter().skip(1) {
        let day = s["day"].as_i64().unwrap();
        let when = first.checked_add(jiff::Span::new().days(day)).unwrap().strftime("%-d %b %Y").to_string();
        assert!(text.contains(&format!("from {when}")), "step on day {day}: {text}");
    }
    assert!(text.contains("Decision support for a conversation with your prescriber"), "{text}");
    // Month by month from the first day to the stop (13 Sep 2027), each day's dose.
    assert!(text.contains("Month by month") && text.contains("January 2027"), "{text}");
    assert!(text.contains("September 2027") && text.contains("12.5 mg 12.5 mg"), "{text}");
}

#[test]
fn targets_and_their_difference_are_shown_no_finer_than_a_dose_is_measured() {
    // Clinical review §10: "Target 4.8311 mg" beside "Dose 4.8 mg", in a column called "Error".
    let out = taper()
        .args(["plan", "--drug", "sertraline", "--from", "100mg", "--have", "sertraline-tab-25mg"])
        .args(["--have", "sertraline-tab-100mg", "--have", "sertraline-concentrate-20mg-ml"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("Off target") && !text.contains("Error"), "{text}");
    let mut rows = 0;
    for line in text.lines().filter(|l| l.starts_with('│') && l.contains(" mg ┆")) {
        let cells: Vec<&str> = line.split('┆').map(str::trim).collect();
        let Some(target) = cells.get(2).and_then(|c| c.strip_suffix(" mg")) else { continue };
        let Ok(value) = target.parse::<f64>() else { continue };
        let decimals = target.split('.').nth(1).map_or(0, str::len);
        let allowed = if value >= 1.0 { 2 } else { 4 };
        assert!(decimals <= allowed, "target {target} in {line}");
        rows += 1;
    }
    assert!(rows > 10, "{text}");
}

/// Issue 22: `taper export` writes a plan made here as a file to hand on, in the four formats,
/// each the same as `taper plan --format` gives; anything else is refused by name.
#[test]
fn export_writes_the_plan_as_a_file_in_each_format() {
    let dir = std::env::temp_dir().join(format!("taper-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan_args = &CITALOPRAM[1..];
    for (format, starts) in [("pdf", &b"%PDF-"[..]), ("ics", b"BEGIN:VCALENDAR"), ("fhir", b"{"), ("csv", b"step")] {
        let file = dir.join(format!("plan.{format}"));
        let said = taper()
            .arg("export")
            .args(plan_args)
            .args(["--format", format, "--first-day", "2027-01-04", "--output"])
            .arg(&file)
            .assert()
            .success();
        let said = String::from_utf8(said.get_output().stdout.clone()).unwrap();
        assert!(said.starts_with("Wrote ") && said.contains(&file.display().to_string()), "{said}");
        let bytes = std::fs::read(&file).unwrap();
        assert!(bytes.starts_with(starts), "{format}: {}", String::from_utf8_lossy(&bytes[..40.min(bytes.len())]));
        if format == "csv" {
            // The same file `taper plan` prints (the others carry the moment they were made).
            let printed =
                taper().args(CITALOPRAM).args(["--format", format, "--first-day", "2027-01-04"]).assert().success();
            assert_eq!(printed.get_output().stdout, bytes);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    taper()
        .arg("export")
        .args(plan_args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("taper export writes pdf, ics, fhir or csv"));
}
