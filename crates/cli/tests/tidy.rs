//! The house rules, checked (issue 13, after rust-analyzer's `tidy`): the architecture in
//! docs/ARCHITECTURE.md holds in the source, and every invariant there names a test that exists.
//! Reads files only; runs in a fraction of a second.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root")
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = entry.expect("a directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The crate names in the `[dependencies]` table of a Cargo.toml (not dev- or build-).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = read(manifest);
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && let Some(name) = line.split(['=', '.']).next().map(str::trim).filter(|n| !n.is_empty()) {
            out.push(name.to_string());
        }
    }
    out
}

/// Lines of `files` (outside comments) containing any of `needles`, as "path:line: text".
fn offending(files: &[PathBuf], needles: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        for (n, line) in read(f).lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if needles.iter().any(|x| line.contains(x)) {
                out.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    out
}

#[test]
fn core_does_no_io_reads_no_clock_and_has_no_randomness() {
    let root = root();
    let deps = dependencies(&root.join("crates/core/Cargo.toml"));
    let forbidden = [
        "sqlx",
        "tokio",
        "axum",
        "askama",
        "reqwest",
        "hyper",
        "tower",
        "tower-http",
        "tower-sessions",
        "dirs",
        "tracing-subscriber",
        "rand",
        "getrandom",
        "chacha20poly1305",
        "lettre",
        "uuid",
    ];
    let bad: Vec<&String> = deps.iter().filter(|d| forbidden.contains(&d.as_str())).collect();
    assert!(bad.is_empty(), "core depends on I/O or randomness: {bad:?}");
    let found = offending(
        &rust_files(&root.join("crates/core/src")),
        &[
            "std::fs",
            "std::net",
            "std::process",
            "std::env",
            "SystemTime",
            "Instant::now",
            "Timestamp::now",
            "Zoned::now",
            "thread_rng",
            "OsRng",
        ],
    );
    assert!(found.is_empty(), "core reaches outside itself:\n{}", found.join("\n"));
}

#[test]
fn core_types_are_not_serialize() {
    // Deserialize is allowed (data files are read); Serialize is not.
    let found: Vec<String> = offending(&rust_files(&root().join("crates/core/src")), &["Serialize"])
        .into_iter()
        .filter(|l| l.replace("Deserialize", "").contains("Serialize"))
        .collect();
    assert!(found.is_empty(), "a core type is Serialize (only report::wire defines the wire):\n{}", found.join("\n"));
}

#[test]
fn only_store_knows_sql_and_only_server_knows_http_and_html() {
    let root = root();
    for krate in ["core", "report", "server", "cli"] {
        let files = rust_files(&root.join("crates").join(krate).join("src"));
        let sql = offending(&files, &["sqlx::", "\"SELECT ", "\"INSERT INTO", "\"DELETE FROM", "\"UPDATE "]);
        assert!(sql.is_empty(), "SQL outside store:\n{}", sql.join("\n"));
    }
    for krate in ["core", "report", "store", "cli"] {
        let deps = dependencies(&root.join("crates").join(krate).join("Cargo.toml"));
        let web: Vec<&String> = deps
            .iter()
            .filter(|d| ["axum", "askama", "askama_web", "tower-sessions", "tower-http"].contains(&d.as_str()))
            .collect();
        assert!(web.is_empty(), "{krate} depends on the web stack: {web:?}");
        let files = rust_files(&root.join("crates").join(krate).join("src"));
        let found = offending(&files, &["axum::", "askama::"]);
        assert!(found.is_empty(), "HTTP or HTML outside server:\n{}", found.join("\n"));
    }
}

#[test]
fn internal_errors_keep_their_causes() {
    let found =
        offending(&rust_files(&root().join("crates/server/src")), &["Internal(e.to_string())", "Internal(format!"]);
    assert!(found.is_empty(), "an internal error that drops its cause (use AppError::internal):\n{}", found.join("\n"));
}

/// Each invariant in docs/ARCHITECTURE.md names a test file that exists (since issue 13 every one
/// is checked; a new invariant comes with its test).
#[test]
fn every_invariant_names_a_test_that_exists() {
    let root = root();
    let doc = read(&root.join("docs/ARCHITECTURE.md"));
    let start = doc.find("## Invariants").expect("an Invariants section");
    let section = &doc[start..doc[start + 3..].find("\n## ").map_or(doc.len(), |i| start + 3 + i)];
    let bullets: Vec<&str> = section.split("\n- **").skip(1).collect();
    assert!(bullets.len() >= 10, "the invariants were not found");
    for b in &bullets {
        let b = &b.split_whitespace().collect::<Vec<_>>().join(" ");
        let title: String = b.split("**").next().unwrap_or_default().to_string();
        let tests: Vec<&str> = b
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|t| (t.ends_with(".rs") || t.ends_with(".toml")) && t.contains("tests/"))
            .collect();
        assert!(!tests.is_empty(), "the invariant \"{title}\" names no test");
        for t in tests {
            let exists = [root.join(t), root.join("crates").join(t), root.join("crates/server").join(t)]
                .iter()
                .any(|p| p.is_file());
            assert!(exists, "the invariant \"{title}\" names {t}, which does not exist");
        }
    }
}

/// Roles are `core::role::Role`, parsed once; no handler compares role strings (issue 13).
#[test]
fn roles_are_typed_not_strings() {
    let found = offending(&rust_files(&root().join("crates/server/src")), &["\"clinician\"", "\"peer\"", "\"person\""]);
    assert!(found.is_empty(), "a role as a string (use core::role::Role):\n{}", found.join("\n"));
}

/// No production function in any crate is longer than this many lines (rustfmt's layout:
/// from the `fn` line to the closing brace at the same indent). Issue 13 split the last fifteen;
/// an exception, if ever needed, is listed below with its length and may only shrink.
const LONG_FN_LINES: usize = 80;
const LONG_FUNCTIONS: &[(&str, &str, usize)] = &[];

/// Every function of a file before its `#[cfg(test)]` module, as (name, lines).
fn function_lengths(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let code = l.trim_start();
        let indent = &l[..l.len() - code.len()];
        let after = ["pub(crate) ", "pub ", "const ", "async ", "unsafe "]
            .iter()
            .fold(code, |c, p| c.strip_prefix(p).unwrap_or(c));
        if let Some(rest) = after.strip_prefix("fn ")
            && !l.trim_end().ends_with(';')
        {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let close = format!("{indent}}}");
            let end = (i + 1..lines.len()).find(|&j| lines[j] == close).unwrap_or(i);
            out.push((name, end - i + 1));
            i = end;
        }
        i += 1;
    }
    out
}

#[test]
fn no_new_long_functions_and_the_listed_ones_only_shrink() {
    let root = root();
    let mut found = Vec::new();
    for krate in ["core", "server", "store", "report", "cli"] {
        for f in rust_files(&root.join("crates").join(krate).join("src")) {
            let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
            for (name, n) in function_lengths(&read(&f)).into_iter().filter(|(_, n)| *n > LONG_FN_LINES) {
                found.push((rel.clone(), name, n));
            }
        }
    }
    for (file, name, n) in &found {
        let allowed = LONG_FUNCTIONS.iter().find(|(f, m, _)| f == file && m == name).map(|(_, _, a)| *a);
        match allowed {
            None => panic!(
                "{file}: fn {name} has {n} lines (over {LONG_FN_LINES}); split it into functions named for what they do"
            ),
            Some(a) => assert!(*n <= a, "{file}: fn {name} grew from {a} to {n} lines"),
        }
    }
    // A listed function that is short now comes off the list, so the list stays the truth.
    for (file, name, _) in LONG_FUNCTIONS {
        assert!(
            found.iter().any(|(f, n, _)| f == file && n == name),
            "{file}: fn {name} is no longer over {LONG_FN_LINES} lines: take it off LONG_FUNCTIONS"
        );
    }
    assert!(function_lengths("fn a() {\n    x();\n}\n") == vec![("a".to_string(), 3)], "the measure itself");
}

/// Rust source with comments, string and character literals blanked to spaces (lines kept), so
/// checks read only code.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let blank = |from: usize, to: usize, out: &mut Vec<u8>| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        let start = i;
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'r' if b.get(i + 1).is_some_and(|&n| n == b'#' || n == b'"') && (i == 0 || !ident(b[i - 1])) => {
                let hashes = b[i + 1..].iter().take_while(|&&h| h == b'#').count();
                let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
                i += 2 + hashes;
                while i < b.len() && !b[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            // A character literal ('x', '\n'), not a lifetime ('a).
            b'\'' if b.get(i + 2) == Some(&b'\'') || b.get(i + 1) == Some(&b'\\') => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        blank(start, i, &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The numeric literals of Rust code (see `code_only`), as (line, literal without suffix).
/// Tuple fields (`x.0`) are not literals.
fn number_literals(code: &str) -> Vec<(usize, String)> {
    let b = code.as_bytes();
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
        } else if c.is_ascii_digit() && (i == 0 || !(ident(b[i - 1]) || b[i - 1] == b'.')) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
            if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if matches!(b.get(i), Some(b'e' | b'E')) && b.get(i + 1).is_some_and(|&n| n.is_ascii_digit() || n == b'-') {
                i += 2;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push((line, String::from_utf8_lossy(&b[start..i]).into_owned()));
            while i < b.len() && ident(b[i]) {
                i += 1; // a suffix such as u8 or f64
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The numbers the server and CLI may write down, per file, each a limit of the software (sizes,
/// times, HTTP, cryptography, layout), not of care. A clinical number — a dose, a step, a pace,
/// an interval, a score, a threshold — must come from core or `data/` instead (issue 13).
/// Everywhere: 0, 1, 0.0, 1.0.
const NON_CLINICAL_NUMBERS: &[(&str, &[&str])] = &[
    // password lengths, argon2 parameters and output, hashing wait, seconds per hour, a quarter of
    // the idle time, e-mail length, name length
    ("crates/server/src/auth.rs", &["12", "128", "19_456", "2", "32", "10", "3600", "4", "254", "60"]),
    ("crates/server/src/crisis.rs", &["41"]),   // the number of country files
    ("crates/server/src/readings.rs", &["60"]), // seconds and minutes in the sweep's hour
    ("crates/server/src/plan_cache.rs", &["4096"]), // plan revisions kept parsed at most
    ("crates/server/src/kept.rs", &["4096"]),   // pages kept in memory at most
    ("crates/server/src/cookies.rs", &["64"]),  // a token's length (cookies and links)
    ("crates/server/src/notices.rs", &["64", "1024", "5"]), // a notice's size in KiB; sentences listed
    ("crates/server/src/csrf.rs", &["64", "1024", "60"]), // form body limit, token length; seconds per minute
    ("crates/server/src/lapsed.rs", &["7", "24"]), // how long a form names its owner: days, hours a day
    ("crates/server/src/lib.rs", &["30", "12", "20", "60", "2"]), // session timeouts, plan deadline, /ready's wait
    // connections at once, seconds for headers and body, milliseconds after a failed accept
    ("crates/server/src/listen.rs", &["1024", "10", "30", "100"]),
    // import: the file's size in MiB, records of each kind, the earliest year
    ("crates/server/src/import.rs", &["16", "1024", "20", "200", "8000", "4000", "1000", "500", "1900", "100", "50"]),
    // percent of a questionnaire's maximum on the chart, check-ins listed, note length
    ("crates/server/src/pages/caseload.rs", &["100.0", "14", "2000"]),
    ("crates/server/src/pages/calendar.rs", &["10", "2"]), // years a calendar holds; questionnaires after the last change
    ("crates/server/src/pages/fhir.rs", &["10", "365"]),   // years of doses, days of check-ins a FHIR export holds
    // a summary's periods in days (and how many), steps listed ahead, check-in notes quoted
    // and years of a plan read ahead
    ("crates/server/src/pages/summary.rs", &["4", "30", "90", "180", "365", "6", "14", "10"]),
    ("crates/server/src/pages/handoff.rs", &["2", "7", "30", "24"]), // a link's lifetimes in days; hours a day
    ("crates/server/src/pages/pharmacy.rs", &["3", "28", "56", "84", "12"]), // an order's periods in days; directions listed
    // a link's wrong passcodes, a name's length, seconds a minute, a token's characters shown
    ("crates/server/src/pages/health_links.rs", &["10", "200", "60", "6"]),
    // API tokens: lifetimes in days (and how many), working tokens a person may have, a name's
    // length; hours a day; the statuses the OpenAPI document lists
    ("crates/server/src/access_tokens.rs", &["3", "30", "90", "365", "20", "80"]),
    ("crates/server/src/pages/tokens.rs", &["24"]),
    ("crates/server/src/api/reads.rs", &["200", "400", "401", "403"]),
    ("crates/server/src/api/record.rs", &["201", "400", "401", "403", "404", "409", "413", "429", "5"]), // and fields
    ("crates/server/src/api/checkin.rs", &["201", "400", "401", "403", "409", "413", "429"]),
    ("crates/server/src/api/questionnaire.rs", &["201", "400", "401", "403", "413", "429"]),
    ("crates/server/src/pages/shared_doses.rs", &["14"]), // days of recorded doses a supporter sees
    // list; array sizes of the severity and yes/no words
    ("crates/server/src/pages/checkin.rs", &["14", "4", "2"]),
    ("crates/server/src/checkin_form.rs", &["60", "2000"]), // back-filling, note length
    ("crates/server/src/pages/history.rs", &["20", "5", "3", "2000"]), // input cap, array sizes, note
    ("crates/server/src/pages/plan.rs", &["2"]),            // a plan needs two steps to save
    ("crates/server/src/pages/safety_plan.rs", &["2000", "7", "200", "40"]), // text limits, sections
    // log shown, invitation lifetime and code, label length, hours per day, handle length; the
    // version and variant bytes of a UUID
    ("crates/server/src/pages/sharing.rs", &["200", "7", "12", "4", "8", "80", "24", "64", "6"]),
    ("crates/server/src/sessions.rs", &["1000", "600", "24"]), // milliseconds, clean-up tick, a day
    ("crates/server/src/settings.rs", &["365", "3", "1"]),     // a start date within a year; markets; partial markets
    // limits and waits, words for a wait; device cookie lifetime: days, hours a day, seconds an hour
    ("crates/server/src/throttle.rs", &["10", "30", "50", "600", "15", "12", "90", "59", "60", "24", "3600", "2", "3"]),
    // e-mail: attempts, the lease in minutes, the backoff (1 minute doubling six times, an hour)
    ("crates/server/src/mail.rs", &["8", "5", "1_", "6", "60", "990"]), // and SMTP's line length
    ("crates/server/src/pages/password.rs", &["10"]),                   // minutes between reset links
    // reminders: the hours they go out, minutes an hour, a link's hours, seconds between looks
    ("crates/server/src/reminders.rs", &["9", "60", "20", "18", "10", "24"]),
    ("crates/server/src/pages/questionnaires.rs", &["4", "10"]), // answer words; minutes a resent form is a reload
    // the latency buckets (the Prometheus clients' defaults) and how many there are
    (
        "crates/server/src/metrics.rs",
        &["11", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "2.5", "5.0", "10.0"],
    ),
    // backups: minutes and seconds of an hour between looks, backups kept, hours between them
    ("crates/server/src/backups.rs", &["60", "14", "24"]),
    ("crates/server/src/views.rs", &["56"]), // the number of time zones offered
    ("crates/cli/src/main.rs", &["2"]),      // exit code
    ("crates/cli/src/pk_args.rs", &["2"]),   // pairs of times
    ("crates/cli/src/plan_args.rs", &["20", "4"]), // file size shift; formats export writes
    ("crates/cli/src/serve_args.rs", &["8080", "3", "5"]), // port, "://", seconds between mail-queue looks
];

#[test]
fn no_clinical_number_in_server_or_cli() {
    let root = root();
    let mut found = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for krate in ["server", "cli"] {
        for f in rust_files(&root.join("crates").join(krate).join("src")) {
            let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
            let text = read(&f);
            let production = text.split("\n#[cfg(test)]").next().unwrap_or_default();
            let allowed = NON_CLINICAL_NUMBERS.iter().find(|(p, _)| *p == rel).map_or(&[][..], |(_, v)| *v);
            for (line, literal) in number_literals(&code_only(production)) {
                if !["0", "1", "0.0", "1.0"].contains(&literal.as_str()) && !allowed.contains(&literal.as_str()) {
                    found.push(format!("{rel}:{line}: {literal}"));
                }
                seen.push((rel.clone(), literal));
            }
        }
    }
    // The list stays true: every number on it is still in its file.
    for (file, numbers) in NON_CLINICAL_NUMBERS {
        for number in *numbers {
            let here = seen.iter().any(|(f, l)| f == file && l == number);
            assert!(here, "{file}: {number} is on NON_CLINICAL_NUMBERS but no longer in the file; take it off");
        }
    }
    assert!(
        found.is_empty(),
        "numbers in the server or CLI that are not on the reviewed list of non-clinical numbers; take clinical \
         ones from core or data/, or add a software limit to NON_CLINICAL_NUMBERS:\n{}",
        found.join("\n")
    );
    // The scanner itself: strings, comments, chars and tuple fields are not numbers.
    let probe = "let a = 2.5; // 3\nlet b = \"4\"; let c = x.0 + 6u8; /* 7 */ let d = '8'; let e = 1e-9;";
    let got: Vec<String> = number_literals(&code_only(probe)).into_iter().map(|(_, l)| l).collect();
    assert_eq!(got, ["2.5", "6", "1e-9"]);
}

/// Only core decides doses (issue 13): no line of the server, CLI or reports does arithmetic or
/// rounding where a dose (a name with `dose` or `_mg`) appears. Showing a dose with
/// `trim_number` or `round4` is formatting, not deciding.
#[test]
fn only_core_computes_or_rounds_a_dose() {
    let root = root();
    let dose_arithmetic = |code: &str| {
        let words: Vec<&str> = code.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
        // A plural (`doses`) is a list or a count, not an amount.
        let names_a_dose = words
            .iter()
            .any(|w| (w.contains("dose") && !w.ends_with("doses")) || w.ends_with("_mg") || w.contains("_mg_"));
        let arithmetic = [" * ", " / ", " + ", " - ", "*=", "/=", "+=", "-=", ".round()", ".floor()", ".ceil()"]
            .iter()
            .any(|op| code.contains(op));
        names_a_dose && arithmetic
    };
    let mut found = Vec::new();
    for krate in ["server", "cli", "report"] {
        for f in rust_files(&root.join("crates").join(krate).join("src")) {
            let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
            let text = read(&f);
            let code = code_only(text.split("\n#[cfg(test)]").next().unwrap_or_default());
            for (n, line) in code.lines().enumerate() {
                if dose_arithmetic(line) {
                    found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "a dose computed or rounded outside core (ask core instead):\n{}", found.join("\n"));
    assert!(dose_arithmetic("let next = s.dose_mg * 0.9;") && !dose_arithmetic("let n = doses.len() + 1;"));
    assert!(!dose_arithmetic(&code_only("let x = a * b; // dose_mg")), "comments are not code");
}

/// A crate's modules (by file; a folder's `mod.rs` is the folder's module, and a path through a
/// folder names the module inside it), each with the modules it names through `crate::` or
/// `super::`, grouped imports (`crate::{a, b}`) included.
fn module_graph(
    src: &Path,
    folders: &[&str],
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let name_of = |f: &Path| -> String {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let name =
            if stem == "mod" { f.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()) } else { Some(stem) };
        name.unwrap_or_default().to_string()
    };
    let files = rust_files(src);
    let modules: std::collections::BTreeSet<String> = files.iter().map(|f| name_of(f)).collect();
    let ident =
        |t: &str| t.trim().split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default().to_string();
    let mut graph = std::collections::BTreeMap::new();
    for f in &files {
        let name = name_of(f);
        if name == "lib" {
            continue;
        }
        let text = read(f);
        let code = code_only(text.split("\n#[cfg(test)]").next().unwrap_or_default()).replace("super::", "crate::");
        let mut deps = std::collections::BTreeSet::new();
        for part in code.split("crate::").skip(1) {
            // `crate::{a, b::c}` names each of a and b; `crate::a::b` names a (or b inside a folder).
            let paths: Vec<String> = match part.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or_default().split(',').map(str::to_string).collect(),
                None => vec![part.to_string()],
            };
            for path in paths {
                let segments: Vec<String> = path.trim().split("::").map(ident).collect();
                let first = segments.first().cloned().unwrap_or_default();
                let target = match segments.get(1) {
                    Some(inner) if folders.contains(&first.as_str()) && modules.contains(inner) => inner.clone(),
                    _ => first,
                };
                if target != name && modules.contains(&target) && target != "lib" {
                    deps.insert(target);
                }
            }
        }
        graph.insert(name, deps);
    }
    graph
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            return Some(path[i..].to_vec());
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    graph.keys().find_map(|k| visit(k, graph, &mut Vec::new(), &mut done))
}

/// Issue 13: core's modules form no cycle (the plan types stand alone, so `safety` checks a plan
/// without depending on the planner that calls it), and core is grouped by subdomain.
#[test]
fn core_modules_have_no_import_cycle_and_are_grouped_by_subdomain() {
    let root = root();
    let graph = module_graph(&root.join("crates/core/src"), &["plan", "care", "pk"]);
    assert!(graph.len() > 20, "the module graph was not read: {graph:?}");
    assert_eq!(find_cycle(&graph), None, "core modules that import each other");
    for folder in ["plan", "pk", "care"] {
        assert!(root.join("crates/core/src").join(folder).join("mod.rs").is_file(), "core/src/{folder}/");
    }
    // The detector itself finds a planted cycle.
    let mut planted = graph.clone();
    planted.entry("types".into()).or_default().insert("schedule".into());
    assert!(find_cycle(&planted).is_some());
}

/// Issue 13: each area's view models sit beside its handlers; `views.rs` keeps only what every
/// page shares (one template: the plain message page). Every page template is shown by exactly
/// one view model; the others are partials included by pages.
#[test]
fn view_models_sit_beside_their_handlers() {
    let root = root();
    let views = read(&root.join("crates/server/src/views.rs"));
    assert_eq!(views.matches("#[template(").count(), 1, "views.rs holds page view models again");
    let mut shown: Vec<String> = Vec::new();
    for f in rust_files(&root.join("crates/server/src")) {
        for part in read(&f).split("#[template(path = \"").skip(1) {
            shown.push(part.split('"').next().unwrap_or_default().to_string());
        }
    }
    let partials = [
        "base.html",
        "crisis_block.html",
        "crisis_contact.html",
        "plan_links.html",
        "step_prepare.html",
        "switch_doses.html",
    ];
    for entry in std::fs::read_dir(root.join("crates/server/templates")).expect("templates") {
        let name = entry.expect("an entry").file_name().to_string_lossy().into_owned();
        let n = shown.iter().filter(|s| **s == name).count();
        let expected = usize::from(!partials.contains(&name.as_str()));
        assert_eq!(n, expected, "{name} is shown by {n} view models");
    }
}

/// Issue 13: a stored document is read one way, `AppError::stored` (an error naming it, never a
/// silent default a later save would write over). Other readers of JSON are listed: a person's
/// import file, the session data, and the export (which keeps unreadable text as text).
#[test]
fn stored_documents_are_read_one_way() {
    let root = root();
    let allowed = ["error.rs", "import.rs", "sessions.rs", "pages/account.rs"];
    let files: Vec<PathBuf> = rust_files(&root.join("crates/server/src"))
        .into_iter()
        .filter(|f| !allowed.iter().any(|a| f.ends_with(a)))
        .collect();
    let found = offending(&files, &["serde_json::from_str", "from_str::<"]);
    assert!(found.is_empty(), "a stored document read outside AppError::stored:\n{}", found.join("\n"));
}

/// Issue 13: the store reads rows of four or more columns into named `FromRow` structs, not
/// positional tuples (a swapped column in a tuple compiles; in a struct it does not).
#[test]
fn store_rows_are_named_not_positional() {
    let files = rust_files(&root().join("crates/store/src"));
    let found: Vec<String> = offending(&files, &["Vec<(", "Option<(", "= (String", ": (String"])
        .into_iter()
        .filter(|l| {
            let inner = l.split("<(").nth(1).or_else(|| l.split("= (").nth(1)).or_else(|| l.split(": (").nth(1));
            inner.is_some_and(|t| t.split(')').next().unwrap_or_default().matches(',').count() >= 3)
        })
        .collect();
    assert!(found.is_empty(), "a row of four or more columns read as a tuple:\n{}", found.join("\n"));
}

/// Issue 13: the server's modules form no import cycle either (the self-harm answers have
/// their own module, so sign-in, the CSRF guard and the pages do not import one another; the
/// throttle returns the store's errors, not the server's).
#[test]
fn server_modules_have_no_import_cycle() {
    let graph = module_graph(&root().join("crates/server/src"), &["pages"]);
    assert!(graph.len() > 20, "the module graph was not read: {graph:?}");
    assert_eq!(find_cycle(&graph), None, "server modules that import each other");
    assert!(graph["auth"].contains("csrf") && graph["checkin"].contains("self_harm"), "grouped imports are read");
}

/// Test helpers (throw-away databases, pragma reads) are behind the store's `test-support`
/// feature, which only dev-dependencies turn on: the app does not carry them (house notes §7).
#[test]
fn test_helpers_are_not_compiled_into_the_app() {
    let root = root();
    let lib = read(&root.join("crates/store/src/lib.rs"));
    assert!(lib.contains("#[cfg(feature = \"test-support\")]\npub mod scratch;"), "scratch is not gated");
    for krate in ["server", "cli"] {
        let manifest = read(&root.join("crates").join(krate).join("Cargo.toml"));
        let deps = manifest.split("[dev-dependencies]").next().unwrap_or_default();
        assert!(!deps.contains("test-support"), "{krate} turns test-support on outside its dev-dependencies");
    }
}
