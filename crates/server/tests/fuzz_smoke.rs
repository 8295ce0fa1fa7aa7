//! A short run of the fuzz harness (`benches/fuzz.rs`) in every CI build: each parser reachable
//! from input gets 20,000 generated or mutated inputs, and none may panic.

#[path = "../benches/shared/fuzz_targets.rs"]
mod fuzz_targets;

#[test]
fn no_parser_panics_on_twenty_thousand_inputs_each() {
    let catalogue = taper_core::Catalogue::builtin().expect("catalogue");
    for (k, target) in fuzz_targets::targets().iter().enumerate() {
        let n = if target.name.contains("catalogue") || target.name.contains("measures") { 2_000 } else { 20_000 };
        assert_eq!(fuzz_targets::run(target, &catalogue, 1 + k as u64, n), None, "{} panicked", target.name);
    }
}
