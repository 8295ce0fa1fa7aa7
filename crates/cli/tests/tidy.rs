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

/// Each invariant in docs/ARCHITECTURE.md names a test file that exists, or says plainly that it
/// is not yet checked; the unchecked ones may only become fewer.
#[test]
fn every_invariant_names_a_test_that_exists() {
    const UNCHECKED_AT_MOST: usize = 2;
    let root = root();
    let doc = read(&root.join("docs/ARCHITECTURE.md"));
    let start = doc.find("## Invariants").expect("an Invariants section");
    let section = &doc[start..doc[start + 3..].find("\n## ").map_or(doc.len(), |i| start + 3 + i)];
    let bullets: Vec<&str> = section.split("\n- **").skip(1).collect();
    assert!(bullets.len() >= 10, "the invariants were not found");
    let mut unchecked = Vec::new();
    for b in &bullets {
        let b = &b.split_whitespace().collect::<Vec<_>>().join(" ");
        let title: String = b.split("**").next().unwrap_or_default().to_string();
        let tests: Vec<&str> = b
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|t| (t.ends_with(".rs") || t.ends_with(".toml")) && t.contains("tests/"))
            .collect();
        if tests.is_empty() {
            assert!(b.contains("Not yet checked by a test"), "the invariant \"{title}\" names no test");
            unchecked.push(title);
            continue;
        }
        for t in tests {
            let exists = [root.join(t), root.join("crates").join(t), root.join("crates/server").join(t)]
                .iter()
                .any(|p| p.is_file());
            assert!(exists, "the invariant \"{title}\" names {t}, which does not exist");
        }
    }
    assert!(unchecked.len() <= UNCHECKED_AT_MOST, "more unchecked invariants than before: {unchecked:?}");
}

/// Roles are `core::role::Role`, parsed once; no handler compares role strings (issue 13).
#[test]
fn roles_are_typed_not_strings() {
    let found = offending(&rust_files(&root().join("crates/server/src")), &["\"clinician\"", "\"peer\"", "\"person\""]);
    assert!(found.is_empty(), "a role as a string (use core::role::Role):\n{}", found.join("\n"));
}

/// Production functions in core and server longer than this many lines (rustfmt's layout: from
/// the `fn` line to the closing brace at the same indent) are listed below with their length
/// today; a new one fails, and a listed one may only shrink (issue 13: none over 80 in the end).
const LONG_FN_LINES: usize = 80;
const LONG_FUNCTIONS: &[(&str, &str, usize)] = &[
    ("crates/core/src/crossover.rs", "plan", 148),
    ("crates/server/src/settings.rs", "settings", 142),
    ("crates/core/src/formulation.rs", "build", 141),
    ("crates/core/src/exposure.rs", "analyse", 112),
    ("crates/core/src/adapt.rs", "propose", 104),
    ("crates/core/src/formulation.rs", "new", 99),
    ("crates/core/src/catalogue.rs", "build_drug", 91),
    ("crates/core/src/assess.rs", "assess", 89),
    ("crates/core/src/history.rs", "advise", 84),
];

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
    for krate in ["core", "server"] {
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
