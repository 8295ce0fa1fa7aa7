//! `taper simulate` and `taper crossover` as a prescriber would use them (issue: benzodiazepines
//! and pharmacokinetics).
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use assert_cmd::Command;

fn taper() -> Command {
    Command::cargo_bin("taper").expect("binary built")
}

fn stdout(args: &[&str]) -> String {
    String::from_utf8(taper().args(args).assert().success().get_output().stdout.clone()).unwrap()
}

fn stderr_of_failure(args: &[&str]) -> String {
    String::from_utf8(taper().args(args).assert().code(2).get_output().stderr.clone()).unwrap()
}

const CROSSOVER: &[&str] = &[
    "crossover",
    "--from-drug",
    "alprazolam",
    "--dose",
    "0.5mg@08:00",
    "--dose",
    "0.5mg@14:00",
    "--dose",
    "0.5mg@20:00",
    "--screen",
    "none",
    "--to-drug",
    "diazepam",
    "--have",
    "diazepam-tab-2mg",
    "--have",
    "diazepam-tab-5mg",
    "--have",
    "diazepam-tab-10mg",
    "--have",
    "diazepam-oral-solution-2mg-5ml",
];

#[test]
fn alprazolam_to_diazepam_crossover_then_taper_to_zero() {
    let mut args = CROSSOVER.to_vec();
    args.extend(["--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&args)).unwrap();
    let stages = plan["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 4, "now + one stage per dose-time");
    // Ashton: alprazolam 1.5 mg/day = 30 mg diazepam; VA/DoD would say 15 mg.
    assert_eq!(stages[0]["diazepam_equivalent_mg"], 30.0);
    assert_eq!(stages[0]["other_scheme_diazepam_equivalent_mg"], 15.0);
    for pair in stages.windows(2) {
        assert!(
            pair[1]["diazepam_equivalent_mg"].as_f64() <= pair[0]["diazepam_equivalent_mg"].as_f64(),
            "total never rises"
        );
        assert_eq!(pair[1]["day"].as_u64().unwrap(), pair[0]["day"].as_u64().unwrap() + 14);
    }
    let last = stages.last().unwrap()["doses"].as_array().unwrap();
    assert!(last.iter().all(|d| d["drug"] == "diazepam" && d["mg"] == 10.0));
    let taper = &plan["taper"];
    assert_eq!(taper["complete"], true);
    let steps = taper["steps"].as_array().unwrap();
    assert_eq!(steps.last().unwrap()["dose_mg"], 0.0);
    let before_stop = steps[steps.len() - 2]["dose_mg"].as_f64().unwrap();
    assert!(before_stop <= 0.5 + 1e-9, "diazepam stops only from ≤ 0.5 mg, not {before_stop}");
    for pair in steps.windows(2) {
        let (a, b) = (pair[0]["dose_mg"].as_f64().unwrap(), pair[1]["dose_mg"].as_f64().unwrap());
        assert!(b == 0.0 || (a - b) / a <= 0.25, "ASAM: at most 25% per two weeks: {a} → {b}");
    }
    assert!(plan["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "tables-differ"));
    // The table form shows both tables' figures.
    let table = stdout(CROSSOVER);
    assert!(table.contains("Other table") && table.contains("30 mg") && table.contains("15 mg"));
}

#[test]
fn crossover_refuses_unsafe_or_impossible_requests() {
    let mut fast = CROSSOVER.to_vec();
    fast.extend(["--step", "30%"]);
    assert!(stderr_of_failure(&fast).contains("more than the limit of 25%"));
    let mut quick = CROSSOVER.to_vec();
    quick.extend(["--stage", "2d"]);
    assert!(stderr_of_failure(&quick).contains("1–2 weeks"));
    let err = stderr_of_failure(&[
        "crossover",
        "--screen",
        "none",
        "--from-drug",
        "sertraline",
        "--dose",
        "50mg@08:00",
        "--have",
        "diazepam-tab-2mg",
    ]);
    assert!(err.contains("only benzodiazepines"), "{err}");
    let err = stderr_of_failure(&[
        "crossover",
        "--screen",
        "none",
        "--from-drug",
        "alprazolam",
        "--dose",
        "0.5mg",
        "--have",
        "diazepam-tab-2mg",
    ]);
    assert!(err.contains("DOSE@TIME"), "{err}");
    let err = stderr_of_failure(&[
        "crossover",
        "--screen",
        "none",
        "--from-drug",
        "alprazolam",
        "--dose",
        "0.5mg@25:00",
        "--have",
        "diazepam-tab-2mg",
    ]);
    assert!(err.contains("time of day"), "{err}");
    let err = stderr_of_failure(&[
        "crossover",
        "--screen",
        "none",
        "--from-drug",
        "alprazolam",
        "--dose",
        "0.5mg@08:00",
        "--scheme",
        "maudsley",
        "--have",
        "diazepam-tab-2mg",
    ]);
    assert!(err.contains("ashton or va-dod"), "{err}");
    let err = stderr_of_failure(&[
        "crossover",
        "--screen",
        "none",
        "--from-drug",
        "alprazolam",
        "--dose",
        "0.5mg@08:00",
        "--have",
        "alprazolam-tab-1mg",
    ]);
    assert!(err.contains("not a product of diazepam"), "{err}");
    // The override is recorded in the plan.
    let mut overridden = fast.clone();
    overridden.extend(["--override-pace", "inpatient setting, reviewed daily", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&overridden)).unwrap();
    assert_eq!(plan["taper"]["strategy"]["pace_override"], "inpatient setting, reviewed daily");
}

/// Clinical review D2: clonazepam 2 mg at 22:00 became one 40 mg diazepam dose, with no
/// screening. Now the screen must be answered, and the switch asks for enough dose-times.
#[test]
fn crossover_asks_the_screen_and_keeps_each_dose_within_the_label() {
    let night = [
        "crossover",
        "--from-drug",
        "clonazepam",
        "--dose",
        "2mg@22:00",
        "--have",
        "diazepam-tab-10mg",
        "--have",
        "diazepam-tab-5mg",
    ];
    let err = stderr_of_failure(&night);
    assert!(err.contains("--screen") && err.contains("sleep-apnoea") && err.contains("opioid"), "{err}");
    let mut none = night.to_vec();
    none.extend(["--screen", "none"]);
    let err = stderr_of_failure(&none);
    assert!(err.contains("needs at least 4 doses of at most 10 mg") && err.contains("--to-times"), "{err}");
    let mut four = none.clone();
    four.extend(["--to-times", "08:00,13:00,18:00,22:00", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&four)).unwrap();
    assert_eq!(plan["single_dose_max_mg"], 10.0);
    assert_eq!(plan["screen"].as_array().unwrap().len(), 0);
    for stage in plan["stages"].as_array().unwrap() {
        for d in stage["doses"].as_array().unwrap() {
            assert!(d["drug"] != "diazepam" || d["mg"].as_f64().unwrap() <= 10.0, "{d}");
        }
    }
    let mut liver = night.to_vec();
    liver.extend(["--screen", "liver", "--to-times", "08:00,13:00,18:00,22:00"]);
    assert!(stderr_of_failure(&liver).contains("liver disease"));
    let mut unknown = night.to_vec();
    unknown.extend(["--screen", "kidneys"]);
    assert!(stderr_of_failure(&unknown).contains("--screen"));
}

#[test]
fn simulate_shows_interdose_troughs_for_short_acting_drugs() {
    let out = stdout(&["simulate", "--drug", "alprazolam", "--dose", "1.5mg", "--times", "08:00", "--days", "7"]);
    assert!(out.contains("diazepam"), "once-daily alprazolam should suggest splitting or switching: {out}");
    let split =
        stdout(&["simulate", "--drug", "alprazolam", "--dose", "0.5mg", "--times", "08:00,14:00,20:00", "--days", "7"]);
    let swing = |text: &str| -> f64 {
        let line = text.lines().find(|l| l.contains("swing")).unwrap();
        line.split("swing ").nth(1).unwrap().split('%').next().unwrap().parse().unwrap()
    };
    assert!(swing(&split) < swing(&out), "three doses a day swing less than one");
}

#[test]
fn simulate_warns_about_alternate_day_dosing() {
    let daily = stdout(&["simulate", "--drug", "sertraline", "--dose", "50mg", "--days", "28"]);
    assert!(!daily.contains("every other day"));
    let alt =
        stdout(&["simulate", "--drug", "sertraline", "--dose", "100mg", "--pattern", "alternate-day", "--days", "28"]);
    assert!(alt.contains("every other day") && alt.contains("O'Neill et al. 2026"), "{alt}");
    let skip =
        stdout(&["simulate", "--drug", "paroxetine", "--dose", "20mg", "--pattern", "skip-one-in-3", "--days", "21"]);
    assert!(skip.contains("Skipping one day in 3"));
}

#[test]
fn simulate_reports_steady_state_and_missed_doses() {
    let out = stdout(&["simulate", "--drug", "fluoxetine", "--dose", "20mg", "--days", "60", "--missed"]);
    assert!(out.contains("norfluoxetine"));
    // Norfluoxetine's ~9.3-day half-life: five half-lives ≈ 46 days to a new steady level, the
    // same figure `plan` gives (clinical review minor 12: 40.2 here, "about 46 days" there).
    let days: f64 = out.split("about ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!((44.0..=48.0).contains(&days), "{days}");
    let plan = stdout(&["plan", "--drug", "fluoxetine", "--from", "20mg", "--have", "fluoxetine-cap-20mg"]);
    let planned: f64 =
        plan.split("five half-lives (about ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!((planned - days).abs() <= 1.0, "plan {planned} vs simulate {days}");
    assert!(out.contains("If one dose is missed") && out.contains("Never double"));
}

#[test]
fn simulate_outputs_csv_and_svg() {
    let csv = stdout(&["simulate", "--drug", "venlafaxine", "--dose", "75mg", "--days", "3", "--format", "csv"]);
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("hour,Venlafaxine_level_percent,O-desmethylvenlafaxine_level_percent,occupancy_percent"),
        "{header}"
    );
    assert_eq!(csv.lines().count(), 1 + 3 * 24 * 4 + 1);
    assert!(csv.lines().skip(1).all(|l| l.split(',').skip(1).all(|v| v.parse::<f64>().unwrap() >= 0.0)));
    let svg = stdout(&["simulate", "--drug", "venlafaxine", "--dose", "75mg", "--days", "3", "--format", "svg"]);
    assert!(svg.starts_with("<svg") && svg.contains("<polyline") && svg.contains("occupancy %"));
    let plan_svg = stdout(&[
        "plan",
        "--drug",
        "citalopram",
        "--from",
        "20mg",
        "--have",
        "citalopram-oral-drops-40mg-ml",
        "--taken-as",
        "tablets",
        "--format",
        "svg",
    ]);
    assert!(plan_svg.starts_with("<svg") && plan_svg.contains("Citalopram: daily dose"));
    // Readable on a phone (issue 20; walks found 4 px labels): every text, scaled from the
    // chart's width to a 360-pixel screen, is 11 px or more.
    for chart in [&svg, &plan_svg] {
        let width: f64 = chart.split("width=\"").nth(1).and_then(|w| w.split('"').next()).unwrap().parse().unwrap();
        let sizes: Vec<f64> =
            chart.split("font-size=\"").skip(1).map(|s| s.split('"').next().unwrap().parse().unwrap()).collect();
        assert!(!sizes.is_empty());
        for px in sizes {
            assert!(
                px * 360.0 / width >= 11.0,
                "{px} px text on a {width} px chart is {} px on a phone",
                px * 360.0 / width
            );
        }
    }
}

#[test]
fn simulate_bad_input() {
    assert!(
        stderr_of_failure(&["simulate", "--drug", "sertraline", "--dose", "50mg", "--pattern", "sometimes"])
            .contains("skip-one-in-N")
    );
    assert!(
        stderr_of_failure(&["simulate", "--drug", "sertraline", "--dose", "50mg", "--times", "20:00,08:00"])
            .contains("in order")
    );
    assert!(
        stderr_of_failure(&["simulate", "--drug", "sertraline", "--dose", "50mg", "--days", "400"])
            .contains("1 to 365")
    );
    assert!(stderr_of_failure(&["simulate", "--drug", "sertraline", "--dose", "-1mg"]).contains("negative"));
    assert!(
        stderr_of_failure(&["simulate", "--drug", "sertaline", "--dose", "50mg"]).contains("did you mean sertraline")
    );
    // A missed dose is read against daily dosing: beside an alternate-day run it quoted a daily
    // "on time" trough the run did not have (re-run of the clinical review, §8).
    let alternate = ["simulate", "--drug", "venlafaxine", "--dose", "75mg", "--pattern", "alternate-day", "--missed"];
    let e = stderr_of_failure(&alternate);
    assert!(e.contains("--missed") && e.contains("--pattern daily"), "{e}");
}

/// A re-run of the clinical review: the switch's notes (the screen, the tables that disagree)
/// came after a taper table of two hundred lines. They now come under the stages they explain.
#[test]
fn the_switchs_notes_come_before_the_taper_table() {
    let out = stdout(CROSSOVER);
    let about = out.find("About the switch:").expect("the switch's notes");
    let then = out.find("Then, from day").expect("the taper after the switch");
    assert!(about < then, "{out}");
    assert!(out[about..then].contains("Equivalence tables differ"), "{}", &out[about..then]);
}

/// A walk: clonazepam 2 mg at bedtime becomes 10 mg of diazepam four times a day (its largest
/// single dose), 08:00 and 13:00 included, and nothing said of being drowsy in the day. It is
/// now the first of the switch's notes; a switch at the same times says nothing of it.
#[test]
fn new_daytime_doses_are_said_first() {
    let out = stdout(&[
        "crossover",
        "--from-drug",
        "clonazepam",
        "--dose",
        "2mg@22:00",
        "--screen",
        "none",
        "--to-drug",
        "diazepam",
        "--have",
        "diazepam-tab-10mg",
        "--to-times",
        "08:00,13:00,18:00,22:00",
    ]);
    let notes = out.split("About the switch:").nth(1).unwrap();
    let first = notes.lines().find(|l| l.trim_start().starts_with('•')).unwrap();
    assert!(
        first.contains("adds doses of Diazepam at 08:00, 13:00 and 18:00") && first.contains("Do not drive"),
        "{first}"
    );
    assert!(!stdout(CROSSOVER).contains("adds doses of"), "alprazolam's three times are kept");
}

/// A walk: `crossover --help` offered csv, then refused it. It offers only what it prints.
#[test]
fn crossover_offers_only_the_formats_it_prints() {
    let help = stdout(&["crossover", "--help"]);
    let line = help.lines().find(|l| l.contains("--format")).unwrap();
    assert!(line.contains("[possible values: table, json]"), "{line}");
    let mut args = CROSSOVER.to_vec();
    args.extend(["--format", "csv"]);
    assert!(stderr_of_failure(&args).contains("invalid value 'csv'"));
}
