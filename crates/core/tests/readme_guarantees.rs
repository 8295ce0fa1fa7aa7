//! Every guarantee in the README names the tests that prove it; this fails if a named test does
//! not exist, so the list cannot drift from the code.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use std::path::{Path, PathBuf};

fn test_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = krate.unwrap().path().join("tests");
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for e in entries {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
    }
    out
}

#[test]
fn every_test_the_readme_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme.split("## What the planner guarantees").nth(1).unwrap().split("\n## ").next().unwrap();
    let files = test_files(&root);
    let mut named = 0;
    for token in section.split('`').filter(|t| t.contains(".rs::")) {
        let (file, name) = token.split_once("::").unwrap();
        let holder = files.iter().find(|p| p.file_name().is_some_and(|f| f == file));
        let holder = holder.unwrap_or_else(|| panic!("README names {file}, which is not a test file"));
        let text = std::fs::read_to_string(holder).unwrap();
        assert!(text.contains(&format!("fn {name}(")), "README names {token}, but {file} has no such test");
        named += 1;
    }
    let bullets = section.lines().filter(|l| l.starts_with("- **")).count();
    assert!(bullets >= 10 && named >= bullets, "{bullets} guarantees, {named} named tests");
}
