//! The fuzz harness (issue 12): every parser reachable from input, fed generated and mutated
//! input for a while each; prints executions per target and fails on the first panic.
//! `cargo bench -p taper-server --bench fuzz` (`TAPER_FUZZ_SECONDS`, default 10 per target;
//! `TAPER_FUZZ_SEED` to repeat a run).

#[path = "shared/fuzz_targets.rs"]
mod fuzz_targets;

use std::time::{Duration, Instant};

fn main() {
    let seconds: u64 = std::env::var("TAPER_FUZZ_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let seed: u64 = std::env::var("TAPER_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x7a9e_5eed);
    let catalogue = taper_core::Catalogue::builtin().expect("catalogue");
    // Quiet: a caught panic is reported once below, with its seed, not as a backtrace per input.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    println!("{:<40} {:>14} {:>12} {:>8}", "target", "executions", "per second", "panics");
    for (k, target) in fuzz_targets::targets().iter().enumerate() {
        let started = Instant::now();
        let mut done = 0u64;
        let mut batch_seed = seed ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut panicked = None;
        while started.elapsed() < Duration::from_secs(seconds) && panicked.is_none() {
            panicked = fuzz_targets::run(target, &catalogue, batch_seed, 1000);
            done += 1000;
            batch_seed = batch_seed.wrapping_add(0x2545_f491);
        }
        let rate = done as f64 / started.elapsed().as_secs_f64();
        println!("{:<40} {:>14} {:>12.0} {:>8}", target.name, done, rate, usize::from(panicked.is_some()));
        if let Some(state) = panicked {
            failed = true;
            println!("  first panic: batch seed {batch_seed}, generator state {state}");
        }
    }
    if failed {
        std::process::exit(1);
    }
}
